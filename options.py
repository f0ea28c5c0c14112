"""Shared CLI options: every command spells a flag the same way."""
from __future__ import annotations

import click

__all__ = ["jurisdiction_option", "year_option", "graph_option", "out_option", "format_option",
           "quiet_option", "param_option", "parse_params", "DEFAULT_GRAPH"]

DEFAULT_GRAPH = "out"  # where `build` writes when --out is not given

jurisdiction_option = click.option("--jurisdiction", "-j", default=None, metavar="NAME",
                                   help="Jurisdiction name, overriding what the text says (e.g. 温州市).")
year_option = click.option("--year", "-y", type=int, default=None, metavar="N",
                           help="Plan year, overriding what the text says.")
graph_option = click.option("--graph", "graph_dir", default=DEFAULT_GRAPH, show_default=True,
                            type=click.Path(file_okay=False), help="A folder written by `mandategraph build`.")
quiet_option = click.option("--quiet", "-q", is_flag=True, help="No progress on stderr.")


def out_option(**kw):
    return click.option("--out", "-o", **{"help": "Where to write.", **kw})


def format_option(choices=("table", "csv", "json"), default="table"):
    return click.option("--format", "-f", "fmt", type=click.Choice(list(choices)), default=default,
                        show_default=True, help="Output format.")


param_option = click.option("--param", "-p", "params", multiple=True, metavar="KEY=VALUE",
                            help="Query parameter; repeat for several. Integers are passed as integers.")


def parse_params(pairs: tuple[str, ...]) -> dict:
    """``("year=2022", "j=温州市")`` → ``{"year": 2022, "j": "温州市"}``.

    >>> parse_params(("year=2022", "jurisdiction=温州市", "score=0.5"))
    {'year': 2022, 'jurisdiction': '温州市', 'score': 0.5}
    """
    out: dict = {}
    for pair in pairs:
        if "=" not in pair:
            raise click.BadParameter(f"{pair!r} is not KEY=VALUE", param_hint="--param")
        k, v = pair.split("=", 1)
        for conv in (int, float):
            try:
                out[k] = conv(v)
                break
            except ValueError:
                continue
        else:
            out[k] = v
    return out

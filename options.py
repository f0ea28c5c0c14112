"""Shared CLI options: every command spells a flag the same way."""
from __future__ import annotations

import datetime
import json
import re

import click

__all__ = ["jurisdiction_option", "year_option", "graph_option", "out_option", "format_option",
           "quiet_option", "param_option", "parse_params", "check_jurisdiction", "check_year", "YEARS",
           "allow_external_option", "DEFAULT_GRAPH"]

DEFAULT_GRAPH = "out"  # where `build` writes when --out is not given

# Plan years a -y may give without --force-year: the genre (政务公开工作要点) is of this century.
YEARS = (2000, datetime.date.today().year + 1)

_FORCE_J, _FORCE_Y = "mandategraph.force_jurisdiction", "mandategraph.force_year"


def check_jurisdiction(name: str | None, force: bool = False) -> str | None:
    """What a -j NAME is passed on as: the GB/T 2260 code of the one division NAME names
    (a code, an exact name, or a name with its parent's: 370103, 温州市, 济南市市中区).

    Raises
    ------
    JurisdictionError
        NAME is unknown or names several divisions (then it lists them); with
        ``force``, NAME is passed on as written instead (an unknown name becomes
        a jurisdiction without a code, an ambiguous one is picked as a
        document's own text would be).
    """
    if name is None:
        return None
    from .errors import JurisdictionError
    from .loaders.jurisdictions import lookup

    try:
        return lookup(name).code
    except JurisdictionError as exc:
        if force:
            return name
        if exc.candidates:
            raise
        raise JurisdictionError(exc.name, f"{exc}; --force-jurisdiction takes it as written, without a code") \
            from None


def check_year(year: int | None, force: bool = False) -> int | None:
    """A -y N within :data:`YEARS`, or any with ``force``."""
    from .errors import MandateGraphError

    if year is not None and not force and not YEARS[0] <= year <= YEARS[1]:
        raise MandateGraphError(f"year {year} is outside {YEARS[0]}..{YEARS[1]}, the years of these plans; "
                                "--force-year takes it as given")
    return year


def _remember(key):
    def callback(ctx, _param, value):
        ctx.meta[key] = value
    return callback


def jurisdiction_option(f):
    """``-j NAME`` overriding what the text says, checked strictly, and ``--force-jurisdiction``."""
    f = click.option("--force-jurisdiction", is_flag=True, is_eager=True, expose_value=False,
                     callback=_remember(_FORCE_J),
                     help="Take -j as written, even when it is no division's name or several's.")(f)
    return click.option("--jurisdiction", "-j", default=None, metavar="NAME",
                        callback=lambda ctx, _p, v: check_jurisdiction(v, ctx.meta.get(_FORCE_J, False)),
                        help="Jurisdiction, overriding what the text says: a GB/T 2260 name (温州市), code "
                             "(370103) or name with its parent's (济南市市中区).")(f)


def year_option(f):
    """``-y N`` overriding what the text says, within :data:`YEARS`, and ``--force-year``."""
    f = click.option("--force-year", is_flag=True, is_eager=True, expose_value=False,
                     callback=_remember(_FORCE_Y), help="Take a -y outside those years.")(f)
    return click.option("--year", "-y", type=int, default=None, metavar="N",
                        callback=lambda ctx, _p, v: check_year(v, ctx.meta.get(_FORCE_Y, False)),
                        help=f"Plan year, overriding what the text says ({YEARS[0]}..{YEARS[1]}).")(f)


graph_option = click.option("--graph", "graph_dir", default=DEFAULT_GRAPH, show_default=True,
                            type=click.Path(file_okay=False), help="A folder written by `mandategraph build`.")
quiet_option = click.option("--quiet", "-q", is_flag=True, help="No progress on stderr.")
allow_external_option = click.option(
    "--allow-external", is_flag=True,
    help="Let the query read or write files outside the build folder or fetch URLs (Cypher LOAD FROM / "
         "COPY FROM of other files, COPY TO, EXPORT/IMPORT DATABASE, ATTACH, INSTALL, UNINSTALL, LOAD "
         "EXTENSION, CALL home_directory/file_search_path; SPARQL SERVICE). Refused by default.")


def out_option(**kw):
    return click.option("--out", "-o", **{"help": "Where to write.", **kw})


def format_option(choices=("table", "csv", "json"), default="table"):
    return click.option("--format", "-f", "fmt", type=click.Choice(list(choices)), default=default,
                        show_default=True, help="Output format.")


param_option = click.option("--param", "-p", "params", multiple=True, metavar="KEY[:TYPE]=VALUE",
                            help="Query parameter; repeat for several. TYPE is int, float, str or json "
                                 "(-p code:str=007, -p ids:json=[1,2]); without it, a library query's own "
                                 "parameter type, else integers and decimals are numbers.")

_INT = re.compile(r"[-+]?[0-9]+")
_FLOAT = re.compile(r"[-+]?(?:[0-9]+\.[0-9]*|\.[0-9]+|[0-9]+(?:\.[0-9]*)?[eE][-+]?[0-9]+)")
TYPES = ("int", "float", "str", "json")


def _convert(key: str, type_: str, text: str, hint: str = ""):
    from .errors import QueryError

    try:
        if type_ == "int":
            value = int(text) if _INT.fullmatch(text.strip()) else int("x")
        elif type_ == "float":
            value = float(text)
        elif type_ == "json":
            value = json.loads(text)
        else:
            value = text
    except ValueError as exc:
        what = f"JSON ({exc})" if type_ == "json" else f"a{'n' if type_ == 'int' else ''} {type_}"
        raise QueryError(f"--param {key}: {text!r} is not {what}") from None
    from .queries.library import check_int64

    return check_int64(value, f"--param {key}", hint)


def parse_params(pairs: tuple[str, ...], types: dict[str, str] | None = None) -> dict:
    """``("year=2022", "j=温州市")`` → ``{"year": 2022, "j": "温州市"}``.

    ``KEY:TYPE=VALUE`` says the type (int, float, str, json). Without it a
    value takes ``types[KEY]`` (a library query's declared parameter type)
    when given, else whole numbers are integers, decimals floats, the rest text.

    >>> parse_params(("year=2022", "jurisdiction=温州市", "score=0.5"))
    {'year': 2022, 'jurisdiction': '温州市', 'score': 0.5}
    >>> parse_params(("code:str=007", "ids:json=[1, 2]", "n:int=5", "title=2019"), {"title": "str"})
    {'code': '007', 'ids': [1, 2], 'n': 5, 'title': '2019'}

    Raises
    ------
    QueryError
        A value that is not of its type, an integer outside 64 bits, an unknown TYPE.
    """
    from .errors import QueryError

    out: dict = {}
    for pair in pairs:
        if "=" not in pair:
            raise click.BadParameter(f"{pair!r} is not KEY=VALUE", param_hint="--param")
        k, v = pair.split("=", 1)
        k, colon, type_ = k.partition(":")
        if colon:
            if type_ not in TYPES:
                raise QueryError(f"--param {pair!r}: unknown type {type_!r}; known: {', '.join(TYPES)}")
            out[k] = _convert(k, type_, v)
        elif types and k in types:
            out[k] = _convert(k, types[k], v)
        elif _INT.fullmatch(v.strip()):
            out[k] = _convert(k, "int", v, f"; as text: -p {k}:str={v}")
        elif _FLOAT.fullmatch(v.strip()):
            out[k] = float(v)
        else:
            out[k] = v
    return out

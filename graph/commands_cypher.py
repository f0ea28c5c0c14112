"""CLI commands of the Cypher stores: ``cypher``, ``query`` and ``neo4j push|export|statements``.

Each is a thin wrapper: parse options, call one library function, print.
Errors are the library's typed errors, printed by :func:`mandategraph.cli.main`.
"""
from __future__ import annotations

import csv
import json
import sys
import unicodedata
from pathlib import Path

import click

from ..options import allow_external_option, format_option, graph_option, param_option, parse_params, quiet_option

__all__ = ["COMMANDS", "cypher", "query", "neo4j", "format_rows"]


# ---------------------------------------------------------------- output

def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, (list, dict)):
        return json.dumps(value, ensure_ascii=False, default=str)
    return str(value)


def _width(s: str) -> int:
    # Wide (CJK) characters take two terminal columns.
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in s)


def _clip(s: str, limit: int = 60) -> str:
    # A table is for reading at a terminal: long task texts are cut (csv and
    # json give them whole).
    if _width(s) <= limit:
        return s
    out, w = "", 0
    for ch in s:
        w += _width(ch)
        if w > limit - 1:
            break
        out += ch
    return out + "…"


def _pad(s: str, width: int) -> str:
    return s + " " * (width - _width(s))


def format_rows(columns: list[str], rows: list[list], fmt: str) -> str:
    """Rows as an aligned text table, CSV, or a JSON array of objects keyed by column.

    >>> print(format_rows(["unit", "leads"], [["市大数据局", 2]], "table"))
    unit        leads
    ----------  -----
    市大数据局  2
    >>> print(format_rows(["unit", "leads"], [["市大数据局", 2]], "json"))
    [
      {"unit": "市大数据局", "leads": 2}
    ]
    """
    if fmt == "json":
        if not rows:
            return "[]"
        body = ",\n".join("  " + json.dumps(dict(zip(columns, r)), ensure_ascii=False, default=str) for r in rows)
        return "[\n" + body + "\n]"
    if fmt == "csv":
        import io

        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(columns)
        w.writerows([_cell(v) for v in r] for r in rows)
        return buf.getvalue().rstrip("\n")
    cells = [[_clip(_cell(v).replace("\n", " ")) for v in r] for r in rows]
    widths = [max([_width(c)] + [_width(r[i]) for r in cells]) for i, c in enumerate(columns)]
    lines = ["  ".join(_pad(c, w) for c, w in zip(columns, widths)).rstrip(),
             "  ".join("-" * w for w in widths)]
    lines += ["  ".join(_pad(c, w) for c, w in zip(r, widths)).rstrip() for r in cells]
    return "\n".join(lines)


def _echo_rows(columns, rows, fmt) -> None:
    click.echo(format_rows(columns, rows, fmt))
    if fmt == "table" and sys.stderr.isatty():
        click.echo(f"({len(rows)} row{'s' if len(rows) != 1 else ''})", err=True)


# ---------------------------------------------------------------- cypher, query

@click.command()
@click.argument("statement", metavar="QUERY")
@graph_option
@param_option
@format_option()
@allow_external_option
def cypher(statement, graph_dir, params, fmt, allow_external):
    """Run a Cypher QUERY on the built graph's embedded database (LadybugDB).

    Parameters are written $name in the query and given with --param name=value
    (or name:str=value, name:int=…, name:json=…); they are bound, not pasted
    into the text. Without --allow-external, LOAD FROM / COPY … FROM of
    anything but files inside GRAPH, COPY … TO, EXPORT / IMPORT DATABASE,
    ATTACH, INSTALL, UNINSTALL, LOAD EXTENSION and CALL home_directory /
    file_search_path are refused, wherever they stand (after PROFILE too).

    \b
    Example:
      mandategraph cypher "MATCH (u:Unit)-[:LEADS]->(t:Task) WHERE t.year = \\$y
                           RETURN u.name AS unit, count(*) AS n ORDER BY n DESC LIMIT 5" -p y=2022
    """
    from .ladybug_store import ladybug_path, run_cypher

    values = parse_params(params)
    if not allow_external:
        from .guard import check_cypher

        check_cypher(statement, graph_dir)
    columns, rows = run_cypher(ladybug_path(graph_dir), statement, values)
    _echo_rows(columns, rows, fmt)


@click.command()
@click.argument("name", required=False)
@click.option("--list", "list_", is_flag=True, help="List the queries with their parameters and descriptions.")
@param_option
@graph_option
@click.option("--store", default="ladybug", show_default=True, metavar="NAME",
              help="Which store answers (ladybug: embedded Cypher).")
@format_option()
def query(name, list_, params, graph_dir, store, fmt):
    """Run the named query NAME from the query library on the built graph.

    `mandategraph query --list` shows every query, its parameters and what it answers.
    """
    from ..queries.library import STORES, bind_params, get_query, list_queries, run_query

    language = STORES.get(store, ("cypher",))[0]
    if list_ or not name:
        rows = [[q.name, q.signature(), q.description] for q in list_queries(language)]
        _echo_rows(["name", "params", "description"], rows, fmt)
        return
    values = parse_params(params, {p.name: p.type for p in get_query(name, language).params.values()})
    if store == "oxigraph":
        from .commands_rdf import announce_store_load

        announce_store_load(graph_dir)
    columns, rows = run_query(name, values, graph_dir, store=store)
    _echo_rows(columns, rows, fmt)
    limit = bind_params(get_query(name, language), values).get("limit")
    if limit and len(rows) >= limit:
        click.echo(f"note: the first {limit} rows (the query's limit); -p limit=N for more", err=True)


# ---------------------------------------------------------------- neo4j

@click.group()
def neo4j():
    """Push the graph to Neo4j, or export CSVs for neo4j-admin import."""


@neo4j.command()
@click.option("--uri", default=None, metavar="URI", help="neo4j://, neo4j+s://, bolt://… [env NEO4J_URI]")
@click.option("--user", default=None, help="[env NEO4J_USER, else neo4j]")
@click.option("--password", default=None, help="[env NEO4J_PASSWORD]")
@click.option("--database", default=None, help="Target database [env NEO4J_DATABASE, else neo4j].")
@click.option("--batch-size", default=1000, show_default=True, type=click.IntRange(1), help="Rows per transaction.")
@click.option("--checkpoint", default=None, type=click.Path(dir_okay=False),
              help="Progress file for resuming  [default: GRAPH/neo4j-push.checkpoint.json]")
@graph_option
@quiet_option
def push(uri, user, password, database, batch_size, checkpoint, graph_dir, quiet):
    """Push the built graph into Neo4j: constraints, then batched MERGE of nodes and relationships.

    Idempotent (a re-push changes nothing) and resumable: an interrupted push
    starts again at the first batch not done.
    """
    from .neo4j_store import push as push_graph, resolve_connection

    uri, user, password, database = resolve_connection(uri, user, password, database)
    checkpoint = checkpoint or str(Path(graph_dir) / "neo4j-push.checkpoint.json")
    show = not quiet and sys.stderr.isatty()

    def progress(batch, sent):
        if show:
            click.echo(f"{'sent' if sent else 'done before'}: {batch.key} ({len(batch.rows)} rows)", err=True)

    report = push_graph(graph_dir, uri, user, password, database, batch_size, checkpoint=checkpoint,
                        progress=progress)
    c = report.counters
    click.echo(f"pushed {report.sent} of {report.batches} batches ({report.rows} rows) to {uri}, database "
               f"{database}; {report.skipped} already done; created {c.get('nodes_created', 0)} nodes and "
               f"{c.get('relationships_created', 0)} relationships, set {c.get('properties_set', 0)} properties")


@neo4j.command()
@click.option("--out", "-o", "out", required=True, type=click.Path(file_okay=False), help="Folder for the CSVs.")
@click.option("--database", default="neo4j", show_default=True, help="Database named in the import command.")
@graph_option
def export(out, database, graph_dir):
    """Write CSVs for `neo4j-admin database import` and the command line (OUT/IMPORT.txt)."""
    from .neo4j_store import export_admin_csv

    paths = export_admin_csv(graph_dir, out, database=database)
    click.echo(f"wrote {len(paths) - 1} CSV files and {paths[-1]}")


@neo4j.command()
@click.option("--batch-size", default=1000, show_default=True, type=click.IntRange(1), help="Rows per transaction.")
@graph_option
def statements(batch_size, graph_dir):
    """Print every statement a push sends (with row counts when GRAPH is built)."""
    from .neo4j_store import statements_text

    built = (Path(graph_dir) / "tables").is_dir()
    click.echo(statements_text(graph_dir if built else None, batch_size), nl=False)


COMMANDS = [cypher, query, neo4j]

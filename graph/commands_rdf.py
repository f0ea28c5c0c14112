"""CLI commands of the RDF side: ``export rdf``, ``validate``, ``sparql`` and ``sparql-push``.

Each wraps one library function (:func:`~mandategraph.graph.rdf_export.export_rdf`,
:func:`~mandategraph.graph.validate.validate`,
:func:`~mandategraph.graph.sparql_store.run_sparql` /
:func:`~mandategraph.graph.sparql_server.query_endpoint`,
:func:`~mandategraph.graph.sparql_server.push`); errors are the library's
typed errors, printed by :func:`mandategraph.cli.main`.
"""
from __future__ import annotations

import sys
from pathlib import Path

import click

from ..options import (DEFAULT_GRAPH, allow_external_option, format_option, graph_option, param_option, parse_params,
                       quiet_option)
from ..queries.library import STORES, register_store

__all__ = ["COMMANDS", "export", "validate", "sparql", "sparql_push"]

DEFAULT_BASE = "https://w3id.org/mandategraph/"  # = rdf_vocab.DEFAULT_BASE; not imported, to keep --help fast

# `mandategraph query NAME --store oxigraph` runs the SPARQL twin on the embedded store.
# (sparql_store registers the same when imported; here without importing it, to keep --help fast.)
if "oxigraph" not in STORES:
    register_store("oxigraph", "sparql", "mandategraph.graph.sparql_store:BuildStore", opener=True)


def announce_store_load(graph_dir: str) -> None:
    """Say on stderr that the embedded SPARQL store is about to be loaded, which takes minutes for a big build."""
    from ..errors import ReadError
    from .sparql_store import store_is_current, store_path
    from .tables import tables_of

    try:
        if store_is_current(graph_dir):
            return
        size = sum(f.stat().st_size for f in tables_of(graph_dir).glob("*.parquet"))
    except (ReadError, OSError):  # a folder that is not a build: the query itself reports it
        return
    click.echo(f"loading the embedded SPARQL store {store_path(graph_dir)} from the tables ({size / 1e6:,.0f} MB of "
               "Parquet; once, until the tables change: ~8 minutes for a national build)", err=True)


base_option = click.option("--base", default=DEFAULT_BASE, show_default=True, metavar="IRI",
                           help="Base IRI of every exported resource.")


def _auth_options(f):
    f = click.option("--auth", "auth_scheme", type=click.Choice(["basic", "digest"]), default="basic",
                     show_default=True, help="HTTP authentication scheme for --user/--password.")(f)
    f = click.option("--password", envvar="MANDATEGRAPH_SPARQL_PASSWORD", default=None,
                     help="Password [env MANDATEGRAPH_SPARQL_PASSWORD].")(f)
    f = click.option("--user", default=None, help="User name for the server.")(f)
    return f


def _auth(user, password, scheme):
    from .sparql_server import Auth

    if user is None and password is None:
        return None
    if not user or password is None:
        raise click.UsageError("--user and --password go together")
    return Auth(user, password, scheme)


def _size(n: int) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return str(n)


# ---------------------------------------------------------------- export rdf

@click.group()
def export():
    """Export the built graph in other formats."""


def _formats(_ctx, _param, value):
    from ..errors import MandateGraphError
    from .rdf_export import parse_formats

    try:
        return parse_formats(value or ["ttl,nt,jsonld"])
    except MandateGraphError as exc:
        raise click.BadParameter(str(exc)) from None


@export.command("rdf")
@graph_option
@click.option("--out", "-o", "out", required=True, type=click.Path(file_okay=False),
              help="Folder to write graph.ttl, graph.nt, graph.jsonld (and/or graph.nq), ontology.ttl, shapes.ttl, "
                   "catalog.ttl.")
@base_option
@click.option("--format", "-f", "formats", multiple=True, callback=_formats, metavar="LIST",
              help="Graph formats, comma-separated or repeated: ttl, nt, jsonld, nq (N-Quads for bulk loaders). "
                   "[default: ttl,nt,jsonld]")
@click.option("--graph-iri", default=None, metavar="IRI",
              help="Named graph of the N-Quads  [default: BASE/catalog/dataset, the dataset of the DCAT record]")
@click.option("--download-url", default=None, metavar="URL",
              help="Folder URL the files will be published at (dcat:downloadURL = URL/NAME).")
@click.option("--license", "license_", default=None, metavar="URL", help="Licence IRI for the DCAT record.")
@click.option("--contact", default=None, metavar="EMAIL", help="Contact e-mail for the DCAT record.")
@click.option("--publisher", default=None, metavar="NAME", help="Publisher name for the DCAT record.")
def export_rdf_command(graph_dir, out, base, formats, graph_iri, download_url, license_, contact, publisher):
    """Write the graph as RDF (Turtle, N-Triples, JSON-LD, N-Quads) with its ontology, SHACL shapes and a DCAT record.

    The build's tables are turned into RDF directly, column by column: no
    graph is loaded, and a national build exports at about a million
    triples a second.

    \b
    Examples:
      mandategraph export rdf --graph out --out out/rdf \\
          --download-url https://data.example.gov.cn/mandategraph/ \\
          --license https://creativecommons.org/licenses/by/4.0/ --contact open@example.gov.cn
      mandategraph export rdf --graph out --out out/rdf --format nt,nq   # for a SPARQL bulk loader
    """
    from .rdf_export import export_rdf

    if graph_iri and "nq" not in formats:
        raise click.BadParameter("goes with --format nq", param_hint="--graph-iri")
    result = export_rdf(graph_dir, out, base, formats=formats, graph_iri=graph_iri, download_url=download_url,
                        license=license_, contact=contact, publisher=publisher)
    click.echo(f"{result.triples} triples ({result.triples_per_second:,.0f} triples/s) written to {out}/")
    for f in result.files:
        click.echo(f"  {f.name:<14}{_size(f.stat().st_size):>10}")
    hint = _validate_hint(out, result.triples, formats)
    if hint:
        click.echo(hint)


# `validate` as measured by bench/bench_validate.py (bench/README.md): above its default batch it checks batch by
# batch, ~10,000 triples/s on one core, in ~1 GB plus ~21 bytes a triple for its index of types and documents.
# Written out, not imported, so `--help` does not load rdflib (validate_batched.DEFAULT_BATCH; a test holds them equal).
VALIDATE_BATCH = 200_000
VALIDATE_TRIPLES_PER_S = 10_000


def _validate_hint(out, triples: int, formats) -> str:
    """The line suggesting `validate`, with what it will cost when that is more than a few seconds."""
    if triples <= VALIDATE_BATCH:
        return f"check it: mandategraph validate {out}"
    if not {"nt", "nq"} & set(formats):  # Turtle and JSON-LD are checked whole: ~2 KB of memory a triple
        return ""
    minutes = triples / VALIDATE_TRIPLES_PER_S / 60
    gib = 1.0 + triples * 21e-9
    return (f"check it: mandategraph validate {out}  (~{minutes:,.0f} min and ~{gib:.1f} GB on one core; "
            "-j 2: ~2/3 of the time)")


# ---------------------------------------------------------------- validate

@click.command()
@click.argument("folder", default=str(Path(DEFAULT_GRAPH) / "rdf"), required=False,
                type=click.Path(file_okay=False))
@click.option("--shapes", "extra", multiple=True, type=click.Path(dir_okay=False, exists=True),
              help="More SHACL shapes to run (e.g. DCAT-AP's); repeat for several.")
@click.option("--warnings/--no-warnings", default=True, show_default=True, help="List warnings too.")
@click.option("--batch-size", default=VALIDATE_BATCH, show_default=True, type=click.IntRange(min=0), metavar="TRIPLES",
              help="Validate a bigger N-Triples/N-Quads export in batches of this many triples (the same report; "
                   "~0.5 GB per 200,000); 0 loads the whole graph at once.")
@click.option("--jobs", "-j", default=1, show_default=True, type=click.IntRange(min=1),
              help="Processes running the shapes on the batches (each holds one batch).")
@quiet_option
def validate(folder, extra, warnings, batch_size, jobs, quiet):
    """Validate an RDF export FOLDER with its SHACL shapes (default: out/rdf).

    Prints one line per problem, naming the resource by its graph id, and
    exits with status 1 when there is a violation. An export of more than
    --batch-size triples is checked batch by batch (each resource with the
    triples its shapes read), in bounded memory, with the report pyshacl
    gives on the whole graph: ~10,000 triples/s a process, 1,200 plans (4.9M
    triples) in 8 minutes within 1.1 GB (README "Benchmarks").
    """
    from .validate import validate as run

    report = run(folder, extra, batch_size=batch_size or None, jobs=jobs,
                 progress=not quiet and sys.stderr.isatty())
    for line in report.lines():
        if warnings or line.startswith("Violation"):
            click.echo(line)
    click.echo(report.summary())
    if not report.conforms:
        sys.exit(1)


# ---------------------------------------------------------------- sparql

@click.command()
@click.argument("statement", metavar="QUERY")
@graph_option
@click.option("--endpoint", default=None, metavar="URL", help="Query a SPARQL endpoint instead of the build.")
@click.option("--graph-iri", default=None, metavar="IRI", help="With --endpoint: the named graph to query.")
@param_option
@_auth_options
@format_option()
@allow_external_option
def sparql(statement, graph_dir, endpoint, graph_iri, params, user, password, auth_scheme, fmt, allow_external):
    """Run a SPARQL QUERY (SELECT or ASK) on the built graph's embedded store, or on an endpoint.

    QUERY is the text, or @FILE to read it from a file. Parameters are written
    $name and given with --param name=value (or name:str=value, …); a $name
    in a string, an IRI or a comment stays as written. On the embedded store
    a SERVICE clause is refused without --allow-external.

    \b
    Example:
      mandategraph sparql "PREFIX mg: <https://w3id.org/mandategraph/ontology#>
        SELECT ?year (COUNT(*) AS ?tasks) WHERE { ?t a mg:Task ; mg:year ?year } GROUP BY ?year"
    """
    from .commands_cypher import format_rows
    from .guard import check_sparql, substitute_sparql
    from .sparql_store import run_sparql

    if statement.startswith("@"):
        try:
            statement = Path(statement[1:]).read_text(encoding="utf-8")
        except OSError as exc:
            raise click.BadParameter(f"cannot read {statement[1:]}: {exc.strerror}", param_hint="QUERY") from None
    values = parse_params(params)
    # $name outside strings, IRIs and comments becomes an escaped literal; the
    # text that runs (not the one typed) is what the guard checks.
    statement = substitute_sparql(statement, values)
    if endpoint:
        from .sparql_server import query_endpoint

        columns, rows = query_endpoint(endpoint, statement, default_graph=graph_iri,
                                       auth=_auth(user, password, auth_scheme))
    else:
        if not allow_external:
            check_sparql(statement)
        announce_store_load(graph_dir)
        columns, rows = run_sparql(graph_dir, statement, {})  # substituted already
    click.echo(format_rows(columns, rows, fmt))


# ---------------------------------------------------------------- sparql-push

@click.command("sparql-push")
@click.option("--endpoint", required=True, metavar="URL",
              help="Graph Store Protocol URL (Oxigraph …/store, Virtuoso …/sparql-graph-crud-auth).")
@click.option("--graph-iri", default=None, metavar="IRI",
              help="Named graph to load into  [default: BASE/graph/<hash of the data>, one per build]")
@click.option("--mode", type=click.Choice(["replace", "merge"]), default="replace", show_default=True,
              help="Replace the named graph's content or add to it.")
@_auth_options
@click.option("--graph", "graph_dir", default=DEFAULT_GRAPH, show_default=True, type=click.Path(file_okay=False),
              help="A build folder, or an export folder (then its catalog.ttl goes too).")
@base_option
@click.option("--query-endpoint", default=None, metavar="URL", help="SPARQL query URL, if not inferable.")
@click.option("--update-endpoint", default=None, metavar="URL", help="SPARQL Update URL, if not inferable.")
@click.option("--no-update", is_flag=True,
              help="Use only the Graph Store Protocol (PUT/POST), not SPARQL Update MOVE/ADD.")
@click.option("--timeout", default=600.0, show_default=True, type=float, help="Seconds per HTTP request.")
@quiet_option
def sparql_push(endpoint, graph_iri, mode, user, password, auth_scheme, graph_dir, base, query_endpoint,
                update_endpoint, no_update, timeout, quiet):
    """Load the graph into a SPARQL 1.1 server through the Graph Store Protocol.

    The data goes to a staging graph first and is counted there; only then is
    the named graph replaced (or merged into). A failed push leaves it as it was.

    \b
    Examples:
      mandategraph sparql-push --endpoint http://127.0.0.1:7878/store
      mandategraph sparql-push --endpoint http://127.0.0.1:8890/sparql-graph-crud-auth \\
          --user dba --password dba --auth digest --graph-iri https://example.org/graph/latest
    """
    from .sparql_server import Endpoints, default_graph_iri, push, rdf_payload

    payload, triples = rdf_payload(graph_dir, base)
    endpoints = Endpoints.infer(endpoint, query_endpoint, update_endpoint, use_update=not no_update)
    iri = graph_iri or default_graph_iri(payload, base)
    if not quiet and sys.stderr.isatty():
        click.echo(f"pushing {triples} triples ({_size(len(payload))}) to <{iri}> …", err=True)
    report = push(payload, triples, endpoints, iri, mode=mode, auth=_auth(user, password, auth_scheme),
                  timeout=timeout)
    how = {"new graph": "into a new graph", "update": f"{mode} through a staging graph and SPARQL Update",
           "graph-store": f"{mode} through a staging graph and Graph Store PUT/POST"}[report.method]
    click.echo(f"pushed {report.triples} triples ({_size(report.bytes)}) to <{report.graph_iri}> in "
               f"{report.seconds.get('upload', 0):.2f} s ({report.triples_per_second:,.0f} triples/s), "
               f"{how}; the graph holds {report.stored} triples")
    if endpoints.query:
        click.echo(f"query it: mandategraph sparql --endpoint {endpoints.query} --graph-iri {report.graph_iri} \"…\"")


COMMANDS = [export, validate, sparql, sparql_push]

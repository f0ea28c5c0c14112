"""Registries of writers and stores by name (imported lazily by their users)."""
from __future__ import annotations

__all__ = ["WRITERS", "STORES"]

# name -> "module:function" and a one-line description
WRITERS: dict[str, tuple[str, str]] = {
    "jsonl": ("mandategraph.loaders.commands:extract", "extraction contract, one task per line"),
    "tables": ("mandategraph.graph.tables:write_tables", "node and edge tables, CSV and Parquet"),
    "ladybug": ("mandategraph.graph.ladybug_store:write_ladybug", "embedded Cypher database (LadybugDB)"),
    "neo4j-admin": ("mandategraph.graph.neo4j_store:export_admin_csv", "CSVs for neo4j-admin database import"),
    "rdf": ("mandategraph.graph.rdf_export:export_rdf", "Turtle, N-Triples, JSON-LD with a DCAT record"),
}

STORES: dict[str, tuple[str, str]] = {
    "networkx": ("mandategraph.graph.tables:load_graph", "the whole graph in memory"),
    "ladybug": ("mandategraph.graph.ladybug_store:run_cypher", "embedded Cypher (default)"),
    "neo4j": ("mandategraph.graph.neo4j_store:push", "Neo4j through the official driver"),
    "oxigraph": ("mandategraph.graph.sparql_store", "embedded SPARQL"),
    "sparql-server": ("mandategraph.graph.sparql_server", "any SPARQL 1.1 server (Graph Store Protocol)"),
}

"""SHACL validation of exports: the seed export is clean, a broken graph is not, in readable lines."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from rdf_helpers import chain_graph

from mandategraph.errors import ReadError
from mandategraph.graph.rdf_export import export_rdf
from mandategraph.graph.validate import validate

DCAT_AP = Path(__file__).parent / "data" / "dcat-ap-3.0.1"


def test_seed_export_validates_clean(seed_graph, tmp_path):
    out = export_rdf(seed_graph, tmp_path, license="https://creativecommons.org/licenses/by/4.0/",
                     contact="open@example.gov.cn", download_url="https://data.example.gov.cn/mg/").folder
    report = validate(out)
    assert report.lines() == []
    assert report.conforms and report.triples > 15000


def test_seed_export_validates_with_dcat_ap_mandatory_shapes_too(seed_graph, tmp_path):
    out = export_rdf(seed_graph, tmp_path, license="https://creativecommons.org/licenses/by/4.0/",
                     contact="open@example.gov.cn", download_url="https://data.example.gov.cn/mg/").folder
    report = validate(out, [DCAT_AP / "shapes.ttl", DCAT_AP / "range.ttl"])
    assert report.lines() == []


def _broken(tmp_path: Path) -> Path:
    """chain_graph with one fault of each kind the shapes are there to catch."""
    g = chain_graph()
    del g.nodes["T:wz2024:1"]["year"]  # a task without a year
    g.nodes["T:wz2024:3"]["deadline"] = "下个月"  # a deadline that is not a date
    g.nodes["T:wz2019:2"]["span_start"] = 99  # a span that ends before it starts
    g.remove_edge("U:330300:市疫情防控办", "J:330300", key="BELONGS_TO")  # a unit of no jurisdiction
    g.remove_edge("J:330300", "D:wz2024", key="ISSUED")  # a document nobody issued
    g.edges["T:wz2022:1", "T:wz2024:1", "CONTINUES"]["score"] = 1.7  # a score out of range
    out = export_rdf(g, tmp_path).folder
    nt = out / "graph.nt"
    text = nt.read_text(encoding="utf-8")
    # A mandate with no role, and a mandate whose direct link is missing.
    text, n1 = re.subn(r"<[^>]*/mandate/tz2022/1/assist/[^>]*> <[^>]*#role> <[^>]*> \.\n", "", text)
    text, n2 = re.subn(r"<[^>]*/unit/330300/[^>]*> <[^>]*#leads> <[^>]*/task/wz2019/1> \.\n", "", text)
    assert n1 == n2 == 1
    nt.write_text(text, encoding="utf-8")
    return out


def test_a_broken_graph_fails_with_readable_messages(tmp_path):
    report = validate(_broken(tmp_path))
    assert not report.conforms
    assert [line for line in report.lines() if line.startswith("Violation")] == [
        "Violation  Document D:wz2024  dcterms:publisher: needs exactly one issuing mg:Jurisdiction "
        "(dcterms:publisher)",
        "Violation  Mandate U:331000:市级有关单位 -> T:tz2022:1  mg:role: needs exactly one mg:role, "
        "mg:lead or mg:assist",
        "Violation  Task T:wz2019:2  mg:spanStart: needs one mg:spanStart, an integer >= 0 and <= mg:spanEnd "
        "(value: 99)",
        "Violation  Task T:wz2024:1  mg:jurisdiction: needs exactly one mg:jurisdiction (the jurisdiction that "
        "issued its document)",
        "Violation  Task T:wz2024:1  mg:year: needs exactly one mg:year, an integer plan year",
        "Violation  Task T:wz2024:2  mg:jurisdiction: needs exactly one mg:jurisdiction (the jurisdiction that "
        "issued its document)",
        "Violation  Task T:wz2024:3  mg:deadline: mg:deadline must be one xsd:date (value: 下个月)",
        "Violation  Task T:wz2024:3  mg:jurisdiction: needs exactly one mg:jurisdiction (the jurisdiction that "
        "issued its document)",
        "Violation  TaskLink T:wz2022:1 -> T:wz2024:1  mg:score: needs exactly one mg:score, a double between "
        "0 and 1 (value: 1.7)",
        "Violation  Unit U:330300:市疫情防控办  org:unitOf: needs exactly one org:unitOf a mg:Jurisdiction",
        "Violation  mg:lead  Mandate U:330300:市大数据发展管理局 -> T:wz2019:1 has this role but its unit has "
        "no direct link (mg:leads / mg:assists) to its task",
    ]
    assert report.summary().startswith("does not conform: 11 violation(s)")


def test_a_task_with_a_date_and_ongoing_is_caught(tmp_path):
    g = chain_graph()
    out = export_rdf(g, tmp_path).folder
    nt = out / "graph.nt"
    nt.write_text(nt.read_text(encoding="utf-8") +
                  '<https://w3id.org/mandategraph/task/wz2024/1> <https://w3id.org/mandategraph/ontology#ongoing> '
                  '"true"^^<http://www.w3.org/2001/XMLSchema#boolean> .\n', encoding="utf-8")
    lines = [x for x in validate(out).lines() if x.startswith("Violation")]
    assert lines == ["Violation  Task T:wz2024:1  a task cannot have both a mg:deadline date and mg:ongoing"]


def test_not_an_export_folder_is_a_clear_error(tmp_path):
    with pytest.raises(ReadError, match="not an RDF export folder"):
        validate(tmp_path)


def test_invalid_rdf_is_a_clear_error(tmp_path):
    (tmp_path / "graph.nt").write_text("<http://a> <http://b> \"unterminated .\n", encoding="utf-8")
    with pytest.raises(ReadError, match=r"graph.nt: not valid RDF \(nt\)"):
        validate(tmp_path)

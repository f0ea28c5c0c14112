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


# ---------------------------------------------------------------- batched validation = whole-graph pyshacl

T = "https://w3id.org/mandategraph/"
MG = T + "ontology#"
XSD = "http://www.w3.org/2001/XMLSchema#"


@pytest.fixture(scope="module")
def seed_export(seed_graph, tmp_path_factory):
    return export_rdf(seed_graph, tmp_path_factory.mktemp("seed_rdf"), formats="nt,nq").folder


def _same(folder: Path, batch_size: int, extra=(), jobs: int = 1):
    """The batched report and pyshacl's on the whole graph, which must be equal."""
    whole = validate(folder, extra, batch_size=None)
    batched = validate(folder, extra, batch_size=batch_size, jobs=jobs)
    assert batched.triples == whole.triples
    assert batched.lines() == whole.lines()
    assert batched.conforms == whole.conforms
    return whole


def _drop(text: str, pattern: str, count: int = 1) -> tuple[str, list[str]]:
    """Remove the first ``count`` lines matching ``pattern``; return the text and the removed lines."""
    gone = re.findall(pattern, text, flags=re.M)[:count]
    assert len(gone) == count, pattern
    for line in gone:
        text = text.replace(line + "\n", "", 1)
    return text, gone


def _subject(line: str) -> str:
    return line.split(" ", 1)[0]


def _broken_seed(src: Path, dst: Path) -> Path:
    """The seed export with a fault of every kind, some spread across documents and batches."""
    import shutil

    shutil.copytree(src, dst)
    nt = dst / "graph.nt"
    text = nt.read_text(encoding="utf-8")
    # a task without its document link (prov:wasDerivedFrom), another without dcterms:hasPart too
    text, (derived,) = _drop(text, rf"^<{T}task/\S+> <http://www.w3.org/ns/prov#wasDerivedFrom> .*$")
    text, (derived2,) = _drop(text, rf"^<{T}task/\S+/0035> <http://www.w3.org/ns/prov#wasDerivedFrom> .*$")
    text, _ = _drop(text, rf"^<\S+> <http://purl.org/dc/terms/hasPart> {_subject(derived2)} \.$")
    # a deadline with a wrong datatype, a score out of range, a span that ends before it starts
    text, (deadline,) = _drop(text, rf"^<\S+> <{MG}deadline> .*$")
    text += deadline.replace(f"<{XSD}date>", f"<{XSD}string>") + "\n"
    text, (score,) = _drop(text, rf"^<{T}theme-assignment/\S+> <{MG}score> .*$")
    text += re.sub(r'"[^"]*"', '"1.5"', score) + "\n"
    text = re.sub(rf'^(<{T}task/\S+/0003> <{MG}spanStart> )"\d+"', r'\1"999999"', text, count=1, flags=re.M)
    # a mandate without its role, a unit's direct mg:leads link gone (the SPARQL constraint)
    text, _ = _drop(text, rf"^<{T}mandate/\S+/assist/\S+> <{MG}role> .*$")
    text, _ = _drop(text, rf"^<{T}unit/\S+> <{MG}leads> <{T}task/\S+/0002> \.$")
    # a mandate moved to a task of another document; a task with a deadline and ongoing, said at the end
    docs = sorted(set(re.findall(rf"<{T}task/(\w+)/0001>", text)))
    text, n = re.subn(rf"^(<{T}mandate/{docs[0]}/\S+> <{MG}task> )<{T}task/{docs[0]}/\d+>",
                      rf"\1<{T}task/{docs[1]}/0001>", text, count=1, flags=re.M)
    assert n == 1
    text += f'{_subject(deadline)} <{MG}ongoing> "true"^^<{XSD}boolean> .\n'
    # a unit of a theme, not a jurisdiction, and a jurisdiction without its type
    text, (unit_of,) = _drop(text, rf"^<{T}unit/\S+> <http://www.w3.org/ns/org#unitOf> .*$")
    text += f"{_subject(unit_of)} <http://www.w3.org/ns/org#unitOf> <{T}theme/environment> .\n"
    text, _ = _drop(text, rf"^<{T}jurisdiction/510321> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> "
                          rf"<{MG}Jurisdiction> \.$")
    nt.write_text(text, encoding="utf-8")
    (dst / "graph.nq").unlink()
    # a dataset missing dcterms:title
    cat = dst / "catalog.ttl"
    catalog = cat.read_text(encoding="utf-8")
    catalog, n = re.subn(r'    dcterms:title "Units, tasks[^\n]*\n[^\n]*@zh ;\n', "", catalog)
    # and a date that is not a date (DCAT-AP checks it through sh:node and sh:or, on the literal itself)
    catalog, m = re.subn(r'(<https://w3id.org/mandategraph/catalog> a dcat:Catalog ;\n(?:    [^\n]*\n)*?'
                         r'    dcterms:issued )"[^"]*"\^\^xsd:date', r'\1"last year"', catalog)
    assert n == m == 1
    cat.write_text(catalog, encoding="utf-8")
    return dst


@pytest.mark.parametrize("batch_size", [700, 4000])
def test_batched_validation_is_pyshacl_on_the_whole_seed_export(seed_export, batch_size):
    whole = _same(seed_export, batch_size)
    assert whole.conforms and whole.warnings


def test_batched_validation_of_the_n_quads_is_the_same(seed_export, tmp_path):
    import shutil

    shutil.copytree(seed_export, tmp_path / "rdf")
    (tmp_path / "rdf" / "graph.nt").unlink()
    _same(tmp_path / "rdf", 1500)


def test_batched_validation_finds_the_same_faults_as_pyshacl(seed_export, tmp_path):
    broken = _broken_seed(seed_export, tmp_path / "broken")
    whole = _same(broken, 900)
    text = "\n".join(whole.lines())
    for fault in ("prov:wasDerivedFrom: needs exactly one", "^dcterms:hasPart: must be contained",
                  "mg:deadline: mg:deadline must be one xsd:date", "mg:score: needs exactly one mg:score",
                  "mg:spanStart: needs one mg:spanStart", "mg:role: needs exactly one mg:role",
                  "has this role but its unit has no direct link",
                  "a task cannot have both a mg:deadline date and mg:ongoing",
                  "org:unitOf: needs exactly one org:unitOf", "mg:jurisdiction: needs exactly one",
                  "dcat:Dataset <https://w3id.org/mandategraph/catalog/dataset>  dcterms:title: needs a dcterms:title"):
        assert fault in text, fault
    assert len(whole.violations) >= 12


def test_batched_validation_with_dcat_ap_and_two_processes(seed_export, tmp_path):
    broken = _broken_seed(seed_export, tmp_path / "broken")
    whole = _same(broken, 3000, [DCAT_AP / "shapes.ttl", DCAT_AP / "range.ttl"], jobs=2)
    assert any("dcterms:issued: Value does not conform to Shape :DateOrDateTimeDataType_Shape" in x
               for x in whole.lines())


def test_batched_validation_of_the_broken_chain(tmp_path):
    _same(_broken(tmp_path), 60)


def test_export_suggests_validate_with_its_cost_when_big():
    from mandategraph.graph.commands_rdf import _validate_hint

    assert _validate_hint("out/rdf", 18_629, ("ttl", "nt", "jsonld")) == "check it: mandategraph validate out/rdf"
    big = _validate_hint("out/rdf", 88_000_000, ("nt",))
    assert big == "check it: mandategraph validate out/rdf  (~147 min and ~2.8 GB on one core; -j 2: ~2/3 of the time)"
    assert _validate_hint("out/rdf", 88_000_000, ("ttl",)) == ""  # Turtle is loaded whole: no suggestion

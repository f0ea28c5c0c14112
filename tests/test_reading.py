"""Reading files: encodings detected, HTML and .docx, traditional script, bad input.

Each variant is made from a real seed document, so the same tasks must come out.
"""
from __future__ import annotations

import zipfile

import pytest

from mandategraph.errors import ReadError
from mandategraph.loaders.extract import extract_file
from mandategraph.loaders.reading import read_document

SEED = "taizhou_2022_work_plan.txt"


def _tasks(path, **kw):
    return [(t.path, t.text, [u.unit for u in t.lead], [u.unit for u in t.assist]) for t in extract_file(path, **kw).tasks]


@pytest.fixture(scope="module")
def seed_text(documents):
    return (documents / SEED).read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def seed_tasks(documents):
    return _tasks(documents / SEED)


@pytest.mark.parametrize("encoding, detected", [
    ("gb18030", "gb18030"), ("gbk", None), ("utf-16", "utf-16"), ("utf-8-sig", "utf-8-sig"), ("utf-16-le", "utf-16"),
])
def test_encodings_are_detected_and_give_the_same_tasks(tmp_path, seed_text, seed_tasks, encoding, detected):
    p = tmp_path / "plan.txt"
    p.write_bytes(seed_text.encode(encoding))
    raw = read_document(p)
    if detected:
        assert raw.encoding.replace("_", "-").lower().startswith(detected)
    assert _tasks(p) == seed_tasks


def test_encoding_override(tmp_path, seed_text, seed_tasks):
    p = tmp_path / "plan.txt"
    p.write_bytes(seed_text.encode("gb18030"))
    assert _tasks(p, encoding="gb18030") == seed_tasks
    with pytest.raises(ReadError, match="cannot decode as utf-8.*--encoding"):
        extract_file(p, encoding="utf-8")


def test_html_page_drops_navigation_and_keeps_tables(tmp_path, documents):
    text = (documents / "jinan_shizhong_2024_work_plan.txt").read_text(encoding="utf-8")
    body = "".join(f"<p>{line}</p>\n" for line in text.splitlines())
    html = ("<!DOCTYPE html><html><head><meta charset='gbk'><title>x</title><script>var a=1;</script></head>"
            "<body><nav>无障碍阅读 返回首页</nav><div>" + body + "</div><footer>打印本页</footer></body></html>")
    p = tmp_path / "page.html"
    p.write_bytes(html.replace("\xa0", "&nbsp;").encode("gbk"))
    raw = read_document(p)
    assert raw.format == "html" and "var a" not in raw.text and "无障碍阅读 返回首页" not in raw.text
    assert _tasks(p) == _tasks(documents / "jinan_shizhong_2024_work_plan.txt")


def test_html_table_becomes_rows(tmp_path):
    rows = "".join(f"<tr><td>{n}</td><td>任务{n}内容</td><td>县财政局、县审计局</td><td>{n}月底前</td></tr>" for n in (1, 2))
    html = ("<html><body><p>荣县2019年政务公开工作任务清单</p><table><tr><th>序号</th><th>重点任务</th>"
            "<th>牵头单位</th><th>完成时限</th></tr>" + rows + "</table></body></html>")
    p = tmp_path / "t.html"
    p.write_text(html, encoding="utf-8")
    ex = extract_file(p)
    assert [(t.text, [u.raw for u in t.lead], t.deadline.normalized) for t in ex.tasks] == [
        ("任务1内容", ["县财政局", "县审计局"], "2019-01-31"),
        ("任务2内容", ["县财政局", "县审计局"], "2019-02-28"),
    ]


def test_docx_with_paragraphs_and_a_table(tmp_path, documents):
    import docx

    d = docx.Document()
    text = (documents / SEED).read_text(encoding="utf-8")
    prose, _, annex = text.partition("附件 1\n")
    for line in prose.splitlines():
        d.add_paragraph(line)
    d.add_paragraph("附件 1")
    d.add_paragraph("2022年台州市政务公开工作重点任务清单")
    rows = [l for l in annex.splitlines() if l.count("|") >= 3]
    table = d.add_table(rows=0, cols=4)
    for line in rows:
        cells = table.add_row().cells
        for c, value in zip(cells, [x.strip() for x in line.split("|")[:4]]):
            c.text = value
    p = tmp_path / "plan.docx"
    d.save(p)
    assert read_document(p).format == "docx"
    got = _tasks(p)
    want = _tasks(documents / SEED)
    assert len(got) == len(want)
    assert [t[2] for t in got] == [t[2] for t in want]


def test_traditional_script_is_matched_as_simplified_and_kept_as_written(tmp_path, seed_text, seed_tasks):
    from opencc_purepy import OpenCC

    p = tmp_path / "trad.txt"
    p.write_text(OpenCC("s2t").convert(seed_text), encoding="utf-8")
    ex = extract_file(p)
    assert read_document(p).traditional
    assert [[u.unit for u in t.lead] for t in ex.tasks] == [t[2] for t in seed_tasks]
    assert ex.tasks[1].lead[0].raw == "市發展改革委"
    assert "資訊公開" in ex.tasks[0].text or "信息公開" in ex.tasks[0].text


@pytest.mark.parametrize("content, message", [
    (b"", "empty file"),
    (b"\x00\x01\x02\x03" * 500, "binary file"),
    ("一、公开\n（一）推进。".encode("utf-8")[:-1], "truncated"),
    (bytes(range(128, 256)) * 40, "cannot decode|binary"),
])
def test_bad_files_give_errors_naming_the_file(tmp_path, content, message):
    p = tmp_path / "bad.txt"
    p.write_bytes(content)
    with pytest.raises(ReadError, match=message) as info:
        extract_file(p)
    assert "bad.txt" in str(info.value)


def test_damaged_docx(tmp_path):
    p = tmp_path / "broken.docx"
    p.write_bytes(b"PK\x03\x04" + b"\x00" * 100)
    with pytest.raises(ReadError, match="broken.docx.*not a readable .docx"):
        extract_file(p)


def test_document_with_no_tasks(tmp_path):
    from mandategraph.errors import ParseError

    p = tmp_path / "notice.txt"
    p.write_text("关于做好政务公开工作的通知\n各单位：请认真贯彻执行。\n", encoding="utf-8")
    with pytest.raises(ParseError, match="notice.txt.*no tasks found"):
        extract_file(p)


def test_html_table_with_merged_cells_keeps_columns_aligned(tmp_path):
    html = """<html><body><p>2023年瑞安市政务公开工作任务分解表</p><table>
    <tr><td colspan="4">2023年瑞安市政务公开工作任务分解表</td></tr>
    <tr><th>序号</th><th>重点任务</th><th>责任单位</th><th>完成时限</th></tr>
    <tr><td>1</td><td>公开财政预决算</td><td rowspan="2">市财政局</td><td>6月底前</td></tr>
    <tr><td>2</td><td>公开政府债务信息</td><td>9月底前</td></tr>
    <tr><td>3</td><td>推进政务公开专区建设</td><td>市行政审批服务局</td><td rowspan="1">全年</td></tr>
    </table></body></html>"""
    p = tmp_path / "t.html"
    p.write_text(html, encoding="utf-8")
    ex = extract_file(p)
    assert [(t.text, [u.raw for u in t.lead], t.deadline.normalized) for t in ex.tasks] == [
        ("公开财政预决算", ["市财政局"], "2023-06-30"),
        ("公开政府债务信息", ["市财政局"], "2023-09-30"),
        ("推进政务公开专区建设", ["市行政审批服务局"], "2023-12-31"),
    ]
    assert ex.meta.jurisdiction.name == "瑞安市" and ex.meta.jurisdiction.parents[0][1] == "温州市"


def test_control_characters_are_blanked_with_a_notice_and_offsets_kept(tmp_path, seed_text, seed_tasks):
    # A NUL (and other C0 controls: escape, form feed, vertical tab) from a damaged export or a PDF
    # converter: kept, it went into task texts, the tables and the RDF, which no XML parser reads back.
    task = seed_text.index("推进民生项目")
    dirty = seed_text[:task + 2] + "\x00" + seed_text[task + 2: task + 4] + "\x1b\x0c\x0b" + seed_text[task + 4:]
    p = tmp_path / "dirty.txt"
    p.write_bytes(dirty.encode("utf-8"))
    raw = read_document(p)
    assert len(raw.text) == len(dirty) and len(raw.raw_text) == len(dirty)  # same length: spans still point right
    assert raw.text == dirty.replace("\x00", " ").replace("\x1b", " ").replace("\x0c", " ").replace("\x0b", " ")
    line = dirty.count("\n", 0, task) + 1
    assert raw.notices == (f"4 control characters (U+0000, U+000B, U+000C, U+001B) replaced by spaces, "
                           f"the first on line {line}",)
    ex = extract_file(p)
    assert not any(ch < " " and ch not in "\t\n" for t in ex.tasks for ch in t.text)
    assert _tasks(p) == seed_tasks
    assert ex.notices == [f"{p}: {raw.notices[0]}"]
    for t in ex.tasks:
        assert ex.text[t.span[0]: t.span[1]].strip()
    # Tabs and newlines are text; a clean file has no notice.
    clean = tmp_path / "clean.txt"
    clean.write_text(seed_text, encoding="utf-8")
    assert read_document(clean).notices == ()


def test_extract_prints_the_control_character_notice_unless_quiet(tmp_path, seed_text):
    import subprocess
    import sys

    p = tmp_path / "nul.txt"
    p.write_bytes(seed_text.replace("推进民生项目", "推进\x00民生项目", 1).encode("utf-8"))
    r = subprocess.run([sys.executable, "-m", "mandategraph", "extract", str(p)], capture_output=True, text=True)
    assert r.returncode == 0 and "\\u0000" not in r.stdout and "\x00" not in r.stdout
    assert f"notice: {p}: 1 control character (U+0000) replaced by spaces" in r.stderr
    r = subprocess.run([sys.executable, "-m", "mandategraph", "extract", "-q", str(p)], capture_output=True, text=True)
    assert "notice" not in r.stderr

"""`mandategraph extract` as a user runs it: JSON Lines out, clean errors, other files still read."""
from __future__ import annotations

import json
import subprocess
import sys


def run(*args, input_bytes=None):
    return subprocess.run([sys.executable, "-m", "mandategraph", *args], capture_output=True, text=True)


def test_extract_prints_the_contract_as_json_lines(documents):
    r = run("extract", str(documents / "wenzhou_2019_task_table.txt"))
    assert r.returncode == 0, r.stderr
    rows = [json.loads(line) for line in r.stdout.splitlines()]
    assert len(rows) == 39
    row = next(x for x in rows if x["path"] == ["2.", "（4）"])
    assert row["lead"] == [{"raw": "市信访局", "unit": "市信访局"}]
    assert row["assist"] == [{"raw": "市大数据局", "unit": "市大数据发展管理局"}]
    assert rows[-2]["path"] == ["19.", "（2）"] and rows[-2]["lead"][1]["raw"] == "各有关部门"


def test_jurisdiction_and_year_overrides(documents):
    r = run("extract", "--jurisdiction", "瑞安市", "--year", "2020", str(documents / "rongxian_2019_work_plan.txt"))
    rows = [json.loads(line) for line in r.stdout.splitlines()]
    assert {(x["jurisdiction"], x["year"]) for x in rows} == {("瑞安市", 2020)}


def test_table_format_for_people(documents):
    r = run("extract", "--format", "table", str(documents / "taizhou_2022_work_plan.txt"))
    assert r.returncode == 0
    assert r.stdout.splitlines()[0].startswith("# taizhou_2022_work_plan.txt")
    assert "牵头: 市财政局、各县(市、区)政府办公室" in r.stdout


def test_bad_files_fail_cleanly_and_the_others_are_still_extracted(tmp_path, documents):
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    binary = tmp_path / "image.txt"
    binary.write_bytes(bytes(range(256)) * 20)
    notasks = tmp_path / "notice.txt"
    notasks.write_text("各单位：请认真贯彻执行。\n", encoding="utf-8")
    good = documents / "rongxian_2019_work_plan.txt"
    r = run("extract", str(empty), str(good), str(binary), str(notasks))
    assert r.returncode == 1
    assert "Traceback" not in r.stderr
    errors = [line for line in r.stderr.splitlines() if line.startswith("Error:")]
    assert len(errors) == 3
    assert "empty.txt: empty file" in errors[0]
    assert "image.txt" in errors[1] and "notice.txt" in errors[2] and "no tasks found" in errors[2]
    assert len(r.stdout.splitlines()) == 15  # the good file's tasks


def test_missing_file_and_unknown_encoding(tmp_path):
    r = run("extract", str(tmp_path / "nope.txt"))
    assert r.returncode == 1 and "nope.txt: cannot open" in r.stderr and "Traceback" not in r.stderr
    p = tmp_path / "a.txt"
    p.write_text("一、x\n（一）推进。\n", encoding="utf-8")
    r = run("extract", "--encoding", "klingon", str(p))
    assert r.returncode == 1 and "cannot decode as klingon" in r.stderr


def test_text_not_placed_is_reported(tmp_path):
    p = tmp_path / "plan.txt"
    p.write_text("2022年某市政务公开工作要点\n一、公开\n（一）推进公开。(市财政局牵头)\n"
                 "序号 | 重点任务 | 牵头单位 | 完成时限 |\n1 | 推进公开 | 市财政局 | 全年 |\n这一行不属于任何任务\n", encoding="utf-8")
    r = run("extract", str(p))
    assert r.returncode == 0
    assert "plan.txt:6: not placed" in r.stderr and "这一行不属于任何任务" in r.stderr

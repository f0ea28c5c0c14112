"""Task tables in their text encodings, read into rows of cells, and their columns.

Four encodings reach us as text:

``pipe``       ``1 | 任务 | 单位 | 时限 |`` (a repeated header row is skipped)
``tsv``        one row per line, cells separated by tabs
``tabcells``   one cell per line, each starting with a tab; a cell's
               continuation lines have no tab; rows separated by blank lines
``linecells``  one cell per line with no marks at all, rows started by their
               序号 (a web page's table flattened to text)
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from .lines import compact, heading

__all__ = ["Row", "Table", "HEADER_WORDS", "is_header_cell", "split_pipe", "column_roles", "fill_merged"]

HEADER_WORDS = re.compile(
    r"^(?:序号|编号|工作任务|重点任务|主要任务|重点工作|工作事项|任务|任务事项|具体要求|主要内容和要求|主要内容|工作内容|任务内容|工作措施|"
    r"具体措施|工作要求|目标要求|责任单位|牵头单位|配合单位|协办单位|协助单位|参与单位|责任部门|牵头部门|配合部门|主责单位|责任主体|"
    r"地区|完成时限|完成时间|时限|时间要求|时间节点|进度安排|时限要求|备注|类别|领域|任务类别|"
    r"具体工作|工作举措|主要举措|具体举措|责任分工|职责分工|牵头领导|责任领导|分管领导|工作目标|目标|序列)$"
)


def is_header_cell(cell: str) -> bool:
    return bool(HEADER_WORDS.match(compact(cell).replace(" ", "")))


@dataclass
class Row:
    cells: list[str]
    start: int  # character offsets of the row in the document
    end: int
    line: int  # 1-based line number of the row's first line


@dataclass
class Table:
    encoding: str
    header: list[str]
    rows: list[Row] = field(default_factory=list)
    title: str = ""
    start: int = 0
    end: int = 0


def split_pipe(line: str) -> list[str]:
    """Cells of a ``|`` row (a trailing ``|`` closes the row, a leading one opens it).

    >>> split_pipe("1 | 推进民生项目预算信息公开 | 市财政局 | 12月底前 |")
    ['1', '推进民生项目预算信息公开', '市财政局', '12月底前']
    """
    s = line.strip()
    if s.startswith("|"):
        s = s[1:]
    if s.endswith("|"):
        s = s[:-1]
    return [c.strip() for c in s.split("|")]


_ROLE_OF = (
    ("number", re.compile(r"^(?:序号|编号|序列)$")),
    ("other", re.compile(r"领导$")),  # a person, not a unit
    ("deadline", re.compile(r"时限|完成时间|时间要求|时间节点|进度安排")),
    ("lead", re.compile(r"^(?:牵头单位|牵头部门|主责单位|地区|责任主体|责任分工|职责分工)$")),
    ("resp", re.compile(r"^(?:责任单位|责任部门)$")),
    ("assist", re.compile(r"^(?:配合单位|配合部门|协办单位|协助单位|参与单位)$")),
    ("text", re.compile(r"^(?:具体要求|主要内容和要求|主要内容|工作内容|任务内容|工作措施|具体措施|工作要求|目标要求|"
                        r"具体工作|工作举措|主要举措|具体举措)$")),
    ("task", re.compile(r"^(?:工作任务|重点任务|主要任务|重点工作|工作事项|任务|任务事项)$")),
    ("group", re.compile(r"^(?:类别|领域|任务类别)$")),
)


def column_roles(header: list[str]) -> list[str]:
    """What each column holds: number, group, text, lead, assist, deadline or other.

    A 工作任务 column is the text when it is the only task column, and the
    grouping (work task / section headings) when a 具体要求-like column exists.
    责任单位 is the lead column unless a 牵头单位 column exists.

    >>> column_roles(["序号", "工作任务", "具体要求", "责任单位", "完成时限"])
    ['number', 'group', 'text', 'lead', 'deadline']
    >>> column_roles(["序号", "重点任务", "牵头单位", "配合单位", "完成时限"])
    ['number', 'text', 'lead', 'assist', 'deadline']
    """
    names = [compact(h).replace(" ", "") for h in header]
    roles = []
    for n in names:
        for role, pat in _ROLE_OF:
            if pat.search(n):
                roles.append(role)
                break
        else:
            roles.append("other")
    has_text = "text" in roles
    has_lead = "lead" in roles
    out = []
    for r in roles:
        if r == "task":
            r = "group" if has_text else "text"
        elif r == "resp":
            r = "assist" if has_lead else "lead"
        out.append(r)
    if "text" not in out and "group" in out:
        out[out.index("group")] = "text"
    return out


def fill_merged(values: list[str], groups: list[int] | None) -> list[str]:
    """Fill the blanks a merged cell left in one column.

    With ``groups`` (the work task of each row), a blank continues the value
    above within the same group. Without groups, a column whose first row is
    blank came from a PDF: each value stands for the block of rows around it,
    printed in the block's middle row.

    >>> fill_merged(["a", "", "", "b", ""], [1, 1, 2, 2, 2])
    ['a', 'a', '', 'b', 'b']
    >>> fill_merged([""] * 8 + ["全年"] + [""] * 7 + ["9月底前", "6月底前"], None)[:17] == ["全年"] * 16 + ["9月底前"]
    True
    """
    n = len(values)
    if not any(v.strip() for v in values):
        return list(values)
    if groups is not None:
        out, last, last_group = [], "", None
        for v, g in zip(values, groups):
            if g != last_group:
                last, last_group = "", g
            if v.strip():
                last = v
            out.append(v if v.strip() else last)
        return out
    if values[0].strip():
        out, last = [], ""
        for v in values:
            if v.strip():
                last = v
            out.append(v if v.strip() else last)
        return out
    filled = [""] * n
    idx = [i for i, v in enumerate(values) if v.strip()]
    start = 0
    for k, i in enumerate(idx):
        nxt = idx[k + 1] if k + 1 < len(idx) else n
        if k + 1 == len(idx):
            end = n - 1
        else:
            end = min(nxt - 1, max(i, 2 * i - start))
        for r in range(start, end + 1):
            filled[r] = values[i]
        start = end + 1
    return filled


@lru_cache(maxsize=4096)  # a merged work-task cell repeats its text on every row it covers
def row_group_key(cell: str) -> str:
    """Marker of a work-task cell (``1.深入解读重要政策`` → ``1.``)."""
    h = heading(cell)
    return h[1] if h else compact(cell)

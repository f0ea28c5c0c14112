"""Task tables in their text encodings, read into rows of cells, and their columns.

Four encodings reach us as text:

``pipe``       ``1 | 任务 | 单位 | 时限 |`` (a repeated header row is skipped; a
               row may leave out a merged cell)
``tsv``        one row per line, cells separated by tabs
``tabcells``   one cell per line, each starting with a tab; a cell's
               continuation lines have no tab; rows separated by blank lines
``cells``      one cell per line with no marks, or closed by `` |`` with lone
               ``|`` lines between rows (a web page's table flattened to text)

``pipe`` and ``cells`` tables are read by content (:func:`cell_kind`,
:func:`assign_cells`); ``tsv`` and ``tabcells`` keep every column in every
row, and a blank cell is a merged one (:func:`fill_merged`).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from .lines import compact, heading

__all__ = ["Row", "Table", "HEADER_WORDS", "is_header_cell", "split_pipe", "column_roles", "fill_merged",
           "cell_kind", "Record", "assign_cells", "fold_subheaders"]

HEADER_WORDS = re.compile(
    r"^(?:序号|编号|工作任务|重点任务|主要任务|重点工作|工作事项|任务|任务事项|具体要求|主要内容和要求|主要内容|工作内容|任务内容|工作措施|"
    r"具体措施|工作要求|目标要求|责任单位|牵头单位|配合单位|协办单位|协助单位|参与单位|责任部门|牵头部门|配合部门|主责单位|责任主体|"
    r"地区|完成时限|完成时间|时限|时间要求|时间节点|进度安排|时限要求|备注|类别|领域|任务类别|"
    r"具体工作|工作举措|主要举措|具体举措|责任分工|职责分工|牵头领导|责任领导|分管领导|工作目标|目标|序列)$"
)


# What a header cell of the genre looks like beyond the listed words: a short
# noun phrase ending in a column noun (任务名称, 责任科室, 时限要求, 公开载体 …),
# with an optional note in brackets (贯彻举措(市上统一要求)).
_HEADER_SHAPE = re.compile(
    r"^[\u4e00-\u9fff、]{0,10}(?:任务|事项|要求|内容|单位|部门|科室|处室|司局|时限|时间|期限|序号|编号|领域|类别|目录|载体|"
    r"情况|措施|举措|备注|目标|名称|责任人|分工|主体|节点|安排|进度)(?:[(（][^()（）]{1,12}[)）])?$")


def is_header_cell(cell: str) -> bool:
    """Whether a cell reads as a column header.

    >>> is_header_cell("责任科室、责任人"), is_header_cell("贯彻举措(市上统一要求)"), is_header_cell("各成员单位")
    (True, True, False)
    """
    c = compact(cell).replace(" ", "").strip("|｜│ ")
    if HEADER_WORDS.match(c):
        return True
    return len(c) <= 16 and not c.startswith("各") and bool(_HEADER_SHAPE.match(c))


@dataclass(slots=True)  # a row per cell in one-cell-per-line tables: made by the thousand
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
    section: str = ""  # the heading right above the table, which may name its units
    # A ``cells`` table's cells in order, ``(text, start, end, line)``: its rows are rebuilt from them.
    cells: list[tuple[str, int, int, int]] = field(default_factory=list)


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


# A header not among the listed words, by its nouns (first match wins).
_ROLE_BY_SHAPE = (
    ("lead", re.compile(r"(?:牵头|主责|主办).*(?:单位|部门|科室|处室|司局|主体)")),
    ("assist", re.compile(r"(?:配合|协办|协助|参与|会办).*(?:单位|部门|科室|处室|司局|主体)")),
    ("resp", re.compile(r"单位|部门|科室|处室|司局|主体")),
    ("other", re.compile(r"领导$|责任人$|载体$|情况$|备注$")),
    ("deadline", re.compile(r"时限|时间|期限|节点|进度")),
    ("text", re.compile(r"要求|内容|措施|举措")),
    ("task", re.compile(r"任务|事项|名称")),
    ("group", re.compile(r"领域|类别|目录|级")),
    ("number", re.compile(r"序号|编号")),
)


def _role_by_shape(name: str) -> str:
    """The role of a header that is not one of the listed words, from its nouns.

    >>> _role_by_shape("责任科室、责任人"), _role_by_shape("市级牵头单位"), _role_by_shape("公开载体")
    ('resp', 'lead', 'other')
    """
    core = re.sub(r"[(（][^()（）]*[)）]$", "", name)
    return next((role for role, pat in _ROLE_BY_SHAPE if pat.search(core)), "other")


def fold_subheaders(header: list[str]) -> list[str]:
    """A two-row header flattened to one cell per line: the second row's cells
    (一级目录 | 二级目录 | 三级目录) come after the first row's and stand for the
    first row's task column they split.

    >>> fold_subheaders(["序号", "公开事项", "内容要求", "责任科室", "完成时限", "一级目录", "二级目录"])
    ['序号', '一级目录', '二级目录', '内容要求', '责任科室', '完成时限']
    """
    roles = [_role_by_shape(compact(h)) if not _listed_role(h) else _listed_role(h) for h in header]
    k = len(header)
    while k > 0 and roles[k - 1] == "group" and not HEADER_WORDS.match(compact(header[k - 1])):
        k -= 1
    subs = header[k:]
    if len(subs) < 2 or not ({"lead", "resp", "deadline"} & set(roles[:k])):
        return header
    first = next((i for i, r in enumerate(roles[:k]) if r in ("task", "group")), None)
    if first is None:
        return header
    return header[:first] + subs + header[first + 1:k]


def _listed_role(h: str) -> str:
    n = compact(h).replace(" ", "")
    for role, pat in _ROLE_OF:
        if pat.search(n):
            return role
    return ""


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
            roles.append(_role_by_shape(n))
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


# --- cells read by what they hold -------------------------------------------------------

_NUMBER = re.compile(r"^\d{1,3}[.．、]?$")
_SHORT_LIMIT = 40


def cell_kind(cell: str, is_units, is_deadline) -> str:
    """What a cell holds: empty, number, deadline, units, heading, short or text
    (the caller may refine units into a clause).

    ``is_units`` and ``is_deadline`` are the slot grammar's and the deadline
    reader's tests (passed in, so this module stays below them).
    """
    c = compact(cell).strip("|｜│ ")
    if not c or c in ("—", "——", "-", "--", "/", "无", "／"):
        return "empty"
    if _NUMBER.match(c):
        return "number"
    if is_deadline(c):
        return "deadline"
    if is_units(c):
        return "units"
    if c.endswith(("。", "；", ";")) or len(c) > _SHORT_LIMIT or re.search(r"[。；;]", c):
        return "text"  # a sentence, even a short or numbered one, is a task's text, not a section
    return "heading" if heading(c) else "short"


_ACCEPTS = {
    "group": {"heading", "short"},
    "text": {"text", "heading", "short"},
    "lead": {"units", "clause"},
    "assist": {"units", "clause"},
    "deadline": {"deadline"},
    "other": {"short", "text", "heading", "units", "clause", "deadline"},
    "number": set(),
}


@dataclass(slots=True)
class Record:
    """One row of a table rebuilt from its cells: the cells by column, and the
    row's number and section headings met on the way."""

    cells: dict[int, str] = field(default_factory=dict)
    number: str = ""
    heads: list[str] = field(default_factory=list)
    start: int = 0
    end: int = 0
    line: int = 0


def assign_cells(cells: list[tuple[str, str, int, int, int]], roles: list[str], rows_are_lines: bool = False
                 ) -> list[Record]:
    """Put a stream of ``(cell, kind, start, end, line)`` into rows by what each
    cell holds and the order of the columns.

    A cell goes to the next column (left to right) that accepts its kind; the
    columns passed over were merged or empty. A cell no column after the
    current one accepts starts the next row. A row number always starts one.
    With ``rows_are_lines`` (a ``|`` table, one row per line) the caller
    passes one line at a time.

    >>> roles = ["group", "text", "lead"]
    >>> rows = assign_cells([("推进政策公开", "short", 0, 1, 1), ("常态化公开信息。", "text", 1, 2, 2),
    ...                      ("财政所", "units", 2, 3, 3), ("积极探索渠道。", "text", 3, 4, 4), ("便民中心", "units", 4, 5, 5)], roles)
    >>> [sorted(r.cells.items()) for r in rows]
    [[(0, '推进政策公开'), (1, '常态化公开信息。'), (2, '财政所')], [(1, '积极探索渠道。'), (2, '便民中心')]]
    """
    out: list[Record] = []
    rec: Record | None = None
    p = 0
    text_cols = [c for c, r in enumerate(roles) if r == "text"]
    accepts = [_ACCEPTS.get(r, ()) for r in roles]
    ncol = len(roles)

    def new(start: int, line: int) -> Record:
        r = Record(start=start, end=start, line=line)
        out.append(r)
        return r

    for cell, kind, start, end, line in cells:
        if kind == "empty":
            continue
        if kind == "number":
            if rec is None or any(c in rec.cells for c in text_cols) or rec.number:
                rec = new(start, line)
                p = 0
            rec.number = compact(cell).rstrip(".．、")
            rec.end = end
            continue
        if rec is None:
            rec, p = new(start, line), 0
        q = None
        for c in range(p, ncol):
            if kind in accepts[c] or (
                    # a clause naming units may also be a second text column's requirement (由拟稿科室负责提供…)
                    kind == "clause" and roles[c] == "text" and any(t in rec.cells for t in text_cols if t < c)):
                q = c
                break
        if q is None and kind == "text" and text_cols:
            t = text_cols[0]
            held = rec.cells.get(t, "")
            # In a | row two sentences side by side are a section and its task;
            # in a stream of cells a short sentence may be a task of its own.
            if held and len(compact(held)) <= _SHORT_LIMIT and (rows_are_lines or not re.search(r"[。；;]", held)) and not any(
                    roles[c] in ("lead", "assist", "deadline") for c in rec.cells):
                # the text column held a short heading: it was the row's section
                rec.heads.append(held)
                rec.cells[t] = cell
                rec.end, p = end, t + 1
                continue
        if q is None:
            if rows_are_lines and rec.cells:
                # one row per line: an extra cell joins the last column it could
                continue
            rec, p = new(start, line), 0
            q = next((c for c in range(ncol) if kind in accepts[c]), None)
            if q is None:
                continue
        rec.cells[q] = cell
        rec.end = end
        p = q + 1
    return out

"""The document walker: one pass over lines into prose items, tables and lists.

It yields the document's parts in order and never decides roles or names;
:mod:`mandategraph.loaders.extract` turns the parts into tasks.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from .lines import (annex_marker, attachment_list, compact, heading, is_date_line, is_noise, is_signature, is_title,
                    may_be_furniture)
from .deadlines import looks_like_deadline
from .roles import is_responsibility_slot
from .tables import Row, Table, fold_subheaders, is_header_cell, split_pipe

__all__ = ["Item", "MemberList", "Parsed", "walk"]


@dataclass
class Item:
    """A numbered prose item: its marker path and the lines it owns."""

    rank: int
    marker: str
    path: list[str]
    segments: list[tuple[int, str]] = field(default_factory=list)  # (offset, text) of its own lines
    children: int = 0
    line: int = 0
    heads_table: bool = False  # a section heading right above a table (its rows are the tasks)

    @property
    def start(self) -> int:
        return self.segments[0][0] if self.segments else 0

    @property
    def end(self) -> int:
        return self.segments[-1][0] + len(self.segments[-1][1]) if self.segments else 0


@dataclass
class MemberList:
    group: str
    text: str
    start: int
    line: int


@dataclass
class Parsed:
    items: list[Item] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    member_lists: list[MemberList] = field(default_factory=list)
    titles: list[tuple[int, str]] = field(default_factory=list)  # (line, title)
    preamble: list[tuple[int, str]] = field(default_factory=list)  # (offset, line) before the first heading
    unplaced: list[tuple[int, int, str, str]] = field(default_factory=list)  # (offset, line, text, reason)
    signatures: list[str] = field(default_factory=list)
    dates: list[str] = field(default_factory=list)
    furniture: list[str] = field(default_factory=list)  # page furniture lines (source, dates, navigation)


# The last characters a header cell can end with (is_header_cell's nouns, or a
# closing bracket): one set lookup turns away most short lines.
_HEADER_LAST = frozenset("务项求容位门室局限间号域类录体况施措注标称人工排度作区点导列)）别")
_METADATA_FIELD = re.compile(r"^[\[【]?\s*(?:索引号|主题分类|制发单位|发文机关|发文单位|发文字号|发文日期|文号|成文日期|发布日期|实施日期|"
                             r"失效日期|废止日期|有效性|发布机构|公开方式|公开范围|公开属性|信息来源|统一编码|体裁分类|组配分类)\s*[\]】:：]")
_NON_TASK_SECTIONS = re.compile(r"^(?:总体要求|指导思想|工作目标|基本原则|主要目标|目标任务)[。：:]?$")
_DASH = re.compile(r"^[—–-]")


# Table rulings drawn with box or full-width bars read as "|" (same length).
_BAR_FOLD = str.maketrans("│┃｜", "|||")


def _lines(text: str) -> list[tuple[int, str]]:
    out, pos = [], 0
    bars = "│" in text or "┃" in text or "｜" in text
    for line in text.split("\n"):
        if bars and (line.count("│") + line.count("┃") + line.count("｜")) >= 2:
            line = line.translate(_BAR_FOLD)
        out.append((pos, line))
        pos += len(line) + 1
    return out


def walk(text: str) -> Parsed:
    """Split a document's text into items, tables, member lists and the rest.

    >>> p = walk("一、公开\\n（一）推进公开。(市财政局牵头)\\n（二）加强解读。\\n")
    >>> [(i.path, i.marker) for i in p.items]
    [(['一'], '一'), (['一', '（一）'], '（一）'), (['一', '（二）'], '（二）')]
    """
    lines = _lines(_break_run_together(text))
    n = len(lines)
    parsed = Parsed()
    stack: list[Item] = []
    current: Item | None = None  # the item that takes continuation lines
    seen_heading = False
    pending_title = ""
    in_attachment_list = False

    def take(table: Table) -> None:
        parsed.tables.append(table)
        if current is not None and not current.children and len(current.segments) <= 1:
            # "一、各区、县(市)政府、市政府各部门负责落实的工作任务" above a table
            table.section = compact(current.segments[0][1]) if current.segments else ""
            current.heads_table = True

    i = 0
    while i < n:
        off, raw = lines[i]
        s = raw.strip(" \t\u3000\xa0\r")
        lineno = i + 1
        if not s:
            i += 1
            continue
        furniture = may_be_furniture(s)  # False for most lines: the tests below cannot match them
        if furniture and is_noise(s):
            parsed.furniture.append(s)
            i += 1
            continue
        # --- tables -------------------------------------------------------------
        bars = raw.count("|") if "|" in raw else 0
        if (bars >= 2 or bars == 1 and i + 1 < n and lines[i + 1][1].lstrip().startswith("|")) and _is_pipe_header(raw):
            table, i = _read_pipe(lines, i, pending_title)
            take(table)
            current, pending_title, in_attachment_list = None, "", False
            continue
        if bars >= 2 and (not furniture or s[0].isdecimal()):
            header = _implied_header(lines, i)
            if header:
                table, i = _read_pipe(lines, i, pending_title, header)
                take(table)
                current, pending_title, in_attachment_list = None, "", False
                continue
        if "\t" in raw and raw.split("\t", 1)[0].strip() and _is_tsv_header(raw):
            table, i = _read_tsv(lines, i, pending_title)
            take(table)
            current, pending_title, in_attachment_list = None, "", False
            continue
        if raw.startswith("\t") and _is_tabcells_header(lines, i):
            table, i = _read_tabcells(lines, i, pending_title)
            take(table)
            current, pending_title, in_attachment_list = None, "", False
            continue
        if len(s) <= 24 and s.rstrip("|｜│ ")[-1:] in _HEADER_LAST and "|" not in s.rstrip("|｜│ ") and is_header_cell(s):
            header, j = _cells_header(lines, i)
            if len(header) >= 3:
                table, i = _read_cells(lines, header, j, pending_title)
                take(table)
                current, pending_title, in_attachment_list = None, "", False
                continue
        # --- annexes, attachment lists, titles, signatures ----------------------
        if furniture:
            if annex_marker(s):
                current, in_attachment_list = None, False
                i += 1
                continue
            if attachment_list(s):
                current, in_attachment_list = None, True
                i += 1
                continue
            if is_title(s):
                title = compact(s)
                parsed.titles.append((lineno, title))
                pending_title = title
                current = None
                if title.endswith("名单"):
                    j = i + 1
                    while j < n and not lines[j][1].strip():
                        j += 1
                    if j < n and lines[j][1].count("、") >= 2:
                        group = re.sub(r"^\d+\s*[.．、]\s*", "", title)[: -len("名单")]
                        parsed.member_lists.append(MemberList(group, lines[j][1], lines[j][0], j + 1))
                        i = j + 1
                        continue
                i += 1
                continue
        h = heading(s)
        if in_attachment_list and h and h[0] == 3:
            i += 1
            continue
        if furniture:
            if is_date_line(s):
                parsed.dates.append(compact(s))
                current = None
                i += 1
                continue
            if is_signature(s) and (i + 1 < n and is_date_line(_next_nonblank(lines, i))):
                parsed.signatures.append(compact(s))
                current = None
                i += 1
                continue
        # --- headings and prose ---------------------------------------------------
        if h and _METADATA_FIELD.match(h[2]):
            parsed.furniture.append(s)  # "2. [制发单位] …": a page's numbered metadata, not an item
            i += 1
            continue
        if h:
            rank, marker, rest = h
            in_attachment_list = False
            while stack and stack[-1].rank >= rank:
                stack.pop()
            if stack:
                stack[-1].children += 1
            path = [*(it.marker for it in stack), marker]
            item = Item(rank, marker, path, line=lineno)
            lead = len(raw) - len(raw.lstrip(" \t\u3000\xa0"))
            rest_off = off + raw.find(rest, lead) if rest else off + len(raw)
            if rest:
                item.segments.append((rest_off, raw[rest_off - off:].rstrip()))
            parsed.items.append(item)
            stack.append(item)
            current = item
            seen_heading = True
            i += 1
            continue
        if current is not None:
            lead = len(raw) - len(raw.lstrip(" \t\u3000\xa0"))
            current.segments.append((off + lead, raw[lead:].rstrip()))
        elif not seen_heading:
            parsed.preamble.append((off, s))
        else:
            parsed.unplaced.append((off, lineno, s, "text outside any numbered item or table"))
        i += 1
    # Sections such as 一、总体要求 are preamble, not tasks.
    parsed.items = [it for it in parsed.items if not (it.rank == 1 and _NON_TASK_SECTIONS.match(_first_words(it)))]
    return parsed


# A whole body collapsed onto a few long lines (a mirror page, a PDF): items
# are still set apart by a space before their marker.
# Written to start with the space (the lookbehind after it), so the search
# skips from space to space instead of testing the lookbehind everywhere.
_RUN_TOGETHER_MARK = re.compile(
    r"[ \t\u3000\xa0](?<=[。；;)）\]〕\u4e00-\u9fff][ \t\u3000\xa0])[ \t\u3000\xa0]*(?=(?:[一二三四五六七八九十]{1,3}、|"
    r"[(（][一二三四五六七八九十]{1,3}[)）]|\d{1,2}[、.．](?![\d.．])|[(（]\d{1,2}[)）])\S)")


_LONG_LINE = re.compile(r"[^\n]{151,}")
# What every mark starts with, as a plain class: most documents have none, found 50x faster.
_MARK_HINT = re.compile(r"[ \t\u3000\xa0][一二三四五六七八九十(（0-9]")


def _break_run_together(text: str) -> str:
    """The text with a line break in place of the space before each item marker
    of an over-long line (same length, so offsets still point at the document).

    >>> _break_run_together("总体要求。 一、公开" + "啊" * 150 + "。 (一)推进公开。")[:12]
    '总体要求。\\n一、公开啊啊'
    """
    if not _MARK_HINT.search(text) or not _RUN_TOGETHER_MARK.search(text) or not _LONG_LINE.search(text):
        return text
    return _LONG_LINE.sub(lambda m: _RUN_TOGETHER_MARK.sub(lambda k: "\n" + k.group(0)[1:], m.group(0)), text)


def _first_words(item: Item) -> str:
    return compact(item.segments[0][1]) if item.segments else ""


def _next_nonblank(lines, i: int) -> str:
    j = i + 1
    while j < len(lines) and not lines[j][1].strip():
        j += 1
    return lines[j][1] if j < len(lines) else ""


def _header_like(cells: list[str]) -> bool:
    cells = [c for c in cells if c.strip()]
    if cells and cells[0].strip().isdigit():
        return False  # a numbered data row
    return len(cells) >= 2 and sum(is_header_cell(c) for c in cells) >= max(2, len(cells) - 1)


def _is_pipe_header(raw: str) -> bool:
    return _header_like(split_pipe(raw))


def _is_tsv_header(raw: str) -> bool:
    return _header_like(raw.split("\t"))


_IMPLIED_NAMES = {"number": "序号", "text": "具体要求", "group": "工作任务", "deadline": "完成时限", "other": "备注"}


def _implied_header(lines, i: int) -> list[str] | None:
    """The header of a ``|`` table whose header row the excerpt left out,
    named after what its columns hold: at least two rows in a row, each with
    a sentence and a unit list (page metadata rows have neither)."""
    rows = []
    j = i
    while j < len(lines) and lines[j][1].count("|") >= 2 and len(rows) < 40:
        rows.append(split_pipe(lines[j][1]))
        j += 1
    def kind(c: str) -> str:
        c = compact(c)
        if not c:
            return "empty"
        if c.isdecimal() and len(c) <= 3:
            return "number"
        if looks_like_deadline(c):
            return "deadline"
        if is_responsibility_slot(c):
            return "units"
        return "text" if len(c) > 30 or "。" in c else "group"
    kinds = [[kind(c) for c in r] for r in rows]
    full = [k for k in kinds if "text" in k and "units" in k]
    if len(full) < 2:
        return None
    width = max(len(k) for k in full)
    header, units = [], 0
    for col in range(width):
        seen = [k[col] for k in full if len(k) == width and k[col] != "empty"]
        top = max(set(seen), key=seen.count) if seen else "other"
        if top == "units":
            header.append("牵头单位" if units == 0 else "配合单位")
            units += 1
        else:
            header.append(_IMPLIED_NAMES[top])
    return header if "具体要求" in header and units else None


def _pipe_width(line: str) -> int:
    """``len(split_pipe(line))`` without making the cells (asked of every line of a wrapped row)."""
    s = line.strip()
    if s.startswith("|"):
        s = s[1:]
    if s.endswith("|"):
        s = s[:-1]
    return s.count("|") + 1


def _read_pipe(lines, i: int, title: str, header: list[str] | None = None) -> tuple[Table, int]:
    """A ``|`` table from line i: its header row (or the ``header`` inferred
    for a table whose header the excerpt left out) and its rows."""
    off, raw = lines[i]
    if header is None:
        header = split_pipe(raw)
        i += 1
        while i < len(lines) and lines[i][1].lstrip().startswith("|") and _header_like(
                [c for c in split_pipe(lines[i][1]) if c] + ["序号"]):
            header += [c for c in split_pipe(lines[i][1]) if c]  # a header row wrapped over lines
            i += 1
        header = [c for c in header if c] or header
    table = Table("pipe", header, title=title, start=off)
    pending: tuple[int, int, str] | None = None  # a row wrapped over lines
    while i < len(lines):
        off, raw = lines[i]
        s = raw.strip()
        if not s:
            i += 1
            break
        if is_noise(s) and "|" not in s.strip("| "):
            break
        if "|" not in raw:
            if pending is None or _pipe_width(pending[2]) >= len(header) or pending[2].rstrip().endswith("|"):
                break
            pending = (pending[0], pending[1], pending[2] + raw)
            i += 1
            continue
        if pending is not None:
            prev_off, prev_line, prev_raw = pending
            if _pipe_width(prev_raw) < len(header) and not prev_raw.rstrip().endswith("|"):
                pending = (prev_off, prev_line, prev_raw + raw)
                i += 1
                continue
            _add_pipe_row(table, header, prev_raw, prev_off, prev_line, off)
            pending = None
        if _header_like(split_pipe(raw)):  # the header row repeated on a new page
            i += 1
            continue
        pending = (off, i + 1, raw)
        i += 1
    if pending is not None:
        _add_pipe_row(table, header, pending[2], pending[0], pending[1], pending[0] + len(pending[2]))
    table.end = table.rows[-1].end if table.rows else table.start
    return table, i


def _add_pipe_row(table: Table, header, raw: str, off: int, line: int, end: int) -> None:
    # Cells as written: a row with more or fewer cells than the header (a
    # merged cell left out, a cell split by a PDF) is placed by its content.
    table.rows.append(Row(split_pipe(raw), off, off + len(raw), line))


def _read_tsv(lines, i: int, title: str) -> tuple[Table, int]:
    off, raw = lines[i]
    header = [c.strip() for c in raw.split("\t")]
    table = Table("tsv", header, title=title, start=off)
    i += 1
    while i < len(lines):
        off, raw = lines[i]
        if not raw.strip():
            break
        if "\t" not in raw:
            if table.rows:  # a wrapped last cell
                last = table.rows[-1]
                last.cells[-1] += raw
                last.end = off + len(raw)
                i += 1
                continue
            break
        cells = [c.strip() for c in raw.split("\t")]
        if _header_like(cells):
            i += 1
            continue
        if len(cells) > len(header):
            cells = cells[: len(header) - 1] + ["".join(cells[len(header) - 1:])]
        cells += [""] * (len(header) - len(cells))
        table.rows.append(Row(cells, off, off + len(raw), i + 1))
        i += 1
    table.end = table.rows[-1].end if table.rows else table.start
    return table, i


def _tabcells_block(lines, i: int) -> tuple[list[tuple[int, str]], int]:
    """Cells of one ``tabcells`` row starting at line i; returns cells and the next line."""
    cells: list[list] = []
    j = i
    while j < len(lines):
        off, raw = lines[j]
        if not raw.strip() and not raw.startswith("\t"):
            break
        if raw.startswith("\t"):
            cells.append([off + 1, raw[1:]])
        elif cells:
            if is_noise(raw):
                break
            cells[-1][1] += "\n" + raw
        else:
            break
        j += 1
    return [(c[0], c[1]) for c in cells], j


def _is_tabcells_header(lines, i: int) -> bool:
    cells, _ = _tabcells_block(lines, i)
    return _header_like([c for _, c in cells])


def _read_tabcells(lines, i: int, title: str) -> tuple[Table, int]:
    cells, i = _tabcells_block(lines, i)
    header = [compact(c).replace(" ", "") for _, c in cells]
    table = Table("tabcells", header, title=title, start=cells[0][0] - 1)
    while i < len(lines):
        while i < len(lines) and (not lines[i][1].strip() and not lines[i][1].startswith("\t")):
            i += 1
        if i >= len(lines) or not lines[i][1].startswith("\t"):
            break
        row_cells, j = _tabcells_block(lines, i)
        texts = [c for _, c in row_cells]
        if len(texts) > len(header):
            texts = texts[: len(header) - 1] + ["\n".join(texts[len(header) - 1:])]
        texts += [""] * (len(header) - len(texts))
        end = row_cells[-1][0] + len(row_cells[-1][1]) if row_cells else lines[i][0]
        table.rows.append(Row(texts, lines[i][0], end, i + 1))
        i = j
    table.end = table.rows[-1].end if table.rows else table.start
    return table, i


_BLANK_AND_BARS = " \t\u3000\xa0|｜│"


def _bare_cell(line: str) -> str:
    """A one-cell-per-line cell without its closing bar (``工作任务 |``)."""
    return line.strip(" \t\u3000\xa0").rstrip("|｜│ \t").strip()


def _cells_header(lines, i: int) -> tuple[list[str], int]:
    """Header cells written one per line (bare or closed by ``|``) from line i."""
    header: list[str] = []
    j = i
    while j < len(lines):
        s = _bare_cell(lines[j][1])
        if not s:
            j += 1
            continue
        if "|" not in s and is_header_cell(s):
            header.append(compact(s))
            j += 1
            continue
        break
    return header, j


def _read_cells(lines, header: list[str], i: int, title: str) -> tuple[Table, int]:
    """A table flattened to one cell per line, with or without closing bars and
    blank lines, read as one stream of cells (rows are rebuilt from what the
    cells hold): each line is a cell."""
    names = set(header)
    table = Table("cells", fold_subheaders(header), title=title, start=lines[i - 1][0] if i else 0)
    cells = table.cells
    n = len(lines)
    while i < n:
        off, raw = lines[i]
        s = raw.strip(_BLANK_AND_BARS)
        i += 1
        if not s:
            continue  # a blank line, or bars alone: a row's or cell's end
        bare = s
        if may_be_furniture(bare) and (is_noise(bare) or annex_marker(bare) or attachment_list(bare)):
            if _DASH.match(bare):
                continue  # "— 2 —": a page break inside the table
            i -= 1
            break
        if bare in names and is_header_cell(bare):
            continue  # the header repeated on a new page
        start = off + raw.find(bare[:1])
        cells.append((bare, start, start + len(bare), i))
    table.end = cells[-1][2] if cells else table.start
    return table, i

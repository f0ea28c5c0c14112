"""From a document's text to tasks: the extraction pipeline of one file.

read (reading) → walk lines (structure) → tasks from prose items and table
rows (this module, with roles, units, deadlines, instruments) → an
:class:`~mandategraph.loaders.model.Extraction`.
"""
from __future__ import annotations

import bisect
from dataclasses import replace
from functools import lru_cache
import re
from pathlib import Path
from typing import Iterable, Iterator, Mapping

from ..errors import MandateGraphError, ParseError
from .deadlines import find_milestones, looks_like_deadline, parse_deadline
from .instruments import find_instruments
from .lines import compact, heading
from .metadata import read_metadata
from .model import DocumentMeta, Extraction, Membership, Task, UnitRef, Unplaced
from .reading import RawDocument, read_document
from .roles import DEADLINE_LABEL, LEAD, UNIT_LABEL, is_responsibility_slot, parse_slot, read_slot
from .structure import Item, Parsed, walk
from .tables import Record, Table, assign_cells, cell_kind, column_roles, fill_merged, row_group_key
from .units import iter_units

__all__ = ["extract_text", "extract_file", "iter_extract", "extract_files"]

_SENTENCE_END = "。；;！!？?"
_SPACES = re.compile(r"[ \t\u3000]*")
_SLOT_STOP = re.compile(r"[ \t\u3000]*[。；;]")  # the full stop that closes a slot's clause
_LEADING_PUNCT = "。，,；;、：: \n\t\u3000"


class _Region:
    """An item's own lines joined by newlines, mapping positions back to the document."""

    def __init__(self, segments: list[tuple[int, str]]):
        self.text = "\n".join(s for _, s in segments)
        self.starts: list[int] = []
        self.offsets: list[int] = []
        pos = 0
        for off, s in segments:
            self.starts.append(pos)
            self.offsets.append(off)
            pos += len(s) + 1

    def doc(self, pos: int) -> int:
        k = bisect.bisect_right(self.starts, pos) - 1
        k = max(k, 0)
        return self.offsets[k] + (pos - self.starts[k])


_OPENERS = frozenset("(（〔[【")
_BRACKET_MARKS = re.compile(r"[(（〔\[【)）〕\]】]")


def _bracket_groups(text: str, limit: int = 400) -> Iterator[tuple[int, int, str]]:
    """Top-level bracketed groups of a text, any of ( （ 〔 [ 【, nested or
    not: ``(start, end, content)``. A group left open runs to no end and is
    not yielded (an excerpt cut inside its unit list)."""
    depth, start = 0, -1
    for m in _BRACKET_MARKS.finditer(text):
        i, ch = m.start(), m.group(0)
        if ch in _OPENERS:
            if depth == 0:
                start = i
            depth += 1
        elif depth:
            depth -= 1
            if depth == 0:
                if i - start - 1 <= limit:
                    yield start, i + 1, text[start + 1: i]
                start = -1


def _slots(text: str) -> list[tuple[int, int, str]]:
    """Responsibility parentheticals in an item's text: (start, end, content)."""
    out = []
    n = len(text)
    for start, end, content in _bracket_groups(text):
        if not is_responsibility_slot(content):
            continue
        # The characters around the slot, spaces skipped (looked up in place:
        # copying the text before and after each slot made long items quadratic).
        b = start
        while b and text[b - 1] in " \n\t\u3000":
            b -= 1
        a = _SPACES.match(text, end).end()
        if not b or text[b - 1] in _SENTENCE_END or a == n or text[a] in _SENTENCE_END or text[a] == "\n":
            out.append((start, end, content))
    return out


_LABELLED = re.compile(rf"(?:^|(?<=[。；;]))[ \t\u3000]*(?:【)?({UNIT_LABEL}|{DEADLINE_LABEL})(?:】\s*[:：]?|\s*[:：])([^\n；;]*)",
                       re.M)
_DEADLINE_LABELS = re.compile(rf"^{DEADLINE_LABEL}$")


def _carries_own_task(text: str) -> bool:
    """Whether an item with sub-items is a task itself, not just their heading:
    it names units, or says more than one sentence.

    >>> _carries_own_task("聚焦重点领域，深化信息主动公开"), _carries_own_task("加强政策解读。做好解读。责任单位：县政府办公室")
    (False, True)
    """
    if _slots(text) or _LABELLED.search(text):
        return True
    body = compact(text).rstrip("。；;")
    return "。" in body


def _labelled_slots(text: str) -> tuple[list[tuple[int, int]], str, str]:
    r"""Labelled lines of an item (责任单位：… / 完成时限：…): their spans, unit text, deadline text.

    >>> _labelled_slots("推进公开。\n牵头单位：市财政局\n配合单位：市审计局\n完成时限：2023年6月底前")[1:]
    ('牵头单位:市财政局；配合单位:市审计局', '2023年6月底前')
    """
    spans, units, deadline = [], [], ""
    inside = [(a, b) for a, b, _ in _bracket_groups(text)]
    for m in _LABELLED.finditer(text):
        if any(a < m.start(1) and m.end(1) < b - 1 for a, b in inside):
            continue  # a label of a parenthetical slot, read with its slot
        if _DEADLINE_LABELS.match(m.group(1)):
            deadline = m.group(2).strip()
        else:
            units.append(f"{m.group(1)}:{m.group(2).strip()}")
        spans.append((m.start(), m.end()))
    return spans, "；".join(units), deadline


def _prose_tasks(item: Item, region: _Region, meta: DocumentMeta, aliases) -> list[Task]:
    text = region.text
    labelled, label_units, label_deadline = _labelled_slots(text) if "：" in text or ":" in text or "】" in text \
        else ([], "", "")
    if labelled:
        # Blank the labelled lines out (same length, so positions still map).
        parts, prev = [], 0
        for a, b in labelled:
            parts += (text[prev:a], " " * (b - a))
            prev = b
        text = "".join(parts) + text[prev:]
    slots = _slots(text)
    groups: list[tuple[int, int, tuple[int, int, str] | None]] = []  # (start, end, slot)
    prev = 0
    for start, end, content in slots:
        stop = _SLOT_STOP.match(text, end)
        tail = stop.end() if stop else end
        groups.append((prev, tail, (start, end, content)))
        prev = tail
    trailing = text[prev:]
    if compact(trailing).strip(_LEADING_PUNCT):
        if groups:
            s0, _, slot = groups[-1]
            groups[-1] = (s0, len(text), slot)
        else:
            groups.append((0, len(text), None))
    tasks = []
    for part, (g_start, g_end, slot) in enumerate(groups):
        group = text[g_start:g_end]
        if slot is not None:
            body = text[g_start: slot[0]] + text[slot[1]: g_end]
            reading = read_slot(slot[2], LEAD, aliases)
            lead, assist = list(reading.lead), list(reading.assist)
            slot_deadline = reading.deadline
            evidence = compact(text[slot[0]: slot[1]])
        else:
            body = group
            lead, assist, evidence, slot_deadline = [], [], "", ""
        clean = compact(body).lstrip(_LEADING_PUNCT)
        if labelled:
            clean = clean.rstrip("；;，,、")
        if not clean:
            continue
        deadline = parse_deadline(slot_deadline, meta.year) if slot_deadline else None
        if label_units or label_deadline:
            last = part == len(groups) - 1
            if label_units and (slot is None or last):
                l2, a2 = parse_slot(label_units, LEAD, aliases)
                have_lead, have_assist = {x.raw for x in lead}, {x.raw for x in assist}
                lead = lead + [u for u in l2 if u.raw not in have_lead]
                assist = assist + [u for u in a2 if u.raw not in have_assist]
                evidence = "；".join(x for x in (evidence, label_units) if x)
            if label_deadline:
                deadline = parse_deadline(label_deadline, meta.year)
        tasks.append(Task(
            document=meta.source, jurisdiction=meta.jurisdiction.name, year=meta.year, source="prose",
            path=list(item.path), marker=item.marker, text=clean, lead=lead, assist=assist, deadline=deadline,
            span=(region.doc(g_start + (len(group) - len(group.lstrip(_LEADING_PUNCT)))),
                  region.doc(max(g_start, g_end - 1)) + 1),
            evidence=evidence, instruments=find_instruments(clean), milestones=find_milestones(clean), part=part,
        ))
    return tasks


def _names_persons(table: Table) -> bool:
    """Whether a unit column names people too (责任科室、责任人)."""
    return any("责任人" in h for h in table.header)


def _cells_of(table: Table, roles: list[str]) -> list[Record]:
    """The rows of a table read by content, rebuilt from what each cell holds."""
    persons = _names_persons(table)

    if table.encoding == "cells":
        return assign_cells([(c, _cell_kind(c, persons), a, b, ln) for c, a, b, ln in table.cells], roles)
    out: list[Record] = []
    for r in table.rows:
        out += assign_cells([(c, _cell_kind(c, persons), r.start, r.end, r.line) for c in r.cells], roles,
                            rows_are_lines=True)
    return out


@lru_cache(maxsize=65536)
def _cell_kind(cell: str, persons: bool) -> str:
    # Merged cells repeat down a table and unit cells across plans.
    readings = []

    def is_units(c: str) -> bool:
        readings.append(read_slot(c, LEAD, None, persons))
        return bool(readings[-1].lead or readings[-1].assist) and readings[-1].understood

    kind = cell_kind(cell, is_units, looks_like_deadline)
    if kind == "units" and readings[-1].trailing > 5:
        return "clause"  # units with what they are to do: a unit cell, or a requirement naming who
    return kind


@lru_cache(maxsize=4096)  # section cells repeat down a table
def _section_key(cell: str) -> tuple[int, str]:
    """(outline rank, marker) of a section cell; (0, the cell) for a heading without a marker."""
    h = heading(compact(cell))
    return (h[0], h[1]) if h else (0, compact(cell))


def _outline_rank(cell: str) -> int:
    return _section_key(cell)[0]


_SECTION_UNITS = re.compile(r"^(?:[一二三四五六七八九十]+[、.．])?(.+?(?:牵头|负责|配合)(?:落实|实施)?)的(?:\S{0,4})?任务")


def _section_units(heading_text: str) -> str:
    """The slot a section heading gives every row of its table:
    "各区、县(市)政府、市政府各部门负责落实的工作任务" → its units with 负责落实."""
    m = _SECTION_UNITS.match(heading_text)
    return m.group(1) if m and is_responsibility_slot(m.group(1)) else ""


def _record_tasks(table: Table, roles: list[str], meta: DocumentMeta, aliases) -> list[Task]:
    """Tasks of a table read by content (:func:`_cells_of`): the text column's
    cell is the task (else the task-name cell), the unit columns its mandates."""
    text_cols = [c for c, r in enumerate(roles) if r == "text"]
    group_cols = [c for c, r in enumerate(roles) if r == "group"]
    unit_cols = [(c, r) for c, r in enumerate(roles) if r in ("lead", "assist")]
    unit_col_set = {c for c, _ in unit_cols}
    deadline_col = roles.index("deadline") if "deadline" in roles else None
    section: list[str] = []
    tasks = []
    section_slot = _section_units(table.section) if not unit_cols else ""
    persons = _names_persons(table)
    for rec in _cells_of(table, roles):
        # Section cells in the order of the outline (一、 before （一）), whichever column held them.
        heads = sorted([rec.cells[c] for c in group_cols if c in rec.cells] + rec.heads, key=_outline_rank)
        texts = [rec.cells[c] for c in text_cols if c in rec.cells]
        if len(texts) > 1:
            # Two text-like columns (工作要求 | 工作任务 | 具体要求): the task is the
            # last one that says a sentence; the shorter ones before it are headings.
            full = [t for t in texts if len(compact(t)) > 40 or "。" in compact(t).rstrip("。")]
            keep = full[-1] if full else texts[-1]
            heads += [t for t in texts if t is not keep and texts.index(t) < texts.index(keep)]
            texts = [keep]
        for h in heads:
            rank, key = _section_key(h)
            section = [p for p in section if 0 < _rank_of(p) < rank] + [key] if rank else [key]
        raw_text = texts[0] if texts else (heads[-1] if heads and rec.cells.keys() & unit_col_set else "")
        if not raw_text and rec.number and heads:
            raw_text = heads[-1]
        if not compact(raw_text):
            continue
        marker = rec.number
        h = heading(raw_text.strip())
        if h and h[0] >= 2 and h[2].strip():
            marker = marker or h[1].rstrip(".")
            raw_text = h[2]
        text = compact(raw_text)
        if raw_text is (heads[-1] if heads else None):
            section = section[:-1]
        cells = tuple((rec.cells[c], role) for c, role in unit_cols if c in rec.cells)
        lead, assist, evidence = _row_units(cells or (((section_slot, "lead"),) if section_slot else ()), aliases,
                                            persons)
        deadline = parse_deadline(rec.cells[deadline_col], meta.year) if deadline_col in rec.cells else None
        path = [*section, marker] if marker else [*section]
        tasks.append(Task(
            document=meta.source, jurisdiction=meta.jurisdiction.name, year=meta.year, source="table",
            path=path, marker=marker, text=text, lead=lead, assist=assist, deadline=deadline,
            span=(rec.start, rec.end), evidence=evidence, instruments=find_instruments(text),
            milestones=find_milestones(text), table=table.title,
        ))
    return tasks


def _table_tasks(table: Table, meta: DocumentMeta, aliases) -> tuple[list[Task], list[Unplaced]]:
    """Tasks of a table: rows rebuilt by content (``|`` rows, one cell per
    line), or a grid whose blank cells are merged cells (TSV, tab-led cells)."""
    roles = column_roles(table.header)
    if "text" not in roles:
        return [], [Unplaced((table.start, table.end), 0, " | ".join(table.header), "table without a task column")]
    if table.encoding in ("cells", "pipe"):
        return _record_tasks(table, roles, meta, aliases), []
    return _grid_tasks(table, roles, meta, aliases)


def _grid_tasks(table: Table, roles: list[str], meta: DocumentMeta, aliases) -> tuple[list[Task], list[Unplaced]]:
    """Tasks of a TSV or tab-led table, where every row has every column and a
    blank cell is a merged one (温州's tables)."""
    unplaced: list[Unplaced] = []
    ncol = len(roles)
    rows = [list(r.cells) + [""] * (ncol - len(r.cells)) for r in table.rows]
    gcol = roles.index("group") if "group" in roles else None
    groups: list[int] | None = None
    if gcol is not None:
        groups, g, last = [], -1, None
        for r in rows:
            if r[gcol].strip():
                g += 1
                last = r[gcol]
            elif last is not None:
                r[gcol] = last  # a merged work-task cell: the one above
            groups.append(g)
    # A blank lead or deadline cell is a merged cell; a blank assist cell just means none.
    for c, role in enumerate(roles):
        if role in ("lead", "deadline") or (role == "assist" and groups is not None):
            col = fill_merged([r[c] for r in rows], groups)
            for r, v in zip(rows, col):
                r[c] = v
    text_cols = [c for c, role in enumerate(roles) if role == "text"]
    text_col = text_cols[0] if len(text_cols) == 1 else None  # the usual single task column
    number_col = roles.index("number") if "number" in roles else None
    unit_cols = [(c, role) for c, role in enumerate(roles) if role in ("lead", "assist")]
    deadline_col = roles.index("deadline") if "deadline" in roles else None
    document, jurisdiction, year = meta.source, meta.jurisdiction.name, meta.year
    section_slot = _section_units(table.section)
    default_units = ((section_slot, "lead"),) if section_slot else ()
    tasks = []
    for row, cells in zip(table.rows, rows):
        if text_col is not None:
            raw_text = cells[text_col] if cells[text_col].strip() else ""
        else:
            raw_text = "\n".join(t for t in (cells[c] for c in text_cols) if t.strip())
        number = compact(cells[number_col]) if number_col is not None else ""
        marker = ""
        path: list[str] = []
        if gcol is not None:
            gcell = cells[gcol]
            path = [row_group_key(gcell)] if gcell.strip() else []
            h = heading(raw_text.lstrip())
            if h and h[0] >= 3:
                marker = h[1]
                raw_text = h[2]
        text = compact(raw_text)
        if number:
            path.append(number)
            marker = marker or number
        elif marker:
            path.append(marker)
        else:
            marker = path[-1] if path else ""
        if not text:
            if any(compact(c) for c in cells):
                unplaced.append(Unplaced((row.start, row.end), row.line, compact(" ".join(cells))[:80], "table row without task text"))
            continue
        unit_cells = tuple([(cells[c], role) for c, role in unit_cols]) or default_units
        lead, assist, evidence = _row_units(unit_cells, aliases)
        deadline = parse_deadline(cells[deadline_col], year) if deadline_col is not None else None
        tasks.append(Task(
            document=document, jurisdiction=jurisdiction, year=year, source="table",
            path=path, marker=marker, text=text, lead=lead, assist=assist, deadline=deadline,
            span=(row.start, row.end), evidence=evidence, instruments=find_instruments(text),
            milestones=find_milestones(text), table=table.title,
        ))
    return tasks, unplaced


def _row_units(unit_cells: tuple[tuple[str, str], ...], aliases, persons: bool = False
               ) -> tuple[list[UnitRef], list[UnitRef], str]:
    """Lead units, assist units and evidence of a row's unit cells ``(cell, role)``."""
    if aliases is None:
        lead, assist, evidence = _row_units_cached(unit_cells, persons)
        return list(lead), list(assist), evidence
    return _read_row_units(unit_cells, aliases, persons)


@lru_cache(maxsize=16384)
def _row_units_cached(unit_cells: tuple[tuple[str, str], ...], persons: bool
                      ) -> tuple[tuple[UnitRef, ...], tuple[UnitRef, ...], str]:
    # Rows of a plan repeat the same unit cells (a merged cell fills a block of
    # rows), so rows read with the default alias table share one reading.
    lead, assist, evidence = _read_row_units(unit_cells, None, persons)
    return tuple(lead), tuple(assist), evidence


def _read_row_units(unit_cells: tuple[tuple[str, str], ...], aliases, persons: bool = False
                    ) -> tuple[list[UnitRef], list[UnitRef], str]:
    lead: list[UnitRef] = []
    assist: list[UnitRef] = []
    evidence = []
    for cell, role in unit_cells:
        if cell.strip():
            l, a = parse_slot(cell, role, aliases, persons)
            have_lead, have_assist = {x.raw for x in lead}, {x.raw for x in assist}
            lead += [u for u in l if u.raw not in have_lead]
            assist += [u for u in a if u.raw not in have_assist]
            evidence.append(compact(cell))
    return lead, assist, "；".join(evidence)


@lru_cache(maxsize=256)
def _rank_of(marker: str) -> int:
    h = heading(marker if marker.endswith((".", "）")) else marker + "、")
    return h[0] if h else 9


_CLOSED = frozenset("。；;！!？?)）〕]】|｜>")


def _cut_off(text: str, task: Task) -> bool:
    """Whether a document stops in the middle of its last task: the task runs
    to the end of the text and the text ends without closing its sentence (a
    page excerpt, a download cut short; often inside a multi-byte character)."""
    tail = text.rstrip(" \t\r\n\u3000\xa0")
    if not tail or task.span[1] < len(tail) - 1 or tail[-1] in _CLOSED:
        return False
    # A table row cut in its unit or deadline cell still has its task whole.
    return task.source == "prose" or compact(tail)[-8:] in task.text


def extract_text(text: str, source: str, *, jurisdiction: str | None = None, year: int | None = None,
                 aliases: Mapping[str, str] | None = None, raw: RawDocument | None = None,
                 require_tasks: bool = True) -> Extraction:
    """Extract the tasks of one document's text (a pure function of its inputs).

    >>> ex = extract_text("2022年台州市政务公开工作要点\\n一、公开\\n（一）推进民生项目预算信息公开。(市财政局牵头)\\n", "t.txt")
    >>> [(t.marker, t.text, [u.unit for u in t.lead]) for t in ex.tasks]
    [('（一）', '推进民生项目预算信息公开。', ['市财政局'])]
    """
    parsed: Parsed = walk(text)
    meta = read_metadata(source, text, [t for _, t in parsed.titles], [l for _, l in parsed.preamble],
                         parsed.signatures, jurisdiction, year, parsed.furniture, parsed.dates)
    if raw is not None:
        meta.encoding, meta.format, meta.checksum, meta.traditional = raw.encoding, raw.format, raw.checksum, raw.traditional
    events: list[tuple[int, list[Task]]] = []
    for item in parsed.items:
        if not item.segments:
            continue  # a bare heading: nothing of its own to carry
        region = _Region(item.segments)
        if item.children and not _carries_own_task(region.text) or item.heads_table:
            continue  # a heading of its sub-items, or of a table's rows
        events.append((item.start, _prose_tasks(item, region, meta, aliases)))
    unplaced = [Unplaced((o, o + len(t)), ln, t[:80], why) for o, ln, t, why in parsed.unplaced]
    for table in parsed.tables:
        tasks, lost = _table_tasks(table, meta, aliases)
        events.append((table.start, tasks))
        unplaced += lost
    events.sort(key=lambda e: e[0])
    tasks = [t for _, ts in events for t in ts]
    if tasks and _cut_off(text, tasks[-1]):
        last = tasks.pop()
        unplaced.append(Unplaced(last.span, text.count("\n", 0, last.span[0]) + 1, last.text[:80],
                                 "task cut off at the end of the document (its text or unit list is incomplete)"))
    memberships = []
    for ml in parsed.member_lists:
        group = compact(ml.group)
        for ref in iter_units(ml.text, "", aliases):
            memberships.append(Membership(group=group, member=ref, span=(ml.start, ml.start + len(ml.text))))
    if require_tasks and not tasks:
        cut = [u for u in unplaced if u.reason.startswith("task cut off")]
        if cut:
            raise ParseError(source, f"no complete task: the only one, at line {cut[0].line}, is cut off at the end "
                                     "of the document (its text or unit list is incomplete)")
        raise ParseError(source, "no tasks found: no numbered items (一、 / (一) / 1.) and no task table "
                                 "(序号 / 重点任务 / 责任单位 columns)")
    return Extraction(meta=meta, tasks=tasks, memberships=memberships, unplaced=unplaced, text=text)


def extract_file(path: str | Path, *, jurisdiction: str | None = None, year: int | None = None,
                 encoding: str | None = None, format: str | None = None,
                 aliases: Mapping[str, str] | None = None, source: str | None = None) -> Extraction:
    """Read and extract one file.

    ``source`` names the document in the graph and the contract; by default
    the one the path carries (:func:`expand_paths`: its path inside the
    folder named), else its file name.
    """
    raw = read_document(path, encoding=encoding, format=format)
    source = source or getattr(path, "source", None) or Path(path).name
    try:
        ex = extract_text(raw.text, source, jurisdiction=jurisdiction, year=year, aliases=aliases, raw=raw)
    except ParseError as exc:
        raise ParseError(str(path), exc.reason) from None
    if raw.traditional:
        _restore_script(ex, raw)
    ex.notices = [f"{path}: {n}" for n in raw.notices]
    return ex


def _restore_script(ex: Extraction, raw: RawDocument) -> None:
    """Give texts and raw unit names back in the script they were written in.

    Parsing ran on the simplified twin of the text (same length); canonical
    unit names stay simplified so they match across documents.
    """
    counts: dict[str, dict[str, int]] = {}
    for a, b in zip(raw.text, raw.raw_text):
        if a != b:
            counts.setdefault(a, {}).setdefault(b, 0)
            counts[a][b] += 1
    table = str.maketrans({a: max(bs, key=bs.get) for a, bs in counts.items()})
    for t in ex.tasks:
        t.text = t.text.translate(table)
        t.lead = [replace(u, raw=u.raw.translate(table)) for u in t.lead]
        t.assist = [replace(u, raw=u.raw.translate(table)) for u in t.assist]
    ex.meta.title = ex.meta.title.translate(table)


def iter_extract(paths: Iterable[str | Path], **kw) -> Iterator[tuple[str, Extraction | MandateGraphError]]:
    """Extract files one by one, yielding ``(path, extraction or error)``.

    A bad file yields its error and the others go on (the caller decides how
    to report it), so one broken document never loses the rest of a run.
    """
    for p in paths:
        try:
            yield str(p), extract_file(p, **kw)
        except MandateGraphError as exc:
            yield str(p), exc


def extract_files(paths: Iterable[str | Path], **kw) -> list[Extraction]:
    """Eager wrapper of :func:`iter_extract` that raises the first error."""
    out = []
    for _, res in iter_extract(paths, **kw):
        if isinstance(res, MandateGraphError):
            raise res
        out.append(res)
    return out


def expand_paths(paths: Iterable[str | Path]) -> list[str]:
    """Files named, and the documents inside folders named (sorted), each read once.

    The documents of :func:`~mandategraph.loaders.inputs.find_documents`,
    without its report of what was left out (call that to have it). Each
    path carries its document's name in ``source``, which :func:`extract_file` uses.
    """
    from .inputs import find_documents

    return list(find_documents(paths).files)

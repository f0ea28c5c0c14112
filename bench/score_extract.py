"""Score the extractor against hand gold: the project's corpus scorer.

``python bench/score_extract.py GOLD_DIR DOC_DIR [PRED_DIR] [--detail] [--by format|level]``

- ``GOLD_DIR``: ``NNN.json`` gold files (``tasks`` with ``text_start``,
  ``lead``, ``assist``, ``deadline``), as in ``tests/data/corpus/gold``;
- ``DOC_DIR``: the documents the gold was written from (``NNN.txt``) and their
  ``NNN.meta.json`` (``format``, ``level``, … used for the breakdown);
- ``PRED_DIR``: ``NNN.jsonl`` written by ``mandategraph extract``, one per
  document. Without it the extractor runs in this process on each document
  and its tasks go through the same JSON Lines the command prints; a document
  it refuses (``MandateGraphError``, e.g. "no tasks found") has no predictions.

Prints one line per document, the breakdown by the meta files' ``format`` and
``level``, then the overall figures; the last line is ``mandate F1 = X.XXX``.

The rules are those of the outside scorer the hand gold came with, so both
give the same figures:

- a **mandate** is a (gold task, role, unit) triple; units are compared after
  :func:`fold` (NFKC widths, 〈〉 and full-width brackets to ASCII, spaces
  dropped) and with a trailing catch-all (等有关部门, 等单位, 等 …) stripped;
- a predicted task is tied to the gold task whose ``text_start`` (folded,
  leading marker dropped, first 10 characters) occurs in the first 80 folded
  characters of its text, the first such gold task not yet taken and of the
  same ``source`` preferred; failing that, by position: the gold task whose
  located start is the last one at or before the prediction's span start
  (2 characters of slack), if no later gold task starts before it;
- the units of a prediction tied to no gold task all count as false
  positives (each listed unit, duplicates included), in both the mandate and
  the role-blind figure;
- the role-blind figure compares (gold task, unit) pairs;
- a gold deadline is found when a prediction tied to its task has the same
  folded ``raw`` deadline.
"""
from __future__ import annotations

import argparse
import json
import re
import sys
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, Iterable, Iterator, NamedTuple, Sequence

ROLES = ("lead", "assist")
"""The two roles of a mandate, in the order they are read."""

CATCH_ALL = re.compile(r"(等有关部门[（(]单位[)）]|等有关部门|等有关单位|等部门|等单位|等)$")
"""A trailing catch-all after a unit list, dropped before units are compared."""

_LEADING_MARKER = re.compile(r"^[(（]?[一二三四五六七八九十\d]+[)）、.．]?")

TEXT_KEY_LENGTH = 10
"""Characters of a gold ``text_start`` (folded, marker dropped) looked up in a prediction."""

PRED_TEXT_LENGTH = 80
"""Folded characters of a predicted task's text the gold keys are looked up in."""

LOCATE_LENGTH = 12
"""Characters of a gold ``text_start`` searched for in the document to place it."""

POSITION_SLACK = 2
"""A gold task may start this many folded characters after a prediction's span start."""

Triple = tuple[int, str, str]  # (gold task index, role, unit key)


# --- folding -----------------------------------------------------------------

def fold(s: str | None) -> str:
    """Fold widths (NFKC), brackets to ASCII ``()`` and drop all whitespace.

    >>> fold("各县 (市、 区 ) 政府")
    '各县(市、区)政府'
    >>> fold("〈市〉（区）")
    '(市)(区)'
    """
    s = unicodedata.normalize("NFKC", s or "")
    s = s.replace("〈", "(").replace("〉", ")").replace("（", "(").replace("）", ")")
    return re.sub(r"\s+", "", s)


def unit_key(unit: str | dict[str, Any] | None) -> str:
    """The comparable form of a unit: folded, trailing catch-all stripped.

    A predicted unit is a dict ``{raw, unit}``; its ``raw`` (as written) is
    compared, or ``unit`` when ``raw`` is empty.

    >>> unit_key("市发改委等有关部门")
    '市发改委'
    >>> unit_key({"raw": "市 自然资源局", "unit": "市自然资源局"})
    '市自然资源局'
    """
    if isinstance(unit, dict):
        unit = unit.get("raw") or unit.get("unit") or ""
    return CATCH_ALL.sub("", fold(unit))


def text_key(s: str, n: int = TEXT_KEY_LENGTH) -> str:
    """The first ``n`` folded characters of a task text, a leading marker dropped.

    >>> text_key("(三)推进决策公开,落实重大行政决策")
    '推进决策公开,落实重'
    """
    return _LEADING_MARKER.sub("", fold(s))[:n]


# --- the score ---------------------------------------------------------------

class PRF(NamedTuple):
    """Precision, recall and F1 (each 0.0 when undefined)."""

    precision: float
    recall: float
    f1: float


def prf(tp: int, fp: int, fn: int) -> PRF:
    """Precision / recall / F1 of true positive, false positive and false negative counts.

    >>> prf(1, 1, 0)
    PRF(precision=0.5, recall=1.0, f1=0.6666666666666666)
    >>> prf(0, 0, 0)
    PRF(precision=0.0, recall=0.0, f1=0.0)
    """
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return PRF(p, r, f)


@dataclass(frozen=True)
class Score:
    """The counts of one document, or the sum over several (``+`` adds them)."""

    tp: int = 0  # (task, role, unit) mandates found
    fp: int = 0  # predicted mandates not in the gold, unmatched predictions' units included
    fn: int = 0  # gold mandates not predicted
    btp: int = 0  # role-blind (task, unit) pairs: found
    bfp: int = 0  # ... predicted, not in the gold (unmatched predictions' units included)
    bfn: int = 0  # ... in the gold, not predicted
    gold_tasks: int = 0
    found_tasks: int = 0  # gold tasks tied to at least one prediction
    pred_tasks: int = 0
    unmatched_preds: int = 0  # predictions tied to no gold task
    dl_total: int = 0  # gold tasks with a deadline
    dl_ok: int = 0  # ... whose deadline a tied prediction gives as written
    documents: int = 1  # a document's own score counts one; sums add them up

    def __add__(self, other: "Score") -> "Score":
        return Score(**{f.name: getattr(self, f.name) + getattr(other, f.name) for f in fields(self)})

    @property
    def mandates(self) -> PRF:
        """(task, role, unit) precision / recall / F1."""
        return prf(self.tp, self.fp, self.fn)

    @property
    def role_blind(self) -> PRF:
        """(task, unit) precision / recall / F1, roles ignored."""
        return prf(self.btp, self.bfp, self.bfn)


@dataclass(frozen=True)
class DocumentScore:
    """One document's :class:`Score` and what went wrong in it."""

    score: Score
    missing: list[str] = field(default_factory=list)  # text_start of gold tasks no prediction is tied to
    wrong: list[Triple] = field(default_factory=list)  # predicted mandates not in the gold (sorted)
    lost: list[Triple] = field(default_factory=list)  # gold mandates not predicted (sorted)


def aggregate(scores: Iterable[Score | DocumentScore]) -> Score:
    """The sum of document scores (``Score(documents=0)`` for none)."""
    total = Score(documents=0)
    for s in scores:
        total = total + (s.score if isinstance(s, DocumentScore) else s)
    return total


# --- matching predictions to gold tasks ---------------------------------------

def locate(doc_text: str, gold_tasks: Sequence[dict[str, Any]]) -> tuple[str, list[int]]:
    """The folded document and each gold task's offset in it (-1 when not found).

    Each task is looked for after the previous one found, then anywhere.
    """
    fdoc = fold(doc_text)
    pos, offsets = 0, []
    for t in gold_tasks:
        key = fold(t["text_start"])[:LOCATE_LENGTH]
        i = fdoc.find(key, pos)
        if i < 0:
            i = fdoc.find(key)
        offsets.append(i)
        if i >= 0:
            pos = i + 1
    return fdoc, offsets


def _by_position(doc_text: str, span: list[int], offsets: list[int]) -> int | None:
    """The gold task a prediction's span start falls in, or None."""
    start = len(fold(doc_text[: span[0]]))
    best = None
    for i, o in enumerate(offsets):
        if 0 <= o <= start + POSITION_SLACK and (best is None or o > offsets[best]):
            best = i
    if best is None:
        return None
    later = [o for o in offsets if o > offsets[best]]
    return best if not later or start < min(later) else None


def match(gold_tasks: Sequence[dict[str, Any]], doc_text: str,
          preds: Sequence[dict[str, Any]]) -> tuple[dict[int, list[dict[str, Any]]], list[dict[str, Any]]]:
    """Tie predictions to gold tasks: ``({gold index: [predictions]}, unmatched)``.

    By text first (a gold key inside the prediction's text; the first gold
    task not yet taken, of the prediction's ``source`` when the gold says),
    then by the position of the prediction's span in the document.
    """
    _, offsets = locate(doc_text, gold_tasks)
    keys = [[text_key(t["text_start"])] + [text_key(c["text_start"]) for c in t.get("clauses", []) or []]
            for t in gold_tasks]
    assigned: dict[int, list[dict[str, Any]]] = {}
    unmatched: list[dict[str, Any]] = []
    used: set[int] = set()
    for p in preds:
        ptext = fold(p.get("text", ""))[:PRED_TEXT_LENGTH]
        psrc = p.get("source")
        cands = [i for i, ks in enumerate(keys) if any(k and k in ptext for k in ks)]
        same = [i for i in cands if gold_tasks[i].get("source", psrc) == psrc] or cands
        pick = next((i for i in same if i not in used), same[0] if same else None)
        if pick is None and p.get("span") and isinstance(p["span"], list):
            pick = _by_position(doc_text, p["span"], offsets)
        if pick is None:
            unmatched.append(p)
        else:
            used.add(pick)
            assigned.setdefault(pick, []).append(p)
    return assigned, unmatched


def _units(task: dict[str, Any], role: str) -> list[Any]:
    return task.get(role, []) or []


def score_document(gold: dict[str, Any], doc_text: str, preds: Sequence[dict[str, Any]]) -> DocumentScore:
    """Score one document's predicted task dicts (``extract`` JSON objects) against its gold.

    Pure: ``gold`` is the parsed gold file, ``doc_text`` the document as read
    (UTF-8, universal newlines: predicted spans index it), ``preds`` the
    predicted tasks in the order the extractor gave them.
    """
    tasks = gold["tasks"]
    assigned, unmatched = match(tasks, doc_text, preds)
    gold_tr = {(i, role, unit_key(u)) for i, t in enumerate(tasks) for role in ROLES for u in t.get(role, [])}
    pred_tr = {(i, role, unit_key(u)) for i, ps in assigned.items() for p in ps for role in ROLES
               for u in _units(p, role)}
    extra = sum(len(_units(p, role)) for p in unmatched for role in ROLES)
    gold_u = {(i, u) for i, _, u in gold_tr}
    pred_u = {(i, u) for i, _, u in pred_tr}
    dl_total = dl_ok = 0
    for i, t in enumerate(tasks):
        if t.get("deadline"):
            dl_total += 1
            got = [fold((p.get("deadline") or {}).get("raw", "")) for p in assigned.get(i, [])]
            dl_ok += fold(t["deadline"]) in got
    score = Score(
        tp=len(gold_tr & pred_tr), fp=len(pred_tr - gold_tr) + extra, fn=len(gold_tr - pred_tr),
        btp=len(gold_u & pred_u), bfp=len(pred_u - gold_u) + extra, bfn=len(gold_u - pred_u),
        gold_tasks=len(tasks), found_tasks=len(assigned), pred_tasks=len(preds),
        unmatched_preds=len(unmatched), dl_total=dl_total, dl_ok=dl_ok,
    )
    return DocumentScore(
        score=score,
        missing=[t["text_start"] for i, t in enumerate(tasks) if i not in assigned],
        wrong=sorted(pred_tr - gold_tr),
        lost=sorted(gold_tr - pred_tr),
    )


# --- reading gold, documents and predictions -----------------------------------

def parse_jsonl(text: str) -> list[dict[str, Any]]:
    """The objects of a JSON Lines text; blank and malformed lines are skipped.

    Lines are split as :meth:`str.splitlines` does, as the outside scorer does.
    """
    out = []
    for line in text.splitlines():
        line = line.strip()
        if line:
            try:
                out.append(json.loads(line))
            except json.JSONDecodeError:
                pass
    return out


def extract_predictions(doc_path: Path) -> tuple[list[dict[str, Any]], str | None]:
    """Run the extractor on one document: ``(task dicts, refusal message or None)``.

    The tasks go through the JSON Lines ``mandategraph extract`` prints
    (:meth:`Task.contract`, one ``json.dumps`` a line) and back, so they are
    scored exactly as a saved ``NNN.jsonl`` would be.
    """
    from mandategraph.errors import MandateGraphError
    from mandategraph.loaders.extract import extract_file

    try:
        result = extract_file(doc_path)
    except MandateGraphError as exc:
        return [], str(exc)
    lines = "".join(json.dumps(t.contract(), ensure_ascii=False) + "\n" for t in result.tasks)
    return parse_jsonl(lines), None


@dataclass(frozen=True)
class Document:
    """A gold file with its document and meta (one row of the corpus)."""

    name: str  # NNN
    gold: dict[str, Any]
    path: Path
    meta: dict[str, Any]

    def text(self) -> str:
        """The document as the scorer reads it (spans index this text)."""
        return self.path.read_text(encoding="utf-8", errors="replace")


def iter_documents(gold_dir: Path, doc_dir: Path) -> Iterator[Document]:
    """Gold files in name order with their document; gold without a document is skipped."""
    for g in sorted(Path(gold_dir).glob("*.json")):
        if g.name == "continuity.json":
            continue
        docs = sorted(d for d in Path(doc_dir).iterdir() if d.stem == g.stem and d.suffix != ".json")
        if not docs:
            continue
        meta_path = Path(doc_dir) / f"{g.stem}.meta.json"
        meta = json.loads(meta_path.read_text(encoding="utf-8")) if meta_path.exists() else {}
        yield Document(g.stem, json.loads(g.read_text(encoding="utf-8")), docs[0], meta)


@dataclass(frozen=True)
class CorpusResult:
    """Every document's score (in name order) and which the extractor refused."""

    documents: list[Document]
    scores: dict[str, DocumentScore]
    refused: dict[str, str]  # name -> the extractor's message (in-process runs only)

    @property
    def total(self) -> Score:
        """The corpus-wide sum."""
        return aggregate(self.scores.values())

    def by(self, key: str) -> dict[str, Score]:
        """Sums per value of a meta field (``format``, ``level``, …), "?" when absent."""
        groups: dict[str, list[DocumentScore]] = defaultdict(list)
        for d in self.documents:
            groups[str(d.meta.get(key) or "?")].append(self.scores[d.name])
        return {k: aggregate(v) for k, v in sorted(groups.items())}


def score_corpus(gold_dir: Path, doc_dir: Path, pred_dir: Path | None = None) -> CorpusResult:
    """Score every gold document, from ``pred_dir``'s ``NNN.jsonl`` or by running the extractor."""
    docs, scores, refused = [], {}, {}
    for d in iter_documents(gold_dir, doc_dir):
        if pred_dir is None:
            preds, refusal = extract_predictions(d.path)
            if refusal is not None:
                refused[d.name] = refusal
        else:
            p = Path(pred_dir) / f"{d.name}.jsonl"
            preds = parse_jsonl(p.read_text(encoding="utf-8", errors="replace")) if p.exists() else []
        docs.append(d)
        scores[d.name] = score_document(d.gold, d.text(), preds)
    return CorpusResult(docs, scores, refused)


# --- report --------------------------------------------------------------------

def _prf_text(x: PRF, label: str = "") -> str:
    return f"{label}P={x.precision:.3f} R={x.recall:.3f} F1={x.f1:.3f}"


def document_line(name: str, s: Score, refusal: str | None = None) -> str:
    """One document's line of the report."""
    line = (f"{name}: tasks {s.found_tasks}/{s.gold_tasks} found, {s.pred_tasks} predicted "
            f"({s.unmatched_preds} unmatched); mandates {_prf_text(s.mandates)}; "
            f"role-blind {_prf_text(s.role_blind)}; deadlines {s.dl_ok}/{s.dl_total}")
    return line + (f"  [refused: {refusal}]" if refusal else "")


def group_line(value: str, s: Score) -> str:
    """One line of a breakdown by a meta field."""
    return (f"  {value} ({s.documents} docs): tasks {s.found_tasks}/{s.gold_tasks}, "
            f"mandates {_prf_text(s.mandates)}, role-blind F1={s.role_blind.f1:.3f}, "
            f"deadlines {s.dl_ok}/{s.dl_total}")


def report(result: CorpusResult, *, detail: bool = False, by: Sequence[str] = ("format", "level")) -> list[str]:
    """The lines the command prints; the last three are the outside scorer's overall lines."""
    out = []
    for d in result.documents:
        ds = result.scores[d.name]
        out.append(document_line(d.name, ds.score, result.refused.get(d.name)))
        if detail:
            out += [f"   missing task: {m}" for m in ds.missing[:10]]
            out += [f"   wrong: {w}" for w in ds.wrong[:20]]
            out += [f"   lost: {x}" for x in ds.lost[:20]]
    for key in by:
        out.append(f"by {key}:")
        out += [group_line(v, s) for v, s in result.by(key).items()]
    t = result.total
    if result.refused:
        out.append(f"refused by the extractor: {len(result.refused)} of {t.documents} documents")
    out.append(f"role-blind units: {_prf_text(t.role_blind)}")
    m = t.mandates
    out.append(f"overall: tasks {t.found_tasks}/{t.gold_tasks}, mandates P={m.precision:.3f} R={m.recall:.3f}, "
               f"deadlines {t.dl_ok}/{t.dl_total}")
    out.append(f"mandate F1 = {m.f1:.3f}")
    return out


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("gold_dir", type=Path, metavar="GOLD_DIR")
    ap.add_argument("doc_dir", type=Path, metavar="DOC_DIR")
    ap.add_argument("pred_dir", type=Path, metavar="PRED_DIR", nargs="?",
                    help="NNN.jsonl from `mandategraph extract`; without it the extractor runs here")
    ap.add_argument("--detail", action="store_true", help="list missing tasks, wrong and lost mandates")
    ap.add_argument("--by", action="append", choices=("format", "level"),
                    help="breakdown by this meta field (repeatable; default: format and level)")
    args = ap.parse_args(argv)
    result = score_corpus(args.gold_dir, args.doc_dir, args.pred_dir)
    print("\n".join(report(result, detail=args.detail, by=args.by or ("format", "level"))))
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Scoring extracted tasks against the hand-written golden files."""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from difflib import SequenceMatcher
from pathlib import Path

GOLDEN = Path(__file__).parent / "golden"
DOCUMENTS = Path(__file__).parent.parent / "data" / "documents"

_FOLD = str.maketrans({"（": "(", "）": ")", "〈": "(", "〉": ")", "，": ",", "：": ":", "；": ";"})


def norm(s: str) -> str:
    return re.sub(r"\s+", "", s or "").translate(_FOLD)


def load_golden(stem: str) -> list[dict]:
    return [json.loads(l) for l in (GOLDEN / f"{stem}.jsonl").read_text(encoding="utf-8").splitlines() if l.strip()]


@dataclass
class Score:
    tasks_expected: int
    tasks_found: int
    matched: int
    tp: int
    fp: int
    fn: int
    deadline_ok: int
    deadline_total: int

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


def align(golden: list[dict], found: list[dict]) -> list[tuple[int, int]]:
    """One-to-one pairs (golden index, found index) by text similarity, in order."""
    pairs = []
    used: set[int] = set()
    for gi, g in enumerate(golden):
        gt = norm(g["text"])
        best, best_j = 0.0, -1
        for fj, f in enumerate(found):
            if fj in used or f["source"] != g["source"]:
                continue
            ft = norm(f["text"])
            if ft == gt:
                best, best_j = 1.0, fj
                break
            r = SequenceMatcher(None, gt, ft, autojunk=False).quick_ratio()
            if r > best:
                best, best_j = r, fj
        if best_j >= 0 and best >= 0.8:
            used.add(best_j)
            pairs.append((gi, best_j))
    return pairs


def score(golden: list[dict], found: list[dict]) -> Score:
    pairs = align(golden, found)
    tp = fp = fn = 0
    d_ok = 0
    matched_f = {j for _, j in pairs}
    matched_g = {i for i, _ in pairs}
    for gi, fj in pairs:
        g, f = golden[gi], found[fj]
        for role in ("lead", "assist"):
            gs = {norm(u) for u in g[role]}
            fs = {norm(u["raw"]) for u in f[role]}
            tp += len(gs & fs)
            fp += len(fs - gs)
            fn += len(gs - fs)
        fd = f["deadline"]["normalized"] if f["deadline"] else None
        d_ok += fd == g["deadline_normalized"]
    for gi, g in enumerate(golden):
        if gi not in matched_g:
            fn += len(g["lead"]) + len(g["assist"])
    for fj, f in enumerate(found):
        if fj not in matched_f:
            fp += len(f["lead"]) + len(f["assist"])
    return Score(len(golden), len(found), len(pairs), tp, fp, fn, d_ok, len(golden))

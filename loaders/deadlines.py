"""Deadlines: the raw text of a deadline slot and its normalised form."""
from __future__ import annotations

import calendar
import re
from functools import lru_cache

from .model import Deadline

__all__ = ["parse_deadline", "find_milestones", "looks_like_deadline"]

_CN_NUM = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10,
           "十一": 11, "十二": 12}
_ONGOING = re.compile(r"长期坚持|持续推进|长期|持续|常态化|经常性|每年|定期")
_FULL_DATE = re.compile(r"(?:(\d{4})\s*年)?(\d{1,2}|[一二三四五六七八九十]{1,3})\s*月\s*(\d{1,2})\s*日")
_MONTH = re.compile(r"(?:(\d{4})\s*年)?(\d{1,2}|十[一二]?|[一二三四五六七八九])\s*月(?:份)?\s*(?:底|末|中旬|上旬|下旬)?")
_QUARTER = re.compile(r"(?:(\d{4})\s*年)?(?:第)?([一二三四1-4])\s*季度")
_HALF = re.compile(r"(?:(\d{4})\s*年)?(上|下)半年")
_YEAR_END = re.compile(r"(?:(\d{4})\s*年)?(?:全年|年底|年末|年内|年度内|全年度)")
_ISO = re.compile(r"(\d{4})[-./](\d{1,2})[-./](\d{1,2})")


def _num(s: str) -> int:
    return int(s) if s.isdigit() else _CN_NUM.get(s, 0)


def _month_end(year: int, month: int) -> str:
    return f"{year:04d}-{month:02d}-{calendar.monthrange(year, month)[1]:02d}"


@lru_cache(maxsize=16384)
def parse_deadline(raw: str, year: int | None) -> Deadline | None:
    """Normalise a deadline cell; None for an empty cell.

    >>> parse_deadline("12月底前", 2022).normalized, parse_deadline("全年", 2022).normalized
    ('2022-12-31', '2022-12-31')
    >>> parse_deadline("三季度前", 2022).normalized, parse_deadline("11月\\n底前", 2019)
    ('2022-09-30', Deadline(raw='11月底前', normalized='2019-11-30'))
    >>> parse_deadline("长期坚持", 2024).normalized, parse_deadline("2024年12月底前", None).normalized
    ('ongoing', '2024-12-31')
    """
    text = "".join((raw or "").split())  # every space and line break removed
    if not text:
        return None
    m = _ISO.search(text)
    if m:
        return Deadline(text, f"{int(m.group(1)):04d}-{int(m.group(2)):02d}-{int(m.group(3)):02d}")
    m = _FULL_DATE.search(text)
    if m and (m.group(1) or year):
        y = int(m.group(1) or year)
        mo, d = _num(m.group(2)), int(m.group(3))
        if 1 <= mo <= 12 and 1 <= d <= calendar.monthrange(y, mo)[1]:
            return Deadline(text, f"{y:04d}-{mo:02d}-{d:02d}")
    m = _MONTH.search(text)
    if m and (m.group(1) or year):
        y, mo = int(m.group(1) or year), _num(m.group(2))
        if 1 <= mo <= 12:
            return Deadline(text, _month_end(y, mo))
    m = _QUARTER.search(text)
    if m and (m.group(1) or year):
        y, q = int(m.group(1) or year), _num(m.group(2))
        if 1 <= q <= 4:
            return Deadline(text, _month_end(y, q * 3))
    m = _HALF.search(text)
    if m and (m.group(1) or year):
        y = int(m.group(1) or year)
        return Deadline(text, _month_end(y, 6 if m.group(2) == "上" else 12))
    m = _YEAR_END.search(text)
    if m and (m.group(1) or year):
        return Deadline(text, f"{int(m.group(1) or year):04d}-12-31")
    if _ONGOING.search(text):
        return Deadline(text, "ongoing")
    return Deadline(text, None)


# The lookahead is implied by the pattern (a date starts with a digit or 年); said
# first, it lets the search step over other characters at one test each (3x faster).
_MILESTONE = re.compile(r"(?=[\d年])(?:\d{4}\s*年\s*)?(?:\d{1,2}\s*月\s*(?:\d{1,2}\s*日)?\s*(?:底|末)?前?|年(?:底|内|末)前?)")


def find_milestones(text: str) -> list[str]:
    """Dates inside a task's prose (milestones, not deadlines).

    >>> find_milestones("全市2022年9月底前完成“1+N”政务新媒体矩阵建设任务")
    ['2022年9月底前']
    """
    if "月" not in text and "年底" not in text and "年内" not in text and "年末" not in text:
        return []
    return [m.group(0) for m in _MILESTONE.finditer(text) if len(m.group(0)) > 2]


_DEADLINE_TOKEN = (r"(?:(?:\d{4}\s*年\s*|[今本当明]年)?(?:(?:\d{1,2}|十[一二]?|[一二三四五六七八九])\s*月(?:份)?(?:\s*\d{1,2}\s*日)?|第?[一二三四1-4]\s*季度|上半年|下半年|"
                   r"年底|年末|年内|年中|全年|年度内|全年度)(?:底|末|中旬|上旬|下旬)?(?:前|以前|之前)?(?:完成)?|\d{4}\s*年(?:底|内|末)?(?:前)?|"
                   r"[今本当明]年(?:度)?(?:底|内|末)?(?:前|以前|之前)?(?:完成)?|长期(?:坚持|推进|开展)?|持续(?:推进|开展|实施|更新)?|常态化(?:推进|开展|公开)?|常年|每年度?|每季度|每半年|每月|每周|定期|"
                   r"及时|即时|按时|实时|动态(?:调整|更新)?|随时|立即|适时|按要求|按季度|按月|[\d]{4}[-./]\d{1,2}(?:[-./]\d{1,2})?)")
_DEADLINE_CELL = re.compile(rf"^{_DEADLINE_TOKEN}(?:[、，,和及至到—~-]+{_DEADLINE_TOKEN})*[。.]?$")


def looks_like_deadline(cell: str) -> bool:
    """Whether a table cell is a deadline (年底前, 2024年10月, 长期坚持, 每年度 …).

    >>> [looks_like_deadline(c) for c in ("三季度前", "2022年10月", "持续推进", "每年度", "市财政局", "已完成")]
    [True, True, True, True, False, False]
    """
    c = "".join(cell.split())
    return 0 < len(c) <= 30 and bool(_DEADLINE_CELL.match(c))

"""Document metadata read from the text: title, jurisdiction, year, 文号, issuer, dates."""
from __future__ import annotations

import re
from collections import Counter

from .jurisdictions import find_in_text, resolve
from .lines import compact
from .model import DocumentMeta, Jurisdiction

__all__ = ["read_metadata", "find_doc_number", "find_dates"]

_DOC_NUMBER = re.compile(r"[\u4e00-\u9fff]{1,12}[〔\[【(（]\s*(\d{4})\s*[〕\]】)）]\s*\d{1,4}\s*号")
_PLAN_TITLE = re.compile(r"(?:政务公开|政府信息公开)[\u4e00-\u9fff]*(?:工作要点|任务分解表|任务清单|任务分工|实施方案|工作方案)")
_NOTICE_TITLE = re.compile(r"关于印发(.+?)的通知")
_YEAR = re.compile(r"((?:19|20)\d{2})\s*年")
_DATE = re.compile(r"((?:19|20)\d{2})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日|((?:19|20)\d{2})-(\d{2})-(\d{2})")
_ISSUER = re.compile(r"^[\u4e00-\u9fff]{2,30}(?:人民政府办公室|人民政府办公厅|人民政府|政务公开领导小组办公室|领导小组办公室|办公室)$")


def find_doc_number(text: str) -> str:
    """The 文号, e.g. ``市中政办发〔2024〕3号``.

    >>> find_doc_number("关于印发…的通知\\n市中政办发〔2024〕3号\\n")
    '市中政办发〔2024〕3号'
    """
    m = _DOC_NUMBER.search(text)
    return re.sub(r"\s+", "", m.group(0)) if m else ""


def find_dates(text: str) -> list[str]:
    """ISO dates written in full, in order, without repeats."""
    out: dict[str, None] = {}
    for m in _DATE.finditer(text):
        y, mo, d = (m.group(1), m.group(2), m.group(3)) if m.group(1) else (m.group(4), m.group(5), m.group(6))
        if 1 <= int(mo) <= 12 and 1 <= int(d) <= 31:
            out.setdefault(f"{int(y):04d}-{int(mo):02d}-{int(d):02d}", None)
    return list(out)


def read_metadata(source: str, text: str, titles: list[str], preamble: list[str], signatures: list[str],
                  jurisdiction: str | None = None, year: int | None = None,
                  furniture: list[str] = (), date_lines: list[str] = ()) -> DocumentMeta:
    """Metadata of one document; ``jurisdiction`` and ``year`` override the text."""
    head = "\n".join([*furniture[:5], *preamble])[:4000]
    title = _pick_title(titles, head)
    meta = DocumentMeta(source=source, title=title)
    meta.doc_number = find_doc_number(head or text[:4000])
    meta.dates = find_dates(head + "\n" + "\n".join([*signatures, *date_lines]))
    issuers = [s for s in signatures if _ISSUER.match(s)] + [compact(l) for l in preamble if _ISSUER.match(compact(l))]
    meta.issuer = issuers[0] if issuers else ""
    if jurisdiction:
        meta.jurisdiction = resolve(jurisdiction)
    else:
        meta.jurisdiction = (find_in_text(title, head + "\n" + "\n".join(signatures), text[:5000], text[:30000])
                             or Jurisdiction(""))
    if year is not None:
        meta.year = year
    else:
        m = _YEAR.search(title)
        if m:
            meta.year = int(m.group(1))
        else:
            years = Counter(int(y) for y in _YEAR.findall(text[:20000]))
            meta.year = years.most_common(1)[0][0] if years else None
    return meta


def _pick_title(titles: list[str], head: str) -> str:
    m = _NOTICE_TITLE.search(compact(head))
    if m and _PLAN_TITLE.search(m.group(1)):
        return m.group(1).strip("《》")
    for t in titles:
        if _PLAN_TITLE.search(t) and "工作要点" in t:
            return t
    for t in titles:
        if _PLAN_TITLE.search(t):
            return t
    for line in head.splitlines():
        c = compact(line)
        if _PLAN_TITLE.search(c) and len(c) <= 60 and "。" not in c:
            return c
    return titles[0] if titles else ""

"""Line classification: headings, annex markers, titles, noise, signatures.

Every pattern is compiled once; the structure parser asks one question per
line, so a document is read in a single pass.
"""
from __future__ import annotations

import re

__all__ = ["HEADING_PATTERNS", "heading", "may_be_furniture", "is_noise", "is_title", "is_date_line", "is_signature",
           "annex_marker", "attachment_list", "normalize_marker", "compact"]

_CN = "一二三四五六七八九十百零〇"
# rank: 1 一、  2 (一)  3 1.  4 (1)  5 ①
HEADING_PATTERNS: tuple[tuple[int, re.Pattern], ...] = (
    (1, re.compile(rf"^([{_CN}]+)\s*[、.．]\s*(.*)$", re.S)),
    (2, re.compile(rf"^[(（]\s*([{_CN}]+)\s*[)）]\s*[、.．]?\s*(.*)$", re.S)),
    (3, re.compile(r"^(\d{1,2})\s*[.．、](?![\d.．])\s*(.*)$", re.S)),
    (4, re.compile(r"^[(（]\s*(\d{1,2})\s*[)）]\s*[、.．]?\s*(.*)$", re.S)),
    (5, re.compile(r"^([①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳])\s*(.*)$", re.S)),
    # the rank of (1) spelt otherwise: 1) / 1） and ⑴
    (4, re.compile(r"^(\d{1,2})\s*[)）](?![\d])\s*(.*)$", re.S)),
    (4, re.compile(r"^([⑴⑵⑶⑷⑸⑹⑺⑻⑼⑽⑾⑿⒀⒁⒂⒃⒄⒅⒆⒇])\s*(.*)$", re.S)),
)
_HALF_PAREN, _PARENTHESIZED = HEADING_PATTERNS[5], HEADING_PATTERNS[6]
_PARENTHESIZED_DIGITS = {c: str(i + 1) for i, c in enumerate("⑴⑵⑶⑷⑸⑹⑺⑻⑼⑽⑾⑿⒀⒁⒂⒃⒄⒅⒆⒇")}

_CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"
# Each pattern can only match lines starting with its own characters, so a
# line's first character picks the one or two patterns worth trying (in rank
# order, as the full list would).
_HEADINGS_BY_FIRST: dict[str, tuple[tuple[int, re.Pattern], ...]] = {
    **{c: (HEADING_PATTERNS[0],) for c in _CN},
    **{c: (HEADING_PATTERNS[1], HEADING_PATTERNS[3]) for c in "(（"},
    **{c: (HEADING_PATTERNS[2], _HALF_PAREN) for c in "0123456789０１２３４５６７８９"},
    **{c: (HEADING_PATTERNS[4],) for c in _CIRCLED},
    **{c: (_PARENTHESIZED,) for c in _PARENTHESIZED_DIGITS},
}
_NOISE = re.compile(
    r"^(?:无障碍阅读.*|关怀版.*|返回首页|网站首页.*|打印本页.*|打印整页.*|打印内容.*|关闭窗口.*|【?打印】?|【?关闭】?|"
    r"扫码使用手机浏览本页内容|扫一扫.*|分享到[:：]?.*|分享|字号[:：]?.*|[—–-]+\s*\d+\s*[—–-]+|第\s*\d+\s*页.*|"
    r"上一篇.*|下一篇.*|当前位置.*|来源[:：].*|信息来源[:：].*|阅读次数.*|浏览次数.*|访问量.*|[|｜\s]+)$"
)
# First characters _NOISE can start with (whitespace aside): one set lookup
# turns away the prose lines that make up most of a document.
_NOISE_FIRST = frozenset("无关返网打【扫分字—–-第上下当来信阅浏访|｜")
_TITLE = re.compile(r"(?:工作要点|要点|任务清单|重点任务清单|任务分解表|分解表|任务分工|工作分工|名单|清单|实施方案|工作方案|一览表)\s*$")
_DATE_LINE = re.compile(r"^\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日$")
_SIGNATURE_END = re.compile(r"(?:人民政府办公室|人民政府|办公室|办公厅|领导小组|委员会|政府)$")
_SIGNATURE_LAST = frozenset("室府厅组会")  # the last characters _SIGNATURE_END accepts
_ANNEX = re.compile(r"^附\s*件\s*(\d*)\s*[:：]?\s*$")
_ATTACH_LIST = re.compile(r"^附\s*件\s*[:：]\s*\S")
_SENTENCE_PUNCT = re.compile(r"[。；;！？!?]")
# A run of spaces between two Latin letters or digits. Written to start with the
# space (the Latin side is a lookbehind after it) so the search skips from space
# to space instead of testing the lookbehind at every character (2x faster).
_LATIN_GAP = re.compile(r"[ \t\u3000\xa0](?<=[A-Za-z0-9][ \t\u3000\xa0])[ \t\u3000\xa0]*(?=[A-Za-z0-9])")
_CN_DIGITS = {c: i for i, c in enumerate("零一二三四五六七八九")}


def compact(s: str) -> str:
    """Remove spaces and line breaks, keeping one space between Latin words.

    >>> compact("2022 年台州市 政务\\n公开 IPv6 改造")
    '2022年台州市政务公开IPv6改造'
    >>> compact("H5 and mobile")
    'H5 and mobile'
    """
    if " " not in s and "\n" not in s and "\t" not in s and "\u3000" not in s and "\xa0" not in s and "\r" not in s:
        return s  # the common case, checked at C speed
    # str.split() cuts on exactly the characters \s matches, so joining the
    # pieces removes every space and line break (5x faster than a regex sub).
    return "".join(_LATIN_GAP.sub("\x00", s).split()).replace("\x00", " ").strip()


def heading(line: str) -> tuple[int, str, str] | None:
    """``(rank, marker, rest)`` if the line starts a numbered heading or item.

    >>> heading("（五）进一步推进公众参与政策制定。对…")[:2]
    (2, '（五）')
    >>> heading("一、聚焦重点领域，深化信息主动公开")[:2]
    (1, '一')
    >>> heading("1.2022 年台州市政务公开工作重点任务清单") is None
    True
    >>> heading("2）加强政策解读。")[:2], heading("⑶做好回应。")[:2]
    ((4, '（2）'), (4, '（3）'))
    """
    s = line.strip(" \t\u3000\xa0")
    patterns = _HEADINGS_BY_FIRST.get(s[:1], ())
    for rank, pat in patterns:
        m = pat.match(s)
        if m:
            return rank, normalize_marker(rank, m.group(1)), m.group(2)
    return None


def normalize_marker(rank: int, token: str) -> str:
    """Markers in one spelling: 一, （一）, 1., （1）."""
    token = _PARENTHESIZED_DIGITS.get(token.strip(), token.strip())
    if rank == 1:
        return token
    if rank == 2:
        return f"（{token}）"
    if rank == 3:
        return f"{int(token)}."
    if rank == 4:
        return f"（{int(token)}）"
    return token


# Furniture lines start with a noise word, 附 (annexes, attachment lists),
# 序 / 编 (a 序号 header) or a digit (dates), or end as a title (点单表工案) or
# a signature (室府厅组会) do; whitespace and NUL are not printable.
_FURNITURE_FIRST = _NOISE_FIRST | frozenset("附序编")
_FURNITURE_LAST = frozenset("点单表工案室府厅组会")


def may_be_furniture(s: str) -> bool:
    """Whether a non-empty stripped line could be anything but prose or a heading:
    noise, an annex or attachment marker, a 序号 header, a title, a date or a
    signature. It only looks at the line's first and last characters, so the
    walker asks the tests themselves of the few lines that pass.

    >>> may_be_furniture("附件1"), may_be_furniture("2022年7月18日"), may_be_furniture("（一）加强解读。")
    (True, True, False)
    """
    first, last = s[0], s[-1]
    return (first in _FURNITURE_FIRST or last in _FURNITURE_LAST or first.isdecimal()
            or not first.isprintable() or not last.isprintable())


def is_noise(line: str) -> bool:
    """Navigation and page furniture of web pages and PDFs.

    >>> is_noise("扫码使用手机浏览本页内容"), is_noise("— 2 —"), is_noise("打印本页 关闭窗口 |")
    (True, True, True)
    """
    s = line.strip(" \t\u3000\xa0")
    if not s or (s[0] not in _NOISE_FIRST and not s[0].isspace()):
        return False
    return bool(_NOISE.match(s))


def is_title(line: str) -> bool:
    """A standalone title line (a plan, table or list title), not a sentence.

    >>> is_title("2022年台州市政务公开工作重点任务清单"), is_title("市级有关单位名单"), is_title("强化稳就业保就业信息公开。")
    (True, True, False)
    """
    s = line.rstrip()
    if not s or s[-1] not in "点单表工案" or len(s) > 80:
        return False
    s = "".join(s.split())
    return 4 <= len(s) <= 60 and not _SENTENCE_PUNCT.search(s) and bool(_TITLE.search(s))


def is_date_line(line: str) -> bool:
    s = line.strip()
    return 8 <= len(s) <= 20 and bool(_DATE_LINE.match(s))


def is_signature(line: str) -> bool:
    if len(line) > 60 or line.rstrip()[-1:] not in _SIGNATURE_LAST:
        return False
    s = "".join(line.split())
    return 4 <= len(s) <= 40 and not _SENTENCE_PUNCT.search(s) and "，" not in s and "," not in s and bool(_SIGNATURE_END.search(s))


def annex_marker(line: str) -> str | None:
    """``"附件1"`` for a line that starts an annex (附件 / 附件1 / 附件 1)."""
    s = line.strip(" \t\u3000\xa0")
    if s[:1] != "附":
        return None
    m = _ANNEX.match(s)
    return f"附件{m.group(1)}" if m else None


def attachment_list(line: str) -> bool:
    """The 附件: line of a notice that lists its attachments."""
    s = line.strip(" \t\u3000\xa0")
    return s[:1] == "附" and bool(_ATTACH_LIST.match(s))

"""Read a file into text: format and encoding detected, both overridable.

Readers are registered by name (``txt``, ``html``, ``docx``); each turns bytes
into one plain text whose character offsets the rest of the pipeline keeps as
provenance. Tables come out as ``|`` rows so the table parser sees one
encoding whatever the source format.
"""
from __future__ import annotations

import hashlib
import io
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from ..errors import ReadError, UnknownNameError

__all__ = ["RawDocument", "read_document", "decode_bytes", "guess_format", "READERS", "to_simplified", "blank_controls"]


@dataclass(frozen=True)
class RawDocument:
    """Decoded text of one file and what was detected about it."""

    path: str
    text: str  # simplified-script text (what parsers read; spans point here)
    raw_text: str  # text as written (traditional kept), same length as ``text``
    encoding: str
    format: str
    checksum: str
    traditional: bool
    notices: tuple[str, ...] = ()  # what reading changed in the text (control characters blanked)


UNICODE_HINT = "Pass --encoding (e.g. --encoding gb18030) if you know the file's encoding"

# Encodings tried, in order, after BOMs and strict UTF-8; the detector's pick
# comes first among them.
_FALLBACK_ENCODINGS = ("gb18030", "big5", "utf-16")


def decode_bytes(data: bytes, path: str = "<bytes>", encoding: str | None = None) -> tuple[str, str]:
    """Decode ``data`` and return ``(text, encoding)``.

    >>> decode_bytes("政务公开".encode("gb18030"))[0]
    '政务公开'
    >>> decode_bytes(b"\\xef\\xbb\\xbf" + "要点".encode())[1]
    'utf-8-sig'
    """
    if not data:
        raise ReadError(path, "empty file")
    if encoding:
        try:
            return data.decode(encoding), encoding
        except (UnicodeDecodeError, LookupError) as exc:
            raise ReadError(path, f"cannot decode as {encoding}: {exc}", hint=UNICODE_HINT) from None
    for bom, enc in ((b"\xef\xbb\xbf", "utf-8-sig"), (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16")):
        if data.startswith(bom):
            try:
                return data.decode(enc), enc
            except UnicodeDecodeError as exc:
                raise ReadError(path, f"starts with a {enc} byte-order mark but does not decode: {exc.reason} at byte {exc.start}",
                                hint=UNICODE_HINT) from None
    sample = data[:4096]
    if sample.count(b"\x00") > len(sample) // 8:
        # NUL-rich text without BOM is UTF-16; a binary file fails the checks below.
        for enc in ("utf-16-le", "utf-16-be"):
            try:
                text = data.decode(enc)
            except UnicodeDecodeError:
                continue
            if _looks_like_text(text) and _plausible_script(text):
                return text, enc
        raise ReadError(path, "binary file, not a text document", tried=("utf-16-le", "utf-16-be"))
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as exc:
        if exc.start >= len(data) - 3 and exc.reason in ("unexpected end of data",):
            line = data[: exc.start].count(b"\n") + 1
            raise ReadError(path, f"file ends inside a UTF-8 character at byte {exc.start} (line {line}): truncated?") from None
        utf8_error = exc
    tried = ["utf-8"]
    candidates: list[str] = []
    try:
        from charset_normalizer import from_bytes

        best = from_bytes(data[:65536]).best()
        if best is not None and best.encoding:
            candidates.append(best.encoding)
    except Exception:  # the detector is a hint, never a reason to fail
        pass
    # Several encodings decode the same bytes without error; the one whose text
    # reads as Chinese (common characters) wins.
    scored: list[tuple[float, str, str]] = []
    for enc in (*_FALLBACK_ENCODINGS, *candidates):
        if enc in tried:
            continue
        tried.append(enc)
        try:
            text = data.decode(enc)
        except (UnicodeDecodeError, LookupError):
            continue
        if _looks_like_text(text):
            scored.append((_chinese_score(text), enc, text))
    if scored:
        score_, enc, text = max(scored, key=lambda x: x[0])
        if score_ > 0.3:
            return text, enc
    line = data[: utf8_error.start].count(b"\n") + 1
    if not _looks_like_text(data.decode("latin-1")):
        raise ReadError(path, "binary file, not a text document", tried=tuple(tried))
    raise ReadError(path, f"cannot decode (first bad byte {utf8_error.start}, line {line})", tried=tuple(tried),
                    hint=UNICODE_HINT)


def _looks_like_text(text: str) -> bool:
    if not text:
        return False
    sample = text[:8192]
    bad = sum(1 for ch in sample if (ord(ch) < 32 and ch not in "\t\n\r\f\v") or 0xE000 <= ord(ch) <= 0xF8FF or ch == "\ufffd")
    return bad <= len(sample) * 0.01


_CJK = re.compile(r"[\u4e00-\u9fff]")


def _plausible_script(text: str) -> bool:
    sample = text[:8192]
    letters = [ch for ch in sample if not ch.isspace()]
    if not letters:
        return False
    readable = sum(1 for ch in letters if ch.isascii() and ch.isprintable() or "\u3000" <= ch <= "\u9fff" or "\uff00" <= ch <= "\uffef")
    return readable / len(letters) > 0.8


_COMMON = frozenset(
    "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说产种面而方后多定行学法所民"
    "得经十三之进着等部度家电力里如水化高自二理起小物现实加量都两体制机当使点从业本去把性好应开它合还因由其些然前外天政四日那社义"
    "事平形相全表间样与关各重新线内数正心反明看原又利比或但质气第向道命此变条只没结解问意建月公无系军很情者最立代想已通并提直题党"
    "程展五果料象员革位入常文总次品式活设及管特件长求老头基资边流路级少图山统接知较将组见计别手角期根论运农指几九区强放决西被干做"
    "必战先回则任取据处队南给色光门即保治北造百规热领七海口东导器压志世金增争济阶思术极交受联什认六共权收证改清己美再采转更单风切"
    "打白教速花带安场身车例真务具万每目至达走积示议声报斗完类八离华名确才科张信马节话米整空元况今集温传土许步群广石记需段研界拉林"
    "律叫且究观越织装影算低持音众书布复容儿须际商非验连断深难近千周委素技备半办青省列习响约支般史感劳便团往历市克何除消构府称太准"
    "精值号率族维划选标写存候亲快效院查江型眼王按格养易置派层片始却专状育厂京识适属圆包火住调满县局照参红细引听该铁价严龙飞牵头配"
    "合责任单位办公室要点政务公开作"
)


def _chinese_score(text: str) -> float:
    cjk = _CJK.findall(text[:8192])
    return sum(ch in _COMMON for ch in cjk) / len(cjk) if cjk else 0.0


def guess_format(path: str, data: bytes) -> str:
    """Name of the reader for a file, from its magic bytes, then its suffix.

    >>> guess_format("plan.txt", "<!DOCTYPE html><html>".encode())
    'html'
    >>> guess_format("plan.docx", b"PK\\x03\\x04...")
    'docx'
    """
    if data.startswith(b"PK\x03\x04"):
        return "docx"
    head = data[:2048].lstrip(b"\xef\xbb\xbf \r\n\t").lower()
    if head.startswith((b"<!doctype html", b"<html", b"<?xml")) or b"<body" in head or b"<div" in head[:512]:
        return "html"
    suffix = Path(path).suffix.lower()
    return {".htm": "html", ".html": "html", ".docx": "docx"}.get(suffix, "txt")


def _read_txt(data: bytes, path: str, encoding: str | None) -> tuple[str, str]:
    return decode_bytes(data, path, encoding)


_NOISE_TAGS = ("script", "style", "nav", "header", "footer", "noscript", "iframe", "form", "button", "select")


def _read_html(data: bytes, path: str, encoding: str | None) -> tuple[str, str]:
    from bs4 import BeautifulSoup

    declared = None
    m = re.search(rb"charset\s*=\s*[\"']?([A-Za-z0-9_-]+)", data[:4096])
    if m and not encoding:
        declared = m.group(1).decode("ascii").lower()
    try:
        text, enc = decode_bytes(data, path, encoding or declared)
    except ReadError:
        text, enc = decode_bytes(data, path, encoding)
    soup = BeautifulSoup(text, "lxml")
    for tag in soup(_NOISE_TAGS):
        tag.decompose()
    for table in soup.find_all("table"):
        table.replace_with("\n" + "\n".join(_html_table_rows(table)) + "\n")
    for br in soup.find_all("br"):
        br.replace_with("\n")
    body = soup.body or soup
    out = body.get_text("\n")
    out = re.sub(r"[ \t\u3000\xa0]*\n[ \t\u3000\xa0\n]*", "\n", out)
    return out.strip() + "\n", enc


def _cell_text(cell) -> str:
    return re.sub(r"\s+", " ", cell.get_text(" ", strip=True)).replace("|", "｜")


def _html_table_rows(table) -> list[str]:
    """``|`` rows of an HTML table, with rowspan and colspan laid out on a grid.

    A cell spanning rows repeats its text in each row it covers, so columns
    stay aligned (a merged 责任单位 cell names the units of every row).
    """
    grid: dict[tuple[int, int], str] = {}
    n_rows = 0
    for r, tr in enumerate(table.find_all("tr")):
        n_rows = r + 1
        c = 0
        for cell in tr.find_all(["td", "th"], recursive=False) or tr.find_all(["td", "th"]):
            while (r, c) in grid:
                c += 1
            text = _cell_text(cell)
            rows = _span(cell.get("rowspan"))
            cols = _span(cell.get("colspan"))
            for dr in range(rows):
                for dc in range(cols):
                    grid[(r + dr, c + dc)] = text if dc == 0 else ""
            c += cols
    out = []
    width = max((c for _, c in grid), default=-1) + 1
    for r in range(n_rows):
        cells = [grid.get((r, c), "") for c in range(width)]
        nonblank = [x for x in cells if x]
        if len(nonblank) == 1 and cells[0] == nonblank[0] and width > 2:
            out.append(nonblank[0])  # a title row spanning the table
        elif nonblank:
            out.append(" | ".join(cells) + " |")
    return out


def _span(value) -> int:
    try:
        return max(1, min(int(value), 1000))
    except (TypeError, ValueError):
        return 1


def _read_docx(data: bytes, path: str, encoding: str | None) -> tuple[str, str]:
    try:
        import docx  # python-docx
        from docx.table import Table
        from docx.text.paragraph import Paragraph

        document = docx.Document(io.BytesIO(data))
    except (zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise ReadError(path, f"not a readable .docx (truncated or damaged zip): {exc}") from None
    lines: list[str] = []
    for child in document.element.body.iterchildren():
        tag = child.tag.rsplit("}", 1)[-1]
        if tag == "p":
            lines.append(Paragraph(child, document).text)
        elif tag == "tbl":
            for row in Table(child, document).rows:
                cells = [c.text.replace("\n", "").replace("|", "｜").strip() for c in row.cells]
                if len(set(cells)) == 1:
                    lines.append(cells[0])  # a merged title row spanning the table
                else:
                    lines.append(" | ".join(cells) + " |")
    return "\n".join(lines) + "\n", "docx"


READERS: dict[str, Callable[[bytes, str, str | None], tuple[str, str]]] = {
    "txt": _read_txt,
    "html": _read_html,
    "docx": _read_docx,
}


def to_simplified(text: str) -> tuple[str, bool]:
    """Simplified-script twin of ``text``, same length, and whether it changed.

    >>> to_simplified("市發展改革委牽頭")
    ('市发展改革委牵头', True)
    """
    from opencc_purepy import OpenCC

    converted = OpenCC("t2s").convert(text)
    if converted == text:
        return text, False
    if len(converted) != len(text):
        # Phrase conversions may change length; spans need a 1:1 mapping.
        cc = OpenCC("t2s")
        converted = "".join(cc.convert(ch) if len(cc.convert(ch)) == 1 else ch for ch in text)
    return converted, True


_TRAD_PROBE = re.compile("[們這個來說為時會國們發與對開關門問區縣辦務處據資機會單專業導產樂東義習書買亂傳體內農動勞勢區參號員報場執陽際實審寫將對應據頭變這還進運長開間陳隊際雙難電響點黨]")


def read_document(path: str | Path, *, encoding: str | None = None, format: str | None = None) -> RawDocument:
    """Read one file with the reader for its format (guessed unless given)."""
    p = Path(path)
    try:
        data = p.read_bytes()
    except OSError as exc:
        raise ReadError(str(path), f"cannot open: {exc.strerror or exc}") from None
    if not data:
        raise ReadError(str(path), "empty file")
    fmt = format or guess_format(str(path), data)
    if fmt not in READERS:
        raise UnknownNameError("format", fmt, list(READERS))
    raw_text, enc = READERS[fmt](data, str(path), encoding)
    raw_text = raw_text.replace("\r\n", "\n").replace("\r", "\n").lstrip("\ufeff")
    raw_text, notices = blank_controls(raw_text)
    if not raw_text.strip():
        raise ReadError(str(path), "no text in file")
    traditional = False
    text = raw_text
    if _TRAD_PROBE.search(raw_text[:20000]):
        text, traditional = to_simplified(raw_text)
    return RawDocument(
        path=str(path), text=text, raw_text=raw_text, encoding=enc, format=fmt,
        checksum=hashlib.sha256(data).hexdigest(), traditional=traditional, notices=notices,
    )


# C0 control characters but tab and newline (carriage returns are newlines by then).
_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f]")
_CONTROL_CHARS = tuple(chr(c) for c in (*range(0x00, 0x09), *range(0x0B, 0x20)))


def blank_controls(text: str) -> tuple[str, tuple[str, ...]]:
    r"""``text`` with its control characters (NUL, form feed, escape …; not tab or newline) made spaces,
    the same length so offsets hold, and a notice saying so (none when there were none).

    >>> blank_controls("推进\x00公开\x0c\n")
    ('推进 公开 \n', ('2 control characters (U+0000, U+000C) replaced by spaces, the first on line 1',))
    """
    if not any(c in text for c in _CONTROL_CHARS):  # 29 substring scans at C speed: 5x faster than the regex
        return text, ()
    first = _CONTROLS.search(text)
    found = _CONTROLS.findall(text)
    kinds = ", ".join(f"U+{ord(c):04X}" for c in sorted(set(found)))
    line = text.count("\n", 0, first.start()) + 1
    plural = "s" if len(found) > 1 else ""
    return _CONTROLS.sub(" ", text), (f"{len(found)} control character{plural} ({kinds}) replaced by spaces, "
                                      f"the first on line {line}",)

"""Bytes to text: byte-order mark (or UTF-16's NUL bytes where it has none),
then the page's declared charset, then UTF-8, then detection. Invalid bytes
never raise: they become U+FFFD."""

from __future__ import annotations

import codecs
import re

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)

_META_CHARSET = re.compile(
    rb"""<meta[^>]{0,200}?charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]{1,40})""", re.IGNORECASE
)

# How much of a file the detector looks at: enough to decide, bounded in time.
_DETECT_SAMPLE = 64 * 1024


def _codec(name: str) -> str | None:
    try:
        info = codecs.lookup(name.strip().lower())
    except LookupError:
        return None
    # A page that says "iso-8859-1" means windows-1252 (as browsers read it).
    if info.name in ("latin-1", "iso8859-1", "ascii"):
        return "cp1252"
    if info.name.startswith("utf-16") or info.name.startswith("utf-32"):
        return None  # a meta tag read as ASCII cannot be right about UTF-16
    return info.name


def decode(data: bytes, *, html: bool = False) -> tuple[str, str]:
    """Decode `data`; returns (text, encoding used), text decoded twice
    repaired (see `repair_mojibake`)."""
    text, name = _decode(data, html=html)
    if name == "utf-8" and len(_MOJIBAKE_BYTES.findall(data)) < 2:
        # Fewer than two of the sequences in the bytes, so fewer in the text:
        # nothing to repair (the bytes are read ten times faster).
        return text, name
    return repair_mojibake(text), name


#: The characters UTF-8's continuation bytes become when read as Windows-1252
#: (or Latin-1, whose 0x80-0x9f are control characters).
_CONTINUATION = "\x80-\xbf\u20ac\u201a\u0192\u201e\u2026\u2020\u2021\u02c6\u2030\u0160\u2039\u0152\u017d" \
    "\u2018\u2019\u201c\u201d\u2022\u2013\u2014\u02dc\u2122\u0161\u203a\u0153\u017e\u0178"
#: A UTF-8 character read as Windows-1252: its lead byte, then 1 to 3
#: continuation bytes ("\u00e2\u20ac\u2122" for "\u2019", "\u00c3\u00a9" for "\u00e9").
_MOJIBAKE = re.compile(f"[\xc2-\xf4][{_CONTINUATION}]{{1,3}}")
#: The same sequence's start in the UTF-8 bytes of such text: a lead character
#: (U+00C2 to U+00F4: C3 82 to C3 B4), then the first byte of a continuation
#: character (C2 for U+0080 to U+00BF; C5, C6, CB or E2 for the others).
_MOJIBAKE_BYTES = re.compile(rb"\xc3[\x82-\xb4][\xc2\xc5\xc6\xcb\xe2]")


def _as_byte(ch: str) -> int:
    code = ord(ch)
    return code if code < 256 else ch.encode("cp1252")[0]


def repair_mojibake(text: str) -> str:
    """Text that was UTF-8, decoded as Windows-1252 and saved again ("don\u00e2\u20ac\u2122t"
    for "don\u2019t"), put back. Only when the page has several such
    sequences and nearly all of them decode: a stray "\u00c3\u00a9" in good text
    stays as it is."""
    if text.isascii():
        return text
    found = _MOJIBAKE.findall(text)
    if len(found) < 2:
        return text
    repaired: dict[str, str] = {}
    for seq in set(found):
        try:
            repaired[seq] = bytes(map(_as_byte, seq)).decode("utf-8")
        except (UnicodeDecodeError, UnicodeEncodeError):
            pass
    good = sum(1 for seq in found if seq in repaired)
    if good < 2 or good < 0.8 * len(found):
        return text
    return _MOJIBAKE.sub(lambda m: repaired.get(m.group(0), m.group(0)), text)


def utf16_without_bom(data: bytes) -> str | None:
    """"utf-16-le" or "utf-16-be" for UTF-16 saved without a byte-order mark
    (some Windows tools write it so), else None. Told by the NUL bytes of its
    Latin text: nearly every other byte of the first page, all on one side of
    each pair, and the page reads as UTF-16."""
    head = data[:8192]
    head = head[: len(head) - len(head) % 2]
    pairs = len(head) // 2
    if pairs < 8:
        return None
    even, odd = head[0::2].count(0), head[1::2].count(0)
    if odd >= 0.6 * pairs and even <= 0.02 * pairs:
        name = "utf-16-le"
    elif even >= 0.6 * pairs and odd <= 0.02 * pairs:
        name = "utf-16-be"
    else:
        return None
    # A character cut in two at the end of the page is no evidence against.
    text = head.decode(name, errors="replace")
    return name if "\ufffd" not in text[:-1] else None


def _decode(data: bytes, *, html: bool = False) -> tuple[str, str]:
    for bom, name in _BOMS:
        if data.startswith(bom):
            return data[len(bom):].decode(name, errors="replace"), name
    name = utf16_without_bom(data)
    if name:
        return data.decode(name, errors="replace"), name
    if html:
        m = _META_CHARSET.search(data, 0, 4096)
        if m:
            name = _codec(m.group(1).decode("ascii", "replace"))
            if name and name != "utf-8" and not _valid_utf8_beyond_ascii(data):
                try:
                    return data.decode(name), name
                except UnicodeDecodeError:
                    pass  # the declaration lies; detect below
            # Declared UTF-8 is read as UTF-8 below only if the bytes are
            # (mostly) that; a page saved in its legacy code page under a
            # template's <meta charset="utf-8"> is detected instead. And text
            # that is valid UTF-8 beyond ASCII is that, whatever it declares.
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        # Mostly UTF-8 with a few broken bytes (a truncated download, say).
        if _mostly_utf8(data):
            return data.decode("utf-8", errors="replace"), "utf-8"
    name = _detect(data)
    return data.decode(name, errors="replace"), name


def _valid_utf8_beyond_ascii(data: bytes) -> bool:
    """Bytes that read as UTF-8 and hold more than ASCII: text in a legacy
    code page all but never does (its accented letters are lone high bytes)."""
    if data.isascii():
        return False
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _mostly_utf8(data: bytes) -> bool:
    text = data[:_DETECT_SAMPLE].decode("utf-8", errors="replace")
    bad = text.count("\ufffd")
    multibyte = sum(1 for ch in text if ord(ch) > 0x7F) - bad
    return multibyte > 0 and bad * 20 < multibyte


def _detect(data: bytes) -> str:
    try:
        from charset_normalizer import from_bytes
    except ImportError:  # pragma: no cover - a declared dependency
        return "cp1252"
    sample = data[:_DETECT_SAMPLE]
    best = from_bytes(sample).best()
    if best is None or not best.encoding:
        return "cp1252"
    name = _codec(best.encoding) or "cp1252"
    # Short Western text fits several Latin code pages equally well; the web's
    # most common one (what browsers assume) is the better guess among them.
    # So does a short one taken for a code page seldom met (a DOS one, Urdu's
    # cp1006 for "naïve café"), or for Chinese or Korean when only a few of
    # its bytes are not ASCII ("São Paulo" as Big5): the detector's guess on
    # a few accented letters.
    if name in _LATIN_PAGES or ((name in _SELDOM or name in _MULTIBYTE) and _lone_high_bytes(sample)):
        try:
            sample.decode("cp1252")
            return "cp1252"
        except UnicodeDecodeError:
            pass
    return name


def _lone_high_bytes(sample: bytes) -> bool:
    """Whether the bytes beyond ASCII stand mostly alone, as the accented
    letters of a Western text in a one-byte code page do (Chinese, Korean
    and Japanese come in pairs)."""
    runs = _HIGH_RUN.findall(sample)
    return bool(runs) and sum(len(r) == 1 for r in runs) >= 0.8 * len(runs)


_HIGH_RUN = re.compile(rb"[\x80-\xff]+")

_LATIN_PAGES = frozenset(
    "cp1250 cp1252 cp1257 iso8859-2 iso8859-15 mac-roman mac-latin2 mac-iceland cp850 cp852".split()
)
_SELDOM = frozenset(
    "cp437 cp737 cp775 cp857 cp858 cp860 cp861 cp863 cp865 cp1006 cp1125 hp-roman8 mac-turkish iso8859-3 "
    "iso8859-4 iso8859-10 iso8859-14 iso8859-16".split()
)
_MULTIBYTE = frozenset("big5 big5hkscs gb2312 gbk gb18030 euc_kr cp949 johab hz shift_jis cp932 euc_jp".split())

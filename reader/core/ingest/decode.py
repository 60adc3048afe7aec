"""Bytes to text: byte-order mark, then the page's declared charset, then UTF-8,
then detection. Invalid bytes never raise: they become U+FFFD."""

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
    """Decode `data`; returns (text, encoding used)."""
    for bom, name in _BOMS:
        if data.startswith(bom):
            return data[len(bom):].decode(name, errors="replace"), name
    if html:
        m = _META_CHARSET.search(data, 0, 4096)
        if m:
            name = _codec(m.group(1).decode("ascii", "replace"))
            if name:
                if name == "utf-8":
                    return data.decode("utf-8", errors="replace"), name
                try:
                    return data.decode(name), name
                except UnicodeDecodeError:
                    pass  # the declaration lies; detect below
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        # Mostly UTF-8 with a few broken bytes (a truncated download, say).
        if _mostly_utf8(data):
            return data.decode("utf-8", errors="replace"), "utf-8"
    name = _detect(data)
    return data.decode(name, errors="replace"), name


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
    if name in _LATIN_PAGES:
        try:
            sample.decode("cp1252")
            return "cp1252"
        except UnicodeDecodeError:
            pass
    return name


_LATIN_PAGES = frozenset(
    "cp1250 cp1252 cp1257 iso8859-2 iso8859-15 mac-roman mac-latin2 mac-iceland cp850 cp852".split()
)

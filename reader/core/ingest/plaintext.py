"""Plain text (a browser's select-all + copy, or a text file) to blocks.

A browser copy puts one block on a line: every line is a block. A text file
whose paragraphs are hard-wrapped (every line about as long, blank lines
between paragraphs) is read as paragraphs instead. Bulleted lines become list
items, tab-separated runs tables.
"""

from __future__ import annotations

import re

from reader.core.models import Block
from reader.core.sanitize import clean_text

_BULLET = re.compile(r"^(\s*)([*+\-\u2022\u00b7\u25aa\u25cf\u2013]|\d{1,3}[.)])\s+(?=\S)")
#: Runs of spaces (no-break ones among them) inside a line: one space.
_SPACES = re.compile(r"[ \u00a0]{2,}")
_TERMINAL = ".!?:;,\u3002\uff01\uff1f\u2026\"'\u201d\u2019)"


def _is_hard_wrapped(lines: list[str]) -> bool:
    """Paragraphs broken at a fixed width (an e-mail, a Gutenberg text)."""
    lengths = [len(line) for line in lines if line.strip()]
    if len(lengths) < 6:
        return False
    # Lines that continue into the next one (no blank line between them).
    continued = [
        len(a) for a, b in zip(lines, lines[1:]) if a.strip() and b.strip()
    ]
    if len(continued) < 0.5 * len(lengths):
        return False
    if max(lengths) > 100:
        return False
    in_band = sum(1 for n in continued if 55 <= n <= 100)
    return in_band >= 0.7 * len(continued)


def parse_text(text: str) -> list[Block]:
    text = clean_text(text)
    lines = [line.rstrip() for line in text.split("\n")]
    if _is_hard_wrapped(lines):
        return _paragraphs(lines)
    return _line_blocks(lines)


def _paragraphs(lines: list[str]) -> list[Block]:
    blocks: list[Block] = []
    para: list[str] = []

    def flush() -> None:
        if para:
            body = " ".join(p.strip() for p in para)
            m = _BULLET.match(para[0])
            if m:
                mark = m.group(2)
                number = int(mark[:-1]) if mark[0].isdigit() else 0
                blocks.append(Block("list_item", _strip_bullet(body), level=1, number=number))
            else:
                blocks.append(Block("paragraph", body))
            para.clear()

    for line in lines:
        if not line.strip():
            flush()
        elif _BULLET.match(line) and para:
            flush()
            para.append(line)
        else:
            para.append(line)
    flush()
    return blocks


def _strip_bullet(line: str) -> str:
    m = _BULLET.match(line)
    return line[m.end():].strip() if m else line.strip()


def _line_blocks(lines: list[str]) -> list[Block]:
    """One block a line. Each block notes (in `features`) whether a blank line
    stands before it: a browser copies a paragraph with blank lines around it,
    and a menu, a list or a form one line after another."""
    blocks: list[Block] = []
    table: list[str] = []
    blank = True

    def flush_table() -> None:
        if not table:
            return
        if len(table) == 1:
            blocks.append(Block("paragraph", re.sub(r"\s*\t\s*", " ", table[0].strip())))
        else:
            rows = [" | ".join(c.strip() for c in row.split("\t")) for row in table]
            blocks.append(Block("table", "\n".join(rows)))
        table.clear()

    for line in lines:
        stripped = line.strip()
        if not stripped:
            flush_table()
            blank = True
            continue
        if "\t" in stripped:
            table.append(stripped)
            continue
        flush_table()
        if blocks:
            previous = blocks[-1].features
            if previous:
                previous["blank_after"] = blank
            else:
                blocks[-1].features = {"blank_before": False, "blank_after": blank}
        count = len(blocks)
        m = _BULLET.match(line)
        if m and not m.group(2)[0].isdigit():
            level = 2 if m.group(2) == "+" or len(m.group(1)) >= 2 else 1
            blocks.append(Block("list_item", stripped[m.end() - len(m.group(1)):].strip(), level=level))
        elif m:
            blocks.append(Block("list_item", stripped, level=1))
        else:
            # (a run of two spaces or more holds two spaces or a no-break one)
            blocks.append(Block("paragraph", _SPACES.sub(" ", stripped)
                                if "  " in stripped or "\u00a0" in stripped else stripped))
        if len(blocks) > count:
            blocks[-1].features = {"blank_before": blank, "blank_after": True}
        blank = False
    flush_table()
    return blocks


def looks_like_heading(text: str) -> bool:
    """A short line with no closing punctuation: a title or a section head."""
    words = text.split()
    if not 1 <= len(words) <= 16 or len(text) > 140:
        return False
    if text[-1] in _TERMINAL and not text.endswith("?"):
        return False
    return text[0].isupper() or text[0].isdigit() or not text[0].isascii()

"""An article as plain text for the terminal (`reader show`, `reader fold`).

Each run of boilerplate becomes one marker line naming how many blocks were
folded and why; with `show_all` the folded blocks follow their marker.
"""

from __future__ import annotations

import re

from reader.core.fold import Label, fold_runs
from reader.core.models import Article, Block

FOLDED_MARK = "\u25b8"  # ▸
OPEN_MARK = "\u25be"  # ▾


#: A list item whose text starts with its own number ("2. Stir"), as a
#: line of a browser copy keeps it.
_OWN_NUMBER = re.compile(r"\d{1,3}[.)]\s")


#: What `list_marker` puts before a list item, as it reads in a line of text.
LIST_MARKER = re.compile(r"^\s*(?:\u2022|\d{1,9}\.)\s+")


def list_marker(block: Block) -> str:
    """What stands before a list item's text: nothing when its text starts
    with a number of its own, else its number in an ordered list ("3. "),
    else a bullet."""
    if _OWN_NUMBER.match(block.text):
        return ""
    if block.number:
        return f"{block.number}. "
    return "\u2022 "


def block_display(block: Block) -> str:
    """How a block reads as text: bullets or numbers for list items, '>'
    for quotes, `[image: alt]` for images."""
    text = block.text
    if block.kind == "image":
        return f"[image: {text}]"
    if block.kind == "list_item":
        indent = "  " * max(0, block.level - 1)
        marker = list_marker(block)
        return indent + marker + text.replace("\n", "\n" + indent + " " * len(marker))
    if block.kind == "quote":
        return "> " + text.replace("\n", "\n> ")
    if block.kind == "heading":
        return "#" * max(1, min(6, block.level or 1)) + " " + text
    return text


def article_text(article: Article, labels: list[Label] | None = None, *, show_all: bool = False) -> str:
    if labels is None:
        labels = [Label(b.boilerplate, b.reason) for b in article.blocks]
    lines: list[str] = []
    runs = {run.start: run for run in fold_runs(labels)}
    i, n = 0, len(article.blocks)
    while i < n:
        run = runs.get(i)
        if run is None:
            lines.append(block_display(article.blocks[i]))
            i += 1
            continue
        if show_all:
            lines.append(f"{OPEN_MARK} {run.describe()}")
            for b in article.blocks[run.start : run.end]:
                lines.append("\u2502 " + block_display(b).replace("\n", "\n\u2502 "))
        else:
            lines.append(f"{FOLDED_MARK} {run.describe()}")
        i = run.end
    return "\n\n".join(lines)


def visible_text(blocks: list[Block], labels: list[Label] | None = None) -> str:
    """The text left to read: the content blocks joined by blank lines."""
    if labels is None:
        return "\n\n".join(b.text for b in blocks if not b.boilerplate)
    return "\n\n".join(b.text for b, label in zip(blocks, labels) if not label.boilerplate)

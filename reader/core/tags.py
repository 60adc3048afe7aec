"""Tags: the built-in kinds of mark (claim, evidence, question) and the
user's own, nested with '/' (`topic/sub`)."""

from __future__ import annotations

import re

from reader.core.sanitize import clean_line

CLAIM = "claim"
EVIDENCE = "evidence"
QUESTION = "question"
BUILTIN = (CLAIM, EVIDENCE, QUESTION)

_BAD = re.compile(r"[\s#,\[\]{}()<>\"'`|\\^]+")


def normalise_tag(raw: str) -> str:
    """A tag as stored: lower case, no spaces (they become '-'), no leading
    '#', nested parts separated by single '/'. Empty when nothing is left."""
    tag = clean_line(raw).lower().lstrip("#")
    tag = _BAD.sub("-", tag)
    parts = [p.strip("-.") for p in tag.split("/")]
    return "/".join(p for p in parts if p)[:100]


def tag_parents(tag: str) -> list[str]:
    """`a/b/c` -> [`a`, `a/b`, `a/b/c`]."""
    parts = tag.split("/")
    return ["/".join(parts[: i + 1]) for i in range(len(parts))]

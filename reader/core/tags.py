"""Tags: the built-in kinds of mark (claim, evidence, question) and the
user's own, nested with '/' (`topic/sub`)."""

from __future__ import annotations

import re
import unicodedata

from reader.core.sanitize import clean_line, dash_runs

CLAIM = "claim"
EVIDENCE = "evidence"
QUESTION = "question"
BUILTIN = (CLAIM, EVIDENCE, QUESTION)

#: What a tag cannot hold: all but letters, digits, '_', '-' and the '/'
#: of nesting, as in an Obsidian tag.
_BAD = re.compile(r"[^\w/-]+")
#: Tags longer than this are cut.
MAX_TAG = 100
#: Archives store tags in this form since `tag_form` 2 of their schema (see
#: reader.core.store); form 1 kept other punctuation ("ad:-promo", "2024").
TAG_FORM = 2


def normalise_tag(raw: str) -> str:
    """A tag as stored, shown and exported, so that it is the same tag in
    the app and in an Obsidian vault: lower case, letters, digits, '_' and
    '-' (each run of spaces and punctuation becomes a '-'; the combining
    marks of a word, such as Hindi or Thai vowel signs, stay), nested parts
    separated by single '/', no leading '#'. A tag of digits alone gets a
    leading '_' ("2024" is "_2024"), as Obsidian reads "#2024" as no tag.
    Empty when nothing is left."""
    # (lower case can take a letter apart: "\u0130" is "i" and a dot above, which goes)
    lower = unicodedata.normalize("NFC", clean_line(raw)).lower().replace("i\u0307", "i")
    tag = unicodedata.normalize("NFC", lower).lstrip("#")
    tag = _nested(dash_runs(_BAD, tag))
    if tag and not tag.replace("/", "").strip("0123456789"):
        tag = "_" + tag
    if len(tag) > MAX_TAG:
        tag = _nested(tag[:MAX_TAG])
    return tag


def _nested(tag: str) -> str:
    """`tag`'s nested parts, each without '-' at its ends, joined by single '/'."""
    return "/".join(p for p in (p.strip("-") for p in tag.split("/")) if p)


def tag_parents(tag: str) -> list[str]:
    """`a/b/c` -> [`a`, `a/b`, `a/b/c`]."""
    parts = tag.split("/")
    return ["/".join(parts[: i + 1]) for i in range(len(parts))]

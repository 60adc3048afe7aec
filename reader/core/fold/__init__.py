"""Boilerplate folding: label every block content or boilerplate, with a reason.

Nothing is ever removed: a folded block is kept and shown again on request.
Three layers decide, the later overriding the earlier:

1. `fold_blocks` - what the page itself says (words, links, the HTML around a
   block), at import time;
2. repetition - a block that stands in several articles of the same site is
   template ("repeated on N articles from <site>");
3. the user's rules - "fold this on <site>" / "show this on <site>".

Layers 2 and 3 are applied by `effective_labels` whenever an article is shown,
so they never go stale.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from reader.core.models import Article, Block

if TYPE_CHECKING:
    from reader.core.store import Archive

NAVIGATION = "navigation"
NEWSLETTER = "newsletter sign-up"
DONATION = "donation appeal"
SHARE = "share/social buttons"
COOKIE = "cookie notice"
RELATED = "related links"
COMMENTS = "comments"
LEGAL = "legal/copyright"
BYLINE = "byline/date line"
CREDIT = "image credit"
ADVERT = "advertisement"
MARKED = "marked by you"


def repeated_reason(count: int, site: str) -> str:
    return f"repeated on {count} articles from {site}"


# ------------------------------------------------------------ text patterns

_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    (COOKIE, re.compile(r"\bcookies?\b.*\b(use|accept|consent|policy|settings)\b|\bwe use cookies\b", re.I)),
    (NEWSLETTER, re.compile(
        r"\b(sign up|subscribe|subscribers?)\b.*\b(newsletter|email|inbox|updates)\b"
        r"|\bnewsletter\b|\bin your (in)?box\b|\benter your email\b", re.I)),
    (DONATION, re.compile(
        r"\b(donate|donation|support (us|our|the)\b|support [A-Z]\w+|become a (member|patron|supporter)"
        r"|contribut(e|ion)s?\b.*\b(journalism|work)|not ready to support|remind me later"
        r"|independent journalism|^a message from\b|^dear readers,?$)", re.I)),
    (SHARE, re.compile(r"^(share|tweet|pin|email|print|copy link|share (this|on)\b.*|follow us\b.*)$", re.I)),
    (LEGAL, re.compile(r"(©|\(c\)|copyright\b|all rights reserved|privacy policy|terms of (use|service))", re.I)),
    (RELATED, re.compile(r"^(read more|related( articles| stories| posts)?|more (from|stories|on)\b.*|you may also like|recommended|see also|popular|trending|most read)\W*$", re.I)),
    (COMMENTS, re.compile(r"^(\d+\s+)?(comments?|leave a (comment|reply)|reply|post a comment)\W*$", re.I)),
    (ADVERT, re.compile(r"^(advertisement|sponsored|ad|promoted)\W*$", re.I)),
    (NAVIGATION, re.compile(r"^(skip to (main )?content|menu|home|search|log ?in|sign in|next|previous|back to top|close)\W*$", re.I)),
]

# class/id names of the HTML around a block that mark page furniture.
_HTML_HINTS: list[tuple[str, re.Pattern[str]]] = [
    (COOKIE, re.compile(r"cookie|consent|gdpr")),
    (NEWSLETTER, re.compile(r"newsletter|subscribe|signup|sign-up|mailing")),
    (DONATION, re.compile(r"donat|paywall|membership|support-us")),
    (SHARE, re.compile(r"\bshare|social|sharing")),
    (COMMENTS, re.compile(r"comment|disqus|respond")),
    (RELATED, re.compile(r"related|recommend|more-stories|read-more|popular|trending|outbrain|taboola")),
    (ADVERT, re.compile(r"\bad\b|\bads\b|advert|sponsor|promo")),
    (LEGAL, re.compile(r"copyright|legal")),
    (NAVIGATION, re.compile(r"\bnav|menu|breadcrumb|sidebar|widget|masthead|skip-link|pagination")),
]

_STRUCTURAL = {"nav": NAVIGATION, "footer": LEGAL, "aside": RELATED, "header": NAVIGATION, "form": NEWSLETTER}


def _text_reason(block: Block) -> str:
    text = block.text.strip()
    words = len(text.split())
    for reason, pattern in _PATTERNS:
        if reason in (SHARE, RELATED, COMMENTS, ADVERT, NAVIGATION) and words > 6:
            continue
        if reason in (COOKIE, NEWSLETTER, DONATION, LEGAL) and words > 80:
            continue
        if pattern.search(text):
            return reason
    return ""


def _html_reason(block: Block) -> str:
    f = block.features or {}
    stack = f.get("stack") or ()
    in_main = any(tag in ("article", "main") or "articlebody" in tok.replace("-", "").replace("_", "") for tag, tok in stack)
    for tag, tokens in reversed(stack):
        if tag in _STRUCTURAL and not (tag == "header" and in_main) and not (tag == "form" and in_main):
            return _STRUCTURAL[tag]
        if tokens:
            for reason, pattern in _HTML_HINTS:
                if pattern.search(tokens):
                    return reason
    text_len = len(block.text)
    if text_len and f.get("link_chars", 0) / text_len > 0.6 and block.kind != "heading":
        return NAVIGATION
    return ""


def fold_blocks(blocks: list[Block], fmt: str) -> None:
    """Label each block in place: `boilerplate` and a `reason` when folded."""
    for block in blocks:
        reason = _html_reason(block) if fmt == "html" else ""
        if not reason:
            reason = _text_reason(block)
        if not reason and block.kind == "list_item" and len(block.text.split()) <= 3 and fmt == "text":
            reason = NAVIGATION
        block.boilerplate = bool(reason)
        block.reason = reason
    _smooth(blocks)


def _smooth(blocks: list[Block]) -> None:
    """Fold short lines caught between two folded blocks (a menu's stray item,
    the lines of a sign-up form), and the appeal that follows an appeal heading."""
    n = len(blocks)
    for i in range(1, n - 1):
        b = blocks[i]
        if b.boilerplate:
            continue
        prev, nxt = blocks[i - 1], blocks[i + 1]
        if not (prev.boilerplate and nxt.boilerplate):
            continue
        # Short lines between two folds, and whole paragraphs inside an
        # appeal in the second half of the page (its reasons on both sides).
        if len(b.text.split()) <= 4 or (
            i > n // 2 and prev.reason == nxt.reason and prev.reason in (DONATION, NEWSLETTER)
        ):
            b.boilerplate, b.reason = True, prev.reason
    # A trailing run of short lines after the last long paragraph is page furniture.
    last_long = max((i for i, b in enumerate(blocks) if len(b.text.split()) >= 25 and not b.boilerplate), default=-1)
    for i in range(last_long + 1, n):
        b = blocks[i]
        if not b.boilerplate and len(b.text.split()) <= 3:
            b.boilerplate, b.reason = True, blocks[i - 1].reason if i and blocks[i - 1].boilerplate else NAVIGATION


# ------------------------------------------------------------ overlays

_NORMALISE = re.compile(r"\W+", re.UNICODE)


def block_key(text: str) -> str:
    """A block's identity for repetition and rules: case, spaces and
    punctuation ignored."""
    norm = _NORMALISE.sub(" ", text.lower()).strip()
    return hashlib.blake2b(norm.encode("utf-8"), digest_size=8).hexdigest()


@dataclass(frozen=True, slots=True)
class Label:
    boilerplate: bool
    reason: str


# Blocks too short to judge by repetition alone ("Share", a lone date).
_MIN_REPEAT_CHARS = 12


def effective_labels(
    blocks: list[Block],
    *,
    site: str | None = None,
    repeats: dict[str, int] | None = None,
    rules: dict[str, str] | None = None,
) -> list[Label]:
    """The fold decision shown to the user, layers 2 and 3 applied.

    `repeats` maps a block key to the number of other articles of `site` that
    hold the same block; `rules` maps a block key to "fold" or "show".
    """
    labels = []
    for block in blocks:
        label = Label(block.boilerplate, block.reason)
        if repeats or rules:
            key = block_key(block.text)
            if rules and key in rules:
                label = Label(rules[key] == "fold", MARKED if rules[key] == "fold" else "")
            elif repeats and len(block.text) >= _MIN_REPEAT_CHARS and repeats.get(key, 0) >= 1:
                if block.kind != "heading" or repeats[key] >= 2:
                    label = Label(True, repeated_reason(repeats[key] + 1, site or "this site"))
        labels.append(label)
    return labels


def labels_in_archive(article: Article, archive: Archive) -> list[Label]:
    """The labels of an archived article: its own, then its site's repeated
    blocks, then the user's rules for the site."""
    return effective_labels(
        article.blocks,
        site=article.site,
        repeats=archive.site_repeats(article.site, article.id),
        rules=archive.rules_for(article.site),
    )


@dataclass(frozen=True, slots=True)
class FoldRun:
    """A run of consecutive folded blocks, [start, end) by block index."""

    start: int
    end: int
    reasons: tuple[str, ...]

    @property
    def count(self) -> int:
        return self.end - self.start

    def describe(self) -> str:
        n = self.count
        return f"{n} block{'s' if n != 1 else ''} folded: {', '.join(self.reasons)}"


def fold_runs(labels: list[Label]) -> list[FoldRun]:
    runs = []
    i, n = 0, len(labels)
    while i < n:
        if not labels[i].boilerplate:
            i += 1
            continue
        j = i
        reasons: list[str] = []
        while j < n and labels[j].boilerplate:
            r = labels[j].reason or NAVIGATION
            if r not in reasons:
                reasons.append(r)
            j += 1
        runs.append(FoldRun(i, j, tuple(reasons)))
        i = j
    return runs

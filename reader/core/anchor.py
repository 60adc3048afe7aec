"""Anchoring annotations to an article's canonical text.

An annotation carries two W3C selectors: a TextPositionSelector (start, end)
and a TextQuoteSelector (the exact text with 32 characters of context on each
side). When the text changes, `locate` finds the annotation again: first at
its old position, then by its exact quote (the occurrence whose context and
position fit best), then by a fuzzy match of the quote.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

CONTEXT = 32


@dataclass(frozen=True, slots=True)
class Quote:
    exact: str
    prefix: str
    suffix: str


def quote_at(text: str, start: int, end: int) -> Quote:
    return Quote(text[start:end], text[max(0, start - CONTEXT) : start], text[end : end + CONTEXT])


def _context_score(text: str, start: int, end: int, prefix: str, suffix: str) -> float:
    """0..1: how much of the stored prefix/suffix still surrounds [start, end)."""
    score = 0.0
    if prefix:
        have = text[max(0, start - len(prefix)) : start]
        score += difflib.SequenceMatcher(None, have, prefix, autojunk=False).ratio()
    else:
        score += 1.0
    if suffix:
        have = text[end : end + len(suffix)]
        score += difflib.SequenceMatcher(None, have, suffix, autojunk=False).ratio()
    else:
        score += 1.0
    return score / 2


def _position_score(pos: int, old: int, length: int) -> float:
    return 1.0 - min(1.0, abs(pos - old) / max(1, length))


def locate(
    text: str, start: int, end: int, exact: str, prefix: str = "", suffix: str = ""
) -> tuple[int, int] | None:
    """Where the annotation stands in `text` now, or None (an orphan)."""
    if not exact:
        return None
    # 1. Unchanged at its old place.
    if 0 <= start <= end <= len(text) and text[start:end] == exact:
        return start, end
    # 2. The exact quote elsewhere: the occurrence with the best context,
    #    then the nearest to where it was.
    hits = []
    i = text.find(exact)
    while i >= 0 and len(hits) < 1000:
        hits.append(i)
        i = text.find(exact, i + 1)
    if hits:
        best = max(
            hits,
            key=lambda h: (
                _context_score(text, h, h + len(exact), prefix, suffix) * 2
                + _position_score(h, start, len(text))
            ),
        )
        return best, best + len(exact)
    # 3. A fuzzy match of the quote.
    return fuzzy_find(text, exact, prefix, suffix, start)


_TOKEN = re.compile(r"\w+", re.UNICODE)


def fuzzy_find(
    text: str, exact: str, prefix: str = "", suffix: str = "", hint: int = 0, threshold: float = 0.75
) -> tuple[int, int] | None:
    """The span of `text` most like `exact` (ratio ≥ threshold), context and
    closeness to `hint` breaking ties; None when nothing is close enough."""
    n = len(exact)
    if n == 0 or not text:
        return None
    # Candidate windows start at word starts sharing one of the quote's words.
    words = [w.lower() for w in _TOKEN.findall(exact)]
    if not words:
        return None
    keys = set(words[:3] + words[-3:])
    lowered = text.lower()
    starts: set[int] = set()
    for key in keys:
        for m in re.finditer(r"\b" + re.escape(key) + r"\b", lowered):
            pos = m.start()
            # The key may be the quote's k-th word: step back that far.
            k = words.index(key) if key in words else 0
            back = len(" ".join(words[:k])) + (1 if k else 0)
            starts.add(max(0, pos - back))
            if len(starts) > 2000:
                break
    best: tuple[float, int, int] | None = None
    matcher = difflib.SequenceMatcher(None, autojunk=False)
    matcher.set_seq2(exact)
    for s in starts:
        for length in (n, int(n * 0.85), int(n * 1.15)):
            e = min(len(text), s + max(1, length))
            matcher.set_seq1(text[s:e])
            if matcher.real_quick_ratio() < threshold or matcher.quick_ratio() < threshold:
                continue
            ratio = matcher.ratio()
            if ratio < threshold:
                continue
            s2, e2 = _snap(text, s, e)
            score = ratio * 3 + _context_score(text, s2, e2, prefix, suffix) + _position_score(s2, hint, len(text))
            if best is None or score > best[0]:
                best = (score, s2, e2)
    if best is None:
        return None
    return best[1], best[2]


def _snap(text: str, s: int, e: int) -> tuple[int, int]:
    """Trim a fuzzy span to whole words."""
    while s > 0 and text[s - 1].isalnum() and text[s].isalnum():
        s -= 1
    while e < len(text) and e > 0 and text[e - 1].isalnum() and text[e].isalnum():
        e += 1
    while s < e and text[s].isspace():
        s += 1
    while e > s and text[e - 1].isspace():
        e -= 1
    return s, e


_WS = re.compile(r"\s+")


def find_quote(text: str, quote: str) -> tuple[int, int] | None:
    """First occurrence of `quote` in `text`, runs of whitespace matching any
    whitespace (a quote pasted from a wrapped terminal still matches)."""
    quote = quote.strip()
    if not quote:
        return None
    i = text.find(quote)
    if i >= 0:
        return i, i + len(quote)
    parts = [re.escape(p) for p in _WS.split(quote) if p]
    m = re.search(r"\s+".join(parts), text)
    if m:
        return m.start(), m.end()
    m = re.search(r"\s+".join(parts), text, re.IGNORECASE)
    return (m.start(), m.end()) if m else None


def near_matches(text: str, quote: str, limit: int = 3) -> list[str]:
    """Sentences of `text` most like `quote`, for a helpful error."""
    from reader.core.sentences import sentence_spans

    candidates = [text[s:e] for s, e in sentence_spans(text)]
    return difflib.get_close_matches(quote, candidates, n=limit, cutoff=0.4)

"""Anchoring annotations to an article's canonical text.

An annotation carries two W3C selectors: a TextPositionSelector (start, end)
and a TextQuoteSelector (the exact text with 32 characters of context on each
side). When the text changes, `locate` finds the annotation again, in this
order:

1. the exact quote at its old position (or where the diff between the old and
   the new text says that position went);
2. the exact quote elsewhere: the occurrence whose prefix/suffix and position
   fit best;
3. the quote with whitespace ignored (a re-flowed article);
4. a fuzzy match of the quote, scored as Hypothesis does: quote similarity
   (edit distance) weighted 50, prefix and suffix similarity 20 each, closeness
   to the expected position 2. Candidates come from the quote's words (where
   several of them line up), and are aligned with Myers' bit-parallel edit
   distance, so a long article with hundreds of annotations re-anchors in
   milliseconds.

Nothing found means None: the caller keeps the annotation as an orphan.
"""

from __future__ import annotations

import bisect
import difflib
import os
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from reader.core.models import BLOCK_SEPARATOR

CONTEXT = 32

# Hypothesis' weights (client/src/annotator/anchoring/match-quote.ts).
QUOTE_WEIGHT, PREFIX_WEIGHT, SUFFIX_WEIGHT, POSITION_WEIGHT = 50.0, 20.0, 20.0, 2.0
_TOTAL_WEIGHT = QUOTE_WEIGHT + PREFIX_WEIGHT + SUFFIX_WEIGHT + POSITION_WEIGHT

#: A fuzzy match is kept when the quote is this similar (1 - edits/length)...
QUOTE_THRESHOLD = 0.75
#: ...or at least this similar while its context still fits this well.
QUOTE_FLOOR = 0.5
CONTEXT_THRESHOLD = 0.75
#: Quotes shorter than this need their context to fit, whatever their score.
SHORT_QUOTE = 16
#: Words more frequent than this in the text do not suggest candidates.
COMMON_WORD = 300
#: Candidate regions aligned per quote (besides the expected position).
MAX_CANDIDATES = 4
#: Quote words used to find candidate regions (the rarest in the text).
RARE_WORDS = 8
#: Longer quotes are matched by their ends (the middle rarely decides).
LONG_QUOTE = 1500


@dataclass(frozen=True, slots=True)
class Quote:
    exact: str
    prefix: str
    suffix: str


def quote_at(text: str, start: int, end: int) -> Quote:
    return Quote(text[start:end], text[max(0, start - CONTEXT) : start], text[end : end + CONTEXT])


@dataclass(frozen=True, slots=True)
class Match:
    """A place for a quote in a text, and how well it fits (0..1)."""

    start: int
    end: int
    score: float
    quote_score: float
    context_score: float
    how: str  # "position", "exact", "whitespace", "fuzzy"


# ---------------------------------------------------------------- edit distance


def _peq(pattern: str) -> dict[str, int]:
    peq: dict[str, int] = {}
    bit = 1
    for c in pattern:
        peq[c] = peq.get(c, 0) | bit
        bit <<= 1
    return peq


def _myers(pattern: str, text: str, *, anchored: bool = False) -> tuple[int, list[int]]:
    """Fewest edits turning `pattern` into a substring of `text`, and every
    end offset in `text` where a substring that close ends. `anchored`: the
    substring must start at text[0] (so the ends are its possible lengths).

    Myers' bit-vector algorithm (1999), in Hyyrö's formulation, with Python's
    unbounded integers as the bit vectors: one pass over `text`, a handful of
    integer operations per character whatever the pattern's length.
    """
    m = len(pattern)
    if m == 0:
        return 0, list(range(len(text) + 1))
    peq = _peq(pattern)
    mask = (1 << m) - 1
    high = 1 << (m - 1)
    pv, mv, score = mask, 0, m
    best, ends = m, [0]
    shift_in = 1 if anchored else 0
    get = peq.get
    for j, c in enumerate(text, 1):
        eq = get(c, 0)
        xv = eq | mv
        xh = ((((eq & pv) + pv) & mask) ^ pv) | eq
        ph = mv | (~(xh | pv) & mask)
        mh = pv & xh
        if ph & high:
            score += 1
        elif mh & high:
            score -= 1
        ph = ((ph << 1) | shift_in) & mask
        mh = (mh << 1) & mask
        pv = mh | (~(xv | ph) & mask)
        mv = ph & xv
        if score < best:
            best, ends = score, [j]
        elif score == best:
            ends.append(j)
    return best, ends


def edit_similarity(pattern: str, text: str) -> float:
    """1 - (edits to find `pattern` in `text`) / len(pattern); 1 for no pattern."""
    if not pattern:
        return 1.0
    if pattern in text:
        return 1.0
    errors, _ = _myers(pattern, text)
    return max(0.0, 1.0 - errors / len(pattern))


def _align(pattern: str, text: str, lo: int, hi: int, expect_end: int) -> tuple[int, int, int] | None:
    """Best approximate occurrence of `pattern` in text[lo:hi]:
    (start, end, edits), the end nearest `expect_end` among equals."""
    window = text[lo:hi]
    if not window:
        return None
    errors, ends = _myers(pattern, window)
    if not ends:
        return None
    end = min(ends, key=lambda e: abs(lo + e - expect_end)) + lo
    if end <= lo:
        return None
    # The start: the same search backwards from the end, over the reversed strings.
    back = text[lo:end][::-1]
    rev_errors, lengths = _myers(pattern[::-1], back, anchored=True)
    length = min(lengths, key=lambda n: abs(n - len(pattern)))
    if length <= 0:
        return None
    return end - length, end, max(errors, rev_errors)


# ---------------------------------------------------------------- text index


_WORD = re.compile(r"\w+")
_WS_RUN = re.compile(r"\s+")


class TextIndex:
    """What the matchers need of a text, built once and only when needed."""

    def __init__(self, text: str) -> None:
        self.text = text
        self._lower: str | None = None
        self._norm: tuple[str, list[int], list[int]] | None = None
        self._words: dict[str, list[int]] | None = None

    @property
    def lower(self) -> str:
        if self._lower is None:
            low = self.text.lower()
            # Some characters change length when lowered ("İ"): keep offsets.
            self._lower = low if len(low) == len(self.text) else self.text
        return self._lower

    def normalized(self) -> tuple[str, list[int], list[int]]:
        """The text with each run of whitespace as one space, and the map
        back: segments starting at norm_starts[i] begin at orig_starts[i]."""
        if self._norm is None:
            parts: list[str] = []
            norm_starts: list[int] = [0]
            orig_starts: list[int] = [0]
            pos = npos = 0
            for m in _WS_RUN.finditer(self.text):
                s, e = m.span()
                parts.append(self.text[pos:s])
                npos += s - pos
                parts.append(" ")
                npos += 1
                pos = e
                norm_starts.append(npos)
                orig_starts.append(e)
            parts.append(self.text[pos:])
            self._norm = ("".join(parts), norm_starts, orig_starts)
        return self._norm

    def to_original(self, npos: int, *, end: bool = False) -> int:
        _norm, norm_starts, orig_starts = self.normalized()
        if end:
            # An end offset maps from the character before it.
            if npos <= 0:
                return 0
            i = bisect.bisect_right(norm_starts, npos - 1) - 1
            return orig_starts[i] + (npos - 1 - norm_starts[i]) + 1
        i = bisect.bisect_right(norm_starts, npos) - 1
        return orig_starts[i] + (npos - norm_starts[i])

    def words(self) -> dict[str, list[int]]:
        """Lower-cased word -> the offsets where it starts."""
        if self._words is None:
            words: dict[str, list[int]] = {}
            for m in _WORD.finditer(self.lower):
                words.setdefault(m.group(), []).append(m.start())
            self._words = words
        return self._words


def _index(text: str, index: TextIndex | None) -> TextIndex:
    if index is not None and index.text is text:
        return index
    return TextIndex(text)


# ---------------------------------------------------------------- scoring


def _context_scores(text: str, start: int, end: int, prefix: str, suffix: str) -> tuple[float, float]:
    have_prefix = text[max(0, start - len(prefix)) : start] if prefix else ""
    have_suffix = text[end : end + len(suffix)] if suffix else ""
    p = edit_similarity(prefix, have_prefix) if prefix else 1.0
    s = edit_similarity(suffix, have_suffix) if suffix else 1.0
    return p, s


def _position_score(pos: int, hint: int | None, length: int) -> float:
    if hint is None:
        return 1.0
    return 1.0 - min(1.0, abs(pos - hint) / max(1, length))


def _match(text: str, start: int, end: int, quote_score: float, prefix: str, suffix: str,
           hint: int | None, how: str) -> Match:
    p, s = _context_scores(text, start, end, prefix, suffix)
    pos = _position_score(start, hint, len(text))
    score = (QUOTE_WEIGHT * quote_score + PREFIX_WEIGHT * p + SUFFIX_WEIGHT * s + POSITION_WEIGHT * pos) / _TOTAL_WEIGHT
    return Match(start, end, score, quote_score, (p + s) / 2, how)


def _plausible(m: Match, length: int, occurrences: int) -> bool:
    """An exact occurrence of a short quote (a word or two) among several is
    only the annotation's if some of its context came along."""
    return length >= SHORT_QUOTE or occurrences == 1 or m.context_score >= 0.5


def _acceptable(m: Match, length: int) -> bool:
    if length < SHORT_QUOTE:
        return m.quote_score >= 1.0 - 1.0 / max(1, length) - 1e-9 and m.context_score >= CONTEXT_THRESHOLD
    if m.quote_score >= QUOTE_THRESHOLD:
        return True
    return m.quote_score >= QUOTE_FLOOR and m.context_score >= CONTEXT_THRESHOLD


# ---------------------------------------------------------------- locating


def locate(
    text: str, start: int, end: int, exact: str, prefix: str = "", suffix: str = "",
    *, hint: int | None = None, index: TextIndex | None = None,
) -> tuple[int, int] | None:
    """Where the annotation stands in `text` now, or None (an orphan).

    `start`/`end` are its old position; `hint` is where that position went
    (from `PositionMap`), when the caller knows.
    """
    m = best_match(text, start, end, exact, prefix, suffix, hint=hint, index=index)
    return (m.start, m.end) if m is not None else None


def best_match(
    text: str, start: int, end: int, exact: str, prefix: str = "", suffix: str = "",
    *, hint: int | None = None, index: TextIndex | None = None,
) -> Match | None:
    """`locate`, saying how the quote was found and how well it fits."""
    if not exact:
        return None
    n = len(exact)
    # 1. Unchanged, where the diff says it went or at its old offsets.
    for s in (hint, start):
        if s is not None and 0 <= s and s + n <= len(text) and text.startswith(exact, s):
            return Match(s, s + n, 1.0, 1.0, 1.0, "position")
    expect = hint if hint is not None else start
    # 2. The exact quote elsewhere: taken at once where its context came
    # along; otherwise it may be a copy (a pull quote, a summary) while the
    # quote itself stands where it was, its spacing changed (3.).
    exact_best = None
    hits = _occurrences(text, exact)
    if hits:
        best = max((_match(text, h, h + n, 1.0, prefix, suffix, expect, "exact")
                    for h in _shortlist(text, hits, n, prefix, suffix, expect)),
                   key=lambda m: m.score)
        if _plausible(best, n, len(hits)):
            if best.context_score >= 1.0:
                return best
            exact_best = best
    idx = _index(text, index)
    # 3. The quote with whitespace ignored (the exact one where it scores as well).
    norm_quote = _WS_RUN.sub(" ", exact).strip()
    if norm_quote:
        ntext, _, _ = idx.normalized()
        nhits = _occurrences(ntext, norm_quote)
        if nhits:
            cands = []
            spans = [(idx.to_original(h), idx.to_original(h + len(norm_quote), end=True)) for h in nhits[:1000]]
            by_start = {s: e for s, e in spans}
            for s in _shortlist(text, [s for s, _ in spans], None, prefix, suffix, expect, ends=by_start):
                cands.append(_match(text, s, by_start[s], 1.0, prefix, suffix, expect, "whitespace"))
            best = max(cands, key=lambda m: m.score)
            if exact_best is not None and exact_best.score >= best.score:
                return exact_best
            if _plausible(best, len(norm_quote), len(nhits)):
                return best
    if exact_best is not None:
        return exact_best
    # 4. A fuzzy match.
    found = fuzzy_matches(text, exact, prefix, suffix, expect, index=idx, limit=1)
    if found and _acceptable(found[0], n):
        return found[0]
    return None


def _shortlist(text: str, hits: list[int], n: int | None, prefix: str, suffix: str, expect: int | None,
               *, ends: dict[int, int] | None = None, keep: int = 6) -> list[int]:
    """Of many occurrences, the few worth scoring: those whose context agrees
    longest with the stored prefix/suffix (compared as plain strings), and
    those nearest where the quote is expected."""
    if len(hits) <= keep:
        return hits

    def agree(h: int) -> int:
        e = ends[h] if ends is not None else h + (n or 0)
        before = text[max(0, h - len(prefix)) : h]
        after = text[e : e + len(suffix)]
        left = len(os.path.commonprefix([before[::-1], prefix[::-1]]))
        right = len(os.path.commonprefix([after, suffix]))
        return left + right

    best = sorted(hits, key=agree, reverse=True)[:keep]
    if expect is not None:
        best += sorted(hits, key=lambda h: abs(h - expect))[:2]
    return list(dict.fromkeys(best))


def _occurrences(text: str, needle: str, limit: int = 1000) -> list[int]:
    hits = []
    i = text.find(needle)
    while i >= 0 and len(hits) < limit:
        hits.append(i)
        i = text.find(needle, i + 1)
    return hits


def fuzzy_find(
    text: str, exact: str, prefix: str = "", suffix: str = "", hint: int = 0,
    threshold: float | None = None, *, index: TextIndex | None = None,
) -> tuple[int, int] | None:
    """The span of `text` most like `exact`, if it is like enough; None
    otherwise. Like enough: what re-anchoring accepts, or, with `threshold`,
    a quote similarity (1 - edits/length) of at least that (0.5 at the least:
    a suggestion for a person to confirm, say)."""
    found = fuzzy_matches(text, exact, prefix, suffix, hint, index=index, limit=1)
    if not found:
        return None
    best = found[0]
    ok = best.quote_score >= threshold if threshold is not None else _acceptable(best, len(exact))
    return (best.start, best.end) if ok else None


def fuzzy_matches(
    text: str, exact: str, prefix: str = "", suffix: str = "", hint: int | None = None,
    *, index: TextIndex | None = None, limit: int = 3,
) -> list[Match]:
    """The best approximate places for `exact` in `text`, best first, however
    poor (a review screen offers them as suggestions). At most `limit`;
    none worse than half the quote wrong."""
    if not exact or not text:
        return []
    idx = _index(text, index)
    folded = idx.lower is not idx.text and len(exact.lower()) == len(exact)
    quote = exact.lower() if folded else exact
    hay = idx.lower if folded else text
    m = len(quote)
    if m > LONG_QUOTE:
        return _long_fuzzy(text, exact, prefix, suffix, hint, idx, limit)
    slack = m // 2 + 8
    seen: set[tuple[int, int]] = set()
    found: list[Match] = []
    if hint is not None:
        # Where the quote is expected first: a clear match there ends the search.
        near = _fuzzy_at(text, hay, quote, hint, slack, prefix, suffix, hint)
        if near is not None:
            if limit == 1 and near.quote_score >= 0.9 and near.context_score >= CONTEXT_THRESHOLD:
                return [near]
            seen.add((near.start, near.end))
            found.append(near)
    for d in _candidate_starts(idx, quote, m):
        cand = _fuzzy_at(text, hay, quote, d, slack, prefix, suffix, hint)
        if cand is not None and (cand.start, cand.end) not in seen:
            seen.add((cand.start, cand.end))
            found.append(cand)
    found.sort(key=lambda x: x.score, reverse=True)
    return found[:limit]


def _fuzzy_at(text: str, hay: str, quote: str, d: int, slack: int, prefix: str, suffix: str,
              hint: int | None) -> Match | None:
    m = len(quote)
    aligned = _align(quote, hay, max(0, d - slack), min(len(text), d + m + slack), d + m)
    if aligned is None:
        return None
    s, e, errors = aligned
    s, e = trim_span(text, s, e)
    q = 1.0 - errors / m
    if e <= s or q < QUOTE_FLOOR:
        return None
    if BLOCK_SEPARATOR in text[s:e] and BLOCK_SEPARATOR not in quote:
        return None  # a quote within a paragraph is not found across two
    found = _match(text, s, e, q, prefix, suffix, hint, "fuzzy")
    # Scored as aligned; placed on whole words when the quote stood on them
    # (it began and ended where a word did, its own punctuation aside).
    whole_start = not prefix[-1:].isalnum()
    whole_end = not suffix[:1].isalnum()
    s, e = snap_to_words(text, s, e, whole_start=whole_start, whole_end=whole_end)
    if whole_start or whole_end:
        s, e = _to_context(text, hay, quote, s, e, prefix if whole_start else "", suffix if whole_end else "")
    return Match(s, e, found.score, found.quote_score, found.context_score, found.how)


#: The most words between a fuzzy match and the text that stood around its
#: quote that the match takes in (words replaced at the quote's edge).
_EDGE_WORDS = 3
_EDGE_CHARS = 40


def _to_context(text: str, hay: str, quote: str, s: int, e: int, prefix: str, suffix: str) -> tuple[int, int]:
    """[s, e) grown to the text that stood just before and after the quote,
    when the match left out the quote's first or last words and a few words
    stand between ("Pentagon chief Lloyd Austin", now "US Defense Secretary
    Lloyd Austin", is matched as all four words, not "Secretary Lloyd
    Austin"). `hay` is `text` or its lower case, as `quote` is."""
    words = quote.split()
    if not words:
        return s, e
    if prefix and not hay.startswith(words[0], s):
        tail = " ".join(prefix.split()[-2:])
        j = hay.rfind(tail.lower() if hay is not text else tail, max(0, s - _EDGE_CHARS - len(tail)), s)
        if tail and j >= 0:
            k = j + len(tail)
            gap = text[k:s]
            if gap[:1].isspace() and len(gap.split()) <= _EDGE_WORDS:
                s = k + len(gap) - len(gap.lstrip())
    if suffix and not hay.endswith(words[-1], 0, e):
        head = " ".join(suffix.split()[:2])
        j = hay.find(head.lower() if hay is not text else head, e, e + _EDGE_CHARS + len(head))
        if head and j >= 0:
            gap = text[e:j]
            if gap[-1:].isspace() and len(gap.split()) <= _EDGE_WORDS:
                e = j - (len(gap) - len(gap.rstrip()))
    return s, e


def _candidate_starts(idx: TextIndex, quote: str, m: int) -> list[int]:
    """Where the quote might start: offsets where several of its words line
    up as they do in the quote (clusters of word "diagonals")."""
    qwords: dict[str, int] = {}
    for mt in _WORD.finditer(quote):
        qwords.setdefault(mt.group(), mt.start())
    if not qwords:
        return []
    words = idx.words()
    # The rarest of the quote's words say the most, and cost the least.
    usable = sorted(((len(words[w]), w, off) for w, off in qwords.items() if w in words), key=lambda x: x[0])
    usable = [u for u in usable if u[0] <= COMMON_WORD][:RARE_WORDS]
    diag: list[tuple[int, str]] = []
    for _count, w, off in usable:
        diag.extend((p - off, w) for p in words[w])
    if not diag:
        return []
    diag.sort()
    width = max(16, m // 3)
    # Slide a window over the sorted diagonals: the most distinct words wins.
    clusters: list[tuple[int, int]] = []  # (distinct words, diagonal)
    counts: dict[str, int] = {}
    j = 0
    for i, (d, w) in enumerate(diag):
        counts[w] = counts.get(w, 0) + 1
        while diag[j][0] < d - width:
            wj = diag[j][1]
            counts[wj] -= 1
            if not counts[wj]:
                del counts[wj]
            j += 1
        clusters.append((len(counts), diag[(i + j) // 2][0]))
    need = max(2, (len(usable) + 2) // 3) if len(usable) > 1 else 1
    clusters.sort(reverse=True)
    out: list[int] = []
    for n, d in clusters:
        if n < need or len(out) >= MAX_CANDIDATES:
            break
        if all(abs(d - o) > width for o in out):
            out.append(d)
    return out


def _long_fuzzy(text: str, exact: str, prefix: str, suffix: str, hint: int | None,
                idx: TextIndex, limit: int) -> list[Match]:
    """A long quote: find its first and last parts, then score the span."""
    part = LONG_QUOTE // 3
    heads = fuzzy_matches(text, exact[:part], prefix, "", hint, index=idx, limit=3)
    tails = fuzzy_matches(text, exact[-part:], "", suffix,
                          None if hint is None else hint + len(exact) - part, index=idx, limit=3)
    found = []
    for h in heads:
        for t in tails:
            if t.end <= h.start:
                continue
            length = t.end - h.start
            if not 0.5 * len(exact) <= length <= 1.5 * len(exact):
                continue
            q = difflib.SequenceMatcher(None, text[h.start : t.end], exact, autojunk=False).quick_ratio()
            q = min(q, (h.quote_score + t.quote_score) / 2)
            found.append(_match(text, h.start, t.end, q, prefix, suffix, hint, "fuzzy"))
    found.sort(key=lambda x: x.score, reverse=True)
    return found[:limit]


def trim_span(text: str, s: int, e: int) -> tuple[int, int]:
    """[s, e) without the whitespace at either end."""
    while s < e and text[s].isspace():
        s += 1
    while e > s and text[e - 1].isspace():
        e -= 1
    return s, e


#: The most characters a fuzzy match's end moves to reach a word's edge.
_SNAP = 40


def snap_to_words(text: str, s: int, e: int, *, whole_start: bool = True, whole_end: bool = True) -> tuple[int, int]:
    """[s, e) grown to whole words at the ends asked for: a fuzzy match of
    a quote that began and ended on whole words is never cut mid-word
    ("retary Lloyd Austin" for "Pentagon chief Lloyd Austin" becomes
    "Secretary Lloyd Austin")."""
    if whole_start and 0 < s < len(text) and text[s].isalnum():
        lo = max(0, s - _SNAP)
        while s > lo and text[s - 1].isalnum():
            s -= 1
    if whole_end and 0 < e < len(text) and text[e - 1].isalnum():
        hi = min(len(text), e + _SNAP)
        while e < hi and text[e].isalnum():
            e += 1
    return s, e


# ---------------------------------------------------------------- old -> new


class PositionMap:
    """Where offsets of an old text went in a new one, from a diff of their
    blocks (compared with whitespace ignored, so a re-flow is no change)."""

    def __init__(self, old: str, new: str) -> None:
        self._old_starts, old_keys = _blocks(old)
        self._new_starts, new_keys = _blocks(new)
        self._old_len, self._new_len = len(old), len(new)
        # (old block range, new block range, same?) in old order.
        self._ops = difflib.SequenceMatcher(None, old_keys, new_keys, autojunk=False).get_opcodes()
        self._op_starts = [op[1] for op in self._ops]

    def _old_offset(self, block: int) -> int:
        return self._old_starts[block] if block < len(self._old_starts) else self._old_len

    def _new_offset(self, block: int) -> int:
        return self._new_starts[block] if block < len(self._new_starts) else self._new_len

    def map(self, offset: int) -> int:
        if not self._ops:
            return offset
        block = max(0, bisect.bisect_right(self._old_starts, offset) - 1)
        k = max(0, bisect.bisect_right(self._op_starts, block) - 1)
        tag, i1, i2, j1, j2 = self._ops[k]
        if tag == "insert":  # empty old range: cannot hold the offset
            k2 = k + 1
            if k2 < len(self._ops):
                tag, i1, i2, j1, j2 = self._ops[k2]
        if tag == "equal":
            nb = j1 + (block - i1)
            return min(self._new_len, self._new_offset(nb) + (offset - self._old_offset(block)))
        o_lo, o_hi = self._old_offset(i1), self._old_offset(i2)
        n_lo, n_hi = self._new_offset(j1), self._new_offset(j2)
        if tag == "delete" or o_hi <= o_lo:
            return n_lo
        frac = (offset - o_lo) / (o_hi - o_lo)
        return min(self._new_len, n_lo + int(frac * (n_hi - n_lo)))


def _blocks(text: str) -> tuple[list[int], list[str]]:
    starts, keys = [], []
    pos = 0
    for part in text.split(BLOCK_SEPARATOR):
        starts.append(pos)
        keys.append(" ".join(part.split()))
        pos += len(part) + len(BLOCK_SEPARATOR)
    return starts, keys


@dataclass(frozen=True, slots=True)
class Anchor:
    start: int
    end: int
    exact: str
    prefix: str = ""
    suffix: str = ""


def reanchor(old_text: str | None, new_text: str, anchors: Sequence[Anchor]) -> list[Match | None]:
    """Each anchor's place in `new_text` (None: an orphan). `old_text`, the
    text the anchors were made on, when known, tells where positions went."""
    index = TextIndex(new_text)
    pmap = PositionMap(old_text, new_text) if old_text is not None and old_text != new_text else None
    # A text imported before imports came to compose accents (NFC) may hold
    # them apart; its quotes are looked for as the new text writes them.
    composed = not new_text.isascii() and unicodedata.is_normalized("NFC", new_text)
    out: list[Match | None] = []
    for a in anchors:
        if old_text == new_text and 0 <= a.start <= a.end <= len(new_text) and new_text[a.start : a.end] == a.exact:
            out.append(Match(a.start, a.end, 1.0, 1.0, 1.0, "position"))
            continue
        hint = pmap.map(a.start) if pmap is not None else None
        exact, prefix, suffix = a.exact, a.prefix, a.suffix
        if composed and not unicodedata.is_normalized("NFC", exact + prefix + suffix):
            exact, prefix, suffix = (unicodedata.normalize("NFC", x) for x in (exact, prefix, suffix))
        out.append(best_match(new_text, a.start, a.end, exact, prefix, suffix, hint=hint, index=index))
    return out


# ---------------------------------------------------------------- quoting


_WS = re.compile(r"\s+")
#: Straight and typographic quote marks, each matching the others (a quote
#: typed as "won't" finds the article's "won’t", "Moscow" its «Moscow»).
_SINGLE_MARKS = re.compile("['\u2018\u2019]")
_DOUBLE_MARKS = re.compile('["\u201c\u201d\u00ab\u00bb\u201e]')
#: Typed dashes and dots, as their escaped forms in a pattern, and what each
#: matches: "-" or "--" any dash (– —), "..." an ellipsis (…), and back.
_TYPED = [
    (re.compile(r"(?:\\-){1,2}|[\u2013\u2014]"), "(?:--?|[\u2013\u2014])"),
    (re.compile(r"(?:\\\.){3}|\u2026"), "(?:\\.\\.\\.|\u2026)"),
]


def _loose(part: str) -> str:
    """A word of a quote as a pattern that takes the article's typography."""
    out = _DOUBLE_MARKS.sub(_DOUBLE_MARKS.pattern, _SINGLE_MARKS.sub(_SINGLE_MARKS.pattern, re.escape(part)))
    for typed, matches in _TYPED:
        out = typed.sub(lambda _m, m=matches: m, out)
    return out


def find_quote(text: str, quote: str, hidden: Sequence[tuple[int, int]] = ()) -> tuple[int, int] | None:
    """First occurrence of `quote` in `text` (see `find_quotes`); the first
    outside the `hidden` spans (folded blocks) when there is one."""
    spans = find_quotes(text, quote)
    shown = (sp for sp in spans if not any(h0 <= sp[0] and sp[1] <= h1 for h0, h1 in hidden))
    return next(shown, spans[0] if spans else None)


def find_quotes(text: str, quote: str) -> list[tuple[int, int]]:
    """Every occurrence of `quote` in `text`, in order: runs of whitespace
    matching any whitespace (a quote pasted from a wrapped terminal still
    matches), a straight quote mark a typographic one, "-" or "--" a dash
    and "..." an ellipsis, and back; in any case only where none has the
    case as typed."""
    quote = quote.strip()
    if not quote:
        return []
    if not quote.isascii() and not unicodedata.is_normalized("NFC", quote) and unicodedata.is_normalized("NFC", text):
        quote = unicodedata.normalize("NFC", quote)  # accents typed apart, as the article composes them
    parts = [_loose(p) for p in _WS.split(quote) if p]
    pattern = r"\s+".join(parts)
    for flags in (0, re.IGNORECASE):
        spans = [(m.start(), m.end()) for m in re.finditer(pattern, text, flags)]
        if spans:
            return spans
    return []


def near_matches(text: str, quote: str, limit: int = 3) -> list[str]:
    """Sentences of `text` most like `quote`, for a helpful error."""
    from reader.core.sentences import sentence_spans

    candidates = [text[s:e] for s, e in sentence_spans(text)]
    return difflib.get_close_matches(quote, candidates, n=limit, cutoff=0.4)

"""What the reading screen shows, and where its cursor can go.

A `Reading` turns an article and its fold labels into a sequence of
*elements* - content blocks, and one marker per run of folded blocks (followed
by the run's blocks when the user unfolds it) - and a sequence of cursor
*stops*: every sentence of every shown block, and every fold marker. All
positions are offsets into the article's canonical text, the coordinates
annotations anchor to, so the screen and the store agree on what was selected.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterator
from dataclasses import dataclass

from reader.core.fold import FoldRun, Label, fold_runs
from reader.core.models import Annotation, Article
from reader.core.sentences import count_words, sentence_spans, word_spans

#: What makes a span of `word_spans` a word, not a lone punctuation mark.
_WORDLIKE = re.compile(r"\w")

BLOCK = "block"
FOLD = "fold"


@dataclass(frozen=True, slots=True)
class Element:
    kind: str  # BLOCK or FOLD
    index: int  # block index, or run index for a fold marker
    folded: bool = False  # a block shown inside an unfolded run


@dataclass(frozen=True, slots=True)
class Stop:
    """A place the cursor can rest: a sentence, or a fold marker."""

    start: int
    end: int
    element: int

    @property
    def is_marker(self) -> bool:
        return self.start == self.end


class Reading:
    def __init__(self, article: Article, labels: list[Label]) -> None:
        self.article = article
        self.labels = labels
        self.runs: list[FoldRun] = fold_runs(labels)
        self.run_of_block: dict[int, int] = {}
        for r, run in enumerate(self.runs):
            for b in range(run.start, run.end):
                self.run_of_block[b] = r
        self.expanded: set[int] = set()
        self._sentences: dict[int, list[tuple[int, int]]] = {}
        self.elements: list[Element] = []
        self.stops: list[Stop] = []
        self._stop_starts: list[int] = []
        self._words_before: list[int] | None = None
        self.rebuild()

    # -- structure ---------------------------------------------------------

    def sentences_of(self, block_index: int) -> list[tuple[int, int]]:
        """Sentences of a block, as canonical offsets."""
        spans = self._sentences.get(block_index)
        if spans is None:
            block = self.article.blocks[block_index]
            if block.kind in ("code", "table"):
                spans = [(block.start + s, block.start + e) for s, e in _line_spans(block.text)]
            else:
                spans = [(block.start + s, block.start + e) for s, e in sentence_spans(block.text)]
            if not spans:
                spans = [(block.start, block.end)]
            self._sentences[block_index] = spans
        return spans

    def rebuild(self) -> None:
        elements: list[Element] = []
        stops: list[Stop] = []
        blocks = self.article.blocks
        i, n = 0, len(blocks)
        run_at = {run.start: r for r, run in enumerate(self.runs)}
        while i < n:
            r = run_at.get(i)
            if r is None:
                elements.append(Element(BLOCK, i))
                for s, e in self.sentences_of(i):
                    stops.append(Stop(s, e, len(elements) - 1))
                i += 1
                continue
            run = self.runs[r]
            elements.append(Element(FOLD, r))
            stops.append(Stop(blocks[run.start].start, blocks[run.start].start, len(elements) - 1))
            if r in self.expanded:
                for b in range(run.start, run.end):
                    elements.append(Element(BLOCK, b, folded=True))
                    for s, e in self.sentences_of(b):
                        stops.append(Stop(s, e, len(elements) - 1))
            i = run.end
        self.elements = elements
        self.stops = stops
        self._stop_starts = [s.start for s in stops]

    # -- folds ----------------------------------------------------------------

    def toggle_fold(self, run_index: int) -> None:
        if run_index in self.expanded:
            self.expanded.discard(run_index)
        else:
            self.expanded.add(run_index)
        self.rebuild()

    def toggle_all(self) -> bool:
        """Unfold every run, or fold them all when most are open; returns
        whether they are now unfolded. Most, not all: after opening every
        run and folding one more block (a rule), the next press folds
        everything back, as the reader who opened them all means it to."""
        if self.expanded and 2 * len(self.expanded) > len(self.runs):
            self.expanded.clear()
        else:
            self.expanded = set(range(len(self.runs)))
        self.rebuild()
        return bool(self.expanded)

    def run_at_stop(self, stop_index: int) -> int | None:
        """The fold run the stop belongs to (its marker or one of its blocks)."""
        el = self.elements[self.stops[stop_index].element]
        if el.kind == FOLD:
            return el.index
        return self.run_of_block.get(el.index)

    def run_span(self, run_index: int) -> tuple[int, int]:
        """Where a fold run's text starts and ends in the article's text."""
        run = self.runs[run_index]
        blocks = self.article.blocks
        return blocks[run.start].start, blocks[run.end - 1].end

    def marker_stop(self, run_index: int) -> int:
        for i, stop in enumerate(self.stops):
            el = self.elements[stop.element]
            if el.kind == FOLD and el.index == run_index:
                return i
        return 0

    def block_of_stop(self, stop_index: int) -> int | None:
        el = self.elements[self.stops[stop_index].element]
        return el.index if el.kind == BLOCK else None

    # -- positions ------------------------------------------------------------

    def stop_at(self, offset: int) -> int:
        """The stop holding (or nearest before) a canonical offset."""
        if not self.stops:
            return 0
        i = bisect.bisect_right(self._stop_starts, offset) - 1
        return max(0, min(i, len(self.stops) - 1))

    def next_block(self, stop_index: int, direction: int) -> int:
        """First stop of the next (or previous) element."""
        if not self.stops:
            return 0
        here = self.stops[stop_index].element
        i = stop_index
        if direction > 0:
            while i < len(self.stops) - 1 and self.stops[i].element == here:
                i += 1
            return i
        # Back to the first stop of this element, or of the previous one.
        while i > 0 and self.stops[i - 1].element == here:
            i -= 1
        if i == stop_index and i > 0:
            i -= 1
            prev = self.stops[i].element
            while i > 0 and self.stops[i - 1].element == prev:
                i -= 1
        return i

    def find(self, query: str, start_stop: int, *, include_start: bool = True) -> int | None:
        """The first stop at or after `start_stop` whose text holds `query`
        (case-insensitive), wrapping around to the top."""
        q = query.casefold().strip()
        if not q or not self.stops:
            return None
        text = self.article.text
        n = len(self.stops)
        first = start_stop if include_start else start_stop + 1
        for k in range(n):
            i = (first + k) % n
            stop = self.stops[i]
            if stop.is_marker:
                continue
            if q in text[stop.start : stop.end].casefold():
                return i
        # A query across a sentence boundary: search the text itself.
        pos = text.casefold().find(q, self.stops[min(start_stop, n - 1)].start)
        if pos < 0:
            pos = text.casefold().find(q)
        if pos >= 0:
            i = self.stop_at(pos)
            if self.stops[i].end > pos:
                return i
        return None

    def find_folded(self, query: str, here: int) -> int | None:
        """Where `query` (case-insensitive) first stands in a folded block
        not shown, at or after text offset `here`, wrapping around to the
        top; None if in none."""
        q = query.casefold().strip()
        if not q:
            return None
        hits = []
        for b, run in self.run_of_block.items():
            if run in self.expanded:
                continue
            block = self.article.blocks[b]
            folded = block.text.casefold()
            i = folded.find(q)
            if i >= 0:
                # Casefolding can change lengths (ß): then the block's start will do.
                hits.append(block.start + (i if len(folded) == len(block.text) else 0))
        if not hits:
            return None
        hits.sort()
        return next((h for h in hits if h >= here), hits[0])

    def word_step(self, offset: int, direction: int, *, edge: str | None = None) -> int:
        """The offset one word on from `offset`, within the shown text.

        Going forward it lands on a word's end, going back on a word's start,
        unless `edge` ("start" or "end") says which edge to land on. A step
        is always a word, never a lone punctuation mark: an end taken back
        goes before the word (and the marks after it), a start taken on goes
        past the word (and the marks before it) to the next one's start.
        """
        edge = edge or ("end" if direction > 0 else "start")
        words = self._words_from(offset, direction)
        if direction > 0:
            for s, e in words:
                if e > offset:
                    if edge == "end":
                        return e
                    after = next(words, None)
                    return after[0] if after else e
        else:
            for s, e in words:
                if s < offset:
                    if edge == "start":
                        return s
                    before = next(words, None)
                    return before[1] if before else s
        return max(0, min(offset, len(self.article.text)))

    def _words_from(self, offset: int, direction: int) -> Iterator[tuple[int, int]]:
        """The words (no lone punctuation marks) of the shown blocks, from
        the block at `offset` on in `direction`, as offsets in the text."""
        for b in self._shown_blocks_around(self.article.block_at(offset), direction):
            block = self.article.blocks[b]
            text = block.text
            spans = [(block.start + s, block.start + e) for s, e in word_spans(text) if _WORDLIKE.search(text, s, e)]
            yield from (spans if direction > 0 else reversed(spans))

    def words_between(self, start: int, end: int) -> int:
        """How many words text[start:end] holds, as count_words counts them.
        A long span is counted from each block's count, kept, and its two
        ends: a selection over a whole long page is counted at every key
        without reading all of it."""
        text = self.article.text
        if end - start < 20_000:
            return count_words(text[start:end])
        blocks = self.article.blocks
        if self._words_before is None:
            counts = [0]
            for block in blocks:
                counts.append(counts[-1] + count_words(block.text))
            self._words_before = counts
        first, last = self.article.block_at(start), self.article.block_at(end)
        if first == last:
            return count_words(text[start:end])
        # Blocks are joined by blank lines: no word runs across two.
        ends = count_words(text[start : blocks[first].end]) + count_words(text[blocks[last].start : end])
        return ends + self._words_before[last] - self._words_before[first + 1]

    def _shown_blocks_around(self, block_index: int, direction: int) -> list[int]:
        shown = [el.index for el in self.elements if el.kind == BLOCK]
        pos = bisect.bisect_left(shown, block_index)
        if direction > 0:
            return shown[pos:]
        return list(reversed(shown[: pos + 1]))

    # -- annotations ------------------------------------------------------------

    @staticmethod
    def annotations_at(annotations: list[Annotation], start: int, end: int) -> list[Annotation]:
        """Annotations overlapping [start, end), the tightest first."""
        if end <= start:
            end = start + 1
        hits = [a for a in annotations if not a.orphaned and a.start < end and a.end > start]
        hits.sort(key=lambda a: (a.end - a.start, a.start))
        return hits


def _line_spans(text: str) -> list[tuple[int, int]]:
    spans = []
    pos = 0
    for line in text.split("\n"):
        if line.strip():
            lead = len(line) - len(line.lstrip())
            spans.append((pos + lead, pos + len(line.rstrip())))
        pos += len(line) + 1
    return spans

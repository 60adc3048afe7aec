"""Split text into sentences and words, as offsets.

The reading screen's cursor moves by sentence and a selection grows by
sentence or word; both work on spans of a block's text, so the spans map
straight onto the article's canonical text.
"""

from __future__ import annotations

import re

_ABBREVIATIONS = frozenset(
    """
    mr mrs ms dr prof st jr sr vs etc eg ie cf al inc ltd co corp no nos fig figs
    gen sen rep gov lt col sgt capt cmdr adm maj mt ft pp vol vols ed eds approx
    dept est univ assn bros jan feb mar apr jun jul aug sep sept oct nov dec
    mon tue wed thu fri sat sun u.s u.k e.g i.e a.m p.m ph.d
    """.split()
)

# End of a sentence: terminal punctuation, closing quotes/brackets, then space.
_BOUNDARY = re.compile(r"[.!?\u2026]+[\"'\u201d\u2019\u00bb)\]]*(?=\s+)|[\u3002\uff01\uff1f]+[\u300d\u300f\u201d\uff09]*")
_WORD_BEFORE = re.compile(r"([\w.]+)$")
# Chinese and Japanese are written without spaces: each of their characters
# counts as a word, and a selection grows by one at a time (Korean puts
# spaces between its words, and is read like the rest).
_CJ = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff66-\uff9f"
_WORD = re.compile(rf"[{_CJ}]|[^\W{_CJ}](?:[^\W{_CJ}]|['\u2019-])*|[^\w\s]", re.UNICODE)
# Words as a reader counts them: runs of non-space, each Chinese or Japanese
# character alone, their punctuation (、。「」，！ ...) not at all.
_COUNTED = re.compile(rf"[{_CJ}]|[^\s{_CJ}\u3000-\u303f\uff01-\uff0f\uff1a-\uff20\uff3b-\uff40\uff5b-\uff65]+")


def _is_abbreviation(text: str, dot: int) -> bool:
    """Whether the '.' at `dot` ends an abbreviation or an initial."""
    m = _WORD_BEFORE.search(text, 0, dot)
    if not m:
        return False
    word = m.group(1).lower().strip(".")
    if not word:
        return False
    if len(word) == 1 and word.isalpha():
        return True  # an initial: "J. R. R. Tolkien"
    return word in _ABBREVIATIONS


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence in `text`, whitespace trimmed.

    Lines are never joined: a newline inside a block (a list, code, a poem)
    ends a sentence too.
    """
    spans: list[tuple[int, int]] = []
    line_start = 0
    n = len(text)
    while line_start <= n:
        nl = text.find("\n", line_start)
        line_end = n if nl < 0 else nl
        _split_line(text, line_start, line_end, spans)
        if nl < 0:
            break
        line_start = nl + 1
    return spans


def _split_line(text: str, lo: int, hi: int, out: list[tuple[int, int]]) -> None:
    start = lo
    for m in _BOUNDARY.finditer(text, lo, hi):
        end = m.end()
        punct = m.group(0)
        if punct[0] == "." and len(punct.rstrip("\"'\u201d\u2019\u00bb)]")) == 1:
            if _is_abbreviation(text, m.start()):
                continue
        # The next sentence should not start with a lowercase letter (e.g.
        # "... 3 p.m. on Sunday"); CJK punctuation needs no space after it.
        nxt = end
        while nxt < hi and text[nxt].isspace():
            nxt += 1
        if nxt < hi and text[nxt].islower() and punct[0] in ".!?\u2026":
            continue
        _emit(text, start, end, out)
        start = end
    _emit(text, start, hi, out)


def _emit(text: str, start: int, end: int, out: list[tuple[int, int]]) -> None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if end > start:
        out.append((start, end))


def count_words(text: str) -> int:
    """How many words `text` holds: what str.split counts, but for text in
    Chinese or Japanese, where each character counts as one."""
    if text.isascii():
        return len(text.split())
    return len(_COUNTED.findall(text))


def word_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each word (or lone punctuation mark) in `text`."""
    return [(m.start(), m.end()) for m in _WORD.finditer(text)]

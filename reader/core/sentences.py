"""Split text into sentences and words, as offsets.

The reading screen's cursor moves by sentence and a selection grows by
sentence or word; both work on spans of a block's text, so the spans map
straight onto the article's canonical text.
"""

from __future__ import annotations

import re
import unicodedata

_ABBREVIATIONS = frozenset(
    """
    mr mrs ms dr prof st jr sr vs etc eg ie cf al inc ltd co corp no nos fig figs
    gen sen rep gov lt col sgt capt cmdr adm maj mt ft pp vol vols ed eds approx
    dept est univ assn bros jan feb mar apr jun jul aug sep sept oct nov dec
    mon tue wed thu fri sat sun u.s u.k e.g i.e a.m p.m ph.d
    ca bzw usw z.b d.h u.a o.a s.o s.u evtl ggf inkl bspw sog vgl dt str tel abs jh jhd
    mio mrd tsd nr hrsg
    mme mlle env av p.ex
    sra srta dña pág aprox
    проф т.е т.д т.п т.к др им ул пр гг тыс рис напр англ ок
    """.split()
)
#: A number and a dot before these is a German ordinal ("am 3. Oktober",
#: "im 19. Jahrhundert"), no sentence's end.
_ORDINAL_NEXT = frozenset(
    """
    januar februar märz mai juni juli oktober dezember jänner
    jan feb mär jun jul okt dez
    jahrhundert jahrhunderts jahrtausend jahrtausends
    """.split()
)
#: Months that English writes alike: a German ordinal before them only after
#: a German word ("bis zum 3. August"; "on June 2. August saw..." ends a sentence).
_ORDINAL_NEXT_AFTER_GERMAN = frozenset("april august september november apr aug sep sept nov".split())
_GERMAN_BEFORE = frozenset("am zum vom im bis den dem der des ab seit per zwischen und".split())

# Quotes and brackets that close: in English and French, and in German
# („...“ and »...«), and the single angle quotes.
_CLOSERS = "\"'\u201d\u2019\u201c\u00bb\u00ab\u203a\u2039)\\]"
# End of a sentence: terminal punctuation (the Arabic question mark, the
# Urdu full stop, the Devanagari danda and the Ethiopic full stop among
# them), closing quotes/brackets, then space; or Chinese and Japanese
# punctuation, which needs no space after it.
# (A run is tried from its first character only: from each of a long run's
# others the search would read the rest of it again.)
_BOUNDARY = re.compile(rf"(?<![.!?\u2026\u061f\u06d4\u0964\u0965\u1362])[.!?\u2026\u061f\u06d4\u0964\u0965\u1362]++"
                       rf"[{_CLOSERS}]*+(?=\s)"
                       r"|(?<![\u3002\uff01\uff1f])[\u3002\uff01\uff1f]++[\u300d\u300f\u201d\uff09]*+")
_HIRAGANA = re.compile(r"[\u3041-\u309f]")
_WORD_BEFORE = re.compile(r"([\w.]+)$")
# Chinese and Japanese are written without spaces: each of their characters
# counts as a word, and a selection grows by one at a time (Korean puts
# spaces between its words, and is read like the rest).
_CJ = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff66-\uff9f"
_CJ_CHAR = re.compile(rf"[{_CJ}]")
_WORD = re.compile(rf"[{_CJ}]|[^\W{_CJ}](?:[^\W{_CJ}]|['\u2019-])*|[^\w\s]", re.UNICODE)
# Words as a reader counts them: runs of non-space, each Chinese or Japanese
# character alone, their punctuation (、。「」，！ ...) not at all.
_COUNTED = re.compile(rf"[{_CJ}]|[^\s{_CJ}\u3000-\u303f\uff01-\uff0f\uff1a-\uff20\uff3b-\uff40\uff5b-\uff65]+")


def _is_abbreviation(text: str, dot: int) -> bool:
    """Whether the '.' at `dot` ends an abbreviation or an initial."""
    m = _WORD_BEFORE.search(text, max(0, dot - 40), dot)
    if not m:
        return False
    word = m.group(1).lower().strip(".")
    if not word:
        return False
    if len(word) == 1 and word.isalpha():
        return True  # an initial: "J. R. R. Tolkien"
    return word in _ABBREVIATIONS


def _is_ordinal(text: str, dot: int, end: int, hi: int) -> bool:
    """Whether the '.' at `dot` follows a German ordinal: a number of one to
    three digits, with a month or a century after it."""
    k = dot
    while k > 0 and text[k - 1].isdigit():
        k -= 1
    if not 1 <= dot - k <= 3 or (k > 0 and not text[k - 1].isspace()):
        return False
    m = _NEXT_WORD.match(text, end, hi)
    if m is None:
        return False
    word = m.group(1).lower()
    if word in _ORDINAL_NEXT:
        return True
    if word in _ORDINAL_NEXT_AFTER_GERMAN:
        before = _WORD_BEFORE_NUMBER.search(text, max(0, k - 20), k)
        return before is not None and before.group(1).lower() in _GERMAN_BEFORE
    return False


_NEXT_WORD = re.compile(r"\s+(\w+)")
_WORD_BEFORE_NUMBER = re.compile(r"(\w+)\s+$")


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
        if punct[0] == "." and len(punct.rstrip(_CLOSERS)) == 1:
            if _is_abbreviation(text, m.start()) or _is_ordinal(text, m.start(), end, hi):
                continue
        if punct[-1] in "\u300d\u300f" and end < hi and _HIRAGANA.match(text, end):
            # 「...！」と話す: a quotation that the sentence goes on after.
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
    """(start, end) of each word (or lone punctuation mark) in `text`; never
    inside a character as it is seen: a letter and the combining marks after
    it (Vietnamese written decomposed, Arabic and Hebrew vowel signs), an
    emoji with its skin tone, variation selector or joined parts, a flag."""
    spans = [(m.start(), m.end()) for m in _WORD.finditer(text)]
    if text.isascii():
        return spans
    out: list[tuple[int, int]] = []
    n = len(text)
    for s, e in spans:
        if out and s < out[-1][1]:
            continue  # taken into the span before already
        if out and (_joins_previous(text, s) or _goes_on(text, out[-1], s)):
            # Part of the character the span before ends with, or the rest
            # of its word after a combining mark.
            s = out.pop()[0]
        elif _is_indicator(text[s]) and e < n and _is_indicator(text[e]):
            e += 1  # two regional indicators: one flag
        while e < n and _joins_previous(text, e):
            e += 1
            if text[e - 1] == "\u200d" and e < n:
                e += 1  # what a joiner joins
        out.append((s, e))
    return out


def _is_indicator(c: str) -> bool:
    return "\U0001f1e6" <= c <= "\U0001f1ff"


def _goes_on(text: str, before: tuple[int, int], s: int) -> bool:
    """Whether a word span at `s` goes on the word `before` ends with a
    combining mark ("O" and a circumflex, then "ng": one word, "\u00d4ng")."""
    a, b = before
    return (b == s and text[s].isalnum() and text[a].isalnum() and not _CJ_CHAR.match(text, s)
            and unicodedata.category(text[b - 1])[0] == "M")


def _joins_previous(text: str, i: int) -> bool:
    """Whether text[i] is part of the character text[i - 1] belongs to: a
    combining mark, a variation selector, a skin tone, a joiner or a tag."""
    if i <= 0 or i >= len(text):
        return False
    c = text[i]
    o = ord(c)
    if o == 0x200D or 0xFE00 <= o <= 0xFE0F or 0x1F3FB <= o <= 0x1F3FF or 0xE0020 <= o <= 0xE007F:
        return True
    return not c.isspace() and unicodedata.category(c)[0] == "M"

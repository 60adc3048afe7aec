"""Shallow features of each block of a page, for the folding model.

Features are named (a dict of name -> value per block), so the model's
weights file stays readable and features can be added without breaking old
weights. They are language-neutral where they can be: length counts CJK
characters, stopword density is measured against the page's own text (a page
in a language without a stopword list gets a neutral value, never a low one).
"""

from __future__ import annotations

import math
import re
from bisect import bisect_left
from collections import Counter
from functools import lru_cache
from operator import itemgetter

from reader.core.fold.rules import (
    BYLINE,
    COMMENTS,
    DONATION,
    NEWSLETTER,
    RELATED,
    SHARE,
    STRUCTURAL,
    hints_of,
    text_reason,
)
from reader.core.models import Block

_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]")
WORD = re.compile(r"\w+")
_DIGIT = re.compile(r"[0-9]")
_DIGITS = re.compile(r"\d+")
_TOKEN_SPLIT = re.compile(r"[^a-z]+")
_FIRST = itemgetter(0)
_TERMINAL = tuple('.!?:;"\'\u3002\uff01\uff1f\u201d\u2019)\u2026')
_SEPARATORS = re.compile(r"\s[|\u00b7\u2022/\u2013-]\s")

# Short lists of the commonest function words. Density is compared with the
# page's own prose, so a page in a language missing here is left neutral.
STOPWORDS = frozenset(
    """a about after all also an and any are as at be because been but by can could did do does for from had has
    have he her his how i if in into is it its just more most my no not of on one only or other our out over so
    some such than that the their them then there these they this to up was we were what when which who will
    with would you your
    aber als am an auch auf aus bei bin bis da damit dann das dass dem den der des die dies doch durch ein eine
    einem einen einer es für hat hatte ich ihr im in ist kann man mit nach nicht noch nur oder sich sie sind so
    um und uns vom von vor war was wenn werden wie wir wird zu zum zur über
    au aux avec ce ces dans de des du elle en est et il ils je la le les leur lui mais mes même ne nous on ou
    par pas pour qu que qui sa se ses son sont sur un une vous y été être
    al como con del el ella es esta este la las lo los más no para pero por que se sin sobre su sus una y
    ha il della delle di gli nel per più sono che anche
    ao com da das do dos em na nas no nos não os ou para pelo pela por que se um uma
    dat de een en het hij ik in is met niet op te van voor was zijn
    och att det en är som för med på av inte har jag
    в во не что он на я с со как а то все она так его но да ты к у же вы за бы по только ее мне было вот от
    меня еще нет о из ему теперь когда даже ну вдруг ли если уже или ни быть был него до вас нибудь опять уж
    вам ведь там потом себя ничего ей может они тут где есть надо ней для мы тебя их чем была сам чтобы без
    будто чего раз тоже себе под будет ж тогда кто этот того потому этого какой совсем ним здесь этом один
    почти мой тем чтобы нее сейчас были куда зачем всех никогда можно при наконец два об другой хоть после
    над больше тот через эти нас про всего них какая много разве три эту моя впрочем хорошо свою этой перед
    иногда лучше чуть том нельзя такой им более всегда конечно всю между это также""".split()
)
# Chinese function characters, counted per character.
_ZH_STOP = frozenset("的了是在和有我这他也不就人都一上中为们个对与及等而于但被把从到说要会着以")

_STRUCT_TAGS = ("nav", "header", "footer", "aside", "form", "article", "main", "section", "figure",
                "figcaption", "blockquote", "table", "li", "button", "label", "a", "h1", "h2", "h3", "dl")

_LEN_BINS = (1, 2, 3, 5, 8, 12, 20, 35, 60, 100)
_SECTION_REASONS = frozenset((COMMENTS, RELATED, NEWSLETTER, DONATION, BYLINE))
_TAIL_REASONS = frozenset((COMMENTS, RELATED))
_META_REASONS = frozenset((COMMENTS, BYLINE, SHARE))


_LEN_NAMES = [f"len{i}" for i in range(len(_LEN_BINS) + 1)]
# Per neighbour: its length-class names, then _none, _good, _ld, _pat.
_NEIGHBOURS = [
    (off, [f"{tag}_len{min(k, 8) // 2}" for k in range(len(_LEN_BINS) + 1)]
     + [f"{tag}_none", f"{tag}_good", f"{tag}_ld", f"{tag}_pat"])
    for off, tag in ((-1, "p1"), (1, "n1"), (-2, "p2"), (2, "n2"))
]


def length_bin(n: float) -> int:
    """The index of the first of _LEN_BINS that `n` does not exceed (len(_LEN_BINS) past the last)."""
    return bisect_left(_LEN_BINS, n)


class BlockStats:
    """Per-block numbers computed once and shared by the features and the rules."""

    __slots__ = ("words", "chars", "sw", "sents", "punct", "digits", "caps", "terminal", "link_density",
                 "links", "norm", "pattern", "good", "cjk")

    def __init__(self, block: Block, same: tuple) -> None:
        """`same`: the `_text_stats` of the block's text (a page reads a text
        it repeats once: see page_stats)."""
        text = block.text
        (chars, self.cjk, words, self.sw, self.caps, sents, punct, self.digits, terminal, norm,
         self.pattern) = same
        self.chars, self.words, self.sents, self.punct, self.terminal = chars, words, sents, punct, terminal
        # Long blocks are their own norm (see _text_stats).
        self.norm = text if norm is None else norm
        f = block.features
        if f:
            lc = f.get("link_chars", 0)
            link_density = self.link_density = min(1.0, lc / chars) if chars else 0.0
            self.links = f.get("link_count", 0)
        else:
            link_density = self.link_density = 0.0
            self.links = 0
        # Prose: long enough, punctuated, not mostly links.
        self.good = words >= 10 and link_density < 0.35 and (sents >= 1 or punct >= 2 or terminal)


def _text_stats(text: str) -> tuple:
    """The numbers of BlockStats that depend on a block's text alone: chars,
    cjk, words, sw, caps, sents, punct, digits, terminal, norm (None for a
    block that is its own norm) and pattern."""
    chars = len(text)
    tokens = text.split()
    cjk = len(_CJK.findall(text)) if not text.isascii() else 0
    n = len(tokens)
    words = n + cjk // 2 if cjk else n
    low = None  # the text in lower case, where its words are read
    if cjk > n:
        sw = sum(map(_ZH_STOP.__contains__, text)) / cjk
        caps = 0.0
        ws = None
    elif n:
        low = text.lower()
        ws = WORD.findall(low)
        sw = sum(map(STOPWORDS.__contains__, ws)) / n
        caps = sum(map(str.isupper, map(_FIRST, tokens))) / n
    else:
        ws = None
        sw = 0.0
        caps = 0.0
    ascii_text = not cjk and text.isascii()
    sents = (text.count(". ") + text.count("! ") + text.count("? ") + text.count('." ')
             + (0 if ascii_text else text.count("\u3002") + text.count("\uff01") + text.count("\uff1f"))
             + (1 if text[-1:] in ".!?" else 0))
    punct = text.count(",") + text.count(";") + text.count(":") + (
        0 if ascii_text else text.count("\uff0c") + text.count("\u3001") + text.count("\uff1b"))
    digits = len(_DIGIT.findall(text)) / max(1, chars)
    terminal = text.rstrip().endswith(_TERMINAL)
    # Short blocks by their words (for the title and repeats), long ones as they are.
    if n > 40:
        norm = None
    else:
        norm = " ".join(ws if ws is not None else WORD.findall(text.lower()))
    return (chars, cjk, words, sw, caps, sents, punct, digits, terminal, norm,
            text_reason(text, words, low))


def page_stats(blocks: list[Block]) -> list[BlockStats]:
    """The BlockStats of a page's blocks (a text the page repeats, such as a
    menu's, is read once)."""
    known: dict[str, tuple] = {}
    stats = []
    for b in blocks:
        text = b.text
        same = known.get(text)
        if same is None:
            same = known[text] = _text_stats(text)
        stats.append(BlockStats(b, same))
    return stats


def _core_span(stats: list[BlockStats]) -> tuple[int, int]:
    """The stretch of blocks richest in prose (maximum-sum subarray)."""
    best = cur = 0.0
    best_span = (0, 0)
    start = 0
    for i, s in enumerate(stats):
        v = min(s.words, 120) * (1.0 - 1.5 * s.link_density) - 8.0
        if s.good:
            v += 10.0
        if cur <= 0:
            cur, start = v, i
        else:
            cur += v
        if cur > best:
            best, best_span = cur, (start, i + 1)
    return best_span


#: Where a page keeps its furniture (see furniture_outside_story).
_FURNITURE_TAGS = frozenset(("nav", "header", "footer", "aside"))


def furniture_outside_story(blocks: list[Block], stats: list[BlockStats]) -> list[bool]:
    """HTML: the blocks of a <nav>, <header>, <footer> or <aside> that no
    <article>, <main> or story body holds, and that are not prose: the
    page's menus and link lists, which the model shows almost none of
    (0.3%). They are folded without it."""
    out = []
    for b, s in zip(blocks, stats):
        f = b.features
        marks = f.get("marks") if f else None
        out.append(marks is not None and not s.good and marks.article < 0 and marks.main < 0 and marks.body < 0
                   and any(tag in _FURNITURE_TAGS for tag, _tokens in f.get("stack", ())))
    return out


#: How many of a block's innermost elements make its shape (`block_shapes`).
SHAPE_DEPTHS = (2, 4)


def block_shapes(blocks: list[Block]) -> dict[str, list[float]]:
    """HTML: how often the page repeats each block's shape, as columns (a
    value per block) for the model's second stage.

    A block's shape is the tags and classes (digits aside) of its innermost
    two, and four, elements. "shape2_n" is log1p of how many other blocks
    share it, "shape2_par" log1p of how many other parent elements hold one:
    a story's paragraphs share one parent, a list of teasers or product
    cards repeats the same shape under parents of its own."""
    deepest = max(SHAPE_DEPTHS)
    # Blocks in the same innermost elements (a story's sibling paragraphs)
    # share their shape, made and numbered once; a shape's inner part is
    # numbered once per shape.
    made: dict[tuple, int] = {}
    numbers: dict[tuple, int] = {}
    shapes = []
    parents = []
    for b in blocks:
        f = b.features or {}
        tail = f.get("stack", ())[-deepest:]
        number = made.get(tail)
        if number is None:
            shape = tuple((tag, _DIGITS.sub("", tokens)) for tag, tokens in tail)
            number = made[tail] = numbers.setdefault(shape, len(numbers))
        shapes.append(number)
        path = f.get("path", ())
        parents.append(path[-2] if len(path) > 1 else -1)
    cols: dict[str, list[float]] = {}
    lg = math.log1p
    for depth in SHAPE_DEPTHS:
        if depth == deepest:
            keys = shapes
        else:
            inner: dict[tuple, int] = {}
            part = [inner.setdefault(shape[-depth:], len(inner)) for shape in numbers]
            keys = [part[k] for k in shapes]
        count = Counter(keys)
        under: dict[int, set[int]] = {}
        for key, parent in zip(keys, parents):
            held = under.get(key)
            if held is None:
                under[key] = {parent}
            else:
                held.add(parent)
        cols[f"shape{depth}_n"] = [lg(count[k] - 1) for k in keys]
        cols[f"shape{depth}_par"] = [lg(len(under[k]) - 1) for k in keys]
    return cols


#: The features of a block `furniture_outside_story` picks: only whether it
#: reads as the page's title (the headline may stand in the page's header).
_FURNITURE: dict[str, float] = {}
_FURNITURE_TITLE: dict[str, float] = {"is_title": 1.0}


def page_features(blocks: list[Block], fmt: str, vocab: frozenset[str] | None = None,
                  title: str | None = None, *,
                  furniture: list[bool] | None = None,
                  stats: list[BlockStats] | None = None) -> tuple[list[dict[str, float]], list[BlockStats]]:
    """Feature dicts for the blocks of one page, and the stats behind them
    (`stats`: the page's `page_stats`, when made already). `furniture`:
    blocks decided without the model (see furniture_outside_story), given
    no features but `is_title`."""
    if stats is None:
        stats = page_stats(blocks)
    n = len(blocks)
    if not n:
        return [], stats
    html = fmt == "html"

    # The page's prose register: the stopword density of its longer blocks.
    num = den = 0.0
    for s in stats:
        if s.words >= 12:
            num += s.sw * s.words
            den += s.words
    page_sw = num / den if den else 0.0
    sw_known = page_sw >= 0.08

    total_words = sum(s.words for s in stats) or 1
    counts = Counter(s.norm for s in stats)
    core_start, core_end = _core_span(stats)
    title_norm = " ".join(WORD.findall(title.lower())) if title else ""

    # HTML: how much of the page's prose sits under each element.
    share: dict[int, float] = {}
    good_total = 0.0
    if html:
        for b, s in zip(blocks, stats):
            if s.good:
                w = float(s.words)
                good_total += w
                for eid in (b.features or {}).get("path", ()):
                    share[eid] = share.get(eid, 0.0) + w
    good_total = good_total or 1.0
    # The element that most directly holds the prose (Readability's "top
    # candidate"): each prose block scores its parent fully, the elements
    # above it less and less.
    top = -1
    if html and share:
        cand: dict[int, float] = {}
        for b, s in zip(blocks, stats):
            if s.good:
                path = (b.features or {}).get("path", ())
                w = float(min(s.words, 100))
                for back, factor in ((2, 1.0), (3, 0.5), (4, 0.25)):
                    if len(path) >= back:
                        eid = path[-back]
                        cand[eid] = cand.get(eid, 0.0) + w * factor
        if cand:
            top = max(cand, key=cand.__getitem__)
    top_share = share.get(top, 0.0) / good_total if top >= 0 else 0.0

    # Cumulative words, to place each block in the page's text.
    cum = 0
    pos_words = []
    for s in stats:
        pos_words.append(cum)
        cum += s.words

    if html:
        html_page = _HtmlPage(share, good_total, vocab, top, top_share)
        contexts: dict[int, dict[str, float]] = {}
    # Plain text: runs of lines with no blank line between them (a menu, a
    # list, a form), and how long they are.
    run_len: list[int] = []
    if not html:
        start = 0
        for i in range(1, n + 1):
            if i == n or (blocks[i].features or {}).get("blank_before", True):
                run_len.extend([i - start] * (i - start))
                start = i
    # The section a block stands in, when a short line named it ("Comments",
    # "Related posts", "Sign up"), and how far back that line is.
    section: list[tuple[str, int]] = []
    current, since = "", 0
    for i, s in enumerate(stats):
        if s.pattern in _SECTION_REASONS and s.words <= 10:
            current, since = s.pattern, i
        elif s.good and current and i - since > 12:
            current = ""
        section.append((current, i - since))
    # Markers of the page's tail ("Comments", "Related posts") and how far
    # back the first of each kind stands: unlike the section above, this
    # does not end when prose follows (comments are prose).
    tail: list[tuple[str, int]] = []
    seen: dict[str, int] = {}
    half = n // 3
    for i, s in enumerate(stats):
        if s.pattern in _TAIL_REASONS and s.words <= 10 and i >= half and s.pattern not in seen:
            seen[s.pattern] = i
        tail.append(tuple(seen.items()) if seen else ())  # type: ignore[arg-type]
    # Date stamps, author lines and "Reply": dense in comments and teaser
    # lists, rare in a story.
    meta = [1 if s.pattern in _META_REASONS and s.words <= 12 else 0 for s in stats]
    meta_cum = [0]
    for m in meta:
        meta_cum.append(meta_cum[-1] + m)
    # HTML: elements whose class/id words repeat over the page (a comment,
    # a teaser card, a list of links), and how often.
    repeats: list[float] = []
    if html:
        # The six nearest elements of each block, each element once.
        near: dict[int, tuple[str, str]] = {}
        for b in blocks:
            feat = b.features or {}
            near.update(zip(feat.get("path", ())[-6:], feat.get("stack", ())[-6:]))
        sig = Counter(tag + " " + tokens for tag, tokens in near.values() if tokens)
        count = {eid: sig[tag + " " + tokens] if tokens else 1 for eid, (tag, tokens) in near.items()}
        for b in blocks:
            best = max(map(count.__getitem__, (b.features or {}).get("path", ())[-6:]), default=1)
            repeats.append(math.log1p(best - 1))
    bins = [length_bin(s.words) for s in stats]
    goods = [s.good for s in stats]
    good_cum = [0]
    for g in goods:
        good_cum.append(good_cum[-1] + g)
    feats: list[dict[str, float]] = []
    for i, (b, s) in enumerate(zip(blocks, stats)):
        words = s.words
        norm = s.norm
        titled = bool(title_norm and norm and words <= 40
                      and (norm == title_norm or (len(norm) > 15 and norm in title_norm)))
        if furniture is not None and furniture[i]:
            feats.append(_FURNITURE_TITLE if titled else _FURNITURE)
            continue
        # HTML: the features the block's parent and the elements above it
        # give all its children, which the block's own are added to.
        context = _context(b, html_page, contexts) if html else _NO_CONTEXT
        f: dict[str, float] = {
            **context,
            _LEN_NAMES[bins[i]]: 1.0,
            "loglen": math.log1p(words),
            "kind_" + b.kind: 1.0,
            "terminal": 1.0 if s.terminal else 0.0,
            "sents": min(s.sents, 5) / 5.0,
            "punct": min(s.punct / max(1, words), 0.5),
            "digits": s.digits,
            "caps": s.caps,
            "good": 1.0 if s.good else 0.0,
            "pos": pos_words[i] / total_words,
        }
        if b.kind == "heading":
            f["hlevel" + str(min(b.level, 4))] = 1.0
        if sw_known:
            rel = min(s.sw / page_sw, 2.0) if words >= 3 else 0.5
            f["sw_rel"] = rel
            if words >= 5 and rel < 0.35:
                f["sw_low"] = 1.0
        else:
            # A language with no stopword list here: neutral, like prose. No
            # feature says so: the model must not learn to fold a language.
            f["sw_rel"] = 1.0
        if s.pattern:
            f["pat_" + s.pattern] = 1.0
        if norm and counts[norm] > 1:
            f["dup"] = 1.0
        if titled:
            f["is_title"] = 1.0
        sec, dist = section[i]
        if sec and dist:
            f["sec_" + sec] = 1.0
            f["sec_dist"] = math.log1p(dist)
        for reason, at in tail[i]:
            if at < i:
                f["after_" + reason] = math.log1p(i - at)
        lo, hi = max(0, i - 4), min(n, i + 5)
        f["win_meta"] = (meta_cum[hi] - meta_cum[lo]) / (hi - lo)
        if html:
            f["repeat"] = repeats[i]
        # Position against the prose core.
        if i < core_start:
            f["before_core"] = 1.0
            f["dist_core"] = math.log1p(core_start - i)
        elif i >= core_end:
            f["after_core"] = 1.0
            f["dist_core"] = math.log1p(i - core_end + 1)
        else:
            f["in_core"] = 1.0
        if i == 0:
            f["first"] = 1.0
        if i == n - 1:
            f["last"] = 1.0
        # Neighbours.
        for off, names in _NEIGHBOURS:
            j = i + off
            if 0 <= j < n:
                t = stats[j]
                f[names[bins[j]]] = 1.0
                if t.good:
                    f[names[-3]] = 1.0
                if html:
                    f[names[-2]] = t.link_density
                if t.pattern:
                    f[names[-1]] = 1.0
            else:
                f[names[-4]] = 1.0
        # Prose in a window of five blocks either side.
        lo, hi = max(0, i - 5), min(n, i + 6)
        f["win_good"] = (good_cum[hi] - good_cum[lo]) / (hi - lo)
        if html:
            _html_features(f, b, s, context, html_page)
        else:
            _text_features(f, b, s)
            f["run" + str(length_bin(run_len[i]))] = 1.0
        feats.append(f)
    return feats, stats


class _HtmlPage:
    """What the HTML features of one page's blocks read of the whole page."""

    __slots__ = ("share", "good_total", "vocab", "top", "top_share", "cache")

    def __init__(self, share: dict[int, float], good_total: float, vocab: frozenset[str] | None, top: int,
                 top_share: float) -> None:
        self.share = share  # each element's words of prose
        self.good_total = good_total
        self.vocab = vocab
        self.top = top  # the element that most directly holds the prose, or -1
        self.top_share = top_share
        self.cache: dict = {}  # see _ancestors, _named and _element_words


_NO_CONTEXT: dict[str, float] = {}


def _context(b: Block, page: _HtmlPage, contexts: dict[int, dict[str, float]]) -> dict[str, float]:
    """The features the elements above a block's own give it: those of its
    ancestors (see _ancestors), the class/id words of the two nearest, their
    shares of the page's prose, and where they stand to the top candidate.
    The same for all the children of one element: made once per parent, and
    never changed."""
    feat = b.features or {}
    stack = feat.get("stack", ())
    path = feat.get("path", ())
    depth = len(path)
    if depth < 2 or depth != len(stack):
        return _NO_CONTEXT
    parent = path[-2]
    d = contexts.get(parent)
    if d is not None:
        return d
    share, good_total, vocab, cache = page.share, page.good_total, page.vocab, page.cache
    d = dict(_ancestors(stack, path, depth - 2, share, good_total, vocab, cache))
    # With the block's own element, the three nearest.
    for k in range(max(0, depth - 3), depth - 1):
        tokens = stack[k][1]
        if tokens:
            d.update(_named(tokens, vocab, cache, "n"))
    for back, name in ((2, "sh2"), (3, "sh3"), (5, "sh5"), (8, "sh8")):
        if depth >= back:
            d[name] = share.get(path[-back], 0.0) / good_total
    top = page.top
    if top >= 0 and top in path[:-1]:
        d["in_top"] = 1.0
        d["in_top_share"] = page.top_share
        # Furniture nested inside the article's own container.
        for _tag, tokens in stack[path.index(top) + 1:-1]:
            for r in _element_words(tokens, vocab, cache)[0]:
                d["below_top_" + r] = 1.0
    contexts[parent] = d
    return d


def _html_features(f: dict[str, float], b: Block, s: BlockStats, context: dict[str, float],
                   page: _HtmlPage) -> None:
    """The HTML features of a block's own element, added to `f`, which holds
    `context` (see _context) already."""
    feat = b.features or {}
    f["ld"] = s.link_density
    f["ld_high"] = float(s.link_density > 0.6)
    f["links"] = min(s.links, 10) / 10.0
    f["tag_" + str(feat.get("tag", "?"))] = 1.0
    stack = feat.get("stack", ())
    path = feat.get("path", ())
    depth = len(stack)
    f["depth"] = min(depth, 40) / 40.0
    top = page.top
    if not path or len(path) != depth:
        if top >= 0:
            _top_features(f, stack, path, page)
        return
    # The block's own element, as _ancestors and the nearest elements read it.
    share, vocab, cache = page.share, page.vocab, page.cache
    tag, tokens = stack[-1]
    v = share.get(path[-1], 0.0) / page.good_total
    _element_features(f, tag, tokens, v, vocab, cache)
    if tokens:
        f.update(_named(tokens, vocab, cache, "n"))
    f["sh1"] = v
    if top >= 0:
        if "in_top" in context:
            # Below the top candidate: the own element is nested in it too.
            for r in _element_words(tokens, vocab, cache)[0]:
                f["below_top_" + r] = 1.0
        elif top == path[-1]:
            f["in_top"] = 1.0
            f["in_top_share"] = page.top_share
        else:
            f["out_top"] = 1.0


def _element_features(d: dict[str, float], tag: str, tokens: str, share: float, vocab: frozenset[str] | None,
                      cache: dict) -> None:
    """What one element says of the blocks in it, added to `d` (over what
    its ancestors said): its tag, its class/id words, and (`share`: its part
    of the page's prose) whether it still holds half of the prose."""
    if tag in _STRUCT_TAGS:
        d["in_" + tag] = 1.0
        reason = STRUCTURAL.get(tag)
        if reason:
            d["struct_" + reason] = 1.0
    if tokens:
        d.update(_named(tokens, vocab, cache, ""))
    if share >= 0.5:
        # The deepest ancestor still holding half of the page's prose.
        d["deep_half"] = share


def _top_features(f: dict[str, float], stack: tuple, path: tuple, page: _HtmlPage) -> None:
    """Where a block stands to the top candidate, read from its whole path."""
    top = page.top
    if top in path:
        f["in_top"] = 1.0
        f["in_top_share"] = page.top_share
        for _tag, tokens in stack[path.index(top) + 1:]:
            for r in _element_words(tokens, page.vocab, page.cache)[0]:
                f["below_top_" + r] = 1.0
    else:
        f["out_top"] = 1.0


def _element_words(tokens: str, vocab: frozenset[str] | None, cache: dict) -> tuple[tuple[str, ...], tuple[str, ...]]:
    if not tokens:
        return (), ()
    known = cache.get(tokens)
    if known is None:
        known = cache[tokens] = _words_of(tokens, vocab)
    return known


def _named(tokens: str, vocab: frozenset[str] | None, cache: dict, near: str) -> dict[str, float]:
    """The hint_ and cls_ features one element's class/id words give (with
    `near` "n", those of one of the three nearest elements), once per page."""
    key = (near, tokens)
    known = cache.get(key)
    if known is None:
        reasons, words = _element_words(tokens, vocab, cache)
        known = cache[key] = {**{f"{near}hint_{r}": 1.0 for r in reasons}, **{f"{near}cls_{w}": 1.0 for w in words}}
    return known


@lru_cache(maxsize=32768)
def _words_of(tokens: str, vocab: frozenset[str] | None) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The hints and the model's words in one element's class/id words
    (elements of one site's pages share them: kept across pages)."""
    return hints_of(tokens), tuple(vocab.intersection(_TOKEN_SPLIT.split(tokens))) if vocab else ()


def _ancestors(stack: tuple, path: tuple, k: int, share: dict[int, float], good_total: float,
               vocab: frozenset[str] | None, cache: dict) -> dict[str, float]:
    """Features from elements 0..k of a block's ancestry (memoised by element)."""
    eid = path[k]
    key = ("el", eid)
    known = cache.get(key)
    if known is not None:
        return known
    # Walk up to the nearest element already known, then down again.
    j = k
    while j > 0 and ("el", path[j - 1]) not in cache:
        j -= 1
    base = cache.get(("el", path[j - 1])) if j > 0 else {}
    for m in range(j, k + 1):
        d = dict(base)
        tag, tokens = stack[m]
        _element_features(d, tag, tokens, share.get(path[m], 0.0) / good_total, vocab, cache)
        cache[("el", path[m])] = d
        base = d
    return base


def _text_features(f: dict[str, float], b: Block, s: BlockStats) -> None:
    text = b.text
    feat = b.features or {}
    before, after = feat.get("blank_before", True), feat.get("blank_after", True)
    f["blank_before"] = float(before)
    f["blank_after"] = float(after)
    if before and after:
        f["isolated"] = 1.0
    if b.kind == "list_item":
        f["bullet"] = 1.0
    if len(text) > 2 and text[1] == " " and text[0] in "o+-*>":
        f["bullet2"] = 1.0
    if s.words <= 20 and _SEPARATORS.search(text):
        f["separators"] = 1.0
    if text.isupper() and s.words <= 8:
        f["allcaps"] = 1.0


def class_tokens(blocks: list[Block]) -> set[str]:
    """The class/id words around a page's blocks (for building a vocabulary)."""
    out: set[str] = set()
    for b in blocks:
        for _tag, tokens in (b.features or {}).get("stack", ()):
            if tokens:
                out.update(w for w in _TOKEN_SPLIT.split(tokens) if 2 <= len(w) <= 20)
    return out

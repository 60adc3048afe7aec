"""Boilerplate folding: label every block content or boilerplate, with a reason.

Nothing is ever removed: a folded block is kept and shown again on request.
Three layers decide, the later overriding the earlier:

1. `fold_blocks` - what the page itself says, at import time: a small learned
   model (`model.py`, over the features of `features.py`: length, punctuation,
   stopwords measured against the page's own prose, links, the class/id words
   and the prose container around a block, its neighbours) scores each block,
   and the patterns of `rules.py` fold unmistakable furniture ("Share",
   "Advertisement", a sign-up box) and name the reason of every fold;
2. repetition - a block that stands in several articles of the same site is
   template ("repeated on N articles from <site>");
3. the user's rules - "fold this on <site>" / "show this on <site>".

Layers 2 and 3 are applied by `effective_labels` whenever an article is shown,
so they never go stale.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from dataclasses import dataclass
from itertools import accumulate
from typing import TYPE_CHECKING

from reader.core.models import Article, Block

if TYPE_CHECKING:
    from reader.core.store import Archive

from reader.core.fold.rules import (  # noqa: E402  (the reasons, re-exported)
    ADVERT,
    BREADCRUMBS,
    MENU_LINE,
    MENU_OF_NAMES,
    BYLINE,
    COMMENTS,
    COOKIE,
    CREDIT,
    DATE,
    DONATION,
    FINE_PRINT,
    IMAGE,
    LEGAL,
    MARKED,
    NAVIGATION,
    NEWSLETTER,
    RELATED,
    REPEATED,
    SHARE,
    TEXT_PATTERNS,
    TITLE,
    comment_header,
    html_reason,
    listed_reason,
    text_reason,
    trail_end,
)

__all__ = [
    "ADVERT", "BYLINE", "COMMENTS", "COOKIE", "CREDIT", "DONATION", "IMAGE", "LEGAL", "MARKED", "NAVIGATION",
    "NEWSLETTER", "RELATED", "REPEATED", "SHARE", "TITLE", "FoldRun", "Label", "block_key", "effective_labels",
    "fold_blocks", "fold_runs", "give_title", "labels_in_archive", "repeated_reason", "text_reason",
]


def repeated_reason(count: int, site: str) -> str:
    return f"repeated on {count} articles from {site}"


_REPEATED_ON = re.compile(r"repeated on (\d+) articles from (.+)")


# ------------------------------------------------------------ the page itself

#: Furniture whose words are unmistakable in a short block ("Share",
#: "Advertisement", "Sign up for our newsletter"): such a block is folded
#: whatever the model says, if it has at most this many words.
_SURE = {SHARE: 6, ADVERT: 6, COOKIE: 60, NAVIGATION: 3, CREDIT: 8, NEWSLETTER: 12, DONATION: 12,
         COMMENTS: 8, RELATED: 6, LEGAL: 12}
#: A page's copyright line (not a sentence about copyright), or its note
#: on the commission it earns from links.
_COPYRIGHT_LINE = re.compile(
    r"^(©|\(c\)\s*\d{4}|copyright\s*(©|\(c\)|\d{4}))|\ball rights reserved\b"
    r"|\b(we|i|this site|the site) (may|might|will|could)? ?(earn|receive|get) (a )?(small |affiliate )?"
    r"(commission|compensation)", re.I)
#: An audio player's controls ("Listen · 3:51 3:51").
_PLAYER = re.compile(r"^listen\b\W*(\d{1,2}:\d{2}(:\d{2})?\W*)+$", re.I)
#: Longer furniture that is as sure when it reads like this (pattern, most
#: words): a sign-up form's small print, a copyright line, a note on
#: affiliate links, an audio player's controls, a breadcrumb trail, a
#: one-line menu of names.
_SURE_LONGER = {NEWSLETTER: ((FINE_PRINT, 60),), LEGAL: ((_COPYRIGHT_LINE, 40),),
                NAVIGATION: ((_PLAYER, 8), (BREADCRUMBS, 30), (MENU_OF_NAMES, 30))}
#: Furniture whose pattern finds its words anywhere in a block (not a whole
#: line that reads as nothing else, as "Share" or "Read more" does).
_WORDED = {reason: pattern for reason, pattern, _longest in TEXT_PATTERNS
           if reason in (COOKIE, NEWSLETTER, DONATION, LEGAL, CREDIT)}
_SENTENCE_END = re.compile("[.!?][\"'\u201d\u2019)]?\\s*$")
#: A credit that names what it credits (not only an agency, as a sentence may).
_CREDITED = re.compile(r"\b(photo|image|picture|illustration|graphic)s?\b|\bcredit|\bcourtesy|\bsource:", re.I)


def _in_passing(text: str, s) -> bool:  # noqa: ANN001 - BlockStats
    """A sentence of prose (four words or more, a capital or a digit first,
    a full stop, ! or ? last, few links) that names furniture's words only
    after its start and reads as no copyright line or sign-up small print,
    or names a news agency but credits no picture: "The EPA declined to
    comment.", "Reuters could not verify the figures."."""
    pattern = _WORDED.get(s.pattern)
    if pattern is None or s.words < 4 or s.link_density >= 0.3 or not _SENTENCE_END.search(text):
        return False
    head = text.lstrip("\"'\u201c\u2018(")[:1]
    if not (head.isupper() or head.isdigit()):
        return False
    if s.pattern == CREDIT:
        # An agency named in a sentence ("Reuters could not verify the figures.").
        return not _CREDITED.search(text)
    m = pattern.search(text)
    return m is not None and m.start() > 0 and not _COPYRIGHT_LINE.search(text) and not FINE_PRINT.search(text)


#: Appeals that run over several blocks, between two blocks that name them.
_APPEALS = (DONATION, NEWSLETTER)
#: The most short lines between two folded blocks that fold with them.
_STRAY_RUN = 3


def fold_blocks(blocks: list[Block], fmt: str, title: str | None = None) -> None:
    """Label each block in place: `boilerplate` and a `reason` when folded.

    `fmt` is the source format ("html", "text" or "markdown"); `title` the
    page's own title when it has one (HTML), which helps find the headline.
    """
    if not blocks:
        return
    from reader.core.fold.features import block_shapes, furniture_outside_story, page_features, page_stats
    from reader.core.fold.model import model_for

    model = model_for("html" if fmt == "html" else "text")
    if fmt == "markdown" or model is None:
        # A Markdown file is written, not saved from a page: only the
        # unmistakable furniture is folded, and a first heading that repeats
        # the title of its front matter (shown above).
        for block, s in zip(blocks, page_stats(blocks)):
            reason = s.pattern if s.words <= 12 else ""
            block.boilerplate = bool(reason) and s.words <= _SURE.get(reason, 0) and not _in_passing(block.text, s)
            block.reason = reason if block.boilerplate else ""
        head = next((b for b in blocks if not b.boilerplate), None)
        if title and head is not None and head.kind == "heading" and block_key(head.text) == block_key(title):
            head.boilerplate, head.reason = True, TITLE
        return
    stats = page_stats(blocks)
    furniture = furniture_outside_story(blocks, stats) if fmt == "html" else None
    feats, stats = page_features(blocks, fmt, model.vocab, title, furniture=furniture, stats=stats)
    paths = [(b.features or {}).get("path", ()) for b in blocks] if fmt == "html" else None
    shapes = block_shapes(blocks) if fmt == "html" and model.shaped else None
    keep = model.keep(feats, [s.words for s in stats], paths, furniture, shapes)
    fold, headline, inherited = decide(blocks, feats, stats, keep, fmt)
    last = next((i for i in range(len(blocks) - 1, -1, -1) if not fold[i]), -1)
    previous = ""
    for i, (block, s) in enumerate(zip(blocks, stats)):
        if not fold[i]:
            block.boilerplate, block.reason = False, ""
            previous = ""
            continue
        block.boilerplate = True
        if i == headline:
            block.reason = TITLE
        else:
            block.reason = _reason(block, inherited.get(i) or s.pattern, fmt, previous, after=i > last)
        previous = block.reason


def decide(blocks: list[Block], feats: list[dict[str, float]], stats: list, keep: list[bool],  # noqa: ANN001
           fmt: str) -> tuple[list[bool], int, dict[int, str]]:
    """The model's decisions with the rules on top: which blocks fold, the
    headline's index (or -1), and the reasons blocks inside an appeal take
    from it."""
    n = len(blocks)
    fold = [not k for k in keep]
    # A section heading of the story shown, the prose paragraph under it
    # folded: the paragraph goes with its heading (a story's last section
    # often sits outside the element that holds the rest).
    for i in range(n - 1):
        if (fold[i + 1] and not fold[i] and blocks[i].kind == "heading" and blocks[i + 1].kind == "paragraph"
                and stats[i + 1].good and not stats[i + 1].pattern and not stats[i].pattern):
            fold[i + 1] = False
    for i, s in enumerate(stats):
        limit = _SURE.get(s.pattern)
        if limit is None or (not fold[i] and _in_passing(blocks[i].text, s)):
            # A sentence the model shows that only names the furniture's
            # words ("The EPA declined to comment.", "Let the cookies cool")
            # is the story's.
            continue
        if (s.words <= limit or (s.words <= 30 and listed_reason(blocks[i].text))
                or any(s.words <= most and pattern.search(blocks[i].text)
                       for pattern, most in _SURE_LONGER.get(s.pattern, ()))):
            # Short furniture, a row of it on one line ("Share | Tweet |
            # Email"), or a longer line only furniture reads like.
            fold[i] = True
    inherited = _fold_appeals(fold, stats)
    _fold_strays(fold, stats)
    inherited.update(_fold_comment_threads(blocks, stats, fold))
    if fmt == "html":
        marks_of = [(b.features or {}).get("marks") for b in blocks]
        for i, block in enumerate(blocks):
            if fold[i]:
                continue
            marks = marks_of[i]
            if marks is not None and marks.page_footer:
                # Under the page's own <footer> (an article's may carry its notes).
                fold[i] = True
            elif stats[i].words <= _CRUMB_WORDS and _named(block, _BREADCRUMB, 4):
                # A breadcrumb trail ("Home > News > Science"), its last
                # step often the headline again.
                fold[i] = True
            elif stats[i].words <= _AD_WORDS and _named(block, _AD_SLOT, 3):
                # An advertisement's copy, in the slot named for it.
                fold[i] = True
                inherited[i] = ADVERT
        _fold_outside_the_article(marks_of, stats, fold)
    if fmt == "text" and n <= _SHORT_DOCUMENT:
        # A text of a few blocks (an excerpt, a pasted passage) has no page's
        # furniture around it, and the model, which learnt from whole pages,
        # has too little to go on: what names no furniture shows, sentences
        # however short, and a first line (its headline, most likely).
        # (A short HTML page has its structure to tell: its footer, what
        # stands outside its article.)
        for i, s in enumerate(stats):
            if not s.pattern and (s.good or s.terminal or s.sents or (i == 0 and s.words <= 15)):
                fold[i] = False
    elif not any(s.good and not f for s, f in zip(stats, fold)):
        # Every paragraph of prose folded: the reader would open an empty
        # page. The prose that names no furniture is the story after all.
        for i, s in enumerate(stats):
            if s.good and not s.pattern:
                fold[i] = False
    _show_code_in_the_story(blocks, stats, fold)
    first = next((i for i in range(n) if not fold[i]), n)
    headline = _headline(blocks, feats, stats, fold, first, fmt)
    if headline >= 0:
        # The headline is shown as the article's title: folded, it is not
        # read twice.
        fold[headline] = True
        inherited.update(_fold_masthead(blocks, stats, fold, headline))
    inherited.update(_fold_author_bios(blocks, stats, fold))
    for i, block in enumerate(blocks):
        if block.text.startswith("<") and _EMBED_CODE.match(block.text):
            # A player's or a post's embed code, printed for copying (named
            # so even when it folded with the menu around it).
            fold[i] = True
            inherited[i] = SHARE
        elif block.kind in _FIGURE_KINDS and _of_a_figure(block):
            # An image's description and a figure's caption: the terminal
            # shows no image, and the story reads on without them.
            fold[i] = True
        elif fold[i]:
            continue
        elif stats[i].words <= _CTA_WORDS and _CALL_TO_ACTION.search(block.text):
            fold[i] = True
            inherited[i] = ADVERT
        elif stats[i].words <= _COOKIE_WORDS and _COOKIE_NOTICE.match(block.text):
            # A consent banner's whole text, however long it runs.
            fold[i] = True
            inherited[i] = COOKIE
    inherited.update(_fold_second_copies(blocks, stats, fold))
    return fold, headline, inherited


def _show_code_in_the_story(blocks: list[Block], stats: list, fold: list[bool]) -> None:  # noqa: ANN001
    """A code block between two paragraphs of prose the page shows is the
    story's (a listing it explains), whatever the model made of it."""
    prose = [i for i, (s, f) in enumerate(zip(stats, fold)) if s.good and not f]
    if len(prose) < 2:
        return
    for i in range(prose[0] + 1, prose[-1]):
        if fold[i] and blocks[i].kind == "code" and not stats[i].pattern:
            fold[i] = False


#: The most blocks of a text too short to be a whole page copied with its furniture.
_SHORT_DOCUMENT = 8

#: How far below the headline (in blocks) its date and byline may stand,
#: and how many words a line of them has at most.
_MASTHEAD = 12
_MASTHEAD_LINE = 8
#: "By" on a line of its own, the author's name on the next.
_BY = frozenset(("by", "von", "par", "por", "door", "av", "di", "автор"))
_EMBED_CODE = re.compile(r"<(iframe|script|embed|object|video|audio)\b[^>]*>", re.I)
#: A short line that ends by asking the reader to buy, try or sign up:
#: the page's promotion ("Ready to simplify your nutrition? Get started today.").
_CALL_TO_ACTION = re.compile(
    r"(^|[.!?]\s+)(get started|learn more|start (your|a) free trial|try (it )?(for )?free"
    r"|book a (demo|call|consultation)|request a (demo|quote)|sign up (now|today|for free)|download (it )?now"
    r"|shop now|buy now|order now|get (it|yours|a quote)|schedule a (demo|call|consultation))"
    r"( here| today| now| for free)?[.!]*\s*[›»→]?$", re.I)
_CTA_WORDS = 20
#: A cookie consent banner's text ("This website uses cookies to improve
#: your experience while you navigate ...").
_COOKIE_NOTICE = re.compile(
    r"^(this (web)?site|we|our (web)?site) (uses?|may use) cookies\b.*"
    r"\b(experience|consent|accept|brows|analytic|preferences|privacy|personali[sz]e|traffic|settings)", re.I | re.S)
_COOKIE_WORDS = 150


#: A note on the author: a name, then what they are ("Jane Roe is a
#: freelance writer who ...", "Kelia Losa is a content writer at ...").
_AUTHOR_BIO = re.compile(
    r"^([A-Z][\w'’.-]*\s+){1,4}(is|was|has been|works as)\s+(a|an|the)?\s*([\w-]+,?\s+){0,5}?"
    r"(writer|journalist|reporter|author|columnist|correspondent|blogger|copywriter|content (writer|strategist"
    r"|specialist|manager|marketer|creator)|freelancer|founder|co-founder|ceo|director)\b"
    # A blogger's greeting: "Hi, I'm Jessica! Welcome to ..."
    r"|^(Hi|Hey|Hello)( there)?[,!.]*\s+(I[’']m|I am)\s+[A-Z]")
#: Of the story's words shown, how many must stand above a note on the author.
_BIO_AFTER = 0.7


def _fold_author_bios(blocks: list[Block], stats: list, fold: list[bool]) -> dict[int, str]:  # noqa: ANN001
    """A note on the author under the story (who wrote it and what they do).
    Returns the reasons of the blocks it folds."""
    shown = [s.words if not f and s.good else 0 for s, f in zip(stats, fold)]
    total = sum(shown)
    taken: dict[int, str] = {}
    if not total:
        return taken
    # The first block with enough of the story above it.
    need = _BIO_AFTER * total
    start = next(i for i, above in enumerate(accumulate(shown, initial=0)) if above >= need)
    for i in range(start, len(blocks)):
        if not fold[i] and 12 <= stats[i].words <= 120 and _AUTHOR_BIO.match(blocks[i].text):
            fold[i] = True
            taken[i] = BYLINE
    return taken


def _fold_masthead(blocks: list[Block], stats: list, fold: list[bool], headline: int) -> dict[int, str]:  # noqa: ANN001
    """What stands around the headline: the section's name just above it
    ("Education"); below it, before the story's first paragraph, another
    copy of the headline (an audio player's title, say) and, when a date or
    a byline is among them, the short lines down to the one after the last
    of them ("Heard on All Things Considered", "By", the author's name).
    Returns the reasons of the blocks it folds."""
    n = len(stats)
    start = next((i for i in range(headline + 1, n) if not fold[i] and stats[i].good), n)
    window = [i for i in range(headline + 1, min(start, headline + 1 + _MASTHEAD)) if not fold[i]]
    taken: dict[int, str] = {}
    for i in window:
        if stats[i].norm == stats[headline].norm:
            fold[i] = True
            taken[i] = TITLE
    # The section's name just above the headline ("Education").
    k = headline - 1
    if k >= 0 and not fold[k] and stats[k].words <= 2 and not stats[k].terminal and not stats[k].cjk:
        fold[k] = True
        taken[k] = NAVIGATION
    taken.update(_fold_teaser(blocks, fold, headline))
    window = [i for i in window if not fold[i]]
    marks = [i for i in window if stats[i].pattern == BYLINE or stats[i].norm in _BY]
    for i in window:
        if marks and i <= marks[-1] + 1 and stats[i].words <= _MASTHEAD_LINE and not stats[i].terminal \
                and blocks[i].kind != "heading":
            fold[i] = True
            taken[i] = BYLINE
    return taken


def _fold_teaser(blocks: list[Block], fold: list[bool], headline: int) -> dict[int, str]:
    """A teaser above the headline: the headline again, run on with a line
    the page shows below it (its summary), as a player's or a share card's
    text. Returns the reasons of the blocks it folds."""
    from reader.core.fold.features import WORD

    head = WORD.findall(blocks[headline].text.lower())
    if len(head) < 4:
        return {}
    below: list[str] | None = None  # the lines below, once a line above starts with the headline
    taken: dict[int, str] = {}
    for k in range(max(0, headline - _MASTHEAD), headline):
        if fold[k]:
            continue
        words = WORD.findall(blocks[k].text.lower())
        if len(words) <= len(head) or words[: len(head)] != head:
            continue
        if below is None:
            below = [" ".join(WORD.findall(blocks[j].text.lower()))
                     for j in range(headline + 1, min(len(blocks), headline + 1 + 3 * _MASTHEAD)) if not fold[j]]
        rest = " ".join(words[len(head):])
        if any(f" {rest} " in f" {line} " for line in below):
            fold[k] = True
            taken[k] = TITLE
    return taken


def _fold_appeals(fold: list[bool], stats: list) -> dict[int, str]:  # noqa: ANN001
    """An appeal or sign-up box spans several blocks: its heading names it,
    its last line ("Not ready to support today?") often does too. Fold what
    lies between two such blocks, in the second half of the page; returns the
    reason each block so folded takes from the box."""
    inherited: dict[int, str] = {}
    named = [i for i, s in enumerate(stats) if s.pattern in _APPEALS]
    half = len(stats) // 2
    marks = [i for i in named if fold[i]]
    for a, b in zip(marks, marks[1:]):
        if stats[a].pattern == stats[b].pattern and 1 < b - a <= 14 and a >= half:
            for k in range(a + 1, b):
                if not fold[k]:
                    fold[k] = True
                    if not stats[k].pattern:
                        inherited[k] = stats[a].pattern
    # The body of a sign-up box or an appeal: a paragraph that names the same
    # thing as the folded block just above it.
    for i in named:
        if i and not fold[i] and fold[i - 1] and stats[i].pattern == stats[i - 1].pattern and stats[i].words <= 40:
            fold[i] = True
    return inherited


def _fold_strays(fold: list[bool], stats: list) -> None:  # noqa: ANN001
    """Short lines caught between two folded blocks: a menu's stray items
    ("Toggle more options", "Download", "Embed"), up to three in a row."""
    n = len(stats)
    i = 1
    while i < n - 1:
        if fold[i] or not fold[i - 1]:
            i += 1
            continue
        j = i
        while j < n and j - i < _STRAY_RUN and not fold[j] and stats[j].words <= 3 and not stats[j].terminal:
            j += 1
        # A lone line of three words may be a short story line: it takes two.
        if j > i and j < n and fold[j] and (j - i > 1 or stats[i].words <= 2):
            for k in range(i, j):
                fold[k] = True
        i = max(j, i + 1)


#: Comment headers further apart than this (in blocks) are two threads.
_THREAD_GAP = 20
#: A thread's last comment: at most this many blocks after its header.
_LAST_COMMENT = 6
#: Words of prose that stand before a thread: comments follow a story.
_STORY_FIRST = 150
#: What the lines of a thread look like on their own: named as its comments.
_IN_A_THREAD = ("", BYLINE, RELATED, COMMENTS, NAVIGATION)


def _fold_comment_threads(blocks: list[Block], stats: list, fold: list[bool]) -> dict[int, str]:  # noqa: ANN001
    """A reader's comments under the story: three or more comment headers
    (who wrote it, when, "Reply") close together, with the comments' own
    text between them, after the story's prose. A list of related links also
    carries bylines and dates, but its items are headlines, not prose:
    without a comment's text between the headers it is no thread. Returns
    the blocks it folds or names, each with the reason "comments"."""
    n = len(blocks)
    # A thread starts after _STORY_FIRST words of prose: the headers are
    # looked for from the block they are reached at (`begin`) on.
    prose = 0
    begin = n
    for i, (s, f) in enumerate(zip(stats, fold)):
        if prose >= _STORY_FIRST:
            begin = i
            break
        if not f and s.words >= 8:
            prose += s.words
    heads = [i for i in range(begin, n) if comment_header(blocks[i].text, stats[i].words)]
    runs: list[list[int]] = []
    for i in heads:
        if runs and i - runs[-1][-1] <= _THREAD_GAP:
            runs[-1].append(i)
        else:
            runs.append([i])
    if runs and any(comment_header(blocks[i].text, stats[i].words)
                    for i in range(max(0, runs[0][0] - _THREAD_GAP), begin)):
        # The first run goes on from a header above `begin`: the thread it
        # belongs to starts too early.
        del runs[0]
    taken: dict[int, str] = {}
    for run in runs:
        if len(run) < 3:
            continue
        bodies = sum(1 for a, b in zip(run, run[1:]) if any(not fold[k] or stats[k].good for k in range(a + 1, b)))
        if bodies < 2:
            continue
        start = run[0]
        prose = sum(s.words for s, f in zip(stats[:start], fold[:start]) if not f and s.words >= 8)
        if prose < _STORY_FIRST:
            continue
        # Where the thread begins: its heading ("59 Comments on ..."), else
        # the commenter's name on the line above the first header.
        marks = [k for k in range(max(0, run[0] - 3), run[1]) if stats[k].pattern == COMMENTS]
        if marks:
            start = marks[0]
        elif (start > 0 and not fold[start - 1] and stats[start - 1].words <= 4
              and not blocks[start - 1].text.rstrip().endswith((".", "!", "?", ":"))):
            start -= 1
        end = run[-1] + 1
        while end < n and not fold[end] and end - run[-1] <= _LAST_COMMENT:
            end += 1
        for k in range(start, end):
            if not fold[k] or stats[k].pattern in _IN_A_THREAD:
                fold[k] = True
                taken[k] = COMMENTS
    return taken


def _headline(blocks: list[Block], feats: list[dict[str, float]], stats: list, fold: list[bool],  # noqa: ANN001
              first: int, fmt: str) -> int:
    """The index of the page's own headline, or -1: the heading that repeats
    the page's title, else (HTML) its first <h1>, else (text) the line before
    the story that reads most like a headline; only when it stands at the
    start of the article."""
    candidates = [i for i, f in enumerate(feats) if f.get("is_title")]
    if not candidates and fmt == "html":
        candidates = [i for i, b in enumerate(blocks) if b.kind == "heading" and b.level == 1][:1]
    if not candidates and fmt == "text":
        return _text_headline(blocks, stats, fold)
    for i in candidates:
        if i <= first + 2 and stats[i].words <= 30 and "\n" not in blocks[i].text:
            return i
    return -1


#: Lines that are never a headline: bylines and dates, and the page's own
#: furniture ("Skip to content", "Table of contents", "Recommended: ...").
_NOT_HEADLINE = re.compile(
    rf"^(by|von|par|por)\b|^(posted|published|updated|written|last updated|on)\b|{DATE}"
    r"|^(about\s+)?(\d+|an?|one)\s+(seconds?|minutes?|mins?|hours?|days?|weeks?|months?|years?)\s+ago\b"
    r"|^(skip to|jump to|table of contents|contents|in this (section|article)|on this page|recommended|related"
    r"|read more|read next|see also|sign (in|up)|log ?in|subscribe|never miss|why trust|advertis|sponsored|menu"
    r"|search|share|follow us|you may also like|most popular|trending)\b",
    re.I,
)
_CRUMB = re.compile(r"[»›>/|]")
#: Bylines the furniture patterns leave to the model ("Recipe by PJ Hamel",
#: "Fact checked by ...", a lone "By" over the authors' names): never the
#: headline, and what stands under it.
_CREDIT_LINE = re.compile(
    r"^(by|((recipe|words|story|text|reporting|review(ed)?|interview|article|written|edited|compiled|curated"
    r"|translated|narrated|produced|photos?|photographs?|illustrations?|illustrated|(medically |expert )?reviewed"
    r"|fact[- ]?checked|checked)\s+by\s+\S.*))$",
    re.I)


#: A list of a post's categories or tags ("Best Of, Japan, Travel Guides"):
#: three or more short capitalised names, commas between them, none of
#: them joined by "and".
_CATEGORY_LIST = re.compile(r"^[A-Z0-9][\w&'’-]*( [A-Z0-9&][\w&'’-]*){0,2}(, [A-Z0-9][\w&'’-]*( [A-Z0-9&][\w&'’-]*){0,2}){2,}$")


def _is_byline(text: str, s) -> bool:  # noqa: ANN001 - BlockStats
    """A byline or a date line (under a headline)."""
    return s.pattern == BYLINE or (s.words <= 8 and bool(_CREDIT_LINE.match(text.strip())))


#: What a browser copy's headline gains per share of its words the story
#: uses too (a byline under it gains 2, a breadcrumb's last step 3).
_COHESION = 3.0
#: How many words of the story's prose its vocabulary is read from.
_STORY_SAMPLE = 500


def _content_words(text: str) -> set[str]:
    """A line's words that say what it is about: no function words, none
    shorter than three letters."""
    from reader.core.fold.features import STOPWORDS, WORD

    return {w for w in WORD.findall(text.lower()) if len(w) >= 3 and w not in STOPWORDS}


def _story_words(blocks: list[Block], stats: list, fold: list[bool], first: int) -> set[str]:  # noqa: ANN001
    """The words of the story's prose shown from `first` on (its first
    _STORY_SAMPLE words or so), lower-cased; function words too, which no
    line's content words hold."""
    from reader.core.fold.features import WORD

    words: set[str] = set()
    seen = 0
    for i in range(first, len(blocks)):
        if not fold[i] and stats[i].good:
            # A short block's words are in its stats already (see BlockStats.norm).
            words.update(stats[i].norm.split() if stats[i].norm is not blocks[i].text
                         else WORD.findall(blocks[i].text.lower()))
            seen += stats[i].words
            if seen >= _STORY_SAMPLE:
                break
    return words


def _share_in(text: str, story: set[str]) -> float:
    """The share of a line's content words that the story uses too."""
    words = _content_words(text)
    return len(words & story) / len(words) if words else 0.0


def _text_headline(blocks: list[Block], stats: list, fold: list[bool]) -> int:  # noqa: ANN001
    """A browser copy's headline: among the lines before the story's first
    paragraph, the one that reads most like a headline - a single line of a
    few words, capitalised like a title, without closing punctuation, and
    best of all the last item of a breadcrumb ("Home » Headline") or followed
    by a byline or a date. -1 if no line qualifies."""
    n = len(blocks)
    first = next((i for i in range(n) if not fold[i] and stats[i].words >= 8 and not MENU_LINE.match(blocks[i].text)),
                 None)
    if first is None:
        first = next((i for i in range(n) if not fold[i]), 0)
    seen = Counter([s.norm for s in stats])
    # (index, score, signs, under a byline or a trail's last step, text) of each line that qualifies.
    candidates: list[tuple[int, float, list[float], bool, str]] = []
    # Whether a line is a byline, for the lines under the candidates (they overlap).
    bylines: dict[int, bool] = {}
    # The last breadcrumb trail above (its index and last step, lower-cased).
    trail, trail_step = -1, ""
    for i in range(max(0, first - 40), min(n, first + 1)):
        b, s = blocks[i], stats[i]
        text = b.text.strip()
        if BREADCRUMBS.match(text):
            trail, trail_step = i, trail_end(text).lower()
            continue
        # The last step of a breadcrumb just above may be short ("Book Reviews").
        stepped = 0 <= i - trail <= 5 and trail_step == text.lower()
        if ("\n" in text or b.kind not in ("paragraph", "heading", "list_item")
                or not ((3 if n > _SHORT_DOCUMENT else 2) <= s.words <= 25 or (stepped and s.words))
                or text[-1] in ".:,;" or not (text[0].isupper() or text[0].isdigit() or not text[0].isascii())
                or s.pattern or _NOT_HEADLINE.search(text) or _CREDIT_LINE.match(text) or MENU_LINE.match(text)):
            continue
        words = text.split()
        score = sum(1 for w in words if w[:1].isupper() or w[:1].isdigit()) / len(words)
        score += min(s.words, 12) / 12 - 0.05 * abs(first - i)
        # What the line's other signs add, in order (added after its cohesion).
        signs: list[float] = []
        prev = blocks[i - 1].text.strip() if i else ""
        # The last step of a breadcrumb just above, or a line that ends with it.
        crumb = stepped or (prev != text and prev.endswith(text)
                            and bool(_CRUMB.search(prev[: len(prev) - len(text)])))
        if crumb:
            signs.append(3)
        elif seen.get(s.norm, 0) > 1:
            signs.append(-1.5)  # a menu item or a teaser that stands elsewhere too
        byline = False
        for j in range(i + 1, min(n, i + 7)):
            below = bylines.get(j)
            if below is None:
                below = bylines[j] = _is_byline(blocks[j].text, stats[j])
            if below:
                byline = True
                break
        if byline:
            signs.append(2)
        if b.kind == "heading":
            signs.append(0.5)
        elif b.kind == "list_item":
            signs.append(-1)
        if _CATEGORY_LIST.match(text):
            signs.append(-1.5)  # the categories a post is filed under
        candidates.append((i, score, signs, crumb or byline, text))
    best, best_score, best_told = -1, float("-inf"), False
    if len(candidates) > 1:
        # Only the lines the story's words could lift to the top are scored
        # by them (what cohesion adds is at most _COHESION).
        top = max(score + sum(signs) for _i, score, signs, _t, _x in candidates)
        candidates = [c for c in candidates if c[1] + sum(c[2]) + _COHESION + 1e-9 >= top]
    # Only a choice between lines needs the story's words.
    story = _story_words(blocks, stats, fold, first) if len(candidates) > 1 else set()
    for i, score, signs, told, text in candidates:
        # The headline is about what the story is about: a menu, a call to
        # action or a site's slogan shares few of its words.
        score += _COHESION * _share_in(text, story) if story else 0.0
        for sign in signs:
            score += sign
        if score > best_score:
            best, best_score, best_told = i, score, told
    if trail >= 0 and (best < trail or not best_told) and 2 <= len(trail_step.split()) <= 25:
        # Nothing after the trail, or nothing under a byline or a trail, reads
        # like the headline: the trail's last step is the page's title
        # ("Home > Blog > A title").
        return trail
    return best


#: A numbered figure's caption ("Figure 2. Gas use per block"), which the
#: text refers to: part of the story.
_NUMBERED_FIGURE = re.compile(r"^(figure|fig\.?|table|chart|graph|exhibit|diagram|map)\s*\d", re.I)


#: The share of the shown text the element that marks the story must hold
#: for what is shown outside it to fold.
_ARTICLE_SHARE = 0.8


#: The most words of one step (or a whole line) of a breadcrumb trail.
_CRUMB_WORDS = 25


#: Class names of an element that holds an advertisement.
_AD_SLOT = re.compile(r"(?:^|[\s_-])(?:ad-slot|ad-container|ad-unit|adunit|adsense|advertisement|advert|dfp-ad"
                      r"|sponsored-content)(?:$|[\s_-])")
#: The most words of an advertisement's copy.
_AD_WORDS = 40


def _named(block: Block, pattern: re.Pattern[str], nearest: int) -> bool:
    """Whether one of the block's `nearest` elements has a class or id that
    `pattern` finds."""
    stack = (block.features or {}).get("stack", ())
    return any(tokens and pattern.search(tokens) for _tag, tokens in stack[-nearest:])


#: An element named a breadcrumb trail.
_BREADCRUMB = re.compile("breadcrumb")


def _fold_outside_the_article(marks: list, stats: list, fold: list[bool]) -> None:  # noqa: ANN001
    """When one element that marks a story (its body's class, an <article>,
    a <main>: the parser's StoryMarks) holds nearly all the text left shown,
    what is shown outside it (an author box, a sidebar's blurb, a teaser
    under the story) is the page's. A story body's folds what follows it
    (above it stand the headline's deck and byline); an <article>'s or a
    <main>'s everything outside, and ends the search. `marks` are the
    blocks' StoryMarks (None outside every element that marks a story)."""
    sizes = [s.words for s in stats]
    # Each block's element of each field (body, article, main), -1 for none.
    fields = zip(*[(-1, -1, -1) if m is None else (m.body, m.article, m.main) for m in marks])
    for whole, where in zip((False, True, True), fields):
        shown = [i for i, f in enumerate(fold) if not f]
        total = sum(map(sizes.__getitem__, shown))
        words: dict[int, int] = {}
        for i in shown:
            eid = where[i]
            if eid >= 0:
                words[eid] = words.get(eid, 0) + sizes[i]
        if not words:
            continue
        story = max(words, key=words.__getitem__)
        if words[story] >= _ARTICLE_SHARE * total:
            for i in range(0 if whole else where.index(story), len(where)):
                if where[i] != story:
                    fold[i] = True
            if whole:
                return


#: The kinds of block `_of_a_figure` may take.
_FIGURE_KINDS = frozenset(("image", "caption"))


def _of_a_figure(block: Block) -> bool:
    """An image (its description: the alt text) or a figure's caption; a
    table's caption goes with its table, a numbered figure's with the text."""
    if block.kind == "image":
        return True
    return (block.kind == "caption" and (block.features or {}).get("tag") == "figcaption"
            and not _NUMBERED_FIGURE.match(block.text))


#: A run of shown blocks that only repeats text shown above it folds when it
#: has at least this many words: a template that prints the whole story
#: twice (for wide and for narrow screens, say). Shorter repeats are the
#: story's own (a training plan's "Warm up" line each week, a quote the
#: text comes back to).
_SECOND_COPY_WORDS = 150


def _fold_second_copies(blocks: list[Block], stats: list, fold: list[bool]) -> dict[int, str]:  # noqa: ANN001
    """Fold a second copy of the story; returns the blocks it folds, each
    with the reason REPEATED."""
    shown: set[str] = set()
    runs: list[list[int]] = [[]]  # runs of shown blocks that repeat text above them
    for i, block in enumerate(blocks):
        if fold[i]:
            continue
        if block.text in shown:
            runs[-1].append(i)
        else:
            shown.add(block.text)
            if runs[-1]:
                runs.append([])
    taken: dict[int, str] = {}
    for run in runs:
        if sum(stats[k].words for k in run) >= _SECOND_COPY_WORDS:
            for k in run:
                fold[k] = True
                taken[k] = REPEATED
    return taken


def _reason(block: Block, pattern: str, fmt: str, previous: str, *, after: bool) -> str:
    """Why a block the model folds is furniture, in words a person knows."""
    if pattern:
        return pattern
    if _of_a_figure(block):
        return IMAGE
    if block.kind == "caption":
        return CREDIT
    if fmt == "html":
        hint = html_reason((block.features or {}).get("stack", ()))
        if hint:
            return hint
    if previous and previous != TITLE:
        # The rest of the box the block above names (a sign-up form's fields).
        return previous
    if after:
        return RELATED
    return NAVIGATION


# ------------------------------------------------------------ overlays

_NORMALISE = re.compile(r"\W+", re.UNICODE)


def give_title(article: Article, title: str) -> None:
    """Give the article a title other than its page's (the user's, an
    export's): a headline folded as "title (shown above)" is shown again
    unless the new title reads as it."""
    article.title = title
    key = block_key(title)
    for block in article.blocks:
        if block.boilerplate and block.reason == TITLE:
            own = block_key(block.text)
            if not (own and key and (own in key or key in own)):
                block.boilerplate, block.reason = False, ""


def block_key(text: str) -> str:
    """A block's identity for repetition and rules: case, spaces and
    punctuation ignored."""
    norm = _NORMALISE.sub(" ", text.lower()).strip()
    return hashlib.blake2b(norm.encode("utf-8"), digest_size=8).hexdigest()


def block_keys(blocks: list[Block]) -> list[str]:
    """The keys of an article's blocks, each once, as the archive keeps them
    for its site (to count the articles a block stands on)."""
    return sorted({block_key(b.text) for b in blocks})


@dataclass(frozen=True, slots=True)
class Label:
    boilerplate: bool
    reason: str


# Blocks too short to judge by repetition alone ("Share", a lone date).
_MIN_REPEAT_CHARS = 12
# Inside the story, a repeated block is folded only when it is this short (an
# inline promotion) or stands in a run of repeated blocks (a template box).
_SHORT_REPEAT_WORDS = 12
# A page with less than this share of the words it shows found on no other
# article of its site is a copy of a story already here.
_COPY_SHARE = 0.25


#: Kinds of block that repetition alone never folds inside the story.
_STORY_KINDS = frozenset(("code", "list_item", "table", "quote"))


def effective_labels(
    blocks: list[Block],
    *,
    site: str | None = None,
    repeats: dict[str, int] | None = None,
    rules: dict[str, str] | None = None,
    keys: list[str] | None = None,
) -> list[Label]:
    """The fold decision shown to the user, layers 2 and 3 applied.

    `repeats` maps a block key to the number of other articles of `site` that
    hold the same block; `rules` maps a block key to "fold" or "show";
    `keys` are the blocks' keys, when worked out already.

    Repetition is read with care, since two articles of a site may quote the
    same paragraph: a repeated block folds when it lies outside the story
    (before its first or after its last paragraph that no other article
    has), and inside it only when it is short, stands among other repeated
    blocks, or is found on at least three other articles, and is no code
    listing, list item, table or quotation (which two posts may share). A
    page that is mostly another article's text (a second copy of a story)
    folds only the short repeated lines that read as furniture.
    """
    labels = [Label(b.boilerplate, b.reason) for b in blocks]
    if not (repeats or rules):
        return labels
    if keys is None:
        keys = [block_key(b.text) for b in blocks]
    if repeats:
        counts = [
            repeats.get(k, 0) if len(b.text) >= _MIN_REPEAT_CHARS and (b.kind != "heading" or repeats.get(k, 0) >= 2)
            else 0
            for b, k in zip(blocks, keys)
        ]
        story = [i for i, (b, c) in enumerate(zip(blocks, counts)) if c == 0 and not b.boilerplate]
        first, last = (story[0], story[-1]) if story else (len(blocks), -1)
        # Most of what the page shows is on another article too: a second
        # copy of the story (saved under another address, or updated with a
        # new paragraph), not a template. Its prose is read as the page
        # reads it; only short repeated blocks fold.
        shown = [len(b.text.split()) for b in blocks if not b.boilerplate]
        unique = sum(len(blocks[i].text.split()) for i in story)
        copy = unique < _COPY_SHARE * sum(shown)
        where = site or "this site"
        for i, (b, c) in enumerate(zip(blocks, counts)):
            if not c:
                continue
            words = len(b.text.split())
            if copy and not b.boilerplate and (words > _SHORT_REPEAT_WORDS or not text_reason(b.text, words)):
                # A copy of the story keeps what it shows, but short furniture.
                continue
            inside = first < i < last
            if inside:
                if not b.boilerplate and b.kind in _STORY_KINDS:
                    # A code listing, a list's item, a table or a quotation
                    # two posts share ("pip install ...") is the story's.
                    continue
                near = (i > 0 and counts[i - 1] > 0) or (i + 1 < len(blocks) and counts[i + 1] > 0)
                if not (near or c >= 3 or len(b.text.split()) <= _SHORT_REPEAT_WORDS):
                    continue
            labels[i] = Label(True, repeated_reason(c + 1, where))
    if rules:
        for i, k in enumerate(keys):
            action = rules.get(k)
            if action == "fold":
                labels[i] = Label(True, MARKED)
            elif action == "show":
                labels[i] = Label(False, "")
    return labels


def labels_in_archive(article: Article, archive: Archive) -> list[Label]:
    """The labels of an archived article: its own, then its site's repeated
    blocks, then the user's rules for the site."""
    return ArchiveFolds(archive).labels(article)


class ArchiveFolds:
    """`labels_in_archive` for one article or many saved one after another
    (`reader add` of a folder): each site's blocks are read from the archive
    once, at its first article, then kept up to date with every article
    labelled after."""

    def __init__(self, archive: Archive) -> None:
        self.archive = archive
        self._keys: dict[str, dict[str, list[str]]] = {}  # site -> article id -> block keys
        self._counts: dict[str, Counter[str]] = {}  # site -> block key -> articles holding it
        self._rules: dict[str, dict[str, str]] = {}

    def labels(self, article: Article) -> list[Label]:
        """The labels of `article`, as the archive holds it (its blocks count
        as its site's, whatever the archive held of it before)."""
        site = article.site or ""
        if site not in self._rules:
            self._rules[site] = self.archive.rules_for(site)
        each = [block_key(b.text) for b in article.blocks]  # as `block_keys` gives them, block by block
        repeats: dict[str, int] = {}
        if site:
            if site not in self._keys:
                self._keys[site] = self.archive.site_keys(site)
                self._counts[site] = Counter(k for held in self._keys[site].values() for k in held)
            keys, counts = self._keys[site], self._counts[site]
            old = keys.get(article.id)
            if old is not None:
                counts.subtract(old)
            own = keys[article.id] = sorted(set(each))
            counts.update(own)
            # The other articles of the site holding each of its blocks.
            repeats = {k: counts[k] - 1 for k in own if counts[k] > 1}
        return effective_labels(article.blocks, site=article.site, repeats=repeats, rules=self._rules[site],
                                keys=each)

    def folded(self, article: Article) -> int:
        """How many of `article`'s blocks the reader sees folded."""
        return sum(1 for label in self.labels(article) if label.boilerplate)


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
        # Blocks repeated on different numbers of a site's articles are named
        # once: "repeated on 2-3 articles from example.com".
        counts: dict[str, tuple[int, int, int]] = {}  # site -> (place in reasons, fewest, most)
        while j < n and labels[j].boilerplate:
            r = labels[j].reason or NAVIGATION
            m = _REPEATED_ON.fullmatch(r)
            if m:
                count, site = int(m.group(1)), m.group(2)
                if site in counts:
                    at, low, high = counts[site]
                    counts[site] = (at, min(low, count), max(high, count))
                    r = reasons[at]
                else:
                    counts[site] = (len(reasons), count, count)
            if r not in reasons:
                reasons.append(r)
            j += 1
        for site, (at, low, high) in counts.items():
            if low != high:
                reasons[at] = f"repeated on {low}\u2013{high} articles from {site}"
        runs.append(FoldRun(i, j, tuple(reasons)))
        i = j
    return runs

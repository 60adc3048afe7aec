"""Saved HTML pages to blocks and metadata.

The page is parsed with lxml and walked once, without recursion; every block
keeps the signals the folder needs (its tag, the class/id names of its
ancestors, how much of it is link text). Scripts, styles and hidden elements are
dropped; `javascript:`/`data:` links are kept as text and never made clickable.
Pages nested deeper than the parser allows are read with a streaming tokenizer
instead, so no text is lost.
"""

from __future__ import annotations

import html as html_lib
import json
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urljoin, urlsplit

from lxml import etree
import lxml.html

from reader.core.models import Block, Link
from reader.core.sanitize import clean_line, clean_text

# Elements whose content is never text a reader sees.
SKIP_TAGS = frozenset(
    """script style noscript template svg math canvas iframe object embed head
    select option datalist textarea input audio video source track map area
    param frameset frame""".split()
)

HEADINGS = {"h1": 1, "h2": 2, "h3": 3, "h4": 4, "h5": 5, "h6": 6}

# Elements that end the text before them and start a new block.
BLOCK_TAGS = frozenset(
    """address article aside blockquote body center dd details dialog dir div dl
    dt fieldset figcaption figure footer form h1 h2 h3 h4 h5 h6 header hgroup hr
    li main menu nav ol p pre section summary table tbody thead tfoot tr td th ul
    caption legend html button label""".split()
)

_KIND_OF = {
    "p": "paragraph",
    "li": "list_item",
    "dt": "list_item",
    "dd": "list_item",
    "blockquote": "quote",
    "pre": "code",
    "figcaption": "caption",
    "caption": "caption",
    **{h: "heading" for h in HEADINGS},
}

UNSAFE_SCHEMES = ("javascript:", "data:", "vbscript:", "file:")
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.IGNORECASE)

# libxml2 stops building the tree at this depth and drops what lies below.
_PARSER_MAX_DEPTH = 250


def is_safe_href(href: str) -> bool:
    """Whether a link may be opened: http(s) and mailto only."""
    h = href.strip().lower()
    return h.startswith(("http://", "https://", "mailto:"))


@dataclass
class HtmlPage:
    title: str | None = None
    url: str | None = None
    author: str | None = None
    published: str | None = None
    site_name: str | None = None
    lang: str | None = None
    blocks: list[Block] = field(default_factory=list)
    #: The article's text as the page's JSON-LD holds it (`articleBody`), as text.
    article_body: str | None = None


# ---------------------------------------------------------------- metadata


def _meta(doc: Any) -> dict[str, str]:
    found: dict[str, str] = {}
    for el in doc.iter("meta"):
        key = (el.get("property") or el.get("name") or el.get("itemprop") or "").strip().lower()
        value = el.get("content")
        if key and value and key not in found:
            found[key] = clean_line(value)
    return found


def _json_ld(doc: Any) -> dict[str, str]:
    out: dict[str, str] = {}
    for el in doc.iter("script"):
        if (el.get("type") or "").strip().lower() != "application/ld+json" or not el.text:
            continue
        try:
            data = json.loads(el.text)
        except (ValueError, RecursionError):
            continue
        stack = [data]
        seen = 0
        while stack and seen < 200:
            seen += 1
            item = stack.pop()
            if isinstance(item, list):
                stack.extend(item)
                continue
            if not isinstance(item, dict):
                continue
            if "@graph" in item:
                stack.append(item["@graph"])
            for key in ("headline", "datePublished", "url"):
                v = item.get(key)
                if isinstance(v, str) and key not in out and (key != "url" or _names_the_page(item)):
                    out[key] = clean_line(v)
            body = item.get("articleBody")
            if isinstance(body, str) and body.strip() and "articleBody" not in out:
                out["articleBody"] = clean_text(body)
            author = item.get("author")
            if "author" not in out and author:
                names = []
                for a in author if isinstance(author, list) else [author]:
                    name = a.get("name") if isinstance(a, dict) else a
                    if isinstance(name, str) and name.strip():
                        names.append(clean_line(name))
                if names:
                    out["author"] = ", ".join(names)
    return out


#: The JSON-LD types whose `url` is the page's own address (an article, a
#: post, a web page), not that of the site or of someone named on it.
_PAGE_TYPE = re.compile(r"Article|Posting|Page|Report|Review|Recipe")


def _names_the_page(item: dict[str, Any]) -> bool:
    """Whether a JSON-LD item is the page itself (its headline, or its type)."""
    kind = item.get("@type")
    kinds = kind if isinstance(kind, list) else [kind]
    return "headline" in item or any(isinstance(k, str) and _PAGE_TYPE.search(k) for k in kinds)


def _text_of(el: Any) -> str:
    """All the text inside an element (its own tail left out)."""
    return "".join(el.itertext())


#: The address a browser wrote into the page it saved, in a comment at its
#: top: Chrome's and Internet Explorer's "Webpage, Complete" (`<!-- saved
#: from url=(0047)https://... -->`; the number, the address's length, is not
#: always right) and SingleFile's header (`url: https://...` under "Page
#: saved with SingleFile").
_SAVED_FROM = re.compile(r"<!--\s*(?:saved from url=\(\d{1,5}\)|Page saved with SingleFile\b[^>]*?\burl:[ \t]*)"
                         r"(?P<url>[^\s>]+)", re.I)
#: Where the browser writes it: before the page's own markup.
_SAVED_FROM_WITHIN = 4096


def saved_from(text: str) -> str | None:
    """The address the browser that saved a page wrote into it, if any."""
    m = _SAVED_FROM.search(text, 0, _SAVED_FROM_WITHIN)
    return m["url"].removesuffix("--") if m else None


def _metadata(doc: Any, page: HtmlPage, base_url: str | None, saved_at: str | None = None) -> None:
    """The page's title, address, author, date, site name and language
    (`saved_at`: the address its browser wrote into it, for a page naming none)."""
    meta = _meta(doc)
    ld = _json_ld(doc)
    title_el = doc.find(".//title")
    title_text = clean_line(_text_of(title_el)) if title_el is not None else ""
    page.title = (
        meta.get("og:title") or meta.get("twitter:title") or ld.get("headline") or title_text or None
    )
    canonical = None
    for el in doc.iter("link"):
        if "canonical" in (el.get("rel") or "").lower().split() and el.get("href"):
            canonical = el.get("href").strip()
            break
    # (a <base> only says where the page's links lead: many pages of a site share one)
    url = canonical or meta.get("og:url") or ld.get("url") or saved_at
    if url and base_url:
        url = urljoin(base_url, url)
    if url and urlsplit(url).scheme in ("http", "https"):
        page.url = clean_line(url)
    page.author = (
        meta.get("author")
        or meta.get("article:author")
        or meta.get("parsely-author")
        or meta.get("sailthru.author")
        or ld.get("author")
        or None
    )
    if page.author and page.author.startswith(("http://", "https://")):
        page.author = ld.get("author")
    page.published = (
        meta.get("article:published_time")
        or ld.get("datePublished")
        or meta.get("date")
        or meta.get("pubdate")
        or meta.get("publishdate")
        or meta.get("dc.date")
        or meta.get("dcterms.date")
        or meta.get("parsely-pub-date")
        or None
    )
    if not page.published:
        t = doc.find(".//time[@datetime]")
        if t is not None:
            page.published = clean_line(t.get("datetime")) or None
    page.site_name = meta.get("og:site_name")
    page.article_body = ld.get("articleBody")
    html_el = doc if doc.tag == "html" else doc.find(".//html")
    if html_el is not None and html_el.get("lang"):
        page.lang = clean_line(html_el.get("lang"))[:20]


# ---------------------------------------------------------------- blocks


def _tokens(attrib: Any) -> str:
    if not attrib:
        return ""
    parts = []
    for name in ("class", "id", "role", "itemprop", "aria-label", "data-component"):
        v = attrib.get(name)
        if v:
            parts.append(v)
    return " ".join(parts).lower() if parts else ""


#: The panel of an accordion or a tab: hidden until the reader opens it,
#: and part of the article (its answers, its steps).
_COLLAPSED_PANEL = re.compile(r"accordion|collaps|expand|tab-?pane|tabpanel|faq|disclosure")


#: Where a collapsed panel is the page's furniture (a menu, a banner, a dialog).
_CHROME_TAGS = frozenset(("header", "nav", "footer", "aside", "form", "dialog"))
_CHROME_WORDS = re.compile(r"banner|header|nav|menu|modal|popup|dialog|cookie|footer|sidebar")


def _hidden(attrib: Any, stack: list[tuple[str, str]] | None = None) -> bool:
    """The element is not shown. (A collapsed panel of the article, under
    none of the page's furniture, counts as shown: see _collapsed_panel.)"""
    if not attrib:
        return False
    if "hidden" in attrib:
        # Streamed server rendering (React's <div hidden id="S:0">) parks the
        # page's content in hidden boundaries that a script reveals at once.
        return not (attrib.get("id") or "").startswith("S:") and not _collapsed_panel(attrib, stack)
    aria_hidden = attrib.get("aria-hidden")
    if aria_hidden and aria_hidden.strip().lower() == "true":
        return not _collapsed_panel(attrib, stack)
    style = attrib.get("style")
    return bool(style and _HIDDEN_STYLE.search(style)) and not _collapsed_panel(attrib, stack)


def _unread(tag: str, attrib: Any, stack: list[tuple[str, str]]) -> bool:
    """The element and all it holds are left out: never text (a script, a
    form's inputs), hidden, or a <dialog> the page has not opened."""
    return tag in SKIP_TAGS or _hidden(attrib, stack) or (tag == "dialog" and "open" not in attrib)


def _collapsed_panel(attrib: Any, stack: list[tuple[str, str]] | None) -> bool:
    """Content a page hides until a button opens it (the ARIA disclosure
    pattern: a region labelled by its button, or a panel an accordion's
    class names), outside the page's header, menus and dialogs: the
    article's own steps and answers."""
    if stack is None:
        return False
    labelled = attrib.get("aria-labelledby") and (attrib.get("role") or "region").lower() in ("region", "tabpanel")
    if not labelled:
        names = " ".join(str(v) for k, v in attrib.items() if k in ("class", "id") or k.startswith("data-")).lower()
        if not names.strip() or not _COLLAPSED_PANEL.search(names) or _CHROME_WORDS.search(names):
            return False
    return not any(tag in _CHROME_TAGS or (tokens and _CHROME_WORDS.search(tokens)) for tag, tokens in stack)


#: Class names (and microdata) of the element that holds a story's body.
_STORY_BODY = re.compile(r"\b(articlebody|entry-content|post-content|article-content|article-body|story-body"
                         r"|post-body|entry-body)\b")
_MARK_TAGS = frozenset(("article", "main", "footer"))


def _whole_number(value: Any) -> int | None:
    """An HTML integer attribute (`start`, `value`), or None if it is not one."""
    try:
        n = int(str(value).strip()) if value is not None else None
    except ValueError:
        return None
    return n if n is None or abs(n) < 1_000_000 else None


def _list_start(attrib: Any) -> int:
    """The number before an <ol>'s first item (its `start` less one)."""
    n = _whole_number(attrib.get("start"))
    return 0 if n is None else n - 1


def _names_story_body(tokens: str) -> bool:
    # Each name holds "body" or "content": looked for first, much faster.
    return bool(tokens) and ("body" in tokens or "content" in tokens) and _STORY_BODY.search(tokens) is not None


@dataclass(frozen=True, slots=True)
class StoryMarks:
    """The outermost elements around a block (by serial number, -1 for none)
    that mark a page's story: one whose class names a story body, an
    <article>, a <main>; and whether it stands in the page's own <footer>
    (one no <article> or <main> holds)."""

    body: int = -1
    article: int = -1
    main: int = -1
    page_footer: bool = False

    def within(self, tag: str, story_body: bool, serial: int) -> StoryMarks:
        """These marks inside one more element (`story_body`: its class names one)."""
        body, article, main, footer = self.body, self.article, self.main, self.page_footer
        if body < 0 and story_body:
            body = serial
        if tag == "article" and article < 0:
            article = serial
        elif tag == "main" and main < 0:
            main = serial
        elif tag == "footer" and article < 0 and main < 0:
            footer = True
        return StoryMarks(body, article, main, footer)


_NO_MARKS = StoryMarks()


class _Builder:
    """Turns start/end/text events into blocks. One builder per page."""

    def __init__(self, base_url: str | None) -> None:
        self.base_url = base_url
        # Each link target as written, as the blocks keep it (see link_end):
        # a page links to the same places many times over.
        self.hrefs: dict[str, str] = {}
        self.blocks: list[Block] = []
        # Open elements: (tag, tokens). Block contexts: (tag, kind, level, element).
        self.stack: list[tuple[str, str]] = []
        # A serial number for each open element, parallel to `stack`: blocks
        # with an element in common share its number in their "path".
        self.path: list[int] = []
        # The elements that mark the story around (see StoryMarks): outside
        # every element first, then one entry per element of `stack`.
        self.marks: list[StoryMarks] = [_NO_MARKS]
        self.serial = 0
        self.contexts: list[tuple[str, str, int, Any]] = []
        self.list_depth = 0
        # One entry per open list: the number of an <ol>'s last item, None
        # for other lists; `number` is the item's whose first block is due.
        self.counters: list[int | None] = []
        self.number = 0
        self.pre_depth = 0
        self.quote_depth = 0
        self._reset()

    def _reset(self) -> None:
        self.parts: list[str] = []
        self.length = 0
        self.pending_space = False
        # Links closed in the text gathered: (start, end, target); flush
        # makes them the block's Links, their offsets in its stripped text.
        self.links: list[tuple[int, int, str]] = []
        self.open_links: list[tuple[int, str]] = []
        self.link_chars = 0

    # text -------------------------------------------------------------
    def text(self, s: str | None) -> None:
        if not s:
            return
        if not self.pre_depth and s.isspace():
            # Whitespace between elements: at most one space.
            if self.length:
                self.pending_space = True
            return
        s = clean_text(s)
        if self.pre_depth:
            if self.pending_space and self.length:
                self.parts.append(" ")
                self.length += 1
            self.pending_space = False
            self.parts.append(s)
            self.length += len(s)
            if self.open_links:
                self.link_chars += len(s)
            return
        lead = s[:1].isspace()
        trail = s[-1:].isspace()
        core = " ".join(s.split())  # each run of whitespace as one space
        if not core:
            if self.length:
                self.pending_space = True
            return
        if (lead or self.pending_space) and self.length and not self.parts[-1].endswith(("\n", " ")):
            self.parts.append(" ")
            self.length += 1
        self.parts.append(core)
        self.length += len(core)
        if self.open_links:
            self.link_chars += len(core)
        self.pending_space = trail

    def line_break(self) -> None:
        if self.length and not self.parts[-1].endswith("\n"):
            self.parts.append("\n")
            self.length += 1
        self.pending_space = False

    # links ------------------------------------------------------------
    def link_start(self, href: str | None) -> None:
        start = self.length + (1 if self.pending_space and self.length else 0)
        self.open_links.append((start, (href or "").strip()))

    def link_end(self) -> None:
        if not self.open_links:
            return
        start, href = self.open_links.pop()
        if href and self.length > start:
            kept = self.hrefs.get(href)
            if kept is None:
                kept = self.hrefs[href] = self._kept_href(href)
            self.links.append((start, self.length, kept))

    def _kept_href(self, href: str) -> str:
        """A link's target as its block keeps it: made absolute (unless unsafe), cleaned."""
        if (self.base_url and not href.startswith(("https://", "http://", "#"))
                and not href.lower().startswith(UNSAFE_SCHEMES)):
            href = urljoin(self.base_url, href)
        return clean_line(href)[:2000]

    # blocks -----------------------------------------------------------
    def flush(self) -> None:
        if not self.length:
            # Nothing gathered (no text means no parts, links or pending
            # space either): only a link left open is dropped, as always.
            if self.open_links:
                self._reset()
            return
        raw = "".join(self.parts)
        # Text arrives cleaned and never starts with a space; only newlines
        # (from <br>, or a <pre>'s own) can stand at either end.
        text = raw.strip("\n") if self.pre_depth else raw.strip()
        if not text.strip():
            self._reset()
            return
        tag, kind, level, elem = self.contexts[-1] if self.contexts else ("body", "paragraph", 0, None)
        if self.pre_depth:
            kind = "code"
        elif self.quote_depth and kind == "paragraph":
            kind = "quote"
        links = []
        if self.links:
            shift = len(raw) - len(raw.lstrip("\n" if self.pre_depth else None))
            for start, end, href in self.links:
                s, e = max(0, start - shift), min(len(text), end - shift)
                if e > s:
                    links.append(Link(s, e, href))
        features = self._features(tag, self.link_chars, len(self.links), elem)
        number = 0
        if kind == "list_item" and self.number:
            number, self.number = self.number, 0
        self.blocks.append(Block(kind=kind, text=text, level=level, links=links, number=number,
                                 features=features))
        self._reset()

    def image(self, attrib: Any) -> None:
        alt = clean_line(attrib.get("alt") or "")
        if not alt:
            return
        self.flush()
        self.blocks.append(
            Block(
                kind="image",
                text=alt,
                features=self._features("img", len(alt) if self.open_links else 0,
                                        1 if self.open_links else 0, None),
            )
        )

    # elements ---------------------------------------------------------
    def _features(self, tag: str, link_chars: int, link_count: int, element: Any) -> dict[str, Any]:
        """A block's features: its tag, where it stands (its ancestors, their
        serial numbers, the story's marks), its links, its element."""
        return {"tag": tag, "stack": tuple(self.stack), "path": tuple(self.path), "marks": self.marks[-1],
                "link_chars": link_chars, "link_count": link_count, "element": element}

    def push(self, tag: str, attrib: Any) -> None:
        tokens = _tokens(attrib)
        self.stack.append((tag, tokens))
        self.serial += 1
        self.path.append(self.serial)
        marks = self.marks[-1]
        story_body = _names_story_body(tokens)
        if story_body or tag in _MARK_TAGS:
            marks = marks.within(tag, story_body, self.serial)
        self.marks.append(marks)

    def pop(self) -> None:
        if self.stack:
            self.stack.pop()
            self.path.pop()
            self.marks.pop()

    def start(self, tag: str, attrib: Any, element: Any = None) -> None:
        self.push(tag, attrib)
        if tag in BLOCK_TAGS:
            self.flush()
            kind = _KIND_OF.get(tag, "paragraph")
            level = HEADINGS.get(tag, 0)
            if tag in ("ul", "ol", "dl", "menu", "dir"):
                self.list_depth += 1
                # (a list counting down, or by letters or roman numerals, keeps its bullets)
                numbered = tag == "ol" and "reversed" not in attrib and (attrib.get("type") or "1") == "1"
                self.counters.append(_list_start(attrib) if numbered else None)
            if tag == "li":
                level = self.list_depth
                self.number = self._item_number(attrib)
            if tag == "pre":
                self.pre_depth += 1
            if tag == "blockquote":
                self.quote_depth += 1
            self.contexts.append((tag, kind, level, element))
        elif tag == "br":
            self.line_break()
        elif tag == "a":
            self.link_start(attrib.get("href"))
        elif tag == "img":
            self.image(attrib)

    def end(self, tag: str) -> None:
        if tag in BLOCK_TAGS:
            self.flush()
            if tag in ("ul", "ol", "dl", "menu", "dir"):
                self.list_depth = max(0, self.list_depth - 1)
                if self.counters:
                    self.counters.pop()
            if tag == "li":
                self.number = 0
            if tag == "pre":
                self.pre_depth = max(0, self.pre_depth - 1)
            if tag == "blockquote":
                self.quote_depth = max(0, self.quote_depth - 1)
            if self.contexts:
                self.contexts.pop()
        elif tag == "a":
            self.link_end()
        elif tag in ("td", "th"):
            self.text(" ")
        self.pop()

    def _item_number(self, attrib: Any) -> int:
        """The number an <li> shows: its own `value`, else one past the item
        before it in its <ol>; 0 outside an ordered list."""
        if not self.counters or self.counters[-1] is None:
            return 0
        n = _whole_number(attrib.get("value"))
        n = self.counters[-1] + 1 if n is None else n
        self.counters[-1] = n
        return n if n > 0 else 0

    def table(self, el: Any) -> None:
        """A data table as one block: cells split by ' | ', rows by newlines."""
        self.flush()
        rows = []
        for br in el.iter("br"):
            # A line break inside a cell ("12 High Street<br>Riverside") parts
            # its words as a space would.
            br.tail = " " + (br.tail or "")
        for tr in el.iter("tr"):
            cells = [clean_line(_text_of(td)) for td in tr if td.tag in ("td", "th")]
            if any(cells):
                rows.append(" | ".join(cells))
        caption = el.find("caption")
        caption_text = clean_line(_text_of(caption)) if caption is not None else ""
        if caption_text:
            self.blocks.append(
                Block(kind="caption", text=caption_text,
                      features=self._features("caption", 0, 0, caption))
            )
        if rows:
            text = "\n".join(rows)
            link_chars = sum(len(clean_line(_text_of(a))) for a in el.iter("a"))
            self.blocks.append(
                Block(kind="table", text=text,
                      features=self._features("table", link_chars, sum(1 for _ in el.iter("a")), el))
            )


_LAYOUT_IN_CELL = frozenset("table div p ul ol h1 h2 h3 h4 h5 h6 blockquote pre article section".split())


#: A cell this long (characters) is a page's column, not a datum.
_LAYOUT_CELL_CHARS = 400


def _is_data_table(el: Any) -> bool:
    """A table of data (read as one block of rows), not a page laid out in
    a table: no block-level elements in it, and no cell as long as a column
    of text (an old page's paragraphs, parted by <br><br>)."""
    for sub in el.iter():
        if sub is el or not isinstance(sub.tag, str):
            continue
        if sub.tag in _LAYOUT_IN_CELL:
            return False
        if sub.tag in ("td", "th") and len(_text_of(sub)) > _LAYOUT_CELL_CHARS:
            return False
    return True


#: The tags the builder does something with when they open or close.
_ACTIVE_TAGS = BLOCK_TAGS | {"a", "br", "img"}


def _walk_lxml(root: Any, builder: _Builder) -> int:
    """Feed the tree to the builder; returns the deepest level reached."""
    depth = max_depth = 0
    skipped = False  # the last start was skipped: its end comes next
    walker = etree.iterwalk(root, events=("start", "end"))
    # Bound once: the loop runs twice for every element of the page. Most
    # elements have no text or tail (None), for which no call is made.
    text, start, end, stack = builder.text, builder.start, builder.end, builder.stack
    for event, el in walker:
        tag = el.tag
        if not isinstance(tag, str):  # comments, processing instructions
            if event == "end" and (s := el.tail):
                text(s)
            continue
        tag = tag.lower()
        if event == "start":
            depth += 1
            if depth > max_depth:
                max_depth = depth
            # The attributes as a dict: asked for a dozen names below, lxml's
            # attribute proxy would look each one up in the tree.
            attrib = dict(el.items())
            if _unread(tag, attrib, stack):
                walker.skip_subtree()
                skipped = True
                continue
            if tag == "table" and _is_data_table(el):
                builder.push(tag, attrib)
                builder.table(el)
                builder.pop()
                walker.skip_subtree()
                skipped = True
                continue
            if tag not in _ACTIVE_TAGS and not len(el):
                # Inline text with nothing inside (a <span>, an <em>): no
                # block can start or end in it, so its text joins the block
                # without the element being opened and closed.
                if s := el.text:
                    text(s)
                skipped = True
                continue
            start(tag, attrib, el)
            if s := el.text:
                text(s)
        else:
            depth -= 1
            if skipped:
                skipped = False
            else:
                end(tag)
            if s := el.tail:
                text(s)
    builder.flush()
    return max_depth


class _Tokenizer(HTMLParser):
    """Streaming fallback for pages the tree parser cannot hold."""

    VOID = frozenset("area base br col embed hr img input link meta param source track wbr".split())

    def __init__(self, builder: _Builder) -> None:
        super().__init__(convert_charrefs=True)
        self.builder = builder
        self.skip = 0
        self.open: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attrib = {k: (v or "") for k, v in attrs}
        if self.skip:
            if tag not in self.VOID:
                self.skip += 1
            return
        if _unread(tag, attrib, self.builder.stack):
            if tag not in self.VOID:
                self.skip = 1
            return
        if tag in self.VOID:
            if tag in ("br", "img", "hr"):
                self.builder.start(tag, attrib)
                self.builder.end(tag)
            return
        self.open.append(tag)
        self.builder.start(tag, attrib)

    def handle_endtag(self, tag: str) -> None:
        if self.skip:
            self.skip -= 1
            return
        if tag not in self.open:
            return
        while self.open:
            top = self.open.pop()
            self.builder.end(top)
            if top == tag:
                break

    def handle_data(self, data: str) -> None:
        if not self.skip:
            self.builder.text(data)


#: A page's end tags: a browser reads on past them when more of the page
#: follows (a template that closes the page after its header, then prints
#: the article); libxml2 stops there. (Both cases of each letter spelled out,
#: and a lookahead that turns other end tags away at their first letter:
#: twice as fast as re.IGNORECASE over a page.)
_END_OF_PAGE = re.compile(r"</(?=[bBhH])(?:[bB][oO][dD][yY]|[hH][tT][mM][lL])\s*>")


def parse_html(text: str, base_url: str | None = None) -> HtmlPage:
    """Blocks and metadata of an HTML page (`text` already decoded)."""
    page = HtmlPage()
    text = _END_OF_PAGE.sub("", text.replace("\x00", ""))
    saved_at = saved_from(text)  # (in a comment: the parser leaves them out)
    try:
        # huge_tree: without it libxml2 silently stops after ~10 MB of text or
        # attributes (a page saved with its images inline loses its text).
        # Plain lxml elements, not lxml.html's: those pick their class in
        # Python for every element the walk touches.
        # No table of ids either: nothing looks an element up by its id.
        parser = etree.HTMLParser(remove_comments=True, remove_pis=True, default_doctype=False, huge_tree=True,
                                  collect_ids=False)
        doc = etree.fromstring(text, parser)
        if doc is None:
            raise etree.ParserError("Document is empty")
    except (etree.ParserError, ValueError):
        doc = None
    if doc is not None:
        base = doc.find(".//base[@href]")
        if base is not None:
            base_url = urljoin(base_url or "", base.get("href").strip())
        _metadata(doc, page, base_url, saved_at)
        body = doc.find("body")
        builder = _Builder(base_url or page.url)
        depth = _walk_lxml(body if body is not None else doc, builder)
        page.blocks = builder.blocks
        if depth < _PARSER_MAX_DEPTH:
            return page
    # Too deep for the tree parser (or no tree at all): stream it.
    builder = _Builder(base_url or page.url)
    tokenizer = _Tokenizer(builder)
    tokenizer.feed(text)
    tokenizer.close()
    while tokenizer.open:
        builder.end(tokenizer.open.pop())
    builder.flush()
    page.blocks = builder.blocks
    if page.title is None:
        m = re.search(r"<title[^>]*>(.*?)</title", text[:100_000], re.IGNORECASE | re.DOTALL)
        if m:
            page.title = clean_line(html_lib.unescape(m.group(1))) or None
    return page


# ---------------------------------------------------------------- markdown


def add_markdown(blocks: list[Block]) -> None:
    """Give each block made from one element with inline markup its Markdown.

    Only blocks with links or emphasis need it; the rest read the same as text.
    Unsafe links lose their target, so the Markdown never carries them.
    """
    from markdownify import MarkdownConverter

    converter = None
    for block in blocks:
        el = block.features.get("element") if block.features else None
        if el is None or block.kind in ("table", "code", "image"):
            continue
        if not any(isinstance(c.tag, str) and c.tag in _INLINE_MARKUP for c in el.iter()):
            continue
        if converter is None:
            converter = MarkdownConverter(heading_style="ATX", bullets="-", strip=["img"])
        try:
            clone = lxml.html.fromstring(lxml.html.tostring(el, encoding="unicode"))
        except (etree.ParserError, ValueError):
            continue
        for a in clone.iter("a"):
            href = a.get("href") or ""
            if not is_safe_href(href):
                a.attrib.pop("href", None)
        for bad in list(clone.iter(*SKIP_TAGS)):
            bad.drop_tree()
        html_snippet = lxml.html.tostring(clone, encoding="unicode")
        md = converter.convert(html_snippet).strip()
        md = re.sub(r"\n{3,}", "\n\n", clean_text(md))
        # A block cut from a larger element (text around a nested list, say)
        # keeps its plain text rather than a Markdown of more than it holds.
        if md and len(md) < 3 * len(block.text) + 200:
            block.markdown = md


_INLINE_MARKUP = frozenset("a em i strong b code mark sup sub del s u".split())

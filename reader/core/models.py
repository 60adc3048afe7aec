"""The data model: articles made of blocks, and the annotations anchored to them.

An article's canonical text is its blocks' texts joined by blank lines. Every
block records where it starts and ends in that text; annotations anchor to it
with W3C-style selectors (a text position and a text quote).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

#: Block kinds, in the words `reader fold --format jsonl` prints them.
BLOCK_KINDS = (
    "heading",
    "paragraph",
    "list_item",
    "quote",
    "code",
    "table",
    "image",
    "caption",
)

#: What joins two blocks in the canonical text.
BLOCK_SEPARATOR = "\n\n"


@dataclass(slots=True)
class Link:
    """A link inside a block: offsets into the block's text, and its target."""

    start: int
    end: int
    href: str

    def to_dict(self) -> dict[str, Any]:
        return {"start": self.start, "end": self.end, "href": self.href}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Link:
        return cls(int(d["start"]), int(d["end"]), str(d["href"]))


@dataclass(slots=True)
class Block:
    """One block of an article: a heading, a paragraph, a list item...

    ``boilerplate``/``reason`` are the folding decision made at import
    (`reader.core.fold`); rules the user made and repetition across the
    archive are applied on top of it when the article is shown.
    """

    kind: str
    text: str
    level: int = 0
    #: An ordered list's item: the number it shows (0 for any other block).
    number: int = 0
    markdown: str | None = None
    links: list[Link] = field(default_factory=list)
    boilerplate: bool = False
    reason: str = ""
    start: int = 0
    end: int = 0
    #: Signals the parser saw (tags, class names, link text...), used by the
    #: folder and never stored.
    features: dict[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"kind": self.kind, "text": self.text}
        if self.level:
            d["level"] = self.level
        if self.number:
            d["number"] = self.number
        if self.markdown is not None and self.markdown != self.text:
            d["markdown"] = self.markdown
        if self.links:
            d["links"] = [link.to_dict() for link in self.links]
        if self.boilerplate:
            d["boilerplate"] = True
            d["reason"] = self.reason
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Block:
        return cls(
            kind=str(d.get("kind", "paragraph")),
            text=str(d.get("text", "")),
            level=int(d.get("level", 0)),
            number=int(d.get("number", 0)),
            markdown=d.get("markdown"),
            links=[Link.from_dict(x) for x in d.get("links", ())],
            boilerplate=bool(d.get("boilerplate", False)),
            reason=str(d.get("reason", "")),
        )


def layout_blocks(blocks: list[Block]) -> str:
    """Join the blocks' texts into the canonical text, setting their offsets."""
    parts: list[str] = []
    pos = 0
    sep = len(BLOCK_SEPARATOR)
    for i, block in enumerate(blocks):
        if i:
            parts.append(BLOCK_SEPARATOR)
            pos += sep
        block.start = pos
        parts.append(block.text)
        pos += len(block.text)
        block.end = pos
    return "".join(parts)


@dataclass(slots=True)
class Article:
    """A saved article, as kept in the archive."""

    id: str
    title: str
    blocks: list[Block]
    url: str | None = None
    site: str | None = None
    author: str | None = None
    published: str | None = None
    saved: str = ""
    source_format: str = "text"
    source_path: str | None = None
    content_hash: str = ""
    tags: list[str] = field(default_factory=list)
    note: str = ""
    text: str = ""

    def __post_init__(self) -> None:
        if not self.text and self.blocks:
            self.text = layout_blocks(self.blocks)

    def relayout(self) -> None:
        self.text = layout_blocks(self.blocks)

    @property
    def folded_count(self) -> int:
        return sum(1 for b in self.blocks if b.boilerplate)

    @property
    def word_count(self) -> int:
        from reader.core.sentences import count_words

        return count_words(self.text)

    def block_at(self, offset: int) -> int:
        """Index of the block holding (or nearest before) a text offset."""
        lo, hi = 0, len(self.blocks) - 1
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if self.blocks[mid].start <= offset:
                lo = mid
            else:
                hi = mid - 1
        return lo

    def meta_dict(self) -> dict[str, Any]:
        """The article without its body."""
        return {
            "id": self.id,
            "title": self.title,
            "url": self.url,
            "site": self.site,
            "author": self.author,
            "published": self.published,
            "saved": self.saved,
            "source_format": self.source_format,
            "source_path": self.source_path,
            "content_hash": self.content_hash,
            "tags": list(self.tags),
        }

    def to_dict(self) -> dict[str, Any]:
        d = self.meta_dict()
        d["note"] = self.note
        d["blocks"] = [b.to_dict() for b in self.blocks]
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Article:
        blocks = [Block.from_dict(b) for b in d.get("blocks", ())]
        article = cls(
            id=str(d["id"]),
            title=str(d.get("title") or ""),
            blocks=blocks,
            url=d.get("url"),
            site=d.get("site"),
            author=d.get("author"),
            published=d.get("published"),
            saved=str(d.get("saved") or ""),
            source_format=str(d.get("source_format") or "text"),
            source_path=d.get("source_path"),
            content_hash=str(d.get("content_hash") or ""),
            tags=list(d.get("tags") or ()),
            note=str(d.get("note") or ""),
        )
        return article


@dataclass(slots=True)
class Annotation:
    """A highlight on an article's canonical text, with tags and a note.

    The anchor follows the W3C Web Annotation selectors: a TextPositionSelector
    (``start``/``end``) and a TextQuoteSelector (``exact`` with 32 characters of
    ``prefix`` and ``suffix``). An annotation whose text could not be found
    again after the article changed is ``orphaned``: kept, never dropped. One
    found again on text that reads differently keeps in ``was`` the text it
    was made on (cleared if the article comes to read so again).
    """

    id: str
    article_id: str
    start: int
    end: int
    exact: str
    prefix: str = ""
    suffix: str = ""
    tags: list[str] = field(default_factory=list)
    note: str = ""
    created: str = ""
    updated: str = ""
    orphaned: bool = False
    was: str = ""

    def to_dict(self) -> dict[str, Any]:
        d = {
            "id": self.id,
            "article_id": self.article_id,
            "start": self.start,
            "end": self.end,
            "exact": self.exact,
            "prefix": self.prefix,
            "suffix": self.suffix,
            "tags": list(self.tags),
            "note": self.note,
            "created": self.created,
            "updated": self.updated,
            "orphaned": self.orphaned,
        }
        if self.was:
            d["was"] = self.was
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Annotation:
        get = d.get
        # Positional: an export builds 100,000 of these.
        return cls(
            str(d["id"]), str(d["article_id"]), int(get("start", 0)), int(get("end", 0)),
            str(get("exact", "")), str(get("prefix", "")), str(get("suffix", "")),
            [str(t) for t in get("tags", ())], str(get("note", "")),
            str(get("created", "")), str(get("updated", "")), bool(get("orphaned", False)), str(get("was", "")),
        )


def row_list(value: Any) -> list[str]:
    """An index row's space-separated list (older rows hold JSON lists)."""
    if not value:
        return []
    return value.split() if isinstance(value, str) else [str(v) for v in value]


class ArticleInfo:
    """What the archive list shows of an article: no body, no annotations.

    A read-only view over the archive's index row: building one costs an
    object, not a copy, so the list of 10,000 articles opens at once.
    """

    __slots__ = ("_row",)

    def __init__(self, row: dict[str, Any]) -> None:
        self._row = row

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> ArticleInfo:
        if "id" not in d:
            raise KeyError("id")
        return cls(d)

    def __repr__(self) -> str:
        return f"ArticleInfo(id={self.id!r}, title={self.title!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ArticleInfo) and other._row == self._row

    __hash__ = None  # type: ignore[assignment]

    def to_dict(self) -> dict[str, Any]:
        return dict(self._row)

    def newest_first_key(self) -> str:
        """Sort key of the archive's default order (used reversed): saved
        time, then id (one string compares faster than a tuple)."""
        row = self._row
        return f"{row.get('saved') or ''}\x00{row['id']}"

    @property
    def id(self) -> str:
        return str(self._row["id"])

    @property
    def title(self) -> str:
        return str(self._row.get("title") or "")

    @property
    def url(self) -> str | None:
        return self._row.get("url")

    @property
    def site(self) -> str | None:
        return self._row.get("site")

    @property
    def author(self) -> str | None:
        return self._row.get("author")

    @property
    def published(self) -> str | None:
        return self._row.get("published")

    @property
    def saved(self) -> str:
        return str(self._row.get("saved") or "")

    @property
    def source_format(self) -> str:
        return str(self._row.get("source_format") or "text")

    @property
    def source_path(self) -> str | None:
        return self._row.get("source_path")

    @property
    def content_hash(self) -> str:
        return str(self._row.get("content_hash") or "")

    @property
    def tags(self) -> list[str]:
        return row_list(self._row.get("tags"))

    @property
    def status(self) -> str:
        return str(self._row.get("status") or "ok")

    @property
    def blocks(self) -> int:
        return int(self._row.get("blocks") or 0)

    @property
    def folded(self) -> int:
        return int(self._row.get("folded") or 0)

    @property
    def words(self) -> int:
        return int(self._row.get("words") or 0)

    @property
    def note(self) -> str:
        return str(self._row.get("note") or "")

    @property
    def annotation_count(self) -> int:
        return int(self._row.get("annotation_count") or 0)

    @property
    def annotation_tags(self) -> list[str]:
        return row_list(self._row.get("annotation_tags"))

    @property
    def annotation_ids(self) -> list[str]:
        return row_list(self._row.get("annotation_ids"))

    @property
    def notes_text(self) -> str:
        return str(self._row.get("notes_text") or "")

    @property
    def read(self) -> str:
        """When the user marked the article read ("" while unread)."""
        return str(self._row.get("read") or "")

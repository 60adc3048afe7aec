"""Markdown files (with optional YAML front matter) to blocks and metadata."""

from __future__ import annotations

import html
import re
import time
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.token import Token

from reader.core.models import Block, Link
from reader.core.sanitize import clean_line, clean_text

_FRONT_MATTER = re.compile(r"\A---[ \t]*\n(.*?)\n(?:---|\.\.\.)[ \t]*(?:\n|\Z)", re.DOTALL)
_KEY = re.compile(r"^([A-Za-z_][\w -]*?)\s*:\s*(.*)$")
# A link or image target with a scheme that must never be opened, however it
# is spelled (entities, spaces and control characters inside the scheme).
_UNSAFE_TARGET = re.compile(r"(?:\]\(<?|<)(?:javascript|vbscript|data|file):", re.IGNORECASE)
_INVISIBLE = re.compile(r"[\s\x00-\x1f\x7f]+")


def _safe_markdown(source: str | None) -> str | None:
    """`source`, unless it holds a javascript:/data:/vbscript:/file: target
    (then the block keeps only its plain text, as HTML blocks do)."""
    if not source:
        return None
    if _UNSAFE_TARGET.search(_INVISIBLE.sub("", html.unescape(source))):
        return None
    return source

_md = None

# Inline parsing (emphasis, links...) is what markdown-it is slow at: 5 MB of
# dense markup takes it many seconds. It runs block by block, within a time
# budget per file, and not at all on a block longer than _INLINE_MAX: past
# those, blocks are read as plain text.
_INLINE_BUDGET = 1.5
_INLINE_MAX = 200_000


def _parser() -> MarkdownIt:
    global _md
    if _md is None:
        _md = MarkdownIt("commonmark", {"html": False}).enable("table").enable("strikethrough")
        _md.disable("inline")  # done lazily, by _parse_inline
    return _md


def _parse_inline(token: Any, env: dict[str, Any], deadline: float) -> None:
    """Give an inline token its children (text, links, emphasis...)."""
    if token.children or not token.content:
        return
    if len(token.content) <= _INLINE_MAX and time.monotonic() < deadline:
        md = _parser()
        token.children = []
        md.inline.parse(token.content, md, env, token.children)
    else:
        token.children = [Token("text", "", 0, content=token.content)]


#: YAML's ways of writing no value.
_NULLS = frozenset(("", "~", "null", "Null", "NULL"))


def _scalar(value: str) -> Any:
    value = value.strip()
    if value in _NULLS:
        return None  # ("author: null" is no author named "null")
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
        return value[1:-1]
    if value.startswith("[") and value.endswith("]"):
        return [_scalar(v) for v in value[1:-1].split(",") if v.strip()]
    return value


def front_matter(text: str) -> tuple[dict[str, Any], str]:
    """(metadata, body). Reads the `key: value` and list subset of YAML."""
    m = _FRONT_MATTER.match(text)
    if not m:
        return {}, text
    meta: dict[str, Any] = {}
    key = None
    for line in m.group(1).split("\n"):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        item = re.match(r"^\s*-\s+(.*)$", line)
        if item and key is not None:
            if not isinstance(meta.get(key), list):
                meta[key] = []
            meta[key].append(_scalar(item.group(1)))
            continue
        kv = _KEY.match(line)
        if kv:
            key = kv.group(1).strip().lower()
            meta[key] = _scalar(kv.group(2)) if kv.group(2).strip() else ""
    return meta, text[m.end():]


def _inline(token: Any) -> tuple[str, list[Link]]:
    """Plain text of an inline token, with its links as offsets."""
    parts: list[str] = []
    links: list[Link] = []
    open_links: list[tuple[int, str]] = []
    length = 0
    for child in token.children or ():
        t = child.type
        piece = ""
        if t in ("text", "text_special", "code_inline", "html_inline"):
            piece = child.content
        elif t == "softbreak":
            piece = " "
        elif t == "hardbreak":
            piece = "\n"
        elif t == "image":
            alt = "".join(c.content for c in (child.children or ())) or child.content
            piece = alt
        elif t == "link_open":
            open_links.append((length, str(child.attrs.get("href", ""))))
        elif t == "link_close" and open_links:
            start, href = open_links.pop()
            if length > start and href:
                links.append(Link(start, length, clean_line(href)))
        if piece:
            parts.append(piece)
            length += len(piece)
    return "".join(parts), links


def parse_markdown(text: str) -> tuple[dict[str, Any], list[Block]]:
    text = clean_text(text)
    meta, body = front_matter(text)
    lines = body.split("\n")
    env: dict[str, Any] = {}
    tokens = _parser().parse(body, env)
    deadline = time.monotonic() + _INLINE_BUDGET
    for tok in tokens:
        if tok.type == "inline":
            _parse_inline(tok, env, deadline)
    blocks: list[Block] = []
    kinds: list[str] = []  # open containers: "quote", "list"
    list_depth = 0
    ordered: list[bool] = []  # for each open list, whether it is numbered
    number = 0
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        t = tok.type
        if t == "blockquote_open":
            kinds.append("quote")
        elif t in ("bullet_list_open", "ordered_list_open"):
            kinds.append("list")
            list_depth += 1
            ordered.append(t == "ordered_list_open")
        elif t in ("blockquote_close", "bullet_list_close", "ordered_list_close"):
            if kinds:
                if kinds.pop() == "list":
                    list_depth -= 1
                    ordered.pop()
        elif t == "list_item_open":
            # An ordered list's item: its first paragraph shows its number.
            number = int(tok.info) if ordered and ordered[-1] and tok.info.isdigit() and len(tok.info) < 7 else 0
        elif t in ("heading_open", "paragraph_open"):
            inline = tokens[i + 1]
            plain, links = _inline(inline)
            plain = plain.strip()
            if plain:
                if t == "heading_open":
                    kind, level = "heading", int(tok.tag[1])
                elif kinds and kinds[-1] == "list":
                    kind, level = "list_item", list_depth
                elif "quote" in kinds:
                    kind, level = "quote", 0
                else:
                    kind, level = "paragraph", 0
                only_image = all(c.type in ("image", "softbreak") for c in inline.children or ())
                if only_image and inline.children:
                    kind = "image"
                source = inline.content.strip()
                shown, number = (number if kind == "list_item" else 0), 0
                blocks.append(
                    Block(kind, plain, level=level, links=links, number=shown,
                          markdown=_safe_markdown(source) if source != plain else None)
                )
            i += 2
        elif t in ("fence", "code_block"):
            code = tok.content.rstrip("\n")
            if code.strip():
                blocks.append(Block("code", code))
        elif t == "table_open":
            rows: list[str] = []
            cells: list[str] = []
            j = i + 1
            while j < len(tokens) and tokens[j].type != "table_close":
                if tokens[j].type == "inline":
                    cells.append(_inline(tokens[j])[0].strip())
                elif tokens[j].type == "tr_close":
                    rows.append(" | ".join(cells))
                    cells = []
                j += 1
            if rows:
                start, end = tok.map or (0, 0)
                blocks.append(Block("table", "\n".join(rows),
                                    markdown=_safe_markdown("\n".join(lines[start:end]).strip())))
            i = j
        i += 1
    return meta, blocks

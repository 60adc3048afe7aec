"""Wallabag's JSON export: a list of entries (title, url, content as HTML,
tags as labels, created_at, published_at, published_by, is_archived,
is_starred...) each with its annotations in the Annotator format (``quote``,
``text`` as the note, ``ranges`` of XPath-like start/end with offsets). An
entry with content is folded at once and its annotations anchored; one
without (wallabag could not fetch it) becomes a pending entry."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

from reader.core import anchor
from reader.core.imports import (
    Entry,
    Highlight,
    ImportFormatError,
    ImportReport,
    attach_highlights,
    clean_title,
    date_only,
    deleted_before,
    iso_from_text,
    read_text,
    save_with_content,
    store_entries,
)
from reader.core.fold import give_title
from reader.core.sanitize import clean_line

#: What wallabag stores as content when it could not fetch a page.
_NOT_FETCHED = re.compile(r"wallabag can'?t retrieve contents", re.IGNORECASE)
_XPATH = re.compile(r"^(?:/[A-Za-z][A-Za-z0-9]*(?:\[\d{1,6}\])?){1,40}$")


def _entries(data: Any) -> list[Any]:
    if isinstance(data, list):
        return data
    if isinstance(data, dict):
        for key in ("entries", "items"):
            if isinstance(data.get(key), list):
                return data[key]
        embedded = data.get("_embedded")
        if isinstance(embedded, dict) and isinstance(embedded.get("items"), list):
            return embedded["items"]
    raise ImportFormatError("not a wallabag JSON export (expected a list of entries)")


def _tags(value: Any) -> list[str]:
    out = []
    for tag in value or ():
        label = tag.get("label") or tag.get("slug") if isinstance(tag, dict) else tag
        label = clean_line(str(label or ""))
        if label:
            out.append(label)
    return out


def _author(value: Any) -> str | None:
    if isinstance(value, list):
        value = ", ".join(clean_line(str(v)) for v in value if v)
    text = clean_line(str(value or ""))
    return text[:200] or None


def range_hint(content: str, ranges: Any, text: str) -> int | None:
    """Where in our text an Annotator range points: the text of the element
    its ``start`` path names in the entry's HTML, found in our text, plus
    ``startOffset``. None when the path cannot be followed."""
    if not isinstance(ranges, list) or not ranges or not isinstance(ranges[0], dict):
        return None
    start = str(ranges[0].get("start") or "")
    try:
        offset = int(ranges[0].get("startOffset") or 0)
    except (TypeError, ValueError):
        offset = 0
    if not _XPATH.match(start):
        return None
    from lxml import etree, html

    try:
        root = html.fragment_fromstring(content, create_parent="div")
    except (etree.ParserError, ValueError):
        return None
    steps = start.strip("/").split("/")
    for skip in range(min(2, len(steps))):
        try:
            found = root.xpath("./" + "/".join(steps[skip:]))
        except etree.XPathError:
            return None
        if found:
            el_text = " ".join(found[0].text_content().split())
            if not el_text:
                return None
            span = anchor.find_quote(text, el_text[:80])
            return None if span is None else span[0] + max(0, offset)
    return None


def import_wallabag(archive: Any, path: str | os.PathLike[str]) -> ImportReport:
    from reader.core.fetch import FetchError, check_url
    from reader.core.ingest import IngestError, ingest_bytes, site_of

    p = Path(path)
    report = ImportReport("wallabag", p.name)
    try:
        data = json.loads(read_text(p, report))
    except ValueError as err:
        raise ImportFormatError(f"{p}: not valid JSON ({err})") from None
    entries = _entries(data)
    items = [e for e in entries if isinstance(e, dict)]
    if items and not any("content" in e for e in items) and any("slug" in e and "savedAt" in e for e in items):
        raise ImportFormatError(f"{p}: looks like the list of an Omnivore export, not a wallabag export: "
                                "use `reader import omnivore` on the whole export (its zip or folder)")
    taken = {aid for row in archive.articles() for aid in row.annotation_ids}
    gone = archive.deleted_url_keys()
    for n, entry in enumerate(entries, 1):
        if not isinstance(entry, dict):
            report.fail(f"entry {n}", "not an object")
            continue
        raw_url = str(entry.get("url") or entry.get("given_url") or entry.get("origin_url") or "")
        try:
            url = check_url(raw_url)
        except FetchError as err:
            report.fail(f"entry {n}: {raw_url[:100] or '(no address)'}", str(err))
            continue
        if deleted_before(archive, url, gone, report):
            continue
        title = clean_title(entry.get("title"), url)
        tags = _tags(entry.get("tags"))
        if entry.get("is_starred") in (1, True, "1"):
            tags.append("starred")
        saved = iso_from_text(entry.get("created_at"))
        read: bool | str = False
        if entry.get("is_archived") in (1, True, "1"):
            read = iso_from_text(entry.get("archived_at")) or True
        published = date_only(entry.get("published_at"))
        author = _author(entry.get("published_by"))
        content = entry.get("content") if isinstance(entry.get("content"), str) else ""
        fetched = bool(content.strip()) and not _NOT_FETCHED.search(content[:500]) and not entry.get("is_not_parsed")
        anns = [a for a in entry.get("annotations") or () if isinstance(a, dict)]
        try:
            if fetched:
                article = ingest_bytes(content.encode("utf-8"), "html", url=url, saved=saved)
                if title:
                    give_title(article, title)
                elif article.title == "Untitled":
                    # Neither the entry nor its text names it: its address
                    # does, as it does a pending entry's.
                    article.title = url
                article.url, article.site = url, site_of(url)
                article.author = author or article.author
                article.published = published or article.published
                from reader.core.tags import normalise_tag

                report.saw_tags(tags)
                article.tags = sorted(set(article.tags) | {t for t in map(normalise_tag, tags) if t})
                article_id, _ = save_with_content(archive, article, report, raw_html=content,
                                                  raw_meta={"source": "wallabag", "url": url}, read=read)
                text = archive.get(article_id).text
            else:
                # The title as the export wrote it: `store_entries` cleans it (once).
                ids = store_entries(archive, [Entry(url=url, title=str(entry.get("title") or ""), tags=tags,
                                                    saved=saved, author=author, published=published, read=read,
                                                    where=f"entry {n}")],
                                    report, "wallabag")
                if ids[0] is None:
                    continue
                article_id, text = ids[0], ""
        except IngestError as err:
            report.fail(f"entry {n}: {url[:100]}", str(err))
            continue
        highlights = [
            Highlight(quote=str(a.get("quote") or ""), note=str(a.get("text") or ""),
                      created=iso_from_text(a.get("created_at")) or "",
                      hint=range_hint(content, a.get("ranges"), text) if text else None)
            for a in anns
        ]
        if highlights:
            attach_highlights(archive, article_id, text, highlights, report, "wallabag", taken)
    return report

"""Omnivore's export (2024): a zip of ``metadata_<from>_to_<to>.json`` files
(a list of items: id, slug, title, description, author, url, state,
readingProgress, thumbnail, labels, savedAt, updatedAt, publishedAt), the
readable page of each item as ``content/<slug>.html``, and its highlights as
``highlights/<slug>.md``, written by Omnivore's ``highlightToMarkdown``::

    > the highlighted text #label1 #label2 (on its own line, after a blank)

    the note

one highlight after another, separated by blank lines (a highlight of type
"note" is the note alone: the article's own note). An unzipped export folder
is read the same way.
"""

from __future__ import annotations

import json
import os
import re
import zipfile
from pathlib import Path, PurePosixPath
from typing import Any

from reader.core.imports import (
    MAX_MEMBER_BYTES,
    OMNIVORE_METADATA,
    Highlight,
    ImportFormatError,
    ImportReport,
    attach_highlights,
    clean_title,
    date_only,
    decode_bytes,
    deleted_before,
    imported_note_key,
    iso_from_text,
    open_zip,
    read_member,
    save_with_content,
    store_entries,
    Entry,
)
from reader.core.fold import give_title
from reader.core.sanitize import clean_line, clean_text

_LABELS_LINE = re.compile(r"^#[^\s#]")
#: The most words a label has ("Long Read"); a longer one is a note that
#: starts with a hashtag ("#1 reason I keep reading this blog").
_LABEL_WORDS = 3


def _labels_of(line: str) -> list[str] | None:
    """The labels of a highlight's labels line ("#claim #Long Read"), or None
    when the line is the start of its note."""
    if not _LABELS_LINE.match(line):
        return None
    labels = [t.strip() for t in re.split(r"\s+#", line.strip()[1:]) if t.strip()]
    return labels if all(len(t.split()) <= _LABEL_WORDS for t in labels) else None


class _Export:
    """The export's files, from a zip or a folder."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.zip: zipfile.ZipFile | None = None
        self.files: dict[str, Any] = {}
        if path.is_dir():
            for p in path.rglob("*"):
                if p.is_file():
                    self.files[p.relative_to(path).as_posix()] = p
        else:
            self.zip = open_zip(path)
            for info in self.zip.infolist():
                if not info.is_dir():
                    self.files[info.filename] = info

    def read(self, name: str) -> bytes | None:
        item = self.files.get(name)
        if item is None:
            return None
        if self.zip is not None:
            return read_member(self.zip, item)
        if item.stat().st_size > MAX_MEMBER_BYTES:
            raise ImportFormatError(f"{name}: too large")
        return item.read_bytes()

    def close(self) -> None:
        if self.zip is not None:
            self.zip.close()


def parse_highlights(md: str) -> tuple[list[Highlight], str]:
    """The highlights of a ``highlights/<slug>.md`` and the article note
    (text before the first highlight)."""
    highlights: list[Highlight] = []
    article_note: list[str] = []
    lines = clean_text(md).split("\n")
    i = 0
    prev_blank = True
    current: dict[str, Any] | None = None

    def finish() -> None:
        if current is not None:
            note = "\n".join(current["note"]).strip()
            quote = "\n".join(current["quote"]).strip()
            highlights.append(Highlight(quote=quote, note=note, tags=current["tags"]))

    while i < len(lines):
        line = lines[i]
        if line.startswith(">") and prev_blank:
            finish()
            current = {"quote": [], "tags": [], "note": []}
            # The quote: "> " lines, and lines run on from them (a quoted
            # paragraph break leaves the next paragraph unprefixed).
            while i < len(lines) and lines[i].strip():
                q = lines[i]
                current["quote"].append(q[2:] if q.startswith("> ") else q[1:] if q.startswith(">") else q)
                i += 1
            prev_blank = True
            # Labels on their own line next.
            j = i
            while j < len(lines) and not lines[j].strip():
                j += 1
            labels = _labels_of(lines[j]) if j < len(lines) else None
            if labels:
                current["tags"] = labels
                i = j + 1
            continue
        if current is None:
            article_note.append(line)
        else:
            current["note"].append(line)
        prev_blank = not line.strip()
        i += 1
    finish()
    return highlights, "\n".join(article_note).strip()


def _labels(value: Any) -> list[str]:
    out = []
    for label in value or ():
        name = label.get("name") if isinstance(label, dict) else label
        name = clean_line(str(name or ""))
        if name:
            out.append(name)
    return out


def import_omnivore(archive: Any, path: str | os.PathLike[str]) -> ImportReport:
    from reader.core.ingest import IngestError, ingest_bytes

    p = Path(path)
    if not p.exists():
        raise ImportFormatError(f"{p}: no such file")
    report = ImportReport("omnivore", p.name)
    export = _Export(p)
    try:
        metas = sorted((n for n in export.files if OMNIVORE_METADATA.search(n)),
                       key=lambda n: (int(OMNIVORE_METADATA.search(n).group(1) or 0), n))  # type: ignore[union-attr]
        if not metas:
            raise ImportFormatError(f"{p}: not an Omnivore export (no metadata_*.json inside)")
        taken = {aid for row in archive.articles() for aid in row.annotation_ids}
        gone = archive.deleted_url_keys()
        for meta_name in metas:
            base = str(PurePosixPath(meta_name).parent)
            prefix = "" if base in (".", "") else base + "/"
            try:
                items = json.loads(decode_bytes(export.read(meta_name) or b"", report, meta_name))
            except ValueError as err:
                report.fail(meta_name, f"not valid JSON ({err})")
                continue
            if not isinstance(items, list):
                report.fail(meta_name, "not a list of items")
                continue
            for n, item in enumerate(items, 1):
                if not isinstance(item, dict):
                    report.fail(f"{meta_name} item {n}", "not an object")
                    continue
                try:
                    _import_item(archive, export, prefix, item, report, taken, gone, ingest_bytes)
                except (IngestError, ImportFormatError) as err:
                    report.fail(str(item.get("url") or item.get("slug") or f"{meta_name} item {n}"), str(err))
    finally:
        export.close()
    return report


def _import_item(archive: Any, export: _Export, prefix: str, item: dict[str, Any], report: ImportReport,
                 taken: set[str], gone: set[str], ingest_bytes: Any) -> None:
    from reader.core.fetch import FetchError, check_url
    from reader.core.ingest import site_of

    slug = str(item.get("slug") or "")
    raw_url = str(item.get("url") or "")
    try:
        url = check_url(raw_url)
    except FetchError as err:
        report.fail(raw_url[:100] or slug or "(no address)", str(err))
        return
    if deleted_before(archive, url, gone, report):
        return
    title = clean_title(item.get("title"), url)
    tags = _labels(item.get("labels"))
    saved = iso_from_text(item.get("savedAt"))
    author = clean_line(str(item.get("author") or ""))[:200] or None
    published = date_only(item.get("publishedAt"))
    read: bool | str = False
    if str(item.get("state") or "").casefold() == "archived":
        read = iso_from_text(item.get("archivedAt")) or True
    content = export.read(f"{prefix}content/{slug}.html") if slug and "/" not in slug else None
    md = export.read(f"{prefix}highlights/{slug}.md") if slug and "/" not in slug else None
    highlights, note = parse_highlights(decode_bytes(md, report, f"{prefix}highlights/{slug}.md")) if md else ([], "")
    if content and content.strip():
        article = ingest_bytes(content, "html", url=url, saved=saved, name=slug)
        if title:
            give_title(article, title)
        article.url, article.site = url, site_of(url)
        article.author = author or article.author
        article.published = published or article.published
        report.saw_tags(tags)
        article.tags = sorted(set(article.tags) | set(_norm(tags)))
        article_id, _status = save_with_content(
            archive, article, report, raw_html=decode_bytes(content),
            raw_meta={"source": "omnivore", "url": url, "slug": slug, "state": item.get("state")}, read=read,
        )
        text = archive.get(article_id).text
    else:
        # The title as the export wrote it: `store_entries` cleans it (once).
        ids = store_entries(archive, [Entry(url=url, title=str(item.get("title") or ""), tags=tags, saved=saved,
                                            author=author, published=published, read=read, where=slug)],
                            report, "omnivore")
        article_id = ids[0]
        if article_id is None:
            return
        text = ""  # highlights wait, as orphans, for `reader fetch`
    if note:
        # Joined once: an import run again brings back no note the user
        # edited or deleted since.
        archive.add_imported_note(article_id, imported_note_key("omnivore", note), note)
    if highlights:
        attach_highlights(archive, article_id, text, highlights, report, "omnivore", taken)


def _norm(tags: list[str]) -> list[str]:
    from reader.core.tags import normalise_tag

    return [t for t in (normalise_tag(x) for x in tags) if t]

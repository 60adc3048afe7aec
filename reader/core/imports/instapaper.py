"""Instapaper's CSV export: ``URL,Title,Selection,Folder`` (newer files add
``Timestamp``, and ``Tags``: a JSON list such as ``["ml", "papers"]``). Each
link becomes a pending entry; the Selection (the text the user picked when
saving) becomes the article's note; its tags, and a folder of the user's own,
become tags, and so does Starred; a link in Archive is marked read."""

from __future__ import annotations

import csv
import io
import json
import os
from pathlib import Path
from typing import Any

from reader.core.imports import Entry, ImportFormatError, ImportReport, iso_from_unix, read_text, store_entries
from reader.core.sanitize import clean_line, clean_text

#: Instapaper's own folders: where a link is, not what it is about.
BUILTIN_FOLDERS = {"unread", "archive", "archived", "home"}
ARCHIVE_FOLDERS = {"archive", "archived"}


def parse_csv(text: str) -> list[Entry]:
    csv.field_size_limit(max(csv.field_size_limit(), 16 * 1024 * 1024))
    reader = csv.DictReader(io.StringIO(text))
    fields = [f.strip().lower() for f in reader.fieldnames or ()]
    if "url" not in fields:
        raise ImportFormatError("not an Instapaper CSV export (no URL column; expected URL,Title,Selection,Folder)")
    if {"time_added", "status"} & set(fields) and not {"selection", "folder"} & set(fields):
        raise ImportFormatError("looks like a Pocket export (title,url,time_added,tags,status), not Instapaper's: "
                                "use `reader import pocket`")
    entries = []
    for row in reader:
        r = {str(k).strip().lower(): (v or "") for k, v in row.items() if k is not None}
        folder = clean_line(r.get("folder", ""))
        tags = _tags(r.get("tags", ""))
        if folder and folder.lower() not in BUILTIN_FOLDERS:
            tags.append(folder)
        entries.append(Entry(
            url=r.get("url", "").strip(),
            title=clean_line(r.get("title", "")),
            note=clean_text(r.get("selection", "")).strip(),
            tags=tags,
            saved=iso_from_unix(r.get("timestamp")),
            read=folder.casefold() in ARCHIVE_FOLDERS,
            where=f"line {reader.line_num}",
        ))
    return entries


def _tags(cell: str) -> list[str]:
    """The Tags column: a JSON list of names (``[]`` for none); a plain
    comma-separated list is read too."""
    cell = cell.strip()
    if not cell:
        return []
    try:
        value = json.loads(cell)
    except ValueError:
        value = cell.split(",")
    if not isinstance(value, list):
        value = [value]
    return [t for t in (clean_line(str(v)) for v in value if isinstance(v, (str, int, float))) if t]


def import_instapaper(archive: Any, path: str | os.PathLike[str]) -> ImportReport:
    report = ImportReport("instapaper", Path(path).name)
    entries = parse_csv(read_text(path, report))
    if not entries:
        raise ImportFormatError(f"{path}: no saved links found")
    store_entries(archive, entries, report, "instapaper")
    return report

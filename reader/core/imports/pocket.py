"""Pocket's exports: ``ril_export.html`` (links under "Unread" and "Read
Archive" headings, each ``<a href time_added tags>``) and the CSV of 2025
(``title,url,time_added,tags,status``, tags separated by ``|``), alone or
as the zip of ``part_*.csv`` files Pocket sent. Every link becomes a pending
entry with its tags and the time it was saved; a link from the Read Archive
(CSV status "archive") is marked read."""

from __future__ import annotations

import csv
import io
import os
from pathlib import Path
from typing import Any

from reader.core.imports import (
    Entry,
    ImportFormatError,
    ImportReport,
    decode_bytes,
    iso_from_unix,
    open_zip,
    read_member,
    read_text,
    store_entries,
)
from reader.core.sanitize import clean_line


#: The CSV's status of a link the user had read (the other is "unread").
READ_STATUSES = {"archive", "archived", "read"}


def _tags(raw: str, sep: str) -> list[str]:
    return [t for t in (clean_line(x) for x in raw.split(sep)) if t]


def parse_html(text: str) -> list[Entry]:
    """The links of a ``ril_export.html``, in file order."""
    from lxml import etree, html

    try:
        doc = html.document_fromstring(text)
    except (etree.ParserError, ValueError) as err:
        raise ImportFormatError(f"not a Pocket HTML export ({err})") from None
    entries: list[Entry] = []
    section = ""
    for el in doc.iter("h1", "h2", "a"):
        if el.tag in ("h1", "h2"):
            section = clean_line(el.text_content())
            continue
        href = (el.get("href") or "").strip()
        if not href:
            continue
        line = getattr(el, "sourceline", None)
        entries.append(Entry(
            url=href,
            title=clean_line(el.text_content()),
            tags=_tags(el.get("tags") or "", ","),
            saved=iso_from_unix(el.get("time_added")),
            read="archive" in section.casefold(),
            where=f"line {line}" if line else section,
        ))
    return entries


def parse_csv(text: str, name: str = "") -> list[Entry]:
    csv.field_size_limit(max(csv.field_size_limit(), 16 * 1024 * 1024))
    reader = csv.DictReader(io.StringIO(text))
    fields = [f.strip().lower() for f in reader.fieldnames or ()]
    if "url" not in fields:
        raise ImportFormatError(f"{name or 'the file'} is not a Pocket CSV export (no url column; "
                                "expected title,url,time_added,tags,status)")
    if {"selection", "folder"} & set(fields) and "time_added" not in fields:
        raise ImportFormatError(f"{name or 'the file'} looks like an Instapaper export (URL,Title,Selection,Folder), "
                                "not Pocket's: use `reader import instapaper`")
    entries = []
    for row in reader:
        r = {str(k).strip().lower(): (v or "") for k, v in row.items() if k is not None}
        entries.append(Entry(
            url=r.get("url", "").strip(),
            title=clean_line(r.get("title", "")),
            tags=_tags(r.get("tags", ""), "|"),
            saved=iso_from_unix(r.get("time_added")),
            read=r.get("status", "").strip().casefold() in READ_STATUSES,
            where=f"{name + ' ' if name else ''}line {reader.line_num}",
        ))
    return entries


def parse(path: str | os.PathLike[str], report: ImportReport | None = None) -> list[Entry]:
    """The links of an export; how its files were read is said in `report`."""
    p = Path(path)
    if p.suffix.lower() == ".zip":
        entries: list[Entry] = []
        with open_zip(p) as z:
            members = sorted((i for i in z.infolist() if i.filename.lower().endswith(".csv") and not i.is_dir()),
                             key=lambda i: i.filename)
            if not members:
                raise ImportFormatError(f"{p}: no CSV file in the zip (expected Pocket's part_*.csv)")
            for info in members:
                entries.extend(parse_csv(decode_bytes(read_member(z, info), report, info.filename),
                                           Path(info.filename).name))
        return entries
    text = read_text(p, report)
    head = text.lstrip()[:2000].lower()
    if head.startswith("<") or "<html" in head or "<!doctype" in head:
        return parse_html(text)
    return parse_csv(text)


def import_pocket(archive: Any, path: str | os.PathLike[str]) -> ImportReport:
    report = ImportReport("pocket", Path(path).name)
    entries = parse(path, report)
    if not entries:
        raise ImportFormatError(f"{path}: no saved links found (is it Pocket's ril_export.html or CSV?)")
    store_entries(archive, entries, report, "pocket")
    return report

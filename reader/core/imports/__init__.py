"""Bringing an archive in from elsewhere: Pocket, Instapaper, Omnivore, Wallabag.

Each service has its module with an ``import_<service>(archive, path)`` that
returns an `ImportReport`. Links without content become pending entries (see
`Archive.add_pending_many`) for `reader fetch`; content that comes with the
export is folded at once, and its highlights anchored in our text (the exact
quote, then a fuzzy match), or kept as orphans, never dropped. Importing the
same file again adds nothing: addresses, texts and highlight ids all repeat,
and an article (or highlight) the user deleted stays deleted.
An export made later (with more tags, more read) gives the articles already
here the tags they lack and their read state (`join_known`).
"""

from __future__ import annotations

import hashlib
import html
import os
import re
import unicodedata
import zipfile
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from reader.core import anchor
from reader.core.models import Annotation
from reader.core.sanitize import clean_line, clean_text

#: No single file in an export is read past this.
MAX_MEMBER_BYTES = 64 * 1024 * 1024
SERVICES = ("pocket", "instapaper", "omnivore", "wallabag")


class ImportFormatError(Exception):
    """The file is not an export of the kind asked for; one line saying why."""


@dataclass(slots=True)
class Entry:
    """A saved link to fetch later."""

    url: str
    title: str = ""  # as the export has it: `clean_title` makes it a title
    tags: list[str] = field(default_factory=list)
    saved: str | None = None
    note: str = ""
    author: str | None = None
    published: str | None = None
    read: bool | str = False  # read or archived where it comes from (when, if known)
    where: str = ""  # "line 12": where in the file, for messages


@dataclass(slots=True)
class Highlight:
    """A highlight from an export: its quote, note and tags, and maybe where."""

    quote: str
    note: str = ""
    tags: list[str] = field(default_factory=list)
    created: str = ""
    hint: int | None = None  # a likely offset in our text


@dataclass
class ImportReport:
    service: str
    source: str
    imported: int = 0  # articles with their content
    pending: int = 0  # links to fetch
    updated: int = 0  # an article already here, given this export's text
    duplicates: int = 0
    #: Of the articles already here (by status: "duplicate", "updated"), those
    #: this export gave tags they lacked, and those it marked read.
    given_tags: Counter[str] = field(default_factory=Counter)
    marked_read: Counter[str] = field(default_factory=Counter)
    failed: list[tuple[str, str]] = field(default_factory=list)  # (what, why)
    highlights: int = 0  # new annotations
    placed: int = 0
    #: Of those placed, on text that reads otherwise than the highlight
    #: (kept as what it read, `Annotation.was`).
    placed_differently: int = 0
    orphaned: int = 0
    highlights_known: int = 0  # already imported before
    highlights_deleted: int = 0  # imported before, deleted since: not brought back
    notes_joined: int = 0  # an entry's note joined to the article already here
    #: The notes on articles updated (given this export's text): moved to the
    #: new text, on text that reads differently now, orphaned; and the
    #: articles whose notes want a look.
    notes_kept: int = 0
    notes_changed: int = 0
    notes_orphaned: int = 0
    to_review: list[str] = field(default_factory=list)
    #: The articles this export brought with their text so far, by address:
    #: an address the export holds twice is the first entry's article.
    seen: dict[str, str] = field(default_factory=dict, repr=False)
    #: The addresses (`url_key`) of the articles the user deleted, left out.
    deleted: set[str] = field(default_factory=set, repr=False)
    #: What the user should know of how the export was read (an encoding guessed).
    warnings: list[str] = field(default_factory=list)
    #: The tags as the export names them, by the tag each is here (`saw_tags`).
    tag_names: dict[str, set[str]] = field(default_factory=dict, repr=False)

    def fail(self, what: str, why: str) -> None:
        self.failed.append((clean_line(what)[:160], clean_line(why)[:200]))

    def warn(self, what: str) -> None:
        self.warnings.append(clean_line(what)[:300])

    def saw_tags(self, tags: list[str]) -> None:
        """Note the tags an entry or highlight of the export names, as it
        names them (see `tags_rewritten`)."""
        from reader.core.tags import normalise_tag

        for raw in tags:
            name = clean_line(str(raw))
            tag = normalise_tag(name)
            if tag:
                self.tag_names.setdefault(tag, set()).add(name)

    def tags_rewritten(self) -> list[str]:
        """The tags of the export that a tag here cannot write as they are
        (a tag holds letters, digits, '-' and '_'), each with those it became
        one with: "c++, c#, C are #c". Not those only put in lower case, their
        spaces made '-' ("Long Read" is #long-read)."""
        out = []
        for tag, names in sorted(self.tag_names.items()):
            plain = {"-".join(unicodedata.normalize("NFC", n).lower().split()): n for n in sorted(names)}
            if set(plain) != {tag}:
                shown = sorted(plain.values(), key=str.casefold)
                out.append(f"{', '.join(shown)} {'are' if len(shown) > 1 else 'is'} #{tag}")
        return out

    def joined(self, status: str) -> list[str]:
        """What the export changed on the articles of `status` already here."""
        out = []
        if self.given_tags[status]:
            out.append(f"{self.given_tags[status]} given new tags")
        if self.marked_read[status]:
            out.append(f"{self.marked_read[status]} marked read")
        return out

    def summary(self) -> str:
        """The report in one line (what the app says of an import)."""
        parts = [f"{self.imported + self.pending} imported" + (f" ({self.pending} to fetch)" if self.pending else "")]
        if self.updated:
            parts.append(f"{self.updated} updated")
        if self.duplicates:
            parts.append(f"{self.duplicates} already here")
        if self.highlights:
            parts.append(f"{self.highlights} highlight{'s' if self.highlights != 1 else ''}"
                         + (f" ({self.orphaned} orphaned)" if self.orphaned else ""))
        if self.deleted:
            parts.append(f"{len(self.deleted)} you deleted not imported again")
        if self.failed:
            parts.append(f"{len(self.failed)} failed")
        rewritten = self.tags_rewritten()
        if rewritten:
            parts.append("tags " + "; ".join(rewritten[:5]) + ("; ..." if len(rewritten) > 5 else ""))
        return f"{self.service.capitalize()} export {self.source}: " + ", ".join(parts) \
            + "".join(f"; {w}" for w in self.warnings)

    def lines(self) -> list[str]:
        """The summary, as printed by `reader import`."""
        total = self.imported + self.pending + self.updated + self.duplicates + len(self.deleted) + len(self.failed)
        out = [f"{self.service.capitalize()} export {self.source}: {total} entr{'y' if total == 1 else 'ies'}"]
        out.extend(f"  warning: {w}" for w in self.warnings)
        out.append(f"  imported: {self.imported + self.pending}"
                   + (f" ({self.imported} with their text, {self.pending} to fetch)" if self.pending else ""))
        if self.updated:
            joined = "; " + ", ".join(self.joined("updated")) if self.joined("updated") else ""
            out.append(f"  updated: {self.updated} (already here; the export's text kept as the new version{joined})")
            if self.notes_kept or self.notes_orphaned:
                line = f"    their notes: {self.notes_kept} kept"
                if self.notes_changed:
                    line += f", {self.notes_changed} of them on text that changed"
                if self.notes_orphaned:
                    line += f", {self.notes_orphaned} orphaned (the text they were on is gone)"
                out.append(line)
            if self.to_review:
                more = f" (and {len(self.to_review) - 10} more)" if len(self.to_review) > 10 else ""
                out.append("    review them: " + ", ".join(f"`reader notes {i[:8]}`" for i in self.to_review[:10])
                           + more)
        if self.highlights or self.highlights_known or self.highlights_deleted:
            differ = (f", {self.placed_differently} of them on text that reads otherwise (`reader notes` shows "
                      "what they read)") if self.placed_differently else ""
            line = f"  highlights: {self.highlights} new ({self.placed} placed{differ}, {self.orphaned} orphaned)"
            if self.highlights_known:
                line += f", {self.highlights_known} already imported"
            if self.highlights_deleted:
                line += f", {self.highlights_deleted} deleted by you (left deleted)"
            out.append(line)
        known = self.joined("duplicate")
        if self.notes_joined:
            known.append(f"{self.notes_joined} note{'s' if self.notes_joined != 1 else ''} joined to the note "
                         "of the article")
        out.append(f"  already in the archive: {self.duplicates}" + (f" ({', '.join(known)})" if known else ""))
        if self.deleted:
            n = len(self.deleted)
            out.append(f"  {n} article{'s' if n != 1 else ''} you deleted {'were' if n != 1 else 'was'} "
                       "not imported again")
        rewritten = self.tags_rewritten()
        if rewritten:
            more = f"; and {len(rewritten) - 10} more" if len(rewritten) > 10 else ""
            out.append("  tags written as tags can be (letters, digits, - and _): " + "; ".join(rewritten[:10])
                       + more)
        out.append(f"  failed: {len(self.failed)}")
        for what, why in self.failed[:50]:
            out.append(f"    {what}: {why}")
        if len(self.failed) > 50:
            out.append(f"    ... and {len(self.failed) - 50} more")
        if self.pending:
            out.append("Run `reader fetch` to fetch the pending entries.")
        return out


# ---------------------------------------------------------------- reading files


def run_import(archive: Any, service: str, path: str | os.PathLike[str]) -> ImportReport:
    """Import `path` as an export of `service` (one of SERVICES)."""
    import importlib

    if service not in SERVICES:
        raise ImportFormatError(f"no such service: {service}")
    module = importlib.import_module(f"reader.core.imports.{service}")
    return getattr(module, f"import_{service}")(archive, path)


#: Omnivore's lists of items in its export (zip or folder), numbered by the
#: first item each holds.
OMNIVORE_METADATA = re.compile(r"(?:^|/)metadata(?:_(\d+)_to_\d+)?\.json$")


def detect_service(path: str | os.PathLike[str]) -> str | None:
    """Which service's export `path` is, told by what each puts in it: a
    folder or zip with Omnivore's metadata_*.json; Pocket's ril_export.html,
    its CSV (time_added, status) or a zip of those; Instapaper's CSV
    (Selection, Folder); wallabag's JSON. None when it reads as none."""
    p = Path(path)
    try:
        if p.is_dir():
            names = [f.relative_to(p).as_posix() for f in p.rglob("metadata*.json")]
            return "omnivore" if any(OMNIVORE_METADATA.search(n) for n in names) else None
        with p.open("rb") as f:
            head = f.read(65536)
        if zipfile.is_zipfile(p):
            with zipfile.ZipFile(p) as z:
                names = z.namelist()
            if any(OMNIVORE_METADATA.search(n) for n in names):
                return "omnivore"
            return "pocket" if any(n.lower().endswith(".csv") for n in names) else None
    except (OSError, zipfile.BadZipFile):
        return None
    text = decode_bytes(head).lstrip().lower()
    if text.startswith("<") or "<html" in text[:2000]:
        # Pocket's page of links, each with the time it was added.
        return "pocket" if "time_added" in text or "pocket export" in text else None
    if text.startswith(("[", "{")):
        # wallabag's entries: each with its archived flag and reading time.
        return "wallabag" if '"is_archived"' in text or '"reading_time"' in text else None
    fields = {f.strip().strip('"') for f in text[:4096].split("\n", 1)[0].split(",")}
    if "url" in fields:
        if {"selection", "folder"} & fields and "time_added" not in fields:
            return "instapaper"
        if {"time_added", "status"} & fields:
            return "pocket"
    return None


def read_text(path: str | os.PathLike[str], report: ImportReport | None = None) -> str:
    """The file's text (see `decode_bytes`)."""
    p = Path(path)
    try:
        if p.stat().st_size > MAX_MEMBER_BYTES:
            raise ImportFormatError(f"{p}: too large for an export ({p.stat().st_size // (1024 * 1024)} MB)")
        data = p.read_bytes()
    except FileNotFoundError:
        raise ImportFormatError(f"{p}: no such file") from None
    except IsADirectoryError:
        raise ImportFormatError(f"{p}: is a folder, not an export file") from None
    except OSError as err:
        raise ImportFormatError(f"{p}: cannot read ({err.strerror or err})") from None
    return decode_bytes(data, report, p.name)


#: The encodings a file names itself (by its byte-order mark) or that its
#: bytes prove (UTF-8): any other was detected, a guess.
_SURE = frozenset({"utf-8", "utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be"})


def decode_bytes(data: bytes, report: ImportReport | None = None, what: str = "") -> str:
    """An export's bytes as text, read as `reader add` reads a page (see
    `reader.core.ingest.decode`): by its byte-order mark, as UTF-8, else in
    the encoding its bytes seem to be in (a CSV saved again by Excel is
    Windows-1252). That guess, and any bytes that could not be read, are
    said in `report` (`what` names the file)."""
    from reader.core.ingest.decode import decode

    text, encoding = decode(data)
    if report is not None:
        name = f"{what}: " if what else ""
        if encoding not in _SURE:
            shown = re.sub(r"^cp(12\d\d)$", r"Windows-\1", encoding)
            report.warn(f"{name}not UTF-8; read as {shown}, the encoding it seems to be in "
                        "(if its accented letters look wrong, save it as UTF-8 and import it again)")
        unread = text.count("\ufffd") - data.count("\ufffd".encode("utf-8"))
        if unread > 0:
            report.warn(f"{name}{unread} character{'s' if unread != 1 else ''} could not be read "
                        "(shown as \ufffd)")
    return text


def read_member(z: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes:
    """A zip member's bytes, never more than MAX_MEMBER_BYTES (whatever its
    header claims)."""
    if info.file_size > MAX_MEMBER_BYTES:
        raise ImportFormatError(f"{info.filename}: too large ({info.file_size // (1024 * 1024)} MB)")
    with z.open(info) as f:
        data = f.read(MAX_MEMBER_BYTES + 1)
    if len(data) > MAX_MEMBER_BYTES:
        raise ImportFormatError(f"{info.filename}: too large")
    return data


def open_zip(path: str | os.PathLike[str]) -> zipfile.ZipFile:
    try:
        return zipfile.ZipFile(path)
    except FileNotFoundError:
        raise ImportFormatError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise ImportFormatError(f"{path}: is a folder") from None
    except (zipfile.BadZipFile, OSError) as err:
        raise ImportFormatError(f"{path}: not a zip file ({err})") from None


# ---------------------------------------------------------------- values


def iso_from_unix(value: Any) -> str | None:
    try:
        ts = float(str(value).strip())
    except (TypeError, ValueError):
        return None
    if ts <= 0:
        return None
    if ts > 1e11:  # milliseconds
        ts /= 1000
    try:
        return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    except (OverflowError, OSError, ValueError):
        return None


_TZ_NO_COLON = re.compile(r"([+-]\d{2})(\d{2})$")


def iso_from_text(value: Any) -> str | None:
    """An ISO-8601-ish date-time ("2024-10-30T12:34:56.789Z", "2017-02-14
    17:50:31", "...+0100") as UTC "YYYY-MM-DDTHH:MM:SSZ"; None if unreadable."""
    if value is None or value == "":
        return None
    if isinstance(value, int | float):
        return iso_from_unix(value)
    text = clean_line(str(value))
    if not text:
        return None
    if text.isdigit():
        return iso_from_unix(text)
    norm = text.replace("Z", "+00:00").replace(" ", "T", 1)
    norm = _TZ_NO_COLON.sub(r"\1:\2", norm)
    try:
        dt = datetime.fromisoformat(norm)
    except ValueError:
        m = re.match(r"(\d{4})-(\d{2})-(\d{2})", text)
        return f"{m.group(1)}-{m.group(2)}-{m.group(3)}T00:00:00Z" if m else None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def date_only(value: Any) -> str | None:
    """The calendar date a date-time names where it was written
    ("2024-01-14T00:00:00+0100" is 2024-01-14, not the UTC 2024-01-13);
    a Unix time, which has no zone, is read as UTC. None if unreadable."""
    if value is None or value == "":
        return None
    if isinstance(value, int | float) or str(value).strip().isdigit():
        iso = iso_from_unix(value)
        return iso[:10] if iso else None
    text = clean_line(str(value))
    m = re.match(r"(\d{4})-(\d{2})-(\d{2})(?![\d])", text)
    if not m:
        iso = iso_from_text(text)
        return iso[:10] if iso else None
    try:
        return date(*(int(g) for g in m.groups())).isoformat()
    except ValueError:
        return None


#: A character reference ended by its semicolon ("&quot;", "&#39;", "&#x2019;").
_CHAR_REF = re.compile(r"&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")


def clean_title(title: Any, url: str) -> str:
    """An export's title as text: its character references ("&quot;big&quot;",
    left by the page or service it came from) read as the characters they
    stand for; "" when it is only the address. Never parsed as markup: "AT&T"
    and "<b>" stay as written. Each title goes through here once."""
    t = _CHAR_REF.sub(lambda m: html.unescape(m.group(0)), str(title or ""))
    t = clean_line(t)
    return "" if t == url else t[:500]


# ---------------------------------------------------------------- storing


def join_known(archive: Any, article_id: str, tags: list[str], read: bool | str, report: ImportReport,
               status: str) -> None:
    """What an export says of an article already here joins it: the tags it
    lacks (the user's own stay, none is doubled: an export made later, with
    more tags, adds those), and read there (when, if known) is read here,
    unless the user marked it unread here since: that choice stands."""
    with archive.transaction():
        if archive.add_article_tags(article_id, archive.as_renamed(tags)):
            report.given_tags[status] += 1
        if read and not archive.info(article_id).read and not archive.marked_unread(article_id):
            archive.set_read(article_id, when=read if isinstance(read, str) else None)
            report.marked_read[status] += 1


def deleted_before(archive: Any, url: str, gone: set[str], report: ImportReport) -> bool:
    """Whether `url` is the address of an article the user deleted (`gone`:
    `Archive.deleted_url_keys`) and has not added again: an export does not
    bring it back, nor its highlights; the report counts it."""
    from reader.core.fetch import url_key

    key = url_key(url)
    if key in gone and archive.find_url(url) is None:
        report.deleted.add(key)
        return True
    return False


def store_entries(archive: Any, entries: list[Entry], report: ImportReport, source: str) -> list[str | None]:
    """Add links as pending entries; each result is the entry's article id
    (new or the one already here), or None when the link was refused."""
    from reader.core.fetch import FetchError, check_url
    from reader.core.ingest import site_of

    batch: list[dict[str, Any]] = []
    where: list[int] = []
    ids: list[str | None] = [None] * len(entries)
    gone = archive.deleted_url_keys()
    for i, e in enumerate(entries):
        try:
            url = check_url(e.url)
        except FetchError as err:
            report.fail(f"{e.where + ': ' if e.where else ''}{e.url[:100] or '(no address)'}", str(err))
            continue
        if deleted_before(archive, url, gone, report):
            continue
        report.saw_tags(e.tags)
        note = clean_text(e.note).strip()
        batch.append({"url": url, "title": clean_title(e.title, url) or url, "tags": archive.as_renamed(e.tags),
                      "saved": e.saved,
                      "note": note, "note_key": imported_note_key(source, note) if note else "",
                      "author": e.author, "published": e.published, "site": site_of(url),
                      "source": source, "read": e.read})
        where.append(i)
    if batch:
        for i, entry, res in zip(where, batch, archive.add_pending_many(batch), strict=True):
            ids[i] = res.id
            if res.status == "added":
                report.pending += 1
                continue
            report.duplicates += 1
            # The link is here already (from another export, or this one run
            # before): the entry's tags and read state join the article, and
            # the note the user made with it joins the article's note, once.
            join_known(archive, res.id, entries[i].tags, entries[i].read, report, "duplicate")
            if entry["note"] and archive.add_imported_note(res.id, entry["note_key"], entry["note"]):
                report.notes_joined += 1
    return ids


def place(text: str, quote: str, hint: int | None = None) -> tuple[int, int] | None:
    """Where a highlight's quote stands in `text`: the exact quote (the
    occurrence nearest `hint`), then the quote with any whitespace or case,
    then a fuzzy match; None when it is not there."""
    quote = quote.strip()
    if not quote or not text:
        return None
    hits = []
    i = text.find(quote)
    while i >= 0 and len(hits) < 1000:
        hits.append(i)
        i = text.find(quote, i + 1)
    if hits:
        best = min(hits, key=lambda h: abs(h - hint)) if hint is not None else hits[0]
        return best, best + len(quote)
    span = anchor.find_quote(text, quote)
    if span is not None:
        return span
    return anchor.fuzzy_find(text, quote, "", "", hint or 0)


def imported_note_key(source: str, note: str) -> str:
    """What names a note an import joined to an article's note (see
    `Archive.add_imported_note`): the service and the note's text."""
    return hashlib.sha256(f"{source}\x00{note}".encode("utf-8")).hexdigest()[:16]


def _highlight_id(source: str, article_id: str, quote: str, note: str, nth: int) -> str:
    from reader.core.store import ANNOTATION_ID_LEN

    key = f"{source}\x00{article_id}\x00{quote}\x00{note}\x00{nth}"
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:ANNOTATION_ID_LEN]


def attach_highlights(
    archive: Any, article_id: str, text: str, highlights: list[Highlight], report: ImportReport, source: str,
    taken: set[str] | None = None,
) -> None:
    """Store an export's highlights on an article. Each gets an id made from
    the service, the article and the highlight's quote, so a second import
    (or a later export, its notes edited there) finds it already there and
    leaves it, and any edit made since, alone."""
    from reader.core.store import ANNOTATION_ID_LEN, now_iso

    existing = {a.id for a in archive.annotations(article_id)}
    deleted = archive.deleted_annotation_ids(article_id)
    if taken is None:
        taken = {aid for row in archive.articles() for aid in row.annotation_ids}
    seen: Counter[tuple[str, str]] = Counter()
    for h in highlights:
        quote = clean_text(h.quote).strip()
        note = clean_text(h.note).strip()
        if not quote and not note:
            continue
        report.saw_tags(h.tags)
        if not quote:
            # A note on no quote is a note on the article: it joins the
            # article's own note, once (an import run again adds nothing,
            # and brings back none the user deleted).
            archive.add_imported_note(article_id, imported_note_key(source, note), note)
            continue
        # A highlight is known by its quote (and which of the same quotes it
        # is), not by its note: a later export with the note edited there
        # brings no second copy, nor back one the user deleted. (Ids made
        # before from quote and note are still recognised.)
        seen[(quote, "")] += 1
        ids = [_highlight_id(source, article_id, quote, "", seen[(quote, "")])]
        if note:
            seen[(quote, note)] += 1
            ids.append(_highlight_id(source, article_id, quote, note, seen[(quote, note)]))
        if any(i in existing for i in ids):
            report.highlights_known += 1
            continue
        if any(i in deleted for i in ids):
            report.highlights_deleted += 1  # the user deleted it: it stays deleted
            continue
        ann_id = ids[0]
        while ann_id in taken and ann_id not in existing:
            ann_id = hashlib.sha256(ann_id.encode()).hexdigest()[:ANNOTATION_ID_LEN]
        span = place(text, quote, h.hint) if quote else None
        stamp = h.created or now_iso()
        if span is not None:
            q = anchor.quote_at(text, *span)
            # Found only by a fuzzy match, its words differ: what the
            # highlight read is kept (shown and exported with it).
            was = quote if q.exact.split() != quote.split() else ""
            ann = Annotation(id=ann_id, article_id=article_id, start=span[0], end=span[1], exact=q.exact,
                             prefix=q.prefix, suffix=q.suffix, tags=archive.as_renamed(h.tags), note=note,
                             created=stamp,
                             updated=stamp, was=was)
            report.placed += 1
            report.placed_differently += bool(was)
        else:
            ann = Annotation(id=ann_id, article_id=article_id, start=0, end=0, exact=quote or note[:200],
                             tags=archive.as_renamed(h.tags), note=note, created=stamp, updated=stamp,
                             orphaned=True)
            report.orphaned += 1
        archive.put_annotation(ann)
        existing.add(ann_id)
        taken.add(ann_id)
        report.highlights += 1


def save_with_content(archive: Any, article: Any, report: ImportReport, *, raw_html: str | None = None,
                      raw_meta: dict[str, Any] | None = None, read: bool | str = False) -> tuple[str, str]:
    """Store an article that came with its text: it fills a pending entry of
    the same address, or is added, or is recognised. Returns (id, status).
    `read` (read or archived where it comes from; when, if known) marks the
    article read, new here or already here (see `join_known`)."""
    article.tags = archive.as_renamed(article.tags)
    if article.url and article.url in report.seen:
        # The export's second entry for an address: its text does not replace
        # the first's (and orphan the highlights that came with it); its tags
        # join the first's, and read there is read here.
        article_id = report.seen[article.url]
        report.duplicates += 1
        join_known(archive, article_id, article.tags, read, report, "duplicate")
        return article_id, "duplicate"
    with archive.transaction():
        row = archive.find_url(article.url) if article.url else None
        had = set(row.tags) if row is not None else set()
        if row is not None and row.status in ("pending", "failed"):
            res = archive.fill_pending(row.id, article)
        else:
            res = archive.save(article)
        status = res.status
        if status == "added":
            report.imported += 1
        elif status == "updated":
            report.updated += 1
            report.notes_kept += res.reanchored
            report.notes_changed += res.changed
            report.notes_orphaned += res.orphaned
            if res.changed or res.orphaned:
                report.to_review.append(res.id)
        else:
            report.duplicates += 1
        if raw_html and status != "duplicate":
            archive.put_raw(res.id, raw_html, raw_meta or {})
        if status == "added":
            # New here, or a pending entry of this address filled: read there
            # is read here, unless the user marked the entry unread.
            if read and not archive.info(res.id).read and not archive.marked_unread(res.id):
                archive.set_read(res.id, when=read if isinstance(read, str) else None)
        elif status == "updated":
            # The new version took the export's tags with its text (see
            # `Archive.save`): counted here, as those of a duplicate are.
            if row is not None and row.id == res.id and set(res.article.tags) - had:
                report.given_tags[status] += 1
            join_known(archive, res.id, article.tags, read, report, status)
        elif status == "duplicate":
            join_known(archive, res.id, article.tags, read, report, status)
        if article.url:
            report.seen[article.url] = res.id
        return res.id, status

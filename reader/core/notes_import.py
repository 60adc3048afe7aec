"""Edits made to exported Markdown, taken back into the archive
(`reader import-notes FILE.md|DIR`).

The file is read by the markers `reader.core.export` writes (HTML comments,
invisible in Obsidian) and by each annotation's block id `^<id>`:

- an annotation's note or its ``Tags:`` line edited: the annotation changes.
  The note is what follows the ``^id`` (and the ``Tags:`` line, if any): one
  written under the ``^id`` of an annotation exported without a note is
  taken, and so is a ``Tags:`` line put first under an annotation exported
  without tags. A section without a ``Tags:`` line leaves the tags as they
  are: it is how an annotation without tags is exported, and a line deleted
  from a tagged one is reported, not read as "remove them all" (an empty
  ``Tags:`` line says that);
- the article's note (under its marker, with or without the ``## Note``
  heading over it) edited: the article's note changes;
- an annotation's section deleted (its ``^id`` gone from a file whose article
  marker lists it as exported): the user asks to delete it. That is only
  reported — "deleted in the file; kept" — unless ``apply_deletions`` is
  given, and an annotation that changed in the archive since the export is
  never deleted;
- a section whose annotation changed in the archive since the export *and* in
  the file (the marker's ``base`` fingerprint tells them apart) is a conflict:
  reported, not applied (``force`` applies the file's version anyway);
- unknown ids, sections without an id, a quote edited
  beyond recognition (the quote itself is never imported: it is the article's
  text), text outside any section, a second ``## Note`` heading (typed under
  an annotation or in the note: the note is the one over its marker):
  reported, not applied. While a section has no id, or one the file was not
  exported with (mistyped), no annotation counts as deleted; nor does one
  whose section any other file of the same import holds (moved, or kept in a
  copy).

Everything else in the file (front matter, title, source line) is
informational: edits there are not imported (in a file of one article, an
edit there is reported, as the next export keeps the file for it).

After applying, the markers of the sections that now match the archive are
updated in the file (only those comment lines change), so the next import
compares with the new state; and when the whole file was taken back (nothing
left unapplied, front matter, title and source line as exported; in a
document of several articles, each one's title, metadata and source line as
an export writes them now), its ``export_hash`` too, so the next export
rewrites it rather than keeping it as edited. Nothing is written with
``dry_run``.
"""

from __future__ import annotations

import difflib
import html
import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from reader.core import export as ex
from reader.core.models import Annotation
from reader.core.tags import normalise_tag

if TYPE_CHECKING:  # pragma: no cover
    from reader.core.store import Archive

MARKDOWN_SUFFIXES = (".md", ".markdown")
#: Said of a file whose front matter, title or source line was edited.
HEADER_EDITED = ("the front matter, title or source line was edited: not imported (they come from the "
                 "archive), and the next export keeps this file (`reader export --force` overwrites it)")
#: How to settle a conflict, said with each one.
RESOLVE = ("keep the file's version with `reader import-notes --force`, or the archive's with "
           "`reader export --force` (an export without it keeps the edited file)")

# ---------------------------------------------------------------- parsing


@dataclass(slots=True)
class Section:
    """One annotation's section in a file."""

    line: int  # of its marker
    base: str
    ann_id: str | None = None
    quote: list[str] = field(default_factory=list)
    #: The Tags: line's tags; None when the section has no Tags: line (its
    #: tags are not edited in the file).
    tags: list[str] | None = None
    note: str = ""
    problem: str = ""
    #: Raw HTML in the note's code spans is written as typed (its marker's `code=1`).
    code: bool = False


@dataclass(slots=True)
class ArticlePart:
    """One article in a file: its marker, its note and its sections."""

    article_id: str
    line: int
    exported: dict[str, str] | None  # annotation id -> base, in file order
    head: str | None = None  # the header's fingerprint as exported
    note: str | None = None
    note_base: str | None = None
    note_code: bool = False  # as Section.code
    note_line: int = 0  # of the note's marker (0: none)
    note_problem: str = ""
    sections: list[Section] = field(default_factory=list)


@dataclass(slots=True)
class ParsedFile:
    articles: list[ArticlePart] = field(default_factory=list)
    problems: list[tuple[int, str]] = field(default_factory=list)


def split_lines(text: str) -> tuple[list[str], list[str]]:
    """Lines and their endings (so a rewrite keeps the file's own line ends)."""
    parts = re.split(r"(\r\n|\r|\n)", text)
    return parts[0::2], parts[1::2] + [""]


def _parse_exported(raw: str | None) -> dict[str, str] | None:
    if raw is None:
        return None
    out: dict[str, str] = {}
    for item in raw.split(","):
        if not item:
            continue
        ann_id, _, base = item.partition(":")
        out[ann_id] = base
    return out


def _close_section(section: Section, body: list[tuple[int, str]]) -> None:
    idx = next((k for k, (_, t) in enumerate(body) if ex.BLOCK_ID.match(t)), None)
    if idx is None:
        section.problem = "no ^id line under this marker"
        return
    m = ex.BLOCK_ID.match(body[idx][1])
    assert m is not None
    section.ann_id = m.group("id")
    # (files written before the line of what the text read moved under the ^id have it above)
    quote = [t.rstrip() for _, t in body[:idx] if not t.startswith(ex.WAS_PREFIX)]
    while quote and not quote[-1]:
        quote.pop()
    while quote and not quote[0]:
        quote.pop(0)
    section.quote = quote
    rest = body[idx + 1 :]
    k = 0
    while k < len(rest) and not rest[k][1].strip():
        k += 1
    if k < len(rest) and rest[k][1].startswith(ex.WAS_LINE):
        # What the text read when marked: written by the export, not a note.
        k += 1
        while k < len(rest) and not rest[k][1].strip():
            k += 1
    tm = ex.tags_line_match(rest[k][1]) if k < len(rest) else None
    if tm is not None:
        section.tags = ex.parse_tags_line(tm.group("tags"))
        k += 1
    section.note = ex.parse_note((t for _, t in rest[k:]), code_spans=section.code)


def parse_export(text: str) -> ParsedFile:
    """The articles, notes and annotation sections of an exported file."""
    lines, _ = split_lines(text)
    parsed = ParsedFile()
    start = 0
    if lines and lines[0].strip() == "---":
        for j in range(1, len(lines)):
            if lines[j].strip() in ("---", "..."):
                start = j + 1
                break
    article: ArticlePart | None = None
    state = "outside"  # outside, header, note, annotation, stray
    section: Section | None = None
    body: list[tuple[int, str]] = []
    stray_reported = False
    note_heading = False  # the article's "## Note" read

    def close() -> None:
        nonlocal section, body, stray_reported
        if state == "annotation" and section is not None and article is not None:
            _close_section(section, body)
            article.sections.append(section)
        elif state == "note" and article is not None:
            note = ex.parse_note((t for _, t in body), code_spans=article.note_code)
            if article.note_line:
                article.note = note
            elif note:
                article.note_problem = "the note has lost its marker line (<!-- reader:note ... -->); not imported"
        section, body, stray_reported = None, [], False

    for n in range(start, len(lines)):
        line, ln = lines[n], n + 1
        m = ex.ARTICLE_MARKER.match(line)
        if m:
            close()
            article = ArticlePart(m.group("id"), ln, _parse_exported(m.group("anns")), m.group("head"))
            parsed.articles.append(article)
            state = "header"
            note_heading = False
            continue
        m = ex.NOTE_MARKER.match(line)
        if m:
            if article is None:
                close()
                parsed.problems.append((ln, "note marker before any article marker"))
                state = "stray"
                continue
            if state != "note":
                close()
                state = "note"
            article.note_base, article.note_line, article.note_code = m.group("base"), ln, bool(m.group("code"))
            continue
        m = ex.ANNOTATION_MARKER.match(line)
        if m:
            close()
            if article is None:
                parsed.problems.append((ln, "annotation marker before any article marker"))
                state = "stray"
                continue
            section, state = Section(ln, m.group("base"), code=bool(m.group("code"))), "annotation"
            continue
        if ex.ANY_MARKER.match(line):
            close()
            parsed.problems.append((ln, "unrecognised reader marker; the text after it is not imported"))
            state = "stray"
            continue
        if ex.SECTION_HEADING.match(line):
            close()
            if article is None:
                state = "outside"
            elif line.strip() == ex.NOTE_HEADING and not (note_heading or article.note_line or article.sections):
                state = "note"
                note_heading = True
            elif line.strip() == ex.NOTE_HEADING:
                # Typed in the file: the article's note is the one over its
                # marker, and a second would replace it.
                parsed.problems.append((ln, '"## Note" where the article\'s note does not stand (it is under '
                                        "the first, by its marker): the text under it is not imported"))
                state = "stray"
                stray_reported = True
            else:
                state = "stray"
            continue
        if state in ("note", "annotation"):
            body.append((ln, line))
        elif state == "stray" and line.strip() and not stray_reported:
            parsed.problems.append((ln, "text outside any note or annotation is not imported"))
            stray_reported = True
    close()
    return parsed


# ---------------------------------------------------------------- report


@dataclass(frozen=True, slots=True)
class Event:
    """One thing an import did, would do, or could not do."""

    path: Path
    kind: str  # change, delete, pending-delete, conflict, problem, notice
    target: str  # an annotation id, "article <id>", or ""
    message: str
    line: int = 0

    def describe(self) -> str:
        where = f"line {self.line}: " if self.line else ""
        target = f"{self.target}  " if self.target else ""
        return f"{target}{where}{self.message}"


@dataclass(slots=True)
class ImportReport:
    dry_run: bool = False
    events: list[Event] = field(default_factory=list)
    files: list[Path] = field(default_factory=list)
    skipped: list[Path] = field(default_factory=list)
    rewritten: list[Path] = field(default_factory=list)
    #: The ids of every annotation section in the files this import reads.
    sections_read: set[str] = field(default_factory=set)

    def of(self, *kinds: str) -> list[Event]:
        return [e for e in self.events if e.kind in kinds]

    @property
    def changes(self) -> list[Event]:
        return self.of("change", "delete")

    @property
    def trouble(self) -> list[Event]:
        return self.of("conflict", "problem")


# ---------------------------------------------------------------- applying


def _plain_quote(lines: Iterable[str]) -> str:
    out = []
    for line in lines:
        line = re.sub(r"^\s*>\s?", "", line)
        line = re.sub(
            r"\\([!-/:-@\[-`{-~])|&(#?[A-Za-z0-9]+);",
            lambda m: m.group(1) if m.group(1) is not None else html.unescape(m.group(0)),
            line,
        )
        out.append(line)
    return " ".join(" ".join(out).split())


def quote_recognisable(file_lines: Sequence[str], exact: str) -> bool:
    """Whether an edited quote still reads as the annotated text."""
    a = _plain_quote(file_lines)[:5000]
    b = " ".join(exact.split())[:5000]
    if not a:
        return False
    if a == b or (a in b and len(a) * 3 >= len(b)) or b in a:
        return True
    return difflib.SequenceMatcher(None, a, b, autojunk=False).ratio() >= 0.6


def _desired_tags(tokens: Sequence[str], current: Sequence[str]) -> list[str]:
    """The file's tags as stored names: a tag shown unchanged keeps its stored
    spelling (`c++` is shown as `#c`), every stored tag shown alike too; a new
    one is normalised. A stored tag with no Obsidian form (an emoji) is not
    on the line, so the user cannot have removed it: it stays."""
    by_shown: dict[str, list[str]] = {}
    for t in current:
        by_shown.setdefault(ex.obsidian_tag(t), []).append(t)
    out: list[str] = []
    for token in tokens:
        for tag in by_shown.get(token) or [normalise_tag(token)]:
            if tag and tag not in out:
                out.append(tag)
    out += [t for t in by_shown.get("", ()) if t not in out]
    return out


def _exact_annotation(archive: Archive, ann_id: str) -> Annotation | None:
    from reader.core.store import NotFound, StoreError

    try:
        ann = archive.annotation(ann_id)
    except NotFound:
        return None
    except StoreError:  # ambiguous prefix: not one of our full ids
        return None
    return ann if ann.id == ann_id else None


class _FileImport:
    def __init__(self, archive: Archive, path: Path, report: ImportReport, *, dry_run: bool,
                 apply_deletions: bool, force: bool = False) -> None:
        self.archive = archive
        self.path = path
        self.report = report
        self.dry_run = dry_run
        self.apply_deletions = apply_deletions
        self.force = force
        #: line number -> the marker line it should now read.
        self.marker_updates: dict[int, str] = {}

    def event(self, kind: str, target: str, message: str, line: int = 0) -> None:
        self.report.events.append(Event(self.path, kind, target, message, line))

    # -- one article ---------------------------------------------------------

    def article(self, part: ArticlePart) -> None:
        from reader.core.store import NotFound

        try:
            self.archive.info(part.article_id)
        except NotFound:
            self.event("problem", f"article {part.article_id}", "not in the archive; its notes are not imported",
                       part.line)
            return
        self.note(part)
        counts: dict[str, int] = {}
        for s in part.sections:
            if s.ann_id:
                counts[s.ann_id] = counts.get(s.ann_id, 0) + 1
        present: dict[str, str] = {}  # id -> base in the file now
        for s in part.sections:
            if s.problem:
                self.event("problem", s.ann_id or "", s.problem + "; not imported", s.line)
                if s.ann_id:
                    present[s.ann_id] = s.base  # there, though unreadable: not a deletion
                continue
            assert s.ann_id is not None
            if counts[s.ann_id] > 1:
                self.event("problem", s.ann_id, f"appears {counts[s.ann_id]} times in this file; not imported", s.line)
                present[s.ann_id] = s.base
                continue
            base = self.section(part, s)
            present[s.ann_id] = base
            if base != s.base:
                self.marker_updates[s.line] = f"<!-- reader:annotation base={base}{ex.CODE_FLAG if s.code else ''} -->"
        deleted = self.deletions(part, present)
        if part.exported is not None:
            exported = {
                ann_id: present.get(ann_id, base) for ann_id, base in part.exported.items() if ann_id not in deleted
            }
            if exported != part.exported:
                listing = ",".join(f"{k}:{v}" for k, v in exported.items())
                head = f" head={part.head}" if part.head else ""
                self.marker_updates[part.line] = (
                    f"<!-- reader:article id={part.article_id} annotations={listing}{head} -->"
                )

    def note(self, part: ArticlePart) -> None:
        target = f"article {part.article_id}"
        if part.note_problem:
            self.event("problem", target, part.note_problem)
            return
        if part.note is None or part.note_base is None:
            return
        with self.archive.transaction():
            current = self.archive.get(part.article_id).note
            if ex.canonical_note(current) == part.note:
                self._note_base(part, current)
                return
            if ex.note_fingerprint(part.note) == part.note_base:
                return  # the file is as exported; the archive changed since
            over = ""
            if ex.note_fingerprint(current) != part.note_base:
                if not self.force:
                    self.event("conflict", target, "the article's note changed in the archive since the export "
                               f"and in the file; not applied ({RESOLVE})", part.note_line)
                    return
                over = " (over a change in the archive: --force)"
            self.event("change", target, "article note " + ("removed" if not part.note else "changed") + over,
                       part.note_line)
            if not self.dry_run:
                self.archive.set_article_note(part.article_id, part.note)
                self._note_base(part, self.archive.get(part.article_id).note)

    def _note_base(self, part: ArticlePart, note: str) -> None:
        base = ex.note_fingerprint(note)
        if base != part.note_base:
            self.marker_updates[part.note_line] = f"<!-- reader:note base={base}{ex.CODE_FLAG if part.note_code else ''} -->"

    def _renamed(self, shown: list[str], current: list[str]) -> list[str]:
        """The file's tags, each the mark has not but under a name a rename
        gave it since and the mark has (a tag of that old name used anew
        stays as it is)."""
        out = []
        for tag in shown:
            new = self.archive.as_renamed([tag]) if tag not in current else [tag]
            out.append(new[0] if new and new[0] in current else tag)
        return out

    def section(self, part: ArticlePart, s: Section) -> str:
        """Apply one section; returns the base its marker should carry."""
        assert s.ann_id is not None
        ann_id = s.ann_id
        with self.archive.transaction():
            ann = _exact_annotation(self.archive, ann_id)
            if ann is None:
                self.event("problem", ann_id, "not in the archive (deleted since the export, or a mistyped "
                           "^id); not imported", s.line)
                return s.base
            if ann.article_id != part.article_id:
                self.event("problem", ann_id, f"belongs to article {ann.article_id}, not {part.article_id}; "
                           "not imported", s.line)
                return s.base
            # A quote that reads as the mark did when it was made is the
            # article's text as exported, changed in the archive since (a new
            # version): no edit of the file's.
            if s.quote != ex.render_quote(ann.exact) and not (ann.was and s.quote == ex.render_quote(ann.was)):
                if not quote_recognisable(s.quote, ann.exact):
                    self.event("problem", ann_id, "the quote was edited beyond recognition; nothing in this "
                               "section is imported", s.line)
                    return s.base
                self.event("notice", ann_id, "the quote was edited: the archive keeps the article's own text",
                           s.line)
            if s.tags is None:
                # No Tags: line: the file shows no tags (the export writes
                # none for an annotation that shows none), and edits none.
                shown, renamed, tags = [], [], list(ann.tags)
                same_tags = not ex.rendered_tags(ann.tags)
            else:
                # A tag renamed since the export (`reader tag rename`) is read
                # by its new name, as imports read it.
                shown, renamed = s.tags, self._renamed(s.tags, ann.tags)
                tags = _desired_tags(renamed, ann.tags)
                same_tags = set(tags) == set(ann.tags)
            same_note = ex.canonical_note(ann.note) == s.note
            if same_tags and same_note:
                return ex.fingerprint_of(ann)
            if ex.annotation_fingerprint(shown, s.note) == s.base:
                return s.base  # the file is as exported; the archive changed since
            over = ""
            # The archive's mark as exported but for tags renamed since: no change of its own.
            renamed_only = (s.tags is not None and ex.annotation_fingerprint(shown, ann.note) == s.base
                            and set(ex.rendered_tags(renamed)) == set(ex.rendered_tags(ann.tags)))
            if ex.fingerprint_of(ann) != s.base and not renamed_only:
                if not self.force:
                    self.event("conflict", ann_id, "changed in the archive since the export and in the file; "
                               f"not applied ({RESOLVE})", s.line)
                    return s.base
                over = " (over a change in the archive: --force)"
            if not same_note:
                self.event("change", ann_id, "note " + ("removed" if not s.note else "changed") + over, s.line)
            retag = not same_tags and s.tags is not None
            if retag:
                added = [t for t in tags if t not in ann.tags]
                removed = [t for t in ann.tags if t not in tags]
                diff = " ".join(["+" + t for t in added] + ["-" + t for t in removed])
                self.event("change", ann_id, f"tags {diff}{over}", s.line)
            elif not same_tags:
                shown_tags = " ".join("#" + t for t in ex.rendered_tags(ann.tags))
                self.event("notice", ann_id, f"no Tags: line: its tags ({shown_tags}) are kept (an empty "
                           "Tags: line removes them)", s.line)
            if self.dry_run or (same_note and not retag):
                return s.base
            new = self.archive.update_annotation(
                ann_id, note=None if same_note else s.note, tags=tags if retag else None
            )
            return ex.fingerprint_of(new)

    def deletions(self, part: ArticlePart, present: dict[str, str]) -> set[str]:
        """Sections gone from the file; returns the ids deleted from the archive."""
        deleted: set[str] = set()
        if part.exported is None:
            if part.sections:
                self.event("notice", f"article {part.article_id}", "the article marker lists no exported "
                           "annotations: deleted sections cannot be told apart", part.line)
            return deleted
        missing = [a for a in part.exported if a not in present]
        if not missing:
            return deleted
        if any(s.ann_id is None for s in part.sections):
            self.event("problem", f"article {part.article_id}", f"{len(missing)} annotation(s) missing from the "
                       "file, but a section has lost its ^id: nothing is deleted", part.line)
            return deleted
        strange = next((s.ann_id for s in part.sections if s.ann_id not in part.exported), None)
        if strange is not None:
            # A mistyped ^id: the section of a missing one may well be it.
            self.event("problem", f"article {part.article_id}", f"{len(missing)} annotation(s) missing from the "
                       f"file, but a section's ^{strange} is not one the file was exported with: nothing is "
                       "deleted", part.line)
            return deleted
        for ann_id in missing:
            if ann_id in self.report.sections_read:
                self.event("notice", ann_id, "not in this article's section of the file, but in a section read "
                           "elsewhere in this import: not deleted", part.line)
                continue
            with self.archive.transaction():
                ann = _exact_annotation(self.archive, ann_id)
                if ann is None or ann.article_id != part.article_id:
                    deleted.add(ann_id)  # already gone from the archive
                    continue
                if ex.fingerprint_of(ann) != part.exported[ann_id]:
                    self.event("conflict", ann_id, "deleted in the file but changed in the archive since the "
                               "export; kept")
                    continue
                quote = " ".join(ann.exact.split())
                quote = quote if len(quote) <= 60 else quote[:57] + "..."
                if not self.apply_deletions:
                    self.event("pending-delete", ann_id, f"deleted in the file (\u201c{quote}\u201d); kept: "
                               "pass --apply-deletions to delete it")
                    continue
                self.event("delete", ann_id, f"deleted (\u201c{quote}\u201d)")
                if not self.dry_run:
                    self.archive.delete_annotation(ann_id)
                    deleted.add(ann_id)
        return deleted


def _rewrite_markers(path: Path, original: bytes, updates: dict[int, str]) -> bool:
    """Replace marker lines by number, keeping every other byte; False when the
    file changed on disk meanwhile (then it is left alone)."""
    try:
        if path.read_bytes() != original:
            return False
    except OSError:
        return False
    bom = original.startswith(b"\xef\xbb\xbf")
    lines, ends = split_lines(original.decode("utf-8-sig"))
    for ln, text in updates.items():
        lines[ln - 1] = text
    data = "".join(a + b for a, b in zip(lines, ends, strict=True)).encode("utf-8")
    ex.write_atomic(path, (b"\xef\xbb\xbf" if bom else b"") + data)
    return True


def _read_export(path: Path, report: ImportReport) -> tuple[bytes, str, ParsedFile] | None:
    """The file's bytes, its text and what it holds; None (and said so) when it cannot be read."""
    try:
        raw = path.read_bytes()
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        report.events.append(Event(path, "problem", "", "not UTF-8 text; not imported"))
        return None
    except OSError as err:
        report.events.append(Event(path, "problem", "", f"cannot read ({err.strerror}); not imported"))
        return None
    return raw, text, parse_export(text)


def import_file(archive: Archive, path: Path, report: ImportReport, *, dry_run: bool = False,
                apply_deletions: bool = False, force: bool = False, named: bool = True,
                read: tuple[bytes, str, ParsedFile] | None = None) -> None:
    """Take one file's edits back (`read`: the file as `_read_export` read it, if it was)."""
    read = read or _read_export(path, report)
    if read is None:
        return
    raw, text, parsed = read
    if not parsed.articles:
        if named and "urn:reader:" in text:
            report.events.append(Event(path, "problem", "", "a JSON export: import-notes reads the Markdown "
                                       "exports only (`reader export --format md`); not imported"))
        elif named:
            report.events.append(Event(path, "problem", "", "not a reader export (no reader markers); not imported"))
        else:
            report.skipped.append(path)
        return
    report.files.append(path)
    job = _FileImport(archive, path, report, dry_run=dry_run, apply_deletions=apply_deletions, force=force)
    for ln, message in parsed.problems:
        job.event("problem", "", message, ln)
    for part in parsed.articles:
        job.article(part)
    if len(parsed.articles) == 1 and _header_edited(ex.as_written(text), parsed.articles[0]):
        job.event("notice", f"article {parsed.articles[0].article_id}", HEADER_EDITED, 1)
    if job.marker_updates and not dry_run:
        if _rewrite_markers(path, raw, job.marker_updates):
            report.rewritten.append(path)
        else:
            job.event("notice", "", "the file changed while importing; its markers were not updated")
    if not dry_run and len(parsed.articles) == 1 and not ex.is_document(text):
        _restamp(archive, path, parsed.articles[0], report)
    elif not dry_run:
        _restamp_document(archive, path, parsed, report)


def _header(text: str) -> str:
    """A standalone export up to its first section: front matter, title and
    source line, which are not imported. It ends at the first heading the
    exporter writes, or at the article's note marker (which has no heading
    over it when the note was empty): a heading of the user's own there
    ("## Summary") is an edit of the header, not its end. Properties the
    user added to the front matter are left out."""
    at = 0
    # (the properties a user added to the front matter are theirs: no edit)
    text = ex.without_user_properties(text)
    for line in text.splitlines(keepends=True):
        if ex.SECTION_HEADING.match(line) or ex.NOTE_MARKER.match(line):
            return text[: max(0, at - 1)]
        at += len(line)
    return text


def _header_edited(text: str, part: ArticlePart) -> bool:
    """Whether a standalone export's header reads otherwise than as exported
    (its fingerprint, the marker's ``head``): edited in the file."""
    return bool(part.head) and ex.header_fingerprint(_header(ex.unstamped(text))) != part.head


def _restampable(path: Path, report: ImportReport) -> tuple[bytes, str] | None:
    """The file as read and its text as an export writes it (the fingerprint
    is over that; the file keeps its own line ends and byte-order mark), when
    its import left nothing behind and it does not match its fingerprint
    already (or has none to match: a file without front matter)."""
    if any(e.path == path and e.kind in ("problem", "conflict", "pending-delete", "notice") for e in report.events):
        return None
    try:
        raw = path.read_bytes()
        text = ex.as_written(raw.decode("utf-8"))
    except (OSError, UnicodeDecodeError):
        return None
    return None if ex.stamp(ex.unstamped(text)) == text else (raw, text)


def _restamp(archive: Archive, path: Path, part: ArticlePart, report: ImportReport) -> None:
    """After a clean import, mark the file as matching the archive again (its
    ``export_hash``), so the next export rewrites it instead of keeping it as
    edited. Only when everything in it was taken back: no problem, conflict,
    deletion left pending or notice (a quote edited, which the archive does not
    take; the file changed while it was read), and the front matter, title and
    source line (which are not imported) read as a fresh export, or as they
    were exported (their fingerprint, the marker's ``head``: changed in the
    archive since, not in the file)."""
    article_id = part.article_id
    read = _restampable(path, report)
    if read is None:
        return
    raw, text = read
    from reader.core.store import NotFound

    try:
        items = ex.collect(archive, [article_id])
    except NotFound:
        return
    if len(items) != 1:
        return
    fresh = ex.render_article_markdown(items[0])
    header = _header(ex.unstamped(text))
    if header != _header(fresh) and (not part.head or _header_edited(text, part)):
        return
    _write_stamped(path, raw, report)


def _write_stamped(path: Path, raw: bytes, report: ImportReport) -> None:
    """Write the file (as read: `raw`) again with a fingerprint of itself,
    keeping its line ends and byte-order mark; not if it changed meanwhile."""
    original = raw.decode("utf-8")
    text = ex.as_written(original)
    try:
        if path.read_bytes() == raw:
            restamped = ex.stamp(ex.unstamped(text))
            if "\r\n" in original:
                restamped = restamped.replace("\n", "\r\n")
            if original.startswith("\ufeff"):
                restamped = "\ufeff" + restamped
            ex.write_atomic(path, restamped.encode("utf-8"))
    except OSError:
        return
    if path not in report.rewritten:
        report.rewritten.append(path)


def _part_headers(text: str) -> list[tuple[str, str]]:
    """(article id, header) of each article of a document: the lines after
    its marker up to its first section or note marker (title, metadata,
    source line), blank lines at the end left out."""
    parts: list[tuple[str, list[str]]] = []
    reading = False
    for line in split_lines(text)[0]:
        m = ex.ARTICLE_MARKER.match(line)
        if m:
            parts.append((m.group("id"), []))
            reading = True
        elif reading and (ex.SECTION_HEADING.match(line) or ex.ANY_MARKER.match(line)):
            reading = False
        elif reading:
            parts[-1][1].append(line)
    return [(aid, "\n".join(lines).rstrip("\n")) for aid, lines in parts]


def _restamp_document(archive: Archive, path: Path, parsed: ParsedFile, report: ImportReport) -> None:
    """`_restamp` for a document of several articles (``--out FILE.md``):
    after a clean import, and when each article's title, metadata and source
    line read as a fresh export writes them (they are not imported, and the
    document keeps no fingerprint of them as exported)."""
    read = _restampable(path, report)
    if read is None or not ex.is_document(read[1]):
        return
    raw, text = read
    from reader.core.store import NotFound

    try:
        items = ex.collect(archive, [part.article_id for part in parsed.articles])
    except NotFound:
        return
    fresh = [h for item in items for h in _part_headers(ex.render_article_markdown(item, standalone=False))]
    if _part_headers(ex.unstamped(text)) != fresh:
        return
    if ex.unstamped(text).split("<!-- reader:article ", 1)[0].strip():
        return  # text of the user's own above the first article
    _write_stamped(path, raw, report)


def markdown_files(root: Path) -> list[Path]:
    """Markdown files under a folder, hidden folders (.obsidian, .git, .trash) skipped."""
    found: list[Path] = []
    for dirpath, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            if not name.startswith(".") and name.lower().endswith(MARKDOWN_SUFFIXES):
                found.append(Path(dirpath) / name)
    return found


def import_notes(
    archive: Archive, paths: Sequence[str | os.PathLike[str]], *, dry_run: bool = False,
    apply_deletions: bool = False, force: bool = False,
) -> ImportReport:
    """Take the edits in exported Markdown files (or folders of them) back."""
    report = ImportReport(dry_run=dry_run)
    files: list[tuple[Path, bool]] = []  # (file, named)
    for p in paths:
        path = Path(p).expanduser()
        if path.is_dir():
            files += [(f, False) for f in markdown_files(path)]
        elif path.is_file():
            files.append((path, True))
        else:
            report.events.append(Event(path, "problem", "", "no such file or folder"))
    read = [(f, named, _read_export(f, report)) for f, named in files]
    # Every mark some file read holds a section of: one cut from an article's
    # file and pasted into another's, or kept in a copy, is not deleted.
    report.sections_read = {s.ann_id for _f, _named, r in read if r is not None for part in r[2].articles
                            for s in part.sections if s.ann_id}
    for f, named, r in read:
        if r is not None:
            import_file(archive, f, report, dry_run=dry_run, apply_deletions=apply_deletions, force=force,
                        named=named, read=r)
    return report

"""Notes out of the archive: Markdown for an Obsidian vault, and W3C Web
Annotations as JSON.

Markdown, one file per article (``reader export --out DIR``)::

    ---
    title: "..."                 YAML front matter, every value JSON-quoted
    url: "..."
    ...
    reader_id: "122c4a40dc76"
    export_hash: "9b1f0c2a7e4d5a63"   fingerprint of the file as written
    ---

    <!-- reader:article id=122c4a40dc76 annotations=3f2a9c1b0d:1a2b3c4d5e6f,... head=... -->
    # Title

    Source: [site](<https://...>)

    ## Note                        only over a note

    <!-- reader:note base=... -->
    The article's own note.

    ## Annotations

    <!-- reader:annotation base=... -->
    > the exact quote, as a blockquote

    ^3f2a9c1b0d                   the quote's block id, in a vault

    *When marked, it read:* "..."   only when the text changed under the note

    Tags: #claim #topic/sub       only when it has tags to show

    The annotation's note.        only when it has one

    ## Orphaned
    ...

The HTML comments are invisible in Obsidian's reading view; `reader
import-notes` (reader.core.notes_import) uses them to take edits back. Nothing
empty is written for a vault to show: an article without a note has no
``## Note`` heading, only its note marker, and a note written under that marker
is imported; an annotation without tags has no ``Tags:`` line, and one without
a note ends at its ``^id``: a note written under the ``^id``, and a ``Tags:``
line put first, are imported. A section without a ``Tags:`` line leaves the
annotation's tags as they are (an empty ``Tags:`` line removes them). The one
empty line kept: ``Tags:`` over a note whose first line would read as one. The
``base`` of a marker is a fingerprint of what was exported (tags and note), so
an import can tell an edit in the file from a change in the archive since the
export. The article marker lists every annotation exported, so a section the
user deleted can be told from an annotation added after the export. Its
``head`` (in a file of its own) is a fingerprint of the front matter, title and
source line as exported, so a header the archive changed since can be told
from one edited in the file.

Escaping. Quotes, titles and metadata are article text: shown literally
(Markdown, HTML, Obsidian tags, wiki links, comments and math are escaped).
Notes are the user's own Markdown (or a service's, imported): inline
formatting and code, links, headings, fenced code (fenced at the line's start),
footnotes, block ids of their own, rules of ``***``, ``<mark>`` and the other
inline tags without attributes (with more after them on the line), and web or
mail autolinks are kept as typed; what would change the document around the note
or run something gets a backslash, which import-notes removes again: a heading
the exporter writes (``## Note``, ``## Claims``...: import-notes would end the
note there), a ``---`` line or setext underline, a code fence left open, math
blocks, Obsidian comments, a block id of the export's form or a link
definition; other raw HTML, comments and autolinks (`<` then a letter) but
inside inline code (where a backslash would show; unless a line of the
note leaves a span open, as it could close on another); links
to javascript:, vbscript:, data: or file: addresses. Inside fenced code only a
line import-notes would read as the file's own (a heading it writes, a marker,
an ^id of its form) gets one. A
heading the user adds in the file (a "## Summary" under the last annotation)
is taken into the note it stands in, and written back as the heading it was;
a line the user escaped to be no heading ("\\# 1 is a number") stays as typed.

Output is deterministic: the same archive gives the same bytes (no export
time in the files; stable order of articles, annotations, tags and names).

Edits to an exported file are never overwritten: the files of an export
folder and a single document written with ``--out FILE.md`` or ``FILE.json``.
Such a file carries, as ``export_hash``, a fingerprint of its own text as
written (CRLF line ends and a byte-order mark aside): the last key of a
Markdown file's front matter or the last top-level key of a JSON export
(computed with the value left empty), or the first line of a single Markdown
document, an HTML comment ``<!-- export_hash=... -->`` (computed over the
rest). In JSON it is a key the W3C context does not define: JSON-LD processors
drop it, and readers of plain JSON pass over it as over the ``reader:`` keys.
Exporting again rewrites a file only if it still matches its fingerprint, or
already reads as the new export would; a file edited since (or one without a
fingerprint that differs) is kept, and reported, unless ``force`` is given:
``reader import-notes`` takes the edits of a Markdown file back first.
Standard output (``--out -``) gets no fingerprint: nothing is overwritten there.
Properties the user adds to a file's front matter in the vault (keys an
export does not write: ``status``, ``aliases``...) are no edit of it: every
later export keeps them, last in the front matter, ``force`` too.
"""

from __future__ import annotations

import bisect
import hashlib
import itertools
import json
import os
import re
import stat
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from reader.core.files import sync_dir
from reader.core.models import Annotation, Article
from reader.core.sanitize import dash_runs
from reader.core.tags import BUILTIN, CLAIM, EVIDENCE, QUESTION, normalise_tag

if TYPE_CHECKING:  # pragma: no cover
    from reader.core.store import Archive

FORMATS = ("md", "json")
EXTENSIONS = {"md": ".md", "json": ".json"}
GROUP_BY = ("tag",)

#: Longest file name written (characters, extension included), and in bytes.
MAX_NAME_CHARS = 100
MAX_NAME_BYTES = 240

W3C_CONTEXT = "http://www.w3.org/ns/anno.jsonld"

# ---------------------------------------------------------------- markers

ARTICLE_MARKER = re.compile(
    r"^<!-- reader:article id=(?P<id>[0-9a-f]+)(?: annotations=(?P<anns>[0-9a-f:,]*))?"
    r"(?: head=(?P<head>[0-9a-f]+))? -->\s*$"
)


def is_notes_export(text: str) -> bool:
    """Whether `text` is a notes file this exporter wrote: notes to take back
    with import-notes, no article to read. An article's marker on a line of
    its own, and the file's own fingerprint (a document's first line, or an
    article file's front matter naming that article): a page that only shows
    the format, in a code block say, is an article."""
    if "<!-- reader:article " not in text:
        return False
    m = re.search(ARTICLE_MARKER.pattern, text, re.M)
    if m is None:
        return False
    text = as_written(text)
    return bool(_DOC_HASH_LINE.match(text)) or (
        _front_matter_end(text) >= 0 and f'reader_id: "{m.group("id")}"' in text[: _front_matter_end(text)])
#: A note's marker says ` code=1` when raw HTML in the note's code spans is
#: written as typed (`render_note`): so it is read back, however the note is
#: edited in the vault; without it, as escaped.
NOTE_MARKER = re.compile(r"^<!-- reader:note base=(?P<base>[0-9a-f]*)(?P<code> code=1)? -->\s*$")
ANNOTATION_MARKER = re.compile(r"^<!-- reader:annotation base=(?P<base>[0-9a-f]*)(?P<code> code=1)? -->\s*$")
CODE_FLAG = " code=1"
ANY_MARKER = re.compile(r"^<!-- reader:")
BLOCK_ID = re.compile(r"^\^(?P<id>[A-Za-z0-9-]+)\s*$")
TAGS_LINE = re.compile(r"^tags:(?P<tags>.*)$", re.IGNORECASE)


def tags_line_match(line: str) -> re.Match[str] | None:
    """`line` read as an annotation's Tags: line (the first line after its
    ^id that is not blank), or None. The export asks it of a note's first
    line, import-notes of the file's: the two read the file alike."""
    return TAGS_LINE.match(line.strip())


#: Before the ^id line: what the quote read when the note was made, when the
#: article's text has changed under it since (import-notes leaves it out).
WAS_PREFIX = "When marked, it read: "
#: The line of what the text read when marked, as written under the ^id (in
#: italics: a note of the user's that starts with the words above is theirs).
WAS_LINE = "*When marked, it read:* "

SECTION_TITLES = {
    CLAIM: "Claims",
    EVIDENCE: "Evidence",
    QUESTION: "Questions",
}
NOTE_HEADING = "## Note"
ANNOTATIONS_HEADING = "## Annotations"
UNTAGGED_HEADING = "## Highlights"
ORPHANED_HEADING = "## Orphaned"
TAGGED_PREFIX = "## Tagged "
#: The headings the exporter writes; import-notes ends a section at them.
SECTION_HEADING = re.compile(
    # (a tag as written: word characters, '/', '-' and, of its non-ASCII
    # characters, the combining marks of its words; "## Tagged C++" is a
    # heading of the user's own)
    r"^## (?:Note|Annotations|Claims|Evidence|Questions|Highlights|Orphaned|Tagged (?:[\w/-]|[^\x00-\x7f\s])+)\s*$"
)


# ---------------------------------------------------------------- what to export


@dataclass(slots=True)
class ArticleExport:
    """One article with the annotations and note to export."""

    article: Article
    annotations: list[Annotation]
    #: The article's own note; None when a filter left it out (then the file
    #: has no note section, and an import leaves the note alone).
    note: str | None = ""
    #: A filter left some of the article's marks, or its note, out.
    partial: bool = False


class ExportError(Exception):
    """An export that cannot be done, said in one line."""


def parse_since(value: str) -> datetime:
    """`--since`: a date (2026-11-01) or a date and time (2026-11-01T09:30, Z or
    offset); without a zone, in the user's own time (as they read a clock)."""
    raw = value.strip()
    try:
        dt = datetime.fromisoformat(raw.replace("z", "Z"))
    except ValueError:
        raise ExportError(f"--since {value!r}: give a date like 2026-11-01 or 2026-11-01T09:30") from None
    if dt.tzinfo is None:
        dt = dt.astimezone()  # local time
    return dt


def _when(stamp: str) -> datetime | None:
    if not stamp:
        return None
    try:
        dt = datetime.fromisoformat(stamp)
    except ValueError:
        return None
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)


def _has_tag(tags: Iterable[str], wanted: str) -> bool:
    return any(t == wanted or t.startswith(wanted + "/") for t in tags)


def annotation_order(ann: Annotation) -> tuple[Any, ...]:
    return (ann.orphaned, ann.start, ann.end, ann.created, ann.id)


def collect(
    archive: Archive,
    article_ids: Sequence[str] | None = None,
    *,
    tag: str | None = None,
    since: datetime | None = None,
) -> list[ArticleExport]:
    """What to export.

    With no ids: every article with annotations or a note, oldest saved first.
    Ids (any unique prefix) are exported in the order given, even without notes.
    `tag` keeps the annotations carrying it (or a tag nested under it); an article
    tagged with it keeps all of them. `since` keeps annotations created or changed
    at or after that time; the article's own note goes along with them, and is
    kept on its own when it was written since. With a filter, an
    article's file holds only the annotations selected; `reader import-notes`
    knows which were exported and never reads the others as deleted.
    """
    explicit = article_ids is not None and len(article_ids) > 0
    if explicit:
        ids: list[str] = []
        for prefix in article_ids or ():
            full = archive.resolve(prefix)
            if full not in ids:
                ids.append(full)
    else:
        rows = [r for r in archive.articles() if r.annotation_count or r.note]
        # Oldest saved first; articles saved together (one import) by title.
        rows.sort(key=lambda r: (r.saved, r.title.casefold(), r.id))
        ids = [r.id for r in rows]
    wanted_tag = normalise_tag(tag) if tag else None
    if tag and not wanted_tag:
        raise ExportError(f"--tag {tag!r} is not a usable tag")
    out: list[ArticleExport] = []
    for article_id in ids:
        article = archive.article_meta(article_id)  # no body: notes need none
        anns = sorted(archive.annotations(article_id), key=annotation_order)
        every = len(anns)
        keep_note = True
        if wanted_tag and not _has_tag(article.tags, wanted_tag):
            anns = [a for a in anns if _has_tag(a.tags, wanted_tag)]
            keep_note = False
        if since is not None:
            anns = [a for a in anns if (_when(a.updated or a.created) or since) >= since]
            note_written = _when(archive.article_note_updated(article_id))
            keep_note = keep_note and (bool(anns) or (note_written is not None and note_written >= since))
        if not explicit and not anns and not (keep_note and article.note):
            continue
        out.append(ArticleExport(article, anns, article.note if keep_note else None,
                                 partial=len(anns) < every or (not keep_note and bool(article.note))))
    return out


# ---------------------------------------------------------------- text helpers

_YAML_UNSAFE = re.compile(
    "[^\t\n\r\x20-\x7e\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]|[\u2028\u2029\ufeff]"
)


# json.dumps(..., ensure_ascii=False) and the compact form fingerprints hash,
# made once (json.dumps makes an encoder at every call; an export calls it
# hundreds of thousands of times).
_JSON_STR = json.JSONEncoder(ensure_ascii=False)
_JSON_COMPACT = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


def yaml_str(value: str | None) -> str:
    """A YAML double-quoted scalar (JSON string syntax, valid YAML 1.1 and 1.2);
    null for None. Nothing in it can end the front matter or start a new key."""
    if value is None:
        return "null"
    text = _JSON_STR.encode(value)

    def esc(m: re.Match[str]) -> str:
        code = ord(m.group())
        if 0xD800 <= code <= 0xDFFF:
            return "\\ufffd"
        return f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"

    return _YAML_UNSAFE.sub(esc, text)


#: Characters escaped everywhere in literal text.
_ALWAYS = frozenset("\\`*_[]<>#|~$^")
#: Characters escaped when doubled (Obsidian comments %%, highlights ==).
_DOUBLED = frozenset("%=")
_ENTITY = re.compile(r"&(?=#?[A-Za-z0-9]+;)")


# What escape_inline backslashes: a character of _ALWAYS, the second of a
# doubled one (%% or ==), and an & that would start an entity; but not an '_'
# inside a word ("data_2024", "report_final"), which cannot start or end
# emphasis, and whose backslash would break a bare address where a renderer
# makes it a link.
_INLINE_ESCAPE = re.compile(r"[\\`*\[\]<>#|~$^]|(?<![^\W_])_|_(?!_*[^\W_])|(?<=%)%|(?<==)=|&(?=#?[A-Za-z0-9]+;)")


def escape_inline(text: str) -> str:
    """Article text shown literally in a Markdown paragraph or heading."""
    return _INLINE_ESCAPE.sub(r"\\\g<0>", text)


_LIST_NUMBER = re.compile(r"^(\d{1,9})([.)])")


def escape_literal_line(line: str) -> str:
    """One line of article text, literal at the start of a Markdown block."""
    body = line.lstrip(" \t")
    lead = line[: len(line) - len(body)]
    text = escape_inline(body)
    if text[:1] in ("-", "+", "="):
        text = "\\" + text
    else:
        m = _LIST_NUMBER.match(text)
        if m:
            text = m.group(1) + "\\" + text[m.end(1) :]
    entities = lead.replace(" ", "&#32;").replace("\t", "&#9;")
    return entities + text


def one_line(text: str) -> str:
    return " ".join(text.split())


def render_quote(exact: str) -> list[str]:
    """The exact quote as blockquote lines, every character literal."""
    lines = exact.split("\n")
    while lines and not lines[-1].strip():
        lines.pop()
    while lines and not lines[0].strip():
        lines.pop(0)
    if not lines:
        return [">"]
    # Trailing spaces would be a Markdown line break, and editors strip them.
    return [("> " + escape_literal_line(x)).rstrip() if x.strip() else ">" for x in lines]


# Lines of a note that would change the document's structure. (A thematic
# break of '*' or '_', a footnote's definition and a block id of the user's
# own are theirs: none can end a section or swallow what follows.)
_STRUCTURE = re.compile(
    r"""^(?:
        \ {0,3}\#{1,6}(?:[ \t]|$)                 # ATX heading
      | \ {0,3}(?:=+|-+)[ \t]*$                   # setext underline
      | \ {0,3}-(?:[ \t]*-){2,}[ \t]*$            # thematic break of '-' (or a setext underline)
      | \ {0,3}(?:`{3,}|~{3,})                    # code fence (one left open)
      | \ {0,3}\$\$                               # math block
      | \ {0,3}\[(?!\^)[^\]]*\]:                    # link reference definition
      | [ \t]*%%                                  # Obsidian comment
      | [ \t]*\^[0-9a-f]{10}[ \t]*$               # a block id as the export writes them
    )""",
    re.VERBOSE,
)

#: Raw HTML a note keeps: inline formatting tags without attributes
#: (Obsidian's <mark>, <u>, <br>...) with more on the line after them (a tag
#: alone on its line would open a block of raw HTML), and autolinks to web
#: and mail addresses.
_KEPT_HTML = (r"/?(?:mark|u|ins|del|s|sub|sup|kbd|br|small|b|i|em|strong|abbr|cite|q|var|samp|code)\s*/?>(?=[ \t]*\S)"
              r"|(?:https?|mailto):[^\s<>\\]*>")
# Inside a note line: raw HTML, comments and autolinks (`<` then a letter, !,
# ? or /) but those of _KEPT_HTML, and links whose address runs script
# (javascript:, data:...). Each is made literal by an odd number of
# backslashes before it: a run of k backslashes becomes 2k+1, which
# `_unescape_inline` halves back.
_INLINE_DANGER = re.compile(
    rf"(?<!\\)(\\*)(<(?!{_KEPT_HTML})[A-Za-z!?/]|\[(?=[^\]\n]*\]\(\s*\\*<?\s*(?:javascript|vbscript|data|file):))",
    re.IGNORECASE,
)
#: The same without links (a line with no "](" holds none): each "[" of a
#: long line would otherwise be read to the line's end.
_HTML_DANGER = re.compile(rf"(?<!\\)(\\*)(<(?!{_KEPT_HTML})[A-Za-z!?/])", re.IGNORECASE)


def _danger(line: str) -> re.Pattern[str]:
    return _INLINE_DANGER if "](" in line else _HTML_DANGER
_KEPT_AT = re.compile(_KEPT_HTML, re.IGNORECASE)


def _code_spans(line: str) -> list[tuple[int, int]] | None:
    """Where the line's inline code spans stand (from the first backtick to
    past the last), as CommonMark reads them: a run of backticks not
    escaped opens one and the next run of as many closes it; a kept autolink
    comes first (`<https://a`b>` is no span). None when a run is left
    unclosed: it could close on another line of the paragraph."""
    spans: list[tuple[int, int]] = []
    i, n = 0, len(line)
    while i < n:
        c = line[i]
        if c == "\\":
            i += 2
        elif c == "<":
            m = _KEPT_AT.match(line, i + 1)
            i = m.end() if m else i + 1
        elif c == "`":
            j = i
            while j < n and line[j] == "`":
                j += 1
            run = j - i
            while True:
                k = line.find("`", j)
                if k < 0:
                    return None
                j = k
                while j < n and line[j] == "`":
                    j += 1
                if j - k == run:
                    break
            spans.append((i, j))
            i = j
        else:
            i += 1
    return spans


def _in_code(spans: list[tuple[int, int]], m: re.Match[str]) -> bool:
    """Whether the match is raw HTML (not a link) inside a code span, where
    nothing is HTML and a backslash would show."""
    at = m.start(2)
    k = bisect.bisect_right(spans, (at, len(m.string) + 1)) - 1
    return m.group(2)[0] == "<" and k >= 0 and spans[k][0] < at < spans[k][1]


def _escape_inline_note(line: str, code: bool = False) -> str:
    spans = _code_spans(line) if code and "`" in line else None

    def esc(m: re.Match[str]) -> str:
        if spans and _in_code(spans, m):
            return m.group(0)
        return "\\" * (2 * len(m.group(1)) + 1) + m.group(2)

    return _danger(line).sub(esc, line)


def _unescape_inline_note(line: str, code: bool = False) -> str:
    spans = _code_spans(line) if code and "`" in line else None

    def undo(m: re.Match[str]) -> str:
        k = len(m.group(1))
        if spans and _in_code(spans, m):
            return m.group(0)
        return "\\" * ((k - 1) // 2) + m.group(2) if k % 2 else m.group(0)

    return _danger(line).sub(undo, line)


def _structural(line: str) -> bool:
    body = line.lstrip(" ")
    lead = line[: len(line) - len(body)]
    return bool(_STRUCTURE.match(lead + body.lstrip("\\")))


#: An ATX heading, as a line of a note: kept, unless it is one the exporter
#: writes.
_HEADING = re.compile(r"\ {0,3}\#{1,6}(?:[ \t]|$)")


def escape_note_line(line: str, code: bool = False) -> str:
    """One line of the user's note, Markdown kept but made unable to change the
    document around it (see the module's docstring). `unescape_note_line` is
    its exact inverse. With `code`, raw HTML inside the line's code spans
    is left as typed (a backslash would show there): only for a note whose
    every line closes its code spans (`_code_spans`), as a span left open
    could close on another line."""
    plain = _escape_inline_note(line)
    if not _prefixed(plain):
        return _escape_inline_note(line, True) if code else plain
    # (The backslash before the line changes its first run of backticks:
    # its code spans are read as escaped without them.)
    body = plain.lstrip(" ")
    return plain[: len(plain) - len(body)] + "\\" + body


def _prefixed(line: str) -> bool:
    """Whether escape_note_line puts a backslash before the line (after its
    leading spaces): a line that would change the document, but a heading
    of the user's own, or one the user escaped to be none ("\\# 1 is a
    number")."""
    if not _structural(line) or _own_heading(line):
        return False
    body = line.lstrip(" ")
    return not (body.startswith("\\") and _own_heading(line[: len(line) - len(body)] + body[1:]))


def _own_heading(line: str) -> bool:
    """A heading of the user's own: kept as it is (not one the exporter writes)."""
    return bool(_HEADING.match(line)) and not SECTION_HEADING.match(line)


def unescape_note_line(line: str, code: bool = False) -> str:
    """A line of a note as the file has it, back as the user's note: the
    backslash `escape_note_line` puts before a line is taken off; one it
    would not have put is the user's."""
    body = line.lstrip(" ")
    if body[:1] == "\\" and body[1:2] != " ":
        rest = line[: len(line) - len(body)] + body[1:]
        if _prefixed(rest):
            return _unescape_inline_note(rest)
    return _unescape_inline_note(line, code)


# A note canonical_note would change: a blank line or a space at a line's
# end, a line end at either end (with no \r in it, nothing else would).
_NOT_CANONICAL = re.compile(r"\s\n|\s\Z|\A\n")


def canonical_note(note: str) -> str:
    """A note as it survives a trip through a file: \\n line ends, no trailing
    spaces, no blank lines at either end."""
    if "\r" not in note and not _NOT_CANONICAL.search(note):
        return note
    lines = [x.rstrip() for x in note.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    while lines and not lines[-1]:
        lines.pop()
    while lines and not lines[0]:
        lines.pop(0)
    return "\n".join(lines)


#: A line that opens (at its start: an indented one may belong to a list
#: item, where a renderer ends the code elsewhere) or closes a fenced code block.
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})(.*)$")
#: Lines import-notes reads as the file's own, wherever they stand.
_FILES_OWN = re.compile(rf"{SECTION_HEADING.pattern}|^<!-- reader:|^\^[0-9a-f]{{10}}\s*$")


def _fenced(lines: list[str]) -> list[int] | None:
    """For each line of a note: 1 a line of a code fence, 2 a line inside
    fenced code, 0 any other; None when a fence is left open (its lines are
    then escaped: an open fence would make the rest of the file code)."""
    kinds: list[int] = []
    fence = ""
    for line in lines:
        m = _FENCE.match(line)
        if not fence:
            if m and line[:1] in "`~" and not (m.group(1)[0] == "`" and "`" in m.group(2)):
                fence = m.group(1)
                kinds.append(1)
            else:
                kinds.append(0)
        elif m and m.group(1)[0] == fence[0] and len(m.group(1)) >= len(fence) and not m.group(2).strip():
            fence = ""
            kinds.append(1)
        else:
            kinds.append(2)
    return None if fence else kinds


def _files_own(line: str) -> bool:
    """A line of code that import-notes would read as a heading, marker or
    ^id of the file's (its leading spaces and backslashes aside)."""
    return bool(_FILES_OWN.match(line.lstrip(" ").lstrip("\\")))


def _escape_code_line(line: str) -> str:
    """A line inside fenced code, as typed, but for one import-notes would
    read as the file's own: a backslash before it."""
    if not _files_own(line):
        return line
    body = line.lstrip(" ")
    return line[: len(line) - len(body)] + "\\" + body


def _unescape_code_line(line: str) -> str:
    body = line.lstrip(" ")
    if body.startswith("\\") and _files_own(line):
        return line[: len(line) - len(body)] + body[1:]
    return line


def render_note(note: str) -> list[str]:
    return render_note_coded(note)[0]


def render_note_coded(note: str) -> tuple[list[str], bool]:
    """The note's lines as written to a file, and whether raw HTML in its
    code spans is left as typed there (its marker says so: `CODE_FLAG`)."""
    canon = canonical_note(note)
    if not canon:
        return [], False
    lines = canon.split("\n")
    kinds = _fenced(lines)
    if kinds is None or 1 not in kinds:
        kinds = [0] * len(lines)
    # Code fenced in the note stays code: its fences and lines as typed.
    out = [x if k == 1 else _escape_code_line(x) if k == 2 else escape_note_line(x) for x, k in zip(lines, kinds)]
    if not _spans_closed(out, kinds):
        return out, False
    return [escape_note_line(x, True) if k == 0 and "`" in x else y for x, y, k in zip(lines, out, kinds)], True


#: Characters of syntax that can take a backtick from a code span before it
#: is read as one: a link's address or title ("[a](/`)"), a table's cells
#: ("|"), Obsidian's math ("$") and comments ("%%").
_BEFORE_CODE = re.compile(r"[\[|$%]")


def _spans_closed(lines: list[str], kinds: list[int]) -> bool:
    """Whether raw HTML in the note's code spans may be left as typed: every
    line outside fenced code closes the code spans it opens, and none holds
    syntax that could read a backtick otherwise (the same before and after
    that HTML is left unescaped: escaping only adds backslashes)."""
    body = [x for x, k in zip(lines, kinds) if not k]
    return (any("`" in x for x in body) and not any(_BEFORE_CODE.search(x) for x in body)
            and all("`" not in x or _code_spans(x) is not None for x in body))


def parse_note(lines: Iterable[str], code_spans: bool | None = None) -> str:
    """The note `render_note` wrote as these lines: raw HTML in code spans
    read as typed if `code_spans` (the note's marker says so), else as
    escaped; None, as `render_note` would decide for these lines."""
    lines = [x.rstrip() for x in lines]
    kinds = _fenced(lines)
    if kinds is None or 1 not in kinds:
        kinds = [0] * len(lines)
    code = _spans_closed(lines, kinds) if code_spans is None else code_spans
    return canonical_note("\n".join(
        x if k == 1 else _unescape_code_line(x) if k == 2 else unescape_note_line(x, code) for x, k in zip(lines, kinds)))


@lru_cache(maxsize=8192)
def obsidian_tag(tag: str) -> str:
    """`tag` as the vault writes it: its stored form (`normalise_tag`), which
    Obsidian accepts (letters, digits, _ - and / for nesting; not digits
    alone)."""
    return normalise_tag(tag)


def rendered_tags(tags: Iterable[str]) -> list[str]:
    out: list[str] = []
    for t in tags:
        o = obsidian_tag(t)
        if o and o not in out:
            out.append(o)
    return out


def tags_line(tags: Iterable[str]) -> str:
    shown = rendered_tags(tags)
    return "Tags:" + "".join(" #" + t for t in shown)


def parse_tags_line(rest: str) -> list[str]:
    out: list[str] = []
    for token in re.split(r"[\s,]+", rest):
        t = token.lstrip("#").strip()
        if t and t not in out:
            out.append(t)
    return out


def _hash(payload: Any) -> str:
    data = _JSON_COMPACT.encode(payload)
    return hashlib.sha256(data.encode("utf-8", "surrogatepass")).hexdigest()[:12]


def annotation_fingerprint(shown_tags: Iterable[str], note: str) -> str:
    """What an exported annotation's user-editable part looked like: the tags as
    shown (a set) and the note as it reads back from the file."""
    return _hash(["annotation", sorted(set(shown_tags)), canonical_note(note)])


def fingerprint_of(ann: Annotation) -> str:
    return annotation_fingerprint(rendered_tags(ann.tags), ann.note)


def note_fingerprint(note: str) -> str:
    return _hash(["note", canonical_note(note)])


# ---------------------------------------------------------------- Markdown


def _link_destination(url: str) -> str:
    return re.sub(r"[\s<>\\]", lambda m: "%{:02X}".format(ord(m.group())), url)


def _source_line(article: Article) -> str:
    url = article.url or ""
    if re.match(r"^https?://", url, re.IGNORECASE):
        label = escape_inline(one_line(article.site or url))
        return f"Source: [{label}](<{_link_destination(url)}>)"
    if url:
        return "Source: " + escape_inline(one_line(url))
    return f"Source: saved copy, no address (reader id {article.id})"


def _front_matter(article: Article) -> list[str]:
    tags = rendered_tags(article.tags)
    return [
        "---",
        f"title: {yaml_str(one_line(article.title))}",
        f"url: {yaml_str(article.url)}",
        f"site: {yaml_str(article.site)}",
        f"author: {yaml_str(article.author)}",
        f"published: {yaml_str(article.published)}",
        f"saved: {yaml_str(article.saved or None)}",
        "tags: [" + ", ".join(yaml_str(t) for t in tags) + "]",
        f"reader_id: {yaml_str(article.id)}",
        "---",
    ]


def _metadata_list(article: Article) -> list[str]:
    """The front matter's facts as a list (in a combined document)."""
    rows = [
        ("URL", article.url),
        ("Site", article.site),
        ("Author", article.author),
        ("Published", article.published),
        ("Saved", article.saved),
    ]
    out = [f"- {k}: {escape_inline(one_line(v))}" for k, v in rows if v]
    tags = rendered_tags(article.tags)
    if tags:
        out.append("- Tags: " + " ".join("#" + t for t in tags))
    out.append(f"- Reader id: {article.id}")
    return out


def _annotation_block(ann: Annotation, fingerprint: str) -> list[str]:
    lines = [f"<!-- reader:annotation base={fingerprint}{CODE_FLAG if render_note_coded(ann.note)[1] else ''} -->"]
    lines += render_quote(ann.exact) + ["", f"^{ann.id}"]
    if ann.was:
        # Under the ^id, which names the block above it: the quote, in a vault.
        lines += ["", WAS_LINE + "\u201c" + escape_inline(one_line(ann.was)) + "\u201d"]
    return lines + annotation_tail(ann.tags, ann.note)


def annotation_tail(tags: Iterable[str], note: str) -> list[str]:
    """What follows an annotation's ^id line: its Tags: line and its note,
    each after a blank line, and only when there is something to show."""
    lines: list[str] = []
    rendered = render_note(note)
    # No empty "Tags:" line in a vault: import-notes reads a section without
    # one as tags not edited, and a Tags: line the user puts under the ^id as
    # the tags. Only a note whose first line would itself be read as that line
    # keeps an empty one above it.
    if rendered_tags(tags) or (rendered and (tags_line_match(rendered[0]) or rendered[0].startswith(WAS_LINE))):
        lines += ["", tags_line(tags)]
    if rendered:
        lines += [""] + rendered
    return lines


def _sections(anns: list[Annotation], group_by: str | None) -> list[tuple[str, list[Annotation]]]:
    live = [a for a in anns if not a.orphaned]
    orphans = [a for a in anns if a.orphaned]
    sections: list[tuple[str, list[Annotation]]] = []
    if group_by == "tag":
        buckets: dict[str, list[Annotation]] = {}
        for a in live:
            key = next((b for b in BUILTIN if b in a.tags), None)
            if key is None:
                key = next((t for t in a.tags if obsidian_tag(t)), "")
            buckets.setdefault(key, []).append(a)
        for b in BUILTIN:
            if b in buckets:
                sections.append(("## " + SECTION_TITLES[b], buckets.pop(b)))
        untagged = buckets.pop("", None)
        for key in sorted(buckets, key=lambda k: (obsidian_tag(k), k)):
            sections.append((TAGGED_PREFIX + obsidian_tag(key), buckets[key]))
        if untagged:
            sections.append((UNTAGGED_HEADING, untagged))
    elif live:
        sections.append((ANNOTATIONS_HEADING, live))
    if orphans:
        sections.append((ORPHANED_HEADING, orphans))
    return sections


def render_article_markdown(item: ArticleExport, *, group_by: str | None = None, standalone: bool = True) -> str:
    """One article as Markdown: front matter (standalone) or a metadata list
    (in a combined document), title, source, note and annotations."""
    article = item.article
    prints = {a.id: fingerprint_of(a) for a in item.annotations}
    exported = ",".join(f"{a.id}:{prints[a.id]}" for a in item.annotations)
    lines: list[str] = []
    if standalone:
        lines += _front_matter(article) + [""]
    marker = f"<!-- reader:article id={article.id} annotations={exported}"
    marker_at = len(lines)
    lines.append("# " + (escape_inline(one_line(article.title)) or "Untitled"))
    lines.append("")
    if not standalone:
        lines += _metadata_list(article) + [""]
    lines += [_source_line(article), ""]
    if standalone:
        marker += " head=" + header_fingerprint("\n".join(lines))
    lines.insert(marker_at, marker + " -->")
    if item.note is not None:
        note, coded = render_note_coded(item.note)
        # The heading only over a note (an empty one is clutter in a vault);
        # the marker, invisible in Obsidian, either way: it is where a note
        # written in the file is taken from.
        if note:
            lines += [NOTE_HEADING, ""]
        lines += [f"<!-- reader:note base={note_fingerprint(item.note)}{CODE_FLAG if coded else ''} -->"] + note + [""]
    for heading, anns in _sections(item.annotations, group_by):
        lines.append(heading)
        for ann in anns:
            lines += [""] + _annotation_block(ann, prints[ann.id])
        lines.append("")
    while lines and not lines[-1]:
        lines.pop()
    return "\n".join(lines) + "\n"


def header_fingerprint(header: str) -> str:
    """What a standalone file's header read as exported (front matter but its
    ``export_hash``, title and source line; the article marker left out): the
    marker's ``head``, so import-notes can tell a header edited in the file
    from one the archive changed since the export."""
    lines = [x for x in as_written(header).rstrip("\n").split("\n")
             if not ANY_MARKER.match(x) and not x.startswith(HASH_KEY + ": ")]
    while lines and not lines[-1]:
        lines.pop()
    return _hash(["header", lines])


def render_markdown(items: Sequence[ArticleExport], *, group_by: str | None = None) -> str:
    """Several articles as one document (`--out FILE.md` or `--out -`)."""
    return "\n".join(render_article_markdown(i, group_by=group_by, standalone=False) for i in items)


# ---------------------------------------------------------------- W3C JSON


def source_iri(article: Article) -> str:
    return article.url or f"urn:reader:{article.id}"


def w3c_annotation(ann: Annotation, article: Article) -> dict[str, Any]:
    """One annotation in the W3C Web Annotation Data Model."""
    body: list[dict[str, Any]] = []
    if ann.note:
        body.append({"type": "TextualBody", "value": ann.note, "format": "text/markdown", "purpose": "commenting"})
    for t in ann.tags:
        body.append({"type": "TextualBody", "value": t, "purpose": "tagging"})
    out: dict[str, Any] = {
        "@context": W3C_CONTEXT,
        "id": f"urn:reader:annotation:{ann.id}",
        "type": "Annotation",
        "motivation": "commenting" if ann.note else ("tagging" if ann.tags else "highlighting"),
    }
    if ann.created:
        out["created"] = ann.created
    if ann.updated or ann.created:
        out["modified"] = ann.updated or ann.created
    if body:
        out["body"] = body
    out["target"] = {
        "source": source_iri(article),
        "selector": [
            {"type": "TextQuoteSelector", "exact": ann.exact, "prefix": ann.prefix, "suffix": ann.suffix},
            {"type": "TextPositionSelector", "start": ann.start, "end": ann.end},
        ],
    }
    if ann.orphaned:
        out["reader:orphaned"] = True
    if ann.was:
        # The text it was made on, which the article no longer reads.
        out["reader:was"] = ann.was
    return out


def w3c_article_note(item: ArticleExport) -> dict[str, Any]:
    """The article's own note: a comment on the whole document."""
    out: dict[str, Any] = {
        "@context": W3C_CONTEXT,
        "id": f"urn:reader:article-note:{item.article.id}",
        "type": "Annotation",
        "motivation": "commenting",
    }
    out["body"] = [{"type": "TextualBody", "value": item.note, "format": "text/markdown", "purpose": "commenting"}]
    out["target"] = {"source": source_iri(item.article)}
    return out


def w3c_items(item: ArticleExport) -> list[dict[str, Any]]:
    out = [w3c_annotation(a, item.article) for a in item.annotations]
    if item.note:
        out.append(w3c_article_note(item))
    return out


def _collection(label: str, items: list[dict[str, Any]], collection_id: str | None) -> dict[str, Any]:
    out: dict[str, Any] = {"@context": W3C_CONTEXT}
    if collection_id:
        out["id"] = collection_id
    out.update(
        type="AnnotationCollection",
        label=label,
        total=len(items),
        first={"type": "AnnotationPage", "startIndex": 0, "items": items},
    )
    return out


def collection_id(article: Article) -> str:
    return f"urn:reader:collection:{article.id}"


def render_article_json(item: ArticleExport) -> str:
    doc = _collection(one_line(item.article.title), w3c_items(item), collection_id(item.article))
    return json.dumps(doc, ensure_ascii=False, indent=2) + "\n"


def render_json(items: Sequence[ArticleExport]) -> str:
    all_items: list[dict[str, Any]] = []
    for i in items:
        all_items += w3c_items(i)
    return json.dumps(_collection("reader export", all_items, None), ensure_ascii=False, indent=2) + "\n"


def render_combined(items: Sequence[ArticleExport], fmt: str = "md", *, group_by: str | None = None) -> str:
    if fmt == "json":
        return render_json(items)
    return render_markdown(items, group_by=group_by)


# ---------------------------------------------------------------- file names

_RESERVED = frozenset(
    {"con", "prn", "aux", "nul", "conin$", "conout$", "clock$"}
    | {f"com{i}" for i in "0123456789"}
    | {f"lpt{i}" for i in "0123456789"}
)


def is_reserved(name: str) -> bool:
    """A Windows device name (CON, NUL, COM1...), with or without extension."""
    stem = name.split(".", 1)[0].rstrip(" ").casefold()
    stem = unicodedata.normalize("NFKC", stem)
    return stem in _RESERVED


_NOT_WORD = re.compile(r"[^\w]+")


def slug(title: str) -> str:
    """Lower case words joined by '-': letters, digits and the combining marks
    of words, of any script, nothing else."""
    s = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", title).casefold().replace("i\u0307", "i"))
    s = dash_runs(_NOT_WORD, s)
    s = re.sub(r"-{2,}", "-", s)
    return s.strip("-_")


def _fit(stem: str, suffix: str, ext: str) -> str:
    """stem + suffix + ext within MAX_NAME_CHARS characters and MAX_NAME_BYTES bytes."""
    room = MAX_NAME_CHARS - len(suffix) - len(ext)
    stem = stem[:room]
    while len((stem + suffix + ext).encode("utf-8")) > MAX_NAME_BYTES:
        stem = stem[:-1]
    stem = stem.rstrip("-_")
    return stem + suffix + ext


def base_name(article: Article, fmt: str = "md") -> str:
    """The file name an article gets when nothing else claims it."""
    ext = EXTENSIONS[fmt]
    stem = slug(article.title)
    if not stem:
        stem = f"article-{article.id[:8]}"
    elif is_reserved(stem):
        stem = f"{stem}-article"
    return _fit(stem, "", ext)


def is_safe_name(name: str) -> bool:
    return (
        bool(name)
        and name not in (".", "..")
        and not name.startswith(".")
        and "/" not in name
        and "\\" not in name
        and "\x00" not in name
        and ".." not in name
        and not is_reserved(name)
        and len(name) <= MAX_NAME_CHARS
        and len(name.encode("utf-8")) <= MAX_NAME_BYTES
    )


_OWNER_MD = re.compile(r"<!-- reader:article id=([0-9a-f]+)")
_OWNER_JSON = re.compile(r'"id": "urn:reader:collection:([0-9a-f]+)"')


def owner_of(path: Path, fmt: str) -> str | None:
    """The article id a file in the export folder was written for, if any."""
    try:
        if path.is_symlink():
            return None
        st = path.stat()
    except OSError:
        return None
    if not stat.S_ISREG(st.st_mode):
        return None
    # An export looks in the folder more than once (the articles with a file
    # there, then where each one's is): a file not changed since is read once.
    return _owner_of(str(path), st.st_mtime_ns, st.st_size, fmt)


@lru_cache(maxsize=65536)
def _owner_of(path: str, _mtime: int, _size: int, fmt: str) -> str | None:
    try:
        with open(path, "rb") as f:
            head = f.read(16384).decode("utf-8", "replace")
    except OSError:
        return None
    if fmt == "md" and (is_document(head) or len(_OWNER_MD.findall(head)) > 1):
        return None  # a document of several articles (`--out FILE.md`), no article's own file
    m = (_OWNER_MD if fmt == "md" else _OWNER_JSON).search(head)
    return m.group(1) if m else None


def _moved_files(folder: Path, wanted: set[str], titled: dict[str, Article] | None = None,
                 copies: dict[str, list[str]] | None = None) -> dict[str, str]:
    """Article id -> path (relative, "/"-separated) of a Markdown export the
    user moved into a subfolder of `folder` (a vault filed by topic), for the
    articles in `wanted`. Hidden folders (.obsidian, .trash) and symbolic
    links are left out. Of several files holding one article (a copy made in
    the vault, "X 1.md"), the one with a name the exporter gives it (else the
    shortest name) is the article's, as in the folder itself (`assign_names`);
    the others go to `copies`."""
    held = _files_in_subfolders(folder, wanted)
    found: dict[str, str] = {}
    for owner, paths in held.items():
        own = set(_own_names(owner, base_name(titled[owner], "md"), ".md")) if titled and owner in titled else set()
        found[owner] = next((p for p in paths if p.rsplit("/", 1)[-1] in own), None) or min(
            paths, key=lambda p: (len(p.rsplit("/", 1)[-1]), p))
        if len(paths) > 1 and copies is not None:
            copies[owner] = [p for p in paths if p != found[owner]]
    return found


def _files_in_subfolders(folder: Path, wanted: set[str] | None) -> dict[str, list[str]]:
    """Article id -> the Markdown exports of it in the subfolders of `folder`
    (relative, "/"-separated paths, in name order), for the articles in
    `wanted` (None: every article)."""
    held: dict[str, list[str]] = {}
    if wanted is not None and not wanted:
        return held
    for dirpath, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if is_safe_name(d) and not os.path.islink(os.path.join(dirpath, d)))
        rel = os.path.relpath(dirpath, folder)
        if rel == ".":
            continue  # the folder's own files are assign_names' to find
        for name in sorted(files):
            if not name.endswith(".md") or not is_safe_name(name):
                continue
            owner = owner_of(Path(dirpath) / name, "md")
            if owner is not None and (wanted is None or owner in wanted):
                held.setdefault(owner, []).append(f"{rel.replace(os.sep, '/')}/{name}")
    return held


def exported_here(folder: str | os.PathLike[str], fmt: str = "md") -> set[str]:
    """The articles that have a file of their own in `folder` (or, for
    Markdown, in a subfolder of it)."""
    folder = Path(folder).expanduser()
    ext = EXTENSIONS[fmt]
    try:
        names = os.listdir(folder)
    except OSError:
        return set()
    owners = {owner_of(folder / n, fmt) for n in names if n.endswith(ext) and is_safe_name(n)}
    if fmt == "md":
        owners |= set(_files_in_subfolders(folder, None))
    return {o for o in owners if o}


def with_retracted(archive: Archive, items: list[ArticleExport], folder: str | os.PathLike[str],
                   fmt: str = "md") -> list[ArticleExport]:
    """`items` (an export of every article with notes) and the articles with
    a file in `folder` but nothing to export now (their last mark deleted):
    written again, their file says so, instead of keeping marks taken back."""
    from reader.core.store import NotFound

    have = {i.article.id for i in items}
    gone = []
    for aid in sorted(exported_here(folder, fmt) - have):
        try:
            archive.info(aid)
        except NotFound:
            continue  # deleted from the archive: its file stays as it is
        gone.append(aid)
    return list(items) + (collect(archive, gone) if gone else [])


def is_safe_place(folder: Path, name: str) -> bool:
    """`name` (a file name, or a "/"-separated path into subfolders) stays
    inside `folder`: every part a safe name, and no symbolic link on the way."""
    parts = name.split("/")
    if not all(is_safe_name(part) for part in parts):
        return False
    where = os.path.abspath(folder)
    path = where
    for part in parts[:-1]:
        path = os.path.join(path, part)
        if os.path.islink(path) or not os.path.isdir(path):
            return False
    return os.path.dirname(os.path.join(path, parts[-1])) == path


def _own_names(article_id: str, base: str, ext: str) -> list[str]:
    """The names the exporter gives an article's file, in the order it tries them."""
    stem = base[: -len(ext)]
    return [base, _fit(stem, f"-{article_id[:8]}", ext), _fit(stem, f"-{article_id}", ext)]


def assign_names(items: Sequence[ArticleExport], folder: Path, fmt: str = "md",
                 copies: dict[str, list[str]] | None = None) -> dict[str, str]:
    """Article id -> file name in `folder`.

    An article keeps the file it was exported to before (found by the marker
    inside), so re-exports land on the same name even after a title changes;
    a Markdown file the user moved into a subfolder is found there too (the
    name is then a "/"-separated path). Otherwise it gets its title's slug,
    and on a collision (another article's file, a file that is not an export,
    another article in this export) the slug with its short id, then its full
    id: the same article always gets the same name. A file that is not an
    export of this article is never overwritten.

    Of several files holding one article (a copy made in the vault: "X 1.md",
    "Copy of X.md"), the one with a name the exporter gives it (else the
    shortest) is written; the others, left alone, are listed in `copies`
    (article id -> names).
    """
    ext = EXTENSIONS[fmt]
    holders: dict[str, list[str]] = {}
    taken: set[str] = set()
    try:
        entries = sorted(os.listdir(folder))
    except FileNotFoundError:
        entries = []
    except OSError as err:
        raise ExportError(f"{folder}: cannot list ({err.strerror})") from None
    for name in entries:
        path = folder / name
        owner = owner_of(path, fmt) if name.endswith(ext) and is_safe_name(name) else None
        if owner:
            holders.setdefault(owner, []).append(name)
        taken.add(name.casefold())
    titled = {i.article.id: i.article for i in items}
    owned: dict[str, str] = {}
    for owner, held in holders.items():
        own = _own_names(owner, base_name(titled[owner], fmt), ext) if owner in titled else []
        # Else (the title changed since) the shortest: a copy's name is the
        # original's with more ("X 1.md", "X copy.md", "Copy of X.md").
        owned[owner] = next((n for n in own if n in held), None) or min(held, key=lambda n: (len(n), n))
        if len(held) > 1 and copies is not None and owner in titled:
            copies[owner] = [n for n in held if n != owned[owner]]
    exporting = set(titled)
    names: dict[str, str] = {}
    # Articles that already own a file keep it; the rest are named in id order.
    for aid in exporting & owned.keys():
        names[aid] = owned[aid]
    if fmt == "md":
        names.update(_moved_files(folder, exporting - set(names), titled, copies))
    for aid in sorted(exporting):
        if aid in names:
            continue
        base = base_name(titled[aid], fmt)
        stem = base[: -len(ext)]
        candidates = itertools.chain(
            _own_names(aid, base, ext),
            (_fit(stem, f"-{aid}-{n}", ext) for n in range(2, 1000)),
        )
        for cand in candidates:
            if cand.casefold() not in taken and is_safe_name(cand):
                names[aid] = cand
                taken.add(cand.casefold())
                break
        else:  # pragma: no cover - a thousand files named alike
            raise ExportError(f"{folder}: no free file name for {aid}")
    return names


# ---------------------------------------------------------------- edits since the export

HASH_KEY = "export_hash"
#: The fingerprint as a key (its value the group): the last of a standalone
#: Markdown file's front matter, or the last top-level key of a JSON export.
_HASH_LINE = re.compile(rf'^{HASH_KEY}: "([0-9a-f]{{16}})"\n', re.M)
_JSON_HASH_KEY = re.compile(rf',\n  "{HASH_KEY}": "([0-9a-f]{{16}})"(?=\n\}}\n\Z)')
#: A combined Markdown document's fingerprint, its first line.
_DOC_HASH_LINE = re.compile(rf"<!-- {HASH_KEY}=([0-9a-f]{{16}}) -->\n")
#: What the export says of a file it kept.
KEPT = ("edited since the last export; kept (`reader import-notes` takes the edits back, "
        "`reader export --force` overwrites them)")
#: What the export says of files a filtered export (--tag, --since) kept.
KEPT_FULLER = ("kept, holding marks or a note this filtered export leaves out (export without the filter, "
               "or write the filtered view elsewhere: --out FOLDER or FILE.md; --force overwrites them)")
#: The same of a JSON export, whose edits import-notes does not read.
KEPT_JSON = "edited since the last export; kept (`reader export --force` overwrites them)"


def _front_matter_end(text: str) -> int:
    """Where a standalone file's front matter closes (the index of its closing
    "---" line), or -1."""
    if not text.startswith("---\n"):
        return -1
    end = text.find("\n---\n", 3)
    return end + 1 if end >= 0 else -1


#: The front matter's keys an export writes; any other is a property the
#: user added in the vault (Obsidian's "status", "aliases"...).
_OWN_KEYS = frozenset(("title", "url", "site", "author", "published", "saved", "tags", "reader_id", HASH_KEY))
#: A top-level key of YAML front matter (its value may follow on indented lines).
_TOP_KEY = re.compile(r"""^(["']?)([^\s#'"-][^:]*?)\1\s*:(?:\s|$)""")


def _split_properties(text: str) -> tuple[list[str], list[str]] | None:
    """A standalone file's front matter lines as (the export's, the user's
    own properties with their lines), or None without front matter."""
    end = _front_matter_end(text)
    if end < 0:
        return None
    own: list[str] = []
    users: list[str] = []
    mine = True
    for line in text[4:end].split("\n")[:-1]:
        m = _TOP_KEY.match(line)
        if m:
            mine = m.group(2) in _OWN_KEYS
        (own if mine else users).append(line)
    return own, users


def user_properties(text: str) -> list[str]:
    """The lines of the properties a user added to a file's front matter."""
    split = _split_properties(text)
    return split[1] if split else []


def without_user_properties(text: str) -> str:
    """`text` with only the front matter an export writes: the properties
    the user added in the vault are theirs, no edit of the export."""
    split = _split_properties(text)
    if not split or not split[1]:
        return text
    return "---\n" + "".join(line + "\n" for line in split[0]) + text[_front_matter_end(text):]


def with_user_properties(text: str, properties: list[str]) -> str:
    """A rendered file with the user's `properties` last in its front matter."""
    end = _front_matter_end(text)
    if end < 0 or not properties:
        return text
    return text[:end] + "".join(line + "\n" for line in properties) + text[end:]


def _is_json(text: str) -> bool:
    """A JSON export as written (indented by two, ending in a line "}")."""
    return text.startswith("{\n") and text.endswith("\n}\n")


def _key_place(text: str) -> tuple[int, str] | None:
    """Where `stamp` puts the fingerprint of an export that has keys: the
    index the key goes at, and the key with {} for its value; None for a
    combined Markdown document (which has none)."""
    end = _front_matter_end(text)
    if end >= 0:
        return end, HASH_KEY + ': "{}"\n'
    if _is_json(text):
        # Last, after the collection itself: "@context" stays the first key,
        # where JSON-LD processors that stream look for it.
        return len(text) - len("\n}\n"), ',\n  "' + HASH_KEY + '": "{}"'
    return None


def _hash_key(text: str) -> re.Match[str] | None:
    """The fingerprint key of a stamped export (its value the group), or None."""
    end = _front_matter_end(text)
    if end >= 0:
        return _HASH_LINE.search(text, 0, end)
    if _is_json(text):
        return _JSON_HASH_KEY.search(text, max(0, len(text) - 64))
    return None


def _content_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:16]


def stamp(text: str) -> str:
    """An export with its own fingerprint: a key (the last of a standalone
    Markdown file's front matter, the last top-level one of a JSON export),
    computed with its value left empty; or the first line of a combined
    Markdown document (which has no keys), computed over the rest."""
    place = _key_place(text)
    if place is None:
        return f"<!-- {HASH_KEY}={_content_hash(text)} -->\n" + text
    at, key = place
    blank = text[:at] + key.format("") + text[at:]
    return text[:at] + key.format(_content_hash(blank)) + text[at:]


def is_document(text: str) -> bool:
    """Whether a Markdown export is a document of its own (``--out FILE.md``,
    stamped on its first line), not an article's file of an export folder."""
    return bool(_DOC_HASH_LINE.match(as_written(text)))


def unstamped(text: str) -> str:
    """The text without its fingerprint (as rendered, before `stamp`)."""
    m = _DOC_HASH_LINE.match(text)
    if m:
        return text[m.end():]
    m = _hash_key(text)
    return text[: m.start()] + text[m.end():] if m else text


def as_written(text: str) -> str:
    """A file's text with the line ends and byte-order mark an export writes
    (an editor or a sync tool on Windows may add CRLF and a BOM): those are
    no edit of the notes, and fingerprints are taken over this form."""
    if text.startswith("\ufeff"):
        text = text[1:]
    return text.replace("\r\n", "\n") if "\r\n" in text else text


def edited_since_export(data: bytes, new_text: str) -> bool:
    """Whether a file an export wrote (now holding `data`) has been changed
    since: False when it still matches its fingerprint, or when it reads as
    `new_text` (the export about to be written, unstamped) apart from that.
    Line ends (CRLF) and a byte-order mark are not changes."""
    try:
        text = as_written(data.decode("utf-8"))
    except UnicodeDecodeError:
        return True
    # Properties the user added to the front matter in the vault are kept
    # (`with_user_properties`), and are no edit of what was exported.
    for form in dict.fromkeys((text, without_user_properties(text))):
        m = _DOC_HASH_LINE.match(form)
        if m is not None:
            hashed = form[m.end():]
        else:
            m = _hash_key(form)
            hashed = form[: m.start(1)] + form[m.end(1):] if m else ""  # the value left empty
        if m is not None and _content_hash(hashed) == m.group(1):
            return False
    return unstamped(text) != new_text and not _same_but_written_otherwise(text, new_text)


def _same_but_written_otherwise(text: str, new_text: str) -> bool:
    """Whether a file is as exported but for how its front matter writes
    the same values: Obsidian's properties editor writes them again its own
    way (no quotes, null as nothing, lists item by item). Its notes must
    match its fingerprint once its front matter reads as the export writes
    it (`new_text`'s, the same values, with the user's own properties)."""
    end, new_end = _front_matter_end(text), _front_matter_end(new_text)
    if end < 0 or new_end < 0:
        return False
    m = _LOOSE_HASH_LINE.search(text, 0, end)
    if m is None:
        return False
    from reader.core.ingest.markdown import front_matter

    def values(head: str) -> dict[str, Any]:
        meta, _ = front_matter(head + "---\n")
        return {k: (v or None) if not isinstance(v, list) else [str(x) for x in v]
                for k, v in meta.items() if k in _OWN_KEYS and k != HASH_KEY}

    if values(text[:end]) != values(new_text[:new_end]):
        return False
    candidate = with_user_properties(new_text[:new_end], user_properties(text)) + text[end:]
    at, key = _key_place(candidate)  # type: ignore[misc]
    return _content_hash(candidate[:at] + key.format("") + candidate[at:]) == m.group(2)


#: The fingerprint's line as a YAML editor may write it again (no quotes).
_LOOSE_HASH_LINE = re.compile(rf"""^{HASH_KEY}:[ \t]*(["']?)([0-9a-f]{{16}})\1[ \t]*$""", re.M)


# ---------------------------------------------------------------- writing


@dataclass(slots=True)
class Written:
    path: Path
    changed: bool
    article_id: str | None = None
    #: Not written: the file was edited since the last export (see `KEPT`),
    #: or (with `fuller`) it holds what a filtered export leaves out.
    kept: bool = False
    #: Kept because it holds marks or a note this filtered export leaves out
    #: (see `KEPT_FULLER`).
    fuller: bool = False
    #: Other files in the folder holding the same article (copies made in
    #: the vault), left alone.
    copies: tuple[Path, ...] = ()


def write_atomic(path: Path, data: bytes, *, durable: bool = True) -> bool:
    """Write `data` to `path` through a temporary file; False when the file
    already holds exactly these bytes (it is left alone)."""
    from reader.core.files import write_atomic as replace_file

    try:
        if path.is_file() and not path.is_symlink() and path.read_bytes() == data:
            return False
    except OSError:
        pass
    replace_file(path, data, mode=0o644, umask=True, durable=durable)
    return True


def write_folder(
    items: Sequence[ArticleExport], folder: Path, fmt: str = "md", *, group_by: str | None = None,
    force: bool = False,
) -> list[Written]:
    """One file per article in `folder` (created if needed). A file edited
    since it was exported is kept (``kept``), unless `force`."""
    if fmt not in FORMATS:
        raise ExportError(f"unknown format {fmt!r} (md or json)")
    folder = Path(folder).expanduser()
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise ExportError(f"{folder}: cannot create the export folder ({err.strerror})") from None
    if not folder.is_dir():
        raise ExportError(f"{folder}: not a folder")
    copies: dict[str, list[str]] = {}
    names = assign_names(items, folder, fmt, copies)
    out: list[Written] = []
    for item in items:
        name = names[item.article.id]
        path = folder / name
        others = tuple(folder / n for n in copies.get(item.article.id, ()))
        if not is_safe_place(folder, name):  # pragma: no cover - assign_names guarantees it
            raise ExportError(f"refusing to write {name!r} outside {folder}")
        rendered = render_article_markdown(item, group_by=group_by) if fmt == "md" else render_article_json(item)
        try:
            current = path.read_bytes() if not path.is_symlink() and path.is_file() else None
            if current is not None and fmt == "md":
                # The properties the user gave the file in the vault stay.
                rendered = with_user_properties(rendered, user_properties(as_written(current.decode("utf-8", "replace"))))
            data = stamp(rendered).encode("utf-8")
            if not force and current is not None and current != data and edited_since_export(current, rendered):
                out.append(Written(path, False, item.article.id, kept=True, copies=others))
                continue
            if not force and current is not None and item.partial and fmt == "md" and _holds_more(current, item):
                # A filtered view would replace the whole notes of the article.
                out.append(Written(path, False, item.article.id, kept=True, fuller=True, copies=others))
                continue
            # Each file is replaced atomically; the folder is flushed once at
            # the end rather than every file on its own (10,000 flushes take
            # longer than the export).
            changed = write_atomic(path, data, durable=False)
        except OSError as err:
            raise ExportError(f"{path}: cannot write ({err.strerror})") from None
        out.append(Written(path, changed, item.article.id, copies=others))
    if any(w.changed for w in out):
        if hasattr(os, "sync"):
            os.sync()  # every file written above, in one flush
        sync_dir(folder)
    return out


def _holds_more(data: bytes, item: ArticleExport) -> bool:
    """Whether an article's exported file holds marks, or a note, that
    `item` (a filtered export) leaves out."""
    text = data.decode("utf-8", "replace")
    for line in text.splitlines():
        m = ARTICLE_MARKER.match(line)
        if m is not None and m.group("id") == item.article.id:
            listed = {x.partition(":")[0] for x in (m.group("anns") or "").split(",") if x}
            if listed - {a.id for a in item.annotations}:
                return True
            break
    return item.note is None and any(NOTE_MARKER.match(line) for line in text.splitlines())


def looks_like_export(path: Path) -> bool:
    try:
        with open(path, "rb") as f:
            head = f.read(65536).decode("utf-8", "replace")
    except OSError:
        return False
    return "<!-- reader:article id=" in head or "urn:reader:" in head


def write_file(
    items: Sequence[ArticleExport], path: Path, fmt: str = "md", *, group_by: str | None = None,
    force: bool = False,
) -> Written:
    """One combined document. An existing file is replaced only if it is an
    earlier export (or empty): a user's own note is never overwritten. A
    document edited since it was exported is kept (``kept``), unless `force`."""
    path = Path(path).expanduser()
    if path.is_dir():
        raise ExportError(f"{path} is a folder; give a file name ending in .md or .json, or the folder itself")
    if path.exists() and path.stat().st_size and not looks_like_export(path):
        raise ExportError(f"{path} exists and is not a reader export; choose another name")
    rendered = render_combined(items, fmt, group_by=group_by)
    data = stamp(rendered).encode("utf-8")
    try:
        if not force and not path.is_symlink() and path.is_file():
            current = path.read_bytes()
            if current and current != data and edited_since_export(current, rendered):
                return Written(path, False, kept=True)
        path.parent.mkdir(parents=True, exist_ok=True)
        changed = write_atomic(path, data)
    except OSError as err:
        raise ExportError(f"{path}: cannot write ({err.strerror})") from None
    return Written(path, changed)


def default_folder(data_dir: str | os.PathLike[str]) -> Path:
    """The export folder: [export] dir in config.toml, else <data dir>/exports."""
    from reader.core.config import Config

    return Config.load(Path(data_dir)).exports()


def export_folder(
    archive: Archive,
    article_ids: Sequence[str] | None = None,
    folder: str | os.PathLike[str] | None = None,
    fmt: str = "md",
    *,
    group_by: str | None = None,
    force: bool = False,
) -> list[Written]:
    """Export articles' notes, one file each; what happened to each file.

    `article_ids` None or empty: every article with annotations or a note (the
    archive screen's `X`); otherwise those articles (the reading screen's `X`
    passes the open one). `folder` None: the configured export folder. Raises
    ExportError (or the store's errors) with a one-line message. Files whose
    bytes would not change are left untouched (``changed`` False); files
    edited since the last export are kept (``kept``), unless `force`.
    """
    target = Path(folder) if folder is not None else default_folder(archive.data_dir)
    items = collect(archive, list(article_ids) if article_ids else None)
    if not article_ids:
        items = with_retracted(archive, items, target, fmt)
    return write_folder(items, target, fmt, group_by=group_by, force=force)


def export_to_folder(
    archive: Archive,
    article_ids: Sequence[str] | None = None,
    folder: str | os.PathLike[str] | None = None,
    fmt: str = "md",
    *,
    group_by: str | None = None,
) -> list[Path]:
    """`export_folder`, returning only the files' paths (kept ones included)."""
    return [w.path for w in export_folder(archive, article_ids, folder, fmt, group_by=group_by)]

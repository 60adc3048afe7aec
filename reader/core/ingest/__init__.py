"""Saved files to articles: decode, parse by format, fold, find the metadata.

`ingest_file` reads one file; `ingest_bytes` takes content from elsewhere (a
fetched page, an export). Neither touches the archive.
"""

from __future__ import annotations

import gc
import hashlib
import os
import re
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

from reader.core.fold import fold_blocks
from reader.core.ingest.decode import decode, utf16_without_bom
from reader.core.models import Article, Block
from reader.core.sanitize import clean_line

FORMATS = {
    ".html": "html",
    ".htm": "html",
    ".xhtml": "html",
    ".txt": "text",
    ".text": "text",
    ".md": "markdown",
    ".markdown": "markdown",
}

#: Larger files are refused: no saved article is this big.
MAX_BYTES = 64 * 1024 * 1024
#: Text beyond this is refused too: reading text takes time in proportion
#: (1-5 MB a second here, Markdown the slowest) and no file may take more than
#: a few seconds. Images inline in HTML (data: URIs) do not count.
MAX_TEXT_BYTES = {"text": 8 << 20, "markdown": 4 << 20, "html": 12 << 20}
#: Where a page's inline script or style opens (see _without_scripts).
_SCRIPT_OPEN = re.compile(rb"<(script|style)\b", re.I)


def _without_scripts(data: bytes) -> bytes:
    """A page with its inline scripts and styles left out (one pass: an
    element left open keeps the rest of the page as it is)."""
    out, at = [], 0
    for m in _SCRIPT_OPEN.finditer(data):
        if m.start() < at:
            continue
        close = re.compile(rb"</" + m.group(1) + rb"\s*>", re.I).search(data, m.end())
        if close is None:
            break
        out.append(data[at:m.start()])
        at = close.end()
    out.append(data[at:])
    return b"".join(out)


_DATA_URI = re.compile(rb"data:[\w.+/-]{0,100};base64,[A-Za-z0-9+/=\s]{256,}")
#: Only this many blocks of a page are folded (folding takes ~60 us a block,
#: so a runaway page of 120,000 paragraphs would take 9 s instead of 4); the
#: blocks after them are all kept, and shown as saved.
MAX_BLOCKS = 20_000
#: Control bytes no text encoding writes (tab, newlines, form feed,
#: backspace, and the escapes and shifts of ISO-2022 left out): compressed or
#: binary data is a tenth of them, a text at most a stray few.
_BINARY_BYTES = re.compile(rb"[\x00-\x07\x10-\x1a\x1c-\x1f\x7f]")


class IngestError(Exception):
    """A file that cannot become an article; the message says why, in one line."""


def now_iso() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def format_of(path: str | os.PathLike[str]) -> str | None:
    return FORMATS.get(Path(path).suffix.lower())


def iter_files(paths: Iterable[str | os.PathLike[str]], skipped: list[Path] | None = None,
               ) -> Iterator[tuple[Path, str | None]]:
    """Each file named, and each supported file under each folder named.

    Yields (path, format); format is None for a named file of another kind (so
    the caller can report it) and for paths that do not exist. The folder a
    browser saves beside a page ("Title_files") is part of that page: skipped.
    The files of other kinds found in a folder (a .pdf, a .docx) are added to
    `skipped`, when given, for the caller to say so.
    """
    for p in paths:
        path = Path(p)
        if path.is_dir():
            found = []
            for root, dirs, files in os.walk(path):
                pages = {Path(n).stem.casefold() for n in files if format_of(n) == "html"}
                dirs[:] = sorted(d for d in dirs if not d.startswith(".") and not _page_parts(d, pages))
                for name in files:
                    if name.startswith("."):
                        continue
                    fmt = format_of(name)
                    if fmt:
                        found.append(Path(root) / name)
                    elif skipped is not None:
                        skipped.append(Path(root) / name)
            for f in sorted(found):
                yield f, format_of(f)
        else:
            yield path, format_of(path) if path.is_file() else None


#: How browsers (and their translations) name the folder of a page saved
#: "complete": "Title_files" beside "Title.html".
_PARTS_SUFFIXES = ("_files", "-files", "-dateien", "_fichiers", "_archivos", "_arquivos", "-bestanden", "_file")


def _page_parts(folder: str, pages: set[str]) -> bool:
    """Whether `folder` holds the parts (frames, ads, scripts) of a saved page
    beside it, whose file stems are `pages`, rather than articles."""
    name = folder.casefold()
    return any(name.endswith(sfx) and name[: -len(sfx)] in pages for sfx in _PARTS_SUFFIXES)


def site_of(url: str | None) -> str | None:
    if not url:
        return None
    try:
        host = urlsplit(url).hostname
    except ValueError:
        return None
    if not host:
        return None
    host = host.lower().rstrip(".")
    return host[4:] if host.startswith("www.") else host


def site_name(text: str | None) -> str:
    """A site as the user types it ("NPR.org", "www.npr.org", an address)
    written the way articles name their site ("npr.org"); "" for none."""
    text = clean_line(text or "")
    if not text:
        return ""
    return site_of(text if "://" in text else f"http://{text}") or text.lower()


def content_hash(text: str) -> str:
    norm = " ".join(text.split())
    return hashlib.sha256(norm.encode("utf-8")).hexdigest()


def article_id(identity: str) -> str:
    return hashlib.sha256(identity.encode("utf-8")).hexdigest()[:12]


_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")


def _iso_date(value: str | None) -> str | None:
    if not value:
        return None
    m = _DATE.search(value)
    return "-".join(m.groups()) if m else clean_line(value)[:40] or None


_MONTH_NUMBERS = {m: k for k, names in enumerate((
    ("jan", "january"), ("feb", "february"), ("mar", "march"), ("apr", "april"), ("may",), ("jun", "june"),
    ("jul", "july"), ("aug", "august"), ("sep", "sept", "september"), ("oct", "october"), ("nov", "november"),
    ("dec", "december")), 1) for m in names}
_MONTH_NAME = "|".join(sorted(_MONTH_NUMBERS, key=len, reverse=True))
#: A date as a byline writes it: "14 January 2022", "June 5, 2024", "2024-06-05", "2024年6月3日".
_WRITTEN_DATE = re.compile(
    rf"\b(?:(?P<d1>\d{{1,2}})(?:st|nd|rd|th)?\.?\s+(?P<m1>{_MONTH_NAME})\.?,?\s+(?P<y1>\d{{4}})"
    rf"|(?P<m2>{_MONTH_NAME})\.?\s+(?P<d2>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<y2>\d{{4}}))\b"
    r"|\b(?P<y3>\d{4})-(?P<m3>\d{2})-(?P<d3>\d{2})\b|(?P<y4>\d{4})年(?P<m4>\d{1,2})月(?P<d4>\d{1,2})日",
    re.I)
#: A byline's author: "By Harriet Osei, 14 January 2022", "By Jordan Lee / June 5, 2024".
_BY_AUTHOR = re.compile(r"^(?:by|von|par|por|автор:?)\s+(?P<name>[^\W\d_][^,/|\u00b7\u2022\u2013\u2014\d]{1,60}?)"
                        r"(?:\s*(?:[,/|\u00b7\u2022\u2013\u2014]|\s(?:on|am|le|el|updated|published)\b)|\s*$)", re.I)


def _byline_facts(blocks: list[Block]) -> tuple[str | None, str | None]:
    """The author and the date (ISO) a page's byline gives, for a page whose
    metadata names neither: a line near its top, folded, that reads as a byline."""
    from reader.core.fold import BYLINE

    author = published = None
    for block in blocks[:60]:
        text = block.text
        if not block.boilerplate or len(text) > 160 or "\n" in text:
            continue  # (a sentence of the story shown: "By Monday, the council...")
        m = _BY_AUTHOR.match(text)
        if author is None and m is not None:
            name = m.group("name").strip()
            if 1 <= len(name.split()) <= 6 and name[:1].isupper():
                author = name
        if published is None and (m is not None or block.reason == BYLINE):
            published = _written_date(text)
        if author and published:
            break
    return author, published


def _written_date(text: str) -> str | None:
    """The first date `text` writes, as YYYY-MM-DD (None if there is none)."""
    m = _WRITTEN_DATE.search(text)
    if m is None:
        return None
    g = m.groupdict()
    year = g["y1"] or g["y2"] or g["y3"] or g["y4"]
    month = g["m1"] or g["m2"]
    month_n = _MONTH_NUMBERS[month.lower()] if month else int(g["m3"] or g["m4"])
    day = int(g["d1"] or g["d2"] or g["d3"] or g["d4"])
    if not (1 <= month_n <= 12 and 1 <= day <= 31):
        return None
    return f"{year}-{month_n:02d}-{day:02d}"


def _title_from_blocks(blocks: list[Block]) -> str | None:
    """The first heading-like content block, which becomes a heading."""
    from reader.core.fold import TITLE
    from reader.core.fold.rules import BREADCRUMBS, MENU_LINE, trail_end
    from reader.core.ingest.plaintext import looks_like_heading

    for block in blocks:
        if block.reason == TITLE:
            if BREADCRUMBS.match(block.text):
                # A breadcrumb trail ends with the title ("Home > Blog > A title").
                return clean_line(trail_end(block.text))[:300]
            block.kind, block.level = "heading", 1
            return clean_line(block.text)[:300]
    for block in blocks[:80]:
        if block.boilerplate or MENU_LINE.match(block.text):
            continue
        if block.kind == "heading" or (block.kind == "paragraph" and looks_like_heading(block.text)):
            if block.kind == "paragraph":
                block.kind, block.level = "heading", 1
            return clean_line(block.text)[:300]
    return None


def _tidy_title(title: str, blocks: list[Block]) -> str:
    """Prefer the page's own headline to "Headline | Site name"."""
    from reader.core.fold import TITLE

    for i, block in enumerate(blocks[:400]):
        # A level-2 heading near the top; the page's <h1> below a long menu too.
        if block.kind == "heading" and block.level <= (2 if i < 80 else 1) \
                and (not block.boilerplate or block.reason == TITLE):
            head = clean_line(block.text)
            if head and len(head) >= 8 and (title.startswith(head[: max(8, len(head) // 2)])
                                            or (block.reason == TITLE and head.startswith(title))):
                # (a <title> that shortens the headline shown in its place: the headline)
                return head
    for sep in (" | ", " – ", " — ", " - ", " :: ", " · ", " • "):
        if sep in title:
            left = title.rsplit(sep, 1)[0].strip()
            if len(left) >= 15:
                return left
    return title


def ingest_bytes(
    data: bytes,
    fmt: str,
    *,
    name: str | None = None,
    url: str | None = None,
    source_path: str | None = None,
    saved: str | None = None,
) -> Article:
    """An article from raw content; `fmt` is "html", "text" or "markdown"."""
    # Reading a page makes many small objects and no reference cycles: the
    # cyclic collector would only walk them (a tenth of the time).
    collect = gc.isenabled()
    gc.disable()
    try:
        return _ingest_bytes(data, fmt, name=name, url=url, source_path=source_path, saved=saved)
    finally:
        if collect:
            gc.enable()


def _ingest_bytes(
    data: bytes,
    fmt: str,
    *,
    name: str | None,
    url: str | None,
    source_path: str | None,
    saved: str | None,
) -> Article:
    if len(data) > MAX_BYTES:
        raise IngestError(f"too large ({len(data) // (1024 * 1024)} MB; the limit is {MAX_BYTES // (1024 * 1024)} MB)")
    text_limit = MAX_TEXT_BYTES.get(fmt, 8 << 20)
    if len(data) > text_limit and fmt == "html":
        data = _DATA_URI.sub(b"data:,", data)  # images inline: never shown, only slow to parse
        if len(data) > text_limit:
            data = _without_scripts(data)  # a page's own code and styles: never read
    if len(data) > text_limit:
        raise IngestError(
            f"too much text ({len(data) // (1024 * 1024)} MB; the limit is {text_limit // (1024 * 1024)} MB)"
        )
    head = data[:8192]
    if not data.startswith((b"\xff\xfe", b"\xfe\xff")) and not utf16_without_bom(head):
        # NUL bytes in the first page and no UTF-16 mark (nor UTF-16's pattern
        # of them), or control bytes in one of its fifty bytes (a page saved
        # compressed): a binary file.
        if head.count(b"\x00") > 16 or len(_BINARY_BYTES.findall(head)) > max(16, len(head) // 50):
            raise IngestError("not a text file (binary content)")
    text, _encoding = decode(data, html=(fmt == "html"))
    if fmt != "html":
        from reader.core.export import is_notes_export

        if is_notes_export(text):
            # Its front matter names the article's address: added, it would
            # replace the article's text with the notes on it.
            raise IngestError("a notes file exported by reader, not an article: `reader import-notes` takes its "
                              "edits back")
    title = author = published = None
    meta: dict[str, object] = {}
    folded = False
    if fmt == "html":
        from reader.core.ingest.html import parse_html

        page = parse_html(text, base_url=url)
        blocks = page.blocks
        title, author, published = page.title, page.author, page.published
        url = url or page.url
        if page.article_body:
            # A page its scripts fill in, saved before they ran, shows only
            # its furniture, if anything: its text is the one its metadata
            # holds (read as text: it is no markup).
            fold_blocks(blocks[:MAX_BLOCKS], fmt, title=title)
            folded = True
            if all(b.boilerplate for b in blocks):
                from reader.core.ingest.plaintext import parse_text

                blocks = parse_text(page.article_body)
                fold_blocks(blocks[:MAX_BLOCKS], "text", title=title)
    elif fmt == "markdown":
        from reader.core.ingest.markdown import parse_markdown

        meta, blocks = parse_markdown(text)
        # Without a title in its front matter, a file's first heading is its
        # title (shown above the text, and folded in it as such).
        title = _str(meta.get("title")) or next((b.text for b in blocks[:80] if b.kind == "heading"), None)
        author = _str(meta.get("author") or meta.get("authors") or meta.get("by"))
        published = _str(meta.get("date") or meta.get("published"))
        url = url or _str(meta.get("url") or meta.get("source") or meta.get("link"))
        if not saved and (meta.get("saved") or meta.get("created")):
            # (when the page was clipped: Obsidian's Web Clipper writes it as
            # `created`, reader's own export as `saved`)
            from reader.core.imports import iso_from_text

            saved = iso_from_text(_str(meta.get("saved") or meta.get("created")))
    elif fmt == "text":
        from reader.core.ingest.plaintext import parse_text

        blocks = parse_text(text)
    else:
        raise IngestError(f"unknown format {fmt!r}")
    if not blocks:
        raise IngestError("no text found")
    if not folded:
        # The slice holds the same blocks: they are labelled in place.
        fold_blocks(blocks[:MAX_BLOCKS], fmt, title=title)
    if title and fmt != "markdown":
        # (a Markdown file's title is as written: its front matter's, or its first heading)
        title = _tidy_title(clean_line(title), blocks)
    if not title:
        title = _title_from_blocks(blocks) or (clean_line(Path(name).stem) if name else "Untitled")
    if not author or not published:
        # Read from the byline (folded, as it stands under the title shown).
        by, when = _byline_facts(blocks)
        author, published = author or by, published or when
    if url:
        url = clean_line(url)
        if urlsplit(url).scheme not in ("http", "https"):
            url = None
    article = Article(
        id="",
        title=clean_line(title)[:500] or "Untitled",
        blocks=blocks,
        url=url,
        site=site_of(url),
        author=clean_line(author)[:200] if author else None,
        published=_iso_date(published),
        saved=saved or now_iso(),
        source_format=fmt,
        source_path=source_path,
    )
    tags = meta.get("tags") if fmt == "markdown" else None
    if isinstance(tags, str):
        tags = [t for t in re.split(r"[,\s]+", tags) if t]
    if isinstance(tags, list):
        from reader.core.tags import normalise_tag

        article.tags = sorted({t for t in (normalise_tag(str(x)) for x in tags if x is not None) if t})
    article.content_hash = content_hash(article.text)
    article.id = article_id(url or source_path or article.content_hash)
    return article


#: A wiki link, as Obsidian writes a name in front matter: "[[Jane Doe]]",
#: "[[People/Jane Doe|Jane Doe]]" (its text is what follows the bar).
_WIKI_LINK = re.compile(r"\[\[(?:[^\[\]|]*\|)?([^\[\]|]*)\]\]")


def _str(value: object) -> str | None:
    """A front matter's value as text: a list's items joined by commas, wiki
    links as the names they show."""
    if value is None or value == "":
        return None
    if isinstance(value, list):
        return ", ".join(filter(None, map(_str, value))) or None
    return _WIKI_LINK.sub(r"\1", str(value))


def skipped_note(skipped: list[Path]) -> str:
    """What a folder's files of other kinds were, said in a line: "skipped 2
    files of other kinds (.docx, .pdf)"."""
    kinds = sorted({p.suffix.lower() or "no extension" for p in skipped})
    n = len(skipped)
    return f"skipped {n} file{'s' if n != 1 else ''} of other kinds ({', '.join(kinds[:6])}{', ...' if len(kinds) > 6 else ''})"


def unsupported_type(path: Path) -> str:
    """Why a file of a type reader does not read is not added."""
    return f"not a supported file type ({path.suffix or 'no extension'}); use .html, .txt or .md"


def ingest_file(path: str | os.PathLike[str], *, fmt: str | None = None) -> Article:
    """Read one saved file into an article (not stored)."""
    p = Path(path)
    fmt = fmt or format_of(p)
    if fmt is None:
        raise IngestError(unsupported_type(p))
    try:
        size = p.stat().st_size
        if size > MAX_BYTES:
            raise IngestError(f"too large ({size // (1024 * 1024)} MB; the limit is {MAX_BYTES // (1024 * 1024)} MB)")
        data = p.read_bytes()
    except IsADirectoryError:
        raise IngestError("is a folder") from None
    except PermissionError:
        raise IngestError("permission denied") from None
    except FileNotFoundError:
        raise IngestError("no such file") from None
    except OSError as err:
        raise IngestError(err.strerror or str(err)) from None
    if not data.strip():
        raise IngestError("empty file")
    try:
        source = str(p.resolve())
    except OSError:
        source = str(p.absolute())
    return ingest_bytes(data, fmt, name=p.name, source_path=source)


#: Fewer files than this are read in this process: starting workers costs
#: more than it saves.
PARALLEL_MIN_FILES = 24


def _ingest_one(path: Path) -> tuple[Article | None, str | None]:
    """`ingest_file` for a worker process: the article, or why not (one line)."""
    try:
        article = ingest_file(path)
    except IngestError as err:
        return None, str(err)
    except Exception as err:  # noqa: BLE001 - one bad file never stops the rest
        return None, f"could not be read ({type(err).__name__}: {err})"
    for block in article.blocks:
        block.features = None  # the parser's signals (parsed elements): never stored
    return article, None


def ingest_files(paths: Iterable[Path], *, workers: int | None = None) -> Iterator[tuple[Path, Article | None, str | None]]:
    """Read many files, in their order: (path, article or None, why not or None).

    Folding is most of the cost of an import and each file is independent, so
    a long list is read by worker processes, one per processor, while the
    caller stores what comes back. The workers are started by a fresh server
    process ("forkserver"), so they inherit neither the archive's lock nor
    any other open file of the caller. If they cannot start, or stop, the
    rest is read in this process.
    """
    paths = list(paths)
    if workers is None:
        workers = _processors()
    done = 0
    if workers > 1 and len(paths) >= PARALLEL_MIN_FILES:
        from concurrent.futures.process import BrokenProcessPool

        try:
            for item in _in_workers(paths, workers):
                yield item
                done += 1
            return
        except BrokenProcessPool:
            # A worker died (out of memory, killed) on this file, or one near it.
            yield paths[done], None, "could not be read (the process reading it stopped)"
            done += 1
        except (OSError, ValueError, RuntimeError):
            pass  # the workers could not start: read here
    for p in paths[done:]:
        yield (p, *_ingest_one(p))


def _in_workers(paths: list[Path], workers: int) -> Iterator[tuple[Path, Article | None, str | None]]:
    import multiprocessing
    import sys
    from collections import deque
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(["reader.core.ingest", "reader.core.fold.model_text", "reader.core.fold.model_html"])
    window: deque = deque()
    todo = iter(paths)
    # Starting the pool starts helper processes that are handed this
    # process's stderr: under a full-screen UI that has replaced it (no file
    # number), they get the terminal's.
    stderr = sys.stderr
    if _fileno(stderr) < 0 and sys.__stderr__ is not None:
        sys.stderr = sys.__stderr__
    try:
        pool = ProcessPoolExecutor(max_workers=workers, mp_context=ctx)
        try:
            # A bounded window of files in flight keeps memory flat on any
            # count (the first ones start the workers).
            for p in todo:
                window.append((p, pool.submit(_ingest_one, p)))
                if len(window) >= 4 * workers:
                    break
        except BaseException:
            pool.shutdown(wait=False, cancel_futures=True)
            raise
    finally:
        sys.stderr = stderr
    with pool:
        while window:
            p, fut = window.popleft()
            nxt = next(todo, None)
            if nxt is not None:
                window.append((nxt, pool.submit(_ingest_one, nxt)))
            try:
                article, why = fut.result()
            except BrokenProcessPool:
                raise
            except Exception as err:  # noqa: BLE001 - one bad file never stops the rest
                article, why = None, f"could not be read ({type(err).__name__}: {err})"
            yield p, article, why


def _fileno(stream: object) -> int:
    try:
        return int(stream.fileno())  # type: ignore[attr-defined]
    except (AttributeError, OSError, ValueError):
        return -1


def _processors() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1

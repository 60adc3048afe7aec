"""The `reader` command: the TUI, and the commands for scripts.

Every command has --help. The data dir is --data-dir, else $READER_DATA_DIR,
else the platform's user data folder.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from reader import __version__

EXIT_OK, EXIT_FAIL, EXIT_USAGE = 0, 1, 2


class CommandError(Exception):
    """Ends a command with a one-line message and exit status 1."""


# ------------------------------------------------------------------ output


# Control characters: what is printed never carries a terminal escape (a file
# name, an error message from a library, a stored text from an old archive).
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def _safe(line: str) -> str:
    if _CONTROL.search(line):
        from reader.core.sanitize import clean_text

        return clean_text(line)
    return line


def _out(line: str = "") -> None:
    sys.stdout.write(_safe(line) + "\n")


def _err(line: str) -> None:
    sys.stderr.write(_safe(line) + "\n")


def _one_line(text: str, width: int = 80) -> str:
    """A text on one line (its line breaks as spaces), cut with "…" past `width`."""
    line = " ".join(text.split())
    return line if len(line) <= width else line[: width - 1].rstrip() + "\u2026"


def short_id(article_id: str) -> str:
    return article_id[:8]


class Progress:
    """A one-line progress bar on stderr, drawn only on a terminal and only
    when there is enough work to watch."""

    def __init__(self, total: int, label: str, *, min_items: int = 5) -> None:
        self.total = total
        self.label = label
        self.done = 0
        self.on = total > min_items and sys.stdout.isatty() and sys.stderr.isatty()

    def _draw(self) -> None:
        width = 30
        filled = int(width * self.done / max(1, self.total))
        bar = "\u2588" * filled + "\u2591" * (width - filled)
        sys.stderr.write(f"\r{self.label} {bar} {self.done}/{self.total}")
        sys.stderr.flush()

    def clear(self) -> None:
        if self.on:
            sys.stderr.write("\r\x1b[2K")
            sys.stderr.flush()

    def print(self, line: str, *, err: bool = False) -> None:
        self.clear()
        (_err if err else _out)(line)
        if self.on:
            sys.stdout.flush()
            self._draw()

    def step(self) -> None:
        self.done += 1
        if self.on:
            self._draw()

    def close(self) -> None:
        self.clear()


# ------------------------------------------------------------------ archive


def _open_archive(args: argparse.Namespace):  # -> Archive
    from reader.core.config import data_dir
    from reader.core.store import Archive

    return Archive(data_dir(getattr(args, "data_dir", None)))


def _user_path(text: str) -> str:
    """A path as typed; one starting with ~ that the shell left as it was
    (quoted: '~/Saved pages') is under the home folder."""
    if text.startswith("~") and not os.path.exists(text):
        return os.path.expanduser(text)
    return text


def import_samples(archive) -> list[str]:  # noqa: ANN001 - Archive
    """Import the bundled sample articles; returns their ids."""
    import time

    from reader.core.ingest import IngestError, ingest_file, iter_files
    from reader.resources import sample_articles

    files = [(path, fmt) for path, fmt in iter_files([sample_articles()])
             if fmt is not None and path.name.lower() != "readme.md"]
    # The archive lists the newest first: each sample is saved a second
    # before the one listed above it, so that the list opens on the news page
    # (the shape most readers arrive with), not in the order of random ids.
    files.sort(key=lambda pf: (_SAMPLE_ORDER.index(pf[0].name) if pf[0].name in _SAMPLE_ORDER
                               else len(_SAMPLE_ORDER), pf[0].name))
    start = time.time()
    ids = []
    for k, (path, _fmt) in enumerate(files):
        try:
            article = ingest_file(path)
        except IngestError:
            continue
        article.source_path = f"sample:{path.name}"
        article.saved = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(start - k))
        ids.append(archive.save(article).id)
    return ids


#: The samples as the archive lists them on a first run, top first.
_SAMPLE_ORDER = ("moscow-times-shoigu-calls.txt", "npr-plumbers-substitute-teachers.html",
                 "coryd-brief-intro-to-git.html", "marginalia-a-short-history.md", "rossiya-chitateli-zametki.html")


# ------------------------------------------------------------------ commands


def cmd_tui(args: argparse.Namespace) -> int:
    archive = _open_archive(args)
    notice = None
    if not archive.setting("samples_imported") and not archive.articles():
        ids = import_samples(archive)
        archive.set_setting("samples_imported", True)
        notice = f"First run: imported {len(ids)} sample articles into {archive.root}"
        _err(notice)
    from reader.ui.app import ReaderApp, settle

    app = ReaderApp(archive, notice=notice)
    settle(archive)
    app.run()
    archive.close()
    return app.return_code or 0


def cmd_add(args: argparse.Namespace) -> int:
    from reader.core.ingest import ingest_files, iter_files, skipped_note, unsupported_type

    archive = _open_archive(args)
    pasted = "-" in args.paths
    paths = [p for p in args.paths if p != "-"]
    if args.title is not None and not (pasted and not paths):
        raise CommandError("--title is for an article read from standard input (`reader add -`)")
    urls = [p for p in paths if _is_address(p)]
    from reader.core.fold import ArchiveFolds

    # What each article shows folded once in the archive (its site's
    # repeated blocks and the user's rules too), for the line said of it.
    folds = ArchiveFolds(archive)
    url_failed = _add_urls(args, archive, urls, folds) if urls else 0
    stdin_failed = _add_stdin(args, archive, folds) if pasted else 0
    if len(urls) == len(paths):
        return EXIT_FAIL if url_failed or stdin_failed else EXIT_OK
    skipped: list[Path] = []
    files = list(iter_files([p for p in paths if not _is_address(p)], skipped))
    if not files:
        raise CommandError("nothing to add: no .html, .htm, .txt, .md or .markdown files there"
                           + (f" ({skipped_note(skipped)})" if skipped else ""))
    if skipped:
        _err(f"{skipped_note(skipped)}: reader reads .html, .txt and .md")
    progress = Progress(len(files), "Adding")
    failed = 0
    # Named paths that are not articles first (they are the user's typos),
    # then every article file in order.
    for path, fmt in files:
        if fmt is None:
            failed += 1
            why = "no such file or folder" if not path.exists() else unsupported_type(path)
            progress.print(f"{path}: {why}", err=True)
            progress.step()
    for path, article, why in ingest_files((p for p, fmt in files if fmt is not None), workers=args.jobs):
        if article is None:
            failed += 1
            progress.print(f"{path}: {why}", err=True)
        else:
            failed += not _store_added(args, archive, article, str(path), progress, folds)
        progress.step()
    progress.close()
    if failed:
        _err(f"{failed} of {len(files)} files could not be added")
    return EXIT_FAIL if failed or url_failed or stdin_failed else EXIT_OK


#: The most bytes `reader add -` reads from standard input.
MAX_STDIN_BYTES = 50 * 1024 * 1024


def _add_stdin(args: argparse.Namespace, archive, folds) -> int:  # noqa: ANN001 - Archive, ArchiveFolds
    """`reader add -`: an article's text (or page) pasted or piped in; 1 when it failed."""
    from reader.core.ingest import IngestError, ingest_bytes

    if sys.stdin is None:
        raise CommandError("no standard input to read the article from")
    if sys.stdin.isatty():
        _err("Paste the article's text, then press Ctrl+D on a line of its own.")
    data = sys.stdin.buffer.read(MAX_STDIN_BYTES + 1)
    if len(data) > MAX_STDIN_BYTES:
        raise CommandError(f"standard input holds more than {MAX_STDIN_BYTES // 2**20} MB; save it to a file")
    if not data.strip():
        raise CommandError("nothing on standard input: paste or pipe the article's text")
    head = data.lstrip()[:2048].lower()
    page = head.startswith((b"<!doctype html", b"<html")) or (head.startswith(b"<") and b"<body" in head)
    try:
        article = ingest_bytes(data, "html" if page else "text", name="Pasted text", url=args.url)
    except IngestError as err:
        _err(f"standard input: {err}")
        return 1
    if args.title:
        from reader.core.fold import give_title
        from reader.core.sanitize import clean_line

        give_title(article, clean_line(args.title)[:500] or article.title)
    progress = Progress(1, "Adding")
    ok = _store_added(args, archive, article, "standard input", progress, folds)
    progress.close()
    return 0 if ok else 1


def _store_added(args: argparse.Namespace, archive, article, where: str, progress, folds) -> bool:  # noqa: ANN001
    """Give `article` what `reader add`'s options say, store it and say so;
    False when it could not be stored."""
    if args.url:
        from reader.core.ingest import site_of

        article.url = args.url
        article.site = site_of(args.url)
    if args.site:
        article.site = args.site
    if args.tag:
        article.tags = sorted({*article.tags, *args.tag})  # --tag values are normalised by _tag_name
    try:
        result = archive.save(article)
        tagged, said = [], ""
        if result.status == "duplicate":
            tagged = archive.add_article_tags(result.id, args.tag or [])
            said = _source_existing(archive, result.id, args.url, args.site)
    except Exception as err:  # noqa: BLE001 - one bad file never stops the rest
        from reader.core.store import ArchiveBusy, StoreError

        if isinstance(err, ArchiveBusy | StoreError):
            progress.close()
            raise CommandError(str(err)) from None
        progress.print(f"{where}: could not be stored ({type(err).__name__}: {err})", err=True)
        return False
    progress.print(_saved_line(result, folds, said) + _tagged_note(tagged))
    return True


def _summary_json(info) -> dict[str, Any]:  # noqa: ANN001 - ArticleInfo
    return {
        "id": info.id,
        "title": info.title,
        "site": info.site,
        "url": info.url,
        "author": info.author,
        "published": info.published,
        "saved": info.saved,
        "tags": info.tags,
        "annotations": info.annotation_count,
        "annotation_tags": info.annotation_tags,
        "folded": info.folded,
        "blocks": info.blocks,
        "words": info.words,
        "status": info.status,
        "source_format": info.source_format,
        "read": bool(info.read),
        "read_at": info.read or None,
    }


def cmd_list(args: argparse.Namespace) -> int:
    archive = _open_archive(args)
    rows = sorted(archive.articles(), key=lambda r: (r.saved, r.id), reverse=True)
    if args.unread or args.read:
        rows = [r for r in rows if bool(r.read) == bool(args.read)]
    if args.json:
        _out(json.dumps([_summary_json(r) for r in rows], ensure_ascii=False, indent=2))
        return EXIT_OK
    if not rows:
        if args.unread or args.read:
            _out(f"No {'read' if args.read else 'unread'} articles.")
        else:
            _out("The archive is empty: add articles with `reader add PATH`.")
        return EXIT_OK
    site_w = min(24, max(4, *(len(r.site or "-") for r in rows)))
    for r in rows:
        site = r.site or "-"
        if len(site) > site_w:
            site = site[: site_w - 1] + "\u2026"  # cut short, and said so ("example.co" would read as a domain)
        _out(f"{short_id(r.id)}  {r.saved[:10]}  {site:<{site_w}}  {r.annotation_count:>3}  {r.title}")
    return EXIT_OK


def _labels(archive, article):  # noqa: ANN001, ANN202
    from reader.core.fold import labels_in_archive

    return labels_in_archive(article, archive)


def cmd_show(args: argparse.Namespace) -> int:
    from reader.core.render import article_text

    archive = _open_archive(args)
    article_id = archive.resolve(args.id)
    article = archive.get(article_id)
    head = [article.title]
    meta = " \u00b7 ".join(x for x in (article.site, article.author, article.published) if x)
    if meta:
        head.append(meta)
    if article.url:
        head.append(article.url)
    _out("\n".join(head))
    _out()
    status = archive.info(article_id).status
    if status in ("pending", "failed") and not article.blocks:
        _out("(Its text has not been fetched yet: `reader fetch` fetches it.)" if status == "pending"
             else "(Its text could not be fetched: `reader fetch` tries again.)")
        return EXIT_OK
    _out(article_text(article, _labels(archive, article), show_all=args.all))
    return EXIT_OK


def cmd_fold(args: argparse.Namespace) -> int:
    import time

    from reader.core.ingest import IngestError, ingest_file, iter_files, unsupported_type
    from reader.core.render import article_text, visible_text

    failed = 0
    files = list(iter_files(args.paths))
    if not files:
        raise CommandError("nothing to fold: no .html, .htm, .txt, .md or .markdown files there")
    timing = getattr(args, "timing", False)
    for path, fmt in files:
        t0 = time.perf_counter()
        try:
            if fmt is None:
                raise IngestError("no such file" if not path.exists() else unsupported_type(path))
            article = ingest_file(path)
        except IngestError as err:
            failed += 1
            _err(f"{path}: {err}")
            continue
        except Exception as err:  # noqa: BLE001
            failed += 1
            _err(f"{path}: could not be read ({type(err).__name__}: {err})")
            continue
        if args.format == "jsonl":
            obj = {
                "path": str(path),
                "title": article.title,
                "blocks": [
                    {"kind": b.kind, "text": b.text, "boilerplate": b.boilerplate, "reason": b.reason}
                    for b in article.blocks
                ],
                "visible_text": visible_text(article.blocks),
            }
            if timing:
                obj["ms"] = round((time.perf_counter() - t0) * 1000, 3)
            sys.stdout.write(json.dumps(obj, ensure_ascii=False) + "\n")
        else:
            _out(f"== {path}: {article.title}")
            _out(article_text(article))
            _out()
    return EXIT_FAIL if failed else EXIT_OK


def _annotation_json(a) -> dict:  # noqa: ANN001 - Annotation
    """An annotation as `notes --json` and `note ID` print it."""
    return {"id": a.id, "article": a.article_id, "tags": a.tags, "note": a.note, "quote": a.exact,
            "start": a.start, "end": a.end, "prefix": a.prefix, "suffix": a.suffix, "created": a.created,
            "updated": a.updated, "orphaned": a.orphaned, "was": a.was or None}


def _print_notes(archive, article_id: str, as_json: bool, *, full: bool = False) -> None:  # noqa: ANN001
    note = archive.article_note(article_id)
    anns = archive.annotations(article_id)
    if as_json:
        _out(json.dumps({"article": article_id, "note": note, "annotations": [_annotation_json(a) for a in anns]},
                        ensure_ascii=False, indent=2))
        return
    if note:
        _out("Article note:")
        for line in note.splitlines():
            _out(f"    {line}")
        if anns:
            _out()
    elif not anns:
        _out("No annotations yet.")
        return
    def shown(text: str) -> str:
        text = " ".join(text.split())
        return text if full or len(text) <= 100 else text[:97] + "..."

    def lines(text: str) -> list[str]:
        if not full:
            return ["    " + text]
        import shutil
        import textwrap

        width = max(40, shutil.get_terminal_size((100, 24)).columns - 1)
        return textwrap.wrap(text, width, initial_indent="    ", subsequent_indent="     ") or ["    "]

    for a in anns:
        tags = " ".join("#" + t for t in a.tags) or "(highlight)"
        _out(f"{a.id}  {tags}{'  [orphaned]' if a.orphaned else ''}")
        for line in lines(f"\u201c{shown(a.exact)}\u201d"):
            _out(line)
        if a.was and not a.orphaned:
            if shown(a.was) == shown(a.exact):  # the change is past the cut: both would read alike
                said = "(the text changed past the first 97 characters; --full shows what it read when marked)"
            else:
                said = f"(the text changed; when marked it read \u201c{shown(a.was)}\u201d)"
            for line in lines(said):
                _out(line)
        if a.note:
            for line in a.note.splitlines():
                _out(f"    {line}")


def cmd_annotate(args: argparse.Namespace) -> int:
    from reader.core.anchor import find_quote, find_quotes, near_matches
    from reader.core.render import LIST_MARKER

    archive = _open_archive(args)
    article = archive.get(archive.resolve(args.id))
    if not article.blocks:
        raise CommandError(f"{short_id(article.id)} has no text yet (`reader fetch` fetches it)")
    labels = _labels(archive, article)
    folded = [(b.start, b.end) for b, label in zip(article.blocks, labels) if label.boilerplate]
    quote = args.quote
    every = find_quotes(article.text, quote)
    if not every and LIST_MARKER.match(quote):
        # Copied from `reader show` with the bullet or number it puts
        # before a list item, which is no part of the article's text.
        quote = LIST_MARKER.sub("", quote, count=1)
        every = find_quotes(article.text, quote)
    if args.occurrence:
        if args.occurrence > len(every):
            raise CommandError(f"the quote occurs {len(every)} time{'s' if len(every) != 1 else ''} in "
                               f"{short_id(article.id)}, not {args.occurrence}")
        span: tuple[int, int] | None = every[args.occurrence - 1]
    else:
        span = find_quote(article.text, quote, folded)
    if span is None:
        near = near_matches(article.text, quote)
        hint = "; near matches:\n" + "\n".join(f"  {s}" for s in near) if near else ""
        raise CommandError(f"the quote is not in {short_id(article.id)}{hint}")
    if len(every) > 1 and not args.occurrence:
        _err(f"note: the quote occurs {len(every)} times; marked occurrence {every.index(span) + 1} "
             "(--occurrence N marks another, or quote more words)")
    tags = sorted(set(args.tag or ()))  # normalised by _tag_name
    note = (args.note or "").strip()
    same = next((a for a in archive.annotations(article.id) if not a.orphaned and (a.start, a.end) == span
                 and sorted(a.tags) == tags and a.note.strip() == note), None)
    if same is not None:
        # A script run again marks nothing twice.
        _err(f"already marked so: {same.id}")
        _out(same.id)
        return EXIT_OK
    ann = archive.add_annotation(article.id, span[0], span[1], tags=args.tag or [], note=args.note or "",
                                 text=article.text)
    _out(ann.id)
    return EXIT_OK


def cmd_notes(args: argparse.Namespace) -> int:
    archive = _open_archive(args)
    _print_notes(archive, archive.resolve(args.id), args.json, full=args.full)
    return EXIT_OK


def cmd_mark_read(args: argparse.Namespace) -> int:
    archive = _open_archive(args)
    ids = [archive.resolve(i) for i in args.ids]  # every id checked before any change
    for article_id in ids:
        archive.set_read(article_id, not args.unread)
        _out(f"{short_id(article_id)}  {archive.info(article_id).title}  ({'unread' if args.unread else 'read'})")
    return EXIT_OK


def cmd_note(args: argparse.Namespace) -> int:
    if (args.article is None) == (args.annotation_id is None):
        raise CommandError("name one annotation (ANNOTATION_ID) or one article (--article ID)")
    archive = _open_archive(args)
    if args.article is not None:
        if args.tag or args.untag or args.delete:
            raise CommandError("--article takes only --set (an empty TEXT removes the article's note)")
        article_id = archive.resolve(args.article)
        if args.set is None:
            _out(archive.article_note(article_id))
            return EXIT_OK
        archive.set_article_note(article_id, args.set)
        state = "note set" if archive.article_note(article_id) else "note removed"
        _out(f"{short_id(article_id)}  {archive.info(article_id).title}  ({state})")
        return EXIT_OK
    if args.delete:
        if args.set is not None or args.tag or args.untag:
            raise CommandError("--delete takes no --set, --tag or --untag (the annotation goes, with its note)")
        ann = archive.delete_annotation(args.annotation_id)
        _out(f"deleted {ann.id}")
        return EXIT_OK
    from reader.core.tags import normalise_tag

    both = sorted({normalise_tag(t) for t in args.tag or ()} & {normalise_tag(t) for t in args.untag or ()} - {""})
    if both:
        raise CommandError(f"{' '.join('#' + t for t in both)}: both --tag and --untag; give one")
    if args.set is None and not args.tag and not args.untag:
        ann = archive.annotation(args.annotation_id)
        _out(json.dumps(_annotation_json(ann), ensure_ascii=False, indent=2))
        return EXIT_OK
    had = set(archive.annotation(args.annotation_id).tags)
    ann = archive.update_annotation(args.annotation_id, note=args.set, add_tags=args.tag or [],
                                    remove_tags=args.untag or [])
    absent = sorted(set(args.untag or ()) - had)
    if absent:
        _err(f"{ann.id} had no {' '.join('#' + t for t in absent)}: nothing to remove")
    _out(f"{ann.id}  {' '.join('#' + t for t in ann.tags)}")
    return EXIT_OK


def cmd_tag(args: argparse.Namespace) -> int:
    archive = _open_archive(args)
    if args.tag_cmd == "rename":
        from reader.core.tags import normalise_tag

        old, new = archive.tag_named(args.old), normalise_tag(args.new)
        in_use = archive.tag_counts()
        if old and not any(t == old or t.startswith(old + "/") for t in in_use):
            raise CommandError(f"no tag #{old} (`reader tag list` lists them)")
        merged = new in in_use
        marks, articles = archive.rename_tag(args.old, args.new)
        what = "merged into" if merged else "renamed to"
        _out(f"#{old} {what} #{new}: {marks} mark{'s' * (marks != 1)} on "
             f"{articles} article{'s' * (articles != 1)}")
        return EXIT_OK
    counts = archive.tag_counts()
    if args.json:
        _out(json.dumps([{"tag": t, "marks": m, "articles": a} for t, (m, a) in counts.items()],
                        ensure_ascii=False, indent=2))
    elif not counts:
        _out("No tags yet.")
    else:
        _out("marks  articles  tag")
        for t, (m, a) in counts.items():
            _out(f"{m:>5}  {a:>8}  #{t}")
    return EXIT_OK


def cmd_fold_rule(args: argparse.Namespace) -> int:
    from reader.core.ingest import site_name

    archive = _open_archive(args)
    if getattr(args, "site", None) is not None:
        args.site = site_name(args.site)  # as articles' sites are written: "example.com"
    if args.rule_cmd == "add":
        article = None
        if args.article:
            article = archive.get(archive.resolve(args.article))
            site = args.site or article.site or ""
        else:
            site = args.site or ""
        from reader.core.fold import block_key

        before = {r.key: r for r in archive.fold_rules(site)}.get(block_key(args.text))
        rule = archive.add_fold_rule(site, args.text, "show" if args.show else "fold")
        said = ("  (already a rule)" if before and before.id == rule.id
                else f"  (replaces rule {before.id}, which said {before.action})" if before else "")
        _out(f"{rule.id}  {rule.action} on {rule.site or '(articles with no site)'}: {_one_line(rule.text)}{said}")
        if article is not None:
            if block_key(args.text) not in {block_key(b.text) for b in article.blocks}:
                _err(f"note: no block of {short_id(article.id)} reads so now (a rule matches a whole block's text; "
                     "`reader show --all` shows the blocks)")
        elif site and not archive.site_article_count(site):
            _err(f"note: no article of the archive is from {site} (yet): is the site spelt as `reader list` "
                 "shows it?")
        elif not site:
            _err("note: a rule for the articles with no site (name one with --site or --article)")
    elif args.rule_cmd == "list":
        from dataclasses import asdict

        rules = archive.fold_rules(args.site)
        if args.json:
            _out(json.dumps([asdict(r) for r in rules], ensure_ascii=False, indent=2))
        elif not rules:
            _out("No fold rules.")
        else:
            for r in rules:
                _out(f"{r.id}  {r.action:<4}  {r.site or '(no site)'}  {_one_line(r.text)}")
    elif args.rule_cmd == "remove":
        rule = archive.remove_fold_rule(args.rule_id)
        _out(f"removed {rule.id}")
    return EXIT_OK


#: Schemes that are never fetched, but that an argument clearly means as an address.
_REFUSED_SCHEMES = ("javascript", "data", "file", "ftp", "mailto", "about", "vbscript", "blob")


def _positive_int(value: str) -> int:
    """An argparse type: a whole number of at least 1."""
    try:
        n = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {value!r}") from None
    if n < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return n


def _web_address(value: str) -> str:
    """An argparse type: an http(s) address, cleaned."""
    from reader.core.fetch import FetchError, check_url

    try:
        return check_url(value)
    except FetchError as err:
        raise argparse.ArgumentTypeError(str(err)) from None


def _tag_name(value: str) -> str:
    """An argparse type: a tag (claim, topic/sub, #own), as it is stored."""
    from reader.core.sanitize import clean_line
    from reader.core.tags import normalise_tag

    tag = normalise_tag(value)
    if not tag:
        raise argparse.ArgumentTypeError(f"not a tag: {clean_line(value)[:60]!r}; a tag needs a letter or a digit")
    return tag


def _site_name(value: str) -> str:
    """An argparse type: a site such as example.com, written as articles name theirs."""
    from reader.core.ingest import site_name
    from reader.core.sanitize import clean_line, clean_text

    site = site_name(value)
    if not site or clean_text(value) != value or any(c.isspace() for c in site):
        raise argparse.ArgumentTypeError(f"not a site name: {clean_line(value)[:60]!r}; give one such as example.com")
    return site


def _is_address(arg: str) -> bool:
    from reader.core.fetch import looks_like_url, url_scheme

    return looks_like_url(arg) or url_scheme(arg) in _REFUSED_SCHEMES


def _source_existing(archive, article_id: str, url: str | None, site: str | None) -> str:  # noqa: ANN001 - Archive
    """Give an article already in the archive the address (`reader add --url`)
    and site (--site) it lacks; one it has is never replaced, and the line
    says which it has. Returns what to say ("" for nothing)."""
    if not url and not site:
        return ""
    from reader.core.fetch import url_key

    info = archive.info(article_id)
    recorded = archive.record_source(article_id, url=url, site=site)
    said = []
    if "url" in recorded:
        said.append("source URL and site recorded" if site and "site" in recorded else "source URL recorded")
    elif url and info.url and url_key(info.url) != url_key(url):
        said.append(f"it already has the source URL {info.url}: --url not recorded")
    elif url and not info.url:
        other = archive.find_url(url)
        owner = short_id(other.id) if other is not None else "another article"
        said.append(f"{url} is the source URL of {owner} already: --url not recorded")
    if site and "site" in recorded and "url" not in recorded:
        said.append("site recorded")
    elif site and "site" not in recorded and info.site and info.site != site:
        said.append(f"it already has the site {info.site}: --site not recorded")
    return "; ".join(said)


def _tagged_note(tags: list[str]) -> str:
    return f"  (tagged {' '.join('#' + t for t in tags)})" if tags else ""


def _count(n: int, word: str) -> str:
    """ "1 article", "2 articles"."""
    return f"{n} {word}{'' if n == 1 else 's'}"


def _saved_line(result, folds, said: str = "") -> str:  # noqa: ANN001 - SaveResult, ArchiveFolds
    """What `reader add` says of one article it stored (`said`: what it did
    with an article already in the archive, see `_source_existing`), with
    the blocks it shows folded in the archive."""
    note = {"added": "", "duplicate": f"  (already in the archive{'; ' + said if said else ''})",
            "updated": "  (updated: new version"}.get(result.status, "")
    if result.status == "updated":
        note += f"; {result.reanchored} note{'s' if result.reanchored != 1 else ''} kept"
        if result.changed:
            note += f", {result.changed} of them on text that changed (`reader notes {short_id(result.id)}`)"
        if result.elsewhere:
            note += (f", {result.elsewhere} of them on the same words in another place: check "
                     f"{'it' if result.elsewhere == 1 else 'them'} there (the article's notes panel, p)")
        if result.orphaned:
            note += f", {result.orphaned} orphaned"
        note += ")"
    from reader.core import ingest

    folded = folds.folded(result.article)
    blocks = len(result.article.blocks)
    if blocks > ingest.MAX_BLOCKS:
        note += (f"  (a page of {blocks:,} blocks: only the first {ingest.MAX_BLOCKS:,} were looked at for folding; "
                 "the rest is all shown, as saved)")
    return f"{short_id(result.id)}  {result.article.title}  ({folded} block{'s' if folded != 1 else ''} folded){note}"


def _add_urls(args: argparse.Namespace, archive, urls: list[str], folds) -> int:  # noqa: ANN001 - Archive, ArchiveFolds
    """`reader add URL...`: fetch each page and store it; returns how many failed."""
    from reader.core.fetch import FetchError, FetchOptions, check_url, fetch_article, fetch_with_retries, make_client
    from reader.core.ingest import site_of

    opts = FetchOptions.from_env(allow_local=True)  # addresses the user typed
    progress = Progress(len(urls), "Fetching")
    failed = 0
    client = None
    try:
        for raw in urls:
            try:
                url = check_url(raw)
                row = archive.find_url(url)
                if row is not None and row.status not in ("pending", "failed") and not args.refresh:
                    tagged = archive.add_article_tags(row.id, args.tag or [])
                    said = _source_existing(archive, row.id, None, args.site)
                    progress.print(f"{short_id(row.id)}  {row.title}  (already in the archive; not fetched again: "
                                   f"--refresh fetches it again{'; ' + said if said else ''})" + _tagged_note(tagged))
                    progress.step()
                    continue
                client = client or make_client(opts)

                def retrying(err: FetchError, attempt: int, pause: float, raw: str = raw) -> None:
                    # A slow server can take minutes over every attempt: say so as it happens.
                    progress.print(_retry_line(raw, err, attempt, pause, opts.retries), err=True)

                article, page = fetch_with_retries(url, opts, client=client, fetch=fetch_article, on_retry=retrying)
                if args.tag:
                    article.tags = sorted({*article.tags, *args.tag})
                if args.site:
                    article.site = args.site
                with archive.transaction():
                    if row is not None and row.status in ("pending", "failed"):
                        result = archive.fill_pending(row.id, article)
                    else:
                        result = archive.save(article)
                    if result.status != "duplicate":
                        archive.put_raw(result.id, page.text(), page.meta())
                    tagged = archive.add_article_tags(result.id, args.tag or []) if result.status == "duplicate" else []
            except FetchError as err:
                failed += 1
                kept = ""
                if err.retryable and err.kind != "bad-url":
                    # Offline, a timeout, a busy server: keep the address for `reader fetch`.
                    res = archive.add_pending(url, title=url, tags=args.tag or [], site=site_of(url), source="add")
                    archive.record_fetch_failure(res.id, str(err), permanent=False)
                    kept = f"; kept as pending ({short_id(res.id)}): `reader fetch` will try again"
                progress.print(f"{raw}: {err}{kept}", err=True)
            else:
                progress.print(_saved_line(result, folds) + _tagged_note(tagged))
            progress.step()
    finally:
        progress.close()
        if client is not None:
            client.close()
    return failed


def cmd_import(args: argparse.Namespace) -> int:
    from reader.core.imports import ImportFormatError, run_import

    archive = _open_archive(args)
    try:
        report = run_import(archive, args.service, args.file)
    except ImportFormatError as err:
        raise CommandError(str(err)) from None
    for line in report.lines():
        _out(line)
    return EXIT_FAIL if report.failed else EXIT_OK


def _retry_line(url: str, err: Exception, attempt: int, pause: float, retries: int) -> str:
    """What `reader add URL` and `reader fetch` say before asking a page again."""
    return f"{url}: {err}; trying again{f' in {pause:.0f} s' if pause >= 1 else ''} (attempt {attempt} of {retries + 1})"


def cmd_fetch(args: argparse.Namespace) -> int:
    from reader.core.fetch import FetchOptions
    from reader.core.imports.pending import fetch_pending

    archive = _open_archive(args)
    rows = archive.pending(failed=args.retry_failed or bool(args.ids))
    if args.ids:
        wanted = {archive.resolve(i) for i in args.ids}
        rows = [r for r in rows if r.id in wanted]
        if len(rows) < len(wanted):
            done = sorted(wanted - {r.id for r in rows})
            _err(f"not waiting to be fetched: {', '.join(short_id(i) for i in done)}")
    if args.limit is not None:
        rows = rows[: max(0, args.limit)]
    if not rows:
        _out("Nothing to fetch: no pending entries.")
        return EXIT_OK
    opts = FetchOptions.from_env(jobs=args.jobs, allow_local=True if args.allow_local else None)
    progress = Progress(len(rows), "Fetching", min_items=1)
    # Retries are told from the fetching threads, outcomes from this one.
    said = threading.Lock()

    def shown(outcome) -> None:  # noqa: ANN001 - Outcome
        with said:
            if outcome.status == "fetched":
                progress.print(f"{short_id(outcome.article_id)}  {outcome.title}")
            elif outcome.status == "duplicate":
                progress.print(f"{short_id(outcome.article_id)}  {outcome.title}  (already in the archive)")
            progress.step()

    def retrying(row, err, attempt: int, pause: float) -> None:  # noqa: ANN001 - ArticleInfo, FetchError
        # A slow or busy server can take minutes over every attempt: say so as it happens.
        with said:
            progress.print(_retry_line(row.url or row.title, err, attempt, pause, opts.retries), err=True)

    try:
        report = fetch_pending(archive, rows, opts, on_outcome=shown, on_retry=retrying)
    finally:
        progress.close()
    for line in report.lines():
        _out(line)
    # A page not fetched this time (to try again later) is a failure of this
    # run too, as `reader add URL` says of the same address.
    return EXIT_FAIL if report.of("failed") or report.of("pending") or report.offline else EXIT_OK


#: Suffixes of documents `--out` cannot mean as a folder to create.
_DOCUMENT_SUFFIXES = frozenset({".txt", ".text", ".html", ".htm", ".pdf", ".csv", ".tsv", ".jsonl", ".yaml",
                                ".yml", ".xml", ".org", ".rst", ".adoc", ".doc", ".docx", ".odt", ".rtf"})


def cmd_export(args: argparse.Namespace) -> int:
    from reader.core import export as ex

    archive = _open_archive(args)
    out = args.out
    target = Path(out).expanduser() if out and out != "-" else None
    to_file = target is not None and target.suffix.lower() in (".md", ".markdown", ".json", ".jsonld") \
        and not target.is_dir()
    fmt = args.format or ("json" if to_file and target.suffix.lower() in (".json", ".jsonld") else "md")
    if to_file and (fmt == "json") != (target.suffix.lower() in (".json", ".jsonld")):
        raise CommandError(f"--out {out} does not fit --format {fmt}; name the file .md or .json")
    if args.group_by and fmt == "json":
        raise CommandError("--group-by applies to Markdown (--format md)")
    if target is not None and not to_file and not target.is_dir() \
            and target.suffix.lower() in _DOCUMENT_SUFFIXES:
        raise CommandError(f"--out {out} names a {target.suffix} file, but export writes one document only as "
                           ".md or .json, else a folder; name the file .md or .json, or give a folder")
    try:
        since = ex.parse_since(args.since) if args.since else None
        items = ex.collect(archive, args.ids, tag=args.tag, since=since)
        if not (args.ids or args.tag or since or to_file or out == "-"):
            # Every article with notes, to a folder: also those whose file
            # there still shows marks since deleted.
            items = ex.with_retracted(archive, items, target or ex.default_folder(archive.data_dir), fmt)
        if not items:
            _err("Nothing to export: no article has annotations or a note"
                 + (" matching --tag/--since." if args.tag or args.since else "."))
            return EXIT_OK
        if out == "-":
            sys.stdout.write(ex.render_combined(items, fmt, group_by=args.group_by))
            return EXIT_OK
        if to_file:
            written = [ex.write_file(items, target, fmt, group_by=args.group_by, force=args.force)]
            where = target
        else:
            where = target or ex.default_folder(archive.data_dir)
            written = ex.write_folder(items, where, fmt, group_by=args.group_by, force=args.force)
    except ex.ExportError as err:
        raise CommandError(str(err)) from None
    for w in written:
        if w.fuller:
            _out(f"kept       {w.path}  (holds marks or a note the filter leaves out)")
        elif w.kept:
            _out(f"kept       {w.path}  (edited since the last export)")
        else:
            _out(f"{'wrote    ' if w.changed else 'unchanged'}  {w.path}")
        for copy in w.copies:
            _out(f"not written {copy}  (holds the same article: a copy? only {w.path.name} is kept up to date)")
    count = sum(len(i.annotations) for i in items)
    kept = sum(1 for w in written if w.kept)
    but = f", but for the {kept} kept file{'s' if kept != 1 else ''}" if kept else ""
    _out(f"{len(items)} article{'s' if len(items) != 1 else ''}, {count} annotation{'s' if count != 1 else ''} "
         f"exported to {where}{but}")
    fuller = sum(1 for w in written if w.fuller)
    if kept - fuller:
        n = kept - fuller
        _err(f"{n} file{'s' if n != 1 else ''} {ex.KEPT if fmt == 'md' else ex.KEPT_JSON}")
    if fuller:
        _err(f"{fuller} file{'s' if fuller != 1 else ''} {ex.KEPT_FULLER}")
    return EXIT_FAIL if kept else EXIT_OK


def cmd_import_notes(args: argparse.Namespace) -> int:
    from reader.core.notes_import import import_notes

    archive = _open_archive(args)
    report = import_notes(archive, args.paths, dry_run=args.dry_run, apply_deletions=args.apply_deletions,
                          force=args.force)
    labels = {
        "change": "would change" if args.dry_run else "changed",
        "delete": "would delete" if args.dry_run else "deleted",
        "pending-delete": "kept",
        "conflict": "CONFLICT",
        "problem": "problem",
        "notice": "note",
    }
    width = max(len(v) for v in labels.values())
    shown = None
    for e in report.events:
        if e.path != shown:
            _out(str(e.path))
            shown = e.path
        _out(f"  {labels[e.kind]:<{width}}  {e.describe()}")
    changes, deletes = report.of("change"), report.of("delete")
    pending, conflicts, problems = report.of("pending-delete"), report.of("conflict"), report.of("problem")
    if not report.files and not report.events:
        raise CommandError("no exported notes found (files written by `reader export` carry reader markers)")
    verb = "would be made (dry run: nothing written)" if args.dry_run else "made"
    summary = [f"{len(changes)} change{'s' if len(changes) != 1 else ''} {verb}"]
    if deletes:
        summary.append(f"{len(deletes)} annotation{'s' if len(deletes) != 1 else ''} "
                       f"{'would be ' if args.dry_run else ''}deleted")
    if pending:
        summary.append(f"{len(pending)} deleted in the files but kept (--apply-deletions deletes them)")
    if conflicts:
        summary.append(f"{len(conflicts)} conflict{'s' if len(conflicts) != 1 else ''}")
    if problems:
        summary.append(f"{len(problems)} problem{'s' if len(problems) != 1 else ''}")
    files = f"{len(report.files)} file{'s' if len(report.files) != 1 else ''} read"
    if report.skipped:
        files += f", {len(report.skipped)} without reader markers skipped"
    _out(f"{'; '.join(summary)} ({files})")
    return EXIT_FAIL if conflicts or problems else EXIT_OK


# ------------------------------------------------------------------ parser


def cmd_doctor(args: argparse.Namespace) -> int:
    from reader.core import backup, doctor
    from reader.core.config import data_dir

    data = data_dir(getattr(args, "data_dir", None))
    if args.restore is not None:
        if not args.restore:
            backups = backup.list_backups(data)
            if not backups:
                raise CommandError(f"no backups in {backup.backups_dir(data)}")
            _out(f"Backups in {backup.backups_dir(data)} (newest first):")
            for b in backups:
                n = b.article_count()
                _out(f"  {b.name:<32} {b.created_iso}  {n} article{'' if n == 1 else 's'}")
            _out("Restore one with: reader doctor --restore NAME (or latest)")
            return EXIT_OK
        try:
            chosen, before = backup.restore(data, args.restore)
        except backup.BackupError as err:
            raise CommandError(str(err)) from None
        _out(f"Restored the archive as it was at {chosen.created_iso} (backup {chosen.name}).")
        _out(f"The archive as it was before is backup {before.name}: "
             f"`reader doctor --restore {before.name}` undoes this.")
        report = doctor.check(data)
        if not report.ok:
            for f in report.findings:
                _out(f.line())
            _out("The backup itself has problems: run `reader doctor --repair`.")
            return EXIT_FAIL
        return EXIT_OK
    if args.backup:
        from reader.core.store import Archive

        archive = Archive(data, backups=False)
        try:
            path = archive.backup_now()
        finally:
            archive.close()
        _out(f"Backed up the archive to {path}")
        return EXIT_OK
    if args.repair:
        done, report = doctor.repair(data)
        for line in done:
            _out(line)
        if not done:
            _out("Nothing to repair.")
    else:
        report = doctor.check(data)
    for f in report.findings:
        _out(f.line())
    _out(f"Checked {_count(report.files, 'file')}: {_count(report.articles, 'article')}, "
         f"{_count(report.annotations, 'annotation')}"
         f"{f' ({report.orphaned} orphaned)' if report.orphaned else ''} in {report.root}")
    if report.backups:
        newest = report.backups[0]
        _out(f"{_count(len(report.backups), 'backup')}, the newest from {newest.created_iso} ({newest.name})")
    else:
        _out("No backups yet (one is taken before the first change of each day).")
    if report.ok:
        _out("The archive is in order.")
        return EXIT_OK
    fixable = sum(1 for f in report.findings if f.fixable)
    hint = ""
    if not args.repair and fixable:
        hint = f"; `reader doctor --repair` fixes {fixable} of them"
    elif report.findings and report.backups:
        hint = "; `reader doctor --restore` lists the backups to restore"
    _out(f"{len(report.findings)} problem{'s' if len(report.findings) != 1 else ''}{hint}")
    return EXIT_FAIL


def build_parser(*, commands: bool = True) -> argparse.ArgumentParser:
    """The command line; `commands=False` leaves the commands out (what
    opening the archive needs: building them all takes a start 10 ms)."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--data-dir", metavar="DIR", default=argparse.SUPPRESS,
        help="where the archive lives (default: $READER_DATA_DIR, else the user data folder)",
    )
    parser = argparse.ArgumentParser(
        prog="reader",
        description="A terminal reader for saved articles. With no command, opens the archive.",
        parents=[common],
        exit_on_error=commands,
    )
    parser.add_argument("--version", action="version", version=f"reader {__version__}")
    parser.set_defaults(func=cmd_tui)
    if not commands:
        return parser
    sub = parser.add_subparsers(title="commands", metavar="COMMAND")

    def command(name: str, func: Callable[[argparse.Namespace], int], help: str, **kw: Any) -> argparse.ArgumentParser:
        p = sub.add_parser(name, parents=[common], help=help, description=help, **kw)
        p.set_defaults(func=func)
        return p

    p = command("tui", cmd_tui, "open the archive in the terminal UI (the default)")

    p = command("add", cmd_add, "import saved articles (.html/.htm, .txt, .md/.markdown files or folders, "
                "http(s) addresses to fetch, or - for text pasted or piped in)",
                epilog="examples: reader add ~/Downloads/article.html ~/saved/ https://example.org/story\n"
                       "          xclip -o | reader add - --url https://example.org/story",
                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("paths", nargs="+", metavar="PATH", type=_user_path,
                   help="files, folders to search recursively, web addresses, or - (standard input: an article's "
                        "text as copied from the browser, or a page)")
    p.add_argument("--title", help="the title of the article read from standard input (default: its headline)")
    p.add_argument("--url", type=_web_address, help="the address the article came from (for a plain-text copy)")
    p.add_argument("--site", type=_site_name,
                   help="the site it came from, e.g. example.com (for a plain-text copy)")
    p.add_argument("--tag", action="append", type=_tag_name, metavar="TAG",
                   help="tag the imported articles (repeatable)")
    p.add_argument("--jobs", type=_positive_int, metavar="N",
                   help="processes reading files at once (default: one per processor)")
    p.add_argument("--refresh", action="store_true",
                   help="fetch addresses already in the archive again (a changed page becomes a new version; "
                        "your notes move with their text)")

    p = command("list", cmd_list, "list the archive: id, saved date, site, annotations, title",
                epilog="example: reader list --json | jq '.[].title'")
    p.add_argument("--json", action="store_true", help="print a JSON list of objects")
    which = p.add_mutually_exclusive_group()
    which.add_argument("--unread", action="store_true", help="only the articles not marked read")
    which.add_argument("--read", action="store_true", help="only the articles marked read")

    p = command("mark-read", cmd_mark_read, "mark articles read (or unread again, with --unread)",
                epilog="example: reader mark-read 3fa2 9c1e")
    p.add_argument("ids", nargs="+", metavar="ID", help="article ids (any unique prefix)")
    p.add_argument("--unread", action="store_true", help="mark them unread")

    p = command("show", cmd_show, "print an article as text, boilerplate folded",
                epilog="example: reader show 3fa2 --all")
    p.add_argument("id", metavar="ID", help="article id (any unique prefix)")
    p.add_argument("--all", action="store_true", help="show the folded blocks too")

    p = command("fold", cmd_fold, "fold files without importing them (for checking and benchmarks)",
                epilog="example: reader fold page.html --format jsonl")
    p.add_argument("paths", nargs="+", metavar="PATH", type=_user_path, help="files or folders")
    p.add_argument("--format", choices=("text", "jsonl"), default="text", help="output format (default: text)")
    p.add_argument("--timing", action="store_true",
                   help="jsonl: add each file's reading and folding time in ms (\"ms\"), for benchmarks")

    p = command("annotate", cmd_annotate, "mark a quote in an article; prints the annotation id",
                epilog='example: reader annotate 3fa2 --quote "dirty bomb" --tag claim --note "unsourced"')
    p.add_argument("id", metavar="ID", help="article id (any unique prefix)")
    p.add_argument("--quote", required=True, help="the text to mark (its first occurrence outside the folded blocks, else its first)")
    p.add_argument("--tag", action="append", type=_tag_name, metavar="TAG",
                   help="claim, evidence, question or your own (repeatable)")
    p.add_argument("--note", help="a note on the quote")
    p.add_argument("--occurrence", type=_positive_int, metavar="N",
                   help="mark the Nth place the quote occurs (counted from the top, folded blocks too)")

    p = command("notes", cmd_notes, "show an article's note and its annotations in text order",
                epilog="example: reader notes 3fa2 --json")
    p.add_argument("id", metavar="ID", help="article id (any unique prefix)")
    p.add_argument("--json", action="store_true",
                   help='print a JSON object: {"article", "note", "annotations": [...]}')
    p.add_argument("--full", action="store_true",
                   help="each quote whole, wrapped to the terminal (by default one cut at 100 characters)")

    p = command("note", cmd_note, "change one annotation (its note, its tags, or delete it) or an article's note",
                formatter_class=argparse.RawDescriptionHelpFormatter,
                epilog='examples:\n  reader note 9c1e --set "see the ministry\'s statement" --tag evidence\n'
                       '  reader note --article 3fa2 --set "the best summary so far"')
    p.add_argument("annotation_id", nargs="?", metavar="ANNOTATION_ID", help="annotation id (any unique prefix)")
    p.add_argument("--article", metavar="ID",
                   help="the article's own note instead (article id, any unique prefix): print it, or --set it")
    p.add_argument("--set", metavar="TEXT", help="replace the note (with --article, an empty TEXT removes it)")
    p.add_argument("--tag", action="append", type=_tag_name, metavar="TAG", help="add a tag (repeatable)")
    p.add_argument("--untag", action="append", type=_tag_name, metavar="TAG", help="remove a tag (repeatable)")
    p.add_argument("--delete", action="store_true", help="delete the annotation")

    p = command("tag", cmd_tag, "list the tags in use, or rename (or merge) one across the archive")
    tsub = p.add_subparsers(dest="tag_cmd", metavar="ACTION", required=True)
    r = tsub.add_parser("list", parents=[common], help="every tag with its marks and articles",
                        description="every tag with how many marks and articles carry it, most used first")
    r.add_argument("--json", action="store_true", help="print JSON")
    r = tsub.add_parser("rename", parents=[common], help="rename a tag on every mark and article",
                        description="rename a tag on every mark and article, and the tags nested under it "
                                    "(topic/a/x becomes topic/b/x); renaming onto a tag in use merges the two",
                        epilog="examples: reader tag rename topic/mindfulness topic/meditation\n"
                               "          reader tag rename claims claim",
                        formatter_class=argparse.RawDescriptionHelpFormatter)
    r.add_argument("old", metavar="OLD", help="the tag to rename (with or without #)")
    r.add_argument("new", metavar="NEW", help="its new name (a tag in use: the two become one)")

    p = command("fold-rule", cmd_fold_rule, "fold (or always show) a block on every article of a site")
    rsub = p.add_subparsers(dest="rule_cmd", metavar="ACTION", required=True)
    r = rsub.add_parser("add", parents=[common], help="add a rule",
                        description="fold a block with this text on every article of the site",
                        epilog='example: reader fold-rule add --article 3fa2 "Sign up for our newsletter"')
    r.add_argument("text", help="the block's text")
    r.add_argument("--site", help="the site (default: the --article's site)")
    r.add_argument("--article", metavar="ID", help="take the site from this article")
    r.add_argument("--show", action="store_true", help="always show the block instead of folding it")
    r = rsub.add_parser("list", parents=[common], help="list the rules", description="list the fold rules")
    r.add_argument("--site", help="only this site's rules")
    r.add_argument("--json", action="store_true", help="print JSON")
    r = rsub.add_parser("remove", parents=[common], help="remove a rule", description="remove a fold rule")
    r.add_argument("rule_id", metavar="RULE_ID", help="the rule's id (see list)")

    p = command("import", cmd_import, "bring in an export from Pocket, Instapaper, Omnivore or Wallabag",
                formatter_class=argparse.RawDescriptionHelpFormatter,
                epilog="examples:\n  reader import ~/Downloads/omnivore-export.zip   (the service told from the file)\n"
                       "  reader import pocket ril_export.html")
    isub = p.add_subparsers(dest="service", metavar="SERVICE", required=True)
    for name, what, example in (
        ("pocket", "Pocket's ril_export.html, or its CSV (title,url,time_added,tags,status) or zip of CSVs",
         "ril_export.html"),
        ("instapaper", "Instapaper's CSV export (URL,Title,Selection,Folder); the Selection becomes a note",
         "instapaper-export.csv"),
        ("omnivore", "Omnivore's export zip (metadata_*.json, content/, highlights/), highlights included",
         "omnivore-export.zip"),
        ("wallabag", "wallabag's JSON export, annotations included", "wallabag-export.json"),
    ):
        r = isub.add_parser(name, parents=[common], help=what, description=f"import {what}; links without "
                            "their text wait for `reader fetch`; importing again adds nothing twice",
                            epilog=f"example: reader import {name} {example}")
        r.add_argument("file", metavar="FILE", type=_user_path, help="the export file")

    p = command("fetch", cmd_fetch, "fetch the pending entries (links imported without their text)",
                epilog="example: reader fetch --jobs 8")
    p.add_argument("ids", nargs="*", metavar="ID", help="only these entries (any unique id prefix)")
    p.add_argument("--retry-failed", action="store_true", help="try again the entries whose fetch failed for good")
    p.add_argument("--jobs", type=_positive_int, metavar="N", help="pages fetched at once (default 4)")
    p.add_argument("--allow-local", action="store_true",
                   help="also fetch addresses on this machine or its local network (refused by default: "
                        "links from an export file should not reach your router or your own services)")
    p.add_argument("--limit", type=int, metavar="N", help="fetch at most N entries")

    p = command("export", cmd_export, "export notes to Markdown (an Obsidian vault) or W3C Web Annotation JSON",
                formatter_class=argparse.RawDescriptionHelpFormatter,
                epilog="examples:\n  reader export --out ~/vault/reading\n  reader export 3fa2 --out -\n"
                       "  reader export --format json --out notes.json\n"
                       "  reader export --tag claim --group-by tag --out claims.md")
    p.add_argument("ids", nargs="*", metavar="ID",
                   help="articles to export (any unique prefix; default: every article with annotations or a note)")
    p.add_argument("--out", metavar="PATH",
                   help="a folder (one file per article, named from the title), a FILE.md/.json (one document), "
                        "or - for standard output (default: the export folder, [export] dir in config.toml, "
                        "else <data dir>/exports)")
    p.add_argument("--format", choices=("md", "json"),
                   help="md: Markdown (a file per article in a folder, each with YAML front matter; one "
                        "document for --out FILE.md or -); json: W3C Web Annotations (default: md, or json for "
                        "--out *.json)")
    p.add_argument("--tag", type=_tag_name, metavar="TAG", help="only annotations with this tag (or one nested under it)")
    p.add_argument("--since", metavar="DATE", help="only annotations created or changed since DATE (2026-11-01), and article notes written since")
    p.add_argument("--group-by", choices=("tag",), dest="group_by",
                   help="tag: sections for claims, evidence, questions and each other tag")
    p.add_argument("--force", action="store_true",
                   help="overwrite files edited since the last export (by default they are kept, and "
                        "listed: `reader import-notes` takes the edits of Markdown files back), and, with "
                        "--tag or --since, files holding marks the filter leaves out")

    p = command("import-notes", cmd_import_notes, "take edits made to exported Markdown back into the archive",
                formatter_class=argparse.RawDescriptionHelpFormatter,
                epilog="example: reader import-notes ~/vault/reading --dry-run\n\n"
                       "Edited notes, Tags: lines and the article's note are applied by ^id; a note (and a\n"
                       "Tags: line first) written under the ^id of a mark exported without them is taken too,\n"
                       "as is an article note written under its <!-- reader:note --> line. A section deleted\n"
                       "from a file is reported and deleted only with --apply-deletions. Conflicts (changed in\n"
                       "the archive since the export, and in the file), unknown ids and quotes edited beyond\n"
                       "recognition are reported, never applied; --force settles conflicts for the file.\n"
                       "The front matter, title and source line come from the archive: edits there are\n"
                       "reported, not imported.")
    p.add_argument("paths", nargs="+", metavar="FILE.md|DIR", type=_user_path,
                   help="exported files, or folders of them")
    p.add_argument("--dry-run", action="store_true", help="print what would change; change nothing")
    p.add_argument("--apply-deletions", action="store_true",
                   help="delete the annotations whose sections were deleted from the files")
    p.add_argument("--force", action="store_true",
                   help="on a conflict, apply the file's version over the change made in the archive since "
                        "the export (deletions of changed annotations are never forced)")

    p = command("doctor", cmd_doctor, "check the archive; repair it, or restore a backup",
                formatter_class=argparse.RawDescriptionHelpFormatter,
                epilog="examples:\n  reader doctor\n  reader doctor --repair\n"
                       "  reader doctor --restore          (lists the backups)\n"
                       "  reader doctor --restore latest\n\n"
                       "A backup is taken before the first change of each day; the newest five are kept.\n"
                       "--repair rebuilds the list from the article files, fixes permissions, removes\n"
                       "temporary files, and puts back damaged files from the newest good backup.")
    what = p.add_mutually_exclusive_group()
    what.add_argument("--repair", action="store_true", help="fix what can be fixed without losing anything")
    what.add_argument("--restore", nargs="?", const="", metavar="BACKUP",
                      help="put the whole archive back as BACKUP was (no BACKUP: list them)")
    what.add_argument("--backup", action="store_true", help="take a backup now")
    return parser


def _named_service(argv: list[str]) -> list[str]:
    """`reader import FILE`: the service named before FILE, told from the
    file itself (see `detect_service`). Unchanged when a service is named,
    or when the command is another."""
    i = 0
    while i < len(argv) and argv[i].startswith("-"):
        i += 2 if argv[i] == "--data-dir" else 1
    if i >= len(argv) or argv[i] != "import":
        return argv
    from reader.core.imports import SERVICES, detect_service

    j = i + 1
    while j < len(argv) and argv[j].startswith("-") and argv[j] not in ("-h", "--help"):
        j += 2 if argv[j] == "--data-dir" else 1
    if j >= len(argv) or argv[j] in SERVICES or argv[j].startswith("-"):
        return argv
    path = os.path.expanduser(argv[j])
    if not os.path.exists(path):
        raise CommandError(f"{argv[j]}: no such file or folder")
    service = detect_service(path)
    if service is None:
        from reader.core.ingest import format_of

        saved = "; a saved page or text is added with `reader add`" if format_of(Path(path)) else ""
        raise CommandError(f"cannot tell which service's export {argv[j]} is: name it, "
                           f"`reader import {{{','.join(SERVICES)}}} {argv[j]}`{saved}")
    return [*argv[:j], service, *argv[j:]]


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        argv = _named_service(argv)
    except CommandError as err:
        _err(f"reader import: {err}")
        return EXIT_USAGE
    args = None
    if not {"-h", "--help"} & set(argv):
        try:
            args, rest = build_parser(commands=False).parse_known_args(argv)
        except argparse.ArgumentError:
            rest = argv
        if rest:
            args = None  # a command, or a mistake the full parser explains
    if args is None:
        args = build_parser().parse_args(argv)
    from reader.core.config import ConfigError
    from reader.core.store import StoreError

    try:
        return int(args.func(args) or 0)
    except (CommandError, StoreError, ConfigError) as err:
        _err(f"reader: {err}")
        return EXIT_FAIL
    except KeyboardInterrupt:
        _err("reader: interrupted")
        return 130
    except BrokenPipeError:
        # `reader list | head`: the reader of our output went away.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_OK
    except OSError as err:
        where = f"{err.filename}: " if err.filename else ""
        _err(f"reader: {where}{err.strerror or err}")
        return EXIT_FAIL
    except Exception as err:  # noqa: BLE001 - one line, never a traceback
        if os.environ.get("READER_DEBUG"):
            raise
        _err(f"reader: unexpected error ({type(err).__name__}: {err}); "
             "run with READER_DEBUG=1 for details and please report it")
        return EXIT_FAIL


if __name__ == "__main__":
    raise SystemExit(main())

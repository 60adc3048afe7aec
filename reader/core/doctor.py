"""`reader doctor`: check the archive, repair what can be derived again, and
put damaged files back from backups.

The check reads every file of the archive (it works even when the archive
cannot be opened) and reports, one line each:

- files that cannot be read, are not valid JSON, or are not ours;
- permissions wider than 0700 (folders) / 0600 (files), or too narrow to read;
- index rows that disagree with the article and notes files they summarise,
  articles with no index row, rows with no article;
- annotations whose quote no longer stands at their position;
- temporary files and half-made backups a crash left, and a change a killed
  process had begun.

The repair never deletes what the user made. Index rows and site keys are
derived data: they are written again from the article and notes files. A
damaged article, notes or meta file is put back from the newest backup that
holds a readable copy, the damaged file moved to ``<data dir>/damaged/<time>/``.
"""

from __future__ import annotations

import os
import shutil
import stat
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from reader.core import backup
from reader.core.models import Annotation, Article, ArticleInfo, row_list
from reader.core.store import (
    ARTICLE_ID_LEN,
    INDEX_SHARDS,
    SCHEMA_VERSION,
    ArchiveCorrupt,
    acquire_lock,
    holds_articles,
    index_path,
    read_archive_file,
    read_lock_state,
    release_lock,
    shard_of,
)

#: Where --repair puts the damaged files it replaces (never deleted).
DAMAGED_DIR = "damaged"

# What --repair does about each kind of finding ("" for nothing it can do).
FIXES = {
    "perm": "--repair sets it",
    "unreadable": "--repair sets its permissions",
    "tmp": "--repair removes it",
    "partial": "--repair removes it",
    "interrupted": "--repair completes it",
    "row": "--repair writes the row again from the article's files",
    "no_row": "--repair adds its row",
    "dangling": "--repair removes the row",
    "anchor": "--repair places it again by its quote (or marks it orphaned)",
    "derived": "--repair moves it aside and rebuilds it from the article files",
    "data": "--repair puts back the copy from backup {backup}",
}


@dataclass
class Finding:
    level: str  # "error" or "warning"
    kind: str
    path: str
    message: str
    article_id: str | None = None
    backup: str | None = None  # the backup holding a good copy (kind "data")

    @property
    def fixable(self) -> bool:
        if self.kind == "data":
            return self.backup is not None
        return self.kind in FIXES

    def line(self) -> str:
        fix = FIXES.get(self.kind, "")
        if self.kind == "data":
            fix = fix.format(backup=self.backup) if self.backup else "no backup holds a readable copy: `reader doctor --restore` lists the backups"
        elif self.kind == "schema":
            fix = ""
        return f"{self.level}: {self.path}: {self.message}" + (f" ({fix})" if fix else "")


@dataclass
class Report:
    root: Path
    findings: list[Finding] = field(default_factory=list)
    articles: int = 0
    annotations: int = 0
    orphaned: int = 0
    files: int = 0
    backups: list[backup.Backup] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.findings

    def add(self, level: str, kind: str, path: Path | str, message: str, **kw: Any) -> None:
        self.findings.append(Finding(level, kind, str(path), message, **kw))


def _is_id(name: str) -> bool:
    return len(name) == ARTICLE_ID_LEN and all(c in "0123456789abcdef" for c in name)


def _read(path: Path, report: Report, kind: str, data_dir: Path) -> dict[str, Any] | None:
    """A file's tables, or None after reporting why not."""
    report.files += 1
    try:
        return read_archive_file(path)
    except ArchiveCorrupt as err:
        msg = str(err)
        if msg.startswith(str(path)):
            msg = msg[len(str(path)) :].lstrip(" :")
        msg = msg.split(";")[0]
        if "permission denied" in msg:
            report.add("error", "unreadable", path, "cannot be read (permission denied)")
        elif kind == "derived":
            report.add("error", "derived", path, msg)
        else:
            report.add("error", "data", path, msg, backup=_good_copy(data_dir, path))
        return None


def _good_copy(data_dir: Path, path: Path) -> str | None:
    """The newest backup holding a readable copy of archive file `path`."""
    rel = path.relative_to(data_dir / "archive")
    for b in backup.list_backups(data_dir):
        candidate = b.path / rel
        if not candidate.exists():
            continue
        try:
            read_archive_file(candidate)
        except ArchiveCorrupt:
            continue
        return b.name
    return None


def _check_modes(data_dir: Path, report: Report) -> None:
    root = data_dir / "archive"
    # (The exports folder is left alone: its files are meant for other programs,
    # and inside a private data dir nobody else can reach them anyway.)
    top = [data_dir, root, data_dir / backup.BACKUP_DIR, data_dir / DAMAGED_DIR]
    for d in top:
        _check_mode(d, report, is_dir=True)
    for folder in (backup.BACKUP_DIR, DAMAGED_DIR):
        try:
            for e in os.scandir(data_dir / folder):
                _check_mode(Path(e.path), report, is_dir=e.is_dir(follow_symlinks=False))
        except OSError:
            pass
    for dirpath, dirnames, filenames in os.walk(root):
        if Path(dirpath) == root:
            dirnames[:] = [d for d in dirnames if d != "tmp"]  # reported as leftovers instead
        for d in dirnames:
            _check_mode(Path(dirpath) / d, report, is_dir=True)
        for f in filenames:
            _check_mode(Path(dirpath) / f, report, is_dir=False)


def _check_mode(path: Path, report: Report, *, is_dir: bool) -> None:
    try:
        st = path.lstat()
    except FileNotFoundError:
        return
    except OSError as err:
        report.add("error", "unreadable", path, f"cannot be checked ({err.strerror})")
        return
    if stat.S_ISLNK(st.st_mode):
        return
    mode = stat.S_IMODE(st.st_mode)
    need = 0o700 if is_dir else 0o600
    if mode & need != need:
        report.add("error", "unreadable", path, f"mode {mode:04o}: reader cannot use it")
    elif mode & 0o077:
        report.add("warning", "perm", path, f"mode {mode:04o}: readable by other users (should be {need:04o})")


def check(data_dir: str | os.PathLike[str]) -> Report:
    """Read every file of the archive and report what is wrong."""
    data = Path(data_dir)
    root = data / "archive"
    report = Report(root)
    if not root.is_dir():
        report.add("error", "missing", root, "no archive here (reader creates one when it first runs)")
        return report
    try:
        report.backups = backup.list_backups(data)
    except backup.BackupError as err:
        report.add("warning", "backups", data / backup.BACKUP_DIR, str(err))
    _check_modes(data, report)

    # meta
    meta_path = root / "meta.json"
    if not meta_path.exists() and holds_articles(root):
        good = _good_copy(data, meta_path)
        report.add("error", "data", meta_path,
                   "missing: it held the tags, fold rules and settings"
                   + ("" if good else "; no backup holds it (`reader doctor --repair` starts an empty one)"),
                   backup=good)
    if meta_path.exists():
        meta = _read(meta_path, report, "data", data)
        if meta is not None:
            schema = (meta.get("schema") or {}).get("1")
            if not schema:
                report.add("error", "schema", meta_path, "not a reader archive file (no schema version)")
            else:
                version = schema.get("version")
                if not isinstance(version, int) or isinstance(version, bool) or version < 1:
                    report.add("error", "schema", meta_path, f"schema version {version!r} is not one reader wrote")
                elif version > SCHEMA_VERSION:
                    report.add("error", "schema", meta_path,
                               f"schema version {version} is newer than this reader ({SCHEMA_VERSION}): upgrade reader")

    # index
    rows: dict[str, dict[str, Any]] = {}
    for shard in range(INDEX_SHARDS):
        path = index_path(root, shard)
        if not path.exists():
            continue
        tables = _read(path, report, "derived", data)
        if tables is None:
            continue
        for doc in (tables.get("articles") or {}).values():
            rid = doc.get("id")
            if not isinstance(rid, str) or not _is_id(rid) or shard_of(rid) != shard:
                report.add("error", "derived", path, f"holds a row that is not reader's ({str(rid)[:20]!r})")
                break
            try:
                ArticleInfo.from_dict(doc)
            except (KeyError, TypeError, ValueError, AttributeError):
                report.add("error", "derived", path, f"row {rid} is malformed")
                break
            rows[rid] = doc

    # articles and notes
    bodies: dict[str, tuple[Article, Path]] = {}
    for path in sorted((root / "articles").glob("*/*.json")):
        aid = path.stem
        if not _is_id(aid):
            report.add("warning", "stray", path, "not an article file of reader's")
            continue
        tables = _read(path, report, "data", data)
        if tables is None:
            bodies[aid] = (None, path)  # type: ignore[assignment]
            continue
        doc = (tables.get("body") or {}).get("1")
        try:
            article = Article.from_dict(doc) if doc else None
        except (KeyError, TypeError, ValueError, AttributeError):
            article = None
        if article is None or article.id != aid:
            report.add("error", "data", path, "does not hold this article", backup=_good_copy(data, path))
            bodies[aid] = (None, path)  # type: ignore[assignment]
            continue
        bodies[aid] = (article, path)

    notes: dict[str, list[Annotation] | None] = {}
    for path in sorted((root / "notes").glob("*/*.json")):
        aid = path.stem
        if not _is_id(aid):
            report.add("warning", "stray", path, "not a notes file of reader's")
            continue
        tables = _read(path, report, "data", data)
        if tables is None:
            notes[aid] = None
            continue
        try:
            anns = [Annotation.from_dict(d) for d in (tables.get("annotations") or {}).values()]
        except (KeyError, TypeError, ValueError, AttributeError):
            report.add("error", "data", path, "holds annotations that are not reader's", backup=_good_copy(data, path))
            notes[aid] = None
            continue
        if any(a.article_id != aid for a in anns):
            report.add("error", "data", path, "holds another article's annotations", backup=_good_copy(data, path))
        notes[aid] = anns

    for folder, kind in (("raw", "data"), ("sites", "derived")):
        for path in sorted((root / folder).glob("**/*.json")):
            _read(path, report, kind, data)

    # cross-check
    for aid, row in sorted(rows.items()):
        body = bodies.get(aid)
        row_path = index_path(root, shard_of(aid))
        anns = notes.get(aid, [])
        if body is None:
            if anns:
                report.add("error", "data", root / "articles" / aid[:2] / f"{aid}.json",
                           f"missing, while {len(anns)} notes of it remain",
                           backup=_good_copy(data, root / "articles" / aid[:2] / f"{aid}.json"))
            else:
                report.add("error", "dangling", row_path, f"lists article {aid}, whose file is missing", article_id=aid)
            continue
        article = body[0]
        listed = row_list(row.get("annotation_ids"))
        # An article whose files are damaged (reported above) is still one of
        # the archive's; of a notes file that cannot be read, the annotations
        # the list names are counted.
        report.articles += 1
        report.annotations += len(listed) if anns is None else len(anns)
        if article is None or anns is None:
            continue  # reported above
        if aid not in notes and listed:
            # The notes file is gone while the list still names its marks:
            # put it back from a backup, or say they are lost.
            notes_path = root / "notes" / aid[:2] / f"{aid}.json"
            n = len(listed)
            good = _good_copy(data, notes_path)
            if good is not None:
                report.add("error", "data", notes_path, f"missing, while the list names {n} annotation"
                           f"{'s' if n != 1 else ''} of it", backup=good)
                continue
            report.add("error", "row", row_path, f"row {aid} names {n} annotation{'s' if n != 1 else ''} whose "
                       f"notes file {notes_path} is missing and no backup holds (they are lost)", article_id=aid)
            continue
        report.orphaned += sum(1 for a in anns if a.orphaned)
        status = row.get("status") or "ok"
        differs = []
        if sorted(row_list(row.get("annotation_ids"))) != sorted(a.id for a in anns):
            differs.append("annotations")
        if status == "ok":
            if (row.get("content_hash") or "") != article.content_hash:
                differs.append("text")
            if (row.get("title") or "") != article.title:
                differs.append("title")
            if sorted(row_list(row.get("tags"))) != sorted(article.tags):
                differs.append("tags")
        if differs:
            report.add("error", "row", row_path, f"row {aid} disagrees with its files ({', '.join(differs)})",
                       article_id=aid)
        text = article.text
        bad = [a for a in anns if not a.orphaned and text[a.start : a.end] != a.exact]
        if bad:
            report.add("warning", "anchor", root / "notes" / aid[:2] / f"{aid}.json",
                       f"{len(bad)} annotation(s) no longer stand on their quote", article_id=aid)
    for aid, (article, path) in sorted(bodies.items()):
        if article is not None and aid not in rows:
            report.add("error", "no_row", path, "an article missing from the list", article_id=aid)
    for aid, anns in sorted(notes.items()):
        if aid not in bodies and aid not in rows and anns:
            report.add("warning", "lost_notes", root / "notes" / aid[:2] / f"{aid}.json",
                       f"{len(anns)} notes of an article no longer in the archive (kept; nothing refers to them)")

    # leftovers
    try:
        for name in sorted(os.listdir(root / "tmp")):
            report.add("warning", "tmp", root / "tmp" / name, "a temporary file a crashed writer left")
    except OSError:
        pass
    try:
        for e in os.scandir(data / backup.BACKUP_DIR):
            if e.name.startswith(".partial-"):
                report.add("warning", "partial", e.path, "a backup a crash left half made")
    except OSError:
        pass
    lock = root / ".lock"
    if lock.exists():
        try:
            fd = os.open(lock, os.O_RDONLY)
        except OSError:
            fd = -1
        if fd >= 0:
            try:
                dirty = read_lock_state(fd).get("dirty") or {}
            finally:
                os.close(fd)
            for aid, entry in sorted(dirty.items()) if isinstance(dirty, dict) else ():
                op = entry.get("op") if isinstance(entry, dict) else "?"
                if op == "rename" and not _is_id(aid):
                    report.add("warning", "interrupted", lock,
                               f"a rename of #{entry.get('old')} to #{entry.get('new')} was interrupted")
                    continue
                report.add("warning", "interrupted", lock, f"a change to article {aid} ({op}) was interrupted",
                           article_id=aid)
    known = {"meta.json", "index", "articles", "notes", "raw", "sites", "tmp", ".lock"}
    for name in sorted(os.listdir(root)):
        if name not in known:
            report.add("warning", "stray", root / name, "not part of a reader archive (left alone)")
    return report


def repair(data_dir: str | os.PathLike[str], *, lock_timeout: float = 10.0) -> tuple[list[str], Report]:
    """Fix what `check` found that can be fixed; returns (what was done, a
    fresh report)."""
    from reader.core.store import Archive

    data = Path(data_dir)
    root = data / "archive"
    done: list[str] = []
    report = check(data)
    if not root.is_dir():
        return done, report

    # 1. Permissions, so that everything can be read.
    for f in report.findings:
        if f.kind in ("perm", "unreadable"):
            p = Path(f.path)
            try:
                os.chmod(p, 0o700 if p.is_dir() else 0o600)
                done.append(f"set mode of {p} to {'0700' if p.is_dir() else '0600'}")
            except OSError as err:
                done.append(f"could not set mode of {p} ({err.strerror})")
    if any(f.kind in ("perm", "unreadable") for f in report.findings):
        report = check(data)

    # 2. Damaged files: the user's data back from a backup, derived data aside.
    damaged = [f for f in report.findings if (f.kind == "data" and f.backup) or f.kind == "derived"]
    if damaged:
        aside = data / DAMAGED_DIR / time.strftime("%Y%m%d-%H%M%S", time.gmtime())
        fd = acquire_lock(root, lock_timeout)
        try:
            for f in damaged:
                p = Path(f.path)
                rel = p.relative_to(root)
                if p.exists():
                    backup.make_private_dirs((aside / rel).parent)
                    os.replace(p, aside / rel)
                if f.kind == "data":
                    src = backup.find_backup(data, f.backup or "").path / rel
                    tmp = root / "tmp" / f"doctor-{os.getpid()}-{rel.name}"
                    shutil.copyfile(src, tmp)
                    os.chmod(tmp, 0o600)
                    os.replace(tmp, p)
                    done.append(f"put back {p} from backup {f.backup} (the damaged file is in {aside / rel})")
                else:
                    done.append(f"moved damaged {p} to {aside / rel}; rebuilding it")
        finally:
            release_lock(fd)
        report = check(data)

    # 3. Derived data, through the store (this also completes interrupted changes
    #    and removes temporary files).
    try:
        lost_meta = not (root / "meta.json").exists()
        archive = Archive(data, lock_timeout=lock_timeout, backups=False, new_meta=True)
        if lost_meta:
            done.append(f"started an empty {root / 'meta.json'}: no backup held it (its fold rules and settings "
                        "are lost; tags come back with the articles that carry them)")
    except ArchiveCorrupt as err:
        done.append(f"cannot open the archive to repair the rest: {err}")
        return done, check(data)
    try:
        interrupted = any(f.kind == "interrupted" for f in report.findings)
        if interrupted:
            with archive.transaction():
                pass
        # The archive as it is now (the interrupted changes completed).
        findings = check(data).findings
        if interrupted:
            left = sum(1 for f in findings if f.kind == "interrupted")
            if left:
                # A file the change needs reads as damaged (reported below).
                done.append(f"could not complete {left} interrupted change(s): a file of the article is damaged")
            else:
                done.append("completed the interrupted changes")
        derived = any(f.kind == "derived" for f in findings)
        for f in findings:
            if f.kind in ("row", "no_row") and f.article_id:
                if archive.rebuild_index_row(f.article_id):
                    done.append(f"wrote the index row of {f.article_id} again")
            elif f.kind == "dangling" and f.article_id:
                archive.remove_index_row(f.article_id)
                done.append(f"removed the row of missing article {f.article_id}")
            elif f.kind == "anchor" and f.article_id:
                placed, orphaned = archive.reanchor_annotations(f.article_id)
                done.append(f"placed {placed} annotation(s) of {f.article_id} again ({orphaned} orphaned)")
        if derived:
            for aid in _article_ids(root):
                archive.rebuild_index_row(aid)
            done.append("rebuilt the index and site files from the article files")
        with archive.transaction():
            for name in os.listdir(root / "tmp"):
                try:
                    os.unlink(root / "tmp" / name)
                    done.append(f"removed {root / 'tmp' / name}")
                except OSError:
                    pass
    finally:
        archive.close()
    if any(f.kind == "partial" for f in report.findings):
        backup.rotate(data, keep=len(backup.list_backups(data)))  # removes only the half-made ones
        done.append("removed half-made backups")
    return done, check(data)


def _article_ids(root: Path) -> list[str]:
    return sorted(p.stem for p in (root / "articles").glob("*/*.json") if _is_id(p.stem))

"""Backups of the archive: snapshots of its files, a few kept.

The store never changes a file in place: every write puts a new file where the
old one was (`os.replace`). So a snapshot can share the files' data: a hard
link per file, no copying, no space taken until the archive moves on. Article
bodies, fetched pages and site keys are linked this way: they are the bulk of
the archive (and site keys can be derived again).

What only the user made — the notes files and meta.json (tags, folding rules,
settings) — is copied instead, and so is the index (16 files): a linked file
shares its data with the archive, so a program that damaged it in place (an
editor, a disk error) would damage the backup too. Notes files are small and
exist only for annotated articles.
(Where hard links are not possible — another file system, say — everything is
copied.)

Snapshots live in ``<data dir>/backups/<YYYYmmdd-HHMMSS>[-label]/`` (folders
0700). One is taken before the first change of a session, at most once a day
(`snapshot_if_due`), and before a restore; the newest `KEEP` are kept. None is
taken by the day while a file of the archive's lists or of the user's own reads
as damaged, so the older snapshots, which may hold a good copy, stay.
"""

from __future__ import annotations

import errno
import os
import secrets
import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from reader.core.files import make_private_dirs

if TYPE_CHECKING:
    from reader.core.store import Archive

BACKUP_DIR = "backups"
#: Snapshots kept (the newest).
KEEP = 5
#: Seconds between automatic snapshots.
INTERVAL = 24 * 3600
_PARTIAL = ".partial-"
#: Files of the archive folder that are not part of a snapshot.
_SKIP_DIRS = {"tmp"}
_SKIP_FILES = {".lock"}
#: Copied, not linked (see above).
_COPY_DIRS = {"notes", "index"}
_COPY_FILES = {"meta.json"}


class BackupError(Exception):
    """A backup cannot be listed, made or restored; the message says why."""


@dataclass(frozen=True, slots=True)
class Backup:
    name: str
    path: Path
    created: float  # seconds since the epoch
    #: Orders snapshots made within the same second (the folder's mtime is set
    #: as the snapshot is completed).
    order: int = 0

    @property
    def created_iso(self) -> str:
        return time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(self.created))

    def article_count(self) -> int:
        folder = self.path / "articles"
        try:
            return sum(1 for _ in folder.glob("*/*.json"))
        except OSError:
            return 0


def backups_dir(data_dir: str | os.PathLike[str]) -> Path:
    return Path(data_dir) / BACKUP_DIR


def list_backups(data_dir: str | os.PathLike[str]) -> list[Backup]:
    """Complete snapshots, newest first."""
    folder = backups_dir(data_dir)
    try:
        entries = list(os.scandir(folder))
    except FileNotFoundError:
        return []
    except OSError as err:
        raise BackupError(f"{folder}: cannot read ({err.strerror})") from None
    found = []
    for e in entries:
        if e.name.startswith(".") or not e.is_dir(follow_symlinks=False):
            continue
        try:
            st = e.stat(follow_symlinks=False)
        except OSError:
            continue
        created = _parse_name(e.name)
        found.append(Backup(e.name, Path(e.path), st.st_mtime if created is None else created, st.st_mtime_ns))
    found.sort(key=lambda b: (b.created, b.order, b.name), reverse=True)
    return found


def _parse_name(name: str) -> float | None:
    stamp = name[:15]
    try:
        t = time.strptime(stamp, "%Y%m%d-%H%M%S")
    except ValueError:
        return None
    import calendar

    return float(calendar.timegm(t))


def find_backup(data_dir: str | os.PathLike[str], name: str) -> Backup:
    """A snapshot by name, by unique prefix, or "latest"."""
    backups = list_backups(data_dir)
    if not backups:
        raise BackupError(f"no backups in {backups_dir(data_dir)}")
    if name == "latest":
        return backups[0]
    exact = [b for b in backups if b.name == name]
    if exact:
        return exact[0]
    hits = [b for b in backups if b.name.startswith(name)]
    if len(hits) == 1:
        return hits[0]
    if not hits:
        raise BackupError(f"no backup {name!r}; `reader doctor --restore` lists them")
    raise BackupError(f"{name!r} names {len(hits)} backups; give more of the name")


def _archive_files(root: Path) -> Iterator[Path]:
    """Every file of the archive a snapshot holds, relative to `root`."""
    for dirpath, dirnames, filenames in os.walk(root):
        rel_dir = Path(dirpath).relative_to(root)
        if rel_dir == Path("."):
            dirnames[:] = [d for d in dirnames if d not in _SKIP_DIRS]
        dirnames.sort()
        for name in sorted(filenames):
            if rel_dir == Path(".") and name in _SKIP_FILES:
                continue
            yield rel_dir / name


def _copied(rel: Path) -> bool:
    return rel.parts[0] in _COPY_DIRS if len(rel.parts) > 1 else rel.name in _COPY_FILES


def _copy(src: Path, dst: Path) -> None:
    fd = os.open(dst, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.fchmod(fd, 0o600)  # whatever the umask
        with open(src, "rb") as f:
            view = memoryview(f.read())
        while view:
            view = view[os.write(fd, view) :]
    finally:
        os.close(fd)


def _link_or_copy(src: Path, dst: Path, *, copy: bool = False) -> None:
    if copy:
        _copy(src, dst)
        return
    try:
        os.link(src, dst)
    except OSError as err:
        if err.errno not in (errno.EXDEV, errno.EPERM, errno.EMLINK, errno.ENOTSUP, errno.EACCES):
            raise
        _copy(src, dst)


_mkdir = make_private_dirs


def snapshot(root: Path, data_dir: str | os.PathLike[str], *, label: str = "", check: bool = False) -> Path:
    """Snapshot the archive folder `root` (the caller holds the archive's
    lock); returns the new backup's folder. With `check`, every file copied
    (the user's own, see above) must read as an archive file, or no snapshot
    is made (`store.ArchiveCorrupt` names the file)."""
    if check:
        from reader.core.store import read_archive_file
    folder = backups_dir(data_dir)
    _mkdir(folder)
    os.chmod(folder, 0o700)
    base = time.strftime("%Y%m%d-%H%M%S", time.gmtime()) + (f"-{label}" if label else "")
    name, n = base, 1
    while (folder / name).exists():
        n += 1
        name = f"{base}-{n}"
    partial = folder / f"{_PARTIAL}{name}-{secrets.token_hex(3)}"
    _mkdir(partial)
    try:
        for rel in _archive_files(root):
            dst = partial / rel
            if not dst.parent.exists():
                _mkdir(dst.parent)
            copied = _copied(rel)
            try:
                _link_or_copy(root / rel, dst, copy=copied)
            except FileNotFoundError:
                continue  # removed while we walked (a delete finishing)
            if check and copied:
                read_archive_file(dst)
        os.rename(partial, folder / name)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    _fsync_dir(folder)
    return folder / name


def _same_file(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def rotate(data_dir: str | os.PathLike[str], *, keep: int = KEEP, protect: set[str] = frozenset()) -> list[str]:  # type: ignore[assignment]
    """Remove all but the newest `keep` snapshots (never those in `protect`),
    and snapshots a crash left half made; returns the names removed."""
    folder = backups_dir(data_dir)
    removed = []
    try:
        for e in os.scandir(folder):
            if e.name.startswith(_PARTIAL):
                shutil.rmtree(e.path, ignore_errors=True)
    except OSError:
        return removed
    for b in list_backups(data_dir)[keep:]:
        if b.name in protect:
            continue
        shutil.rmtree(b.path, ignore_errors=True)
        removed.append(b.name)
    return removed


def snapshot_if_due(archive: Archive, *, interval: float = INTERVAL) -> Path | None:
    """Called by the store, under its lock, before a session's first change:
    a snapshot if the newest is older than `interval`, the archive holds
    articles, and its list files and the files only the user made (notes,
    tags, rules) read cleanly. A damaged archive is never rotated in over
    good backups: one damaged file of notes, copied into each day's
    snapshot, would push the last good copy of it out in `KEEP` days."""
    backups = list_backups(archive.data_dir)
    if backups and time.time() - backups[0].created < interval:
        return None
    from reader.core.store import holds_articles

    if not holds_articles(archive.root):
        return None
    archive.articles()  # raises ArchiveCorrupt on a damaged list file
    path = snapshot(archive.root, archive.data_dir, check=True)
    rotate(archive.data_dir, protect={path.name})
    return path


def restore(data_dir: str | os.PathLike[str], name: str, *, timeout: float = 10.0) -> tuple[Backup, Path]:
    """Put the archive back as snapshot `name` was. The archive as it is now
    is first snapshotted itself ("before-restore"), so a restore can be undone.
    Returns (the backup restored, the new before-restore snapshot)."""
    from reader.core.store import acquire_lock, release_lock, write_lock_state

    data = Path(data_dir)
    root = data / "archive"
    chosen = find_backup(data, name)
    _mkdir(root)
    _mkdir(root / "tmp")
    fd = acquire_lock(root, timeout)
    try:
        before = snapshot(root, data, label="before-restore")
        wanted = set(_archive_files(chosen.path))
        for rel in sorted(wanted):
            src, dst = chosen.path / rel, root / rel
            if _same_file(src, dst):
                continue  # unchanged since the snapshot (a hard link to it)
            _mkdir(dst.parent)
            tmp = root / "tmp" / f"restore-{secrets.token_hex(6)}"
            _link_or_copy(src, tmp, copy=_copied(rel))
            os.replace(tmp, dst)
        for rel in list(_archive_files(root)):
            if rel not in wanted:
                try:
                    os.unlink(root / rel)
                except FileNotFoundError:
                    pass
        for d in {(root / rel).parent for rel in wanted} | {root}:
            _fsync_dir(d)
        # Whatever a crashed writer had begun belongs to the archive replaced.
        write_lock_state(fd, {"gen": secrets.token_hex(8), "dirty": {}})
    finally:
        release_lock(fd)
    rotate(data, protect={chosen.name, before.name})
    return chosen, before

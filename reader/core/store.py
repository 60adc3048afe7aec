"""The archive on disk: the only module that touches TinyDB.

Layout (under ``<data dir>/archive``), every file a TinyDB database::

    meta.json               schema version, the user's tags, folding rules
    index/<00-ff>.json      one row per article: what the archive list shows
    articles/<ab>/<id>.json the article's blocks, and its earlier versions
    notes/<ab>/<id>.json    the article's annotations and its own note
    raw/<ab>/<id>.json      the page as fetched, for an article fetched from the web
    sites/<hash>.json       each article's block keys, per site (repetition)
    tmp/                    files being written
    .lock                   held while writing

So a save rewrites one small notes file and one index shard, never the whole
archive, and drawing the list reads no article body.

Every write goes to a temporary file that is flushed and fsynced, then
``os.replace``d over the old one, and the folder is fsynced: a crash leaves the
old file or the new one, never a mix. Writers take an exclusive lock on
``.lock``; a second process waits for it briefly, and re-reads any file
another process replaced before changing it, so no write is lost. A file that
cannot be read is reported and never overwritten.
"""

from __future__ import annotations

import copy
import errno
import gc
import hashlib
import os
import secrets
import threading
import time
import unicodedata
from collections import Counter, OrderedDict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
from tinydb import TinyDB
from tinydb.storages import Storage
from tinydb.table import Document, Table

from reader.core.files import make_private_dirs, sync_dir
from reader.core.models import BLOCK_SEPARATOR, Annotation, Article, ArticleInfo, Block, row_list
from reader.core.sanitize import clean_line, clean_text
from reader.core.tags import BUILTIN, MAX_TAG, TAG_FORM, normalise_tag

def _anchor():  # noqa: ANN202 - the anchoring module, imported when first needed
    from reader.core import anchor

    return anchor


def block_key(text: str) -> str:
    from reader.core.fold import block_key as key

    return key(text)


def block_keys(blocks: list[Block]) -> list[str]:
    from reader.core.fold import block_keys as keys

    return keys(blocks)


SCHEMA_VERSION = 1
#: Index files, by the first two hex digits of the article id: at 10,000
#: articles a save rewrites about 40 rows, not 600.
INDEX_SHARDS = 256


def compact_row(row: dict[str, Any]) -> dict[str, Any]:
    """An index row as stored: lists as space-separated strings, and no empty
    values (readers default them). Every list or empty value in 10,000 rows
    costs the archive's start a few milliseconds of parsing."""
    out: dict[str, Any] = {}
    for key, value in row.items():
        if isinstance(value, (list, tuple)):
            value = " ".join(str(v) for v in value)
        if value is None or value == "" or (value == 0 and not isinstance(value, bool) and key != "id"):
            continue
        out[key] = value
    return out


def shard_of(article_id: str) -> int:
    """The index file an article's row lives in."""
    return int(article_id[:2], 16)


def index_path(root: str | os.PathLike[str], shard: int) -> Path:
    return Path(index_file(root, shard))


def index_file(root: str | os.PathLike[str], shard: int) -> str:
    """index_path as a string (the list opens all 256: no Path objects)."""
    return os.path.join(root, "index", f"{shard:02x}.json")


def prefix_shards(prefix: str) -> range:
    """The index files that can hold ids starting with `prefix` (hex)."""
    if len(prefix) >= 2:
        return range(shard_of(prefix), shard_of(prefix) + 1)
    return range(int(prefix, 16) * 16, int(prefix, 16) * 16 + 16)
LOCK_TIMEOUT = 10.0
ARTICLE_ID_LEN = 12
ANNOTATION_ID_LEN = 10
#: Other files remembered as holding an article (the oldest go first).
_MAX_COPIES = 20
#: Earlier texts of an article kept in its file (the oldest go first).
MAX_VERSIONS = 20

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]


class StoreError(Exception):
    """A problem with the archive, said in one line a user can act on."""


class ArchiveBusy(StoreError):
    pass


class ArchiveCorrupt(StoreError):
    pass


class NotFound(StoreError):
    pass


class _WriteFailed(StoreError):
    """A file of the archive could not be written. `partial`: the change had
    written other files before it (so it is not true that nothing changed)."""

    def __init__(self, path: str, reason: str, *, partial: bool) -> None:
        self.where = f"{path}: cannot write ({reason})"
        self.partial = partial
        super().__init__(f"{self.where}; nothing was changed")


class Ambiguous(StoreError):
    pass


def now_iso() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


# ---------------------------------------------------------------- storage


class _Table(Table):
    """A TinyDB table that remembers nothing between calls: no query cache and
    no next document id, since another process may have changed the file."""

    def __init__(self, storage: Storage, name: str, cache_size: int = 0, persist_empty: bool = False) -> None:
        super().__init__(storage, name, cache_size=0, persist_empty=persist_empty)

    def _get_next_id(self) -> int:
        self._next_id = None
        return super()._get_next_id()


class _TinyDB(TinyDB):
    table_class = _Table


class AtomicJSONStorage(Storage):
    """TinyDB storage: JSON via orjson, atomic replace on write, and a parsed
    copy kept until the file changes on disk (checked by inode, size and
    modification time before every read; every write gives its file a
    modification time of its own, so two versions never look alike).

    `version` counts the contents this object has seen, so derived data can be
    cached against it."""

    def __init__(self, path: str, archive: Archive) -> None:
        self.path = path
        self.archive = archive
        self._stamp: tuple[int, int, int] | None = None
        self._data: dict[str, Any] | None = None
        self.looked = False
        self.version = 0
        root = archive.root_str
        folder, sep, _ = path[len(root) + 1:].partition(os.sep) if path.startswith(root + os.sep) else ("", "", "")
        self._shape = _SHAPES.get(folder) if sep else None

    def invalidate(self) -> None:
        """Forget the parsed copy: the next read goes to the disk."""
        self._stamp, self._data = None, None
        self.looked = False
        self.version += 1

    def _stat(self) -> tuple[int, int, int] | None:
        try:
            st = os.stat(self.path)
        except FileNotFoundError:
            return None
        except OSError as err:
            raise ArchiveCorrupt(f"{self.path}: cannot read ({err.strerror}); check its permissions") from None
        return (st.st_ino, st.st_size, st.st_mtime_ns)

    def changed(self) -> bool:
        return self._stat() != self._stamp

    def read(self) -> dict[str, Any] | None:
        stamp = self._stat()
        if stamp is not None and stamp == self._stamp:
            return self._data
        if stamp is None:
            if self._stamp is not None or self._data is not None:
                self.invalidate()
            self.looked = True  # no file: nothing in it
            return None
        data = read_archive_file(self.path)
        if self._shape is not None and not _has_shape(data, self._shape):
            # Valid JSON, but not what this file should hold: never write to it.
            raise _foreign(self.path)
        self._stamp, self._data = stamp, data
        self.looked = True  # `_data` is what the disk holds
        self.version += 1
        return data

    def write(self, data: dict[str, Any]) -> None:
        self.archive._require_lock(self.path)
        try:
            payload = orjson.dumps(data)
            self._stamp = self.archive._atomic_write(self.path, payload)
            self._data = data
            self.looked = True
            self.version += 1
        except BaseException:
            # TinyDB changed our cached copy before asking us to write it.
            self.invalidate()
            raise

    def close(self) -> None:
        pass


def read_archive_file(path: str | os.PathLike[str]) -> dict[str, Any]:
    """Parse one archive file: a dict of tables, each a dict of documents.
    Anything else is reported in one line naming the file; nothing is written."""
    try:
        with open(path, "rb") as f:
            raw = f.read()
    except PermissionError:
        raise ArchiveCorrupt(f"{path}: permission denied; check its owner and mode (chmod 600)") from None
    except OSError as err:
        raise ArchiveCorrupt(f"{path}: cannot read ({err.strerror}); run `reader doctor`") from None
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError:
        what = "empty" if not raw.strip() else "not valid JSON"
        raise ArchiveCorrupt(
            f"{path} is damaged ({what}); run `reader doctor --repair` to repair it or restore a backup"
        ) from None
    if not isinstance(data, dict) or not all(
        isinstance(table, dict) and all(isinstance(doc, dict) for doc in table.values())
        for table in data.values()
    ):
        raise ArchiveCorrupt(f"{path} is not a reader archive file; move it away or run `reader doctor`")
    return data


#: The table of meta.json that keeps the user's tag renames ([old, new], in order).
_TAG_RENAMES = "tag_renames"
#: The keys of tag renames in the lock file's record of changes begun
#: (beside article ids: see `Archive._intend`) start so; each rename has its
#: own ("tag_rename:" and the time it began), so one left unfinished is not
#: replaced by the next.
_RENAMING = "tag_rename"
#: The table of meta.json that names, by address, the article each entry
#: joined when its page was one already here (see `Archive.fill_pending`).
_MERGED_URLS = "merged_urls"

#: How many deleted annotations an article's notes file remembers (so that
#: importing the same highlights again does not bring them back).
MAX_DELETED_REMEMBERED = 2000
#: The table of meta.json that keeps the addresses (`url_key`) of the articles
#: deleted, the most recent MAX_DELETED_ARTICLES: an export imported again
#: does not bring them back.
_DELETED_URLS = "deleted_urls"
MAX_DELETED_ARTICLES = 10_000

# What the documents of each kind of file must hold (by folder; tables not
# named here are not checked).
_SHAPES: dict[str, dict[str, tuple[str, ...]]] = {
    "index": {"articles": ("id",)},
    "articles": {"body": ("id", "blocks"), "versions": ("blocks",)},
    "notes": {"annotations": ("id", "article_id")},
    "sites": {"articles": ("id",)},
}


def _has_shape(data: dict[str, Any], shape: dict[str, tuple[str, ...]]) -> bool:
    for table, keys in shape.items():
        for doc in (data.get(table) or {}).values():
            for key in keys:
                value = doc.get(key)
                if value is None or not isinstance(value, list if key == "blocks" else str):
                    return False
    return True


def _foreign(path: str | os.PathLike[str]) -> ArchiveCorrupt:
    return ArchiveCorrupt(f"{path} does not hold what a reader archive file should; run `reader doctor`")


# ---------------------------------------------------------------- locking


def acquire_lock(root: str | os.PathLike[str], timeout: float) -> int:
    """Take the archive's write lock (flock on <root>/.lock); returns the open
    descriptor, to give to `release_lock`. Waits up to `timeout` seconds, then
    raises ArchiveBusy."""
    path = os.path.join(root, ".lock")
    try:
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o600)
            os.fchmod(fd, 0o600)  # a new lock file: 0600 whatever the umask
        except FileExistsError:
            fd = os.open(path, os.O_RDWR)
    except PermissionError:
        raise StoreError(f"{path}: permission denied; check the archive's owner and mode") from None
    except OSError as err:
        raise StoreError(f"{path}: cannot open ({err.strerror})") from None
    deadline = time.monotonic() + timeout
    try:
        while True:
            try:
                if fcntl is not None:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return fd
            except OSError as err:
                if err.errno not in (errno.EAGAIN, errno.EACCES, errno.EWOULDBLOCK):
                    raise
                if time.monotonic() >= deadline:
                    raise ArchiveBusy(
                        f"{root}: another reader process is writing to this archive; try again in a moment"
                    ) from None
                time.sleep(0.01)
    except BaseException:
        os.close(fd)
        raise


def release_lock(fd: int) -> None:
    try:
        if fcntl is not None:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def read_lock_state(fd: int) -> dict[str, Any]:
    """The lock file's contents: ``gen`` (changes with every change to the
    archive) and ``dirty`` (article id -> the change a writer had begun and
    not finished: a crash in the middle; the next writer completes it)."""
    try:
        size = os.fstat(fd).st_size
        raw = os.pread(fd, max(4096, size), 0)
    except OSError:
        return {}
    line = raw.split(b"\n", 1)[0]
    if not line.strip():
        return {}
    try:
        state = orjson.loads(line)
    except orjson.JSONDecodeError:
        return {"gen": hashlib.blake2b(line, digest_size=8).hexdigest()}
    return state if isinstance(state, dict) else {}


def write_lock_state(fd: int, state: dict[str, Any], *, durable: bool = False) -> None:
    """Write the lock file's record; `durable` flushes it to the disk (a
    record of changes begun must survive a power cut as the files do)."""
    line = orjson.dumps(state) + b"\n"
    os.pwrite(fd, line, 0)
    os.ftruncate(fd, len(line))
    if durable:
        if hasattr(os, "fdatasync"):
            os.fdatasync(fd)
        else:
            os.fsync(fd)


def lock_generation(root: str | os.PathLike[str]) -> str:
    """The archive's change counter, read without taking the lock."""
    try:
        fd = os.open(os.path.join(root, ".lock"), os.O_RDONLY)
    except OSError:
        return ""
    try:
        return str(read_lock_state(fd).get("gen") or "")
    finally:
        os.close(fd)


# ---------------------------------------------------------------- archive


@dataclass(frozen=True, slots=True)
class SaveResult:
    id: str
    status: str  # "added", "duplicate", "updated"
    article: Article
    orphaned: int = 0
    reanchored: int = 0
    #: Of the annotations re-anchored, those on text that now reads differently.
    changed: int = 0
    #: ...and those on the same words, among other words than before.
    elsewhere: int = 0


def _place(ann: Annotation, text: str, start: int, end: int) -> bool:
    """Put `ann` on [start, end) of `text`, found again there: new selectors,
    no longer an orphan; when the text there reads differently from what it
    was made on, `was` keeps that (the first such text, until the article
    reads so again). True when its text changed with this move and now
    reads differently from what it was made on."""
    q = _anchor().quote_at(text, start, end)
    # Only the words count: paragraphs joined or split under a quote change
    # its spacing, not what it reads; nor do accents composed since.
    nfc = unicodedata.normalize
    moved_text = nfc("NFC", q.exact).split() != nfc("NFC", ann.exact).split()
    if moved_text and not ann.was:
        ann.was = ann.exact
    elif nfc("NFC", q.exact).split() == nfc("NFC", ann.was).split():
        ann.was = ""
    ann.start, ann.end, ann.exact, ann.prefix, ann.suffix = start, end, q.exact, q.prefix, q.suffix
    ann.orphaned = False
    return moved_text and bool(ann.was)


@dataclass(slots=True)
class _ShardMaps:
    """Lookups over one index shard, rebuilt when the shard changes."""

    by_hash: dict[str, str]
    by_url: dict[str, str]
    by_source: dict[str, str]
    annotations: dict[str, str]  # annotation id -> article id
    tags: dict[str, None]  # tags in use, in order of appearance
    #: Other files found to hold an article (see Archive._add_copy).
    by_copy: dict[str, str]
    #: The file an article with an address was read from (`reader add FILE
    #: --url`): None where two such articles came from one file.
    by_source_url: dict[str, str | None]


@dataclass(frozen=True, slots=True)
class OrphanContext:
    """What a review screen shows of an orphaned annotation: its quote as it
    stood in the earlier text (with the text around it, when that version is
    kept), and the likeliest places for it in the current text."""

    annotation: Annotation
    before: str
    after: str
    #: Which of `Archive.versions()` the quote was found in (None: not found).
    version: int | None
    replaced: str
    suggestions: list[Any]  # anchor.Match


@dataclass(frozen=True, slots=True)
class FoldRule:
    id: str
    site: str
    key: str
    action: str  # "fold" or "show"
    text: str
    created: str


def holds_articles(root: Path) -> bool:
    """Whether the archive at `root` has any article file."""
    try:
        with os.scandir(root / "articles") as shards:
            for shard in shards:
                if shard.is_dir(follow_symlinks=False) and any(True for _ in os.scandir(shard.path)):
                    return True
    except OSError:
        return False
    return False


class Archive:
    """An open archive. Reading needs no lock; every change takes it."""

    def __init__(
        self, data_dir: str | os.PathLike[str], *, lock_timeout: float = LOCK_TIMEOUT, backups: bool = True,
        new_meta: bool = False,
    ) -> None:
        """`new_meta`: start an empty meta.json even when the archive holds
        articles (`reader doctor --repair`, when no backup holds one)."""
        self.data_dir = Path(data_dir)
        self._new_meta = new_meta
        self.root = self.data_dir / "archive"
        self.root_str = str(self.root)
        self.lock_timeout = lock_timeout
        #: Take a backup (at most one a day) before this session's first change.
        self.backups = backups
        self._backup_checked = False
        #: Why the last automatic backup failed, if it did.
        self.backup_error: str | None = None
        self._lock_fd: int | None = None
        self._lock_depth = 0
        self._thread_lock = threading.RLock()
        self._dbs: OrderedDict[str, TinyDB] = OrderedDict()
        self._pinned: dict[str, TinyDB] = {}
        self._index_dbs: list[TinyDB | None] = [None] * INDEX_SHARDS
        self._rows: dict[int, tuple[Any, list[ArticleInfo]]] = {}
        self._maps: dict[int, tuple[Any, _ShardMaps]] = {}
        # changed_since's token when every index file was last looked at.
        self._owners_token: str | None = None
        self._txn_gen = ""
        # The transaction in progress: what it has begun (see `_intend`), and
        # whether it wrote anything; of what it found begun, what it could not
        # complete (kept in the record until a later transaction does); and
        # the changes it began itself.
        self._dirty: dict[str, dict[str, Any]] = {}
        self._wrote = False
        self._carried: dict[str, dict[str, Any]] = {}
        self._own: set[str] = set()
        self._last_mtime = 0
        # Generations of the lock file this process moved from and to, so
        # `changed_since` can tell its own changes from another process's.
        self._own_gens: OrderedDict[str, str] = OrderedDict()
        self._open()

    # -- opening ---------------------------------------------------------

    def _open(self) -> None:
        for d in (self.data_dir, self.root, *(self.root / n for n in ("tmp", "index", "articles", "notes", "sites"))):
            try:
                if d == self.data_dir:
                    d.parent.mkdir(parents=True, exist_ok=True)  # folders above ours are not ours
                make_private_dirs(d)
            except PermissionError:
                raise StoreError(f"{d}: permission denied; choose another --data-dir") from None
            except OSError as err:
                raise StoreError(f"{d}: cannot create ({err.strerror})") from None
        if not os.access(self.root, os.R_OK | os.W_OK | os.X_OK):
            raise StoreError(f"{self.root}: permission denied; check its owner and mode (chmod 700)")
        meta = self._meta_db()
        data = meta.storage.read()
        schema = meta.table("schema", cache_size=0).get(doc_id=1)
        if schema is None:
            if data:
                # Tables but no schema: some other program's TinyDB file.
                raise ArchiveCorrupt(
                    f"{self.root / 'meta.json'} is not a reader archive file (no schema version); "
                    "move it away or run `reader doctor`"
                )
            if not self._new_meta and holds_articles(self.root):
                # Gone while the archive holds articles: the tags, fold rules
                # and settings were in it. Not started afresh behind the
                # user's back: a backup may hold it.
                raise ArchiveCorrupt(
                    f"{self.root / 'meta.json'} is missing (it held your tags, fold rules and settings); "
                    "`reader doctor --repair` puts it back from a backup"
                )
            with self.transaction():
                if meta.table("schema", cache_size=0).get(doc_id=1) is None:
                    meta.table("schema", cache_size=0).insert(
                        Document({"version": SCHEMA_VERSION, "created": now_iso(), "tag_form": TAG_FORM},
                                 doc_id=1)
                    )
        else:
            version = schema.get("version")
            if not isinstance(version, int) or isinstance(version, bool) or version < 1:
                raise ArchiveCorrupt(
                    f"{self.root / 'meta.json'}: schema version {version!r} is not one reader wrote; "
                    "run `reader doctor`"
                )
            if version > SCHEMA_VERSION:
                raise StoreError(
                    f"{self.root / 'meta.json'}: archive schema version {version} is newer than this "
                    f"reader understands ({SCHEMA_VERSION}); upgrade reader"
                )
        self._finish_interrupted()
        self._clean_tmp()
        self._move_index_rows()
        self._normalise_stored_tags()

    def _move_index_rows(self) -> None:
        """Archives written when the index had 16 files (index/<0-f>.json) get
        their rows moved to the 256 files of today. Every new file is written
        before any old one goes, so a crash halfway only means doing it again."""
        old = sorted(p for p in (self.root / "index").glob("?.json"))
        if not old:
            return
        with self.transaction():
            moved: dict[int, dict[str, Any]] = {}
            for path in old:
                tables = read_archive_file(path)
                for doc_id, row in ((tables or {}).get("articles") or {}).items():
                    if isinstance(row, dict) and isinstance(row.get("id"), str):
                        moved.setdefault(shard_of(row["id"]), {})[doc_id] = row
            for shard, rows in moved.items():
                table = self._index_db(shard).table("articles", cache_size=0)
                merged = {str(d.doc_id): dict(d) for d in table.all()}
                merged.update(rows)
                table.truncate()
                table.insert_multiple(Document(row, doc_id=int(doc_id)) for doc_id, row in merged.items())
            for path in old:
                path.unlink()
            sync_dir(self.root / "index")
            self._rows.clear()
            self._maps.clear()

    def _finish_interrupted(self) -> None:
        """Complete a change a killed process had begun (see `_intend`)."""
        try:
            fd = os.open(self.root / ".lock", os.O_RDONLY)
        except OSError:
            return
        try:
            dirty = read_lock_state(fd).get("dirty")
        finally:
            os.close(fd)
        if dirty:
            try:
                with self.transaction(timeout=min(self.lock_timeout, 2.0)):
                    pass  # taking the lock repairs
            except ArchiveBusy:
                pass  # the writer holding it repairs

    def _clean_tmp(self) -> None:
        """Remove temporary files a crashed writer left (never one being written)."""
        tmp = self.root / "tmp"
        try:
            leftovers = os.listdir(tmp)
        except OSError:
            return
        if not leftovers:
            return
        try:
            with self.transaction(timeout=0):
                for name in os.listdir(tmp):
                    try:
                        os.unlink(tmp / name)
                    except OSError:
                        pass
        except ArchiveBusy:
            pass  # another process is writing; it cleans up next time

    def close(self) -> None:
        self._dbs.clear()
        self._pinned.clear()
        self._index_dbs = [None] * INDEX_SHARDS
        self._rows.clear()
        self._maps.clear()
        if self._lock_fd is not None:
            release_lock(self._lock_fd)
            self._lock_fd = None
            self._lock_depth = 0

    def __enter__(self) -> Archive:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- locking and writing ----------------------------------------------

    @contextmanager
    def transaction(self, timeout: float | None = None) -> Iterator[None]:
        """Hold the archive's write lock (re-entrant within this process, and
        safe to use from several threads: they take turns).

        On entry, a change a killed process left half done is completed; on
        exit, the lock file's generation moves on if anything was written.
        A file that cannot be written after others of the change were is said
        so: the change is completed then and there, or it stays recorded and
        the next writer that can completes it.
        """
        wait = self.lock_timeout if timeout is None else timeout
        got = self._thread_lock.acquire(timeout=wait) if wait > 0 else self._thread_lock.acquire(blocking=False)
        if not got:
            raise ArchiveBusy(f"{self.root}: this archive is busy with another change; try again in a moment")
        try:
            if self._lock_depth:
                self._lock_depth += 1
                try:
                    yield
                finally:
                    self._lock_depth -= 1
                return
            fd = acquire_lock(self.root, wait)
            self._lock_fd, self._lock_depth = fd, 1
            self._dirty, self._wrote, self._carried, self._own = {}, False, {}, set()
            ok = False
            failed: _WriteFailed | None = None
            try:
                gen_before = self._txn_gen = self._begin(fd)
                # What the change itself writes and begins, from here.
                self._wrote, self._own = False, set()
                yield
                ok = True
            except _WriteFailed as err:
                if not err.partial:
                    raise
                failed = err
            finally:
                own = self._own
                try:
                    left = self._end(fd, ok, gen_before if ok else None) or {}
                finally:
                    self._lock_depth = 0
                    self._lock_fd = None
                    release_lock(fd)
            if failed is not None:
                if own & set(left):
                    raise StoreError(
                        f"{failed.where}; the change is half made: reader completes it at the next "
                        "command that can write there (`reader doctor` shows it meanwhile)"
                    )
                raise StoreError(f"{failed.where}; the change stopped part way (what it wrote is kept): "
                                 "try it again")
        finally:
            self._thread_lock.release()

    def _begin(self, fd: int) -> str:
        state = read_lock_state(fd)
        dirty = state.get("dirty")
        if isinstance(dirty, dict) and dirty:
            # Kept in the record while it is completed (with what completing
            # it begins), then what could not be: this transaction carries it.
            self._dirty = {k: v for k, v in dirty.items() if isinstance(v, dict)}
            left = self._repair_entries(dirty)
            write_lock_state(fd, {"gen": secrets.token_hex(8), "dirty": left}, durable=True)
            state = read_lock_state(fd)
            self._dirty, self._carried = dict(left), dict(left)
        if self.backups and not self._backup_checked:
            self._backup_checked = self._backup_if_due()
        return str(state.get("gen") or "")

    def _end(self, fd: int, ok: bool, gen_before: str | None) -> dict[str, Any]:
        """Close the transaction's record; returns the changes left unfinished
        (still recorded)."""
        left: dict[str, Any] = {}
        if not ok:
            # An error in the middle: TinyDB may have changed cached copies it
            # never wrote, and the files may be half changed. Forget the
            # copies, then complete what was begun from what is on disk.
            self._invalidate_all()
            if self._dirty:
                left = self._repair_entries(self._dirty)
        else:
            # What the start of the transaction could not complete stays
            # recorded for the next one (as this one may have changed it).
            left = {k: self._dirty[k] for k in self._carried if k in self._dirty}
        if self._wrote or self._dirty or left:
            gen = secrets.token_hex(8)
            try:
                write_lock_state(fd, {"gen": gen, "dirty": left}, durable=bool(left))
            except OSError:
                left = {}
            else:
                if gen_before is not None and not left:
                    self._own_gens[gen_before] = gen
                    while len(self._own_gens) > 256:
                        self._own_gens.popitem(last=False)
        self._dirty, self._wrote, self._carried, self._own = {}, False, {}, set()
        return left

    def _intend(self, article_id: str, op: str, **extra: Any) -> None:
        """Record, before touching any file, that this transaction changes
        `article_id` ("save", "update", "notes" or "delete"), or renames a tag
        (`_RENAMING`, "rename"). A process killed in the middle leaves the
        record in the lock file, and the next writer completes the change from
        the files (see `_repair_entries`)."""
        if self._lock_fd is None:
            raise RuntimeError("_intend outside a transaction")
        rank = {"notes": 0, "rename": 0, "save": 1, "update": 2, "delete": 3}
        entry = {"op": op, **{k: v for k, v in extra.items() if v is not None}}
        self._own.add(article_id)
        old = self._dirty.get(article_id)
        if old is not None:
            if rank.get(old.get("op"), 0) > rank[op]:
                return
            if old.get("op") == op == "update":
                entry = {**entry, **old}  # the first update knows the oldest site
        if old == entry:
            return
        self._dirty[article_id] = entry
        write_lock_state(self._lock_fd, {"gen": secrets.token_hex(8), "dirty": self._dirty}, durable=True)

    def _invalidate_all(self) -> None:
        for db in (*self._pinned.values(), *self._dbs.values()):
            db.storage.invalidate()  # type: ignore[attr-defined]
        self._rows.clear()
        self._maps.clear()

    def _require_lock(self, path: str) -> None:
        if not self._lock_depth:
            raise RuntimeError(f"write to {path} outside a transaction")

    def _atomic_write(self, path: str, payload: bytes) -> tuple[int, int, int]:
        partial, self._wrote = self._wrote, True
        try:
            return self._write_file(path, payload)
        except OSError as err:
            raise _WriteFailed(path, str(err.strerror), partial=partial) from None

    def _write_file(self, path: str, payload: bytes) -> tuple[int, int, int]:
        from reader.core.files import write_atomic

        folder = os.path.dirname(path)
        if not os.path.isdir(folder):
            make_private_dirs(folder)

        def unique_mtime(fd: int) -> None:
            # A modification time no other version of any file has: a reader
            # comparing (inode, size, mtime) then never mistakes a new version
            # for the one it holds, even when the inode is reused at once.
            stamp = max(time.time_ns(), self._last_mtime + 1)
            self._last_mtime = stamp
            os.utime(fd, ns=(stamp, stamp))

        st = write_atomic(path, payload, tmp_dir=os.path.join(self.root, "tmp"), before_sync=unique_mtime)
        return (st.st_ino, st.st_size, st.st_mtime_ns)

    # -- databases -----------------------------------------------------------

    def _db(self, path: str | Path, *, pin: bool = False) -> TinyDB:
        key = str(path)
        # (An empty TinyDB is falsy: compare with None.)
        db = self._pinned.get(key)
        if db is None:
            db = self._dbs.get(key)
        if db is not None:
            if not pin:
                self._dbs.move_to_end(key)
            return db
        db = _TinyDB(key, storage=lambda p: AtomicJSONStorage(p, self))  # type: ignore[arg-type]
        if pin:
            self._pinned[key] = db
        else:
            self._dbs[key] = db
            while len(self._dbs) > 64:
                self._dbs.popitem(last=False)
        return db

    def _meta_db(self) -> TinyDB:
        return self._db(self.root / "meta.json", pin=True)

    def _shard(self, article_id: str) -> int:
        return shard_of(article_id)

    def _index_db(self, shard: int) -> TinyDB:
        db = self._index_dbs[shard]
        if db is None:
            db = self._index_dbs[shard] = self._db(index_file(self.root_str, shard), pin=True)
        return db

    def _index_table(self, article_id: str) -> Any:
        return self._index_db(self._shard(article_id)).table("articles", cache_size=0)

    def _file(self, folder: str, article_id: str) -> str:
        """An article's file in `folder` (articles, notes, raw). A string: an
        export asks for 20,000 of them, and Path joins would cost a second."""
        return os.path.join(self.root_str, folder, article_id[:2], f"{article_id}.json")

    def _body_db(self, article_id: str) -> TinyDB:
        return self._db(self._file("articles", article_id))

    def _notes_db(self, article_id: str) -> TinyDB:
        return self._db(self._file("notes", article_id))

    def _site_db(self, site: str) -> TinyDB:
        name = hashlib.blake2b(site.encode("utf-8"), digest_size=8).hexdigest()
        return self._db(self.root / "sites" / f"{name}.json")

    @staticmethod
    def _doc_id(hex_id: str) -> int:
        return int(hex_id, 16)

    # -- the article list ------------------------------------------------------

    def articles(self) -> list[ArticleInfo]:
        """Every article's summary (no bodies read), in no particular order."""
        out: list[ArticleInfo] = []
        # Many small containers at once: the collector would walk the whole
        # heap several times over for nothing (none of them is garbage).
        collecting = gc.isenabled()
        gc.disable()
        try:
            for shard in range(INDEX_SHARDS):
                out.extend(self._shard_rows(shard))
        finally:
            if collecting:
                gc.enable()
        return out

    def _shard_rows(self, shard: int) -> list[ArticleInfo]:
        """The shard's rows (shared objects: do not change them)."""
        db = self._index_db(shard)
        storage: AtomicJSONStorage = db.storage  # type: ignore[assignment]
        data = storage.read()
        cached = self._rows.get(shard)
        if cached is not None and cached[0][0] is storage and cached[0][1] == storage.version:
            return cached[1]
        try:
            rows = [ArticleInfo.from_dict(d) for d in ((data or {}).get("articles") or {}).values()]
        except (KeyError, TypeError, ValueError, AttributeError):
            raise _foreign(storage.path) from None
        self._rows[shard] = ((storage, storage.version), rows)
        return rows

    def _shard_maps(self, shard: int, *, look: bool = True) -> _ShardMaps:
        """The shard's lookups. `look=False` trusts the copy in memory when
        there is one (for a caller that knows no other process wrote since)."""
        from reader.core.fetch import url_key

        db = self._index_db(shard)
        storage: AtomicJSONStorage = db.storage  # type: ignore[assignment]
        data = storage._data if not look and storage.looked else storage.read()
        cached = self._maps.get(shard)
        if cached is not None and cached[0][0] is storage and cached[0][1] == storage.version:
            return cached[1]
        maps = _ShardMaps({}, {}, {}, {}, {}, {}, {})
        try:
            for row in ((data or {}).get("articles") or {}).values():
                rid = str(row["id"])
                h, url, src = row.get("content_hash"), row.get("url"), row.get("source_path")
                if h:
                    maps.by_hash.setdefault(h, rid)
                if url:
                    # By what the address shares with others of the same
                    # article (`fetch.url_key`: no scheme, www., trailing slash...).
                    maps.by_url.setdefault(url_key(url), rid)
                    if src:
                        maps.by_source_url[src] = rid if maps.by_source_url.get(src, rid) == rid else None
                elif src:
                    maps.by_source.setdefault(src, rid)
                for copy_id in (row.get("copies") or "").split("\n"):
                    if copy_id:
                        maps.by_copy.setdefault(copy_id, rid)
                for aid in row_list(row.get("annotation_ids")):
                    maps.annotations[str(aid)] = rid
                for tag in row_list(row.get("annotation_tags")):
                    maps.tags[tag] = None
                for tag in row_list(row.get("tags")):  # the article's own (an export's labels)
                    maps.tags[tag] = None
        except (KeyError, TypeError, AttributeError):
            raise _foreign(storage.path) from None
        self._maps[shard] = ((storage, storage.version), maps)
        return maps

    def changed_since(self, token: Any) -> tuple[bool, Any]:
        """Whether another process changed the archive since `token`.

        Call it with None first, keep the token it returns, and ask again when
        it is time to reload (on focus, on a timer: it costs one small read):
        ``changed, token = archive.changed_since(token)``. Changes made through
        this Archive object do not count. When it says True, re-read what is
        on screen (`articles()`, `get()`, `annotations()`): only the files that
        changed are read again."""
        gen = lock_generation(self.root)
        if token is None:
            return False, gen
        return self._others_wrote(token, gen), gen

    def _others_wrote(self, token: str, gen: str) -> bool:
        """Whether a process other than this one moved the archive from
        generation `token` to `gen`."""
        t = token
        for _ in range(len(self._own_gens) + 1):
            if t == gen:
                return False
            if t not in self._own_gens:
                break
            t = self._own_gens[t]
        return True

    def info(self, article_id: str) -> ArticleInfo:
        row = self._index_table(article_id).get(doc_id=self._doc_id(article_id))
        if row is None:
            raise NotFound(f"no article {article_id}")
        try:
            return ArticleInfo.from_dict(row)
        except (KeyError, TypeError, ValueError, AttributeError):
            raise _foreign(index_path(self.root, self._shard(article_id))) from None

    def resolve(self, prefix: str) -> str:
        """The article id a unique prefix names."""
        p = prefix.strip().lower()
        if not p or any(c not in "0123456789abcdef" for c in p):
            raise NotFound(f"no article {prefix!r} (ids are hexadecimal; see `reader list`)")
        if len(p) >= ARTICLE_ID_LEN:
            if len(p) == ARTICLE_ID_LEN and self._index_table(p).contains(doc_id=self._doc_id(p)):
                return p
            raise NotFound(f"no article {prefix}")
        hits = [r.id for shard in prefix_shards(p) for r in self._shard_rows(shard) if r.id.startswith(p)]
        if not hits:
            raise NotFound(f"no article {prefix} (see `reader list`)")
        if len(hits) > 1:
            raise Ambiguous(f"{prefix} names {len(hits)} articles ({', '.join(sorted(hits)[:5])}); give more of the id")
        return hits[0]

    # -- articles ----------------------------------------------------------------

    def get(self, article_id: str) -> Article:
        doc = self._body_db(article_id).table("body", cache_size=0).get(doc_id=1)
        if doc is None:
            raise NotFound(f"no article {article_id}")
        article = self._article_from(doc, article_id)
        article.note = self._article_note(article_id)
        return article

    def _article_doc(self, article_id: str) -> dict[str, Any]:
        """What the user keeps on the article itself: its note and when it was
        marked read (the notes file: a re-import never touches it)."""
        doc = self._notes_db(article_id).table("article", cache_size=0).get(doc_id=1)
        return dict(doc) if doc else {}

    def article_note(self, article_id: str) -> str:
        """The article's own note ("" when it has none), without reading its body."""
        self.info(article_id)
        return self._article_note(article_id)

    def article_note_updated(self, article_id: str) -> str:
        """When the article's own note was last written (ISO time; "" if never)."""
        return str(self._article_doc(article_id).get("updated") or "")

    def _article_note(self, article_id: str) -> str:
        return str(self._article_doc(article_id).get("note") or "")

    def _body_path(self, article_id: str) -> Path:
        return Path(self._file("articles", article_id))

    def _notes_path(self, article_id: str) -> Path:
        return Path(self._file("notes", article_id))

    def _article_from(self, doc: dict[str, Any], article_id: str) -> Article:
        try:
            return Article.from_dict(doc)
        except (KeyError, TypeError, ValueError, AttributeError):
            raise _foreign(self._body_path(article_id)) from None

    def _current_text(self, article_id: str) -> str:
        """The article's canonical text, straight from its file (no Article built)."""
        doc = self._body_db(article_id).table("body", cache_size=0).get(doc_id=1)
        if doc is None:
            raise NotFound(f"no article {article_id}")
        try:
            return BLOCK_SEPARATOR.join(str(b.get("text", "")) for b in doc.get("blocks") or ())
        except (TypeError, AttributeError):
            raise _foreign(self._body_path(article_id)) from None

    def article_meta(self, article_id: str) -> Article:
        """The article without its body (no blocks, no text) but with its own
        note: what an export of its notes needs, read from the list row and the
        notes file only."""
        info = self.info(article_id)
        meta = Article(
            id=info.id, title=info.title, blocks=[], url=info.url, site=info.site, author=info.author,
            published=info.published, saved=info.saved, source_format=info.source_format,
            source_path=info.source_path, content_hash=info.content_hash, tags=info.tags,
        )
        meta.note = self._article_note(article_id)
        return meta

    def find_match(self, article: Article) -> tuple[ArticleInfo | None, str]:
        """An archived article this one is a copy ("duplicate") or a new version
        ("updated") of, matched by content, then by URL, then by source file.
        (Looked up in per-shard maps: no scan of the archive.)"""
        maps = [self._shard_maps(s) for s in range(INDEX_SHARDS)]
        found: str | None = None
        status = "added"
        if article.content_hash:
            found = next((m.by_hash[article.content_hash] for m in maps if article.content_hash in m.by_hash), None)
            status = "duplicate"
        if found is None and article.url:
            from reader.core.fetch import url_key

            found = self._by_url(url_key(article.url), maps)
            status = "updated"
        if found is None and article.source_path:
            # An article's own file first, then a file found to hold one.
            found = next((m.by_source[article.source_path] for m in maps if article.source_path in m.by_source), None)
            if found is None:
                found = next((m.by_copy[article.source_path] for m in maps if article.source_path in m.by_copy), None)
            if found is None and not article.url:
                # The file of an article added with its address, read again
                # without it: a new version of that article (when only one
                # such article came from the file).
                held = {m.by_source_url[article.source_path] for m in maps if article.source_path in m.by_source_url}
                found = held.pop() if len(held) == 1 else None
            status = "updated"
        if found is None:
            return None, "added"
        return self.info(found), status

    def save(self, article: Article) -> SaveResult:
        """Add an article, or recognise it: the same content is one article; a
        changed version (same URL or source file) keeps its id and annotations,
        re-anchored to the new text, and the old text is kept."""
        with self.transaction():
            existing, status = self.find_match(article)
            if status == "duplicate" and existing is not None:
                # A copy from another file: that file's later versions are
                # versions of this article too.
                if not existing.url:
                    self._add_copy(existing.id, existing.source_path, article.source_path)
                return SaveResult(existing.id, "duplicate", article)
            if status == "updated" and existing is not None:
                return self._update(existing, article)
            article.id = self._free_article_id(article.id)
            self._intend(article.id, "save")
            self._write_body(article, previous=None)
            self._write_site_keys(article)
            self._write_index_row(article, self._notes_summary(article.id))
            return SaveResult(article.id, "added", article)

    def _add_copy(self, article_id: str, source: str | None, copy: str | None) -> None:
        """Remember that the file `copy` held the article too (besides its
        `source`), so that it is found by that file again (the newest
        _MAX_COPIES files)."""
        if not copy or copy == source or "\n" in copy:
            return
        maps = (self._shard_maps(s) for s in range(INDEX_SHARDS))
        if any(m.by_source.get(copy, article_id) != article_id for m in maps):
            return  # another article's own file: it stays that article's
        row = self._index_table(article_id).get(doc_id=self._doc_id(article_id)) or {}
        copies = [c for c in (row.get("copies") or "").split("\n") if c]
        if copy in copies:
            return
        self._update_row(article_id, {"copies": "\n".join([*copies, copy][-_MAX_COPIES:])})

    def _free_article_id(self, wanted: str) -> str:
        candidate = (wanted or secrets.token_hex(ARTICLE_ID_LEN // 2))[:ARTICLE_ID_LEN].lower()
        while self._index_table(candidate).contains(doc_id=self._doc_id(candidate)):
            candidate = hashlib.sha256(candidate.encode()).hexdigest()[:ARTICLE_ID_LEN]
        return candidate

    def _update(self, existing: ArticleInfo, article: Article) -> SaveResult:
        """A changed version of an archived article: same id, the old text kept
        as a version, the annotations moved to the new text (orphans kept).

        Files change in this order: the article (new text, old one kept), its
        notes (re-anchored, marked with the text they fit), sites, index. A
        crash anywhere is completed by the next writer (`_repair`)."""
        old = self.get(existing.id)
        if old.source_path and article.source_path and old.source_path != article.source_path and not old.url:
            # Found by another file that held it: the first one still leads here.
            self._add_copy(existing.id, article.source_path, old.source_path)
        article.id = existing.id
        article.note = old.note
        if not article.url and not article.site and old.site:
            # A file read again says nothing of where it came from: it stays
            # an article of its site (`reader add --site`, a fetched page), so
            # the site's rules and repetition still apply to it.
            article.url, article.site = old.url, old.site
        article.tags = sorted(set(old.tags) | set(article.tags))
        article.saved = old.saved or article.saved
        annotations = self.annotations(existing.id)
        moved, orphaned, changed, elsewhere = self._reanchor(annotations, old.text, article.text)
        self._intend(article.id, "update", old_site=old.site, text_hash=self._text_hash(article.text))
        self._write_body(article, previous=old)
        if annotations:
            self._put_annotations(article.id, annotations, anchored_to=article.text)
        if old.site and old.site != article.site:
            self._remove_site_keys(old.site, article.id)
        self._write_site_keys(article)
        self._write_index_row(article, self._notes_summary(article.id))
        return SaveResult(article.id, "updated", article, orphaned=orphaned, reanchored=moved, changed=changed,
                          elsewhere=elsewhere)

    def _reanchor(self, annotations: list[Annotation], old_text: str | None,
                  new_text: str) -> tuple[int, int, int, int]:
        """Place each annotation on `new_text` (in place); returns (placed,
        newly orphaned, placed on text that reads differently, placed on the
        same words but among others than before: the same words another
        sentence says, maybe). An orphan keeps its old selectors, for review."""
        placed = orphaned = changed = elsewhere = 0
        if not annotations:
            return 0, 0, 0, 0
        anchor = _anchor()
        matches = anchor.reanchor(
            old_text, new_text, [anchor.Anchor(a.start, a.end, a.exact, a.prefix, a.suffix) for a in annotations]
        )
        for ann, m in zip(annotations, matches):
            if m is None:
                if not ann.orphaned:
                    ann.orphaned = True
                    orphaned += 1
                continue
            if _place(ann, new_text, m.start, m.end):
                changed += 1
            elif m.how != "position" and m.context_score < anchor.CONTEXT_THRESHOLD:
                elsewhere += 1
            placed += 1
        return placed, orphaned, changed, elsewhere

    @staticmethod
    def _text_hash(text: str) -> str:
        return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=12).hexdigest()

    def _change_file(self, db: TinyDB, change: Any) -> None:
        """Change several tables of one file in a single atomic write."""
        storage: AtomicJSONStorage = db.storage  # type: ignore[assignment]
        tables = dict(storage.read() or {})
        change(tables)
        storage.write(tables)

    def _put_annotations(self, article_id: str, anns: list[Annotation], *, anchored_to: str | None = None) -> None:
        """Store several annotations of one article in one write."""
        def change(tables: dict[str, Any]) -> None:
            table = dict(tables.get("annotations") or {})
            for a in anns:
                table[str(self._doc_id(a.id))] = a.to_dict()
            tables["annotations"] = table
            if anchored_to is not None:
                tables["anchored"] = {"1": {"text_hash": self._text_hash(anchored_to), "at": now_iso()}}

        self._change_file(self._notes_db(article_id), change)

    def _write_body(self, article: Article, previous: Article | None) -> None:
        """The article's file: its body, and (for a new version) the previous
        text appended to its versions, in one write."""
        body = article.to_dict()
        body.pop("note", None)

        def change(tables: dict[str, Any]) -> None:
            if previous is not None and previous.blocks:
                versions = dict(tables.get("versions") or {})
                old = previous.to_dict()
                old.pop("note", None)
                old["replaced"] = now_iso()
                versions[str(max((int(k) for k in versions), default=0) + 1)] = old
                for k in sorted(versions, key=int)[:-MAX_VERSIONS]:
                    del versions[k]
                tables["versions"] = versions
            tables["body"] = {"1": body}

        self._change_file(self._body_db(article.id), change)

    def versions(self, article_id: str) -> list[Article]:
        """Earlier texts of an article, oldest first (at most MAX_VERSIONS)."""
        docs = self._body_db(article_id).table("versions", cache_size=0).all()
        docs.sort(key=lambda d: d.doc_id)
        return [self._article_from(d, article_id) for d in docs]

    def _remove_site_keys(self, site: str, article_id: str) -> None:
        sites = self._site_db(site).table("articles", cache_size=0)
        if sites.contains(doc_id=self._doc_id(article_id)):
            sites.remove(doc_ids=[self._doc_id(article_id)])

    def _write_site_keys(self, article: Article) -> None:
        if not article.site:
            return
        keys = block_keys(article.blocks)
        self._site_db(article.site).table("articles", cache_size=0).upsert(
            Document({"id": article.id, "keys": keys}, doc_id=self._doc_id(article.id))
        )

    def _write_index_row(self, article: Article, summary: dict[str, Any], status: str = "ok") -> None:
        row = article.meta_dict()
        row.update(
            status=status,
            blocks=len(article.blocks),
            folded=article.folded_count,
            words=article.word_count,
        )
        row.update(summary)
        table = self._index_table(article.id)
        if table.contains(doc_id=self._doc_id(article.id)):
            # Fields that are now empty go (an upsert would keep their old value).
            self._update_row(article.id, row)
        else:
            table.insert(Document(compact_row(row), doc_id=self._doc_id(article.id)))

    def _update_row(self, article_id: str, fields: dict[str, Any]) -> None:
        """Change some of an index row's fields (an empty value removes one)."""
        stored = compact_row(fields)

        def change(doc: dict[str, Any]) -> None:
            for key in fields:
                if key in stored:
                    doc[key] = stored[key]
                else:
                    doc.pop(key, None)

        self._index_table(article_id).update(change, doc_ids=[self._doc_id(article_id)])

    def delete(self, article_id: str) -> int:
        """Remove an article with its annotations; returns how many went."""
        with self.transaction():
            info = self.info(article_id)
            count = info.annotation_count
            self._remember_deleted(article_id, info.url)
            self._intend(article_id, "delete", site=info.site)
            self._remove_article(article_id, info.site)
            return count

    def _remove_article(self, article_id: str, site: str | None) -> None:
        """Index row first (the article leaves the list), then its files."""
        self._index_table(article_id).remove(doc_ids=[self._doc_id(article_id)])
        if site:
            self._remove_site_keys(site, article_id)
        for path in (self._file(folder, article_id) for folder in ("articles", "notes", "raw")):
            db = self._dbs.pop(path, None)
            if db is not None:
                db.storage.invalidate()  # type: ignore[attr-defined]
            try:
                os.unlink(path)
            except FileNotFoundError:
                pass

    # -- completing a change a crash interrupted ------------------------------

    def _repair_entries(self, dirty: dict[str, Any]) -> dict[str, Any]:
        """Complete each interrupted change; returns those that could not be."""
        left: dict[str, Any] = {}
        for article_id, entry in list(dirty.items()):  # (completing one may record more)
            renaming = (article_id.startswith(_RENAMING) and isinstance(entry, dict)
                        and entry.get("op") == "rename")
            if not isinstance(entry, dict) or not (renaming or _is_article_id(article_id)):
                continue
            begun = set(self._dirty)
            try:
                if renaming:
                    self._repair_rename(entry)
                else:
                    self._repair(article_id, entry)
            except (StoreError, OSError, ValueError, KeyError, TypeError, AttributeError):
                left[article_id] = entry  # a damaged file: `reader doctor` reports it
                # What completing it began stays recorded with it.
                left.update({k: v for k, v in self._dirty.items() if k not in begun and k not in dirty})
        return left

    def _repair(self, article_id: str, entry: dict[str, Any]) -> None:
        """Roll an interrupted change forward from the files that hold the
        user's data (the article's body and its notes): the derived files
        (index row, site keys) are written again, a half-done re-import gets its
        annotations re-anchored, a half-done delete finishes. Safe to repeat."""
        op = entry.get("op")
        if op == "delete":
            self._remove_article(article_id, entry.get("site"))
            return
        doc = self._body_db(article_id).table("body", cache_size=0).get(doc_id=1)
        if doc is None:
            return  # the change never reached the article's file: nothing to complete
        article = self._article_from(doc, article_id)
        if op == "update":
            new_hash = self._text_hash(article.text)
            anchored = self._notes_db(article_id).table("anchored", cache_size=0).get(doc_id=1)
            landed = entry.get("text_hash") in (None, new_hash)
            if landed and (anchored or {}).get("text_hash") != new_hash:
                anns = self.annotations(article_id)
                if anns:
                    versions = self.versions(article_id)
                    self._reanchor(anns, versions[-1].text if versions else None, article.text)
                    self._put_annotations(article_id, anns, anchored_to=article.text)
            old_site = entry.get("old_site")
            if old_site and old_site != article.site:
                self._remove_site_keys(old_site, article_id)
        if op in ("save", "update"):
            self._write_site_keys(article)
            row = self._index_table(article_id).get(doc_id=self._doc_id(article_id))
            if row is not None and row.get("status") not in (None, "ok") and not article.blocks:
                self._refresh_summary(article_id)  # an entry still waiting to be fetched
            else:
                # An article always has a block; a file without one is an
                # entry waiting to be fetched (its row lost, and with it the
                # tries so far): it waits again.
                status = "ok" if article.blocks or row is not None else "pending"
                self._write_index_row(article, self._notes_summary(article_id), status)
        else:
            self._refresh_summary(article_id)

    def _repair_rename(self, entry: dict[str, Any]) -> None:
        """Finish a tag rename cut short: the marks, articles and user tags
        not renamed yet are (`_rename` is safe to repeat)."""
        src, dst, stamp = entry.get("old"), entry.get("new"), entry.get("at")
        if isinstance(src, str) and isinstance(dst, str) and src and dst and src != dst:
            self._rename(src, dst, stamp if isinstance(stamp, str) else now_iso())

    def rebuild_index_row(self, article_id: str) -> bool:
        """Write the article's index row and site keys again from its files
        (for `reader doctor`); False when it has no article file."""
        with self.transaction():
            if self._body_db(article_id).table("body", cache_size=0).get(doc_id=1) is None:
                return False
            self._repair(article_id, {"op": "save"})
            return True

    def reanchor_annotations(self, article_id: str) -> tuple[int, int]:
        """Place every annotation of the article again on its current text by
        its quote (for `reader doctor`); returns (placed, newly orphaned)."""
        with self.transaction():
            text = self._current_text(article_id)
            anns = self.annotations(article_id)
            placed, orphaned, _changed, _elsewhere = self._reanchor(anns, None, text)
            if anns:
                self._intend(article_id, "notes")
                self._put_annotations(article_id, anns, anchored_to=text)
                self._refresh_summary(article_id)
            return placed, orphaned

    def remove_index_row(self, article_id: str) -> None:
        """Drop an index row whose article file is gone (for `reader doctor`)."""
        with self.transaction():
            self._index_table(article_id).remove(doc_ids=[self._doc_id(article_id)])

    # -- backups -------------------------------------------------------------------

    def _backup_if_due(self) -> bool:
        """Before the first change of a session: a snapshot of the archive as it
        is, if the newest is a day old (a backup never stops the change).
        Whether that is settled for the session: not while the archive holds
        no article (its first articles, the samples say, are backed up before
        the session's next change, not the next session's)."""
        from reader.core import backup

        if not holds_articles(self.root):
            return False
        try:
            backup.snapshot_if_due(self)
        except (OSError, StoreError) as err:
            self.backup_error = str(err)
        return True

    def backup_if_due(self) -> None:
        """Take the day's backup now if one is due (otherwise the session's
        first change takes it): a TUI can call this from a worker at start so
        that no edit waits for it."""
        with self.transaction():
            pass  # taking the lock for the first time checks

    def backup_now(self, label: str = "") -> Path:
        """A snapshot of the archive now; returns its folder."""
        from reader.core import backup

        with self.transaction():
            path = backup.snapshot(self.root, self.data_dir, label=label)
            backup.rotate(self.data_dir, protect={path.name})
            return path

    def set_article_note(self, article_id: str, note: str) -> None:
        note = clean_text(note)
        with self.transaction():
            self.info(article_id)
            self._intend(article_id, "notes")
            table = self._notes_db(article_id).table("article", cache_size=0)
            table.upsert(Document({"note": note, "updated": now_iso()}, doc_id=1))
            self._refresh_summary(article_id)

    def add_imported_note(self, article_id: str, key: str, note: str) -> bool:
        """Join a note an import brought with no quote to the article's own
        note, once: `key` names it, and a note once joined is never joined
        again, not after the user edited or deleted it. True when it was added."""
        note = clean_text(note).strip()
        with self.transaction():
            self.info(article_id)
            doc = self._article_doc(article_id)
            joined = [k for k in doc.get("imported_notes") or [] if isinstance(k, str)]
            if key in joined:
                return False
            current = str(doc.get("note") or "")
            # A note joined before keys were kept is recognised by its text.
            added = bool(note) and note not in current.split("\n\n")
            fields: dict[str, Any] = {"imported_notes": (joined + [key])[-MAX_DELETED_REMEMBERED:]}
            if added:
                fields.update(note=f"{current}\n\n{note}" if current else note, updated=now_iso())
            self._intend(article_id, "notes")
            self._notes_db(article_id).table("article", cache_size=0).upsert(Document(fields, doc_id=1))
            if added:
                self._refresh_summary(article_id)
            return added

    def set_read(self, article_id: str, read: bool = True, *, when: str | None = None) -> None:
        """Mark the article read (at `when`, default now) or unread again."""
        stamp = (when or now_iso()) if read else ""
        with self.transaction():
            self.info(article_id)
            self._intend(article_id, "notes")
            table = self._notes_db(article_id).table("article", cache_size=0)
            table.upsert(Document({"read": stamp}, doc_id=1))
            self._update_row(article_id, {"read": stamp})

    def marked_unread(self, article_id: str) -> bool:
        """Whether the user marked the article unread (`set_read(..., False)`
        leaves its "read" empty in the notes file, where an article never
        marked read has none): an import that says it was read leaves it so."""
        doc = self._article_doc(article_id)
        return "read" in doc and not doc["read"]

    def set_article_tags(self, article_id: str, tags: list[str]) -> None:
        tags = sorted(_clean_tags(tags))
        with self.transaction():
            self.info(article_id)
            self._intend(article_id, "save")
            body = self._body_db(article_id).table("body", cache_size=0)
            body.update({"tags": tags}, doc_ids=[1])
            self._update_row(article_id, {"tags": tags})

    def add_article_tags(self, article_id: str, tags: list[str]) -> list[str]:
        """Give an article the tags of `tags` it does not have (none of its
        own is removed); returns those added, normalised, sorted."""
        wanted = set(_clean_tags(tags))
        with self.transaction():
            have = set(self.info(article_id).tags)
            if wanted - have:
                self.set_article_tags(article_id, sorted(have | wanted))
        return sorted(wanted - have)

    def record_source(self, article_id: str, *, url: str | None = None, site: str | None = None) -> list[str]:
        """Give an article the address (`url`, with its site when `site` is not
        given) and the site it lacks: `reader add FILE --url` of a file already
        here. One it has is never replaced, and an address another article has
        is not taken (an address names one article). Returns what was
        recorded: "url", "site", both or none."""
        from reader.core.ingest import site_of

        url, site = (clean_text(v).strip() if v else None for v in (url, site))
        with self.transaction():
            info = self.info(article_id)
            fields: dict[str, str] = {}
            if url and not info.url:
                other = self.find_url(url)
                if other is None or other.id == article_id:
                    fields["url"] = url
            site = site or (site_of(fields["url"]) if "url" in fields else None)
            if site and not info.site:
                fields["site"] = site
            if not fields:
                return []
            self._intend(article_id, "save")
            self._body_db(article_id).table("body", cache_size=0).update(fields, doc_ids=[1])
            self._update_row(article_id, fields)
            if "site" in fields:
                # The site's repeated blocks and fold rules now count it in.
                self._write_site_keys(self.get(article_id))
            return sorted(fields)

    # -- pending entries: known by address, not fetched yet ----------------------

    def url_index(self) -> dict[str, str]:
        """`reader.core.fetch.url_key` of each article's address -> its id;
        and of each entry's that joined an article already here when its page
        came (`fill_pending`), that article's."""
        from reader.core.fetch import url_key

        index: dict[str, str] = {}
        rows = self.articles()
        for row in rows:
            if row.url:
                index.setdefault(url_key(row.url), row.id)
        here = {row.id for row in rows}
        for key, article_id in self._merged_urls().items():
            if article_id in here:
                index.setdefault(key, article_id)
        return index

    def _merged_urls(self) -> dict[str, str]:
        """`url_key` of each entry that joined an article already here -> that article's id."""
        return dict(self._meta_db().table(_MERGED_URLS, cache_size=0).get(doc_id=1) or {})

    def _by_url(self, key: str, maps: list[_ShardMaps] | None = None) -> str | None:
        """The article saved under an address of `url_key` `key` (the shard maps')."""
        maps = maps if maps is not None else [self._shard_maps(s) for s in range(INDEX_SHARDS)]
        return next((m.by_url[key] for m in maps if key in m.by_url), None)

    def find_url(self, url: str) -> ArticleInfo | None:
        """The article saved under this address (give or take www., a trailing
        slash, http/https and tracking parameters), pending or not."""
        from reader.core.fetch import url_key

        key = url_key(url)
        article_id = self._by_url(key) or self._merged_urls().get(key)
        try:
            return self.info(article_id) if article_id else None
        except NotFound:
            return None  # an entry joined an article deleted since

    def add_pending(self, url: str, **fields: Any) -> SaveResult:
        """One entry to fetch later; see `add_pending_many`."""
        return self.add_pending_many([dict(fields, url=url)])[0]

    def add_pending_many(self, entries: list[dict[str, Any]]) -> list[SaveResult]:
        """Entries to fetch later (an export's saved links): each a dict with
        ``url`` and optionally ``title``, ``tags``, ``saved``, ``note`` (and
        ``note_key``, naming it as `add_imported_note` does), ``read``
        (when it was read, or True),
        ``author``, ``published``, ``source``. An address already in the
        archive (or earlier in `entries`) is a "duplicate" and changes nothing.
        The row's status is "pending" until `fill_pending` stores the page."""
        from reader.core.fetch import url_key

        results: list[SaveResult] = []
        with self.transaction():
            known = self.url_index()
            taken: set[str] = set()
            rows: dict[int, list[Document]] = {}
            for entry in entries:
                url = clean_text(str(entry["url"])).strip()
                key = url_key(url)
                placeholder = Article(id="", title=clean_text(str(entry.get("title") or url))[:500] or url,
                                      blocks=[], url=url)
                if key in known:
                    results.append(SaveResult(known[key], "duplicate", placeholder))
                    continue
                wanted = hashlib.sha256(url.encode("utf-8")).hexdigest()[:ARTICLE_ID_LEN]
                article_id = self._free_article_id(wanted)
                while article_id in taken:
                    article_id = hashlib.sha256(article_id.encode()).hexdigest()[:ARTICLE_ID_LEN]
                taken.add(article_id)
                known[key] = article_id
                placeholder.id = article_id
                placeholder.site = entry.get("site")
                placeholder.author = entry.get("author")
                placeholder.published = entry.get("published")
                placeholder.saved = str(entry.get("saved") or now_iso())
                placeholder.source_format = "html"
                placeholder.tags = sorted(set(_clean_tags(entry.get("tags"))))
                self._write_body(placeholder, previous=None)
                note = clean_text(str(entry.get("note") or "")).strip()
                own: dict[str, Any] = {"note": note, "updated": now_iso()} if note else {}
                if note and entry.get("note_key"):
                    own["imported_notes"] = [str(entry["note_key"])]  # see add_imported_note
                if entry.get("read"):
                    own["read"] = entry["read"] if isinstance(entry["read"], str) else now_iso()
                if own:
                    self._notes_db(article_id).table("article", cache_size=0).upsert(Document(own, doc_id=1))
                row = placeholder.meta_dict()
                row.update(status="pending", blocks=0, folded=0, words=0)
                row.update(self._notes_summary(article_id))
                row["fetch"] = {"source": str(entry.get("source") or ""), "attempts": 0, "error": "", "last": ""}
                rows.setdefault(self._shard(article_id), []).append(
                    Document(compact_row(row), doc_id=self._doc_id(article_id))
                )
                results.append(SaveResult(article_id, "added", placeholder))
            for shard, docs in rows.items():
                self._index_db(shard).table("articles", cache_size=0).insert_multiple(docs)
        return results

    def pending(self, *, failed: bool = False) -> list[ArticleInfo]:
        """Entries waiting to be fetched (and those whose fetch failed for
        good, with `failed`), oldest saved first."""
        wanted = {"pending", "failed"} if failed else {"pending"}
        return sorted((r for r in self.articles() if r.status in wanted), key=lambda r: (r.saved, r.id))

    def fetch_state(self, article_id: str) -> dict[str, Any]:
        """How fetching an entry went: source, attempts, error, last (time)."""
        row = self._index_table(article_id).get(doc_id=self._doc_id(article_id))
        if row is None:
            raise NotFound(f"no article {article_id}")
        state = {"source": "", "attempts": 0, "error": "", "last": ""}
        state.update(row.get("fetch") or {})
        return state

    def record_fetch_failure(self, article_id: str, reason: str, *, permanent: bool) -> None:
        """Note a failed fetch: the entry stays "pending" (to try again), or
        becomes "failed" when asking again cannot help (404, not HTML...)."""
        with self.transaction():
            state = self.fetch_state(article_id)
            info = self.info(article_id)
            if info.status not in ("pending", "failed"):
                return
            state.update(attempts=int(state.get("attempts") or 0) + 1, error=clean_text(reason)[:300],
                         last=now_iso())
            self._update_row(article_id, {"status": "failed" if permanent else "pending", "fetch": state})

    def fill_pending(self, article_id: str, article: Article) -> SaveResult:
        """Store the fetched page of a pending entry: the entry keeps its id,
        address, saved date, tags and note, and its annotations (an export's
        highlights kept as orphans until now) are anchored to the text. If the
        same text is already in the archive, the entry's tags, note and
        annotations join that article and the entry goes ("duplicate")."""
        with self.transaction():
            info = self.info(article_id)
            if info.status not in ("pending", "failed"):
                raise StoreError(f"{article_id} is not waiting to be fetched")
            old = self.get(article_id)
            anns = self.annotations(article_id)
            for row in self.articles():
                if row.id != article_id and row.content_hash and row.content_hash == article.content_hash:
                    target = self.get(row.id)
                    self.add_article_tags(row.id, old.tags)
                    # The entry's note joins the article's own (never replaces
                    # it, nor is dropped), once: named as the import named it,
                    # so that the same export again brings back none the user
                    # deleted since.
                    keys = [k for k in self._article_doc(article_id).get("imported_notes") or []
                            if isinstance(k, str)] or [f"entry:{article_id}"]
                    for k, key in enumerate(keys):
                        self.add_imported_note(row.id, key, old.note if k == 0 else "")
                    if info.read and not row.read and not self.marked_unread(row.id):
                        self.set_read(row.id, when=info.read)
                    if old.url:
                        # Its address now names the article it joined.
                        from reader.core.fetch import url_key

                        merged = self._merged_urls()
                        merged[url_key(old.url)] = row.id
                        self._meta_db().table(_MERGED_URLS, cache_size=0).upsert(Document(merged, doc_id=1))
                    for ann in anns:
                        self._anchor(ann, target.text)
                        ann.article_id = row.id
                        self.put_annotation(ann)
                    self.delete(article_id)
                    return SaveResult(row.id, "duplicate", target)
            article.id = article_id
            if old.title and old.title not in ("Untitled", old.url):
                # The title the entry came with (an export's, maybe edited
                # there) stays, as it does for an entry imported with its
                # text; only an address or "Untitled" gives way to the page's.
                from reader.core.fold import give_title

                give_title(article, old.title)
            article.url = old.url or article.url
            article.saved = old.saved or article.saved
            article.tags = sorted(set(old.tags) | set(article.tags))
            article.note = old.note
            article.author = article.author or old.author
            article.published = article.published or old.published
            notes = self._notes_db(article_id).table("annotations", cache_size=0)
            placed = orphaned = 0
            for ann in anns:
                if self._anchor(ann, article.text):
                    placed += 1
                else:
                    orphaned += 1
                notes.upsert(Document(ann.to_dict(), doc_id=self._doc_id(ann.id)))
            self._write_body(article, previous=None)
            self._write_site_keys(article)
            self._write_index_row(article, self._notes_summary(article_id))
            return SaveResult(article_id, "added", article, orphaned=orphaned, reanchored=placed)

    @staticmethod
    def _anchor(ann: Annotation, text: str) -> bool:
        """Place `ann` in `text` by its selectors; an orphan if it is not there."""
        span = _anchor().locate(text, ann.start, ann.end, ann.exact, ann.prefix, ann.suffix)
        if span is None:
            ann.orphaned = True
            return False
        _place(ann, text, *span)
        return True

    def _raw_db(self, article_id: str) -> TinyDB:
        return self._db(self._file("raw", article_id))

    def put_raw(self, article_id: str, html: str, meta: dict[str, Any]) -> None:
        """Keep the page as fetched beside the article (to fold it again later)."""
        with self.transaction():
            self.info(article_id)
            doc = {k: v for k, v in meta.items() if k != "html"}
            doc["html"] = html
            self._raw_db(article_id).table("raw", cache_size=0).upsert(Document(doc, doc_id=1))

    def raw(self, article_id: str) -> dict[str, Any] | None:
        """The page as fetched (``html``, ``url``, ``final_url``, ``fetched``,
        ``content_type``, ``charset``...), or None for an article not fetched."""
        if not os.path.exists(self._file("raw", article_id)):
            return None
        doc = self._raw_db(article_id).table("raw", cache_size=0).get(doc_id=1)
        return dict(doc) if doc else None

    # -- annotations -------------------------------------------------------------

    def annotations(self, article_id: str) -> list[Annotation]:
        """The article's annotations in text order (orphans last)."""
        # The parsed file's documents as they are (no TinyDB Document for each).
        data = self._notes_db(article_id).storage.read() or {}
        try:
            anns = [Annotation.from_dict(d) for d in (data.get("annotations") or {}).values()]
        except (KeyError, TypeError, ValueError, AttributeError):
            raise _foreign(self._notes_path(article_id)) from None
        anns.sort(key=lambda a: (a.orphaned, a.start, a.end, a.created))
        return anns

    def orphans(self, article_id: str) -> list[Annotation]:
        """The article's annotations that lost their place when its text changed."""
        return [a for a in self.annotations(article_id) if a.orphaned]

    def _notes_summary(self, article_id: str) -> dict[str, Any]:
        anns = self.annotations(article_id)
        doc = self._article_doc(article_id)
        note = str(doc.get("note") or "")
        tags: list[str] = []
        for a in anns:
            for t in a.tags:
                if t not in tags:
                    tags.append(t)
        texts = [note] + [a.note for a in anns if a.note]
        return {
            "note": note[:500],
            "annotation_count": len(anns),
            "annotation_tags": tags,
            "annotation_ids": [a.id for a in anns],
            "notes_text": "\n".join(t for t in texts if t)[:20_000],
            "read": str(doc.get("read") or ""),
        }

    def _refresh_summary(self, article_id: str) -> None:
        self._update_row(article_id, self._notes_summary(article_id))

    def _annotation_owner(self, ann_id: str) -> str | None:
        """The article holding annotation `ann_id` (a full id), by the index.

        Every index file is looked at on disk (a stat each: 256) only when
        another process changed the archive since this one last did; else the
        copies in memory are current, as this process's own writes keep them."""
        # In a transaction, the generation it began at (what it writes in the
        # lock file meanwhile is its own).
        gen = self._txn_gen if self._lock_depth else lock_generation(self.root)
        look = self._owners_token is None or self._others_wrote(self._owners_token, gen)
        for shard in range(INDEX_SHARDS):
            owner = self._shard_maps(shard, look=look).annotations.get(ann_id)
            if owner is not None:
                return owner
        self._owners_token = gen
        return None

    def _new_annotation_id(self, article_id: str) -> str:
        table = self._notes_db(article_id).table("annotations", cache_size=0)
        while True:
            ann_id = secrets.token_hex(ANNOTATION_ID_LEN // 2)
            if self._annotation_owner(ann_id) is None and not table.contains(doc_id=self._doc_id(ann_id)):
                return ann_id

    def add_annotation(
        self, article_id: str, start: int, end: int, *, tags: list[str] = (), note: str = "",  # type: ignore[assignment]
        text: str | None = None,
    ) -> Annotation:
        """Anchor a new annotation to [start, end) of the article's text.

        `text` is the text the caller shows (it saves reading the article
        again). If the article changed since (another process imported a new
        version), the span is placed on the current text by its quote; if the
        quote is gone from it, the annotation is kept as an orphan (with its
        quote, tags and note: nothing the user made is refused)."""
        return self.add_annotations(article_id, [(start, end, list(tags), note)], text=text)[0]

    def add_annotations(
        self, article_id: str, spans: list[tuple[int, int, list[str], str]], *, text: str | None = None
    ) -> list[Annotation]:
        """Several annotations on one article, (start, end, tags, note) each,
        saved together: one write of the article's notes and of its list row."""
        with self.transaction():
            self.info(article_id)
            current = self._current_text(article_id)
            if text is None:
                text = current
            stamp = now_iso()
            made: list[Annotation] = []
            for start, end, tags, note in spans:
                if not (0 <= start < end <= len(text)):
                    raise StoreError(f"span {start}-{end} is outside the article (0-{len(text)})")
                q = None
                if text != current:
                    q = _anchor().quote_at(text, start, end)
                    m = _anchor().best_match(current, start, end, q.exact, q.prefix, q.suffix)
                    if m is not None:
                        start, end, q = m.start, m.end, None
                taken = {a.id for a in made}
                ann_id = self._new_annotation_id(article_id)
                while ann_id in taken:
                    ann_id = self._new_annotation_id(article_id)
                orphan = q is not None  # its quote is not in the text now
                if not orphan:
                    q = _anchor().quote_at(current, start, end)
                made.append(Annotation(
                    id=ann_id, article_id=article_id, start=0 if orphan else start, end=0 if orphan else end,
                    exact=q.exact, prefix=q.prefix, suffix=q.suffix, orphaned=orphan,
                    tags=_clean_tags(tags), note=clean_text(note), created=stamp, updated=stamp,
                ))
            self._intend(article_id, "notes")
            self._notes_db(article_id).table("annotations", cache_size=0).insert_multiple(
                [Document(a.to_dict(), doc_id=self._doc_id(a.id)) for a in made]
            )
            self._refresh_summary(article_id)
            return made

    def reattach(self, ann_id: str, start: int, end: int) -> Annotation:
        """Place an annotation (an orphan, say) on [start, end) of the
        article's current text: new selectors from that text, no longer orphaned;
        its tags, note and creation time stay."""
        with self.transaction():
            ann = self.annotation(ann_id)
            text = self._current_text(ann.article_id)
            if not (0 <= start < end <= len(text)):
                raise StoreError(f"span {start}-{end} is outside the article (0-{len(text)})")
            _place(ann, text, start, end)
            ann.updated = now_iso()
            return self.put_annotation(ann)

    def orphan_context(self, ann_id: str, *, chars: int = 300, suggestions: int = 3) -> OrphanContext:
        """For a review screen: the annotation's quote with the earlier text
        around it (from the newest kept version that holds it at its old
        place), and the likeliest places in the current text, best first
        (`anchor.Match`: start, end, score 0..1)."""
        ann = self.annotation(ann_id)
        before = ann.prefix
        after = ann.suffix
        found: int | None = None
        replaced = ""
        versions = self.versions(ann.article_id)
        for i in range(len(versions) - 1, -1, -1):
            old = versions[i].text
            if old[ann.start : ann.end] == ann.exact or (ann.exact and old.find(ann.exact) >= 0):
                s = ann.start if old[ann.start : ann.end] == ann.exact else old.find(ann.exact)
                before = old[max(0, s - chars) : s]
                after = old[s + len(ann.exact) : s + len(ann.exact) + chars]
                found = i
                doc = self._body_db(ann.article_id).table("versions", cache_size=0).all()
                doc.sort(key=lambda d: d.doc_id)
                replaced = str(doc[i].get("replaced") or "") if i < len(doc) else ""
                break
        text = self._current_text(ann.article_id)
        hint = min(ann.start, len(text))
        matches = _anchor().fuzzy_matches(text, ann.exact, ann.prefix, ann.suffix, hint, limit=suggestions)
        return OrphanContext(ann, before, after, found, replaced, matches)

    def put_annotation(self, ann: Annotation) -> Annotation:
        """Store an annotation as given (an edit, an undo, an import)."""
        ann.tags = _clean_tags(ann.tags)
        ann.note = clean_text(ann.note)
        with self.transaction():
            self.info(ann.article_id)
            self._intend(ann.article_id, "notes")
            self._notes_db(ann.article_id).table("annotations", cache_size=0).upsert(
                Document(ann.to_dict(), doc_id=self._doc_id(ann.id))
            )
            self._refresh_summary(ann.article_id)
        return ann

    def restore_annotation(self, ann: Annotation) -> Annotation:
        """`put_annotation` of an annotation as it was (an undo): placed again
        by its quote if the article's text changed under it meanwhile (another
        process imported a new version), or orphaned."""
        with self.transaction():
            if not ann.orphaned:
                text = self._current_text(ann.article_id)
                if text[ann.start : ann.end] != ann.exact:
                    self._reanchor([ann], None, text)
            return self.put_annotation(ann)

    def update_annotation(
        self, ann_id: str, *, note: str | None = None, add_tags: list[str] = (),  # type: ignore[assignment]
        remove_tags: list[str] = (),  # type: ignore[assignment]
        tags: list[str] | None = None,
    ) -> Annotation:
        with self.transaction():
            ann = self.annotation(ann_id)
            if note is not None:
                ann.note = note
            if tags is not None:
                ann.tags = list(tags)
            for t in _clean_tags(add_tags):
                if t not in ann.tags:
                    ann.tags.append(t)
            drop = set(_clean_tags(remove_tags))
            ann.tags = [t for t in ann.tags if t not in drop]
            ann.updated = now_iso()
            return self.put_annotation(ann)

    def delete_annotation(self, ann_id: str) -> Annotation:
        with self.transaction():
            ann = self.annotation(ann_id)
            self._intend(ann.article_id, "notes")
            key = str(self._doc_id(ann.id))

            def change(tables: dict[str, Any]) -> None:
                # Gone, and remembered as deleted: an import that brings the
                # same highlight again does not bring it back.
                live = dict(tables.get("annotations") or {})
                live.pop(key, None)
                tables["annotations"] = live
                gone = dict(tables.get("deleted") or {})
                gone[key] = {"id": ann.id, "at": now_iso()}
                while len(gone) > MAX_DELETED_REMEMBERED:
                    gone.pop(next(iter(gone)))
                tables["deleted"] = gone

            self._change_file(self._notes_db(ann.article_id), change)
            self._refresh_summary(ann.article_id)
            return ann

    def deleted_annotation_ids(self, article_id: str) -> set[str]:
        """The ids of the annotations deleted from this article (the most
        recent MAX_DELETED_REMEMBERED)."""
        docs = self._notes_db(article_id).table("deleted", cache_size=0).all()
        return {str(d.get("id")) for d in docs if isinstance(d.get("id"), str)}

    def _remember_deleted(self, article_id: str, url: str | None) -> None:
        """Keep the addresses of an article being deleted: its own and those
        of the entries that joined it (see `deleted_url_keys`)."""
        from reader.core.fetch import url_key

        keys = [url_key(url)] if url else []
        keys += [k for k, v in self._merged_urls().items() if v == article_id]
        if keys:
            table = self._meta_db().table(_DELETED_URLS, cache_size=0)
            kept = [k for k in (table.get(doc_id=1) or {}).get("keys") or [] if k not in keys]
            table.upsert(Document({"keys": (kept + keys)[-MAX_DELETED_ARTICLES:]}, doc_id=1))

    def deleted_url_keys(self) -> set[str]:
        """The `url_key`s of the addresses of the articles deleted (the most
        recent MAX_DELETED_ARTICLES)."""
        doc = self._meta_db().table(_DELETED_URLS, cache_size=0).get(doc_id=1) or {}
        return {k for k in doc.get("keys") or [] if isinstance(k, str)}

    def resolve_annotation(self, prefix: str) -> tuple[str, str]:
        """(annotation id, article id) that a unique id prefix names."""
        p = prefix.strip().lower()
        hits = []
        if p and all(c in "0123456789abcdef" for c in p):
            if len(p) == ANNOTATION_ID_LEN:
                owner = self._annotation_owner(p)
                if owner is not None:
                    hits.append((p, owner))
            else:
                for shard in range(INDEX_SHARDS):
                    for aid, owner in self._shard_maps(shard).annotations.items():
                        if aid.startswith(p):
                            hits.append((aid, owner))
        if not hits:
            raise NotFound(f"no annotation {prefix!r} (see `reader notes ID`)")
        if len(hits) > 1:
            raise Ambiguous(f"{prefix} names {len(hits)} annotations; give more of the id")
        return hits[0]

    def annotation(self, ann_id: str) -> Annotation:
        full, article_id = self.resolve_annotation(ann_id)
        doc = self._notes_db(article_id).table("annotations", cache_size=0).get(doc_id=self._doc_id(full))
        if doc is None:
            raise NotFound(f"no annotation {ann_id}")
        try:
            return Annotation.from_dict(doc)
        except (KeyError, TypeError, ValueError, AttributeError):
            raise _foreign(self._notes_path(article_id)) from None

    # -- settings -------------------------------------------------------------------

    def setting(self, key: str, default: Any = None) -> Any:
        doc = self._meta_db().table("settings", cache_size=0).get(doc_id=1)
        # A copy: the caller may change it without changing the cached file.
        return copy.deepcopy((doc or {}).get(key, default))

    def set_setting(self, key: str, value: Any, *, timeout: float | None = None) -> None:
        with self.transaction(timeout):
            table = self._meta_db().table("settings", cache_size=0)
            doc = dict(table.get(doc_id=1) or {})
            doc[key] = value
            table.upsert(Document(doc, doc_id=1))

    # -- tags -----------------------------------------------------------------------

    def tags(self) -> list[str]:
        """Built-in tags, the user's own, and every tag in use."""
        seen = dict.fromkeys(BUILTIN)
        for doc in self._meta_db().table("tags", cache_size=0).all():
            t = str(doc.get("name", ""))
            if t:
                seen[t] = None
        for shard in range(INDEX_SHARDS):
            seen.update(self._shard_maps(shard).tags)
        return list(seen)

    def add_tag(self, name: str) -> str:
        tag = normalise_tag(name)
        if not tag:
            raise StoreError(f"{name!r} is not a usable tag")
        with self.transaction():
            table = self._meta_db().table("tags", cache_size=0)
            if not any(d.get("name") == tag for d in table.all()):
                table.insert({"name": tag, "created": now_iso()})
        return tag

    def tag_counts(self) -> dict[str, tuple[int, int]]:
        """Every tag in use (and each of the user's own) -> (marks carrying it,
        articles carrying it or a mark with it), most used first."""
        counts: dict[str, list[int]] = {}
        for doc in self._meta_db().table("tags", cache_size=0).all():
            t = str(doc.get("name", ""))
            if t:
                counts.setdefault(t, [0, 0])
        for row in self.articles():
            if not row.tags and not row.annotation_tags:
                continue
            here: Counter[str] = Counter()
            if row.annotation_tags:
                for ann in self.annotations(row.id):
                    here.update(set(ann.tags))
            for t in set(row.tags) | set(here):
                c = counts.setdefault(t, [0, 0])
                c[0] += here.get(t, 0)
                c[1] += 1
        ordered = sorted(counts.items(), key=lambda kv: (-kv[1][0], -kv[1][1], kv[0]))
        return {t: (c[0], c[1]) for t, c in ordered}

    def tag_named(self, text: str) -> str:
        """The tag `text` names: as tags are written (`normalise_tag`), or,
        for one kept from an archive or an export before tags were written so
        (an emoji, "🔥"), as it stands in the archive; "" for none."""
        tag = normalise_tag(text)
        if tag:
            return tag
        own = text.strip().lstrip("#")
        return own if own and own in self.tag_counts() else ""

    def rename_tag(self, old: str, new: str) -> tuple[int, int]:
        """Rename tag `old` to `new` on every mark and article of the archive,
        and every tag nested under it (`old/sub` becomes `new/sub`). A mark or
        article that has both keeps one: renaming onto a tag in use merges the
        two. Returns (marks changed, articles changed)."""
        src, dst = self.tag_named(old), normalise_tag(new)
        if not src:
            raise StoreError(f"{old!r} is not a usable tag")
        if not dst:
            raise StoreError(f"{new!r} is not a usable tag")
        if src in BUILTIN:
            raise StoreError(f"#{src} is built in (the {src} key marks with it): it cannot be renamed")
        if src == dst:
            return 0, 0
        with self.transaction():
            stamp = now_iso()
            # A rename cut short (a kill, a full disk) is finished by the next
            # writer: every mark carries the new name, as imports will.
            self._intend(f"{_RENAMING}:{stamp}:{secrets.token_hex(4)}", "rename", old=src, new=dst, at=stamp)
            return self._rename(src, dst, stamp)

    def _rename(self, src: str, dst: str, stamp: str) -> tuple[int, int]:
        """`rename_tag`'s change: the rename remembered, then every mark,
        article and user tag not renamed yet renamed (so, safe to repeat)."""

        def renamed(tags: list[str]) -> list[str]:
            return _as_renamed(tags, [(src, dst)])

        def hit(tags: list[str]) -> bool:
            return any(t == src or t.startswith(src + "/") for t in tags)

        with self.transaction():
            # Remembered, so that an export imported again brings the new name.
            table = self._meta_db().table(_TAG_RENAMES, cache_size=0)
            renames = [r for r in (table.get(doc_id=1) or {}).get("renames", []) if r != [src, dst]]
            table.upsert(Document({"renames": (renames + [[src, dst]])[-MAX_DELETED_REMEMBERED:]}, doc_id=1))
            return self._retag(renamed, hit, stamp)

    def as_renamed(self, tags: list[str]) -> list[str]:
        """Tags an import brings, under the names the user has given them
        since (`rename_tag`), in the order of the renames."""
        renames = (self._meta_db().table(_TAG_RENAMES, cache_size=0).get(doc_id=1) or {}).get("renames", [])
        return _as_renamed(_clean_tags(tags), renames) if renames else list(tags)

    def _retag(self, renamed: Callable[[list[str]], list[str]], hit: Callable[[list[str]], bool],
               stamp: str | None) -> tuple[int, int]:
        """Give every mark, article and user tag whose tags `hit` says are
        to change the tags `renamed` makes of them (the user's tags a name
        each); the marks changed are stamped updated at `stamp`, when given.
        Returns (marks changed, articles changed)."""
        marks = articles = 0
        with self.transaction():
            for row in self.articles():
                changed = False
                if hit(row.annotation_tags):
                    anns = [a for a in self.annotations(row.id) if hit(a.tags)]
                    if not anns:
                        # Its marks renamed already (a rename completed after
                        # a crash), its row not: the row is written again.
                        self._intend(row.id, "notes")
                        self._refresh_summary(row.id)
                    if anns:
                        self._intend(row.id, "notes")
                        table = self._notes_db(row.id).table("annotations", cache_size=0)
                        for ann in anns:
                            ann.tags = renamed(ann.tags)
                            ann.updated = stamp or ann.updated
                            table.upsert(Document(ann.to_dict(), doc_id=self._doc_id(ann.id)))
                        self._refresh_summary(row.id)
                        marks += len(anns)
                        changed = True
                if hit(row.tags):
                    self.set_article_tags(row.id, renamed(row.tags))
                    changed = True
                articles += changed
            table = self._meta_db().table("tags", cache_size=0)
            docs = table.all()
            names = {str(d.get("name", "")) for d in docs}
            for doc in docs:
                name = str(doc.get("name", ""))
                if hit([name]):
                    to = next(iter(renamed([name])), "")
                    if not to or to in names:
                        table.remove(doc_ids=[doc.doc_id])
                    else:
                        table.update({"name": to}, doc_ids=[doc.doc_id])
                        names.add(to)
        return marks, articles

    def _normalise_stored_tags(self) -> None:
        """Archives written before TAG_FORM 2 stored tags with punctuation
        Obsidian cannot hold ("ad:-promo"), or of digits alone ("2024"): the
        app showed one tag and the vault another. Each is given its form of
        today ("ad-promo", "_2024") once, when the archive opens; tags that
        meet as one merge. The marks keep their time of change: the vault
        wrote them so already. A change cut short is done again at the next
        open; while another process holds the archive, at a later one."""
        schema = self._meta_db().table("schema", cache_size=0)

        def done() -> bool:
            return (schema.get(doc_id=1) or {}).get("tag_form", 1) >= TAG_FORM

        def hit(tags: list[str]) -> bool:
            return any(_clean_tags((t,)) != [t] for t in tags)

        if done():
            return
        try:
            with self.transaction(timeout=min(self.lock_timeout, 2.0)):
                if done():  # by another process, while this one waited
                    return
                self._retag(_clean_tags, hit, None)
                doc = dict(schema.get(doc_id=1) or {})
                doc["tag_form"] = TAG_FORM
                schema.upsert(Document(doc, doc_id=1))
        except ArchiveBusy:
            pass

    # -- folding knowledge ------------------------------------------------------

    def site_keys(self, site: str | None) -> dict[str, list[str]]:
        """Article id -> the block keys of each article of `site`."""
        if not site:
            return {}
        docs = self._site_db(site).table("articles", cache_size=0).all()
        return {str(d.get("id")): list(d.get("keys") or ()) for d in docs}

    def site_article_count(self, site: str) -> int:
        return len(self._site_db(site).table("articles", cache_size=0))

    def fold_rules(self, site: str | None = None) -> list[FoldRule]:
        from reader.core.ingest import site_name

        docs = self._meta_db().table("fold_rules", cache_size=0).all()
        # A site stored as it was typed before sites were written alike
        # ("NPR.org", "www.npr.org") is read as articles name theirs.
        rules = [
            FoldRule(str(d["id"]), site_name(str(d["site"])), str(d["key"]), str(d["action"]),
                     str(d.get("text", "")), str(d.get("created", "")))
            for d in docs
        ]
        if site is not None:
            site = site_name(site)
            rules = [r for r in rules if r.site == site]
        return sorted(rules, key=lambda r: (r.site, r.created, r.id))

    def rules_for(self, site: str | None) -> dict[str, str]:
        return {r.key: r.action for r in self.fold_rules(site or "")}

    def add_fold_rule(self, site: str | None, text: str, action: str) -> FoldRule:
        """Fold (or always show) blocks reading `text` on every article of `site`."""
        if action not in ("fold", "show"):
            raise StoreError(f"action must be fold or show, not {action!r}")
        text = clean_text(text).strip()
        if not text:
            raise StoreError("a rule needs the text of the block")
        from reader.core.ingest import site_name

        site = site_name(site)
        key = block_key(text)
        with self.transaction():
            table = self._meta_db().table("fold_rules", cache_size=0)
            for d in table.all():
                if site_name(str(d.get("site") or "")) == site and d.get("key") == key:
                    if d.get("action") == action:
                        # The same rule again: the one there stays, with its id.
                        return FoldRule(str(d["id"]), site, key, action, str(d.get("text", "")),
                                        str(d.get("created", "")))
                    table.remove(doc_ids=[d.doc_id])
            rule_id = secrets.token_hex(4)
            created = now_iso()
            table.insert({"id": rule_id, "site": site, "key": key, "action": action,
                          "text": text[:300], "created": created})
        return FoldRule(rule_id, site, key, action, text[:300], created)

    def restore_fold_rule(self, rule: FoldRule) -> None:
        """Put back a rule as it was (its id, key and text): undoing the
        change that replaced or removed it."""
        with self.transaction():
            table = self._meta_db().table("fold_rules", cache_size=0)
            for d in table.all():
                if d.get("site") == rule.site and d.get("key") == rule.key:
                    table.remove(doc_ids=[d.doc_id])
            table.insert({"id": rule.id, "site": rule.site, "key": rule.key, "action": rule.action,
                          "text": rule.text, "created": rule.created})

    def remove_fold_rule(self, rule_id: str) -> FoldRule:
        with self.transaction():
            table = self._meta_db().table("fold_rules", cache_size=0)
            hits = [d for d in table.all() if str(d.get("id", "")).startswith(rule_id.strip().lower())]
            if not hits:
                raise NotFound(f"no fold rule {rule_id} (see `reader fold-rule list`)")
            if len(hits) > 1:
                raise Ambiguous(f"{rule_id} names {len(hits)} rules; give more of the id")
            d = hits[0]
            table.remove(doc_ids=[d.doc_id])
            return FoldRule(str(d["id"]), str(d["site"]), str(d["key"]), str(d["action"]),
                            str(d.get("text", "")), str(d.get("created", "")))


def _is_article_id(value: Any) -> bool:
    return (
        isinstance(value, str) and len(value) == ARTICLE_ID_LEN and all(c in "0123456789abcdef" for c in value)
    )


def _as_renamed(tags: list[str], renames: list) -> list[str]:  # noqa: ANN001 - [old, new] pairs
    """`tags` with each rename (old, new) applied in turn, to the tag and to
    the tags nested under it (`old/sub` becomes `new/sub`); each once."""
    out: list[str] = []
    for t in tags:
        for src, dst in renames:
            if t == src or t.startswith(src + "/"):
                t = dst + t[len(src):]
        if t not in out:
            out.append(t)
    return out


def _clean_tags(tags: Any) -> list[str]:
    """Tags as stored (`normalise_tag`), each once. A tag with no such form
    (an emoji alone: an older archive's, or one an export from another
    service brings) is kept as it is, less control characters and spaces,
    so that no edit or import loses it; the tag picker and the CLI's --tag
    take no new one."""
    out: list[str] = []
    for t in tags or ():
        n = normalise_tag(str(t)) or "".join(clean_line(str(t)).split())[:MAX_TAG]
        if n and n not in out:
            out.append(n)
    return out

"""The archive on disk: the only module that touches TinyDB.

Layout (under ``<data dir>/archive``), every file a TinyDB database::

    meta.json               schema version, the user's tags, folding rules
    index/<0-f>.json        one row per article: what the archive list shows
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

import errno
import hashlib
import os
import secrets
import time
from collections import Counter, OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
from tinydb import TinyDB
from tinydb.storages import Storage
from tinydb.table import Document

from reader.core import anchor
from reader.core.fold import block_key
from reader.core.models import Annotation, Article, ArticleInfo
from reader.core.sanitize import clean_text
from reader.core.tags import BUILTIN, normalise_tag

SCHEMA_VERSION = 1
INDEX_SHARDS = 16
LOCK_TIMEOUT = 10.0
ARTICLE_ID_LEN = 12
ANNOTATION_ID_LEN = 10

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


class Ambiguous(StoreError):
    pass


def now_iso() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


# ---------------------------------------------------------------- storage


class AtomicJSONStorage(Storage):
    """TinyDB storage: JSON via orjson, atomic replace on write, and a parsed
    copy kept until the file changes on disk (checked by inode, size and
    modification time before every read)."""

    def __init__(self, path: str, archive: Archive) -> None:
        self.path = path
        self.archive = archive
        self._stamp: tuple[int, int, int] | None = None
        self._data: dict[str, Any] | None = None

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
            self._stamp, self._data = None, None
            return None
        try:
            with open(self.path, "rb") as f:
                raw = f.read()
        except PermissionError:
            raise ArchiveCorrupt(f"{self.path}: permission denied; check its owner and mode") from None
        except OSError as err:
            raise ArchiveCorrupt(f"{self.path}: cannot read ({err.strerror})") from None
        try:
            data = orjson.loads(raw)
        except orjson.JSONDecodeError:
            raise ArchiveCorrupt(
                f"{self.path} is damaged (not valid JSON); run `reader doctor` to restore a backup"
            ) from None
        if not isinstance(data, dict) or not all(isinstance(v, dict) for v in data.values()):
            raise ArchiveCorrupt(f"{self.path} is not a reader archive file; run `reader doctor`")
        self._stamp, self._data = stamp, data
        return data

    def write(self, data: dict[str, Any]) -> None:
        self.archive._require_lock(self.path)
        try:
            payload = orjson.dumps(data)
            self._stamp = self.archive._atomic_write(self.path, payload)
            self._data = data
        except BaseException:
            # TinyDB changed our cached copy before asking us to write it.
            self._stamp, self._data = None, None
            raise

    def close(self) -> None:
        pass


# ---------------------------------------------------------------- archive


@dataclass(frozen=True, slots=True)
class SaveResult:
    id: str
    status: str  # "added", "duplicate", "updated"
    article: Article
    orphaned: int = 0
    reanchored: int = 0


@dataclass(frozen=True, slots=True)
class FoldRule:
    id: str
    site: str
    key: str
    action: str  # "fold" or "show"
    text: str
    created: str


class Archive:
    """An open archive. Reading needs no lock; every change takes it."""

    def __init__(self, data_dir: str | os.PathLike[str], *, lock_timeout: float = LOCK_TIMEOUT) -> None:
        self.data_dir = Path(data_dir)
        self.root = self.data_dir / "archive"
        self.lock_timeout = lock_timeout
        self._lock_fd: int | None = None
        self._lock_depth = 0
        self._dbs: OrderedDict[str, TinyDB] = OrderedDict()
        self._pinned: dict[str, TinyDB] = {}
        self._rows: dict[int, tuple[Any, list[ArticleInfo]]] = {}
        self._open()

    # -- opening ---------------------------------------------------------

    def _open(self) -> None:
        for d in (self.data_dir, self.root, *(self.root / n for n in ("tmp", "index", "articles", "notes", "sites"))):
            try:
                d.mkdir(mode=0o700, parents=True, exist_ok=True)
            except PermissionError:
                raise StoreError(f"{d}: permission denied; choose another --data-dir") from None
            except OSError as err:
                raise StoreError(f"{d}: cannot create ({err.strerror})") from None
        if not os.access(self.root, os.W_OK):
            raise StoreError(f"{self.root}: not writable; check its permissions")
        meta = self._meta_db()
        schema = meta.table("schema", cache_size=0).get(doc_id=1)
        if schema is None:
            with self.transaction():
                if meta.table("schema", cache_size=0).get(doc_id=1) is None:
                    meta.table("schema", cache_size=0).insert(
                        Document({"version": SCHEMA_VERSION, "created": now_iso()}, doc_id=1)
                    )
        else:
            version = schema.get("version")
            if not isinstance(version, int) or version > SCHEMA_VERSION:
                raise StoreError(
                    f"{self.root / 'meta.json'}: archive schema version {version} is newer than this "
                    f"reader understands ({SCHEMA_VERSION}); upgrade reader"
                )
        self._clean_tmp()

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
        if self._lock_fd is not None:
            os.close(self._lock_fd)
            self._lock_fd = None
            self._lock_depth = 0

    def __enter__(self) -> Archive:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- locking and writing ----------------------------------------------

    @contextmanager
    def transaction(self, timeout: float | None = None) -> Iterator[None]:
        """Hold the archive's write lock (re-entrant within this process)."""
        if self._lock_depth:
            self._lock_depth += 1
            try:
                yield
            finally:
                self._lock_depth -= 1
            return
        fd = os.open(self.root / ".lock", os.O_RDWR | os.O_CREAT, 0o600)
        deadline = time.monotonic() + (self.lock_timeout if timeout is None else timeout)
        try:
            while True:
                try:
                    if fcntl is not None:
                        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except OSError as err:
                    if err.errno not in (errno.EAGAIN, errno.EACCES, errno.EWOULDBLOCK):
                        raise
                    if time.monotonic() >= deadline:
                        raise ArchiveBusy(
                            f"{self.root}: another reader process is writing to this archive; "
                            "try again in a moment"
                        ) from None
                    time.sleep(0.01)
        except BaseException:
            os.close(fd)
            raise
        self._lock_fd, self._lock_depth = fd, 1
        try:
            yield
        finally:
            self._lock_depth = 0
            self._lock_fd = None
            if fcntl is not None:
                fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)

    def _require_lock(self, path: str) -> None:
        if not self._lock_depth:
            raise RuntimeError(f"write to {path} outside a transaction")

    def _atomic_write(self, path: str, payload: bytes) -> tuple[int, int, int]:
        directory = os.path.dirname(path)
        os.makedirs(directory, mode=0o700, exist_ok=True)
        tmp = os.path.join(self.root, "tmp", f"{os.getpid()}-{secrets.token_hex(4)}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            view = memoryview(payload)
            while view:
                n = os.write(fd, view)
                view = view[n:]
            os.fsync(fd)
            st = os.fstat(fd)
        except BaseException:
            os.close(fd)
            try:
                os.unlink(tmp)
            except OSError:
                pass
            raise
        os.close(fd)
        os.replace(tmp, path)
        dfd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(dfd)
        finally:
            os.close(dfd)
        return (st.st_ino, st.st_size, st.st_mtime_ns)

    # -- databases -----------------------------------------------------------

    def _db(self, path: Path, *, pin: bool = False) -> TinyDB:
        key = str(path)
        db = self._pinned.get(key) or self._dbs.get(key)
        if db is not None:
            if not pin:
                self._dbs.move_to_end(key)
            return db
        db = TinyDB(key, storage=lambda p: AtomicJSONStorage(p, self))  # type: ignore[arg-type]
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
        return int(article_id[0], 16) % INDEX_SHARDS

    def _index_db(self, shard: int) -> TinyDB:
        return self._db(self.root / "index" / f"{shard:x}.json", pin=True)

    def _index_table(self, article_id: str) -> Any:
        return self._index_db(self._shard(article_id)).table("articles", cache_size=0)

    def _body_db(self, article_id: str) -> TinyDB:
        return self._db(self.root / "articles" / article_id[:2] / f"{article_id}.json")

    def _notes_db(self, article_id: str) -> TinyDB:
        return self._db(self.root / "notes" / article_id[:2] / f"{article_id}.json")

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
        for shard in range(INDEX_SHARDS):
            out.extend(self._shard_rows(shard))
        return out

    def _shard_rows(self, shard: int) -> list[ArticleInfo]:
        db = self._index_db(shard)
        storage: AtomicJSONStorage = db.storage  # type: ignore[assignment]
        data = storage.read()
        cached = self._rows.get(shard)
        if cached is not None and cached[0] is data:
            return cached[1]
        rows = [ArticleInfo.from_dict(d) for d in db.table("articles", cache_size=0).all()]
        self._rows[shard] = (data, rows)
        return rows

    def changed_since(self, token: Any) -> tuple[bool, Any]:
        """Whether any index shard changed since `token` (from a previous call)."""
        stamps = tuple(self._index_db(s).storage._stat() for s in range(INDEX_SHARDS))  # type: ignore[attr-defined]
        return stamps != token, stamps

    def info(self, article_id: str) -> ArticleInfo:
        row = self._index_table(article_id).get(doc_id=self._doc_id(article_id))
        if row is None:
            raise NotFound(f"no article {article_id}")
        return ArticleInfo.from_dict(row)

    def resolve(self, prefix: str) -> str:
        """The article id a unique prefix names."""
        p = prefix.strip().lower()
        if not p or any(c not in "0123456789abcdef" for c in p):
            raise NotFound(f"no article {prefix!r} (ids are hexadecimal; see `reader list`)")
        if len(p) >= ARTICLE_ID_LEN:
            if self._index_table(p[:ARTICLE_ID_LEN]).contains(doc_id=self._doc_id(p[:ARTICLE_ID_LEN])):
                return p[:ARTICLE_ID_LEN]
            raise NotFound(f"no article {prefix}")
        hits = [r.id for r in self._shard_rows(int(p[0], 16) % INDEX_SHARDS) if r.id.startswith(p)]
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
        article = Article.from_dict(doc)
        notes = self._notes_db(article_id).table("article", cache_size=0).get(doc_id=1)
        if notes:
            article.note = str(notes.get("note") or "")
        return article

    def find_match(self, article: Article) -> tuple[ArticleInfo | None, str]:
        """An archived article this one is a copy ("duplicate") or a new version
        ("updated") of, matched by content, then by URL, then by source file."""
        rows = self.articles()
        for row in rows:
            if row.content_hash == article.content_hash:
                return row, "duplicate"
        if article.url:
            for row in rows:
                if row.url == article.url:
                    return row, "updated"
        if article.source_path:
            for row in rows:
                if row.source_path == article.source_path and not row.url:
                    return row, "updated"
        return None, "added"

    def save(self, article: Article) -> SaveResult:
        """Add an article, or recognise it: the same content is one article; a
        changed version (same URL or source file) keeps its id and annotations,
        re-anchored to the new text, and the old text is kept."""
        with self.transaction():
            existing, status = self.find_match(article)
            if status == "duplicate" and existing is not None:
                return SaveResult(existing.id, "duplicate", article)
            if status == "updated" and existing is not None:
                return self._update(existing, article)
            article.id = self._free_article_id(article.id)
            self._write_body(article, previous=None)
            self._write_site_keys(article)
            self._write_index_row(article, self._notes_summary(article.id))
            return SaveResult(article.id, "added", article)

    def _free_article_id(self, wanted: str) -> str:
        candidate = (wanted or secrets.token_hex(ARTICLE_ID_LEN // 2))[:ARTICLE_ID_LEN].lower()
        while self._index_table(candidate).contains(doc_id=self._doc_id(candidate)):
            candidate = hashlib.sha256(candidate.encode()).hexdigest()[:ARTICLE_ID_LEN]
        return candidate

    def _update(self, existing: ArticleInfo, article: Article) -> SaveResult:
        old = self.get(existing.id)
        article.id = existing.id
        article.note = old.note
        article.tags = sorted(set(old.tags) | set(article.tags))
        article.saved = old.saved or article.saved
        annotations = self.annotations(existing.id)
        moved = orphaned = 0
        notes = self._notes_db(existing.id).table("annotations", cache_size=0)
        for ann in annotations:
            span = anchor.locate(article.text, ann.start, ann.end, ann.exact, ann.prefix, ann.suffix)
            if span is None:
                if not ann.orphaned:
                    ann.orphaned = True
                    orphaned += 1
            else:
                q = anchor.quote_at(article.text, *span)
                ann.start, ann.end, ann.exact, ann.prefix, ann.suffix = span[0], span[1], q.exact, q.prefix, q.suffix
                ann.orphaned = False
                moved += 1
            notes.upsert(Document(ann.to_dict(), doc_id=self._doc_id(ann.id)))
        self._write_body(article, previous=old)
        if old.site and old.site != article.site:
            sites = self._site_db(old.site).table("articles", cache_size=0)
            if sites.contains(doc_id=self._doc_id(old.id)):
                sites.remove(doc_ids=[self._doc_id(old.id)])
        self._write_site_keys(article)
        self._write_index_row(article, self._notes_summary(article.id))
        return SaveResult(article.id, "updated", article, orphaned=orphaned, reanchored=moved)

    def _write_body(self, article: Article, previous: Article | None) -> None:
        db = self._body_db(article.id)
        if previous is not None:
            versions = db.table("versions", cache_size=0)
            old = previous.to_dict()
            old.pop("note", None)
            old["replaced"] = now_iso()
            versions.insert(old)
        body = article.to_dict()
        body.pop("note", None)
        db.table("body", cache_size=0).upsert(Document(body, doc_id=1))

    def versions(self, article_id: str) -> list[Article]:
        """Earlier texts of an article, oldest first."""
        docs = self._body_db(article_id).table("versions", cache_size=0).all()
        return [Article.from_dict(d) for d in docs]

    def _write_site_keys(self, article: Article) -> None:
        if not article.site:
            return
        keys = sorted({block_key(b.text) for b in article.blocks})
        self._site_db(article.site).table("articles", cache_size=0).upsert(
            Document({"id": article.id, "keys": keys}, doc_id=self._doc_id(article.id))
        )

    def _write_index_row(self, article: Article, summary: dict[str, Any]) -> None:
        row = article.meta_dict()
        row.update(
            status="ok",
            blocks=len(article.blocks),
            folded=article.folded_count,
            words=article.word_count,
        )
        row.update(summary)
        self._index_table(article.id).upsert(Document(row, doc_id=self._doc_id(article.id)))

    def delete(self, article_id: str) -> int:
        """Remove an article with its annotations; returns how many went."""
        with self.transaction():
            info = self.info(article_id)
            count = info.annotation_count
            self._index_table(article_id).remove(doc_ids=[self._doc_id(article_id)])
            if info.site:
                sites = self._site_db(info.site).table("articles", cache_size=0)
                if sites.contains(doc_id=self._doc_id(article_id)):
                    sites.remove(doc_ids=[self._doc_id(article_id)])
            for path in (
                self.root / "articles" / article_id[:2] / f"{article_id}.json",
                self.root / "notes" / article_id[:2] / f"{article_id}.json",
                self.root / "raw" / article_id[:2] / f"{article_id}.json",
            ):
                self._dbs.pop(str(path), None)
                try:
                    os.unlink(path)
                except FileNotFoundError:
                    pass
            return count

    def set_article_note(self, article_id: str, note: str) -> None:
        note = clean_text(note)
        with self.transaction():
            self.info(article_id)
            table = self._notes_db(article_id).table("article", cache_size=0)
            table.upsert(Document({"note": note, "updated": now_iso()}, doc_id=1))
            self._refresh_summary(article_id)

    def set_article_tags(self, article_id: str, tags: list[str]) -> None:
        clean = sorted({t for t in (normalise_tag(x) for x in tags) if t})
        with self.transaction():
            self.info(article_id)
            body = self._body_db(article_id).table("body", cache_size=0)
            body.update({"tags": clean}, doc_ids=[1])
            self._index_table(article_id).update({"tags": clean}, doc_ids=[self._doc_id(article_id)])

    # -- pending entries: known by address, not fetched yet ----------------------

    def url_index(self) -> dict[str, str]:
        """`reader.core.fetch.url_key` of each article's address -> its id."""
        from reader.core.fetch import url_key

        index: dict[str, str] = {}
        for row in self.articles():
            if row.url:
                index.setdefault(url_key(row.url), row.id)
        return index

    def find_url(self, url: str) -> ArticleInfo | None:
        """The article saved under this address (give or take www., a trailing
        slash, http/https and tracking parameters), pending or not."""
        from reader.core.fetch import url_key

        key = url_key(url)
        for row in self.articles():
            if row.url and url_key(row.url) == key:
                return row
        return None

    def add_pending(self, url: str, **fields: Any) -> SaveResult:
        """One entry to fetch later; see `add_pending_many`."""
        return self.add_pending_many([dict(fields, url=url)])[0]

    def add_pending_many(self, entries: list[dict[str, Any]]) -> list[SaveResult]:
        """Entries to fetch later (an export's saved links): each a dict with
        ``url`` and optionally ``title``, ``tags``, ``saved``, ``note``,
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
                if note:
                    self._notes_db(article_id).table("article", cache_size=0).upsert(
                        Document({"note": note, "updated": now_iso()}, doc_id=1)
                    )
                row = placeholder.meta_dict()
                row.update(status="pending", blocks=0, folded=0, words=0)
                row.update(self._notes_summary(article_id))
                row["fetch"] = {"source": str(entry.get("source") or ""), "attempts": 0, "error": "", "last": ""}
                rows.setdefault(self._shard(article_id), []).append(Document(row, doc_id=self._doc_id(article_id)))
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
            self._index_table(article_id).update(
                {"status": "failed" if permanent else "pending", "fetch": state},
                doc_ids=[self._doc_id(article_id)],
            )

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
                    if set(old.tags) - set(target.tags):
                        self.set_article_tags(row.id, sorted(set(target.tags) | set(old.tags)))
                    if old.note and not target.note:
                        self.set_article_note(row.id, old.note)
                    for ann in anns:
                        self._anchor(ann, target.text)
                        ann.article_id = row.id
                        self.put_annotation(ann)
                    self.delete(article_id)
                    return SaveResult(row.id, "duplicate", target)
            article.id = article_id
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
        span = anchor.locate(text, ann.start, ann.end, ann.exact, ann.prefix, ann.suffix)
        if span is None:
            ann.orphaned = True
            return False
        q = anchor.quote_at(text, *span)
        ann.start, ann.end, ann.exact, ann.prefix, ann.suffix = span[0], span[1], q.exact, q.prefix, q.suffix
        ann.orphaned = False
        return True

    def _raw_db(self, article_id: str) -> TinyDB:
        return self._db(self.root / "raw" / article_id[:2] / f"{article_id}.json")

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
        if not (self.root / "raw" / article_id[:2] / f"{article_id}.json").exists():
            return None
        doc = self._raw_db(article_id).table("raw", cache_size=0).get(doc_id=1)
        return dict(doc) if doc else None

    # -- annotations -------------------------------------------------------------

    def annotations(self, article_id: str) -> list[Annotation]:
        """The article's annotations in text order (orphans last)."""
        docs = self._notes_db(article_id).table("annotations", cache_size=0).all()
        anns = [Annotation.from_dict(d) for d in docs]
        anns.sort(key=lambda a: (a.orphaned, a.start, a.end, a.created))
        return anns

    def _notes_summary(self, article_id: str) -> dict[str, Any]:
        anns = self.annotations(article_id)
        note_doc = self._notes_db(article_id).table("article", cache_size=0).get(doc_id=1)
        note = str(note_doc.get("note") or "") if note_doc else ""
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
        }

    def _refresh_summary(self, article_id: str) -> None:
        self._index_table(article_id).update(
            self._notes_summary(article_id), doc_ids=[self._doc_id(article_id)]
        )

    def _all_annotation_ids(self) -> set[str]:
        ids: set[str] = set()
        for row in self.articles():
            ids.update(row.annotation_ids)
        return ids

    def add_annotation(
        self, article_id: str, start: int, end: int, *, tags: list[str] = (), note: str = "",  # type: ignore[assignment]
        text: str | None = None,
    ) -> Annotation:
        """Anchor a new annotation to [start, end) of the article's text."""
        with self.transaction():
            if text is None:
                text = self.get(article_id).text
            if not (0 <= start < end <= len(text)):
                raise StoreError(f"span {start}-{end} is outside the article (0-{len(text)})")
            taken = self._all_annotation_ids()
            ann_id = secrets.token_hex(ANNOTATION_ID_LEN // 2)
            while ann_id in taken:
                ann_id = secrets.token_hex(ANNOTATION_ID_LEN // 2)
            q = anchor.quote_at(text, start, end)
            stamp = now_iso()
            ann = Annotation(
                id=ann_id, article_id=article_id, start=start, end=end,
                exact=q.exact, prefix=q.prefix, suffix=q.suffix,
                tags=_clean_tags(tags), note=clean_text(note), created=stamp, updated=stamp,
            )
            self._notes_db(article_id).table("annotations", cache_size=0).insert(
                Document(ann.to_dict(), doc_id=self._doc_id(ann.id))
            )
            self._refresh_summary(article_id)
            return ann

    def put_annotation(self, ann: Annotation) -> Annotation:
        """Store an annotation as given (an edit, an undo, an import)."""
        ann.tags = _clean_tags(ann.tags)
        ann.note = clean_text(ann.note)
        with self.transaction():
            self.info(ann.article_id)
            self._notes_db(ann.article_id).table("annotations", cache_size=0).upsert(
                Document(ann.to_dict(), doc_id=self._doc_id(ann.id))
            )
            self._refresh_summary(ann.article_id)
        return ann

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
            self._notes_db(ann.article_id).table("annotations", cache_size=0).remove(
                doc_ids=[self._doc_id(ann.id)]
            )
            self._refresh_summary(ann.article_id)
            return ann

    def resolve_annotation(self, prefix: str) -> tuple[str, str]:
        """(annotation id, article id) that a unique id prefix names."""
        p = prefix.strip().lower()
        hits = []
        if p and all(c in "0123456789abcdef" for c in p):
            for row in self.articles():
                for aid in row.annotation_ids:
                    if aid.startswith(p):
                        hits.append((aid, row.id))
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
        return Annotation.from_dict(doc)

    # -- settings -------------------------------------------------------------------

    def setting(self, key: str, default: Any = None) -> Any:
        doc = self._meta_db().table("settings", cache_size=0).get(doc_id=1)
        return (doc or {}).get(key, default)

    def set_setting(self, key: str, value: Any) -> None:
        with self.transaction():
            table = self._meta_db().table("settings", cache_size=0)
            doc = dict(table.get(doc_id=1) or {})
            doc[key] = value
            table.upsert(Document(doc, doc_id=1))

    # -- tags -----------------------------------------------------------------------

    def tags(self) -> list[str]:
        """Built-in tags, the user's own, and every tag in use."""
        seen = list(BUILTIN)
        for doc in self._meta_db().table("tags", cache_size=0).all():
            t = str(doc.get("name", ""))
            if t and t not in seen:
                seen.append(t)
        for row in self.articles():
            for t in row.annotation_tags:
                if t not in seen:
                    seen.append(t)
        return seen

    def add_tag(self, name: str) -> str:
        tag = normalise_tag(name)
        if not tag:
            raise StoreError(f"{name!r} is not a usable tag")
        with self.transaction():
            table = self._meta_db().table("tags", cache_size=0)
            if not any(d.get("name") == tag for d in table.all()):
                table.insert({"name": tag, "created": now_iso()})
        return tag

    # -- folding knowledge ------------------------------------------------------

    def site_repeats(self, site: str | None, article_id: str) -> dict[str, int]:
        """Block key -> number of *other* articles of `site` holding that block."""
        if not site:
            return {}
        docs = self._site_db(site).table("articles", cache_size=0).all()
        counts: Counter[str] = Counter()
        for d in docs:
            if d.get("id") != article_id:
                counts.update(d.get("keys") or ())
        return dict(counts)

    def site_article_count(self, site: str) -> int:
        return len(self._site_db(site).table("articles", cache_size=0))

    def fold_rules(self, site: str | None = None) -> list[FoldRule]:
        docs = self._meta_db().table("fold_rules", cache_size=0).all()
        rules = [
            FoldRule(str(d["id"]), str(d["site"]), str(d["key"]), str(d["action"]), str(d.get("text", "")),
                     str(d.get("created", "")))
            for d in docs
        ]
        if site is not None:
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
        site = site or ""
        key = block_key(text)
        with self.transaction():
            table = self._meta_db().table("fold_rules", cache_size=0)
            for d in table.all():
                if d.get("site") == site and d.get("key") == key:
                    table.remove(doc_ids=[d.doc_id])
            rule_id = secrets.token_hex(4)
            created = now_iso()
            table.insert({"id": rule_id, "site": site, "key": key, "action": action,
                          "text": text[:300], "created": created})
        return FoldRule(rule_id, site, key, action, text[:300], created)

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


def _clean_tags(tags: Any) -> list[str]:
    out: list[str] = []
    for t in tags or ():
        n = normalise_tag(str(t))
        if n and n not in out:
            out.append(n)
    return out

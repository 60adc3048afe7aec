"""The store under stress: other processes, stale caches, crashes in the
middle of a change, damaged and foreign files, permissions."""

from __future__ import annotations

import errno
import os
import stat
import threading
import time
from pathlib import Path

import orjson
import pytest

from reader.core import store as store_mod
from reader.core.ingest import ingest_bytes, ingest_file
from reader.core.store import Archive, ArchiveBusy, ArchiveCorrupt, NotFound, StoreError, index_path, shard_of

ROOT = os.geteuid() == 0 if hasattr(os, "geteuid") else False


def _article(text: str, path: str = "/saved/a.txt"):  # noqa: ANN202
    return ingest_bytes(text.encode(), "text", source_path=path)


@pytest.fixture
def seeded(archive, seed_path):  # noqa: ANN001, ANN201
    result = archive.save(ingest_file(seed_path))
    return archive, result.id


# ---------------------------------------------------------------- caches


def test_an_open_file_is_parsed_once_until_it_changes(archive, monkeypatch) -> None:  # noqa: ANN001
    archive.save(_article("Title\n\nBody text one."))
    reads = []
    real = store_mod.read_archive_file
    monkeypatch.setattr(store_mod, "read_archive_file", lambda p: reads.append(p) or real(p))
    archive.articles()
    archive.articles()
    first = len(reads)
    for _ in range(5):
        archive.articles()
    assert len(reads) == first  # nothing re-read: TinyDB objects and parsed copies are kept


def test_the_list_sees_this_archives_own_writes(archive) -> None:  # noqa: ANN001
    ids = []
    for i in range(40):  # several land in each index shard
        ids.append(archive.save(_article(f"Title {i}\n\nBody {i}.", f"/s/{i}.txt")).id)
        assert len(archive.articles()) == i + 1
    archive.add_annotation(ids[0], 0, 5, note="x")
    assert next(r for r in archive.articles() if r.id == ids[0]).annotation_count == 1


def test_another_archive_sees_a_same_size_change(data_dir, seeded) -> None:  # noqa: ANN001
    """Every write gets a modification time of its own, so a version of a file
    with the same size (and, here, the same reused inode) is never taken for
    the one cached."""
    a, aid = seeded
    b = Archive(data_dir)
    ann = a.add_annotation(aid, 0, 10, note="aaaa")
    for note in ("bbbb", "cccc", "dddd", "eeee"):
        assert b.annotation(ann.id).note != note
        a.update_annotation(ann.id, note=note)
        assert b.annotation(ann.id).note == note
    b.close()


def test_no_remembered_next_id_between_processes(data_dir) -> None:  # noqa: ANN001
    """TinyDB remembers the next document id per table; another process's
    insert then fails ("Document with ID 2 already exists") or is lost."""
    a, b = Archive(data_dir), Archive(data_dir)
    for i in range(10):
        a.add_tag(f"a-{i}")
        b.add_tag(f"b-{i}")
        a.add_fold_rule("example.com", f"Banner {i}", "fold")
        b.add_fold_rule("example.com", f"Footer {i}", "fold")
    tags = set(Archive(data_dir).tags())
    assert {f"a-{i}" for i in range(10)} | {f"b-{i}" for i in range(10)} <= tags
    assert len(Archive(data_dir).fold_rules("example.com")) == 20
    a.close()
    b.close()


def test_two_threads_share_one_archive(seeded) -> None:  # noqa: ANN001
    archive, aid = seeded
    made: list[str] = []

    def work(k: int) -> None:
        for i in range(15):
            made.append(archive.add_annotation(aid, i, i + 5, note=f"{k}-{i}").id)

    threads = [threading.Thread(target=work, args=(k,)) for k in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(a.id for a in archive.annotations(aid)) == sorted(made)
    assert archive.info(aid).annotation_count == 45


def test_setting_values_are_copies(archive) -> None:  # noqa: ANN001
    archive.set_setting("recent", ["a"])
    archive.setting("recent").append("b")
    assert archive.setting("recent") == ["a"]


# ---------------------------------------------------------------- two writers


def test_a_second_writer_waits_then_says_busy(data_dir, seeded) -> None:  # noqa: ANN001
    a, aid = seeded
    b = Archive(data_dir, lock_timeout=0.3)
    with a.transaction():
        start = time.monotonic()
        with pytest.raises(ArchiveBusy) as err:
            b.add_annotation(aid, 0, 5)
        assert 0.25 < time.monotonic() - start < 2
    assert "\n" not in str(err.value) and "try again" in str(err.value)
    b.add_annotation(aid, 0, 5)  # free again
    b.close()


def test_annotating_an_article_another_process_deleted(data_dir, seeded) -> None:  # noqa: ANN001
    a, aid = seeded
    b = Archive(data_dir)
    text = b.get(aid).text  # b has it open
    a.delete(aid)
    with pytest.raises(NotFound):
        b.add_annotation(aid, 0, 10, text=text)
    assert not (data_dir / "archive" / "notes" / aid[:2] / f"{aid}.json").exists()
    b.close()


def test_annotating_a_text_another_process_replaced(data_dir) -> None:  # noqa: ANN001
    """The caller's text is out of date: the span is placed on the new text by
    its quote, or kept as an orphan (quote, tags, note) when the quote is gone."""
    a = Archive(data_dir)
    old = "Intro.\n\nThe minister made a claim about the bomb.\n\nEnd."
    aid = a.save(_article(old)).id
    b = Archive(data_dir)
    shown = b.get(aid).text
    a.save(_article("A new first paragraph.\n\n" + old))
    s = shown.index("made a claim")
    ann = b.add_annotation(aid, s, s + len("made a claim"), text=shown)
    assert b.get(aid).text[ann.start : ann.end] == "made a claim"
    a.save(_article("Something else entirely.\n\nNothing in common."))
    kept = b.add_annotation(aid, s, s + len("made a claim"), tags=["claim"], note="mine", text=shown)
    assert kept.orphaned and kept.exact == "made a claim" and kept.note == "mine" and kept.tags == ["claim"]
    assert kept.id in [x.id for x in b.annotations(aid) if x.orphaned]
    a.close()
    b.close()


def test_changed_since_tells_other_processes_changes_from_ones_own(data_dir, seeded, monkeypatch) -> None:  # noqa: ANN001
    a, aid = seeded
    b = Archive(data_dir)
    changed, ta = a.changed_since(None)
    assert not changed
    _, tb = b.changed_since(None)
    a.add_annotation(aid, 0, 5)
    changed, ta = a.changed_since(ta)
    assert not changed  # its own
    changed, tb = b.changed_since(tb)
    assert changed  # another's
    changed, tb = b.changed_since(tb)
    assert not changed
    a.add_tag("meta-only")  # not in the index: still a change
    assert b.changed_since(tb)[0]
    # Cheap: it parses no archive file.
    monkeypatch.setattr(store_mod, "read_archive_file", lambda p: pytest.fail(f"read {p}"))
    for _ in range(100):
        b.changed_since(tb)
    b.close()


def test_a_new_annotation_id_is_checked_against_other_processes_annotations(data_dir, seeded, monkeypatch) -> None:  # noqa: ANN001
    """A new annotation's id is unique in the archive: the index files are
    looked at on disk when another process changed the archive, and not at
    every save of this one's (256 stats a save)."""
    a, aid = seeded
    b = Archive(data_dir)
    b.add_annotation(aid, 0, 5)  # b has looked at every index file
    theirs = a.add_annotation(aid, 10, 20)  # another process's annotation
    assert b._annotation_owner(theirs.id) == aid  # seen: the archive changed since b looked
    stats = []
    real_stat = os.stat
    monkeypatch.setattr(store_mod.os, "stat", lambda p, *k, **kw: stats.append(p) or real_stat(p, *k, **kw))
    b.add_annotation(aid, 30, 40)  # looks at every file (a wrote since)
    stats.clear()
    mine = b.add_annotation(aid, 70, 80)
    assert b._annotation_owner(mine.id) == aid
    index_stats = [p for p in stats if f"{os.sep}index{os.sep}" in str(p)]
    assert len(index_stats) < 10, len(index_stats)  # its own writes need no look at all 256
    # Another change by a: b looks at every file again before its next id.
    a.add_annotation(aid, 50, 60)
    stats.clear()
    b._annotation_owner("0" * 10)
    assert len([p for p in stats if f"{os.sep}index{os.sep}" in str(p)]) >= 256
    a.close()
    b.close()


# ---------------------------------------------------------------- crashes


class _Killed(BaseException):
    pass


def _die_after(monkeypatch: pytest.MonkeyPatch, method: str) -> None:
    """Make `Archive.<method>` the last thing a process does: it runs, then
    the process "dies" (the lock is released, nothing after it runs, the
    lock file keeps what the writer had begun)."""
    real = getattr(Archive, method)

    def dying(self, *args, **kw):  # noqa: ANN001, ANN002, ANN003, ANN202
        real(self, *args, **kw)
        raise _Killed

    monkeypatch.setattr(Archive, method, dying)
    monkeypatch.setattr(Archive, "_end", lambda self, fd, ok, gen: None)


def _doctor_clean(data_dir: Path) -> None:
    from reader.core import doctor

    findings = [f.line() for f in doctor.check(data_dir).findings]
    assert findings == []


def test_a_crash_after_the_notes_before_the_index_is_completed(data_dir, monkeypatch) -> None:  # noqa: ANN001
    a = Archive(data_dir)
    aid = a.save(_article("Title\n\nA body of text to mark.")).id
    # Die right after the annotation reached its notes file.
    real_insert = store_mod._Table.insert_multiple
    monkeypatch.setattr(Archive, "_end", lambda self, fd, ok, gen: None)

    def insert_then_die(self, docs):  # noqa: ANN001, ANN202
        real_insert(self, docs)
        raise _Killed

    monkeypatch.setattr(store_mod._Table, "insert_multiple", insert_then_die)
    with pytest.raises(_Killed):
        a.add_annotation(aid, 0, 5, note="half")
    monkeypatch.undo()
    assert store_mod.read_lock_state(os.open(data_dir / "archive" / ".lock", os.O_RDONLY))["dirty"]
    b = Archive(data_dir)  # opening completes it
    row = b.info(aid)
    assert row.annotation_count == 1 and b.annotation(row.annotation_ids[0]).note == "half"
    _doctor_clean(data_dir)


def test_the_record_of_a_change_reaches_the_disk_before_any_file_changes(data_dir, monkeypatch) -> None:  # noqa: ANN001
    """A power cut must not lose the record that says what to complete."""
    a = Archive(data_dir)
    aid = a.save(_article("Title\n\nA body of text to mark.")).id
    lock = data_dir / "archive" / ".lock"
    events: list[str] = []
    real_sync, real_replace = os.fdatasync, os.replace

    def sync(fd: int) -> None:
        if os.path.samefile(f"/proc/self/fd/{fd}", lock):
            dirty = store_mod.read_lock_state(fd).get("dirty")
            events.append("record flushed" if dirty else "record cleared")
        real_sync(fd)

    def replace(src, dst):  # noqa: ANN001, ANN202
        events.append("file replaced")
        return real_replace(src, dst)

    monkeypatch.setattr(os, "fdatasync", sync)
    monkeypatch.setattr(os, "replace", replace)
    a.add_annotation(aid, 0, 5, note="kept")
    assert "file replaced" in events
    assert events[0] == "record flushed", events


def test_a_crash_in_the_middle_of_a_reimport_is_completed(data_dir, monkeypatch) -> None:  # noqa: ANN001
    a = Archive(data_dir)
    old = "Intro.\n\nThe quoted sentence about the dirty bomb claim.\n\nEnd."
    aid = a.save(_article(old)).id
    s = old.index("dirty bomb claim")
    ann = a.add_annotation(aid, s, s + len("dirty bomb claim"), note="n")
    _die_after(monkeypatch, "_write_body")  # the new text is in, the notes are not moved yet
    with pytest.raises(_Killed):
        a.save(_article("Two new paragraphs.\n\nAbove it.\n\n" + old))
    monkeypatch.undo()
    b = Archive(data_dir)
    text = b.get(aid).text
    moved = b.annotation(ann.id)
    assert text.startswith("Two new") and text[moved.start : moved.end] == "dirty bomb claim"
    assert b.info(aid).content_hash == b.get(aid).content_hash
    _doctor_clean(data_dir)


def test_a_crash_in_the_middle_of_a_delete_is_completed(data_dir, monkeypatch) -> None:  # noqa: ANN001
    a = Archive(data_dir)
    aid = a.save(_article("Title\n\nBody to delete.")).id
    a.add_annotation(aid, 0, 5)
    real_remove = store_mod._Table.remove

    def remove_then_die(self, *args, **kw):  # noqa: ANN001, ANN002, ANN003, ANN202
        real_remove(self, *args, **kw)
        raise _Killed

    monkeypatch.setattr(store_mod._Table, "remove", remove_then_die)
    monkeypatch.setattr(Archive, "_end", lambda self, fd, ok, gen: None)
    with pytest.raises(_Killed):
        a.delete(aid)
    monkeypatch.undo()
    assert (data_dir / "archive" / "notes" / aid[:2] / f"{aid}.json").exists()  # half done
    b = Archive(data_dir)
    assert aid not in {r.id for r in b.articles()}
    assert not (data_dir / "archive" / "notes" / aid[:2] / f"{aid}.json").exists()
    assert not (data_dir / "archive" / "articles" / aid[:2] / f"{aid}.json").exists()
    _doctor_clean(data_dir)


def test_an_error_in_the_middle_is_rolled_forward_in_process(archive, monkeypatch) -> None:  # noqa: ANN001
    """Not a crash but an exception (a full disk, say) after the notes were
    written: the same process completes the index before giving the lock up."""
    aid = archive.save(_article("Title\n\nBody.")).id
    real = Archive._refresh_summary
    calls = []

    def failing_once(self, article_id):  # noqa: ANN001, ANN202
        calls.append(article_id)
        if len(calls) == 1:
            raise StoreError("disk full")
        return real(self, article_id)

    monkeypatch.setattr(Archive, "_refresh_summary", failing_once)
    with pytest.raises(StoreError, match="disk full"):
        archive.add_annotation(aid, 0, 5, note="x")
    assert len(calls) == 2  # the second: completing the change before the lock went
    monkeypatch.undo()
    assert archive.info(aid).annotation_count == 1
    assert not store_mod.read_lock_state(os.open(archive.root / ".lock", os.O_RDONLY)).get("dirty")


@pytest.mark.parametrize("writes", [1, 3], ids=["after-the-record-of-the-name", "after-two-marks"])
def test_a_tag_rename_cut_short_is_finished_at_the_next_start(data_dir, monkeypatch, writes: int) -> None:  # noqa: ANN001
    """Killed after the rename was remembered (imports map the old name to
    the new one) and some marks were renamed: the next start renames the rest,
    marks, articles and nested tags; doctor says what was cut short."""
    from reader.core import doctor

    a = Archive(data_dir, backups=False)
    ids = [a.save(_article(f"Article {i}\n\nParagraph one of article {i}.", f"/s/{i}.txt")).id for i in range(6)]
    for aid in ids:
        a.add_annotation(aid, 0, 7, tags=["topic/old"])
    a.set_article_tags(ids[0], ["topic/old/sub"])
    real_upsert = store_mod._Table.upsert
    done = []

    def upsert_then_die(self, *args, **kw):  # noqa: ANN001, ANN002, ANN003, ANN202
        real_upsert(self, *args, **kw)
        done.append(1)
        if len(done) == writes:
            raise _Killed

    monkeypatch.setattr(store_mod._Table, "upsert", upsert_then_die)
    monkeypatch.setattr(Archive, "_end", lambda self, fd, ok, gen: None)
    with pytest.raises(_Killed):
        a.rename_tag("topic/old", "topic/new")
    monkeypatch.undo()
    assert "topic/old" in a.tag_counts()  # half done
    lines = [f.line() for f in doctor.check(data_dir).findings]
    assert any("rename of #topic/old to #topic/new" in line for line in lines), lines
    b = Archive(data_dir, backups=False)
    counts = b.tag_counts()
    assert "topic/old" not in counts and "topic/old/sub" not in counts
    assert counts["topic/new"] == (6, 6) and b.info(ids[0]).tags == ["topic/new/sub"]
    assert b.as_renamed(["topic/old"]) == ["topic/new"]
    b.close()
    assert _dirty(data_dir) == {}
    _doctor_clean(data_dir)


def test_a_tag_rename_a_full_disk_cuts_short_is_finished_once_there_is_room(data_dir, monkeypatch) -> None:  # noqa: ANN001
    a = Archive(data_dir, backups=False)
    ids = [a.save(_article(f"Article {i}\n\nParagraph one of article {i}.", f"/s/{i}.txt")).id for i in range(4)]
    for aid in ids:
        a.add_annotation(aid, 0, 7, tags=["topic/old"])
    real = Archive._write_file
    notes = []

    def failing(self, path, payload):  # noqa: ANN001, ANN202
        if f"{os.sep}notes{os.sep}" in path:
            notes.append(path)
            if len(notes) > 2:
                raise OSError(errno.ENOSPC, "No space left on device")
        return real(self, path, payload)

    monkeypatch.setattr(Archive, "_write_file", failing)
    with pytest.raises(StoreError, match="half made"):
        a.rename_tag("topic/old", "topic/new")
    a.close()
    monkeypatch.undo()
    b = Archive(data_dir, backups=False)
    assert "topic/old" not in b.tag_counts() and b.tag_counts()["topic/new"] == (4, 4)
    b.close()
    _doctor_clean(data_dir)


def _cannot_be_written(monkeypatch: pytest.MonkeyPatch, folder: str = "notes") -> None:
    """Every write of a file in the archive's `folder` (notes files, the
    list of articles' "index") fails as on a full disk."""
    real = Archive._write_file

    def failing(self, path, payload):  # noqa: ANN001, ANN202
        if f"{os.sep}{folder}{os.sep}" in path:
            raise OSError(errno.ENOSPC, "No space left on device")
        return real(self, path, payload)

    monkeypatch.setattr(Archive, "_write_file", failing)


def _dirty(data_dir: Path) -> dict:
    fd = os.open(data_dir / "archive" / ".lock", os.O_RDONLY)
    try:
        return store_mod.read_lock_state(fd).get("dirty") or {}
    finally:
        os.close(fd)


def test_a_reimport_the_disk_cut_short_is_completed_once_there_is_room(data_dir, monkeypatch) -> None:  # noqa: ANN001
    """The new text lands, the notes cannot be written: the user is told the
    change is half made (not that nothing changed), and the record of it
    stays in the lock file through every start while the disk is full, so
    that the first start with room moves the marks to the new text."""
    a = Archive(data_dir, backups=False)
    old = "Story\n\nAlpha one two three four.\n\nBeta one two three four."
    aid = a.save(_article(old)).id
    s = old.index("Beta one")
    ann = a.add_annotation(aid, s, s + len("Beta one"), note="my note")
    _cannot_be_written(monkeypatch)
    with pytest.raises(StoreError) as err:
        a.save(_article(old.replace("four.", "four, now longer.", 1)))
    assert "No space left on device" in str(err.value) and "nothing was changed" not in str(err.value)
    assert "half" in str(err.value)
    a.close()
    assert aid in _dirty(data_dir)
    for _ in range(2):  # other commands while the disk is still full
        b = Archive(data_dir, backups=False)
        b.articles()
        b.close()
        assert aid in _dirty(data_dir)
    monkeypatch.undo()
    c = Archive(data_dir, backups=False)
    text = c.get(aid).text
    moved = c.annotation(ann.id)
    assert "now longer" in text and text[moved.start : moved.end] == "Beta one"
    assert c.info(aid).content_hash == c.get(aid).content_hash
    c.close()
    assert _dirty(data_dir) == {}
    _doctor_clean(data_dir)


def test_a_change_begun_after_an_unfinished_one_keeps_its_record(data_dir, monkeypatch) -> None:  # noqa: ANN001
    """A change to another article while one is still waiting for room: the
    waiting one stays recorded whether the new one succeeds or fails."""
    a = Archive(data_dir, backups=False)
    old = "Story\n\nAlpha one two three four.\n\nBeta one two three four."
    aid = a.save(_article(old)).id
    other = a.save(_article("Other\n\nA second article here.", "/saved/b.txt")).id
    a.add_annotation(aid, 7, 12)
    _cannot_be_written(monkeypatch)
    with pytest.raises(StoreError):
        a.save(_article(old.replace("four.", "four, now longer.", 1)))
    a.set_article_tags(other, ["kept"])  # no notes file written: succeeds
    assert aid in _dirty(data_dir)
    with pytest.raises(StoreError, match="nothing was changed"):
        a.add_annotation(other, 0, 5)  # its first write fails
    assert aid in _dirty(data_dir)
    monkeypatch.undo()
    a.close()
    Archive(data_dir, backups=False).close()
    assert _dirty(data_dir) == {}
    _doctor_clean(data_dir)


def test_temporary_files_are_removed_at_open(data_dir) -> None:  # noqa: ANN001
    Archive(data_dir).close()
    stray = data_dir / "archive" / "tmp" / "123-abcd.tmp"
    stray.write_bytes(b'{"half": ')
    Archive(data_dir).close()
    assert not stray.exists()


# ---------------------------------------------------------------- damaged and foreign files


def _notes_file(data_dir: Path, aid: str) -> Path:
    return data_dir / "archive" / "notes" / aid[:2] / f"{aid}.json"


@pytest.mark.parametrize("damage", [
    b"",  # truncated to nothing
    b'{"annotations": {"1": {"id": "ab',  # truncated
    b"\x00\x01garbage\xff" * 20,  # garbage
    b"[1, 2, 3]",  # JSON, not ours
    b'{"annotations": [1, 2]}',  # JSON, not ours
    b'{"annotations": {"1": {"foo": "bar"}}}',  # a TinyDB file, not ours
], ids=["empty", "truncated", "garbage", "list", "bad-table", "foreign-docs"])
def test_a_damaged_notes_file_is_reported_and_never_overwritten(data_dir, seeded, damage: bytes) -> None:  # noqa: ANN001
    a, aid = seeded
    a.add_annotation(aid, 0, 5, note="precious")
    path = _notes_file(data_dir, aid)
    path.write_bytes(damage)
    b = Archive(data_dir)
    with pytest.raises(ArchiveCorrupt) as err:
        b.annotations(aid)
    msg = str(err.value)
    assert str(path) in msg and "\n" not in msg and "reader doctor" in msg
    for attempt in (lambda: b.add_annotation(aid, 0, 5), lambda: b.set_article_note(aid, "x"),
                    lambda: b.save(ingest_bytes(b"Changed\n\nnew text", "text", source_path=a.info(aid).source_path))):
        with pytest.raises(StoreError):
            attempt()
        assert path.read_bytes() == damage
    b.close()


def test_doctor_counts_an_article_whose_notes_file_is_damaged(data_dir, seeded) -> None:  # noqa: ANN001
    """The damage is reported, and the article is still counted, with the
    annotations the list names of it."""
    from reader.core import doctor

    a, aid = seeded
    a.save(_article("Other\n\nA second article.", "/saved/b.txt"))
    a.add_annotation(aid, 0, 5, note="precious")
    path = _notes_file(data_dir, aid)
    path.write_bytes(path.read_bytes()[:40])
    report = doctor.check(data_dir)
    assert any(str(path) in f.line() and "damaged" in f.line() for f in report.findings)
    assert (report.articles, report.annotations) == (2, 1)


def test_a_damaged_index_file_names_itself(data_dir, seeded) -> None:  # noqa: ANN001
    _, aid = seeded
    path = index_path(data_dir / "archive", shard_of(aid))
    path.write_bytes(b'{"articles": {"1": {"no-id": true}}}')
    b = Archive(data_dir)
    with pytest.raises(ArchiveCorrupt, match=str(path)):
        b.articles()
    b.close()


def test_a_foreign_tinydb_file_is_not_taken_for_an_archive(data_dir) -> None:  # noqa: ANN001
    (data_dir / "archive").mkdir(parents=True)
    meta = data_dir / "archive" / "meta.json"
    meta.write_bytes(orjson.dumps({"_default": {"1": {"name": "someone else's data"}}}))
    with pytest.raises(ArchiveCorrupt, match="not a reader archive"):
        Archive(data_dir)
    assert orjson.loads(meta.read_bytes()) == {"_default": {"1": {"name": "someone else's data"}}}


@pytest.mark.parametrize("version,message", [(99, "newer than this reader"), ("1", "not one reader wrote"),
                                             (True, "not one reader wrote")])
def test_a_schema_version_reader_does_not_know(data_dir, version, message: str) -> None:  # noqa: ANN001
    Archive(data_dir).close()
    meta = data_dir / "archive" / "meta.json"
    data = orjson.loads(meta.read_bytes())
    data["schema"]["1"]["version"] = version
    meta.write_bytes(orjson.dumps(data))
    before = meta.read_bytes()
    with pytest.raises(StoreError, match=message):
        Archive(data_dir)
    assert meta.read_bytes() == before


def test_a_folder_where_a_file_should_be(data_dir, seeded) -> None:  # noqa: ANN001
    _, aid = seeded
    body = data_dir / "archive" / "articles" / aid[:2] / f"{aid}.json"
    body.unlink()
    body.mkdir()
    b = Archive(data_dir)
    with pytest.raises(ArchiveCorrupt, match="cannot read"):
        b.get(aid)
    b.close()


@pytest.mark.skipif(ROOT, reason="root reads any file whatever its mode")
def test_a_file_without_read_permission(data_dir, seeded) -> None:  # noqa: ANN001
    a, aid = seeded
    a.add_annotation(aid, 0, 5)
    path = _notes_file(data_dir, aid)
    path.chmod(0)
    try:
        b = Archive(data_dir)
        with pytest.raises(ArchiveCorrupt, match="permission denied"):
            b.annotations(aid)
    finally:
        path.chmod(0o600)


def test_permission_denied_is_one_line_naming_the_file(data_dir, seeded, monkeypatch) -> None:  # noqa: ANN001
    """(As any user: the refusal is simulated, since root may read anything.)"""
    a, aid = seeded
    a.add_annotation(aid, 0, 5)
    path = _notes_file(data_dir, aid)
    real_open = open

    def refusing(file, *args, **kw):  # noqa: ANN001, ANN002, ANN003, ANN202
        if str(file) == str(path):
            raise PermissionError(13, "Permission denied", str(file))
        return real_open(file, *args, **kw)

    monkeypatch.setattr("builtins.open", refusing)
    b = Archive(data_dir)
    with pytest.raises(ArchiveCorrupt) as err:
        b.annotations(aid)
    assert str(path) in str(err.value) and "permission denied" in str(err.value) and "\n" not in str(err.value)


@pytest.mark.skipif(ROOT, reason="root writes anywhere whatever the mode")
def test_an_archive_folder_without_write_permission(data_dir) -> None:  # noqa: ANN001
    Archive(data_dir).close()
    root = data_dir / "archive"
    root.chmod(0o500)
    try:
        with pytest.raises(StoreError, match="permission denied"):
            Archive(data_dir)
    finally:
        root.chmod(0o700)


# ---------------------------------------------------------------- permissions


def _modes(top: Path) -> dict[str, int]:
    out = {}
    for dirpath, dirnames, filenames in os.walk(top):
        for name in dirnames + filenames:
            p = Path(dirpath) / name
            out[str(p.relative_to(top))] = stat.S_IMODE(p.lstat().st_mode)
    return out


def test_everything_the_store_creates_is_private(data_dir, seed_path, monkeypatch) -> None:  # noqa: ANN001
    monkeypatch.setattr(os, "umask", os.umask)  # (restored after)
    old = os.umask(0o022)  # a usual umask: would give 0755/0644
    try:
        a = Archive(data_dir)
        aid = a.save(ingest_file(seed_path)).id
        a.add_annotation(aid, 0, 5)
        a.set_article_note(aid, "n")
        a.add_tag("t")
        a.close()
        b = Archive(data_dir)
        b.set_article_note(aid, "a new day: a backup first")  # the first change of a session
        b.backup_now(label="manual")
        b.close()
    finally:
        os.umask(old)
    assert stat.S_IMODE(data_dir.stat().st_mode) == 0o700
    modes = _modes(data_dir)
    assert any(k.startswith("backups/") for k in modes)
    for rel, mode in modes.items():
        p = data_dir / rel
        want = 0o700 if p.is_dir() else 0o600
        assert mode == want, f"{rel}: {mode:04o}"


@pytest.mark.parametrize("mask", [0o022, 0o002, 0o202], ids=["022", "002", "202"])
def test_every_folder_and_file_is_private_whatever_the_umask(data_dir, seed_path, monkeypatch, mask: int) -> None:  # noqa: ANN001
    """Folders made on the way to a file (raw/ for a fetched page, a new shard)
    are 0700 too, and a umask cannot narrow or widen any mode."""
    monkeypatch.setattr(os, "umask", os.umask)  # (restored after)
    old = os.umask(mask)
    try:
        a = Archive(data_dir)
        aid = a.save(ingest_file(seed_path)).id
        a.put_raw(aid, "<html><p>page</p></html>", {"url": "https://example.org/x"})
        a.add_annotation(aid, 0, 5)
        a.backup_now(label="manual")
        a.close()
    finally:
        os.umask(old)
    modes = _modes(data_dir)
    assert "archive/raw" in modes and "archive/.lock" in modes
    for rel, mode in modes.items():
        want = 0o700 if (data_dir / rel).is_dir() else 0o600
        assert mode == want, f"{rel}: {mode:04o}"


def test_an_archive_with_the_old_16_file_index_is_moved_to_256(data_dir) -> None:  # noqa: ANN001
    import orjson

    a = Archive(data_dir)
    ids = [a.save(_article(f"Title {i}\n\nBody number {i} of the test.", f"/saved/{i}.txt")).id for i in range(6)]
    a.close()
    index = data_dir / "archive" / "index"
    legacy: dict[str, dict] = {}
    for path in index.glob("*.json"):
        for doc_id, row in orjson.loads(path.read_bytes())["articles"].items():
            legacy.setdefault(row["id"][0], {})[doc_id] = row
        path.unlink()
    for first, rows in legacy.items():
        (index / f"{first}.json").write_bytes(orjson.dumps({"articles": rows}))
    b = Archive(data_dir)
    assert sorted(r.id for r in b.articles()) == sorted(ids)
    assert not list(index.glob("?.json"))
    assert b.resolve(ids[0][:5]) == ids[0]


def test_a_rename_cut_short_where_only_the_list_of_articles_failed_leaves_no_stale_row(data_dir,  # noqa: ANN001
                                                                                       monkeypatch) -> None:
    """The marks' files renamed, the list of articles not (a full disk): the
    rename completed later left a row naming the old tag (the archive's #old
    filter found it), and doctor said nothing."""
    a = Archive(data_dir, backups=False)
    ids = [a.save(_article(f"Article {i}\n\nParagraph one of article {i}.", f"/s/{i}.txt")).id for i in range(3)]
    for aid in ids:
        a.add_annotation(aid, 0, 7, tags=["old"])
    _cannot_be_written(monkeypatch, "index")
    with pytest.raises(StoreError):
        a.rename_tag("old", "new")
    with pytest.raises(StoreError):
        a.set_read(ids[0], True)  # a command while the disk is still full
    a.close()
    monkeypatch.undo()
    b = Archive(data_dir, backups=False)
    assert [r.annotation_tags for r in b.articles()] == [["new"]] * 3
    assert [a.tags for aid in ids for a in b.annotations(aid)] == [["new"]] * 3
    b.close()
    assert _dirty(data_dir) == {}
    _doctor_clean(data_dir)


def test_a_second_rename_does_not_replace_one_left_unfinished(data_dir) -> None:  # noqa: ANN001
    a = Archive(data_dir, backups=False)
    ids = [a.save(_article(f"Article {i}\n\nParagraph one of article {i}.", f"/s/{i}.txt")).id for i in range(3)]
    for aid in ids:
        a.add_annotation(aid, 0, 7, tags=["alpha", "gamma"])
    notes = next(Path(data_dir).rglob(f"notes/*/{ids[2]}.json"))
    good = notes.read_bytes()
    notes.write_bytes(b"{ damaged")
    for src, dst in (("alpha", "beta"), ("gamma", "delta")):
        with pytest.raises(StoreError):
            a.rename_tag(src, dst)
    a.close()
    notes.write_bytes(good)  # the file back (from a backup, say)
    b = Archive(data_dir, backups=False)
    assert [a.tags for aid in ids for a in b.annotations(aid)] == [["beta", "delta"]] * 3
    b.close()
    assert _dirty(data_dir) == {}

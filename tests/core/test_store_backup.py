"""Backups: a snapshot before the first change of a day, a few kept, and a
restore that can itself be undone."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from reader.core import backup
from reader.core.ingest import ingest_bytes
from reader.core.store import Archive, index_path, shard_of


def _article(i: int):  # noqa: ANN202
    return ingest_bytes(f"Title {i}\n\nThe body of article {i}.".encode(), "text", source_path=f"/s/{i}.txt")


def _fill(data_dir: Path, n: int = 3) -> list[str]:
    a = Archive(data_dir)
    ids = [a.save(_article(i)).id for i in range(n)]
    a.add_annotation(ids[0], 0, 5, note="first note")
    a.close()
    return ids


def test_a_backup_before_the_first_change_of_a_session_at_most_daily(data_dir) -> None:  # noqa: ANN001
    Archive(data_dir).close()
    a = Archive(data_dir)
    a.save(_article(0))  # an empty archive: nothing worth a backup yet
    a.close()
    assert backup.list_backups(data_dir) == []
    ids = _fill(data_dir)
    backups = backup.list_backups(data_dir)
    assert len(backups) == 1
    snap = backups[0].path
    # The snapshot is the archive as it was before that session's first change:
    # article 0 (from the session before), not the two added after it.
    assert (snap / "articles" / ids[0][:2] / f"{ids[0]}.json").exists()
    assert not (snap / "articles" / ids[1][:2] / f"{ids[1]}.json").exists()
    b = Archive(data_dir)
    b.add_annotation(ids[1], 0, 5)
    b.close()
    assert len(backup.list_backups(data_dir)) == 1  # not twice a day


def test_a_session_that_began_on_an_empty_archive_is_backed_up_before_its_next_change(data_dir) -> None:  # noqa: ANN001
    """The first run imports the samples into an empty archive (nothing to
    back up then); the notes made after them in that session are not left
    without a backup until the next session."""
    a = Archive(data_dir)
    first = a.save(_article(0)).id  # the samples, say
    assert backup.list_backups(data_dir) == []
    a.add_annotation(first, 0, 5, note="made in the first session")
    [snap] = backup.list_backups(data_dir)
    assert (snap.path / "articles" / first[:2] / f"{first}.json").exists()
    a.add_annotation(first, 0, 5, note="a second one")
    assert len(backup.list_backups(data_dir)) == 1  # once a session, as ever
    a.close()


def test_snapshots_link_bulky_files_and_copy_the_users_own(data_dir) -> None:  # noqa: ANN001
    ids = _fill(data_dir)
    a = Archive(data_dir)
    snap = a.backup_now()
    a.close()
    root = data_dir / "archive"
    body = Path("articles") / ids[0][:2] / f"{ids[0]}.json"
    notes = Path("notes") / ids[0][:2] / f"{ids[0]}.json"
    assert os.stat(root / body).st_ino == os.stat(snap / body).st_ino  # linked: no copy
    assert os.stat(root / notes).st_ino != os.stat(snap / notes).st_ino  # copied
    assert os.stat(root / "meta.json").st_ino != os.stat(snap / "meta.json").st_ino
    assert not (snap / "tmp").exists() and not (snap / ".lock").exists()
    # Damage done in place to the live notes (an editor, a disk error) does not reach the backup.
    with open(root / notes, "r+b") as f:
        f.write(b"garbage")
    assert b"first note" in (snap / notes).read_bytes()


def test_rotation_keeps_the_newest_few(data_dir) -> None:  # noqa: ANN001
    _fill(data_dir)
    a = Archive(data_dir)
    made = []
    for _ in range(backup.KEEP + 3):
        made.append(a.backup_now().name)
    a.close()
    names = [b.name for b in backup.list_backups(data_dir)]
    assert len(names) == backup.KEEP
    assert made[-1] in names


def test_a_damaged_archive_is_not_rotated_in_over_good_backups(data_dir) -> None:  # noqa: ANN001
    ids = _fill(data_dir)
    before = backup.list_backups(data_dir)
    shard = index_path(data_dir / "archive", shard_of(ids[1]))
    shard.write_bytes(b"{broken")
    for b in before:  # make the existing backup a day old: one is due
        old = time.time() - 2 * backup.INTERVAL
        os.utime(b.path, (old, old))
        b.path.rename(b.path.with_name(time.strftime("%Y%m%d-%H%M%S", time.gmtime(old))))
    a = Archive(data_dir)
    a.set_setting("x", 1)  # a change: a backup would be due, but the list does not read
    a.close()
    assert len(backup.list_backups(data_dir)) == len(before)


def _age_backups(data_dir: Path, days: float) -> None:
    """Move every backup `days` back in time, as if made that long ago."""
    for b in reversed(backup.list_backups(data_dir)):  # the oldest first: no name is taken twice
        old = b.created - days * backup.INTERVAL
        os.utime(b.path, (old, old))
        b.path.rename(b.path.with_name(time.strftime("%Y%m%d-%H%M%S", time.gmtime(old)) + b.name[15:]))


def test_a_damaged_notes_file_never_pushes_its_good_copy_out_of_the_backups(data_dir) -> None:  # noqa: ANN001
    """A notes file damaged in place (a disk error, an editor) breaks only its
    article: the user goes on working elsewhere for days. Each day's backup
    copying it would rotate the last good copy out."""
    ids = _fill(data_dir)
    _age_backups(data_dir, 1.5)
    a = Archive(data_dir)
    a.set_setting("x", 0)  # the day's backup, of the good notes
    a.close()
    good = backup.list_backups(data_dir)[0]
    notes = Path("notes") / ids[0][:2] / f"{ids[0]}.json"
    assert b"first note" in (good.path / notes).read_bytes()
    live = data_dir / "archive" / notes
    live.write_bytes(live.read_bytes()[:10])
    for day in range(backup.KEEP + 2):
        _age_backups(data_dir, 1.5)
        a = Archive(data_dir)
        a.set_setting("x", day + 1)  # a change elsewhere: a backup would be due
        assert a.backup_error is not None and str(notes) in a.backup_error
        a.close()
    held = [b for b in backup.list_backups(data_dir)
            if (b.path / notes).exists() and b"first note" in (b.path / notes).read_bytes()]
    assert held, "the good copy of the notes was rotated out"
    backup.restore(data_dir, held[0].name)
    b = Archive(data_dir)
    assert [x.note for x in b.annotations(ids[0])] == ["first note"]
    b.close()


def test_restore_puts_the_archive_back_and_can_be_undone(data_dir) -> None:  # noqa: ANN001
    ids = _fill(data_dir)
    a = Archive(data_dir)
    snap = a.backup_now()
    ann = a.add_annotation(ids[1], 0, 5, note="made after the backup")
    a.delete(ids[2])
    a.close()
    chosen, before = backup.restore(data_dir, snap.name)
    assert chosen.name == snap.name
    b = Archive(data_dir)
    assert ids[2] in {r.id for r in b.articles()}
    assert [x.note for x in b.annotations(ids[1])] == []
    b.close()
    backup.restore(data_dir, before.name)  # undo
    c = Archive(data_dir)
    assert ids[2] not in {r.id for r in c.articles()}
    assert c.annotation(ann.id).note == "made after the backup"
    c.close()


def test_restore_of_an_unknown_backup_says_so(data_dir) -> None:  # noqa: ANN001
    _fill(data_dir)
    with pytest.raises(backup.BackupError, match="no backup"):
        backup.restore(data_dir, "19990101-000000")


def test_snapshot_cost_is_links_not_copies(data_dir) -> None:  # noqa: ANN001
    """200 articles, 40 of them annotated: a snapshot is a fraction of a second."""
    a = Archive(data_dir, backups=False)
    for i in range(200):
        aid = a.save(_article(i)).id
        if i % 5 == 0:
            a.add_annotation(aid, 0, 5)
    start = time.perf_counter()
    snap = a.backup_now()
    seconds = time.perf_counter() - start
    a.close()
    assert sum(1 for _ in snap.glob("articles/*/*.json")) == 200
    assert seconds < 2.0


def test_backup_if_due_takes_it_ahead_of_the_first_change(data_dir) -> None:  # noqa: ANN001
    a = Archive(data_dir)
    a.save(_article(0))
    a.close()
    b = Archive(data_dir)
    b.backup_if_due()
    assert len(backup.list_backups(data_dir)) == 1
    b.save(_article(1))  # the first change: nothing more to do
    b.backup_if_due()
    b.close()
    assert len(backup.list_backups(data_dir)) == 1

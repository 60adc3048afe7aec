"""`reader doctor`: one line per problem, repairs that lose nothing, restore."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import orjson
import pytest

from reader.core import backup, doctor
from reader.core.store import Archive, index_path, shard_of


@pytest.fixture
def filled(cli, data_dir: Path, seed_path: Path):  # noqa: ANN001, ANN201
    assert cli("add", seed_path).code == 0
    aid = json.loads(cli("list", "--json").out)[0]["id"]
    r = cli("annotate", aid, "--quote", "dirty bomb", "--tag", "claim", "--note", "my note")
    assert r.code == 0, r.err
    return aid, r.out.strip()


def _no_traceback(result) -> None:  # noqa: ANN001
    assert "Traceback" not in result.err and "Traceback" not in result.out


def test_a_sound_archive(cli, filled) -> None:  # noqa: ANN001
    r = cli("doctor")
    assert r.code == 0, r.out
    assert "The archive is in order." in r.out
    assert "1 article, 1 annotation in" in r.out


def test_no_archive_at_all(cli, tmp_path: Path) -> None:
    r = cli("doctor", "--data-dir", tmp_path / "nothing")
    assert r.code == 1 and "no archive here" in r.out
    r = cli("doctor", "--restore", "--data-dir", tmp_path / "nothing")
    assert r.code == 1 and "no backups" in r.err


@pytest.mark.parametrize("damage", [b"", b'{"annotations": {"1": ', b"\xff\xfegarbage", b"[]"],
                         ids=["empty", "truncated", "garbage", "foreign"])
def test_damaged_notes_are_reported_by_every_command_and_put_back_from_a_backup(
    cli, data_dir: Path, filled, damage: bytes,  # noqa: ANN001
) -> None:
    aid, ann = filled
    assert cli("doctor", "--backup").code == 0
    notes = data_dir / "archive" / "notes" / aid[:2] / f"{aid}.json"
    notes.write_bytes(damage)
    for args in (("notes", aid), ("annotate", aid, "--quote", "Shoigu"), ("note", ann, "--set", "x")):
        r = cli(*args)
        assert r.code == 1
        _no_traceback(r)
        lines = r.err.strip().splitlines()
        assert len(lines) == 1 and str(notes) in lines[0] and "reader doctor" in lines[0]
        assert notes.read_bytes() == damage  # never overwritten
    r = cli("doctor")
    assert r.code == 1
    assert any(str(notes) in line and "--repair puts back the copy from backup" in line for line in r.out.splitlines())
    r = cli("doctor", "--repair")
    _no_traceback(r)
    assert r.code == 0, r.out
    assert "put back" in r.out
    # The damaged file is kept, not deleted.
    kept = list((data_dir / doctor.DAMAGED_DIR).glob(f"*/notes/{aid[:2]}/{aid}.json"))
    assert len(kept) == 1 and kept[0].read_bytes() == damage
    r = cli("notes", aid, "--json")
    assert [n["note"] for n in json.loads(r.out)["annotations"]] == ["my note"]


def test_a_deleted_notes_file_is_put_back_from_a_backup(cli, data_dir: Path, filled) -> None:  # noqa: ANN001
    """The list still names the marks of an article whose notes file is gone:
    doctor says the marks are missing and --repair puts the file back from the
    backup that holds it (it never rewrites the row as if they never were)."""
    aid, ann = filled
    assert cli("doctor", "--backup").code == 0
    notes = data_dir / "archive" / "notes" / aid[:2] / f"{aid}.json"
    notes.unlink()
    r = cli("doctor")
    assert r.code == 1
    line = next(x for x in r.out.splitlines() if str(notes) in x)
    assert "missing" in line and "1 annotation" in line and "--repair puts back the copy from backup" in line
    r = cli("doctor", "--repair")
    assert r.code == 0, r.out
    assert f"put back {notes}" in r.out
    assert [n["note"] for n in json.loads(cli("notes", aid, "--json").out)["annotations"]] == ["my note"]
    assert cli("doctor").code == 0


def test_a_deleted_notes_file_no_backup_holds_is_said_to_be_lost(cli, data_dir: Path, filled) -> None:  # noqa: ANN001
    aid, _ = filled
    for b in backup.list_backups(data_dir):
        shutil.rmtree(b.path)
    notes = data_dir / "archive" / "notes" / aid[:2] / f"{aid}.json"
    notes.unlink()
    r = cli("doctor")
    assert r.code == 1
    assert any(str(notes) in x and "missing" in x and "1 annotation" in x and "no backup" in x
               for x in r.out.splitlines()), r.out
    # The repair takes the loss into the list (the count goes to 0), once.
    r = cli("doctor", "--repair")
    assert r.code == 0, r.out
    assert json.loads(cli("list", "--json").out)[0]["annotations"] == 0
    assert cli("doctor").code == 0


def test_a_deleted_meta_file_is_not_started_afresh_behind_the_users_back(cli, data_dir: Path, filled) -> None:  # noqa: ANN001
    """meta.json holds the fold rules, the user's tags and settings: gone, no
    command makes an empty one in its place; doctor --repair puts it back
    from a backup (or, with none, starts an empty one and says what is lost)."""
    aid, _ = filled
    assert cli("fold-rule", "add", "--article", aid, "It added that the call was requested by the Russian side.").code == 0
    assert cli("doctor", "--backup").code == 0
    meta = data_dir / "archive" / "meta.json"
    meta.unlink()
    for args in (("list",), ("annotate", aid, "--quote", "Shoigu", "--tag", "claim")):
        r = cli(*args)
        assert r.code == 1 and "meta.json is missing" in r.err and "reader doctor --repair" in r.err
        assert len(r.err.strip().splitlines()) == 1 and not meta.exists()
    r = cli("doctor")
    assert r.code == 1 and any(str(meta) in x and "missing" in x for x in r.out.splitlines()), r.out
    r = cli("doctor", "--repair")
    assert r.code == 0 and f"put back {meta}" in r.out, r.out
    assert len(json.loads(cli("fold-rule", "list", "--json").out)) == 1
    # No backup holds it: the repair starts an empty one, and says so.
    for b in backup.list_backups(data_dir):
        shutil.rmtree(b.path)
    meta.unlink()
    r = cli("doctor")
    assert r.code == 1 and any("no backup holds it" in x for x in r.out.splitlines()), r.out
    r = cli("doctor", "--repair")
    assert r.code == 0 and "started an empty" in r.out, r.out
    assert json.loads(cli("list", "--json").out)[0]["id"] == aid
    assert json.loads(cli("fold-rule", "list", "--json").out) == []


def test_a_damaged_index_is_rebuilt_from_the_articles(cli, data_dir: Path, filled) -> None:  # noqa: ANN001
    aid, ann = filled
    shard = index_path(data_dir / "archive", shard_of(aid))
    shard.write_bytes(b"garbage")
    r = cli("list")
    assert r.code == 1 and str(shard) in r.err
    r = cli("doctor", "--repair")
    assert r.code == 0, r.out
    listed = json.loads(cli("list", "--json").out)
    assert [x["id"] for x in listed] == [aid] and listed[0]["annotations"] == 1
    assert cli("note", ann[:6]).code == 0  # findable by id again


def test_a_link_waiting_to_be_fetched_waits_still_after_its_index_is_rebuilt(cli, data_dir: Path) -> None:
    archive = Archive(data_dir)
    aid = archive.add_pending("https://example.org/story", title="A story to read later").id
    archive.close()
    index_path(data_dir / "archive", shard_of(aid)).write_bytes(b"garbage")
    assert cli("doctor", "--repair").code == 0
    archive = Archive(data_dir)
    assert archive.info(aid).status == "pending" and [p.id for p in archive.pending()] == [aid]
    archive.close()


def test_index_rows_that_disagree_are_rewritten(cli, data_dir: Path, filled) -> None:  # noqa: ANN001
    aid, ann = filled
    shard = index_path(data_dir / "archive", shard_of(aid))
    data = orjson.loads(shard.read_bytes())
    row = next(iter(data["articles"].values()))
    row["annotation_ids"] = []
    row["annotation_count"] = 0
    row["title"] = "wrong"
    shard.write_bytes(orjson.dumps(data))
    r = cli("doctor")
    assert r.code == 1 and "disagrees with its files (annotations, title)" in r.out
    assert cli("doctor", "--repair").code == 0
    assert json.loads(cli("list", "--json").out)[0]["annotations"] == 1


def test_a_tagged_article_is_in_order(cli, data_dir: Path, tmp_path: Path) -> None:
    """The index row keeps tags as one space-separated string; doctor compares
    them as tags, not as characters."""
    page = tmp_path / "tagged.md"
    page.write_text("---\ntitle: Tagged\ntags: [reading, notes/history]\n---\n\n# Tagged\n\nA body of text.\n",
                    encoding="utf-8")
    assert cli("add", page).code == 0
    assert json.loads(cli("list", "--json").out)[0]["tags"] == ["notes/history", "reading"]
    r = cli("doctor")
    assert r.code == 0, r.out
    assert "disagrees" not in r.out and "The archive is in order." in r.out
    # A row whose tags really differ is still caught.
    aid = json.loads(cli("list", "--json").out)[0]["id"]
    shard = index_path(data_dir / "archive", shard_of(aid))
    data = orjson.loads(shard.read_bytes())
    next(iter(data["articles"].values()))["tags"] = "reading"
    shard.write_bytes(orjson.dumps(data))
    r = cli("doctor")
    assert r.code == 1 and "disagrees with its files (tags)" in r.out
    assert cli("doctor", "--repair").code == 0
    assert cli("doctor").code == 0


def test_an_article_missing_from_the_list_and_a_row_without_article(cli, data_dir: Path, filled, tmp_path) -> None:  # noqa: ANN001
    aid, _ = filled
    other = tmp_path / "other.txt"
    other.write_text("Another article\n\nWith a body.", encoding="utf-8")
    assert cli("add", other).code == 0
    oid = next(x["id"] for x in json.loads(cli("list", "--json").out) if x["id"] != aid)
    # Remove the seed's row; remove the other article's files.
    shard = index_path(data_dir / "archive", shard_of(aid))
    data = orjson.loads(shard.read_bytes())
    data["articles"] = {k: v for k, v in data["articles"].items() if v["id"] != aid}
    shard.write_bytes(orjson.dumps(data))
    (data_dir / "archive" / "articles" / oid[:2] / f"{oid}.json").unlink()
    r = cli("doctor")
    assert "an article missing from the list" in r.out and f"lists article {oid}, whose file is missing" in r.out
    r = cli("doctor", "--repair")
    assert r.code == 0, r.out
    assert [x["id"] for x in json.loads(cli("list", "--json").out)] == [aid]


def test_leftovers_and_permissions(cli, data_dir: Path, filled) -> None:  # noqa: ANN001
    stray = data_dir / "archive" / "tmp" / "999-dead.tmp"
    stray.write_bytes(b"half")
    (data_dir / "archive" / "meta.json").chmod(0o644)
    data_dir.chmod(0o755)
    r = cli("doctor")
    assert r.code == 1
    assert "a temporary file a crashed writer left" in r.out
    assert "meta.json: mode 0644" in r.out and f"{data_dir}: mode 0755" in r.out
    assert cli("doctor", "--repair").code == 0
    assert not stray.exists()
    assert (data_dir / "archive" / "meta.json").stat().st_mode & 0o777 == 0o600
    assert data_dir.stat().st_mode & 0o777 == 0o700


def test_an_interrupted_change_is_reported_and_completed(cli, data_dir: Path, filled) -> None:  # noqa: ANN001
    aid, _ = filled
    from reader.core.store import write_lock_state

    fd = os.open(data_dir / "archive" / ".lock", os.O_RDWR)
    write_lock_state(fd, {"gen": "x", "dirty": {aid: {"op": "notes"}}})
    os.close(fd)
    report = doctor.check(data_dir)
    assert [f.kind for f in report.findings] == ["interrupted"]
    assert cli("doctor", "--repair").code == 0
    assert doctor.check(data_dir).ok


def test_an_interrupted_change_that_cannot_be_completed_is_not_said_to_be(cli, data_dir: Path, filled) -> None:  # noqa: ANN001
    aid, _ = filled
    from reader.core.store import write_lock_state

    shutil.rmtree(backup.backups_dir(data_dir), ignore_errors=True)
    (data_dir / "archive" / "notes" / aid[:2] / f"{aid}.json").write_bytes(b'{"annotations": {"1": ')
    fd = os.open(data_dir / "archive" / ".lock", os.O_RDWR)
    write_lock_state(fd, {"gen": "x", "dirty": {aid: {"op": "notes"}}})
    os.close(fd)
    r = cli("doctor", "--repair")
    assert "completed the interrupted changes" not in r.out
    assert "could not complete 1 interrupted change" in r.out
    assert any(f.kind == "interrupted" for f in doctor.check(data_dir).findings)


def test_annotations_off_their_quote_are_placed_again(cli, data_dir: Path, filled) -> None:  # noqa: ANN001
    aid, ann = filled
    notes = data_dir / "archive" / "notes" / aid[:2] / f"{aid}.json"
    data = orjson.loads(notes.read_bytes())
    doc = next(iter(data["annotations"].values()))
    doc["start"] += 3
    doc["end"] += 3
    notes.write_bytes(orjson.dumps(data))
    assert "no longer stand on their quote" in cli("doctor").out
    assert cli("doctor", "--repair").code == 0
    a = Archive(data_dir)
    fixed = a.annotation(ann)
    assert a.get(aid).text[fixed.start : fixed.end] == "dirty bomb"
    a.close()


def test_restore_lists_then_restores_then_undoes(cli, data_dir: Path, filled) -> None:  # noqa: ANN001
    aid, ann = filled
    # `annotate` was the first change of a session: a backup was taken before it.
    assert len(backup.list_backups(data_dir)) == 1
    assert cli("doctor", "--backup").code == 0
    assert cli("note", ann, "--set", "changed after the backup").code == 0
    r = cli("doctor", "--restore")
    assert r.code == 0 and "Restore one with" in r.out and "1 article" in r.out
    r = cli("doctor", "--restore", "latest")
    assert r.code == 0, r.out + r.err
    assert json.loads(cli("notes", aid, "--json").out)["annotations"][0]["note"] == "my note"
    undo = next(b.name for b in backup.list_backups(data_dir) if b.name.endswith("before-restore"))
    assert f"reader doctor --restore {undo}" in r.out
    assert cli("doctor", "--restore", undo).code == 0
    assert json.loads(cli("notes", aid, "--json").out)["annotations"][0]["note"] == "changed after the backup"
    r = cli("doctor", "--restore", "nonexistent")
    assert r.code == 1 and r.err.startswith("reader: no backup") and len(r.err.splitlines()) == 1


@pytest.mark.parametrize("setup,expect", [
    (lambda meta: meta.write_bytes(b'{"schema": {"1": {"version": 99}}}'), "newer than this reader"),
    (lambda meta: meta.write_bytes(b'{"_default": {"1": {"a": 1}}}'), "not a reader archive"),
    (lambda meta: meta.write_bytes(b"\x00\x00"), "is damaged"),
], ids=["newer-schema", "foreign", "garbage"])
def test_every_command_says_one_line_about_a_bad_meta_file(cli, data_dir: Path, filled, setup, expect: str) -> None:  # noqa: ANN001
    aid, _ = filled
    meta = data_dir / "archive" / "meta.json"
    setup(meta)
    before = meta.read_bytes()
    for args in (("list",), ("show", aid), ("add", "nothing.txt"), ("notes", aid), ("doctor",)):
        r = cli(*args)
        assert r.code == 1, args
        _no_traceback(r)
        text = r.err if args[0] != "doctor" else r.out
        assert expect in text, (args, text)
        if args[0] != "doctor":
            assert len(r.err.strip().splitlines()) == 1
    assert meta.read_bytes() == before


def test_an_unexpected_error_is_one_line(cli, monkeypatch) -> None:  # noqa: ANN001
    from reader import cli as cli_mod

    def boom(args):  # noqa: ANN001, ANN202
        raise ZeroDivisionError("surprise")

    monkeypatch.setattr(cli_mod, "cmd_list", boom)
    monkeypatch.delenv("READER_DEBUG", raising=False)
    r = cli("list")
    assert r.code == 1 and r.err.count("\n") == 1 and "ZeroDivisionError: surprise" in r.err

"""Taking edits to exported Markdown back: `reader.core.notes_import`."""

from __future__ import annotations

import hashlib
import re
import tempfile
import unicodedata
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reader.core import export as ex
from reader.core.anchor import quote_at
from reader.core.models import Annotation, Article, Block
from reader.core.notes_import import import_notes, parse_export
from reader.core.store import Archive

FIXED = "2026-11-01T09:00:00Z"
AID = "abc000000001"
TEXT = [
    "The minister said the plan would cut costs by half.",
    "Critics said the figures were never published.",
    "# Not a heading: a line of the article.",
    "Nobody asked who would pay for it.",
]


def make_article(article_id: str = AID, paragraphs: list[str] = TEXT, title: str = "Cost cuts") -> Article:
    article = Article(id=article_id, title=title, blocks=[Block("paragraph", p) for p in paragraphs],
                      saved=FIXED, url=f"https://news.example/{article_id}", site="news.example")
    article.content_hash = hashlib.sha256(article.text.encode()).hexdigest()
    return article


def put(archive, article: Article, ann_id: str, quote: str, tags: list[str], note: str = "") -> Annotation:
    start = article.text.index(quote)
    q = quote_at(article.text, start, start + len(quote))
    return archive.put_annotation(Annotation(
        id=ann_id, article_id=article.id, start=start, end=start + len(quote), exact=q.exact, prefix=q.prefix,
        suffix=q.suffix, tags=tags, note=note, created=FIXED, updated=FIXED))


@pytest.fixture
def exported(archive, tmp_path: Path) -> Path:
    """An article with a claim, an evidence and a question, exported; returns the file."""
    article = make_article()
    archive.save(article)
    put(archive, article, "aaaaaaaaa1", "the plan would cut costs by half", ["claim"], "Their figure.")
    put(archive, article, "bbbbbbbbb2", "the figures were never published", ["evidence", "topic/money"],
        "See the audit office.\n\n## Claims")
    put(archive, article, "ccccccccc3", "Nobody asked who would pay for it.", ["question"])
    archive.set_article_note(AID, "Read with the audit report.")
    [path] = ex.export_to_folder(archive, None, tmp_path / "vault")
    return path


def snapshot(archive) -> list[dict]:
    out = []
    for row in sorted(archive.articles(), key=lambda r: r.id):
        out.append({"note": archive.get(row.id).note, "anns": [a.to_dict() for a in archive.annotations(row.id)]})
    return out


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def kinds(report) -> list[tuple[str, str]]:
    return [(e.kind, e.target) for e in report.events]


def test_unchanged_files_change_nothing(archive, exported: Path) -> None:
    before, raw = snapshot(archive), exported.read_bytes()
    report = import_notes(archive, [exported.parent])
    assert report.events == [] and report.files == [exported] and report.rewritten == []
    assert snapshot(archive) == before and exported.read_bytes() == raw


def test_edits_are_applied_by_id(archive, exported: Path) -> None:
    edit(exported, "Their figure.", "Their figure, not the auditors'.\n\nSecond paragraph.")
    edit(exported, "Tags: #evidence #topic/money", "Tags: #evidence #topic/money/audit #Follow-Up")
    edit(exported, "Read with the audit report.", "Read with the 2023 audit report.")
    dry = import_notes(archive, [exported], dry_run=True)
    assert sorted(kinds(dry)) == [("change", "aaaaaaaaa1"), ("change", "article " + AID), ("change", "bbbbbbbbb2")]
    assert archive.annotation("aaaaaaaaa1").note == "Their figure."  # dry run: nothing written
    report = import_notes(archive, [exported])
    assert sorted(kinds(report)) == sorted(kinds(dry))
    tags_event = next(e for e in report.events if e.target == "bbbbbbbbb2")
    assert tags_event.message == "tags +topic/money/audit +follow-up -topic/money"
    assert archive.annotation("aaaaaaaaa1").note == "Their figure, not the auditors'.\n\nSecond paragraph."
    assert archive.annotation("bbbbbbbbb2").tags == ["evidence", "topic/money/audit", "follow-up"]
    assert archive.get(AID).note == "Read with the 2023 audit report."
    assert archive.annotation("ccccccccc3").tags == ["question"]  # untouched
    # The markers now describe the new state: importing again changes nothing,
    # and a second edit is not mistaken for a conflict.
    assert report.rewritten == [exported]
    assert import_notes(archive, [exported]).events == []
    edit(exported, "Second paragraph.", "Second paragraph, revised.")
    again = import_notes(archive, [exported])
    assert kinds(again) == [("change", "aaaaaaaaa1")]
    # And the file is what a fresh export writes, but for the user's own tag spelling.
    fresh = ex.render_article_markdown(ex.collect(archive)[0])
    assert ex.unstamped(exported.read_text(encoding="utf-8")) == fresh.replace("#follow-up", "#Follow-Up")


def test_after_a_clean_import_the_next_export_writes_the_file_again(archive, exported: Path) -> None:
    """The file's edits are all in the archive, though the file does not read
    exactly as an export would (a tag spelt the user's way): export rewrites it
    rather than keep it as edited."""
    edit(exported, "Tags: #evidence #topic/money", "Tags: #evidence #Topic/Money #Follow-Up")
    assert import_notes(archive, [exported]).trouble == []
    [w] = ex.export_folder(archive, None, exported.parent)
    assert not w.kept and w.changed
    text = exported.read_text(encoding="utf-8")
    assert "#follow-up" in text and "#Follow-Up" not in text and "#Topic/Money" not in text
    # An edit that import-notes does not take (the title) leaves the file kept.
    edit(exported, "#follow-up", "#Follow-Up")
    text = exported.read_text(encoding="utf-8")
    title = next(line for line in text.splitlines() if line.startswith("# "))
    edit(exported, title, title + " (my title)")
    assert import_notes(archive, [exported]).trouble == []
    [w] = ex.export_folder(archive, None, exported.parent)
    assert w.kept and "(my title)" in exported.read_text(encoding="utf-8")


@pytest.mark.parametrize("bom", [b"", b"\xef\xbb\xbf"])
def test_a_crlf_file_taken_back_is_written_again_by_the_next_export(archive, exported: Path, bom: bytes) -> None:
    """A file saved with CRLF line ends (and a BOM) whose edits were all taken
    back is refreshed by the next export, not kept as edited for ever."""
    edit(exported, "Their figure.", "Their figure, checked.")
    exported.write_bytes(bom + exported.read_bytes().replace(b"\n", b"\r\n"))
    report = import_notes(archive, [exported])
    assert kinds(report) == [("change", "aaaaaaaaa1")]
    raw = exported.read_bytes()
    assert raw.startswith(bom) and b"\n" not in raw.replace(b"\r\n", b"")  # the file's own line ends
    archive.update_annotation("ccccccccc3", note="Added in the app later.")
    [w] = ex.export_folder(archive, None, exported.parent)
    assert w.changed and not w.kept
    text = exported.read_text(encoding="utf-8")
    assert "Added in the app later." in text and "Their figure, checked." in text


def test_a_header_changed_in_the_archive_does_not_keep_a_file_taken_back(archive, exported: Path) -> None:
    """The article's tags (front matter) changed in the archive since the
    export, the notes in the file: once import-notes has taken the file's
    edits back, the next export writes it again, with the archive's header and
    the annotations made since. A header edited in the file still keeps it."""
    archive.set_article_tags(AID, ["politics"])
    edit(exported, "Their figure.", "Their figure, mine.")
    text = exported.read_text(encoding="utf-8")
    start = text.rfind("<!-- reader:annotation", 0, text.index("^ccccccccc3"))
    exported.write_text(text[:start], encoding="utf-8")  # a section deleted too
    report = import_notes(archive, [exported], apply_deletions=True)
    assert sorted(kinds(report)) == [("change", "aaaaaaaaa1"), ("delete", "ccccccccc3")]
    put(archive, make_article(), "ddddddddd4", "Critics said", ["question"], "Made in the app.")
    [w] = ex.export_folder(archive, None, exported.parent)
    assert w.changed and not w.kept
    text = exported.read_text(encoding="utf-8")
    assert 'tags: ["politics"]' in text and "Their figure, mine." in text and "Made in the app." in text
    # Now the title, edited in the file, while the archive's tags change again.
    edit(exported, "# Cost cuts", "# Cost cuts (my title)")
    edit(exported, "Made in the app.", "Made in the app, and here.")
    archive.set_article_tags(AID, ["politics", "budget"])
    assert kinds(import_notes(archive, [exported])) == [("change", "ddddddddd4"), ("notice", "article " + AID)]
    [w] = ex.export_folder(archive, None, exported.parent)
    assert w.kept and "(my title)" in exported.read_text(encoding="utf-8")


def test_a_header_edited_in_the_file_is_said_not_to_be_imported(archive, exported: Path) -> None:
    """Tags added to the front matter (as Obsidian's properties do) are not
    taken back and keep the file from the next export: the import says so
    rather than report nothing."""
    edit(exported, "tags: []", 'aliases: ["cuts"]\ntags: ["to-read"]')
    for dry_run in (True, False):
        report = import_notes(archive, [exported], dry_run=dry_run)
        [event] = report.events
        assert (event.kind, event.target, event.line) == ("notice", "article " + AID, 1)
        assert "not imported" in event.message and "reader export --force" in event.message
    assert archive.get(AID).tags == []
    [w] = ex.export_folder(archive, None, exported.parent)
    assert w.kept and "to-read" in exported.read_text(encoding="utf-8")


def test_a_quote_edited_in_the_vault_keeps_the_file_from_the_next_export(archive, exported: Path) -> None:
    """The archive keeps the article's own text for a quote: the file's edit
    is not taken back, so the next export must not write over it."""
    text = exported.read_text(encoding="utf-8")
    quote = next(line for line in text.splitlines() if line.startswith("> ") and len(line) > 12)
    edit(exported, quote, quote + " (MY EMPHASIS)")
    report = import_notes(archive, [exported])
    assert any(e.kind == "notice" for e in report.events)
    [w] = ex.export_folder(archive, None, exported.parent)
    assert w.kept and "(MY EMPHASIS)" in exported.read_text(encoding="utf-8")


def test_note_with_markdown_structure_round_trips(archive, exported: Path) -> None:
    text = exported.read_text(encoding="utf-8")
    # A line of the note that reads as one of the exporter's headings is
    # escaped: read back, it would end the note there.
    assert "\n\\## Claims\n" in text
    assert "> \\# Not a heading" not in text  # that line is not annotated
    edit(exported, "See the audit office.",
         "## My heading\n\n<!-- a comment -->\n[x](javascript:alert(1))\n\n### Follow-up")
    report = import_notes(archive, [exported])
    assert kinds(report) == [("change", "bbbbbbbbb2")]
    assert archive.annotation("bbbbbbbbb2").note == (
        "## My heading\n\n<!-- a comment -->\n[x](javascript:alert(1))\n\n### Follow-up\n\n## Claims")
    # Exported again: the user's headings are headings still; what could
    # break the document or run something is escaped.
    fresh = ex.render_article_markdown(ex.collect(archive)[0])
    assert ("\n## My heading\n\n\\<!-- a comment -->\n\\[x](javascript:alert(1))\n\n### Follow-up\n\n\\## Claims\n"
            in fresh)


def test_heading_added_under_the_last_annotation_stays_a_heading(archive, exported: Path) -> None:
    """A section of the user's own at the end of the file ("## Summary")
    joins the last annotation's note, and the next export writes the file as
    the user left it."""
    text = exported.read_text(encoding="utf-8")
    exported.write_text(text.rstrip("\n") + "\n\n## Summary\n\nThe costs were never shown.\n", encoding="utf-8")
    report = import_notes(archive, [exported])
    assert kinds(report) == [("change", "ccccccccc3")]
    assert archive.annotation("ccccccccc3").note == "## Summary\n\nThe costs were never shown."
    [w] = ex.export_folder(archive, None, exported.parent)
    assert not w.kept
    again = exported.read_text(encoding="utf-8")
    assert again.endswith("\n## Summary\n\nThe costs were never shown.\n")
    assert "\\## Summary" not in again
    # Read back once more, nothing changes.
    assert kinds(import_notes(archive, [exported])) == []


def test_a_note_heading_typed_in_the_file_never_replaces_the_articles_note(archive, exported: Path) -> None:
    """The article's note is the one over its marker: a "## Note" the user
    types under an annotation (or inside the note) is reported, the note is
    kept, and so is the file, with the text under it, from the next export."""
    edit(exported, "Their figure.", "Their figure.\n\n## Note\n\nMore thoughts on this claim.")
    report = import_notes(archive, [exported])
    assert kinds(report) == [("problem", "")]
    assert "not imported" in report.events[0].message and report.events[0].line > 0
    assert archive.get(AID).note == "Read with the audit report."
    assert archive.annotation("aaaaaaaaa1").note == "Their figure."
    [w] = ex.export_folder(archive, None, exported.parent)
    assert w.kept and "More thoughts on this claim." in exported.read_text(encoding="utf-8")
    edit(exported, "\n\n## Note\n\nMore thoughts on this claim.", "")
    edit(exported, "Read with the audit report.", "Read with the audit report.\n\n## Note\n\nSecond part.")
    report = import_notes(archive, [exported])
    assert kinds(report) == [("problem", "")]
    assert archive.get(AID).note == "Read with the audit report."
    [w] = ex.export_folder(archive, None, exported.parent)
    assert w.kept and "Second part." in exported.read_text(encoding="utf-8")


def test_a_heading_of_the_users_own_over_the_note_is_an_edit_of_the_header(archive, exported: Path) -> None:
    """What the user writes between the source line and the note is not
    imported: said so, and the file kept, rather than taken as read."""
    text = exported.read_text(encoding="utf-8")
    source = next(line for line in text.splitlines() if line.startswith("Source: "))
    edit(exported, source, source + "\n\n## Summary\n\nThe costs were never shown.")
    report = import_notes(archive, [exported])
    assert [(e.kind, e.target) for e in report.events] == [("notice", "article " + AID)]
    assert "not imported" in report.events[0].message
    [w] = ex.export_folder(archive, None, exported.parent)
    assert w.kept and "The costs were never shown." in exported.read_text(encoding="utf-8")


def test_a_mistyped_id_deletes_nothing(archive, exported: Path) -> None:
    """A section whose ^id was mistyped (or gained a second ^id line) is
    there still: the annotation it stands for is not taken as deleted."""
    edit(exported, "^ccccccccc3", "^ccccccccc4")
    report = import_notes(archive, [exported], apply_deletions=True)
    assert sorted(kinds(report)) == [("problem", "article " + AID), ("problem", "ccccccccc4")]
    assert "nothing is deleted" in " ".join(e.message for e in report.events)
    edit(exported, "^ccccccccc4", "^ccccccccc3")
    edit(exported, "> the plan would cut costs by half", "> the plan would cut costs by half\n\n^e7a1b2")
    report = import_notes(archive, [exported], apply_deletions=True)
    assert ("problem", "article " + AID) in kinds(report) and all(k != "delete" for k, _ in kinds(report))
    assert [a.id for a in archive.annotations(AID)] == ["aaaaaaaaa1", "bbbbbbbbb2", "ccccccccc3"]


def test_deleted_section_is_reported_and_kept_unless_asked(archive, exported: Path) -> None:
    text = exported.read_text(encoding="utf-8")
    start = text.rfind("<!-- reader:annotation", 0, text.index("^aaaaaaaaa1"))
    end = text.index("<!-- reader:annotation", start + 10)
    exported.write_text(text[:start] + text[end:], encoding="utf-8")
    report = import_notes(archive, [exported])
    assert kinds(report) == [("pending-delete", "aaaaaaaaa1")]
    assert "--apply-deletions" in report.events[0].message
    assert archive.annotation("aaaaaaaaa1").note == "Their figure."
    dry = import_notes(archive, [exported], dry_run=True, apply_deletions=True)
    assert kinds(dry) == [("delete", "aaaaaaaaa1")]
    assert archive.annotation("aaaaaaaaa1")
    done = import_notes(archive, [exported], apply_deletions=True)
    assert kinds(done) == [("delete", "aaaaaaaaa1")]
    assert [a.id for a in archive.annotations(AID)] == ["bbbbbbbbb2", "ccccccccc3"]
    assert "aaaaaaaaa1" not in exported.read_text(encoding="utf-8")  # the marker's list too
    assert import_notes(archive, [exported], apply_deletions=True).events == []


def test_deleted_section_changed_in_archive_is_a_conflict(archive, exported: Path) -> None:
    text = exported.read_text(encoding="utf-8")
    start = text.rfind("<!-- reader:annotation", 0, text.index("^ccccccccc3"))
    exported.write_text(text[:start], encoding="utf-8")
    archive.update_annotation("ccccccccc3", note="added after the export")
    report = import_notes(archive, [exported], apply_deletions=True)
    assert kinds(report) == [("conflict", "ccccccccc3")]
    assert archive.annotation("ccccccccc3").note == "added after the export"


def test_conflicting_edits_are_reported_not_applied(archive, exported: Path) -> None:
    archive.update_annotation("aaaaaaaaa1", note="Changed in the app.")
    archive.set_article_note(AID, "Changed in the app too.")
    # The file is stale but unedited: nothing to do, nothing to report.
    assert import_notes(archive, [exported]).events == []
    edit(exported, "Their figure.", "Changed in the file.")
    edit(exported, "Read with the audit report.", "Also changed in the file.")
    report = import_notes(archive, [exported])
    assert sorted(kinds(report)) == [("conflict", "aaaaaaaaa1"), ("conflict", "article " + AID)]
    assert archive.annotation("aaaaaaaaa1").note == "Changed in the app."
    assert archive.get(AID).note == "Changed in the app too."
    assert "--force" in report.events[0].message
    # The same edit on both sides is no conflict.
    archive.update_annotation("aaaaaaaaa1", note="Changed in the file.")
    assert kinds(import_notes(archive, [exported])) == [("conflict", "article " + AID)]
    # --force keeps the file's version, and says so.
    forced = import_notes(archive, [exported], force=True)
    assert kinds(forced) == [("change", "article " + AID)] and "--force" in forced.events[0].message
    assert archive.get(AID).note == "Also changed in the file."


def test_unknown_ids_and_broken_sections_are_reported(archive, exported: Path) -> None:
    other = make_article("abc000000002", ["Another article entirely."], title="Other")
    archive.save(other)
    put(archive, other, "ddddddddd4", "Another article", ["claim"])
    edit(exported, "^ccccccccc3", "^eeeeeeeee5")  # not in the archive
    edit(exported, "Their figure.", "Their figure, edited.")
    text = exported.read_text(encoding="utf-8")
    text += ("\n<!-- reader:annotation base=000000000000 -->\n> Another article\n\n^ddddddddd4\n\nTags: #claim\n\n"
             "moved here\n"
             "\n<!-- reader:annotation base=000000000000 -->\n> a quote\n\nno id here\n")
    exported.write_text(text, encoding="utf-8")
    before = snapshot(archive)
    report = import_notes(archive, [exported], apply_deletions=True)
    got = sorted(kinds(report))
    assert got == [("change", "aaaaaaaaa1"), ("problem", ""), ("problem", "article " + AID),
                   ("problem", "ddddddddd4"), ("problem", "eeeeeeeee5")]
    messages = " | ".join(e.describe() for e in report.events)
    assert "not in the archive" in messages and "belongs to article abc000000002" in messages
    assert "no ^id line" in messages and "nothing is deleted" in messages
    after = snapshot(archive)
    assert [a["id"] for a in after[0]["anns"]] == ["aaaaaaaaa1", "bbbbbbbbb2", "ccccccccc3"]  # none deleted
    assert after[1] == before[1]


def test_quote_edits(archive, exported: Path) -> None:
    edit(exported, "> the plan would cut costs by half", "> the plan would cut costs in half")
    edit(exported, "Their figure.", "Their figure!")
    report = import_notes(archive, [exported])
    assert sorted(kinds(report)) == [("change", "aaaaaaaaa1"), ("notice", "aaaaaaaaa1")]
    assert archive.annotation("aaaaaaaaa1").exact == "the plan would cut costs by half"
    edit(exported, "> the figures were never published", "> something else entirely, about the weather")
    edit(exported, "See the audit office.", "Rewritten.")
    report = import_notes(archive, [exported])
    # The first quote edit is still said each time: it is never imported.
    assert kinds(report) == [("notice", "aaaaaaaaa1"), ("problem", "bbbbbbbbb2")]
    assert "beyond recognition" in report.events[1].message
    assert archive.annotation("bbbbbbbbb2").note.startswith("See the audit office.")


def test_duplicate_ids_and_stray_text(archive, exported: Path) -> None:
    text = exported.read_text(encoding="utf-8")
    start = text.rfind("<!-- reader:annotation", 0, text.index("^ccccccccc3"))
    section = text[start:]
    text = text.replace("## Annotations\n", "## Annotations\n\nA thought typed between sections.\n")
    exported.write_text(text + "\n" + section.replace("Tags: #question", "Tags: #question #dup"), encoding="utf-8")
    report = import_notes(archive, [exported])
    assert sorted(kinds(report)) == [("problem", ""), ("problem", "ccccccccc3"), ("problem", "ccccccccc3")]
    assert any("outside any note" in e.message for e in report.events)
    assert archive.annotation("ccccccccc3").tags == ["question"]


def test_tags_obsidian_cannot_show_survive_an_edit_of_the_tags_line(archive, exported: Path, monkeypatch) -> None:  # noqa: ANN001
    """A tag with no Obsidian form (an emoji, only punctuation: archives
    before tag form 2 kept them) is not on the Tags: line; editing that line
    must not remove it."""
    import reader.core.store as store_mod

    with monkeypatch.context() as m:
        m.setattr(store_mod, "normalise_tag", lambda tag: tag)  # as such an archive stored them
        archive.update_annotation("aaaaaaaaa1", tags=["claim", "\U0001f525", "+++"])
    [path] = ex.export_to_folder(archive, None, exported.parent)
    assert "Tags: #claim\n" in path.read_text(encoding="utf-8")
    edit(path, "Tags: #claim\n", "Tags: #claim #checked\n")
    report = import_notes(archive, [path])
    assert kinds(report) == [("change", "aaaaaaaaa1")]
    assert report.events[0].message == "tags +checked"
    assert archive.annotation("aaaaaaaaa1").tags == ["claim", "checked", "\U0001f525", "+++"]


def test_missing_tags_line_is_not_read_as_no_tags(archive, exported: Path) -> None:
    """A Tags: line deleted from a tagged annotation leaves its tags (and says
    so); the rest of the section is imported. An empty Tags: line removes them."""
    edit(exported, "Tags: #claim\n", "")
    edit(exported, "Their figure.", "Their figure, checked.")
    report = import_notes(archive, [exported])
    assert kinds(report) == [("change", "aaaaaaaaa1"), ("notice", "aaaaaaaaa1")]
    assert "its tags (#claim) are kept" in report.events[1].message
    kept = archive.annotation("aaaaaaaaa1")
    assert kept.tags == ["claim"] and kept.note == "Their figure, checked."
    # Said again at the next import (the file still lacks the line), nothing else.
    assert kinds(import_notes(archive, [exported])) == [("notice", "aaaaaaaaa1")]
    # Not taken back, so the next export keeps the file.
    assert ex.export_folder(archive, None, exported.parent)[0].kept
    edit(exported, "^aaaaaaaaa1\n", "^aaaaaaaaa1\n\nTags:\n")
    assert kinds(import_notes(archive, [exported])) == [("change", "aaaaaaaaa1")]
    assert archive.annotation("aaaaaaaaa1").tags == []


def test_a_note_and_tags_written_where_the_export_left_none_are_imported(archive, tmp_path: Path) -> None:
    """An article without a note, a highlight without tags or a note: the
    export writes no empty heading and no empty Tags: line, and what the user
    writes under the note marker and under the ^id is taken back all the same."""
    article = make_article("abc000000002")
    archive.save(article)
    put(archive, article, "eeeeeeeee1", "the plan would cut costs by half", [])
    put(archive, article, "eeeeeeeee2", "Nobody asked who would pay for it.", [])
    put(archive, article, "eeeeeeeee3", "the figures were never published", [], "tags: to do")
    [path] = ex.export_to_folder(archive, None, tmp_path / "vault")
    text = path.read_text(encoding="utf-8")
    assert "## Note" not in text and "\nTags:\n\ntags: to do\n" in text and text.count("Tags:") == 1
    assert import_notes(archive, [path]).events == []
    note_marker = next(line for line in text.splitlines() if line.startswith("<!-- reader:note "))
    edit(path, note_marker + "\n", note_marker + "\nMy note on the whole piece.\n")
    edit(path, "^eeeeeeeee1\n", "^eeeeeeeee1\n\nA note of my own.\n\nSecond paragraph.\n")
    edit(path, "^eeeeeeeee2\n", "^eeeeeeeee2\n\nTags: #question #follow-up\n\nWho pays?\n")
    report = import_notes(archive, [path])
    assert sorted(kinds(report)) == [("change", "article abc000000002"), ("change", "eeeeeeeee1"),
                                     ("change", "eeeeeeeee2"), ("change", "eeeeeeeee2")]
    assert archive.get("abc000000002").note == "My note on the whole piece."
    first, second, third = (archive.annotation(f"eeeeeeeee{n}") for n in (1, 2, 3))
    assert (first.tags, first.note) == ([], "A note of my own.\n\nSecond paragraph.")
    assert (second.tags, second.note) == (["question", "follow-up"], "Who pays?")
    assert (third.tags, third.note) == ([], "tags: to do")
    assert import_notes(archive, [path]).events == []
    # All taken back: the next export writes the file again, headings and all.
    [w] = ex.export_folder(archive, None, path.parent)
    assert w.changed and not w.kept
    text = path.read_text(encoding="utf-8")
    assert "## Note\n\n<!-- reader:note base=" in text and "My note on the whole piece." in text
    assert "^eeeeeeeee1\n\nA note of my own." in text and "Tags: #question #follow-up\n\nWho pays?" in text


def test_crlf_files_and_combined_documents(archive, exported: Path, tmp_path: Path) -> None:
    crlf = exported.read_bytes().replace(b"\n", b"\r\n")
    exported.write_bytes(crlf)
    assert import_notes(archive, [exported]).events == []
    exported.write_bytes(crlf.replace(b"Their figure.", b"Their figure (CRLF)."))
    report = import_notes(archive, [exported])
    assert kinds(report) == [("change", "aaaaaaaaa1")]
    assert archive.annotation("aaaaaaaaa1").note == "Their figure (CRLF)."
    assert b"\n" not in exported.read_bytes().replace(b"\r\n", b"")  # line ends kept
    combined = tmp_path / "all.md"
    ex.write_file(ex.collect(archive), combined)
    assert import_notes(archive, [combined]).events == []
    edit(combined, "Read with the audit report.", "Combined edit.")
    assert kinds(import_notes(archive, [combined])) == [("change", "article " + AID)]
    assert archive.get(AID).note == "Combined edit."


def test_what_the_text_read_when_marked_is_exported_and_not_imported(archive, tmp_path: Path) -> None:
    """A note on text that changed since it was made says, under its quote,
    what the text read then; import-notes takes the note and leaves that line."""
    article = make_article()
    archive.save(article)
    ann = put(archive, article, "aaaaaaaaa1", "the plan would cut costs by half", ["claim"], "Their figure.")
    ann.exact, ann.was = "the plan would cut costs by a third", "the plan would cut costs by half"
    archive.put_annotation(ann)
    [path] = ex.export_to_folder(archive, None, tmp_path / "vault")
    text = path.read_text(encoding="utf-8")
    # The ^id stands right under the quote: a vault gives it to the block above it.
    assert "> the plan would cut costs by a third\n\n^aaaaaaaaa1\n\n*When marked, it read:* \u201cthe plan would " \
           "cut costs by half\u201d\n\nTags: #claim\n\nTheir figure." in text
    assert import_notes(archive, [path]).events == []  # not read as an edited quote
    edit(path, "Their figure.", "Their figure, since revised.")
    report = import_notes(archive, [path])
    assert kinds(report) == [("change", "aaaaaaaaa1")]
    kept = archive.annotation("aaaaaaaaa1")
    assert kept.note == "Their figure, since revised." and kept.was == "the plan would cut costs by half"
    # A file of the earlier layout, the line above the ^id, reads the same.
    was = "\u201cthe plan would cut costs by half\u201d"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("\n\n^aaaaaaaaa1\n\n*When marked, it read:* " + was,
                                 "\n\nWhen marked, it read: " + was + "\n\n^aaaaaaaaa1"), encoding="utf-8")
    assert path.read_text(encoding="utf-8") != text
    edit(path, "Their figure, since revised.", "Revised again.")
    assert kinds(import_notes(archive, [path])) == [("change", "aaaaaaaaa1")]
    kept = archive.annotation("aaaaaaaaa1")
    assert kept.note == "Revised again." and kept.exact == "the plan would cut costs by a third"
    # A note of the user's own that starts with those words is theirs.
    kept.note = "When marked, it read: one thing; now another."
    archive.put_annotation(kept)
    [path] = ex.export_to_folder(archive, None, tmp_path / "vault2")
    assert import_notes(archive, [path]).events == []
    edit(path, "now another.", "now a third.")
    assert kinds(import_notes(archive, [path])) == [("change", "aaaaaaaaa1")]
    assert archive.annotation("aaaaaaaaa1").note == "When marked, it read: one thing; now a third."


def test_a_quote_the_archive_changed_since_the_export_is_no_edit_of_the_file(archive, exported: Path) -> None:
    """A new version of the article changed a marked sentence after the export:
    the file's quote is the old text, which the user did not edit. Their note
    is taken without an 'edited quote' notice, and the next export writes the
    file again with the new text rather than keep it as edited for ever."""
    ann = archive.annotation("aaaaaaaaa1")
    ann.exact, ann.was = "the plan would cut costs by a third", ann.exact
    archive.put_annotation(ann)
    edit(exported, "Their figure.", "Their figure, since revised.")
    report = import_notes(archive, [exported])
    assert kinds(report) == [("change", "aaaaaaaaa1")]
    [w] = ex.export_folder(archive, None, exported.parent)
    assert w.changed and not w.kept
    text = exported.read_text(encoding="utf-8")
    assert "> the plan would cut costs by a third" in text and "Their figure, since revised." in text


def test_folders_skip_files_that_are_not_exports(archive, exported: Path) -> None:
    (exported.parent / "my-own-note.md").write_text("# Mine\n\nNothing to import.\n")
    (exported.parent / ".obsidian").mkdir()
    (exported.parent / ".obsidian" / "x.md").write_text("<!-- reader:article id=zz -->\n")
    report = import_notes(archive, [exported.parent])
    assert report.events == [] and report.skipped == [exported.parent / "my-own-note.md"]
    named = import_notes(archive, [exported.parent / "my-own-note.md"])
    assert [e.kind for e in named.events] == ["problem"]


def test_parse_ignores_front_matter_edits(archive, exported: Path) -> None:
    edit(exported, 'title: "Cost cuts"', 'title: "Renamed in Obsidian"\naliases: [x]')
    assert kinds(import_notes(archive, [exported])) == [("notice", "article " + AID)]  # and nothing else
    parsed = parse_export(exported.read_text(encoding="utf-8"))
    assert [s.ann_id for s in parsed.articles[0].sections] == ["aaaaaaaaa1", "bbbbbbbbb2", "ccccccccc3"]


# ---------------------------------------------------------------- property

_pieces = list("#-=*_`~$%^[]()<>!:/\\ \nabcé1.\u00e9\u4e2d\U0001f600") + [
    "javascript:", "<!--", "-->", "](", "# ", "---", "```", "<!-- reader:annotation base=0 -->", "^ab1",
    "Tags:", "## Claims", "> ", "&amp;", "%%", "==", "\n\n",
]
markdownish = st.one_of(
    st.lists(st.sampled_from(_pieces), max_size=25).map("".join),
    st.text(st.characters(exclude_categories=("Cs", "Cc")), max_size=40),
)
tag_text = st.one_of(
    st.sampled_from(["claim", "evidence", "question", "topic/sub", "c++", "2024", "café", "a/b/c", "q&a"]),
    st.text(st.characters(exclude_categories=("Cs", "Cc")), min_size=1, max_size=12),
)
annotation_set = st.lists(
    st.tuples(st.integers(0, 10_000), st.integers(1, 40), st.lists(tag_text, max_size=4), markdownish),
    max_size=6,
)


def _build(archive: Archive, paragraphs: list[str], anns, note: str) -> Article:
    article = make_article("abc0000000ff", paragraphs, title="Property")
    archive.save(article)
    text = article.text
    for n, (pos, length, tags, ann_note) in enumerate(anns):
        start = pos % max(1, len(text) - 1)
        end = min(len(text), start + length)
        q = quote_at(text, start, end)
        archive.put_annotation(Annotation(
            id=f"{n + 1:010x}", article_id=article.id, start=start, end=end, exact=q.exact, prefix=q.prefix,
            suffix=q.suffix, tags=tags, note=ann_note, created=FIXED, updated=FIXED))
    archive.set_article_note(article.id, note)
    return article


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    paragraphs=st.lists(markdownish.filter(lambda s: s.strip()), min_size=1, max_size=4),
    anns=annotation_set,
    note=markdownish,
    new_notes=st.lists(markdownish, min_size=6, max_size=6),
)
def test_export_then_import_round_trips(paragraphs, anns, note, new_notes) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        archive = Archive(Path(tmp) / "data")
        try:
            _build(archive, [p.replace("\n\n", "\n") for p in paragraphs], anns, note)
            before = snapshot(archive)
            [path] = ex.export_to_folder(archive, ["abc0000000ff"], Path(tmp) / "out")
            raw = path.read_bytes()
            # Unchanged: nothing changes, nothing is reported.
            report = import_notes(archive, [path])
            assert report.events == []
            assert snapshot(archive) == before and path.read_bytes() == raw
            # Re-export: the same bytes.
            ex.export_to_folder(archive, ["abc0000000ff"], Path(tmp) / "out")
            assert path.read_bytes() == raw
            # Every note rewritten in the file (under its ^id, as the exporter
            # writes a note, a Tags: line included): the archive gets exactly
            # those notes.
            text = path.read_text(encoding="utf-8")
            ids = re.findall(r"^\^([0-9a-f]{10})$", text, re.M)
            parsed = parse_export(text)
            lines = text.split("\n")
            for section, new in sorted(zip(parsed.articles[0].sections, new_notes, strict=False),
                                       key=lambda x: -x[0].line):
                start = lines.index(f"^{section.ann_id}", section.line) + 1
                end = next((i for i in range(start, len(lines)) if lines[i].startswith("<!-- reader:")
                            or ex.SECTION_HEADING.match(lines[i])), len(lines))
                tags = archive.annotation(section.ann_id).tags
                lines[start:end] = ex.annotation_tail(tags, new) + [""]
                # (the marker says how the note is written, as the exporter would)
                marker = lines[section.line - 1].replace(ex.CODE_FLAG + " -->", " -->")
                if ex.render_note_coded(new)[1]:
                    marker = marker.replace(" -->", ex.CODE_FLAG + " -->")
                lines[section.line - 1] = marker
            path.write_text("\n".join(lines), encoding="utf-8")
            import_notes(archive, [path])
            wanted = dict(zip([s.ann_id for s in parsed.articles[0].sections], new_notes, strict=False))
            assert sorted(wanted) == sorted(ids)
            for ann in archive.annotations("abc0000000ff"):
                # (Notes read from a file are composed, NFC, as all text is.)
                assert ex.canonical_note(ann.note) == unicodedata.normalize("NFC", ex.canonical_note(wanted[ann.id]))
            # And once applied, a second import is a no-op.
            assert [e for e in import_notes(archive, [path]).events if e.kind != "notice"] == []
        finally:
            archive.close()


def test_filtered_export_imports_without_touching_the_rest(archive, exported: Path, tmp_path: Path) -> None:
    out = tmp_path / "claims.md"
    ex.write_file(ex.collect(archive, tag="claim"), out)
    text = out.read_text(encoding="utf-8")
    assert "## Note" not in text and re.findall(r"^\^(\w+)$", text, re.M) == ["aaaaaaaaa1"]
    before = snapshot(archive)
    assert import_notes(archive, [out], apply_deletions=True).events == []
    edit(out, "Their figure.", "Only the claims file.")
    report = import_notes(archive, [out], apply_deletions=True)
    assert kinds(report) == [("change", "aaaaaaaaa1")]
    after = snapshot(archive)
    assert after[0]["note"] == before[0]["note"]
    assert [a["id"] for a in after[0]["anns"]] == ["aaaaaaaaa1", "bbbbbbbbb2", "ccccccccc3"]


def test_a_backslash_the_user_types_before_a_hash_stays_theirs(archive, exported: Path) -> None:
    """"\\# 1 is a number" in a note is Markdown for a line that is no
    heading: imported and exported again, it reads the same in the file."""
    edit(exported, "Their figure.", "\\# 1 is the loneliest number")
    assert kinds(import_notes(archive, [exported])) == [("change", "aaaaaaaaa1")]
    assert archive.annotation("aaaaaaaaa1").note == "\\# 1 is the loneliest number"
    [w] = ex.export_folder(archive, None, exported.parent)
    assert not w.kept
    lines = exported.read_text(encoding="utf-8").splitlines()
    assert "\\# 1 is the loneliest number" in lines and "# 1 is the loneliest number" not in lines
    assert kinds(import_notes(archive, [exported])) == []


def test_a_document_of_several_articles_taken_back_is_written_again_by_the_next_export(archive, exported: Path,
                                                                                       tmp_path: Path) -> None:
    """`--out FILE.md` of two articles: once every edit is in the archive,
    the next export writes the document again rather than keep it as edited;
    an edit to an article's title (not imported) keeps it."""
    other = make_article("abc000000002", ["Another article entirely."], title="Other")
    archive.save(other)
    put(archive, other, "ddddddddd4", "Another article", ["claim"], "first")
    doc = tmp_path / "all.md"
    ex.write_file(ex.collect(archive), doc)
    edit(doc, "Their figure.", "Their figure, checked.\n")
    assert kinds(import_notes(archive, [doc])) == [("change", "aaaaaaaaa1")]
    archive.update_annotation("ddddddddd4", note="changed in the archive")
    w = ex.write_file(ex.collect(archive), doc)
    assert w.changed and not w.kept and "changed in the archive" in doc.read_text(encoding="utf-8")
    edit(doc, "# Other", "# Other (my title)")
    edit(doc, "changed in the archive", "and in the file")
    assert kinds(import_notes(archive, [doc])) == [("change", "ddddddddd4")]
    w = ex.write_file(ex.collect(archive), doc)
    assert w.kept and "(my title)" in doc.read_text(encoding="utf-8")


def test_a_section_moved_to_another_file_or_kept_in_a_copy_is_not_deleted(archive, exported: Path) -> None:
    """With --apply-deletions, a mark is deleted only when no file read holds
    its section: one cut from its article's file into another file, or still
    in the full file beside a trimmed copy, stays."""
    text = exported.read_text(encoding="utf-8")
    start = text.rfind("<!-- reader:annotation", 0, text.index("^aaaaaaaaa1"))
    end = text.index("<!-- reader:annotation", start + 10)
    copy = exported.with_name(exported.stem + " 1.md")
    copy.write_text(text[:start] + text[end:], encoding="utf-8")  # a trimmed copy; the file itself is whole
    report = import_notes(archive, [exported.parent], apply_deletions=True)
    assert not report.of("delete") and archive.annotation("aaaaaaaaa1").note == "Their figure."
    assert ("notice", "aaaaaaaaa1") in kinds(report)
    copy.unlink()
    exported.write_text(text[:start] + text[end:], encoding="utf-8")  # moved out: nowhere now
    assert kinds(import_notes(archive, [exported.parent], apply_deletions=True)) == [("delete", "aaaaaaaaa1")]


def test_properties_added_in_the_vault_are_no_edit_and_stay(archive, exported: Path) -> None:
    """Obsidian users add properties to a file's front matter ("status",
    "aliases"): the next export kept the file as edited for ever, and
    `--force` dropped them."""
    text = exported.read_text(encoding="utf-8")
    added = ('status: "to-review"\n', "aliases:\n  - Cost cuts, the audit\n  - The plan\n")
    text = text.replace("reader_id:", added[0] + "reader_id:", 1)
    end = text.index("\n---\n", 4) + 1
    exported.write_text(text[:end] + added[1] + text[end:], encoding="utf-8")
    # import-notes finds nothing to take, and no edited header.
    report = import_notes(archive, [exported])
    assert report.events == []
    # A mark made since: the next export writes the file, properties kept.
    article = archive.get(AID)
    s = article.text.index("costs by half")
    archive.add_annotation(AID, s, s + len("costs by half"), tags=["evidence"])
    [written] = ex.write_folder(ex.collect(archive), exported.parent)
    assert written.changed and not written.kept
    text = exported.read_text(encoding="utf-8")
    front = text[: text.index("\n---\n", 4)]
    assert added[0] in front and added[1] in front
    assert "> costs by half" in text
    assert ex.edited_since_export(exported.read_bytes(), "") is False
    # --force overwrites the file's edits, not its properties.
    edit(exported, "Their figure.", "Their figure, edited.")
    [written] = ex.write_folder(ex.collect(archive), exported.parent, force=True)
    text = exported.read_text(encoding="utf-8")
    assert written.changed and "Their figure, edited." not in text and added[1] in text
    # Changing the export's own keys is still an edit.
    edit(exported, 'site: "', 'site: "x')
    [written] = ex.write_folder(ex.collect(archive), exported.parent)
    assert written.kept


def test_a_file_grouped_by_a_tag_with_combining_marks_imports(archive, tmp_path: Path) -> None:
    """"## Tagged \u0939\u093f\u0928\u094d\u0926\u0940" was no section heading to import-notes (its vowel signs are no
    word characters): the section was read as the note before it."""
    article = make_article()
    archive.save(article)
    put(archive, article, "aaaaaaaaa1", "the plan would cut costs by half", ["\u0939\u093f\u0928\u094d\u0926\u0940"], "First.")
    put(archive, article, "bbbbbbbbb2", "the figures were never published", ["question"], "Second.")
    [path] = ex.export_to_folder(archive, None, tmp_path / "vault", group_by="tag")
    assert "\n## Tagged \u0939\u093f\u0928\u094d\u0926\u0940\n" in path.read_text(encoding="utf-8")
    assert import_notes(archive, [path]).events == []
    edit(path, "Second.", "Second, edited.")
    assert kinds(import_notes(archive, [path])) == [("change", "bbbbbbbbb2")]
    assert archive.annotation("bbbbbbbbb2").note == "Second, edited."


def test_a_users_heading_that_starts_like_a_tagged_section_stays_in_the_note(archive, tmp_path: Path) -> None:
    """"## Tagged C++", written as typed by every export, read as a section."""
    article = make_article()
    archive.save(article)
    put(archive, article, "aaaaaaaaa1", "the plan would cut costs by half", ["claim"],
        "Books I read:\n\n## Tagged C++\n\nStroustrup, twice.")
    [path] = ex.export_to_folder(archive, None, tmp_path / "vault")
    assert "\n## Tagged C++\n" in path.read_text(encoding="utf-8")
    assert import_notes(archive, [path]).events == []
    assert archive.annotation("aaaaaaaaa1").note.endswith("Stroustrup, twice.")


def test_a_file_written_with_raw_html_escaped_in_code_spans_is_no_edit(archive, tmp_path: Path) -> None:
    """Files exported before `<b>` in a note's code span was kept as typed
    have `\\<b>` there: taken back, they are as exported, not an edit that
    puts a backslash in the note. The same line typed in the file since is
    the user's."""
    article = make_article()
    archive.save(article)
    put(archive, article, "aaaaaaaaa1", "the plan would cut costs by half", ["claim"], "Wrap it in `<div>`.")
    archive.set_article_note(AID, "Use `a<b` here.")
    [path] = ex.export_to_folder(archive, None, tmp_path / "vault")
    # The file as those versions wrote it (its notes' markers without code=1).
    assert path.read_text(encoding="utf-8").count(ex.CODE_FLAG + " -->") == 2
    path.write_text(path.read_text(encoding="utf-8").replace(ex.CODE_FLAG + " -->", " -->"), encoding="utf-8")
    edit(path, "Wrap it in `<div>`.", "Wrap it in `\\<div>`.")
    edit(path, "Use `a<b` here.", "Use `a\\<b` here.")
    before = snapshot(archive)
    report = import_notes(archive, [path])
    assert [e for e in report.events if e.kind != "notice"] == []
    assert snapshot(archive) == before
    # Edited in the vault since, it is read the same way.
    edit(path, "Wrap it in `\\<div>`.", "Wrap it in `\\<div>`, or not.")
    import_notes(archive, [path])
    assert archive.annotation("aaaaaaaaa1").note == "Wrap it in `<div>`, or not."
    # In a file written now, a backslash typed in a code span is the user's,
    # whatever else the note comes to hold (a link, which would have made
    # the export escape it).
    [written] = ex.export_folder(archive, None, tmp_path / "vault", force=True)
    path = written.path
    edit(path, "Wrap it in `<div>`, or not.", "Wrap it in `\\<div>`, see [[HTML notes]].")
    edit(path, "Use `a<b` here.", "Use `a<b` here, see [MDN](https://developer.mozilla.org).")
    import_notes(archive, [path])
    assert archive.annotation("aaaaaaaaa1").note == "Wrap it in `\\<div>`, see [[HTML notes]]."
    assert archive.get(AID).note == "Use `a<b` here, see [MDN](https://developer.mozilla.org)."


def test_a_note_edited_in_the_file_after_a_tag_rename_is_no_conflict(archive, exported: Path) -> None:
    """`reader tag rename` after the export, then a note edited in the vault:
    a conflict, and --force put the old tag back (undoing the rename)."""
    archive.rename_tag("topic/money", "money")
    edit(exported, "See the audit office.", "See the audit office's report.")
    report = import_notes(archive, [exported])
    assert kinds(report) == [("change", "bbbbbbbbb2")], report.events
    ann = archive.annotation("bbbbbbbbb2")
    assert ann.note.startswith("See the audit office's report.") and sorted(ann.tags) == ["evidence", "money"]
    # A tag the archive gave the mark since is a change of its own: still a conflict.
    archive.update_annotation("aaaaaaaaa1", add_tags=["checked"])
    edit(exported, "Their figure.", "Their figure, doubted.")
    assert ("conflict", "aaaaaaaaa1") in kinds(import_notes(archive, [exported]))


def test_a_tag_of_a_renamed_tags_old_name_used_anew_is_not_renamed(archive, exported: Path) -> None:
    """#todo renamed #later long ago, then #todo used again: a note edited
    under a #todo mark in the vault turned its tag into #later."""
    archive.update_annotation("aaaaaaaaa1", add_tags=["todo"])
    archive.rename_tag("todo", "later")
    archive.update_annotation("aaaaaaaaa1", add_tags=["todo"])  # the old name, used anew
    [path] = ex.export_to_folder(archive, None, exported.parent)
    edit(path, "Their figure.", "Their figure, checked.")
    import_notes(archive, [path])
    assert sorted(archive.annotation("aaaaaaaaa1").tags) == ["claim", "later", "todo"]

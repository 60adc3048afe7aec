"""Importers (Pocket, Instapaper, Omnivore, wallabag) and the pending entries
they leave in the store. No network: pending entries are never fetched here."""

from __future__ import annotations

import json
import shutil
import zipfile
from pathlib import Path

import pytest

from reader.core.imports import ImportFormatError, date_only, detect_service, iso_from_text, iso_from_unix, place
from reader.core.imports.instapaper import import_instapaper
from reader.core.imports.omnivore import import_omnivore, parse_highlights
from reader.core.imports.pocket import import_pocket, parse_csv, parse_html
from reader.core.imports.wallabag import import_wallabag
from reader.core.ingest import ingest_bytes

FIX = Path(__file__).resolve().parents[1] / "fixtures" / "imports"


def zip_dir(src: Path, dest: Path) -> Path:
    with zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED) as z:
        for p in sorted(src.rglob("*")):
            if p.is_file():
                z.write(p, p.relative_to(src).as_posix())
    return dest


@pytest.fixture
def omnivore_zip(tmp_path: Path) -> Path:
    return zip_dir(FIX / "omnivore", tmp_path / "omnivore-export.zip")


def by_url(archive) -> dict:  # noqa: ANN001
    return {r.url: r for r in archive.articles()}


# ---------------------------------------------------------------- dates


def test_dates() -> None:
    assert iso_from_unix("1684913522") == "2023-05-24T07:32:02Z"
    assert iso_from_unix("1684913522000") == "2023-05-24T07:32:02Z"
    assert iso_from_unix("") is None and iso_from_unix("soon") is None
    assert iso_from_text("2024-03-05T10:12:45.123Z") == "2024-03-05T10:12:45Z"
    assert iso_from_text("2024-01-15T10:30:00+0100") == "2024-01-15T09:30:00Z"
    assert iso_from_text("2024-01-15T10:30:00+01:00") == "2024-01-15T09:30:00Z"
    assert iso_from_text("2017-02-14 17:50:31") == "2017-02-14T17:50:31Z"
    assert iso_from_text(None) is None and iso_from_text("never") is None


def test_a_publication_date_is_the_date_written_in_its_own_zone() -> None:
    assert date_only("2024-01-14T00:00:00+0100") == "2024-01-14"  # UTC would say the 13th
    assert date_only("2024-05-31T23:30:00.000-04:00") == "2024-05-31"  # UTC would say June 1st
    assert date_only("2024-03-04T00:00:00.000Z") == "2024-03-04"
    assert date_only("2017-02-14 17:50:31") == "2017-02-14"
    assert date_only("2024-02-30T10:00:00Z") is None
    assert date_only(1684913522) == "2023-05-24" and date_only("1684913522000") == "2023-05-24"
    assert date_only(None) is None and date_only("") is None and date_only("never") is None


# ---------------------------------------------------------------- Pocket


def test_pocket_html_parse() -> None:
    entries = parse_html((FIX / "ril_export.html").read_text())
    assert [e.url for e in entries] == [
        "https://www.example.org/2023/05/river-bridge",
        "https://example.net/essays/quiet-tuesday?utm_source=pocket_mylist",
        "javascript:alert(document.cookie)",
        "https://example.com/science/tides",
    ]
    first = entries[0]
    assert first.title == "The river bridge vote"
    assert first.tags == ["politics", "long read"]
    assert first.saved == "2023-05-24T07:32:02Z"
    assert entries[3].title == "Why the tides & the moon agree"
    assert entries[3].tags == ["science"]


def test_pocket_html_import(archive) -> None:  # noqa: ANN001
    report = import_pocket(archive, FIX / "ril_export.html")
    assert report.pending == 3
    assert report.duplicates == 0
    assert len(report.failed) == 1
    what, why = report.failed[0]
    assert "javascript:" in what and "only http and https" in why
    rows = by_url(archive)
    bridge = rows["https://www.example.org/2023/05/river-bridge"]
    assert bridge.status == "pending"
    assert bridge.title == "The river bridge vote"
    assert bridge.tags == ["long-read", "politics"]
    assert bridge.saved == "2023-05-24T07:32:02Z"
    assert bridge.site == "example.org"
    untitled = rows["https://example.net/essays/quiet-tuesday?utm_source=pocket_mylist"]
    assert untitled.title == untitled.url  # Pocket's "no title": the address stands in
    assert archive.fetch_state(bridge.id)["source"] == "pocket"
    # The pending entry opens (no text yet) like any article.
    art = archive.get(bridge.id)
    assert art.blocks == [] and art.url == bridge.url


def test_pocket_import_twice_adds_nothing(archive) -> None:  # noqa: ANN001
    import_pocket(archive, FIX / "ril_export.html")
    before = sorted((r.id, r.url, tuple(r.tags)) for r in archive.articles())
    again = import_pocket(archive, FIX / "ril_export.html")
    assert again.pending == 0 and again.imported == 0
    assert again.duplicates == 3
    assert sorted((r.id, r.url, tuple(r.tags)) for r in archive.articles()) == before


def test_pocket_csv(archive) -> None:  # noqa: ANN001
    entries = parse_csv((FIX / "pocket.csv").read_text())
    assert entries[0].tags == ["politics", "long read"]
    assert entries[0].saved == "2023-05-24T07:32:02Z"
    report = import_pocket(archive, FIX / "pocket.csv")
    assert report.pending == 3
    assert [w for w, _ in report.failed] == ["line 5: (no address)"]
    rows = by_url(archive)
    budgets = rows["https://example.com/budgets"]
    assert budgets.title == "Budgets, bridges and rivers"  # the escape sequence is gone
    assert rows["https://example.com/untitled"].title == "https://example.com/untitled"
    # The same links from the HTML export are duplicates (www. or not).
    again = import_pocket(archive, FIX / "ril_export.html")
    assert again.duplicates == 1 and again.pending == 2


def test_pocket_zip_of_csv_parts(archive, tmp_path: Path) -> None:  # noqa: ANN001
    dest = tmp_path / "pocket.zip"
    with zipfile.ZipFile(dest, "w") as z:
        z.writestr("part_000000.csv", "title,url,time_added,tags,status\nA,https://example.org/a,1700000000,x,unread\n")
        z.writestr("part_000001.csv", "title,url,time_added,tags,status\nB,https://example.org/b,1700000001,,archive\n")
    report = import_pocket(archive, dest)
    assert report.pending == 2
    assert set(by_url(archive)) == {"https://example.org/a", "https://example.org/b"}


def test_not_a_pocket_export(archive, tmp_path: Path) -> None:  # noqa: ANN001
    bad = tmp_path / "notes.csv"
    bad.write_text("name,age\nann,3\n")
    with pytest.raises(ImportFormatError, match="no url column"):
        import_pocket(archive, bad)
    with pytest.raises(ImportFormatError, match="no such file"):
        import_pocket(archive, tmp_path / "missing.html")


def test_an_export_of_another_service_is_refused_with_the_right_command(archive, tmp_path: Path) -> None:  # noqa: ANN001
    # Read as the wrong service, an export would come in without what only its
    # own importer reads (Instapaper's selections, folders and archive, say),
    # and the right import then finds every link a duplicate.
    with pytest.raises(ImportFormatError, match="reader import instapaper"):
        import_pocket(archive, FIX / "instapaper.csv")
    with pytest.raises(ImportFormatError, match="reader import pocket"):
        import_instapaper(archive, FIX / "pocket.csv")
    with pytest.raises(ImportFormatError, match="reader import omnivore"):
        import_wallabag(archive, FIX / "omnivore" / "metadata_0_to_4.json")
    assert archive.articles() == []


# ---------------------------------------------------------------- Instapaper


def test_instapaper(archive) -> None:  # noqa: ANN001
    report = import_instapaper(archive, FIX / "instapaper.csv")
    assert report.pending == 4
    assert len(report.failed) == 1 and "data:" in report.failed[0][1]
    rows = by_url(archive)
    one = rows["https://example.org/instapaper/one"]
    assert one.title == "First, with a comma"
    assert one.status == "pending"
    assert one.tags == []
    assert one.saved == "2022-04-15T05:20:00Z"
    assert archive.get(one.id).note == "The part I meant to come back to."
    assert one.note == "The part I meant to come back to."
    assert rows["https://example.org/instapaper/three"].tags == ["starred"]
    four = rows["https://example.org/instapaper/four"]
    assert four.tags == ["reading-list"]
    assert archive.get(four.id).note == "Selected\nacross two lines"
    again = import_instapaper(archive, FIX / "instapaper.csv")
    assert again.pending == 0 and again.duplicates == 4
    assert len(archive.articles()) == 4


def test_an_export_saved_again_in_windows_1252_reads_as_such_and_says_so(archive, tmp_path: Path) -> None:  # noqa: ANN001
    # An Instapaper CSV opened in Excel and saved again: Windows-1252, no mark.
    report = import_instapaper(archive, FIX / "instapaper-cp1252.csv")
    (row,) = archive.articles()
    assert row.title == "Caf\u00e9 \u2013 \u201cna\u00efve\u201d r\u00e9sum\u00e9"
    assert report.warnings == ["instapaper-cp1252.csv: not UTF-8; read as Windows-1252, the encoding it seems to be "
                               "in (if its accented letters look wrong, save it as UTF-8 and import it again)"]
    assert "  warning: instapaper-cp1252.csv: not UTF-8; read as Windows-1252" in "\n".join(report.lines())
    assert "read as Windows-1252" in report.summary()
    # UTF-8 with a broken byte: read as UTF-8, and the byte lost is said.
    broken = tmp_path / "broken.csv"
    title = "Cr\u00e8me br\u00fbl\u00e9e and na\u00efve r\u00e9sum\u00e9s: " * 4
    broken.write_bytes(f"URL,Title,Selection,Folder\nhttps://example.org/b,{title}".encode() + b"\xff,,Unread\n")
    report = import_instapaper(archive, broken)
    assert by_url(archive)["https://example.org/b"].title == title + "\ufffd"
    assert report.warnings == ["broken.csv: 1 character could not be read (shown as \ufffd)"]
    assert import_instapaper(archive, FIX / "instapaper.csv").warnings == []  # UTF-8: nothing to say


def test_instapaper_selection_joins_a_link_already_here_once(archive, tmp_path: Path) -> None:  # noqa: ANN001
    # Moving from Pocket and Instapaper both: the link is here from Pocket;
    # the text the user selected in Instapaper is not lost as a "duplicate".
    pocket = tmp_path / "pocket.csv"
    pocket.write_text("title,url,time_added,tags,status\n"
                      "Deep work,https://blog.example.org/deep-work,1600000000,focus,unread\n", encoding="utf-8")
    import_pocket(archive, pocket)
    export = tmp_path / "instapaper-export.csv"
    export.write_text("URL,Title,Selection,Folder,Timestamp\n"
                      "https://blog.example.org/deep-work,Deep work,Attention is the scarce resource.,Unread,1650000000\n"
                      "https://blog.example.org/deep-work/,Deep work,A second selection.,Unread,1650000001\n",
                      encoding="utf-8")
    report = import_instapaper(archive, export)
    (row,) = archive.articles()
    assert report.duplicates == 2 and report.notes_joined == 2
    assert archive.article_note(row.id) == "Attention is the scarce resource.\n\nA second selection."
    assert any("2 notes joined" in line for line in report.lines())
    # Once: an import again joins nothing, and what the user makes of the note stays.
    again = import_instapaper(archive, export)
    assert again.notes_joined == 0
    archive.set_article_note(row.id, "")
    import_instapaper(archive, export)
    assert archive.article_note(row.id) == ""


def test_instapaper_selection_deleted_stays_deleted_on_import_again(archive, tmp_path: Path) -> None:  # noqa: ANN001
    export = tmp_path / "instapaper-export.csv"
    export.write_text("URL,Title,Selection,Folder,Timestamp\n"
                      "https://i.example/1,One,Picked text.,Unread,1650000000\n", encoding="utf-8")
    import_instapaper(archive, export)
    (row,) = archive.articles()
    archive.set_article_note(row.id, "")
    import_instapaper(archive, export)
    assert archive.article_note(row.id) == ""


def test_instapaper_tags_column(archive, tmp_path: Path) -> None:  # noqa: ANN001
    # Exports since 2025 end each row with its tags, a JSON list.
    export = tmp_path / "instapaper-export.csv"
    export.write_text('URL,Title,Selection,Folder,Timestamp,Tags\n'
                      'https://i.example/1,One,,Unread,1650000000,"[""ml"",""Long Read""]"\n'
                      'https://i.example/2,Two,,Recipes,1650000001,[]\n'
                      'https://i.example/3,Three,,Unread,1650000002,\n', encoding="utf-8")
    import_instapaper(archive, export)
    rows = by_url(archive)
    assert rows["https://i.example/1"].tags == ["long-read", "ml"]
    assert rows["https://i.example/2"].tags == ["recipes"]
    assert rows["https://i.example/3"].tags == []


# ---------------------------------------------------------------- Omnivore


def test_omnivore_highlight_markdown() -> None:
    md = (FIX / "omnivore" / "highlights" / "the-bridge-committee-18f2a1b3c4d.md").read_text()
    highlights, note = parse_highlights(md)
    assert note == "This piece is the best summary of the bridge saga."
    assert [h.quote[:30] for h in highlights] == [
        "The committee met on a quiet T",
        "Nobody had read the engineers'",
        "the members voted twice and re",
        "A sentence about trams that th",
    ]
    first = highlights[0]
    assert first.tags == ["claim", "Long Read"]
    assert first.note == "Check the minutes: was it really a Tuesday?"
    assert first.quote.endswith("the budget.")  # the trailing space Omnivore writes is gone
    # A quote over two paragraphs: Omnivore's "> " on the blank line, the next paragraph run on.
    assert highlights[1].quote.split("\n\n") == [
        "Nobody had read the engineers' report, which ran to four hundred pages and recommended a ferry instead.",
        "By the evening the members had voted twice, reversed themselves once, and ended by agreeing on "
        "nothing at all.",
    ]
    assert highlights[1].note == "" and highlights[1].tags == []
    assert highlights[3].note == "kept as an orphan"


def test_omnivore_note_that_starts_with_a_hashtag_stays_a_note() -> None:
    """Omnivore writes a highlight's labels ("#claim #Long Read") on the line
    after its quote, then its note: a note that itself starts with a hashtag
    is a note, not labels."""
    md = ("> The slow web values depth over speed. \n\n#1 reason I keep reading this blog\n\n"
          "> Critics say it is nostalgia. \n\n#claim #Long Read\n\n#todo check the 30 states figure")
    first, second = parse_highlights(md)[0]
    assert first.note == "#1 reason I keep reading this blog" and first.tags == []
    assert second.tags == ["claim", "Long Read"] and second.note == "#todo check the 30 states figure"


def test_omnivore_import(archive, omnivore_zip: Path) -> None:  # noqa: ANN001
    report = import_omnivore(archive, omnivore_zip)
    assert report.imported == 2
    assert report.pending == 1
    assert len(report.failed) == 1 and "javascript" in report.failed[0][0]
    assert report.highlights == 5
    assert report.placed == 3
    assert report.orphaned == 2

    rows = by_url(archive)
    bridge = rows["https://example.org/news/bridge-committee"]
    assert bridge.status == "ok"
    assert bridge.title == "The Bridge Committee"
    assert bridge.author == "Ana Lima"
    assert bridge.published == "2024-03-04"
    assert bridge.saved == "2024-03-05T10:12:45Z"
    assert bridge.tags == ["long-read", "politics"]
    article = archive.get(bridge.id)
    assert article.note == "This piece is the best summary of the bridge saga."
    anns = archive.annotations(bridge.id)
    placed = [a for a in anns if not a.orphaned]
    orphans = [a for a in anns if a.orphaned]
    assert len(placed) == 3 and len(orphans) == 1
    first = placed[0]
    assert article.text[first.start:first.end] == first.exact
    assert first.exact.startswith("The committee met on a quiet Tuesday")
    assert first.tags == ["claim", "long-read"]
    assert first.note == "Check the minutes: was it really a Tuesday?"
    two_paras = placed[1]
    assert two_paras.exact.startswith("Nobody had read") and two_paras.exact.endswith("nothing at all.")
    fuzzy = placed[2]
    assert "voted twice" in fuzzy.exact and article.text[fuzzy.start:fuzzy.end] == fuzzy.exact
    assert fuzzy.note == "fuzzy: the words differ from the text"
    orphan = orphans[0]
    assert orphan.exact.startswith("A sentence about trams")
    assert orphan.note == "kept as an orphan"
    # Raw HTML beside the article.
    raw = archive.raw(bridge.id)
    assert raw is not None and "readability-page-1" in raw["html"] and raw["source"] == "omnivore"

    tides = rows["https://example.com/science/tides-and-the-moon"]
    assert tides.title == "Tides and the Moon" and tides.status == "ok" and tides.tags == []

    never = rows["https://example.net/never-fetched"]
    assert never.status == "pending"
    assert never.tags == ["later"]
    waiting = archive.annotations(never.id)
    assert len(waiting) == 1 and waiting[0].orphaned
    assert waiting[0].exact.startswith("Tides and the Moon: a highlight")
    assert waiting[0].tags == ["later"] and waiting[0].note == "read this first"


def test_omnivore_import_twice_duplicates_nothing(archive, omnivore_zip: Path) -> None:  # noqa: ANN001
    import_omnivore(archive, omnivore_zip)
    bridge = by_url(archive)["https://example.org/news/bridge-committee"]
    first = archive.annotations(bridge.id)
    # An edit made since the first import survives the second.
    archive.update_annotation(first[0].id, note="my own note now")
    again = import_omnivore(archive, omnivore_zip)
    assert again.imported == 0 and again.pending == 0
    assert again.duplicates == 3
    assert again.highlights == 0 and again.highlights_known == 5
    assert len(archive.articles()) == 3
    after = archive.annotations(bridge.id)
    assert [a.id for a in after] == [a.id for a in first]
    assert after[0].note == "my own note now"
    assert archive.get(bridge.id).note == "This piece is the best summary of the bridge saga."


def test_omnivore_article_note_edited_or_deleted_stays_so_on_import_again(archive, omnivore_zip: Path) -> None:  # noqa: ANN001
    import_omnivore(archive, omnivore_zip)
    bridge = by_url(archive)["https://example.org/news/bridge-committee"]
    archive.set_article_note(bridge.id, "My own view of the saga")
    import_omnivore(archive, omnivore_zip)
    assert archive.article_note(bridge.id) == "My own view of the saga"
    archive.set_article_note(bridge.id, "")
    import_omnivore(archive, omnivore_zip)
    assert archive.article_note(bridge.id) == ""


def test_omnivore_unzipped_folder(archive, tmp_path: Path) -> None:  # noqa: ANN001
    folder = tmp_path / "Omnivore export"
    shutil.copytree(FIX / "omnivore", folder)
    report = import_omnivore(archive, folder)
    assert report.imported == 2 and report.highlights == 5


def test_omnivore_fills_a_pending_pocket_entry(archive, tmp_path: Path) -> None:  # noqa: ANN001
    pocket = tmp_path / "pocket.csv"
    pocket.write_text("title,url,time_added,tags,status\nBridge,https://example.org/news/bridge-committee,"
                      "1600000000,from-pocket,unread\n")
    import_pocket(archive, pocket)
    pending_id = by_url(archive)["https://example.org/news/bridge-committee"].id
    report = import_omnivore(archive, zip_dir(FIX / "omnivore", tmp_path / "o.zip"))
    assert report.imported == 2
    row = archive.info(pending_id)
    assert row.status == "ok"
    assert row.tags == ["from-pocket", "long-read", "politics"]
    assert row.saved == "2020-09-13T12:26:40Z"  # saved first in Pocket
    assert row.annotation_count == 4


def test_not_an_omnivore_export(archive, tmp_path: Path) -> None:  # noqa: ANN001
    z = tmp_path / "x.zip"
    with zipfile.ZipFile(z, "w") as f:
        f.writestr("readme.txt", "hello")
    with pytest.raises(ImportFormatError, match="no metadata_"):
        import_omnivore(archive, z)
    notzip = tmp_path / "y.zip"
    notzip.write_text("plain text")
    with pytest.raises(ImportFormatError, match="not a zip"):
        import_omnivore(archive, notzip)


# ---------------------------------------------------------------- wallabag


def test_omnivore_publication_date_is_not_moved_to_utc(archive, tmp_path: Path) -> None:  # noqa: ANN001
    src = tmp_path / "omnivore"
    shutil.copytree(FIX / "omnivore", src)
    meta = src / "metadata_0_to_4.json"
    items = json.loads(meta.read_text(encoding="utf-8"))
    items[0]["publishedAt"] = "2024-05-31T23:30:00.000-04:00"
    meta.write_text(json.dumps(items), encoding="utf-8")
    import_omnivore(archive, zip_dir(src, tmp_path / "omnivore-export.zip"))
    assert by_url(archive)[items[0]["url"]].published == "2024-05-31"


def test_wallabag_import(archive) -> None:  # noqa: ANN001
    report = import_wallabag(archive, FIX / "wallabag.json")
    assert report.imported == 1
    assert report.pending == 2
    assert len(report.failed) == 1 and "data:" in report.failed[0][1]
    assert report.highlights == 3 and report.placed == 2 and report.orphaned == 1
    rows = by_url(archive)
    ferries = rows["https://example.org/opinion/ferries-not-bridges"]
    assert ferries.title == "Ferries, not bridges"
    assert ferries.tags == ["long-read", "politics", "starred"]
    assert ferries.author == "Ana Lima, Rui Costa"
    assert ferries.saved == "2024-01-15T09:30:00Z"
    assert ferries.published == "2024-01-14"  # as written: "2024-01-14T00:00:00+0100"
    article = archive.get(ferries.id)
    anns = {a.note: a for a in archive.annotations(ferries.id)}
    second = anns["The second time they say it."]
    # The quote is in the text twice; the range points at the second paragraph.
    assert article.text.count("A ferry costs less than a bridge") == 2
    assert second.start == article.text.index("A ferry costs less than a bridge", 10)
    assert not second.orphaned
    assert anns[""].exact == "Tolls would pay for the ferry within nine years."
    lost = anns["Where did this go?"]
    assert lost.orphaned and lost.exact == "a paragraph the page lost when it was updated"
    assert rows["https://example.com/not-parsed"].status == "pending"
    empty = rows["https://example.com/empty-content"]
    assert empty.status == "pending" and empty.tags == ["data"]

    again = import_wallabag(archive, FIX / "wallabag.json")
    assert again.imported == 0 and again.pending == 0 and again.duplicates == 3
    assert again.highlights == 0 and again.highlights_known == 3
    assert len(archive.annotations(ferries.id)) == 3
    assert len(archive.articles()) == 3


def test_an_export_with_changed_text_reports_the_users_notes_it_orphans(archive, tmp_path: Path) -> None:  # noqa: ANN001
    def export(paragraphs: list[str]) -> Path:
        path = tmp_path / "wallabag.json"
        path.write_text(json.dumps([{"url": "https://science.example.org/sleep", "title": "On sleep",
                                     "content": "".join(f"<p>{p}</p>" for p in paragraphs)}]), encoding="utf-8")
        return path

    keep = "Subjects who slept after learning recalled more words the next day than those who stayed awake."
    gone = "The hippocampus replays the day's events during slow-wave sleep, and the replay strengthens them."
    new = "A 2024 meta-analysis found the effect smaller than first reported, but real, across forty studies."
    import_wallabag(archive, export([keep, gone]))
    (row,) = archive.articles()
    text = archive.get(row.id).text
    archive.add_annotation(row.id, text.index(keep), text.index(keep) + len(keep), note="kept")
    lost = archive.add_annotation(row.id, text.index(gone), text.index(gone) + len(gone), note="my key note")
    report = import_wallabag(archive, export([keep, new]))
    assert report.updated == 1
    assert archive.annotation(lost.id).orphaned
    assert report.notes_kept == 1 and report.notes_orphaned == 1
    out = "\n".join(report.lines())
    assert "1 orphaned" in out and f"reader notes {row.id[:8]}" in out


def test_an_address_twice_in_one_export_keeps_the_first_entrys_text_and_highlights(archive,  # noqa: ANN001
                                                                                  tmp_path: Path) -> None:
    entries = json.loads((FIX / "wallabag.json").read_text(encoding="utf-8"))
    first = next(e for e in entries if e.get("url") == "https://example.org/opinion/ferries-not-bridges")
    dup = {"url": first["url"], "title": "Ferries again", "content": "<p>dup</p>", "tags": ["second-copy"],
           "is_archived": 1, "annotations": [{"quote": "dup", "text": "on the second copy"}]}
    export = tmp_path / "wallabag.json"
    export.write_text(json.dumps([first, dup]), encoding="utf-8")
    report = import_wallabag(archive, export)
    assert (report.imported, report.updated, report.duplicates) == (1, 0, 1)
    ferries = by_url(archive)[first["url"]]
    assert "A ferry costs less than a bridge" in archive.get(ferries.id).text
    assert "second-copy" in ferries.tags and ferries.read  # the second entry's tags and read state join it
    anns = archive.annotations(ferries.id)
    placed = [a for a in anns if not a.orphaned]
    assert len(placed) == 2 and len(anns) == 4  # the second copy's highlight is not in the first's text


def test_a_note_on_no_quote_joins_the_articles_note_once(archive, tmp_path: Path) -> None:  # noqa: ANN001
    entries = json.loads((FIX / "wallabag.json").read_text(encoding="utf-8"))
    first = next(e for e in entries if e.get("url") == "https://example.org/opinion/ferries-not-bridges")
    first["annotations"] = [*first["annotations"], {"quote": "", "text": "The whole piece leans on one study."},
                            {"quote": "", "text": "one study"}]
    export = tmp_path / "wallabag.json"
    export.write_text(json.dumps([first]), encoding="utf-8")
    import_wallabag(archive, export)
    ferries = by_url(archive)[first["url"]]
    both = "The whole piece leans on one study.\n\none study"  # a note inside another is a note too
    assert archive.article_note(ferries.id) == both
    assert all(a.exact != "The whole piece leans on one study." for a in archive.annotations(ferries.id))
    import_wallabag(archive, export)
    assert archive.article_note(ferries.id) == both
    # What the user makes of it afterwards stays: a deleted note does not come
    # back with the next import, nor does an edited one come back twice.
    archive.set_article_note(ferries.id, "one study, and it is old")
    import_wallabag(archive, export)
    assert archive.article_note(ferries.id) == "one study, and it is old"
    archive.set_article_note(ferries.id, "")
    import_wallabag(archive, export)
    assert archive.article_note(ferries.id) == ""


def test_export_titles_read_their_character_references_and_an_untitled_text_takes_a_title(  # noqa: ANN001
        archive, tmp_path: Path) -> None:
    body = "<p>An entry without a title but with plenty of content, enough words to read comfortably.</p>"
    path = tmp_path / "wallabag.json"
    path.write_text(json.dumps([
        {"url": "https://wb.example.com/budget", "title": "Budget: the &quot;big&quot; numbers &amp; AT&T",
         "content": "<p>The budget is large, said the minister, and it will grow next year by five percent.</p>"},
        {"url": "https://wb.example.com/notitle", "title": "", "content": body},
        {"url": "https://wb.example.com/headed", "title": None, "content": "<h2>Its own headline here</h2>" + body},
        {"url": "https://wb.example.com/later", "title": "Tom &amp;amp; Jerry", "content": ""},  # pending
    ]), encoding="utf-8")
    import_wallabag(archive, path)
    rows = by_url(archive)
    assert rows["https://wb.example.com/budget"].title == 'Budget: the "big" numbers & AT&T'
    assert rows["https://wb.example.com/notitle"].title == "https://wb.example.com/notitle"
    assert rows["https://wb.example.com/headed"].title == "Its own headline here"
    assert rows["https://wb.example.com/later"].title == "Tom &amp; Jerry"  # read once, as written
    # Pocket's titles too, in its CSV and (escaped twice) in its page of links; text is never read as markup.
    pocket = tmp_path / "pocket.csv"
    pocket.write_text("title,url,time_added,tags,status\n"
                      "It&#39;s &lt;b&gt;bold&lt;/b&gt; &notation,https://example.org/p,1600000000,,unread\n")
    import_pocket(archive, pocket)
    assert by_url(archive)["https://example.org/p"].title == "It's <b>bold</b> &notation"
    page = tmp_path / "ril_export.html"
    page.write_text('<!DOCTYPE html><html><head><title>Pocket Export</title></head><body><h1>Unread</h1><ul>'
                    '<li><a href="https://example.org/q" time_added="1600000000" tags="">'
                    'Space &amp;amp; Time: A &amp;quot;Primer&amp;quot;</a></li></ul></body></html>')
    import_pocket(archive, page)
    assert by_url(archive)["https://example.org/q"].title == 'Space & Time: A "Primer"'


def test_wallabag_not_json(archive, tmp_path: Path) -> None:  # noqa: ANN001
    bad = tmp_path / "w.json"
    bad.write_text("{not json")
    with pytest.raises(ImportFormatError, match="not valid JSON"):
        import_wallabag(archive, bad)
    bad.write_text(json.dumps({"hello": 1}))
    with pytest.raises(ImportFormatError, match="list of entries"):
        import_wallabag(archive, bad)


# ---------------------------------------------------------------- placing quotes


def test_place_prefers_exact_then_whitespace_then_fuzzy() -> None:
    text = "One two three.\n\nFour five six. One two three again."
    assert place(text, "One two three") == (0, 13)
    assert place(text, "One two three", hint=40) == (31, 44)
    span = place(text, "three. Four five")
    assert span is not None and text[span[0]:span[1]] == "three.\n\nFour five"
    assert place(text, "a quote from elsewhere entirely") is None


# ---------------------------------------------------------------- store: pending entries


def _page(url: str, body: str) -> object:
    return ingest_bytes(f"<html><head><title>T</title></head><body><h1>Head line here</h1><p>{body}</p>"
                        f"</body></html>".encode(), "html", url=url)


def test_fill_pending_keeps_identity_and_anchors_orphans(archive) -> None:  # noqa: ANN001
    from reader.core.models import Annotation

    res = archive.add_pending("https://example.org/p", title="Saved title", tags=["mine"],
                              saved="2020-01-01T00:00:00Z", note="why I saved it")
    assert res.status == "added"
    pid = res.id
    archive.put_annotation(Annotation(id="abcdef0123", article_id=pid, start=0, end=0,
                                      exact="the second sentence", orphaned=True))
    assert archive.pending()[0].id == pid
    article = _page("https://example.org/p", "The first sentence. Then the second sentence, and more.")
    out = archive.fill_pending(pid, article)
    assert out.status == "added" and out.id == pid and out.reanchored == 1
    row = archive.info(pid)
    assert row.status == "ok" and row.saved == "2020-01-01T00:00:00Z" and row.tags == ["mine"]
    got = archive.get(pid)
    assert got.note == "why I saved it" and got.blocks
    ann = archive.annotations(pid)[0]
    assert not ann.orphaned and got.text[ann.start:ann.end] == "the second sentence"
    assert archive.pending() == []
    with pytest.raises(Exception, match="not waiting"):
        archive.fill_pending(pid, article)


def test_fill_pending_keeps_the_title_the_entry_came_with(archive) -> None:  # noqa: ANN001
    titled = archive.add_pending("https://example.org/own", title="My own title from Omnivore").id
    bare = archive.add_pending("https://example.org/bare").id  # its address stands in for a title
    archive.fill_pending(titled, _page("https://example.org/own", "The first sentence of the page itself."))
    page = _page("https://example.org/bare", "Another page, another first sentence.")
    archive.fill_pending(bare, page)
    got = archive.get(titled)
    assert got.title == "My own title from Omnivore"
    # The page's own headline, no longer the title shown above, is shown in the text.
    assert any(b.text == "Head line here" and not b.boilerplate for b in got.blocks)
    assert archive.get(bare).title == page.title != "https://example.org/bare"


def test_fill_pending_with_text_already_here_merges(archive) -> None:  # noqa: ANN001
    kept = archive.save(_page("https://example.org/original", "Same words in both places, word for word."))
    pid = archive.add_pending("https://example.org/mirror", tags=["t1"], note="a note").id
    out = archive.fill_pending(pid, _page("https://example.org/mirror", "Same words in both places, word for word."))
    assert out.status == "duplicate" and out.id == kept.id
    assert [r.id for r in archive.articles()] == [kept.id]
    assert archive.get(kept.id).tags == ["t1"]
    assert archive.get(kept.id).note == "a note"


def test_fill_pending_into_an_article_with_its_own_note_keeps_both_notes(archive) -> None:  # noqa: ANN001
    kept = archive.save(_page("https://example.org/original", "Same words in both places, word for word."))
    archive.set_article_note(kept.id, "what I wrote on it")
    pid = archive.add_pending("https://example.org/mirror", note="the part I selected when saving").id
    out = archive.fill_pending(pid, _page("https://example.org/mirror", "Same words in both places, word for word."))
    assert out.status == "duplicate" and out.id == kept.id
    assert archive.article_note(kept.id) == "what I wrote on it\n\nthe part I selected when saving"


def test_fetch_failures_and_statuses(archive) -> None:  # noqa: ANN001
    a = archive.add_pending("https://example.org/a").id
    b = archive.add_pending("https://example.org/b").id
    assert archive.add_pending("http://www.example.org/a/").status == "duplicate"
    archive.record_fetch_failure(a, "timed out", permanent=False)
    archive.record_fetch_failure(b, "HTTP 404 Not Found", permanent=True)
    assert archive.info(a).status == "pending" and archive.info(b).status == "failed"
    assert archive.fetch_state(a)["attempts"] == 1 and archive.fetch_state(a)["error"] == "timed out"
    assert [r.id for r in archive.pending()] == [a]
    assert {r.id for r in archive.pending(failed=True)} == {a, b}
    statuses = {r.id: r.status for r in archive.articles()}
    assert statuses == {a: "pending", b: "failed"}


def test_the_report_names_the_tags_an_import_rewrote_or_merged(archive, tmp_path: Path) -> None:  # noqa: ANN001
    pocket = tmp_path / "pocket.csv"
    pocket.write_text("title,url,time_added,tags,status\n"
                      "A,https://example.org/a,1600000000,c++|Long Read|.net,unread\n"
                      "B,https://example.org/b,1600000000,c#|C|food|long read,unread\n")
    report = import_pocket(archive, pocket)
    assert report.tags_rewritten() == ["C, c#, c++ are #c", ".net is #net"]
    assert ("  tags written as tags can be (letters, digits, - and _): C, c#, c++ are #c; .net is #net"
            in report.lines())
    assert "tags C, c#, c++ are #c; .net is #net" in report.summary()
    assert by_url(archive)["https://example.org/b"].tags == ["c", "food", "long-read"]  # stored as before
    # An Omnivore label and a highlight's tag too; "Long Read" only changes case and spaces.
    folder = tmp_path / "omnivore"
    shutil.copytree(FIX / "omnivore", folder)
    meta = folder / "metadata_0_to_4.json"
    meta.write_text(meta.read_text(encoding="utf-8").replace('"Politics"', '"C++"'), encoding="utf-8")
    marks = folder / "highlights" / "the-bridge-committee-18f2a1b3c4d.md"
    marks.write_text(marks.read_text(encoding="utf-8").replace("#claim #Long Read", "#claim #C#"), encoding="utf-8")
    report = import_omnivore(archive, folder)
    assert report.tags_rewritten() == ["C#, C++ are #c"]


def test_a_deleted_article_stays_deleted_on_import_again_unless_added_by_hand(  # noqa: ANN001
        archive, omnivore_zip: Path, tmp_path: Path) -> None:
    first = import_omnivore(archive, omnivore_zip)
    bridge = by_url(archive)["https://example.org/news/bridge-committee"]
    archive.delete(bridge.id)
    again = import_omnivore(archive, omnivore_zip)
    assert again.imported == again.highlights == 0 and again.duplicates == first.imported + first.pending - 1
    assert "https://example.org/news/bridge-committee" not in by_url(archive)
    assert "  1 article you deleted was not imported again" in again.lines()
    assert "1 you deleted not imported again" in again.summary()
    # A pending link too (Pocket's), and any service's export of the same address.
    pocket = tmp_path / "pocket.csv"
    pocket.write_text("title,url,time_added,tags,status\n"
                      "Later,https://example.org/later,1600000000,,unread\n"
                      "Bridge,http://www.example.org/news/bridge-committee/,1600000000,,unread\n")
    import_pocket(archive, pocket)
    archive.delete(by_url(archive)["https://example.org/later"].id)
    report = import_pocket(archive, pocket)
    assert report.pending == report.duplicates == 0 and len(report.deleted) == 2
    assert "  2 articles you deleted were not imported again" in report.lines()
    # Added by hand, it is the user's again: an import finds it here.
    archive.save(_page("https://example.org/news/bridge-committee", "The committee met and voted for the bridge."))
    report = import_omnivore(archive, omnivore_zip)
    assert not report.deleted and report.imported == report.pending == 0
    assert by_url(archive)["https://example.org/news/bridge-committee"].status == "ok"


def test_a_deleted_highlight_stays_deleted_on_import_again(archive, omnivore_zip: Path) -> None:  # noqa: ANN001
    import_omnivore(archive, omnivore_zip)
    bridge = by_url(archive)["https://example.org/news/bridge-committee"]
    first = archive.annotations(bridge.id)
    gone = archive.delete_annotation(first[0].id)
    again = import_omnivore(archive, omnivore_zip)
    assert again.highlights == 0 and again.highlights_deleted == 1 and again.highlights_known == 4
    assert "1 deleted by you (left deleted)" in "\n".join(again.lines())
    assert gone.id not in {a.id for a in archive.annotations(bridge.id)}
    assert [a.id for a in archive.annotations(bridge.id)] == [a.id for a in first[1:]]
    assert archive.deleted_annotation_ids(bridge.id) == {gone.id}


def test_raw_page_is_kept_and_deleted_with_the_article(archive) -> None:  # noqa: ANN001
    res = archive.save(_page("https://example.org/r", "Words to keep for the raw test, enough of them."))
    assert archive.raw(res.id) is None
    archive.put_raw(res.id, "<html>raw</html>", {"final_url": "https://example.org/r2", "charset": "utf-8"})
    raw = archive.raw(res.id)
    assert raw["html"] == "<html>raw</html>" and raw["final_url"] == "https://example.org/r2"
    archive.delete(res.id)
    assert archive.raw(res.id) is None


# ---------------------------------------------------------------- read state


def test_read_or_archived_links_come_in_read(archive, omnivore_zip: Path, tmp_path: Path) -> None:  # noqa: ANN001
    """What the user had read (Pocket's Read Archive, Instapaper's Archive,
    Omnivore's and wallabag's archived items) arrives marked read; the rest
    unread."""
    import_pocket(archive, FIX / "ril_export.html")
    import_pocket(archive, FIX / "pocket.csv")
    import_instapaper(archive, FIX / "instapaper.csv")
    import_omnivore(archive, omnivore_zip)
    import_wallabag(archive, FIX / "wallabag.json")
    rows = by_url(archive)
    read = {u for u, r in rows.items() if r.read}
    assert read == {
        "https://example.com/science/tides",  # Pocket HTML: under "Read Archive"
        "https://example.com/budgets",  # Pocket CSV: status "archive"
        "https://example.org/instapaper/two",  # Instapaper: folder Archive
        "https://example.org/news/bridge-committee",  # Omnivore: state ARCHIVED
        "https://example.org/opinion/ferries-not-bridges",  # wallabag: is_archived, archived_at
    }
    assert rows["https://example.org/opinion/ferries-not-bridges"].read == "2024-02-01T08:00:00Z"
    assert not rows["https://www.example.org/2023/05/river-bridge"].read


def test_read_state_is_the_users_after_import(archive) -> None:  # noqa: ANN001
    """Marked unread here, an article stays unread when the export that says
    "archived" is imported again, and keeps its state through its fetch."""
    import_pocket(archive, FIX / "ril_export.html")
    tides = by_url(archive)["https://example.com/science/tides"]
    assert tides.read
    archive.set_read(tides.id, False)
    import_pocket(archive, FIX / "ril_export.html")
    assert not archive.info(tides.id).read
    bridge = by_url(archive)["https://www.example.org/2023/05/river-bridge"]
    archive.set_read(bridge.id, when="2025-01-02T03:04:05Z")
    archive.fill_pending(bridge.id, _page(bridge.url, "The bridge vote went the council's way at last."))
    assert archive.info(bridge.id).read == "2025-01-02T03:04:05Z"
    assert archive.info(bridge.id).status == "ok"


# ---------------------------------------------------------------- an export again


def test_a_pocket_export_again_brings_its_new_tags_and_read_state(archive, tmp_path: Path) -> None:  # noqa: ANN001
    """Exported again later, with more tags and more read: the tags the
    articles lack join theirs (none removed, none twice), and read there is
    read here."""
    head = "title,url,time_added,tags,status\n"
    first = tmp_path / "first.csv"
    first.write_text(head + "Bridge,https://example.org/bridge,1600000000,politics|long read,unread\n"
                     "Tides,https://example.org/tides,1600000001,science,unread\n"
                     "Budget,https://example.org/budget,1600000002,,unread\n")
    import_pocket(archive, first)
    rows = by_url(archive)
    bridge, tides, budget = (rows[f"https://example.org/{k}"] for k in ("bridge", "tides", "budget"))
    archive.add_article_tags(bridge.id, ["mine"])
    later = tmp_path / "later.csv"
    later.write_text(head + "Bridge,https://example.org/bridge,1600000000,Politics|transport,archive\n"
                     "Tides,https://example.org/tides/,1600000001,science,unread\n"
                     "Budget,https://example.org/budget,1600000002,money|Money,archive\n")
    report = import_pocket(archive, later)
    assert (report.pending, report.duplicates) == (0, 3)
    assert archive.info(bridge.id).tags == ["long-read", "mine", "politics", "transport"]
    assert archive.info(tides.id).tags == ["science"] and not archive.info(tides.id).read
    assert archive.info(budget.id).tags == ["money"]
    assert archive.info(bridge.id).read and archive.info(budget.id).read
    assert "  already in the archive: 3 (2 given new tags, 2 marked read)" in report.lines()
    # Once: the same export again changes nothing, and says so.
    again = import_pocket(archive, later)
    assert "  already in the archive: 3" in again.lines()
    assert archive.info(bridge.id).tags == ["long-read", "mine", "politics", "transport"]


def test_an_instapaper_export_again_brings_its_tags_and_archive(archive, tmp_path: Path) -> None:  # noqa: ANN001
    head = "URL,Title,Selection,Folder,Timestamp,Tags\n"
    first = tmp_path / "first.csv"
    first.write_text(head + 'https://i.example/1,One,,Unread,1650000000,"[""ml""]"\n'
                     "https://i.example/2,Two,,Unread,1650000001,[]\n"
                     "https://i.example/3,Three,,Archive,1650000002,[]\n", encoding="utf-8")
    import_instapaper(archive, first)
    rows = by_url(archive)
    one, two, three = (rows[f"https://i.example/{n}"] for n in (1, 2, 3))
    archive.set_read(three.id, False)  # read there, marked unread here: the user's choice stands
    later = tmp_path / "later.csv"
    later.write_text(head + 'https://i.example/1,One,,Archive,1650000000,"[""ml"", ""Papers""]"\n'
                     "https://i.example/2,Two,,Research,1650000001,[]\n"
                     "https://i.example/3,Three,,Archive,1650000002,[]\n", encoding="utf-8")
    report = import_instapaper(archive, later)
    assert report.duplicates == 3
    assert archive.info(one.id).tags == ["ml", "papers"] and archive.info(one.id).read
    assert archive.info(two.id).tags == ["research"] and not archive.info(two.id).read  # a folder of the user's
    assert not archive.info(three.id).read
    assert "  already in the archive: 3 (2 given new tags, 1 marked read)" in report.lines()


def test_an_omnivore_export_again_brings_its_new_labels_and_archived_state(archive, omnivore_zip: Path,  # noqa: ANN001
                                                                         tmp_path: Path) -> None:
    import_omnivore(archive, omnivore_zip)
    rows = by_url(archive)
    tides = rows["https://example.com/science/tides-and-the-moon"]
    never = rows["https://example.net/never-fetched"]
    assert not tides.read and tides.tags == []
    src = tmp_path / "omnivore"
    shutil.copytree(FIX / "omnivore", src)
    meta = src / "metadata_0_to_4.json"
    items = json.loads(meta.read_text(encoding="utf-8"))
    for item in items:
        if item["url"] == tides.url:  # saved with its text
            item.update(labels=[{"name": "Moon"}], state="ARCHIVED", archivedAt="2024-08-01T09:00:00.000Z")
        if item["url"] == never.url:  # a link still to fetch
            item["labels"] = ["later", "Tides"]
    meta.write_text(json.dumps(items), encoding="utf-8")
    report = import_omnivore(archive, zip_dir(src, tmp_path / "later.zip"))
    assert (report.imported, report.updated, report.duplicates) == (0, 0, 3)
    assert archive.info(tides.id).tags == ["moon"] and archive.info(tides.id).read == "2024-08-01T09:00:00Z"
    assert archive.info(never.id).tags == ["later", "tides"]
    assert "  already in the archive: 3 (2 given new tags, 1 marked read)" in report.lines()


def test_an_export_again_with_changed_text_brings_its_read_state(archive, tmp_path: Path) -> None:  # noqa: ANN001
    def export(body: str, **more: object) -> Path:
        path = tmp_path / "wallabag.json"
        path.write_text(json.dumps([{"url": "https://science.example.org/sleep", "title": "On sleep",
                                     "content": f"<p>{body}</p>", **more}]), encoding="utf-8")
        return path

    import_wallabag(archive, export("Subjects who slept after learning recalled more words the next day."))
    (row,) = archive.articles()
    report = import_wallabag(archive, export("Subjects who slept after learning recalled more words, and faster.",
                                             tags=[{"label": "Sleep"}], is_archived=1))
    assert report.updated == 1
    assert archive.info(row.id).tags == ["sleep"] and archive.info(row.id).read
    assert any(line.startswith("  updated: 1 (") and line.endswith("; 1 given new tags, 1 marked read)")
               for line in report.lines())


def test_read_state_survives_an_article_imported_again_with_changed_text(archive) -> None:  # noqa: ANN001
    first = archive.save(_page("https://example.org/changing", "The first version of the story, as saved."))
    archive.set_article_note(first.id, "my note")
    archive.set_read(first.id)
    again = archive.save(_page("https://example.org/changing", "The second version of the story, now edited."))
    assert again.id == first.id and again.status == "updated"
    row = archive.info(first.id)
    assert row.read and row.note == "my note"
    archive.set_article_note(first.id, "my note, changed")
    assert archive.info(first.id).read  # a note written later leaves the state alone
    archive.set_read(first.id, False)
    assert archive.info(first.id).read == "" and archive.get(first.id).note == "my note, changed"


def test_each_services_export_is_told_from_the_file(tmp_path: Path) -> None:
    assert detect_service(FIX / "pocket.csv") == "pocket"
    assert detect_service(FIX / "ril_export.html") == "pocket"
    assert detect_service(FIX / "instapaper.csv") == "instapaper"
    assert detect_service(FIX / "wallabag.json") == "wallabag"
    assert detect_service(FIX / "omnivore") == "omnivore"  # the export unzipped
    zipped = tmp_path / "omnivore-export.zip"
    with zipfile.ZipFile(zipped, "w") as z:
        for f in (FIX / "omnivore").rglob("*"):
            if f.is_file():
                z.write(f, f.relative_to(FIX / "omnivore").as_posix())
    assert detect_service(zipped) == "omnivore"
    parts = tmp_path / "pocket.zip"
    with zipfile.ZipFile(parts, "w") as z:
        z.write(FIX / "pocket.csv", "part_000000.csv")
    assert detect_service(parts) == "pocket"
    # Saved articles, other CSV and JSON-less files, folders and zips of
    # something else, and what is not there: none.
    (tmp_path / "people.csv").write_text("name,email\nAna,ana@example.org\n")
    (tmp_path / "notes.json").write_text('[{"article": "3fa2", "note": "mine"}]')
    (tmp_path / "photos").mkdir()
    (tmp_path / "photos" / "a.jpg").write_bytes(b"\xff\xd8")
    other = tmp_path / "other.zip"
    with zipfile.ZipFile(other, "w") as z:
        z.writestr("readme.txt", "hello")
    for path in (FIX.parents[1] / "fixtures" / "seed.txt", FIX.parents[1] / "fixtures" / "fold" / "de_article.html",
                 tmp_path / "people.csv", tmp_path / "notes.json", tmp_path / "photos", other,
                 tmp_path / "missing.csv"):
        assert detect_service(path) is None, path


def test_a_highlight_found_only_on_changed_text_keeps_what_it_read(archive, tmp_path: Path) -> None:  # noqa: ANN001
    """The page was edited after the highlight was made: placed on the words
    nearest it, the highlight keeps what it read (shown and exported with
    it), and the report says so, rather than take the page's words as its own."""
    content = ("<p>The slow web is a movement that values depth over speed.</p>"
               "<p>Critics say it is merely nostalgia. Yet 32 states have adopted its principles in some form.</p>")
    entry = {"id": 1, "title": "Slow web", "url": "https://example.com/slow", "content": content,
             "created_at": "2023-01-01T00:00:00+0000", "tags": [], "is_archived": 0, "is_starred": 0,
             "annotations": [{"id": 7, "text": "was it 30?", "quote": "Yet 30 states have adopted its principles",
                              "ranges": [], "created_at": "2023-01-02T00:00:00+0000"},
                             {"id": 8, "text": "", "quote": "Critics say it is merely nostalgia.", "ranges": [],
                              "created_at": "2023-01-02T00:00:00+0000"}]}
    path = tmp_path / "wallabag.json"
    path.write_text(json.dumps([entry]), encoding="utf-8")
    report = import_wallabag(archive, path)
    assert report.placed == 2 and report.placed_differently == 1
    assert "1 of them on text that reads otherwise" in "\n".join(report.lines())
    [row] = archive.articles()
    anns = {a.note: a for a in archive.annotations(row.id)}
    assert anns["was it 30?"].exact == "Yet 32 states have adopted its principles"
    assert anns["was it 30?"].was == "Yet 30 states have adopted its principles"
    assert anns[""].was == ""  # found as it read


def test_a_later_export_with_a_highlights_note_edited_brings_no_second_copy(archive, tmp_path: Path) -> None:  # noqa: ANN001
    content = "<p>The slow web is a movement that values depth over speed.</p><p>Critics say it is nostalgia.</p>"

    def export(notes: tuple[str, str]) -> Path:
        entry = {"id": 1, "title": "Slow web", "url": "https://example.com/slow", "content": content,
                 "created_at": "2023-01-01T00:00:00+0000", "tags": [], "is_archived": 0, "is_starred": 0,
                 "annotations": [{"id": 7, "text": notes[0], "quote": "values depth over speed", "ranges": []},
                                 {"id": 8, "text": notes[1], "quote": "Critics say it is nostalgia.", "ranges": []}]}
        path = tmp_path / f"wallabag-{len(notes[0])}.json"
        path.write_text(json.dumps([entry]), encoding="utf-8")
        return path

    assert import_wallabag(archive, export(("first thought", "weak"))).highlights == 2
    [row] = archive.articles()
    gone = next(a for a in archive.annotations(row.id) if a.note == "weak")
    archive.delete_annotation(gone.id)
    later = import_wallabag(archive, export(("first thought, edited there", "weak, edited there")))
    assert later.highlights == 0 and later.highlights_known == 1 and later.highlights_deleted == 1
    assert [a.note for a in archive.annotations(row.id)] == ["first thought"]  # the one here, as it was

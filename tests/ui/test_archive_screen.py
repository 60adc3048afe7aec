"""The archive screen, driven from the keyboard with Pilot."""

from __future__ import annotations

from pathlib import Path

from reader.ui.app import ReaderApp
from reader.ui.screens.archive import ArchiveScreen
from reader.ui.widgets.archive_list import ArchiveHeader, ArchiveList

from .conftest import FIXTURES, SAMPLES, add, view_text


def _titles(app: ReaderApp) -> list[str]:
    return [r.title for r in app.screen.query_one(ArchiveList).rows]


async def test_list_filter_sort_open_back_quit(archive) -> None:
    add(archive, FIXTURES / "seed.txt", saved="2024-01-01T00:00:00Z")
    add(archive, SAMPLES / "marginalia-a-short-history.md", saved="2024-03-01T00:00:00Z")
    add(archive, SAMPLES / "rossiya-chitateli-zametki.html", saved="2024-02-01T00:00:00Z")
    app = ReaderApp(archive)
    async with app.run_test(size=(120, 30)) as pilot:
        screen = app.screen
        assert isinstance(screen, ArchiveScreen)
        lst = screen.query_one(ArchiveList)
        assert [t[:10] for t in _titles(app)] == ["Marginalia", "Почему чит", "Russia Dis"]
        shown = view_text(lst)
        assert "example.org" in shown and "2024-03-01" in shown and "#notes/history" in shown
        await pilot.press("j")
        assert lst.cursor == 1
        await pilot.press("k", "k")
        assert lst.cursor == 0
        # s cycles sort: title, site, most annotated, saved.
        await pilot.press("s")
        assert lst.sort_key == "title"
        assert _titles(app)[0].startswith("Marginalia") and _titles(app)[-1].startswith("Почему")
        await pilot.press("s", "s", "s")
        assert lst.sort_key == "saved"
        # / filters as you type over title, site, tags and notes.
        await pilot.press("slash", *list("gazeta"))
        assert [t[:6] for t in _titles(app)] == ["Почему"]
        await pilot.press("escape")
        assert len(_titles(app)) == 3
        await pilot.press("slash", *list("history"))  # a tag
        assert [t[:10] for t in _titles(app)] == ["Marginalia"]
        await pilot.press("enter")  # back to the list, filter kept
        await pilot.press("enter")  # open
        await pilot.pause()
        assert type(app.screen).__name__ == "ArticleScreen"
        await pilot.press("q")
        await pilot.pause()
        assert isinstance(app.screen, ArchiveScreen)
        await pilot.press("q")
    assert app.return_code == 0


async def test_filter_searches_note_text(archive) -> None:
    article_id = add(archive, FIXTURES / "seed.txt")
    add(archive, SAMPLES / "marginalia-a-short-history.md")
    text = archive.get(article_id).text
    i = text.index("dirty bomb")
    archive.add_annotation(article_id, i, i + 10, tags=["claim"], note="compare with the IAEA statement")
    app = ReaderApp(archive)
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.press("slash", *list("iaea"))
        assert [t[:6] for t in _titles(app)] == ["Russia"]
        row = app.screen.query_one(ArchiveList).rows[0]
        assert row.annotation_count == 1 and row.annotation_tags == ["claim"]


async def test_delete_asks_and_names_the_notes(archive) -> None:
    article_id = add(archive, FIXTURES / "seed.txt")
    text = archive.get(article_id).text
    archive.add_annotation(article_id, 0, 10, tags=["claim"])
    archive.add_annotation(article_id, 20, 30, tags=["evidence"])
    archive.set_article_note(article_id, "Read against the ministry's statement.")
    del text
    app = ReaderApp(archive)
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.press("x")
        await pilot.pause()
        question = str(app.screen.query_one(".dialog-question").render())
        assert "Its 2 annotations and its note will be deleted with it" in question
        await pilot.press("n")
        await pilot.pause()
        assert len(archive.articles()) == 1
        await pilot.press("x")
        await pilot.pause()
        await pilot.press("y")
        await pilot.pause()
        assert archive.articles() == []


async def _add_by_path(pilot, folder: Path | str) -> None:  # noqa: ANN001
    """`a`, the folder's path, Enter; back when the import is done."""
    await pilot.press("a")
    await pilot.pause()
    await pilot.press(*list(str(folder)))
    await pilot.press("enter")
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


async def test_add_a_folder_by_path(archive, tmp_path: Path) -> None:
    folder = tmp_path / "saved"
    folder.mkdir()
    (folder / "seed.txt").write_bytes((FIXTURES / "seed.txt").read_bytes())
    app = ReaderApp(archive)
    async with app.run_test(size=(120, 30)) as pilot:
        await _add_by_path(pilot, folder)
        assert [t[:6] for t in _titles(app)] == ["Russia"]
        # The same file again: the article already here is named.
        await _add_by_path(pilot, folder / "seed.txt")
        said = str(list(app._notifications)[-1].message)  # noqa: SLF001
        assert said.startswith("Already in the archive: \u201cRussia Discusses Ukraine"), said


async def test_add_imports_an_export_from_another_service(archive, tmp_path: Path) -> None:  # noqa: ANN001
    export = tmp_path / "pocket-export.csv"
    export.write_bytes((FIXTURES / "imports" / "pocket.csv").read_bytes())
    app = ReaderApp(archive)
    async with app.run_test(size=(120, 30)) as pilot:
        await _add_by_path(pilot, export)
        rows = archive.articles()
        assert len(rows) == 3 and all(r.status == "pending" for r in rows)
        assert len(app.screen.list.all_rows) == 3  # listed at once, waiting for F
        messages = [str(n.message) for n in app._notifications]  # noqa: SLF001
        assert any(m.startswith("Pocket export pocket-export.csv: 3 imported (3 to fetch)") and "F fetches" in m
                   for m in messages), messages
        # The same file again adds nothing.
        await _add_by_path(pilot, export)
        assert len(archive.articles()) == 3
        messages = [str(n.message) for n in app._notifications]  # noqa: SLF001
        assert any("0 imported, 3 already here" in m for m in messages), messages
        # An export cut short is said, and the app goes on.
        broken = tmp_path / "wallabag-export.json"
        broken.write_text('[{"is_archived": 1, "title": "Cut', encoding="utf-8")
        await _add_by_path(pilot, broken)
        messages = [str(n.message) for n in app._notifications]  # noqa: SLF001
        assert any(m.startswith("Not imported: ") and "not valid JSON" in m for m in messages), messages
        assert app.is_running and len(archive.articles()) == 3


async def test_add_takes_a_path_dropped_on_the_terminal(archive, tmp_path: Path) -> None:  # noqa: ANN001
    # A file dragged onto the terminal arrives quoted (or with its spaces
    # escaped, or as a file:// address), often with a space after it.
    folder = tmp_path / "My saved pages"
    folder.mkdir()
    (folder / "seed copy.txt").write_bytes((FIXTURES / "seed.txt").read_bytes())
    (folder / "the marginalia.md").write_bytes((SAMPLES / "marginalia-a-short-history.md").read_bytes())
    app = ReaderApp(archive)
    async with app.run_test(size=(120, 30)) as pilot:
        await _add_by_path(pilot, f"'{folder / 'seed copy.txt'}' ")
        assert [t[:6] for t in _titles(app)] == ["Russia"]
        escaped = str(folder / "the marginalia.md").replace(" ", "\\ ")
        await _add_by_path(pilot, escaped)
        assert len(archive.articles()) == 2
        archive.delete(archive.articles()[0].id)
        await _add_by_path(pilot, (folder / "the marginalia.md").as_uri())
        await _add_by_path(pilot, (folder / "seed copy.txt").as_uri())
        assert len(archive.articles()) == 2
        messages = [str(n.message) for n in app._notifications]  # noqa: SLF001
        assert not any("no such file" in m for m in messages), messages


async def test_adding_a_changed_copy_says_which_notes_stand_on_changed_text(archive, tmp_path: Path) -> None:  # noqa: ANN001
    from reader.ui.widgets.notes_panel import annotation_prompt

    folder = tmp_path / "saved"
    folder.mkdir()
    page = folder / "seed.txt"
    page.write_bytes((FIXTURES / "seed.txt").read_bytes())
    app = ReaderApp(archive)
    async with app.run_test(size=(120, 30)) as pilot:
        await _add_by_path(pilot, folder)
        article = archive.get(archive.articles()[0].id)
        s = article.text.index("Pentagon chief Lloyd Austin")
        ann = archive.add_annotation(article.id, s, s + len("Pentagon chief Lloyd Austin"), text=article.text)
        page.write_text(page.read_text(encoding="utf-8").replace("Pentagon chief", "US Defense Secretary"),
                        encoding="utf-8")
        await _add_by_path(pilot, folder)
        messages = [str(n.message) for n in app._notifications]  # noqa: SLF001
        assert any("Added 0, 1 updated" in m and "1 note now on text that changed" in m for m in messages), messages
        moved = archive.annotation(ann.id)
        shown = str(annotation_prompt(moved))
        assert "\u201cUS Defense Secretary Lloyd Austin\u201d" in shown
        assert "the text changed; it read \u201cPentagon chief Lloyd Austin\u201d" in shown
        # The sentence gone: the note is an orphan, and the notice says so.
        page.write_text(page.read_text(encoding="utf-8").replace("US Defense Secretary Lloyd Austin", "a colleague"),
                        encoding="utf-8")
        app._notifications.clear()  # noqa: SLF001
        await _add_by_path(pilot, folder)
        messages = [str(n.message) for n in app._notifications]  # noqa: SLF001
        assert any("1 note orphaned: the text is gone (R reviews them)" in m for m in messages), messages
        assert archive.annotation(ann.id).orphaned


async def test_add_a_folder_of_many_files_uses_the_worker_processes(archive, tmp_path: Path, monkeypatch) -> None:  # noqa: ANN001
    import sys

    from reader.core.ingest import PARALLEL_MIN_FILES

    class Replaced:  # what a full-screen app puts in place of stderr: no file number
        def write(self, text: str) -> int:
            return len(text)

        def flush(self) -> None:
            pass

        def fileno(self) -> int:
            return -1

    monkeypatch.setattr(sys, "stderr", Replaced())
    from reader.core import ingest

    here: list[Path] = []  # files read in this process rather than by a worker
    real = ingest.ingest_file
    monkeypatch.setattr(ingest, "ingest_file", lambda p, **kw: (here.append(p), real(p, **kw))[1])
    folder = tmp_path / "saved"
    folder.mkdir()
    seed = (FIXTURES / "seed.txt").read_text(encoding="utf-8")
    n = PARALLEL_MIN_FILES + 2
    for i in range(n):
        (folder / f"{i:03}.txt").write_text(f"Copy {i:03}\n\n{seed}", encoding="utf-8")
    app = ReaderApp(archive)
    async with app.run_test(size=(120, 30)) as pilot:
        await _add_by_path(pilot, folder)
        assert app.is_running
        assert len(_titles(app)) == n
        assert here == []
        assert any(f"Added {n}" in str(n_.message) for n_ in app._notifications)  # noqa: SLF001


async def test_changes_from_another_process_show_on_reload(archive) -> None:
    from reader.core.store import Archive

    add(archive, FIXTURES / "seed.txt")
    app = ReaderApp(archive)
    async with app.run_test(size=(120, 30)) as pilot:
        assert len(_titles(app)) == 1
        other = Archive(archive.data_dir)  # a second process's view of the archive
        add(other, SAMPLES / "marginalia-a-short-history.md")
        app.screen._reload_if_changed()  # noqa: SLF001 - what the timer runs
        await pilot.pause()
        assert len(_titles(app)) == 2


async def test_hostile_sample_is_literal_everywhere(archive) -> None:
    add(archive, FIXTURES / "hostile-markup-and-escapes.html")
    app = ReaderApp(archive)
    async with app.run_test(size=(140, 40)) as pilot:
        shown = view_text(app.screen.query_one(ArchiveList))
        assert "[bold]x[/bold] [@click=app.quit]click[/]" in shown
        assert "\x1b" not in shown
        await pilot.press("enter")
        await pilot.pause()
        screen = app.screen
        header = str(screen.query_one("#article-header").render())
        assert "[bold]x[/bold] [@click=app.quit]click[/]" in header
        body = view_text(screen.view)
        assert "[@click=app.quit]click[/]" in body and "[red]Rich markup[/red]" in body
        assert "\x1b" not in body and "\x07" not in body
        # Clicking around the text runs nothing: the app is still here.
        await pilot.click("#article-view", offset=(20, 3))
        await pilot.pause()
        assert app.is_running
        # A note holding markup is literal in the panel and in notifications.
        await pilot.press("slash", *"This page tries", "enter")
        await pilot.press("n")
        await pilot.pause()
        await pilot.press(*list("[b]not bold[/b] [@click=app.quit]x[/]"))
        await pilot.press("ctrl+s")
        await pilot.pause()
        await pilot.press("p")
        await pilot.pause()
        prompts = [str(screen.panel.get_option_at_index(i).prompt) for i in range(screen.panel.option_count)]
        assert any("[b]not bold[/b] [@click=app.quit]x[/]" in p for p in prompts)
        # Links: shown with their address; javascript: is never opened.
        opened: list[str] = []
        app.open_url = lambda url, **kw: opened.append(url)  # type: ignore[method-assign]
        await pilot.press("escape")  # closes the panel, back to the text
        await pilot.press("l")
        await pilot.pause()
        assert type(app.screen).__name__ == "LinksScreen"
        await pilot.press("enter")  # the first link: javascript:
        await pilot.pause()
        assert opened == []
        await pilot.press("down", "down", "enter")  # the web link
        await pilot.pause()
        assert opened == ["https://example.org/"]


async def test_pending_entries_show_as_such_and_do_not_open(archive) -> None:
    add(archive, FIXTURES / "seed.txt")
    archive.add_pending("https://example.org/later", title="Read me later", tags=["queue"])
    archive.add_pending("https://example.org/long", title="A very long title " * 8)
    app = ReaderApp(archive)
    async with app.run_test(size=(120, 30)) as pilot:
        shown = view_text(app.screen.query_one(ArchiveList))
        assert "Read me later  (not fetched yet)" in shown
        [long] = [line for line in shown.splitlines() if "A very long" in line]
        assert "\u2026  (not fetched yet)" in long, long
        status = str(app.screen.query_one("#archive-status").render())
        assert "2 not fetched yet (F to fetch)" in status
        await pilot.press("slash", *"later", "enter", "enter")
        await pilot.pause()
        assert isinstance(app.screen, ArchiveScreen)


async def test_the_days_backup_is_taken_in_the_background(archive, monkeypatch) -> None:
    from reader.core.store import Archive
    from reader.ui import app as app_module

    add(archive, FIXTURES / "seed.txt")
    monkeypatch.setattr(app_module, "BACKUP_DELAY", 0.01)
    fresh = Archive(archive.data_dir)  # a new session: no change made yet
    app = ReaderApp(fresh)
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.pause(0.1)
        await app.workers.wait_for_complete()
    backups = [p for p in (archive.data_dir / "backups").iterdir() if p.is_dir()]
    assert len(backups) == 1


async def test_filter_shows_a_first_screenful_then_the_rest(archive, monkeypatch) -> None:
    """On a large archive the filter matches in slices between key presses."""
    from reader.core.models import ArticleInfo
    from reader.ui.widgets import archive_list

    rows = [ArticleInfo({"id": f"{i:012x}", "title": f"Article {i} about {'tides' if i % 3 else 'moons'}",
                         "saved": f"2024-01-01T00:00:{i % 60:02}Z"}) for i in range(3000)]
    monkeypatch.setattr(archive_list, "SCAN_BUDGET", 0.0)  # a slice of 16 rows per turn
    app = ReaderApp(archive)
    async with app.run_test(size=(120, 30)) as pilot:
        lst = app.screen.query_one(ArchiveList)
        lst.set_rows(rows)
        lst.set_filter("moons")
        assert lst.scanning and len(lst.rows) < 1000  # not all matched yet
        while lst.scanning:
            await pilot.pause()
        assert len(lst.rows) == 1000
        assert "1000 of 3000 match" in str(app.screen.query_one("#archive-status").render())
        lst.set_filter("moons 99")
        while lst.scanning:
            await pilot.pause()
        assert {r.title for r in lst.rows} >= {"Article 99 about moons", "Article 993 about moons"}
        assert all("99" in r.title and "moons" in r.title for r in lst.rows)
        lst.set_filter("tides 1")
        while lst.scanning:
            await pilot.pause()
        assert all("tides" in r.title and "1" in r.title for r in lst.rows) and len(lst.rows) > 100


async def test_mark_read_and_filter_by_state(archive) -> None:
    """m marks the article under the cursor read (dimmed) or unread again;
    is:unread / is:read in the filter pick rows by that state."""
    add(archive, FIXTURES / "seed.txt", saved="2024-01-01T00:00:00Z")
    add(archive, SAMPLES / "marginalia-a-short-history.md", saved="2024-03-01T00:00:00Z")
    app = ReaderApp(archive)
    async with app.run_test(size=(120, 30)) as pilot:
        lst = app.screen.query_one(ArchiveList)
        status = app.screen.query_one("#archive-status")
        assert "unread" not in str(status.render())  # nothing read yet: no count to show
        await pilot.press("m")
        await pilot.pause()
        first = lst.rows[0]
        assert first.title.startswith("Marginalia") and first.read
        assert any("Marked \u201cMarginalia" in str(n.message) and str(n.message).endswith(" read")
                   for n in app._notifications)
        assert lst.cursor == 0  # the cursor stays on the row
        await pilot.press("j")
        dim = lst.get_component_rich_style("archive-list--read").color
        assert dim is not None and dim != lst.rich_style.color
        assert list(lst._draw(0, 100))[0].style.color == dim  # a read row is drawn dim
        assert list(lst._draw(1, 100))[0].style.color != dim
        assert "1 unread" in str(status.render())
        await pilot.press("slash", *"is:unread")
        assert [t[:6] for t in _titles(app)] == ["Russia"]
        await pilot.press("escape", "slash", *"is:read")
        assert [t[:10] for t in _titles(app)] == ["Marginalia"]
        await pilot.press("escape", "slash", *"is:read russia")
        assert _titles(app) == []
        await pilot.press("escape", "g", "m")
        await pilot.pause()
        assert not archive.articles()[0].read and not archive.articles()[1].read


async def test_filter_finds_exactly_the_rows_holding_every_word(archive) -> None:
    """Whatever the query - words in any order, short and long, across the
    fields of a row, with a state word - the filter shows exactly the rows
    whose title, site, tags and notes hold every word, in list order."""
    import random

    from reader.core.models import ArticleInfo
    from reader.ui.widgets.archive_list import haystack

    rng = random.Random(7)
    vocab = ["tide", "tides", "moon", "Moonlight", "ebb", "Ebbing", "sea", "salt", "é", "Straße"]
    rows = [
        ArticleInfo({
            "id": f"{i:012x}", "saved": f"2024-01-{1 + i % 28:02}T00:00:00Z",
            "title": " ".join(rng.choice(vocab) for _ in range(rng.randrange(0, 4))),
            "site": rng.choice(["sea.example", "salt.example", None]),
            "tags": " ".join(rng.sample(["claim", "moon-notes", "ebb"], rng.randrange(0, 3))),
            "notes_text": rng.choice(["", "the tide turned", "salt\nand sea"]),
            **({"read": "2024-02-01T00:00:00Z"} if i % 4 == 0 else {}),
        })
        for i in range(400)
    ]
    queries = ["tide", "TIDES", "moon sea", "sea moon", "e", "ebb claim", "salt sea", "strasse", "straße",
               "is:read tide", "is:unread", "moon-notes", "tide\x00sea", "nothing-like-this", "le ti"]
    app = ReaderApp(archive)
    async with app.run_test(size=(120, 30)) as pilot:
        lst = app.screen.query_one(ArchiveList)
        lst.set_rows(rows)
        for query in queries:
            lst.set_filter(query)
            while lst.scanning:
                await pilot.pause()
            folded = query.casefold()
            words = [w for w in folded.replace("\x00", " ").split() if not w.startswith("is:")]
            state = {"is:read": True, "is:unread": False}.get(next((w for w in folded.split() if w.startswith("is:")), ""))
            want = [r.id for r in lst.all_rows
                    if all(w in haystack(r) for w in words) and (state is None or bool(r.read) == state)]
            assert [r.id for r in lst.rows] == want, query
            assert want or query in ("nothing-like-this", "tide\x00sea") or not words


async def test_cursor_stays_on_its_article_through_filters_and_deletes(archive) -> None:
    """Clearing or changing the filter keeps the cursor on the article it was
    on; after a delete it goes to the next row (the previous one at the end),
    so `x` never falls on an article the user was not on."""
    add(archive, FIXTURES / "seed.txt", saved="2024-01-01T00:00:00Z")
    add(archive, SAMPLES / "marginalia-a-short-history.md", saved="2024-03-01T00:00:00Z")
    rossiya = add(archive, SAMPLES / "rossiya-chitateli-zametki.html", saved="2024-02-01T00:00:00Z")
    add(archive, FIXTURES / "hostile-markup-and-escapes.html", saved="2023-12-01T00:00:00Z")
    archive.set_read(rossiya, True)
    app = ReaderApp(archive)
    async with app.run_test(size=(120, 30)) as pilot:
        lst = app.screen.query_one(ArchiveList)
        ids = [r.id for r in lst.rows]
        assert ids[1] == rossiya and lst.cursor == 0
        await pilot.press("slash", *"is:read")
        assert [r.id for r in lst.rows] == [rossiya] and lst.current.id == rossiya
        await pilot.press("escape")
        assert len(lst.rows) == 4
        assert lst.current.id == rossiya
        # Changing the filter: still on it while it is listed.
        await pilot.press("j")  # the seed
        seed = lst.current.id
        await pilot.press("slash", *"ru")
        assert seed in [r.id for r in lst.rows] and lst.current.id == seed
        await pilot.press("escape")
        assert lst.current.id == seed
        # A delete: the cursor goes to the next row...
        await pilot.press("x")
        await pilot.pause()
        await pilot.press("y")
        await pilot.pause()
        assert [r.id for r in lst.rows] == [ids[0], ids[1], ids[3]]
        assert lst.current.id == ids[3]
        # ... or to the one before when the last row goes.
        await pilot.press("x")
        await pilot.pause()
        await pilot.press("y")
        await pilot.pause()
        assert lst.current.id == ids[1]
        # Deleting the only article a filter shows: once the filter clears,
        # the cursor is beside where it stood, not back at the top.
        seed = add(archive, FIXTURES / "seed.txt", saved="2024-01-01T00:00:00Z")
        hostile = add(archive, FIXTURES / "hostile-markup-and-escapes.html", saved="2023-12-01T00:00:00Z")
        await pilot.press("r")
        await pilot.pause()
        assert [r.id for r in lst.rows] == [ids[0], ids[1], seed, hostile]
        await pilot.press("slash", *"Russia")
        assert [r.id for r in lst.rows] == [seed]
        await pilot.press("enter", "x")
        await pilot.pause()
        await pilot.press("y")
        await pilot.pause()
        assert lst.rows == [] and lst.current is None
        await pilot.press("escape")
        assert [r.id for r in lst.rows] == [ids[0], ids[1], hostile] and lst.current.id == hostile
        # A filter that matches nothing, cleared: back on the article it was on.
        await pilot.press("k")
        assert lst.current.id == ids[1]
        lst.set_filter("\u00a4")  # as if pasted
        await pilot.pause()
        assert lst.rows == []
        lst.set_filter("")
        assert lst.current.id == ids[1]


async def test_filter_word_with_a_hash_matches_tags(archive) -> None:
    """Tags are shown as #tag; typed that way in the filter they match the
    article's tags (and its marks' tags), from the root of a nested tag."""
    article_id = add(archive, FIXTURES / "seed.txt")
    add(archive, SAMPLES / "marginalia-a-short-history.md")  # tagged notes/history
    text = archive.get(article_id).text
    i = text.index("dirty bomb")
    archive.add_annotation(article_id, i, i + 10, tags=["claim"])
    app = ReaderApp(archive)
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.press("slash", *"#claim")
        assert [t[:6] for t in _titles(app)] == ["Russia"]
        await pilot.press("escape", "slash", *"claim")
        assert [t[:6] for t in _titles(app)] == ["Russia"]
        await pilot.press("escape", "slash", *"#notes/history")
        assert [t[:10] for t in _titles(app)] == ["Marginalia"]
        await pilot.press("escape", "slash", *"#notes")
        assert [t[:10] for t in _titles(app)] == ["Marginalia"]
        await pilot.press("escape", "slash", *"#russia")  # in a title, not a tag
        assert _titles(app) == []
    archive.set_article_note(article_id, "An #ownword of the note, not a tag")
    app = ReaderApp(archive)
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.press("slash", *"#ownword")  # in a note, not a tag
        assert _titles(app) == []
        await pilot.press("escape", "slash", *"ownword")
        assert [t[:6] for t in _titles(app)] == ["Russia"]


async def test_the_tags_column_shows_the_articles_own_tags_beside_its_marks(archive) -> None:
    article_id = add(archive, SAMPLES / "marginalia-a-short-history.md")  # tagged notes/history
    text = archive.get(article_id).text
    archive.add_annotation(article_id, 0, text.index(" ", 10), tags=["claim"])
    app = ReaderApp(archive)
    async with app.run_test(size=(200, 30)) as pilot:
        await pilot.pause()
        row = app.screen.query_one(ArchiveList).render_line(0).text
        assert "#claim" in row and "#notes/history" in row


async def test_adding_a_file_reader_cannot_read_says_why(archive, tmp_path: Path) -> None:
    odd = tmp_path / "paper.pdf"
    odd.write_bytes(b"%PDF-1.4")
    app = ReaderApp(archive)
    async with app.run_test(size=(120, 30)) as pilot:
        await _add_by_path(pilot, odd)
        said = [str(n.message) for n in app._notifications]  # noqa: SLF001
        assert any("paper.pdf: not a supported file type (.pdf)" in m for m in said), said
        # In a folder, with an article beside it: the count says so.
        folder = tmp_path / "saved"
        folder.mkdir()
        (folder / "paper.pdf").write_bytes(b"%PDF-1.4")
        (folder / "seed.txt").write_text((FIXTURES / "seed.txt").read_text(encoding="utf-8"), encoding="utf-8")
        await _add_by_path(pilot, folder)
        said = [str(n.message) for n in app._notifications]  # noqa: SLF001
        assert any(m.startswith("Added 1") and "skipped 1 file of other kinds (.pdf)" in m for m in said), said


async def test_columns_stay_under_their_titles_while_filtering(archive) -> None:
    add(archive, SAMPLES / "marginalia-a-short-history.md")
    app = ReaderApp(archive)
    async with app.run_test(size=(120, 30)) as pilot:
        screen = app.screen
        header = screen.query_one(ArchiveHeader)
        lst = screen.query_one(ArchiveList)
        for keys in ((), ("slash", *"margin")):
            await pilot.press(*keys)
            await pilot.pause()
            titles = header.render_line(0).text
            row = lst.render_line(0).text
            assert row.index("example.org") == titles.index("Site"), keys
            assert row.index("2024-05-01") == titles.index("Saved"), keys


async def test_an_article_pasted_into_the_archive_is_added_and_opened(archive) -> None:  # noqa: ANN001
    """P, then the text copied from a browser pasted in and Ctrl+S: the
    article is added (its junk folded, as a saved .txt file's) and opened."""
    from textual import events

    from reader.ui.screens.article import ArticleScreen

    text = (FIXTURES / "seed.txt").read_text(encoding="utf-8")
    app = ReaderApp(archive)

    async def paste(pilot) -> None:  # noqa: ANN001
        await pilot.press("P")
        await pilot.pause()
        app.post_message(events.Paste(text))
        await pilot.pause()
        await pilot.press("ctrl+s")
        await pilot.pause()

    async with app.run_test(size=(110, 40)) as pilot:
        await paste(pilot)
        screen = app.screen
        assert isinstance(screen, ArticleScreen)
        assert screen.article.title.startswith("Russia Discusses Ukraine")
        assert any(b.boilerplate and b.reason == "donation appeal" for b in screen.article.blocks)
        [row] = archive.articles()
        assert row.id == screen.article.id
        # The same text again is the article already there.
        await pilot.press("q")
        await pilot.pause()
        await paste(pilot)
        assert len(archive.articles()) == 1
        assert any("Already in the archive" in str(n.message) for n in app._notifications)  # noqa: SLF001


async def test_pasted_text_the_archive_refuses_stays_in_the_box(archive, monkeypatch) -> None:  # noqa: ANN001
    """A paste the archive could not take (the disk full, or no text in
    it) was gone: the app said so and the box had closed."""
    from textual import events

    from reader.core.store import StoreError
    from reader.ui.screens.note_editor import NoteEditor

    text = (FIXTURES / "seed.txt").read_text(encoding="utf-8")
    save = archive.save
    full = [True]

    def refuse(article):  # noqa: ANN001, ANN202
        if full:
            raise StoreError("cannot write (No space left on device); nothing was changed")
        return save(article)

    monkeypatch.setattr(archive, "save", refuse)
    app = ReaderApp(archive)
    async with app.run_test(size=(110, 40)) as pilot:
        await pilot.press("P")
        await pilot.pause()
        app.post_message(events.Paste(text))
        await pilot.pause()
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, NoteEditor) and app.screen.text == text.strip("\n")
        assert any("Not added: cannot write" in str(n.message) for n in app._notifications)  # noqa: SLF001
        full.clear()
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert [r.title for r in archive.articles()] == [app.screen.article.title]
        # m on the list, refused: said, and the app goes on.
        await pilot.press("q")
        await pilot.pause()
        monkeypatch.setattr(archive, "set_read", lambda *a, **k: refuse(None))
        full.append(True)
        await pilot.press("m")
        await pilot.pause()
        assert app.is_running and not archive.articles()[0].read


async def test_a_theme_misspelt_in_config_starts_with_the_default_and_says_so(archive) -> None:
    add(archive, FIXTURES / "seed.txt")
    (archive.data_dir / "config.toml").write_text('[ui]\ntheme = "gruvbx"\n')
    app = ReaderApp(archive)
    default = app.theme
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, ArchiveScreen)
        assert app.theme == default
        said = [str(n.message) for n in app._notifications]  # noqa: SLF001
        assert any("gruvbx" in m and "gruvbox" in m for m in said), said
    (archive.data_dir / "config.toml").write_text('[ui]\ntheme = "gruvbox"\n')
    app = ReaderApp(archive)
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.pause()
        assert app.theme == "gruvbox"
        assert not list(app._notifications)  # noqa: SLF001


async def test_a_binding_id_misspelt_in_config_is_named(archive) -> None:
    add(archive, FIXTURES / "seed.txt")
    (archive.data_dir / "config.toml").write_text('[keys]\n"article.clam" = "C"\n"archive.sort" = "S"\n')
    app = ReaderApp(archive)
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.pause()
        said = [str(n.message) for n in app._notifications]  # noqa: SLF001
        assert len(said) == 1 and "article.clam" in said[0] and "archive.sort" not in said[0], said
        await pilot.press("S")  # the id spelt right still takes effect
        assert app.screen.query_one(ArchiveList).sort_key == "title"
    # Every binding's id is known, whichever screen it is on.
    (archive.data_dir / "config.toml").write_text(
        '[keys]\n"article.claim" = "C"\n"tags.down" = "down,ctrl+n"\n"help.close" = "escape,q"\n"app.quit" = "ctrl+q"\n')
    app = ReaderApp(archive)
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.pause()
        assert not list(app._notifications)  # noqa: SLF001


async def test_arrow_page_home_and_end_keys_move_the_selection_in_a_list_longer_than_the_screen(archive) -> None:
    """The list scrolls: its scroll bindings took these keys from the
    screen's, so down moved the page and not the selection, and Enter then
    opened an article no longer on the screen."""
    archive.add_pending_many([{"url": f"https://example.org/{i}", "title": f"Saved link {i:02d}",
                               "saved": f"2024-01-{1 + i % 28:02d}T{i % 24:02d}:00:00Z"} for i in range(60)])
    app = ReaderApp(archive)
    async with app.run_test(size=(120, 16)) as pilot:
        lst = app.screen.query_one(ArchiveList)
        assert len(lst.rows) == 60 > 2 * lst.size.height
        await pilot.press("down", "down")
        assert lst.cursor == 2 and lst.scroll_offset.y == 0
        await pilot.press("up")
        assert lst.cursor == 1
        await pilot.press("pagedown")
        assert lst.cursor > 2
        await pilot.press("end")
        assert lst.cursor == 59
        await pilot.press("home")
        assert lst.cursor == 0 and lst.scroll_offset.y == 0


async def test_export_all_leaves_the_list_answering_keys_while_it_writes(archive, monkeypatch) -> None:
    """X wrote every export file before the screen took the next key: at
    10,000 articles the screen froze for about six seconds."""
    import threading

    import reader.core.export as export

    article_id = add(archive, FIXTURES / "seed.txt")
    add(archive, SAMPLES / "marginalia-a-short-history.md")
    archive.add_annotation(article_id, 0, 10, tags=["claim"])
    release = threading.Event()
    events: list[str] = []
    real = export.export_folder

    def slow_export(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        release.wait(5)
        events.append("written")
        return real(*args, **kwargs)

    monkeypatch.setattr(export, "export_folder", slow_export)
    app = ReaderApp(archive)
    async with app.run_test(size=(120, 30)) as pilot:
        lst = app.screen.query_one(ArchiveList)
        await pilot.press("X")
        await pilot.press("j")
        events.append(f"cursor {lst.cursor}")
        release.set()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert events == ["cursor 1", "written"]
        assert len(list((archive.data_dir / "exports").glob("*.md"))) == 1
        messages = [str(n.message) for n in app._notifications]  # noqa: SLF001
        assert any("Exported 1 file" in m for m in messages)


async def test_sort_order_is_kept_for_the_next_run(archive, data_dir) -> None:
    from reader.core.store import Archive, acquire_lock, release_lock

    add(archive, FIXTURES / "seed.txt", saved="2024-01-01T00:00:00Z")
    add(archive, SAMPLES / "marginalia-a-short-history.md", saved="2024-03-01T00:00:00Z")
    async with ReaderApp(archive).run_test(size=(120, 30)) as pilot:
        await pilot.press("s", "s")
        assert app_list(pilot).sort_key == "site"
    archive.close()
    again = Archive(data_dir)
    try:
        async with ReaderApp(again).run_test(size=(120, 30)) as pilot:
            assert app_list(pilot).sort_key == "site"
            assert "sorted by site" in str(pilot.app.screen.query_one("#archive-status").render())
            # Another process writing: the order still changes, now, and
            # the one kept is the one last kept.
            fd = acquire_lock(again.root, 1.0)
            try:
                await pilot.press("s")
                assert app_list(pilot).sort_key == "annotated"
            finally:
                release_lock(fd)
        assert again.setting("archive_sort") == "site"
    finally:
        again.close()


def app_list(pilot) -> ArchiveList:  # noqa: ANN001
    return pilot.app.screen.query_one(ArchiveList)


async def test_help_says_where_the_data_folder_is(archive) -> None:
    """"config.toml in the data folder", and no word of where that was."""
    from textual.widgets import Label

    app = ReaderApp(archive)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("question_mark")
        await pilot.pause()
        hint = str(app.screen.query(Label).last().render())
        # (the tests' HOME holds it: written from ~, as the user types it)
        shown = "~/" + str(archive.data_dir.relative_to(Path.home()))
        assert f"config.toml in the data folder, {shown} (" in hint.replace("\n", " ")

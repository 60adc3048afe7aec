"""The reading screen, driven from the keyboard with Pilot."""

from __future__ import annotations

import pytest
from textual import events

from reader.core.tags import CLAIM, EVIDENCE, QUESTION
from reader.ui.app import ReaderApp
from reader.ui.screens.article import ArticleScreen
from reader.ui.widgets.article_view import ArticleView

from .conftest import add, view_text

STORY_START = "Russia's Defence Minister Sergei Shoigu on Sunday held rare calls"


async def _open(pilot) -> ArticleScreen:  # noqa: ANN001
    await pilot.press("enter")
    await pilot.pause()
    screen = pilot.app.screen
    assert isinstance(screen, ArticleScreen)
    return screen


def _cursor_text(screen: ArticleScreen) -> str:
    stop = screen.reading.stops[screen.view.cursor]
    return screen.article.text[stop.start : stop.end]


async def _find(pilot, text: str) -> None:  # noqa: ANN001
    await pilot.press("slash")
    await pilot.press(*list(text))
    await pilot.press("enter")
    await pilot.pause()


async def test_seed_opens_with_the_story_shown_and_the_junk_folded(seeded) -> None:
    archive, _ = seeded
    app = ReaderApp(archive)
    async with app.run_test(size=(110, 60)) as pilot:
        screen = await _open(pilot)
        shown = view_text(screen.view)
        assert STORY_START in shown
        markers = [line for line in shown.splitlines() if "\u25b8 " in line and "folded: " in line]
        assert "donation appeal" in markers[0]  # the support banner above the story
        assert "newsletter sign-up" in shown and "donation appeal" in markers[-1]
        assert "Sign up for our free weekly newsletter" not in shown
        assert "Remind me later" not in shown
        # z on the last fold marker shows its blocks; z again folds them.
        await pilot.press("G")
        await pilot.press("z")
        await pilot.pause()
        assert "Sign up for our free weekly newsletter" in view_text(screen.view) or any(
            "Sign up for our free weekly newsletter" in screen.article.text[s.start : s.end] for s in screen.reading.stops
        )
        await pilot.press("G", "z")
        assert all("Remind me later" not in screen.article.text[s.start : s.end] for s in screen.reading.stops)
        # Z opens every fold, and folds them all again.
        await pilot.press("Z")
        texts = [screen.article.text[s.start : s.end] for s in screen.reading.stops]
        assert "Support The Moscow Times!" in texts and "Remind me later." in texts
        await pilot.press("Z")
        assert "Support The Moscow Times!" not in [screen.article.text[s.start : s.end] for s in screen.reading.stops]


async def test_cursor_movement(seeded) -> None:
    archive, _ = seeded
    app = ReaderApp(archive)
    async with app.run_test(size=(100, 40)) as pilot:
        screen = await _open(pilot)
        # It opens on the story's first sentence, under the fold line above it.
        assert screen.view.cursor == 1 and screen.reading.stops[0].is_marker
        assert screen.article.text[screen.reading.stops[1].start:].startswith(STORY_START)
        await pilot.press("k")
        assert screen.view.cursor == 0
        await pilot.press("j", "j")
        assert screen.view.cursor == 2
        await pilot.press("k")
        assert screen.view.cursor == 1
        await pilot.press("down")
        assert screen.view.cursor == 2
        first_story = next(i for i, s in enumerate(screen.reading.stops)
                           if screen.article.text[s.start : s.end].startswith(STORY_START))
        await pilot.press("g")
        while screen.view.cursor < first_story:
            await pilot.press("J")
        assert screen.view.cursor == first_story
        await pilot.press("J")
        assert _cursor_text(screen).startswith('"The situation in Ukraine')
        await pilot.press("K")
        assert screen.view.cursor == first_story
        await pilot.press("G")
        assert screen.view.cursor == len(screen.reading.stops) - 1
        await pilot.press("g")
        assert screen.view.cursor == 0
        await pilot.press("pagedown")
        assert screen.view.cursor > 0
        await pilot.press("pageup")
        assert screen.view.cursor == 0


async def test_arrow_page_home_and_end_keys_move_the_cursor_in_an_article_longer_than_the_screen(seeded) -> None:
    """The view scrolls: its scroll bindings (up, down, page, home, end) took
    these keys from the screen's, so the cursor stayed put while the page
    moved, and the next j jumped back to it."""
    archive, _ = seeded
    app = ReaderApp(archive)
    async with app.run_test(size=(100, 12)) as pilot:
        screen = await _open(pilot)
        assert len(screen.view.lines) > 2 * screen.view.size.height
        assert screen.view.cursor == 1  # the story's first sentence
        await pilot.press("down", "down")
        assert screen.view.cursor == 3
        await pilot.press("up")
        assert screen.view.cursor == 2
        await pilot.press("pagedown")
        assert screen.view.cursor > 2
        await pilot.press("end")
        assert screen.view.cursor == len(screen.reading.stops) - 1
        await pilot.press("home")
        assert screen.view.cursor == 0
        await pilot.press("pagedown", "pageup")
        assert screen.view.cursor == 0


async def test_opening_the_find_box_does_not_wrap_the_article_again(seeded, monkeypatch) -> None:
    """A resize that keeps the measure (the find box takes a line of the
    view's height) keeps the wrapped lines: on a page of 120,000 paragraphs
    wrapping again took over a second per key."""
    archive, _ = seeded
    app = ReaderApp(archive)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await _open(pilot)
        view = screen.view
        lines = list(view.lines)
        built = []
        real = view._build_lines
        monkeypatch.setattr(view, "_build_lines", lambda measure: built.append(measure) or real(measure))
        await pilot.press("slash")
        await pilot.pause()
        assert screen.find_box.display
        await pilot.press("escape")
        await pilot.pause()
        assert built == [] and view.lines == lines
        await pilot.resize_terminal(60, 30)  # a narrower measure: wrapped again
        await pilot.pause()
        assert built and len(view.lines) > len(lines)


async def test_find_and_find_next(seeded) -> None:
    archive, _ = seeded
    app = ReaderApp(archive)
    async with app.run_test(size=(100, 40)) as pilot:
        screen = await _open(pilot)
        await _find(pilot, "dirty bomb")
        assert "'dirty bomb'" in _cursor_text(screen)
        first = screen.view.cursor
        # `/` then Enter again: the next match.
        await pilot.press("slash", "enter")
        await pilot.pause()
        assert screen.view.cursor > first
        assert '"dirty bomb" provocation' in _cursor_text(screen)
        await _find(pilot, "no such words")
        assert screen.view.cursor > first


async def test_claim_note_evidence_survive_a_restart(seeded) -> None:
    """The issue's walk-through: /dirty bomb, c, n + note, /refuted, e; quit;
    start again: all there."""
    archive, article_id = seeded
    app = ReaderApp(archive)
    async with app.run_test(size=(100, 40)) as pilot:
        screen = await _open(pilot)
        await _find(pilot, "dirty bomb")
        await pilot.press("c")
        await pilot.press("n")
        await pilot.pause()
        await pilot.press(*list("Which provocations?"))
        await pilot.press("ctrl+s")
        await pilot.pause()
        await _find(pilot, "refuted")
        await pilot.press("e")
        await pilot.press("q")
        await pilot.press("q")
    anns = archive.annotations(article_id)
    assert [a.tags for a in anns] == [[CLAIM], [EVIDENCE]]
    assert anns[0].note == "Which provocations?"
    assert "dirty bomb" in anns[0].exact
    assert anns[1].exact.startswith("Britain's defence ministry said")

    from reader.core.store import Archive

    reopened = Archive(archive.data_dir)
    app2 = ReaderApp(reopened)
    async with app2.run_test(size=(100, 40)) as pilot:
        screen = await _open(pilot)
        assert [a.tags for a in screen.annotations] == [[CLAIM], [EVIDENCE]]
        await pilot.press("p")
        await pilot.pause()
        prompts = [str(screen.panel.get_option_at_index(i).prompt) for i in range(screen.panel.option_count)]
        assert any("#claim" in p and "Which provocations?" in p for p in prompts)
        assert any("#evidence" in p for p in prompts)
        # The highlight is drawn: the claim's text has a background of its own.
        await pilot.press("escape")


async def test_selection_by_sentence_and_word_then_tags_via_picker(seeded) -> None:
    archive, article_id = seeded
    app = ReaderApp(archive)
    async with app.run_test(size=(100, 40)) as pilot:
        screen = await _open(pilot)
        await _find(pilot, "Later on Sunday")
        await pilot.press("v", "j")  # this sentence and the next
        s, e = sorted(screen.view.selection)
        assert screen.article.text[s:e].startswith("Later on Sunday")
        assert screen.article.text[s:e].endswith("'dirty bomb'\".")
        await pilot.press("escape")
        assert screen.view.selection is None
        # w starts a word selection; w/b grow and shrink it.
        await pilot.press("k", "w", "w", "w", "b")
        s, e = sorted(screen.view.selection)
        assert screen.article.text[s:e] == "Later on"
        await pilot.press("t")
        await pilot.pause()
        await pilot.press(*list("quest"))
        await pilot.press("space")
        await pilot.press(*list("topic/defence"))
        await pilot.press("enter")
        await pilot.pause()
    anns = archive.annotations(article_id)
    assert len(anns) == 1
    assert anns[0].exact == "Later on"
    assert anns[0].tags == [QUESTION, "topic/defence"]


async def test_overlapping_annotations_and_navigation(seeded) -> None:
    archive, article_id = seeded
    app = ReaderApp(archive)
    async with app.run_test(size=(100, 40)) as pilot:
        screen = await _open(pilot)
        await _find(pilot, "three calls")
        await pilot.press("c")  # the whole sentence
        await pilot.press("w", "w", "w")  # "In the three"
        await pilot.press("e")
        anns = archive.annotations(article_id)
        assert len(anns) == 2
        assert anns[0].start == anns[1].start and anns[0].end != anns[1].end
        # Both stay drawn: overlapping text is underlined.
        line = next(i for i, ln in enumerate(screen.view.lines) if ln.start <= anns[0].start < ln.end)
        strip = screen.view._draw(line, screen.view.size.width)  # noqa: SLF001
        styles = [seg.style for seg in strip if "three" in seg.text]
        assert styles and styles[0].underline
        await pilot.press("g", "right_square_bracket")
        assert screen.article.text[screen.reading.stops[screen.view.cursor].start :].startswith("In the three calls")
        await pilot.press("left_square_bracket")
        assert screen.article.text[screen.reading.stops[screen.view.cursor].start :].startswith("In the three calls")


async def test_next_and_previous_note_say_when_they_go_round(seeded) -> None:
    archive, _ = seeded
    app = ReaderApp(archive)
    async with app.run_test(size=(100, 40)) as pilot:
        screen = await _open(pilot)
        await _find(pilot, "dirty bomb")
        await pilot.press("c")
        await _find(pilot, "It added that")
        await pilot.press("e")
        app._notifications.clear()  # noqa: SLF001
        await pilot.press("right_square_bracket")
        await pilot.pause()
        assert "dirty bomb" in _cursor_text(screen)
        assert [str(n.message) for n in app._notifications] == ["Back to the first note"]  # noqa: SLF001
        app._notifications.clear()  # noqa: SLF001
        await pilot.press("right_square_bracket")
        await pilot.pause()
        assert _cursor_text(screen).startswith("It added that") and not app._notifications  # noqa: SLF001
        await pilot.press("g", "left_square_bracket")
        await pilot.pause()
        assert _cursor_text(screen).startswith("It added that")
        assert [str(n.message) for n in app._notifications] == ["On to the last note"]  # noqa: SLF001


async def test_delete_asks_and_undo_restores(seeded) -> None:
    archive, article_id = seeded
    app = ReaderApp(archive)
    async with app.run_test(size=(100, 40)) as pilot:
        await _open(pilot)
        await _find(pilot, "dirty bomb")
        await pilot.press("c")
        assert len(archive.annotations(article_id)) == 1
        await pilot.press("x")
        await pilot.pause()
        await pilot.press("n")  # keep it
        await pilot.pause()
        assert len(archive.annotations(article_id)) == 1
        await pilot.press("x")
        await pilot.pause()
        await pilot.press("y")
        await pilot.pause()
        assert archive.annotations(article_id) == []
        await pilot.press("ctrl+z")
        restored = archive.annotations(article_id)
        assert len(restored) == 1 and restored[0].tags == [CLAIM]
        # c on a claimed sentence removes the mark; ctrl+z brings it back.
        await pilot.press("c")
        assert archive.annotations(article_id) == []
        await pilot.press("ctrl+z")
        assert len(archive.annotations(article_id)) == 1


async def test_note_editor_asks_before_discarding(seeded) -> None:
    archive, article_id = seeded
    app = ReaderApp(archive)
    async with app.run_test(size=(100, 40)) as pilot:
        await _open(pilot)
        await _find(pilot, "dirty bomb")
        await pilot.press("n")
        await pilot.pause()
        await pilot.press(*list("draft"))
        await pilot.press("escape")
        await pilot.pause()
        assert type(app.screen).__name__ == "ConfirmScreen"
        await pilot.press("n")  # keep editing
        await pilot.pause()
        assert type(app.screen).__name__ == "NoteEditor"
        await pilot.press("escape")
        await pilot.pause()
        await pilot.press("y")  # discard
        await pilot.pause()
        assert isinstance(app.screen, ArticleScreen)
        assert archive.annotations(article_id) == []
        # N: the article's own note.
        await pilot.press("N")
        await pilot.pause()
        await pilot.press(*list("Read for the seminar"))
        await pilot.press("ctrl+s")
        await pilot.pause()
    assert archive.get(article_id).note == "Read for the seminar"


async def test_notes_panel_enter_jumps(seeded) -> None:
    archive, article_id = seeded
    text = archive.get(article_id).text
    i = text.index("It added that")
    archive.add_annotation(article_id, i, i + len("It added that"), tags=["question"], note="Who asked?")
    app = ReaderApp(archive)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await _open(pilot)
        await pilot.press("p")
        await pilot.pause()
        assert screen.panel.display and screen.panel.has_focus
        await pilot.press("enter")
        await pilot.pause()
        assert _cursor_text(screen).startswith("It added that")
        assert screen.view.has_focus
        await pilot.press("p")
        assert not screen.panel.display


async def test_mark_block_as_boilerplate_for_the_site(seeded) -> None:
    archive, article_id = seeded
    app = ReaderApp(archive)
    async with app.run_test(size=(100, 40)) as pilot:
        screen = await _open(pilot)
        await _find(pilot, "It added that")
        await pilot.press("b")
        await pilot.pause()
        texts = [screen.article.text[s.start : s.end] for s in screen.reading.stops]
        assert "It added that the call was requested by the Russian side." not in texts
        assert any(r.describe().endswith("marked by you") for r in screen.reading.runs)
        await pilot.press("ctrl+z")
        texts = [screen.article.text[s.start : s.end] for s in screen.reading.stops]
        assert "It added that the call was requested by the Russian side." in texts
    assert archive.fold_rules() == []


async def test_undo_after_b_on_a_fold_marker_folds_the_whole_run_again(seeded) -> None:
    archive, _ = seeded
    target = "It added that the call was requested by the Russian side."
    kept = archive.add_fold_rule("", target, "fold")  # the user's earlier rule
    app = ReaderApp(archive)
    async with app.run_test(size=(100, 40)) as pilot:
        screen = await _open(pilot)
        # b on the newsletter and donation run: every block of it is shown.
        await pilot.press("G")
        run = screen.reading.runs[screen.reading.run_at_stop(screen.view.cursor)]
        assert run.count > 5
        await pilot.press("b")
        await pilot.pause()
        assert "Remind me later." in [screen.article.text[s.start : s.end] for s in screen.reading.stops]
        await pilot.press("ctrl+z")
        await pilot.pause()
        assert [r.id for r in archive.fold_rules()] == [kept.id]
        assert screen.reading.runs[-1].count == run.count
        assert "Remind me later." not in [screen.article.text[s.start : s.end] for s in screen.reading.stops]
        # b on the block the earlier rule folds shows it; Ctrl+Z puts that rule back.
        await _find(pilot, "It added that")
        assert screen.reading.run_at_stop(screen.view.cursor) is not None
        await pilot.press("b")
        await pilot.pause()
        assert target in [screen.article.text[s.start : s.end] for s in screen.reading.stops]
        await pilot.press("ctrl+z")
        await pilot.pause()
        assert archive.fold_rules() == [kept]
        assert any(r.describe().endswith("marked by you") for r in screen.reading.runs)


async def test_b_folds_the_block_while_a_fold_below_stays_open(seeded) -> None:
    archive, _ = seeded
    app = ReaderApp(archive)
    async with app.run_test(size=(100, 40)) as pilot:
        screen = await _open(pilot)
        await pilot.press("G", "z")  # open the newsletter and donation run
        await pilot.pause()
        await _find(pilot, "It added that")
        await pilot.press("b")
        await pilot.pause()
        texts = [screen.article.text[s.start : s.end] for s in screen.reading.stops]
        assert "It added that the call was requested by the Russian side." not in texts
        assert "Sign up for our free weekly newsletter" in texts  # still open
        assert screen.reading.stops[screen.view.cursor].is_marker
        marked = screen.reading.runs[screen.reading.run_at_stop(screen.view.cursor)]
        assert marked.reasons == ("marked by you",)
        # Ctrl+Z: the block is back, the run below still open.
        await pilot.press("ctrl+z")
        await pilot.pause()
        texts = [screen.article.text[s.start : s.end] for s in screen.reading.stops]
        assert "It added that the call was requested by the Russian side." in texts
        assert "Sign up for our free weekly newsletter" in texts


async def test_help_lists_every_key_and_escape_goes_back(seeded) -> None:
    archive, _ = seeded
    app = ReaderApp(archive)
    async with app.run_test(size=(110, 50)) as pilot:
        await _open(pilot)
        await pilot.press("question_mark")
        await pilot.pause()
        help_text = str(app.screen.query_one("#help-keys").render())
        for words in ("Claim", "Evidence", "Tags", "Note", "Notes panel", "Fold", "Undo", "Find", "Select"):
            assert words in help_text
        assert "article.claim" in help_text
        await pilot.press("escape")
        await pilot.press("escape")
        await pilot.pause()
        assert type(app.screen).__name__ == "ArchiveScreen"


async def test_help_on_a_small_terminal_scrolls_by_key_and_keeps_one_line_per_key(seeded) -> None:
    from textual.containers import VerticalScroll

    archive, _ = seeded
    app = ReaderApp(archive)
    async with app.run_test(size=(80, 24)) as pilot:
        await _open(pilot)
        await pilot.press("question_mark")
        await pilot.pause()
        help_text = str(app.screen.query_one("#help-keys").render())
        assert "Claim" in help_text and "article.claim" not in help_text  # no id wrapped under each key
        box = app.screen.query_one(VerticalScroll)
        assert box.max_scroll_y > 0 and box.scroll_offset.y == 0
        await pilot.press("j", "j")
        await pilot.pause()
        assert box.scroll_offset.y == 2
        await pilot.press("k")
        await pilot.pause()
        assert box.scroll_offset.y == 1
        await pilot.press("escape")
        await pilot.pause()
        assert type(app.screen).__name__ == "ArticleScreen"


@pytest.mark.parametrize("line", ['"article.claim" = "C"', 'article.claim = "C"'])
async def test_keys_can_be_remapped_in_config(seeded, line: str) -> None:
    """The id unquoted (as the help writes it) is a TOML table of its own:
    it was dropped without a word."""
    archive, article_id = seeded
    (archive.data_dir / "config.toml").write_text(f'[keys]\n{line}\narticle.evidence = 5\n')
    app = ReaderApp(archive)
    async with app.run_test(size=(100, 40)) as pilot:
        await _open(pilot)
        said = [str(n.message) for n in app._notifications]  # noqa: SLF001
        assert len(said) == 1 and "article.evidence: a key is written in quotes" in said[0], said
        await _find(pilot, "dirty bomb")
        await pilot.press("c")
        assert archive.annotations(article_id) == []
        await pilot.press("C")
        assert [a.tags for a in archive.annotations(article_id)] == [[CLAIM]]


async def test_hints_name_the_keys_as_remapped(seeded) -> None:
    """The status line and the messages name the user's keys, not the defaults."""
    archive, article_id = seeded
    (archive.data_dir / "config.toml").write_text(
        '[keys]\n"article.claim" = "C"\n"article.undo" = "ctrl+u"\n"article.other_end" = "O"\n'
        '"article.escape" = "escape,ctrl+g"\n')
    app = ReaderApp(archive)
    async with app.run_test(size=(140, 40)) as pilot:
        screen = await _open(pilot)
        await _find(pilot, "dirty bomb")
        await pilot.press("v")
        status = str(screen.query_one("#article-status").render())
        assert "C/e/t/n to mark, O the other end, Escape to cancel" in status
        await pilot.press("C", "x")
        await pilot.pause()
        await pilot.press("y")  # the delete is confirmed
        await pilot.pause()
        assert any("Deleted (Ctrl+U to undo)" in str(n.message) for n in app._notifications)
        await pilot.press("ctrl+u")
        assert [a.tags for a in archive.annotations(article_id)] == [[CLAIM]]
        # The help's first lines name them too.
        await pilot.press("question_mark")
        await pilot.pause()
        intro = pilot.app.screen.intro
        assert "C claim, e evidence" in intro and "c claim" not in intro


async def test_cursor_move_redraws_only_nearby_lines(seeded) -> None:
    archive, _ = seeded
    app = ReaderApp(archive)
    async with app.run_test(size=(100, 40)) as pilot:
        screen = await _open(pilot)
        view: ArticleView = screen.view
        await pilot.press("j", "j")
        await pilot.pause()
        drawn: list[int] = []
        draw = view._draw  # noqa: SLF001

        def counting(index: int, width: int):  # noqa: ANN202
            drawn.append(index)
            return draw(index, width)

        view._draw = counting  # type: ignore[method-assign]  # noqa: SLF001
        await pilot.press("j")
        await pilot.pause()
        # Only the lines the cursor left and entered are drawn again.
        assert 0 < len(set(drawn)) <= 6


async def _exported(pilot) -> None:  # noqa: ANN001
    """Wait for the export X started (a thread) to finish and say so."""
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


async def test_X_exports_the_open_article_and_says_where(seeded) -> None:
    archive, article_id = seeded
    text = archive.get(article_id).text
    i = text.index("dirty bomb")
    archive.add_annotation(article_id, i, i + 10, tags=["claim"], note="Unsourced")
    app = ReaderApp(archive)
    async with app.run_test(size=(100, 40)) as pilot:
        await _open(pilot)
        await pilot.press("X")
        await _exported(pilot)
        exports = archive.data_dir / "exports"
        files = list(exports.glob("*.md"))
        assert len(files) == 1
        body = files[0].read_text(encoding="utf-8")
        assert "> dirty bomb" in body and "#claim" in body and "Unsourced" in body
        messages = [str(n.message) for n in app._notifications]  # noqa: SLF001
        assert any(str(files[0]) in m for m in messages)
        # On the archive screen, X exports every annotated article.
        await pilot.press("q")
        await pilot.pause()
        await pilot.press("X")
        await _exported(pilot)
        messages = [str(n.message) for n in app._notifications]  # noqa: SLF001
        assert any("Exported 1 file" in m for m in messages)


async def test_X_keeps_an_exported_file_edited_since_and_says_so(seeded) -> None:
    archive, article_id = seeded
    text = archive.get(article_id).text
    i = text.index("dirty bomb")
    ann = archive.add_annotation(article_id, i, i + 10, tags=["claim"], note="Unsourced")
    app = ReaderApp(archive)
    async with app.run_test(size=(100, 40)) as pilot:
        await _open(pilot)
        await pilot.press("X")
        await _exported(pilot)
        [path] = list((archive.data_dir / "exports").glob("*.md"))
        edited = path.read_text(encoding="utf-8").replace("Unsourced", "Unsourced, says who?")
        path.write_text(edited, encoding="utf-8")
        archive.update_annotation(ann.id, note="Changed in the archive")
        await pilot.press("X")
        await _exported(pilot)
        assert path.read_text(encoding="utf-8") == edited
        messages = [str(n.message) for n in app._notifications]  # noqa: SLF001
        assert any(str(path) in m and "edited since the last export; kept" in m for m in messages)
        # A copy of the file made in the vault: left alone, and named.
        copy = path.with_name(path.stem + " 1.md")
        copy.write_text(edited, encoding="utf-8")
        await pilot.press("X")
        await _exported(pilot)
        messages = [str(n.message) for n in app._notifications]  # noqa: SLF001
        assert any(str(copy) in m and "a copy of an exported file, left as it is" in m for m in messages)


def _burst(app, keys: str) -> None:  # noqa: ANN001
    """Keys arriving together, as from a fast typist or a paste: all queued
    before the app handles the first."""
    from textual import events

    for ch in keys:
        name = {"/": "slash", "\n": "enter", " ": "space", "\x1b": "escape"}.get(ch, ch)
        app.post_message(events.Key(name, None if ch in "\n\x1b" else ch))


async def test_typing_ahead_of_the_find_box(seeded) -> None:
    """'/refuted' Enter 'e' in one burst: the query goes to the box, the 'e'
    marks the found sentence."""
    archive, article_id = seeded
    app = ReaderApp(archive)
    async with app.run_test(size=(100, 40)) as pilot:
        screen = await _open(pilot)
        _burst(app, "/refuted\ne")
        await pilot.pause()
        await pilot.pause()
        anns = archive.annotations(article_id)
        assert [a.tags for a in anns] == [[EVIDENCE]]
        assert anns[0].exact.startswith("Britain's defence ministry")
        assert screen.find_box.display is False


async def test_typing_ahead_in_the_archive_filter(seeded) -> None:
    archive, _ = seeded
    app = ReaderApp(archive)
    async with app.run_test(size=(100, 40)) as pilot:
        _burst(app, "/ukraine\n\n")
        await pilot.pause()
        await pilot.pause()
        assert isinstance(app.screen, ArticleScreen)


async def test_keys_typed_right_after_leaving_an_article_are_the_archives(seeded) -> None:
    """'q/mx' in one burst: the '/' opened the article's find box on its way
    out, and 'm' 'x' then marked the article read and asked to delete it."""
    from reader.ui.screens.archive import ArchiveScreen

    archive, article_id = seeded
    app = ReaderApp(archive)
    async with app.run_test(size=(100, 40)) as pilot:
        await _open(pilot)
        _burst(app, "q/mx")
        for _ in range(3):
            await pilot.pause()
        assert isinstance(app.screen, ArchiveScreen)
        assert app.screen.filter_box.value == "mx"
        assert not archive.info(article_id).read
        app.screen.action_clear_filter()
        await pilot.pause()
        _burst(app, "\nqj")  # open, back, and a move: the archive's
        for _ in range(3):
            await pilot.pause()
        assert app.is_running and isinstance(app.screen, ArchiveScreen)
        # Escape, where it goes back, the same way.
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, ArticleScreen)
        _burst(app, "\x1b/mx")
        for _ in range(3):
            await pilot.pause()
        assert isinstance(app.screen, ArchiveScreen) and app.screen.filter_box.value == "mx"
        assert not archive.info(article_id).read


async def test_command_palette_lists_the_screens_commands(seeded) -> None:
    archive, article_id = seeded
    app = ReaderApp(archive)
    async with app.run_test(size=(100, 40)) as pilot:
        screen = await _open(pilot)
        titles = [c.title for c in app.get_system_commands(screen)]
        for title in ("Claim", "Evidence", "Tags", "Note", "Notes panel", "Find", "Help"):
            assert title in titles
        await _find(pilot, "dirty bomb")
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"Evidence")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await pilot.pause(0.2)
    assert [a.tags for a in archive.annotations(article_id)] == [[EVIDENCE]]


async def test_mouse_selection_becomes_the_selection_to_mark(seeded) -> None:
    archive, article_id = seeded
    app = ReaderApp(archive)
    async with app.run_test(size=(100, 40)) as pilot:
        screen = await _open(pilot)
        view = screen.view
        text = screen.article.text
        y = next(i for i, ln in enumerate(view.lines)
                 if ln.marker is None and ln.element >= 0 and text[ln.start : ln.end].startswith("Later on Sunday"))
        x0 = view._margin  # noqa: SLF001 - where the text starts on a line
        await pilot.mouse_down(ArticleView, offset=(x0, y))
        # Dragging onto the last letter of "Sunday" selects it too.
        await pilot.hover(ArticleView, offset=(x0 + 14, y))
        await pilot.mouse_up(ArticleView, offset=(x0 + 14, y))
        await pilot.pause()
        s, e = sorted(view.selection)
        assert text[s:e] == "Later on Sunday"
        assert app.screen.get_selected_text() == "Later on Sunday"
        await pilot.press("c")
    [ann] = archive.annotations(article_id)
    assert ann.exact == "Later on Sunday" and ann.tags == [CLAIM]


async def test_m_marks_the_article_read_and_back_unread(seeded) -> None:
    archive, article_id = seeded
    app = ReaderApp(archive)
    async with app.run_test(size=(110, 40)) as pilot:
        await _open(pilot)
        await pilot.press("m")
        await pilot.pause()
        assert archive.info(article_id).read
        await pilot.press("q", "j", "k")
        await pilot.pause()
        assert app.screen.query_one("ArchiveList").rows[0].read  # the list shows it on return
        await pilot.press("enter")
        await pilot.pause()
        await pilot.press("m")
        await pilot.pause()
        assert not archive.info(article_id).read


async def _pick_tags(app, pilot, how: str) -> list[str]:  # noqa: ANN001
    """On a sentence, `t`, then "open question" typed `how`, then Enter:
    the tags the new mark gets."""
    from textual import events

    screen = await _open(pilot)
    await _find(pilot, "It added that")
    await pilot.press("t")
    await pilot.pause()
    if how == "by key":
        await pilot.press(*list("open question"))
    elif how == "burst":
        _burst(app, "open question")
    else:  # a paste
        app.post_message(events.Paste("open question"))
    await pilot.pause()
    await pilot.pause()
    picker = app.screen
    assert picker.query_one("Input").value == "question"
    assert picker.chosen == ["open"]
    await pilot.press("enter")
    await pilot.pause()
    [ann] = screen.annotations
    return ann.tags


async def test_tag_picker_keeps_every_word_typed_fast(seeded) -> None:
    archive, _ = seeded
    for how in ("by key", "burst", "paste"):
        for a in archive.annotations(seeded[1]):
            archive.delete_annotation(a.id)
        app = ReaderApp(archive)
        async with app.run_test(size=(100, 40)) as pilot:
            assert await _pick_tags(app, pilot, how) == ["open", "question"], how


async def test_tag_picker_space_on_an_empty_box_ticks_nothing(seeded) -> None:
    archive, article_id = seeded
    archive.add_annotation(article_id, 0, 5, tags=["claim"])  # so the list is not empty
    app = ReaderApp(archive)
    async with app.run_test(size=(100, 40)) as pilot:
        await _open(pilot)
        await _find(pilot, "It added that")
        await pilot.press("t")
        await pilot.pause()
        picker = app.screen
        await pilot.press("space", "space")
        assert picker.chosen == [] and picker.query_one("Input").value == ""
        # Slowly, a word and a space: the best match is ticked, the box emptied.
        await pilot.press(*list("cla"))
        await pilot.press("space")
        assert picker.chosen == ["claim"] and picker.query_one("Input").value == ""
        # Each word toggles its tag once, a second space toggles nothing:
        # "cla" unticks #claim, "cla" ticks it again.
        await pilot.press(*list("cla  cla "))
        assert picker.chosen == ["claim"]
        # Enter on an empty box applies what is ticked.
        await pilot.press("enter")
        await pilot.pause()
    assert [a.tags for a in archive.annotations(article_id)][-1] == ["claim"]


async def test_selection_grows_backwards_keeping_the_sentence_it_started_on(seeded) -> None:
    archive, _ = seeded
    app = ReaderApp(archive)
    async with app.run_test(size=(100, 40)) as pilot:
        screen = await _open(pilot)
        text = screen.article.text
        await _find(pilot, "Later on Sunday")
        start = text.index("Later on Sunday")
        later = text[start : text.index("Wallace.", start) + len("Wallace.")]
        await pilot.press("v", "k")  # the sentence before, and this one
        s, e = sorted(screen.view.selection)
        assert text[s:e].startswith('"The situation in Ukraine') and text[s:e].rstrip().endswith(later)
        status = str(screen.query_one("#article-status").render())
        assert f"selecting {len(text[s:e].split())} words" in status
        await pilot.press("j")  # back to the sentence it started on
        s, e = sorted(screen.view.selection)
        assert text[s:e] == later
        await pilot.press("j")  # and on past it
        s, e = sorted(screen.view.selection)
        assert text[s:e].startswith(later) and text[s:e].endswith("'dirty bomb'\".")
        await pilot.press("k", "k")  # back over the start: the start stays in
        s, e = sorted(screen.view.selection)
        assert text[s:e].startswith('"The situation') and text[s:e].rstrip().endswith(later)
        await pilot.press("escape", "j")
        assert _cursor_text(screen) == later
        # By word: w takes "Later"; b grows back over the words before it
        # (a full stop with its word: no key is spent on a stop alone), w
        # shrinks back to it, and on past it.
        await pilot.press("w", "b")
        s, e = sorted(screen.view.selection)
        assert text[s:e] == "said.\n\nLater"
        await pilot.press("w")
        s, e = sorted(screen.view.selection)
        assert text[s:e] == "Later"
        await pilot.press("w")
        s, e = sorted(screen.view.selection)
        assert text[s:e] == "Later on"
        await pilot.press("b", "b")
        s, e = sorted(screen.view.selection)
        assert text[s:e] == "said.\n\nLater"


async def test_escape_closes_the_notes_panel_after_a_jump_before_going_back(seeded) -> None:
    archive, article_id = seeded
    text = archive.get(article_id).text
    i = text.index("It added that")
    archive.add_annotation(article_id, i, i + len("It added that"), tags=["question"])
    app = ReaderApp(archive)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await _open(pilot)
        await pilot.press("p")
        await pilot.pause()
        await pilot.press("enter")  # jump: the text has the focus, the panel stays open
        await pilot.pause()
        assert screen.panel.display and screen.view.has_focus
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is screen and not screen.panel.display and screen.view.has_focus
        await pilot.press("escape")
        await pilot.pause()
        assert type(app.screen).__name__ == "ArchiveScreen"


async def test_find_unfolds_a_match_that_is_only_in_folded_text(seeded) -> None:
    archive, _ = seeded
    app = ReaderApp(archive)
    async with app.run_test(size=(100, 40)) as pilot:
        screen = await _open(pilot)
        texts = [screen.article.text[s.start : s.end] for s in screen.reading.stops]
        assert not any("newsletter" in t for t in texts)  # only in folded blocks
        await _find(pilot, "newsletter")
        assert _cursor_text(screen) == "Sign up for our free weekly newsletter"
        run = screen.reading.run_at_stop(screen.view.cursor)
        assert run is not None and run in screen.reading.expanded
        messages = [str(n.message) for n in app._notifications]  # noqa: SLF001
        assert not any(m.startswith("Not found") for m in messages)
        # `/` Enter again: the next match, in the same (now open) run.
        await pilot.press("slash", "enter")
        await pilot.pause()
        assert _cursor_text(screen).startswith("Our weekly newsletter contains")
        # A shown match after the cursor comes before a folded one further on...
        await pilot.press("g")
        await _find(pilot, "russia's")
        assert _cursor_text(screen).startswith("Russia's Defence Minister")
        # ... and a folded match after the cursor before a shown one that the
        # search would reach only by going round to the top.
        await _find(pilot, "It added that")
        await _find(pilot, "russia's")
        assert _cursor_text(screen).startswith("Russia's Prosecutor"), _cursor_text(screen)


async def test_evidence_has_a_highlight_of_its_own_apart_from_the_cursor(seeded) -> None:
    """Evidence, claim, question and the cursor each have a background of
    their own - also in a 256-colour terminal - and the highlighted text stays
    readable (WCAG contrast 4.5 or more) on every dark theme."""
    from rich.color import ColorSystem
    from textual.color import Color
    from textual.theme import BUILTIN_THEMES

    def contrast(a: Color, b: Color) -> float:  # WCAG 2
        def lum(c: Color) -> float:
            ch = [v / 255 for v in (c.r, c.g, c.b)]
            ch = [x / 12.92 if x <= 0.03928 else ((x + 0.055) / 1.055) ** 2.4 for x in ch]
            return 0.2126 * ch[0] + 0.7152 * ch[1] + 0.0722 * ch[2]

        hi, lo = sorted((lum(a), lum(b)), reverse=True)
        return (hi + 0.05) / (lo + 0.05)

    archive, article_id = seeded
    text = archive.get(article_id).text
    for phrase, tag in (("Britain's defence ministry", EVIDENCE), ("In the three calls", CLAIM),
                        ("It added that", QUESTION)):
        i = text.index(phrase)
        archive.add_annotation(article_id, i, i + len(phrase), tags=[tag])
    app = ReaderApp(archive)
    async with app.run_test(size=(100, 40)) as pilot:
        screen = await _open(pilot)
        await _find(pilot, "Later on Sunday")
        view = screen.view

        def background(phrase: str):  # noqa: ANN202
            at = text.index(phrase)
            y = next(i for i, ln in enumerate(view.lines) if ln.marker is None and ln.start <= at < ln.end)
            view._cache.clear()  # noqa: SLF001
            [seg] = [s for s in view._draw(y, view.size.width) if s.text.startswith(phrase[:8])]  # noqa: SLF001
            return seg.style

        for name in ("textual-dark", *sorted(n for n, t in BUILTIN_THEMES.items() if t.dark and n != "textual-dark")):
            app.theme = name
            await pilot.pause()
            screen._apply_palette()  # noqa: SLF001
            styles = {tag: background(p) for p, tag in (("Britain's defence ministry", EVIDENCE),
                                                        ("In the three calls", CLAIM), ("It added that", QUESTION))}
            cursor = background("Later on Sunday").bgcolor
            evidence = styles[EVIDENCE]
            assert evidence.bgcolor != cursor, name
            if name == "textual-dark":  # the default: every highlight apart, also in 256 colours
                eight_bit = {k: s.bgcolor.downgrade(ColorSystem.EIGHT_BIT).number for k, s in styles.items()}
                eight_bit["cursor"] = cursor.downgrade(ColorSystem.EIGHT_BIT).number
                assert len(set(eight_bit.values())) == 4, eight_bit
            else:
                assert evidence.bgcolor.downgrade(ColorSystem.EIGHT_BIT) != cursor.downgrade(ColorSystem.EIGHT_BIT), name
            for tag, style in styles.items():
                fg, bg = (Color.from_rich_color(c) for c in (style.color, style.bgcolor))
                if bg.ansi is None:  # an ANSI theme's colours are the terminal's own
                    assert contrast(fg, bg) >= 4.5, (name, tag)


async def test_note_editor_leaves_lines_to_type_in_on_a_small_terminal(seeded) -> None:
    """At 60x20 a long quote shrinks (and scrolls) so the note has room."""
    archive, _ = seeded
    app = ReaderApp(archive)
    async with app.run_test(size=(60, 20)) as pilot:
        await _open(pilot)
        await _find(pilot, "Britain's defence ministry")
        await pilot.press("n")
        await pilot.pause()
        editor = app.screen
        assert type(editor).__name__ == "NoteEditor"
        area = editor.query_one("#note-text")
        quote = editor.query_one(".note-quote")
        assert area.content_region.height >= 3
        assert quote.size.height >= 1
        # The quote's lines past what fits scroll rather than push the note out.
        assert quote.virtual_size.height > quote.size.height
        # Everything sits inside the dialog, on the screen.
        dialog = editor.query_one(".note-editor")
        for widget in (area, quote, editor.query_one(".dialog-hint")):
            assert dialog.content_region.contains_region(widget.region), widget
        await pilot.press(*"a b c")
        assert area.text == "a b c"


async def test_jumping_from_the_panel_to_a_mark_in_folded_text_shows_it(seeded) -> None:
    archive, article_id = seeded
    article = archive.get(article_id)
    i = article.text.index("A Message from The Moscow Times")
    assert article.blocks[article.block_at(i)].boilerplate
    archive.add_annotation(article_id, i, i + len("A Message from The Moscow Times"), tags=["claim"])
    app = ReaderApp(archive)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await _open(pilot)
        await pilot.press("p")
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        assert _cursor_text(screen).startswith("A Message from The Moscow Times")


async def test_keys_typed_ahead_of_the_note_editor_reach_it(seeded) -> None:
    archive, _ = seeded
    app = ReaderApp(archive)
    async with app.run_test(size=(100, 40)) as pilot:
        screen = await _open(pilot)
        await _find(pilot, "It added that")
        _burst(app, "nsee the\nreport")  # `n` and the note in one burst, as from a fast typist
        await pilot.pause()
        await pilot.pause()
        editor = app.screen
        assert editor is not screen and editor.text == "see the\nreport"
        await pilot.press("ctrl+s")
        await pilot.pause()
        [ann] = screen.annotations
        assert ann.note == "see the\nreport"
        # The article's own note the same way; Escape typed ahead still asks
        # before throwing the words away.
        _burst(app, "Nmine")
        await pilot.pause()
        await pilot.pause()
        assert app.screen.text == "mine"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is screen and archive.article_note(screen.article.id) == "mine"
        # A paste that arrives before the editor has the focus goes in too, once.
        _burst(app, "N")
        app.post_message(events.Paste(" and pasted"))
        await pilot.pause()
        await pilot.pause()
        assert app.screen.text == "mine and pasted"
        app.post_message(events.Paste("!"))  # the editor open: the text area takes it
        await pilot.pause()
        assert app.screen.text == "mine and pasted!"


async def test_a_paste_ahead_of_the_tag_picker_reaches_it(seeded) -> None:
    archive, _ = seeded
    app = ReaderApp(archive)
    async with app.run_test(size=(100, 40)) as pilot:
        screen = await _open(pilot)
        await _find(pilot, "It added that")
        _burst(app, "t")
        app.post_message(events.Paste("open\nquestion "))
        await pilot.pause()
        await pilot.pause()
        assert app.screen is not screen and app.screen.chosen == ["open", "question"]
        await pilot.press("enter")
        await pilot.pause()
        [ann] = screen.annotations
        assert ann.tags == ["open", "question"]


async def test_keys_typed_ahead_of_the_tag_picker_reach_it(seeded) -> None:
    archive, _ = seeded
    app = ReaderApp(archive)
    async with app.run_test(size=(100, 40)) as pilot:
        screen = await _open(pilot)
        await _find(pilot, "It added that")
        _burst(app, "topen question\n")  # `t` and the tags in one burst, as from a fast typist
        await pilot.pause()
        await pilot.pause()
        assert app.screen is screen
        [ann] = screen.annotations
        assert ann.tags == ["open", "question"]
        # Then, slowly, as before: the picker opens with the mark's tags.
        await pilot.press("t")
        await pilot.pause()
        assert app.screen is not screen and app.screen.chosen == ["open", "question"]
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is screen


async def test_a_mark_changed_by_another_process_keeps_that_change_when_tagged_here(seeded) -> None:
    """`reader note` or `reader import-notes` run while the article is open:
    tagging the mark here afterwards keeps their note and tags."""
    from reader.core.store import Archive

    archive, article_id = seeded
    app = ReaderApp(archive)
    async with app.run_test(size=(100, 40)) as pilot:
        await _open(pilot)
        await _find(pilot, "dirty bomb")
        await pilot.press("c")
        [ann] = archive.annotations(article_id)
        with Archive(archive.data_dir) as other:
            other.update_annotation(ann.id, note="Taken back from the vault.", add_tags=["from-vault"])
        await pilot.press("e")
        await pilot.pause()
        [after] = archive.annotations(article_id)
        assert after.note == "Taken back from the vault."
        assert after.tags == [CLAIM, "from-vault", EVIDENCE]
        # Undo puts back what the mark was just before this edit, not the older copy.
        await pilot.press("ctrl+z")
        await pilot.pause()
        [undone] = archive.annotations(article_id)
        assert undone.note == "Taken back from the vault." and undone.tags == [CLAIM, "from-vault"]


async def test_the_note_editors_open_on_notes_changed_by_another_process(seeded) -> None:
    """A note taken back from the vault while the article is open is the text
    the editor starts from (n and N), so saving there does not undo it."""
    from reader.core.store import Archive

    archive, article_id = seeded
    app = ReaderApp(archive)
    async with app.run_test(size=(100, 40)) as pilot:
        await _open(pilot)
        await _find(pilot, "dirty bomb")
        await pilot.press("c")
        [ann] = archive.annotations(article_id)
        with Archive(archive.data_dir) as other:
            other.update_annotation(ann.id, note="From the vault.")
            other.set_article_note(article_id, "Article note from the vault.")
        await pilot.press("n")
        await pilot.pause()
        assert app.screen.original == "From the vault."
        await pilot.press("escape")
        await pilot.pause()
        await pilot.press("N")
        await pilot.pause()
        assert app.screen.original == "Article note from the vault."
        await pilot.press("escape")
        await pilot.pause()
    assert archive.annotation(ann.id).note == "From the vault."
    assert archive.get(article_id).note == "Article note from the vault."


async def test_undo_of_b_on_a_folded_run_takes_back_every_rule_it_made(seeded) -> None:
    archive, _ = seeded
    app = ReaderApp(archive)
    async with app.run_test(size=(100, 40)) as pilot:
        screen = await _open(pilot)
        run = next(i for i, r in enumerate(screen.reading.runs) if r.end - r.start > 1)
        size = screen.reading.runs[run].end - screen.reading.runs[run].start
        screen.view.move_cursor(screen.reading.marker_stop(run))
        stops = len(screen.reading.stops)
        await pilot.press("b")
        await pilot.pause()
        assert len(archive.fold_rules()) == size
        await pilot.press("ctrl+z")
        await pilot.pause()
        assert archive.fold_rules() == []
        assert len(screen.reading.stops) == stops  # folded again


async def test_undo_of_b_twice_on_one_block_puts_each_rule_back(seeded) -> None:
    archive, _ = seeded
    app = ReaderApp(archive)
    sentence = "It added that the call was requested by the Russian side."
    async with app.run_test(size=(100, 40)) as pilot:
        screen = await _open(pilot)

        def shown() -> bool:
            return sentence in [screen.article.text[s.start : s.end] for s in screen.reading.stops]

        await _find(pilot, "It added that")
        await pilot.press("b")  # fold it on the site
        await pilot.pause()
        assert not shown()
        await pilot.press("b")  # on its fold: show it again
        await pilot.pause()
        assert shown()
        await pilot.press("ctrl+z")  # the fold rule is back
        await pilot.pause()
        assert not shown()
        assert [r.action for r in archive.fold_rules()] == ["fold"]
        await pilot.press("ctrl+z")
        await pilot.pause()
        assert shown()
        assert archive.fold_rules() == []
        assert app.is_running


async def test_j_and_k_move_in_the_notes_panel_not_the_text_behind_it(seeded) -> None:
    archive, article_id = seeded
    text = archive.get(article_id).text
    i = text.index("It added that")
    first = archive.add_annotation(article_id, i, i + len("It added that"), tags=["question"])
    j = text.index("Britain's defence ministry")
    second = archive.add_annotation(article_id, j, j + 30, tags=["claim"])
    ordered = sorted([first, second], key=lambda a: a.start)
    app = ReaderApp(archive)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await _open(pilot)
        cursor = screen.view.cursor
        await pilot.press("p")
        await pilot.pause()

        def highlighted() -> str:
            return screen.panel.get_option_at_index(screen.panel.highlighted).id

        assert highlighted() == "ann:" + ordered[0].id
        await pilot.press("j")
        assert highlighted() == "ann:" + ordered[1].id
        assert screen.view.cursor == cursor
        await pilot.press("k")
        assert highlighted() == "ann:" + ordered[0].id
        assert screen.view.cursor == cursor


async def test_keys_in_the_notes_panel_act_on_the_highlighted_note(seeded) -> None:
    archive, article_id = seeded
    text = archive.get(article_id).text
    i = text.index("It added that")
    first = archive.add_annotation(article_id, i, i + len("It added that"), tags=["question"], note="Who asked?")
    j = text.index("Britain's defence ministry")
    second = archive.add_annotation(article_id, j, j + 30, tags=["claim"])
    app = ReaderApp(archive)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await _open(pilot)  # the cursor is on neither mark
        await pilot.press("p")
        await pilot.pause()
        ordered = sorted([first, second], key=lambda a: a.start)

        def highlighted() -> str:
            return screen.panel.get_option_at_index(screen.panel.highlighted).id

        assert highlighted() == "ann:" + ordered[0].id
        await pilot.press("down")
        target = ordered[1]
        assert highlighted() == "ann:" + target.id
        await pilot.press("e")  # evidence on the highlighted note
        await pilot.pause()
        assert "evidence" in next(a for a in archive.annotations(article_id) if a.id == target.id).tags
        await pilot.press("n")
        await pilot.pause()
        await pilot.press(*"seen")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert next(a for a in archive.annotations(article_id) if a.id == target.id).note.endswith("seen")
        await pilot.press("x")
        await pilot.pause()
        await pilot.press("y")
        await pilot.pause()
        assert [a.id for a in archive.annotations(article_id)] == [ordered[0].id]
        await pilot.press("ctrl+z")
        await pilot.pause()
        assert len(archive.annotations(article_id)) == 2


async def test_ctrl_q_asks_before_throwing_away_a_note_being_written(seeded) -> None:
    from reader.ui.screens.dialogs import ConfirmScreen
    from reader.ui.screens.note_editor import NoteEditor

    archive, article_id = seeded
    app = ReaderApp(archive)
    async with app.run_test(size=(100, 40)) as pilot:
        await _open(pilot)
        await pilot.press("N")
        await pilot.pause()
        await pilot.press(*"half a thought")
        await pilot.press("ctrl+q")
        await pilot.pause()
        assert app.is_running and isinstance(app.screen, ConfirmScreen)
        await pilot.press("n")  # keep editing
        await pilot.pause()
        assert isinstance(app.screen, NoteEditor)
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert archive.get(article_id).note == "half a thought"
        await pilot.press("N")
        await pilot.pause()
        await pilot.press("ctrl+q")  # nothing changed in the editor: quits at once
        await pilot.pause()
    assert not app.is_running


async def test_ctrl_q_then_yes_quits_without_the_note(seeded) -> None:
    archive, article_id = seeded
    app = ReaderApp(archive)
    async with app.run_test(size=(100, 40)) as pilot:
        await _open(pilot)
        await pilot.press("N", *"draft", "ctrl+q")
        await pilot.pause()
        await pilot.press("y")
        await pilot.pause()
    assert not app.is_running
    assert archive.get(article_id).note == ""


async def test_notes_panel_on_a_narrow_terminal_leaves_the_text_whole_words(seeded) -> None:
    archive, _ = seeded
    for size in ((60, 20), (40, 16)):
        await _check_whole_words(ReaderApp(archive), size)


async def _check_whole_words(app: ReaderApp, size: tuple[int, int]) -> None:
    async with app.run_test(size=size) as pilot:
        screen = await _open(pilot)
        await pilot.press("p")
        await pilot.pause()
        await pilot.pause()
        view = screen.view
        words = set(screen.article.text.split())
        shown = []
        for y in range(view.size.height):
            i = view.scroll_offset.y + y
            if i < len(view.lines) and view.lines[i].marker is None and view.lines[i].element >= 0:
                shown.append(view.render_line(y).text.replace("\u258c", " ").replace("\u2502", " ").strip())
        assert len(shown) > 2
        for line in shown:
            for word in line.split():
                assert word in words, (word, line)


async def test_status_counts_a_one_word_selection_as_one_word(seeded) -> None:
    archive, _ = seeded
    app = ReaderApp(archive)
    async with app.run_test(size=(100, 40)) as pilot:
        screen = await _open(pilot)
        await _find(pilot, "Later on Sunday")
        await pilot.press("w")  # a selection of the sentence's first word
        await pilot.pause()
        status = str(screen.query_one("#article-status").render())
        assert "selecting 1 word \u2014" in status
        await pilot.press("w")
        await pilot.pause()
        assert "selecting 2 words" in str(screen.query_one("#article-status").render())


async def test_a_narrow_status_line_keeps_the_keys_that_mark_a_selection(seeded) -> None:
    """At 45 columns the selection's hint was cut after "selec"."""
    archive, _ = seeded
    app = ReaderApp(archive)
    async with app.run_test(size=(45, 30)) as pilot:
        screen = await _open(pilot)
        await _find(pilot, "Later on Sunday")
        await pilot.press("w", "w")
        await pilot.pause()
        status = screen.query_one("#article-status")
        shown = str(status.render())
        assert shown.endswith("2 words: c/e/t/n to mark") and len(shown) <= status.content_size.width
        await pilot.resize_terminal(100, 30)
        await pilot.pause()
        assert "selecting 2 words \u2014 c/e/t/n to mark, o the other end" in str(status.render())


async def test_Q_marks_an_open_question_in_one_key_as_c_and_e_do(seeded) -> None:
    archive, article_id = seeded
    app = ReaderApp(archive)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await _open(pilot)
        await _find(pilot, "It added that")
        await pilot.press("Q")
        await pilot.pause()
        anns = archive.annotations(article_id)
        assert [a.tags for a in anns] == [[QUESTION]]
        assert anns[0].exact.startswith("It added that")
        await pilot.press("c")  # the same mark, now a claim too
        await pilot.press("Q")  # and no longer a question
        await pilot.pause()
        assert [a.tags for a in archive.annotations(article_id)] == [[CLAIM]]
        # In the notes panel, Q acts on the mark highlighted there.
        await _find(pilot, "Later on Sunday")
        await pilot.press("p")
        await pilot.pause()
        assert screen.panel.has_focus
        await pilot.press("Q")
        await pilot.pause()
        assert [a.tags for a in archive.annotations(article_id)] == [[CLAIM, QUESTION]]


async def test_moving_a_selection_that_spans_a_long_article_redraws_only_its_ends(archive, tmp_path) -> None:
    """Each key that moved a selection's end refreshed every line of the
    selection: over a page of 120,000 paragraphs one k took 4 s."""
    path = tmp_path / "long.txt"
    path.write_text("A long story\n\n" + "\n\n".join(
        f"Paragraph {i} says one thing. Then it says another thing about it." for i in range(400)))
    add(archive, path)
    app = ReaderApp(archive)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await _open(pilot)
        view: ArticleView = screen.view
        await pilot.press("j", "v", "G")
        await pilot.pause()
        assert len(view.lines) > 700  # the selection spans hundreds of lines (a folded line or two aside)
        before = sorted(view.selection)
        refreshed: list[int] = []
        refresh_line = view.refresh_line

        def counting(y: int) -> None:
            refreshed.append(y)
            refresh_line(y)

        view.refresh_line = counting  # type: ignore[method-assign]
        await pilot.press("k")
        await pilot.pause()
        sel = sorted(view.selection)
        assert sel[0] == before[0] and before[0] < sel[1] < before[1]  # its end moved back, its start stayed
        assert "Paragraph 300 says" in screen.article.text[sel[0]:sel[1]]
        assert 0 < len(refreshed) <= view.size.height


async def test_find_box_keeps_every_key_of_a_query_typed_as_it_opens(seeded) -> None:
    """'/' and the first letter arrive together, the rest after the box has
    the focus: the box holds the whole query, the last one replaced."""
    archive, _ = seeded
    app = ReaderApp(archive)
    async with app.run_test(size=(100, 40)) as pilot:
        screen = await _open(pilot)
        await _find(pilot, "dirty bomb")
        for _ in range(2):
            _burst(app, "/W")
            await pilot.pause()
            await pilot.press(*"allace")
            assert screen.find_box.value == "Wallace"
            await pilot.press("escape")


async def test_keys_for_a_sentence_say_so_on_a_fold_marker(seeded) -> None:
    """On a fold marker, the keys that act on a sentence say what they need
    instead of doing nothing."""
    archive, article_id = seeded
    app = ReaderApp(archive)
    async with app.run_test(size=(100, 40)) as pilot:
        screen = await _open(pilot)
        await pilot.press("k")  # from the first sentence up onto the fold line
        assert screen.reading.stops[screen.view.cursor].is_marker
        for key in ("n", "t", "v", "w", "y", "c"):
            app.clear_notifications()
            await pilot.press(key)
            await pilot.pause()
            assert app.screen is screen, key
            messages = [str(n.message) for n in app._notifications]  # noqa: SLF001
            assert messages == ["Move the cursor to a sentence first"], key
        assert screen.view.selection is None
        assert archive.annotations(article_id) == []


async def test_tag_picker_takes_no_tag_for_what_holds_none(seeded) -> None:
    """A box holding '#' or '[/]' names no tag: Enter or a space after it
    ticks nothing, as on an empty box, not the first tag of the list."""
    archive, article_id = seeded
    archive.add_annotation(article_id, 0, 5, tags=["claim"])  # so the list is not empty
    app = ReaderApp(archive)
    async with app.run_test(size=(100, 40)) as pilot:
        screen = await _open(pilot)
        await _find(pilot, "It added that")
        for typed in ("# ", "#", "[/]"):
            await pilot.press("t")
            await pilot.pause()
            await pilot.press(*list(typed))
            assert app.screen.chosen == [], typed
            await pilot.press("enter")
            await pilot.pause()
            assert app.screen is screen
            assert len(archive.annotations(article_id)) == 1, typed


async def test_the_site_line_stays_under_a_long_title_on_a_narrow_screen(archive) -> None:
    """A title that takes three lines of a narrow screen leaves the site,
    author and date their own line, cut short with an ellipsis."""
    from textual.geometry import Region

    from reader.core.ingest import article_id, ingest_file

    from .conftest import FIXTURES, SAVED

    article = ingest_file(FIXTURES / "seed.txt")
    article.saved, article.source_path = SAVED, "test:long-title"
    article.id = article_id(article.source_path)
    article.title = "Top Nutrition Trends for Fall 2025: What Fitness Experts Are Eating (and How It Is Easy)"
    article.site, article.author, article.published = "scratchculinary.com", "Andrew King", "2025-09-04"
    archive.save(article)
    app = ReaderApp(archive)
    async with app.run_test(size=(45, 20)) as pilot:
        screen = await _open(pilot)
        header, meta = screen.query_one("#article-header"), screen.query_one("#article-meta")
        assert meta.region.y == header.region.bottom and meta.region.height == 1
        [line] = meta.render_lines(Region(0, 0, meta.region.width, 1))
        assert line.text.strip().startswith("scratchculinary.com \u00b7 Andrew King") and line.text.strip().endswith("\u2026")
    async with ReaderApp(archive).run_test(size=(110, 30)) as pilot:
        screen = await _open(pilot)
        meta = screen.query_one("#article-meta")
        [line] = meta.render_lines(Region(0, 0, meta.region.width, 1))
        assert line.text.strip() == "scratchculinary.com \u00b7 Andrew King \u00b7 2025-09-04"


async def test_the_text_stays_in_its_column_when_the_notes_panel_opens_and_closes(seeded) -> None:
    archive, _ = seeded
    app = ReaderApp(archive)
    async with app.run_test(size=(110, 34)) as pilot:  # the story fits, but not beside the panel
        screen = await _open(pilot)

        def column() -> int:
            line = next(line for line in view_text(screen.view).splitlines() if STORY_START[:30] in line)
            return line.index(STORY_START[:30])

        before = column()
        await pilot.press("p")
        await pilot.pause()
        await pilot.press("escape")
        await pilot.pause()
        assert column() == before
        await pilot.resize_terminal(70, 20)
        await pilot.pause()
        await pilot.resize_terminal(110, 34)
        await pilot.pause()
        assert column() == before


async def test_g_and_G_grow_a_selection_as_the_page_keys_do(seeded) -> None:
    archive, article_id = seeded
    app = ReaderApp(archive)
    async with app.run_test(size=(100, 40)) as pilot:
        screen = await _open(pilot)
        await _find(pilot, "In the three calls")
        await pilot.press("v", "G")
        s, e = sorted(screen.view.selection)
        assert "It added that the call" in screen.article.text[s:e]
        await pilot.press("g")
        s, e = sorted(screen.view.selection)
        assert STORY_START in screen.article.text[s:e] and "In the three calls" in screen.article.text[s:e]
        await pilot.press("e")
        [ann] = archive.annotations(article_id)
        assert STORY_START in ann.exact and "In the three calls" in ann.exact


async def test_o_moves_the_other_end_so_a_phrase_inside_a_sentence_can_be_marked(seeded) -> None:
    """v takes the sentence; o, then w, narrows it from the start; o again,
    then b, from the end: "Shoigu conveyed" alone, marked from the keyboard."""
    archive, article_id = seeded
    app = ReaderApp(archive)
    async with app.run_test(size=(100, 40)) as pilot:
        screen = await _open(pilot)
        await _find(pilot, "In the three calls")

        def selected() -> str:
            s, e = sorted(screen.view.selection)
            return screen.article.text[s:e]

        await pilot.press("v")
        assert selected().startswith("In the three calls") and selected().endswith("'dirty bomb'\".")
        await pilot.press("o", "w", "w", "w", "w")  # In, the, three, "calls,"
        assert selected().startswith("Shoigu conveyed") and selected().endswith("'dirty bomb'\".")
        await pilot.press("o")
        seen = [selected()]
        while seen[-1] != "Shoigu conveyed" and len(seen) < 40:
            await pilot.press("b")
            seen.append(selected())
            assert len(seen[-1]) < len(seen[-2]) and seen[-1].startswith("Shoigu conveyed")  # narrows, end first
        assert seen[-1] == "Shoigu conveyed"
        await pilot.press("c")
        [ann] = archive.annotations(article_id)
        assert ann.exact == "Shoigu conveyed" and ann.tags == ["claim"]
        await pilot.press("o")
        assert "Select first (v)" in str(list(app._notifications)[-1].message)


async def test_a_selection_grown_over_a_fold_shows_the_folded_text(seeded) -> None:
    """What a mark's quote holds is on the screen before it is marked: a
    selection that takes in a folded run opens it, and says so."""
    archive, _article_id = seeded
    app = ReaderApp(archive)
    async with app.run_test(size=(100, 40)) as pilot:
        screen = await _open(pilot)
        await _find(pilot, STORY_START)
        first_run = screen.reading.runs[0]
        assert first_run.start == 0 and 0 not in screen.reading.expanded
        await pilot.press("v", "k")
        await pilot.pause()
        assert 0 in screen.reading.expanded
        s, e = sorted(screen.view.selection)
        assert s <= screen.article.blocks[0].start and STORY_START in screen.article.text[s:e]
        assert any("The selection runs over folded text: 3 blocks shown" in str(n.message) for n in app._notifications)
        # Moving on inside what is shown opens nothing more and says nothing more.
        said = len(app._notifications)
        await pilot.press("j")
        await pilot.pause()
        assert len(app._notifications) == said


async def test_a_fold_line_counts_the_marks_inside_its_run(seeded) -> None:
    archive, article_id = seeded
    app = ReaderApp(archive)
    async with app.run_test(size=(100, 40)) as pilot:
        screen = await _open(pilot)

        def fold_lines() -> list[str]:
            # Each fold line whole (a long one wraps).
            return " ".join(line.marker for line in screen.view.lines if line.marker).split("\u25b8")

        await pilot.press("G", "z", "j")  # into the run at the bottom, opened
        await pilot.pause()
        await pilot.press("c")
        await pilot.pause()
        assert len(archive.annotations(article_id)) == 1
        assert not any("inside" in line for line in fold_lines())  # open: the mark is in sight
        await pilot.press("z")
        await pilot.pause()
        assert any(line.rstrip().endswith("\u00b7 1 mark inside") for line in fold_lines()), fold_lines()
        await pilot.press("ctrl+z")  # the mark taken back, under the closed fold
        await pilot.pause()
        assert archive.annotations(article_id) == []
        assert not any("inside" in line for line in fold_lines())


async def test_find_says_when_it_goes_round_to_the_top(seeded) -> None:
    archive, _ = seeded
    app = ReaderApp(archive)
    async with app.run_test(size=(100, 40)) as pilot:
        screen = await _open(pilot)
        await _find(pilot, "Lloyd Austin")
        assert not any("from the top" in str(n.message) for n in app._notifications)
        app.clear_notifications()
        await _find(pilot, "Shoigu conveyed")
        assert "Shoigu conveyed" in screen.article.text[screen.reading.stops[screen.view.cursor].start:][:200]
        assert any(str(n.message) == "Found from the top: Shoigu conveyed" for n in app._notifications)
        app.clear_notifications()
        await pilot.press("slash", "enter")  # the same query again: no other match
        await pilot.pause()
        assert any(str(n.message) == "The only match: Shoigu conveyed" for n in app._notifications)


def _mark(archive, article_id: str, quote: str, tag: str):  # noqa: ANN001, ANN202
    """A mark on the first occurrence of `quote` in the seeded article."""
    i = archive.get(article_id).text.index(quote)
    return archive.add_annotation(article_id, i, i + len(quote), tags=[tag])


async def test_a_selection_is_what_c_marks_while_the_notes_panel_has_the_focus(seeded) -> None:
    """The panel's highlighted note is what c, e, Q, t, n and x act on only
    while no text is selected: a selection on the screen is marked."""
    archive, article_id = seeded
    other = _mark(archive, article_id, "It added that", "question")
    app = ReaderApp(archive)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await _open(pilot)
        await _find(pilot, "In the three calls")
        await pilot.press("p")
        await pilot.pause()
        assert screen.panel.has_focus
        screen.view.focus()
        await pilot.press("v", "j")
        screen.panel.focus()
        await pilot.pause()
        s, e = sorted(screen.view.selection)
        await pilot.press("c")
        await pilot.pause()
        marks = archive.annotations(article_id)
        assert next(a for a in marks if a.id == other.id).tags == ["question"]  # untouched
        [new] = [a for a in marks if a.id != other.id]
        assert new.tags == ["claim"] and new.exact.startswith("In the three calls") and new.end >= e - 1


async def test_next_mark_moves_on_past_a_mark_inside_the_cursors_sentence(seeded) -> None:
    """] goes by sentence: a phrase marked inside the cursor's sentence is
    where the cursor already is, and the next mark is the one after it."""
    archive, article_id = seeded
    _mark(archive, article_id, "Shoigu conveyed", "claim")
    later = _mark(archive, article_id, "It added that", "evidence")
    app = ReaderApp(archive)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await _open(pilot)
        await _find(pilot, "In the three calls")
        await pilot.press("right_square_bracket")
        await pilot.pause()
        assert _cursor_text(screen).startswith("It added that")
        assert screen.reading.stop_at(later.start) == screen.view.cursor
        await pilot.press("left_square_bracket")
        await pilot.pause()
        assert _cursor_text(screen).startswith("In the three calls")


async def test_c_again_unmarks_the_claim_the_status_line_names(seeded) -> None:
    """With the cursor on a sentence that holds a phrase marked as a claim
    (the status line says #claim), c takes the claim away rather than add a
    second one over the sentence."""
    archive, article_id = seeded
    _mark(archive, article_id, "Shoigu conveyed", "claim")
    app = ReaderApp(archive)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await _open(pilot)
        await _find(pilot, "In the three calls")
        assert "#claim" in str(screen.query_one("#article-status").render())
        await pilot.press("c")
        await pilot.pause()
        assert archive.annotations(article_id) == []
        await pilot.press("c")  # and again marks the sentence
        await pilot.pause()
        [ann] = archive.annotations(article_id)
        assert ann.exact.startswith("In the three calls") and ann.tags == ["claim"]


async def test_escape_in_the_find_box_closes_it_and_keeps_the_selection(seeded) -> None:
    archive, _article_id = seeded
    app = ReaderApp(archive)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await _open(pilot)
        await pilot.press("v", "j")
        selection = screen.view.selection
        await pilot.press("slash")
        await pilot.pause()
        assert screen.find_box.display
        await pilot.press("escape")
        await pilot.pause()
        assert not screen.find_box.display and screen.view.selection == selection
        await pilot.press("escape")
        assert screen.view.selection is None and isinstance(app.screen, ArticleScreen)


async def test_the_tag_pickers_keys_stay_in_sight_on_a_small_terminal(seeded) -> None:
    from reader.ui.screens.tag_picker import TagPicker

    archive, _article_id = seeded
    app = ReaderApp(archive)
    async with app.run_test(size=(60, 20)) as pilot:
        await _open(pilot)
        await pilot.press("t")
        await pilot.pause()
        picker = app.screen
        assert isinstance(picker, TagPicker)
        hint = picker.query_one(".dialog-hint")
        dialog = picker.query_one(".dialog")
        # Every line of it inside the dialog's border, none cut off.
        assert hint.region.height >= 1 and dialog.content_region.contains_region(hint.region)


async def _claim(pilot, archive, article_id: str):  # noqa: ANN001, ANN202
    """Open the seeded article and mark "dirty bomb"'s sentence a claim; the mark."""
    await _open(pilot)
    await _find(pilot, "dirty bomb")
    await pilot.press("c")
    [ann] = archive.annotations(article_id)
    return ann


async def test_a_mark_deleted_by_another_process_is_not_brought_back_from_here(seeded) -> None:
    from reader.core.store import Archive

    archive, article_id = seeded
    app = ReaderApp(archive)
    async with app.run_test(size=(100, 40)) as pilot:
        ann = await _claim(pilot, archive, article_id)
        with Archive(archive.data_dir) as other:
            other.delete_annotation(ann.id)  # `reader note ID --delete`
        app._notifications.clear()  # noqa: SLF001
        await pilot.press("e")
        await pilot.pause()
        assert archive.annotations(article_id) == []
        assert any("deleted elsewhere" in str(n.message) for n in app._notifications)  # noqa: SLF001
        # Deleting it here too (the screen still showing it) says the same, no crash.
        await pilot.press("c")
        [again] = archive.annotations(article_id)
        with Archive(archive.data_dir) as other:
            other.delete_annotation(again.id)
        await pilot.press("x")
        await pilot.pause()
        await pilot.press("y")
        await pilot.pause()
        assert isinstance(app.screen, ArticleScreen) and archive.annotations(article_id) == []


async def test_a_note_changed_by_another_process_while_written_here_is_one_undo_away(seeded) -> None:
    from reader.core.store import Archive

    archive, article_id = seeded
    app = ReaderApp(archive)
    async with app.run_test(size=(100, 40)) as pilot:
        ann = await _claim(pilot, archive, article_id)
        await pilot.press("n")
        await pilot.pause()
        await pilot.press(*"mine")
        with Archive(archive.data_dir) as other:
            other.update_annotation(ann.id, note="written by a script")
        app._notifications.clear()  # noqa: SLF001
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert archive.annotation(ann.id).note == "mine"
        assert any("changed elsewhere" in str(n.message) for n in app._notifications)  # noqa: SLF001
        await pilot.press("ctrl+z")
        await pilot.pause()
        assert archive.annotation(ann.id).note == "written by a script"


async def test_marking_an_article_another_program_reimported_meanwhile_keeps_the_mark(seeded) -> None:
    """The article open here, a new version imported elsewhere without the
    sentence under the cursor: the mark is kept as an orphan (nothing lost,
    no crash) and the new version is shown."""
    from reader.core.ingest import ingest_bytes
    from reader.core.store import Archive

    archive, article_id = seeded
    app = ReaderApp(archive)
    async with app.run_test(size=(100, 40)) as pilot:
        screen = await _open(pilot)
        await _find(pilot, "It added that")
        article = archive.get(article_id)
        with Archive(archive.data_dir) as other:
            newer = ingest_bytes(article.text.replace("It added that the call was requested by the Russian side.",
                                                      "The call was short.").encode(), "text")
            newer.source_path = article.source_path
            assert other.save(newer).id == article_id
        await pilot.press("n")
        await pilot.pause()
        await pilot.press(*"who asked?")
        await pilot.press("ctrl+s")
        await pilot.pause()
        [ann] = archive.annotations(article_id)
        assert ann.orphaned and ann.note == "who asked?" and ann.exact.startswith("It added that")
        assert "The call was short." in screen.article.text  # the new version, shown
        assert isinstance(app.screen, ArticleScreen)


async def test_an_article_deleted_elsewhere_while_open_says_so_and_goes_back(seeded) -> None:
    from reader.core.store import Archive
    from reader.ui.screens.archive import ArchiveScreen

    archive, article_id = seeded
    app = ReaderApp(archive)
    async with app.run_test(size=(100, 40)) as pilot:
        await _open(pilot)
        with Archive(archive.data_dir) as other:
            other.delete(article_id)
        await pilot.press("m")
        await pilot.pause()
        assert isinstance(app.screen, ArchiveScreen)
        assert any("deleted elsewhere" in str(n.message) for n in app._notifications)  # noqa: SLF001


async def test_the_status_line_shows_every_tag_of_the_mark_under_the_cursor(seeded) -> None:
    archive, article_id = seeded
    long_tag = "topic/" + "verylongtagname" * 8
    text = archive.get(article_id).text
    i = text.index("It added that")
    archive.add_annotation(article_id, i, i + len("It added that"), tags=["topic/sub", long_tag, "claim"])
    app = ReaderApp(archive)
    async with app.run_test(size=(120, 30)) as pilot:
        screen = await _open(pilot)
        await _find(pilot, "It added that")
        status = screen.query_one("#article-status")
        line = status.render_line(0).text
        assert "#topic/sub" in line and "#claim" in line and "\u2026" in line


async def test_an_ordered_lists_items_show_their_numbers(archive, tmp_path) -> None:
    path = tmp_path / "stew.md"
    path.write_text("# Slow stew\n\n" + "A stew wants a heavy pot and an afternoon to itself. " * 4
                    + "\n\n3. Brown the meat on every side, a few pieces at a time so that the pot stays hot and "
                    "nothing stews in its own juice.\n4. Simmer.\n\n- Serve hot.\n")
    add(archive, path)
    app = ReaderApp(archive)
    async with app.run_test(size=(60, 30)) as pilot:
        screen = await _open(pilot)
        lines = view_text(screen.view).splitlines()
        first = next(k for k, line in enumerate(lines) if "Brown the meat" in line)
        assert lines[first].lstrip().startswith("3. Brown the meat")
        # The item's later lines stand under its text, not under its number.
        assert lines[first + 1].index(lines[first + 1].strip()) == lines[first].index("Brown")
        assert any(line.strip() == "4. Simmer." for line in lines)
        assert any(line.strip() == "\u2022 Serve hot." for line in lines)


def _full_disk(archive, monkeypatch, *names: str) -> list[str]:  # noqa: ANN001
    """The archive's writes `names` refuse, as on a full disk, until the
    returned list is cleared."""
    from reader.core.store import StoreError

    failing = list(names)
    for name in names:
        real = getattr(archive, name)

        def refuse(*args, _real=real, _name=name, **kwargs):  # noqa: ANN002, ANN003, ANN202
            if _name in failing:
                raise StoreError("cannot write (No space left on device); nothing was changed")
            return _real(*args, **kwargs)

        monkeypatch.setattr(archive, name, refuse)
    return failing


def _said(app) -> list[str]:  # noqa: ANN001
    return [str(n.message) for n in app._notifications]  # noqa: SLF001


async def test_a_note_the_archive_refuses_stays_in_its_editor(seeded, monkeypatch) -> None:
    """A note saved while the disk was full ended the app with a traceback,
    and the note typed was gone."""
    from reader.ui.screens.note_editor import NoteEditor

    archive, article_id = seeded
    failing = _full_disk(archive, monkeypatch, "add_annotation", "set_article_note")
    app = ReaderApp(archive)
    async with app.run_test(size=(100, 40)) as pilot:
        await _open(pilot)
        await _find(pilot, "dirty bomb")
        await pilot.press("n")
        await pilot.pause()
        await pilot.press(*"check the source")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.is_running and isinstance(app.screen, NoteEditor)
        assert app.screen.text == "check the source"
        assert any("No space left on device" in m and "open again" in m for m in _said(app))
        await pilot.press("escape")  # the text typed is a change: asked before it goes
        await pilot.pause()
        assert type(app.screen).__name__ == "ConfirmScreen"
        await pilot.press("n")
        await pilot.pause()
        failing.remove("add_annotation")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert [a.note for a in archive.annotations(article_id)] == ["check the source"]
        # The article's note the same way.
        await pilot.press("N")
        await pilot.pause()
        await pilot.press(*"whole piece")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, NoteEditor) and app.screen.text == "whole piece"
        failing.clear()
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert archive.get(article_id).note == "whole piece"


async def test_marks_undo_and_read_state_the_archive_refuses_are_said(seeded, monkeypatch) -> None:
    archive, article_id = seeded
    failing = _full_disk(archive, monkeypatch, "add_annotation", "delete_annotation", "set_read")
    app = ReaderApp(archive)
    async with app.run_test(size=(100, 40)) as pilot:
        screen = await _open(pilot)
        await _find(pilot, "dirty bomb")
        for key in ("c", "m"):
            await pilot.press(key)
            await pilot.pause()
        assert app.is_running and archive.annotations(article_id) == []
        assert sum("Not saved: cannot write" in m for m in _said(app)) == 2
        failing.remove("add_annotation")
        await pilot.press("c")
        await pilot.press("ctrl+z")  # refused: the change stays to be undone
        await pilot.pause()
        assert len(archive.annotations(article_id)) == 1 and len(screen.undo) == 1
        assert any(m.startswith("Not undone: cannot write") for m in _said(app))
        failing.clear()
        await pilot.press("ctrl+z")
        assert archive.annotations(article_id) == []


async def test_delete_and_undo_act_on_the_mark_as_it_is_now(seeded) -> None:
    """A note written on a mark by another program while the article was
    open: deleting it here named the old note, and undo brought back the old
    one; undoing a mark made here deleted that note with it; undoing a tag
    edit put back the old note."""
    archive, article_id = seeded
    app = ReaderApp(archive)
    async with app.run_test(size=(100, 40)) as pilot:
        await _open(pilot)
        await _find(pilot, "dirty bomb")
        await pilot.press("c")
        [ann] = archive.annotations(article_id)
        archive.update_annotation(ann.id, note="written elsewhere")
        await pilot.press("ctrl+z")  # the mark is not taken back over that note
        await pilot.pause()
        assert [a.note for a in archive.annotations(article_id)] == ["written elsewhere"]
        assert any("changed elsewhere since" in m for m in _said(app))
        await pilot.press("e")  # a tag edit here...
        archive.update_annotation(ann.id, note="written again elsewhere")
        await pilot.press("ctrl+z")  # ...undone: the tag goes, the other note stays
        await pilot.pause()
        [now] = archive.annotations(article_id)
        assert now.tags == [CLAIM] and now.note == "written again elsewhere"
        archive.update_annotation(ann.id, note="the latest")
        await pilot.press("x")
        await pilot.pause()
        assert "the latest" in str(app.screen.query_one(".dialog-question").render())
        await pilot.press("y")
        await pilot.pause()
        assert archive.annotations(article_id) == []
        await pilot.press("ctrl+z")
        assert [a.note for a in archive.annotations(article_id)] == ["the latest"]


async def test_the_notes_panel_keeps_its_mark_when_the_article_note_is_written(seeded) -> None:
    """N with the panel open: the article's note, a new row at the top,
    moved the highlight onto the mark before, and x then asked to delete it."""
    archive, article_id = seeded
    text = archive.get(article_id).text
    i = text.index("It added that")
    archive.add_annotation(article_id, i, i + len("It added that"), tags=["question"])
    j = text.index("Britain's defence ministry")
    archive.add_annotation(article_id, j, j + 30, tags=["claim"])
    app = ReaderApp(archive)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await _open(pilot)
        await pilot.press("p")
        await pilot.pause()
        await pilot.press("down")
        panel = screen.panel
        chosen = panel.get_option_at_index(panel.highlighted).id
        assert chosen.startswith("ann:")
        await pilot.press("N")
        await pilot.pause()
        await pilot.press(*"on the whole")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert archive.get(article_id).note == "on the whole"
        assert panel.get_option_at_index(panel.highlighted).id == chosen


async def test_undo_of_b_puts_the_cursor_back_on_its_sentence(archive) -> None:  # noqa: ANN001
    """b on the second sentence of a paragraph, then Ctrl+Z: the paragraph
    came back with the cursor on its first sentence (where the fold marker
    had stood)."""
    from .conftest import SAMPLES

    add(archive, SAMPLES / "npr-plumbers-substitute-teachers.html")
    app = ReaderApp(archive)
    async with app.run_test(size=(100, 40)) as pilot:
        screen = await _open(pilot)
        stops = screen.reading.stops
        i = next(k for k in range(1, len(stops)) if stops[k].element == stops[k - 1].element
                 and screen.reading.elements[stops[k].element].kind == "block")
        screen.view.move_cursor(i)
        before = _cursor_text(screen)
        await pilot.press("b")
        await pilot.pause()
        await pilot.press("ctrl+z")
        await pilot.pause()
        assert _cursor_text(screen) == before



def _fail_index_writes(monkeypatch, times: int) -> None:  # noqa: ANN001
    """The archive's next `times` writes of its list of articles fail (a full
    disk), after the change's own file was written."""
    import errno
    import os

    from reader.core.store import Archive

    left = [times]
    real = Archive._write_file  # noqa: SLF001

    def write(self, path, payload):  # noqa: ANN001, ANN202
        if left[0] and os.sep + "index" + os.sep in path:
            left[0] -= 1
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real(self, path, payload)

    monkeypatch.setattr(Archive, "_write_file", write)


@pytest.mark.parametrize("times", [1, 2])  # 1: completed at once; 2: completed by the next command
async def test_a_note_saved_in_part_is_saved_once(seeded, monkeypatch, times: int) -> None:
    """The mark's file written, the list of articles not: the editor said
    "Not saved, Ctrl+S to try again", and trying again made a second mark."""
    archive, article_id = seeded
    app = ReaderApp(archive)
    async with app.run_test(size=(100, 40)) as pilot:
        screen = await _open(pilot)
        await _find(pilot, "dirty bomb")
        await pilot.press("n")
        await pilot.pause()
        await pilot.press(*"check the source")
        _fail_index_writes(monkeypatch, times)
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is screen
        assert [a.note for a in archive.annotations(article_id)] == ["check the source"]
        assert [c.kind for c in screen.undo] == ["added"]
        assert any(m.startswith("Saved, though the archive said") for m in _said(app))


async def test_a_mark_deleted_in_part_comes_back_with_undo(seeded, monkeypatch) -> None:
    archive, article_id = seeded
    app = ReaderApp(archive)
    async with app.run_test(size=(100, 40)) as pilot:
        screen = await _open(pilot)
        await _find(pilot, "dirty bomb")
        await pilot.press("n")
        await pilot.pause()
        await pilot.press(*"my precious note")
        await pilot.press("ctrl+s")
        await pilot.pause()
        _fail_index_writes(monkeypatch, 2)
        await pilot.press("x")
        await pilot.pause()
        await pilot.press("y")
        await pilot.pause()
        assert archive.annotations(article_id) == [] and screen.undo[-1].kind == "deleted"
        await pilot.press("ctrl+z")
        await pilot.pause()
        assert [a.note for a in archive.annotations(article_id)] == ["my precious note"]

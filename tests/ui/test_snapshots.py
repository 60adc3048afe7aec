"""Pictures of each screen (pytest-textual-snapshot). After a deliberate
change to a screen, review and update them with `pytest --snapshot-update`."""

from __future__ import annotations

import pytest

from reader.ui.app import ReaderApp

from .conftest import FIXTURES, SAMPLES, add

SIZE = (110, 36)


@pytest.fixture
def app(archive) -> ReaderApp:
    seed = add(archive, FIXTURES / "seed.txt", saved="2024-05-01T12:00:00Z")
    add(archive, SAMPLES / "marginalia-a-short-history.md", saved="2024-04-01T12:00:00Z")
    add(archive, FIXTURES / "hostile-markup-and-escapes.html", saved="2024-03-01T12:00:00Z")
    text = archive.get(seed).text
    i = text.index("In the three calls")
    archive.add_annotation(seed, i, text.index(".", i + 60) + 2, tags=["claim"], note="Only the ministry's word for it.")
    j = text.index("Britain's defence ministry")
    archive.add_annotation(seed, j, j + 70, tags=["evidence"])
    k = text.index("It added")
    archive.add_annotation(seed, k, k + 40, tags=["question", "topic/diplomacy"], note="Why would Moscow ask?")
    return ReaderApp(archive)


def test_archive_screen(snap_compare, app) -> None:
    assert snap_compare(app, terminal_size=SIZE)


def test_article_folded(snap_compare, app) -> None:
    assert snap_compare(app, press=["enter", "j", "j", "j"], terminal_size=SIZE)


def test_article_unfolded(snap_compare, app) -> None:
    assert snap_compare(app, press=["enter", "Z", "g"], terminal_size=SIZE)


def test_tag_picker(snap_compare, app) -> None:
    assert snap_compare(app, press=["enter", "J", "J", "t", "q", "u"], terminal_size=SIZE)


def test_note_editor(snap_compare, app) -> None:
    assert snap_compare(app, press=["enter", "J", "J", "n", "A", " ", "n", "o", "t", "e"], terminal_size=SIZE)


def test_notes_panel(snap_compare, app) -> None:
    assert snap_compare(app, press=["enter", "p"], terminal_size=SIZE)


def test_help(snap_compare, app, monkeypatch) -> None:  # noqa: ANN001
    from reader.ui.screens.help import HelpScreen

    # The test's data folder is a new temporary one each run.
    monkeypatch.setattr(HelpScreen, "_data_dir", lambda self: "~/.local/share/reader")
    assert snap_compare(app, press=["enter", "question_mark"], terminal_size=(110, 50))


def test_hostile_article(snap_compare, app) -> None:
    assert snap_compare(app, press=["G", "enter"], terminal_size=SIZE)

"""Orphaned notes: listed apart in the panel and fixed on the review screen."""

from __future__ import annotations

from reader.core.ingest import ingest_bytes
from reader.ui.app import ReaderApp
from reader.ui.screens.article import ArticleScreen

BEFORE = """Harbour plans

The council approved the harbour plan on Tuesday after a long debate.

Critics said the cost estimate of 40 million was far too optimistic for a project of this size.

Work is due to start next spring.
"""

AFTER = """Harbour plans

The council approved the harbour plan on Tuesday after a long debate.

Opponents argued that the projected cost had been understated by a wide margin.

Work is due to start next spring.
"""


def _save(archive, text: str):  # noqa: ANN001, ANN202
    article = ingest_bytes(text.encode(), "text", name="harbour.txt", source_path="test:harbour.txt")
    article.saved = "2024-05-01T12:00:00Z"
    return archive.save(article)


async def test_orphan_is_listed_and_reattached(archive) -> None:
    first = _save(archive, BEFORE)
    text = first.article.text
    i = text.index("Critics said")
    archive.add_annotation(first.id, i, text.index("optimistic") + len("optimistic"), tags=["claim"],
                           note="Check the auditor's figure")
    second = _save(archive, AFTER)
    assert second.status == "updated" and second.id == first.id
    [ann] = archive.annotations(first.id)
    assert ann.orphaned and ann.note == "Check the auditor's figure"

    app = ReaderApp(archive)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("enter")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ArticleScreen)
        assert "1 orphaned (R to review)" in str(screen.query_one("#article-status").render())
        await pilot.press("p")
        await pilot.pause()
        prompts = [str(screen.panel.get_option_at_index(i).prompt) for i in range(screen.panel.option_count)]
        orphan_at = next(i for i, p in enumerate(prompts) if p.startswith("Orphaned (1)"))
        assert any("Check the auditor" in p for p in prompts[orphan_at:])
        await pilot.press("escape")
        # Select the new sentence, then review: a attaches the note to it.
        await pilot.press("slash", *"Opponents", "enter")
        await pilot.press("v")
        await pilot.press("R")
        await pilot.pause()
        assert type(app.screen).__name__ == "OrphanScreen"
        was = str(app.screen.query_one("#orphan-was").render())
        assert "Critics said the cost estimate" in was
        await pilot.press("a")
        await pilot.pause()
        assert isinstance(app.screen, ArticleScreen)
    [fixed] = archive.annotations(first.id)
    assert not fixed.orphaned
    assert fixed.exact.startswith("Opponents argued") and fixed.note == "Check the auditor's figure"


async def test_orphan_can_be_deleted_from_the_review(archive) -> None:
    first = _save(archive, BEFORE)
    text = first.article.text
    i = text.index("Critics said")
    archive.add_annotation(first.id, i, i + 40, tags=["question"])
    _save(archive, AFTER)
    app = ReaderApp(archive)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("enter")
        await pilot.pause()
        await pilot.press("R")
        await pilot.pause()
        await pilot.press("x")
        await pilot.pause()
        await pilot.press("y")
        await pilot.pause()
    assert archive.annotations(first.id) == []


async def test_reattaching_and_deleting_orphans_can_be_undone(archive) -> None:
    first = _save(archive, BEFORE)
    text = first.article.text
    i = text.index("Critics said")
    archive.add_annotation(first.id, i, i + len("Critics said"), tags=["claim"], note="one")
    j = text.index("40 million")
    archive.add_annotation(first.id, j, j + len("40 million"), tags=["question"], note="two")
    _save(archive, AFTER)
    assert all(a.orphaned for a in archive.annotations(first.id))

    app = ReaderApp(archive)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("enter")
        await pilot.pause()
        screen = app.screen
        await pilot.press("slash", *"Opponents", "enter")
        await pilot.press("v")
        await pilot.press("R")
        await pilot.pause()
        await pilot.press("a")  # re-attach the first to the selection
        await pilot.pause()
        assert sum(a.orphaned for a in archive.annotations(first.id)) == 1
        await pilot.press("x")  # delete the other
        await pilot.pause()
        await pilot.press("y")
        await pilot.pause()
        assert app.screen is screen
        notes = archive.annotations(first.id)
        assert len(notes) == 1 and not notes[0].orphaned
        await pilot.press("ctrl+z")  # the deleted one is back
        await pilot.pause()
        assert sorted(a.note for a in archive.annotations(first.id)) == ["one", "two"]
        # A note written elsewhere on the re-attached one meanwhile stays
        # when the re-attaching is undone (it went back to "one").
        placed = next(a for a in archive.annotations(first.id) if not a.orphaned)
        archive.update_annotation(placed.id, note="one, seen again")
        await pilot.press("ctrl+z")  # the re-attached one is an orphan again
        await pilot.pause()
        assert all(a.orphaned for a in archive.annotations(first.id))
        assert archive.annotation(placed.id).note == "one, seen again"
        assert "2 orphaned" in str(screen.query_one("#article-status").render())

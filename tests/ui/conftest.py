"""Fixtures for the UI tests: an archive holding the seed (and, where asked,
the hostile sample), and the app on it."""

from __future__ import annotations

from pathlib import Path

import pytest

from reader.core.ingest import ingest_file
from reader.core.store import Archive

FIXTURES = Path(__file__).parent.parent / "fixtures"
SAMPLES = Path(__file__).parent.parent.parent / "sample_articles"
SAVED = "2024-05-01T12:00:00Z"


def add(archive: Archive, path: Path, *, saved: str = SAVED, name: str | None = None) -> str:
    article = ingest_file(path)
    article.saved = saved
    # A stable source name keeps ids (and so the screens) the same on every machine.
    article.source_path = f"test:{name or path.name}"
    from reader.core.ingest import article_id

    article.id = article_id(article.url or article.source_path)
    return archive.save(article).id


@pytest.fixture
def seeded(archive: Archive) -> tuple[Archive, str]:
    return archive, add(archive, FIXTURES / "seed.txt")


def view_text(widget) -> str:  # noqa: ANN001 - a line-API widget
    """What a line-API widget shows, one string per screen line."""
    return "\n".join(widget.render_line(y).text for y in range(widget.size.height))

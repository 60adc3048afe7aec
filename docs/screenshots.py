"""Draw the README's screenshots (SVG, from Textual's own screenshot).

    python docs/screenshots.py

Builds a throw-away archive with the sample articles and a few annotations,
opens the reading screen on the seed article and saves docs/*.svg.
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

from reader.core.ingest import article_id, ingest_file  # noqa: E402
from reader.core.store import Archive  # noqa: E402
from reader.ui.app import ReaderApp  # noqa: E402

SIZE = (112, 38)


def build(data: Path) -> Archive:
    archive = Archive(data)
    seed = None
    for i, path in enumerate(sorted((ROOT / "sample_articles").glob("*.*"))):
        if path.name == "README.md":
            continue
        article = ingest_file(path)
        article.saved = f"2024-05-{10 + i:02}T09:00:00Z"
        article.source_path = f"sample:{path.name}"
        article.id = article_id(article.url or article.source_path)
        saved = archive.save(article)
        if path.suffix == ".txt":
            seed = saved.id
    assert seed is not None
    text = archive.get(seed).text

    def mark(quote: str, tags: list[str], note: str = "") -> None:
        i = text.index(quote)
        archive.add_annotation(seed, i, i + len(quote), tags=tags, note=note)

    mark("In the three calls, Shoigu conveyed \"concerns about possible provocations by Ukraine with the use of a 'dirty bomb'\".",
         ["claim"], "No evidence offered; compare with the IAEA statement.")
    mark("Wallace \"refuted\" claims that Western countries sought to help Ukraine escalate the conflict",
         ["evidence"])
    mark("It added that the call was requested by the Russian side.", ["question"], "Why would Moscow ask?")
    return archive


async def shoot() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        archive = build(Path(tmp))
        app = ReaderApp(archive)
        async with app.run_test(size=SIZE) as pilot:
            app.save_screenshot("archive.svg", str(HERE))
            await pilot.press("slash", *"ukraine", "enter", "enter")
            await pilot.pause()
            await pilot.press("slash", *"Later on", "enter", "p")
            await pilot.pause()
            app.save_screenshot("reading.svg", str(HERE))
        archive.close()


if __name__ == "__main__":
    asyncio.run(shoot())
    print("wrote", HERE / "archive.svg", "and", HERE / "reading.svg")

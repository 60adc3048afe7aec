"""Folding on a sample of real saved pages (tests/fixtures/fold/corpus, from
the WCXB corpus, CC-BY-4.0): the labelled `with` snippets stay visible, and the
labelled `without` snippets fold, for the saved HTML and for the browser copy."""

from __future__ import annotations

import gzip
import json
import re
from pathlib import Path

import pytest

from reader.core.ingest import ingest_bytes
from reader.core.render import visible_text

CORPUS = Path(__file__).parent.parent / "fixtures" / "fold" / "corpus"
PAGES = sorted(p.stem for p in CORPUS.glob("*.json"))


def _norm(text: str) -> str:
    return " ".join(re.findall(r"\w+", text.lower()))


def _article(page: str, fmt: str):
    if fmt == "html":
        data = gzip.decompress((CORPUS / f"{page}.html.gz").read_bytes())
    else:
        data = (CORPUS / f"{page}.txt").read_bytes()
    return ingest_bytes(data, fmt, name=f"{page}.{fmt}")


def test_the_sample_is_there() -> None:
    assert len(PAGES) >= 10


@pytest.mark.parametrize("fmt", ["html", "text"])
@pytest.mark.parametrize("page", PAGES)
def test_labelled_snippets(page: str, fmt: str) -> None:
    truth = json.loads((CORPUS / f"{page}.json").read_text(encoding="utf-8"))
    article = _article(page, fmt)
    shown = _norm(visible_text(article.blocks))
    for snippet in truth["with"]:
        assert _norm(snippet) in shown, f"story text folded: {snippet[:80]!r}"
    for snippet in truth["without"]:
        want = _norm(snippet)
        if not want:
            continue
        # A short snippet ("Home") names a whole block; a longer one may be part of one.
        hits = [b for b in article.blocks
                if (_norm(b.text) == want if len(want.split()) <= 3 else want in _norm(b.text))]
        assert hits, f"snippet not found: {snippet!r}"
        for b in hits:
            assert b.boilerplate, f"furniture left visible: {b.text[:80]!r}"
            assert b.reason


def test_most_of_the_story_is_kept() -> None:
    """Over the sample, nearly every word 4-gram of the labelled story stays."""
    from collections import Counter

    def grams(text: str) -> Counter:
        t = re.findall(r"\w+", text)
        return Counter(tuple(t[i:i + 4]) for i in range(len(t) - 3))

    for fmt in ("html", "text"):
        kept = total = 0
        for page in PAGES:
            truth = json.loads((CORPUS / f"{page}.json").read_text(encoding="utf-8"))
            story = grams(truth["main_content"])
            shown = grams(visible_text(_article(page, fmt).blocks))
            kept += sum((story & shown).values())
            total += sum(story.values())
        assert kept / total >= 0.95, (fmt, kept / total)

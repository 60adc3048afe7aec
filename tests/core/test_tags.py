"""Tags across the archive: counting them, renaming and merging them."""

from __future__ import annotations

import pytest

from reader.core.ingest import ingest_bytes
from reader.core.store import Archive, StoreError


def _two_articles(archive: Archive) -> tuple[str, str]:
    one = archive.save(ingest_bytes(b"Meditation lowers cortisol.\n\nIt also helps sleep.", "text",
                                    source_path="/saved/one.txt")).id
    two = archive.save(ingest_bytes(b"A review of 83 studies found harms.\n\nFew trials looked.", "text",
                                    source_path="/saved/two.txt")).id
    return one, two


def test_rename_moves_a_tag_and_those_nested_under_it_on_every_article(archive: Archive) -> None:
    one, two = _two_articles(archive)
    a = archive.add_annotation(one, 0, 10, tags=["claim", "topic/mindfulness"])
    b = archive.add_annotation(two, 0, 8, tags=["evidence", "topic/mindfulness/safety"])
    c = archive.add_annotation(two, 10, 20, tags=["topic/mindfulness-other"])  # not nested: a sibling
    archive.set_article_tags(one, ["topic/mindfulness/reading"])
    archive.add_tag("topic/mindfulness/unused")

    assert archive.rename_tag("#topic/Mindfulness", "topic/meditation") == (2, 2)

    assert archive.annotation(a.id).tags == ["claim", "topic/meditation"]
    assert archive.annotation(b.id).tags == ["evidence", "topic/meditation/safety"]
    assert archive.annotation(c.id).tags == ["topic/mindfulness-other"]
    assert archive.annotation(a.id).updated  # an export --since sees the change
    assert archive.info(one).tags == ["topic/meditation/reading"]
    assert "topic/meditation/safety" in archive.info(two).annotation_tags
    tags = archive.tags()
    assert "topic/meditation/unused" in tags
    assert not [t for t in tags if t == "topic/mindfulness" or t.startswith("topic/mindfulness/")]
    # A second process sees the change on disk.
    other = Archive(archive.root.parent)
    try:
        assert other.annotation(b.id).tags == ["evidence", "topic/meditation/safety"]
    finally:
        other.close()


def test_renaming_onto_a_tag_in_use_merges_them_without_doubles(archive: Archive) -> None:
    one, _ = _two_articles(archive)
    both = archive.add_annotation(one, 0, 10, tags=["claim", "claims"])
    only = archive.add_annotation(one, 12, 20, tags=["claims"])
    assert archive.rename_tag("claims", "claim") == (2, 1)
    assert archive.annotation(both.id).tags == ["claim"]
    assert archive.annotation(only.id).tags == ["claim"]
    assert archive.tag_counts()["claim"] == (2, 1)
    assert "claims" not in archive.tag_counts()


def test_tag_counts_count_marks_and_articles(archive: Archive) -> None:
    one, two = _two_articles(archive)
    archive.add_annotation(one, 0, 10, tags=["claim", "topic/sleep"])
    archive.add_annotation(one, 12, 20, tags=["claim"])
    archive.add_annotation(two, 0, 8, tags=["claim"])
    archive.set_article_tags(two, ["topic/sleep"])
    counts = archive.tag_counts()
    assert counts["claim"] == (3, 2)
    assert counts["topic/sleep"] == (1, 2)
    assert list(counts)[0] == "claim"  # most used first


@pytest.mark.parametrize("old, new", [("claim", "assertion"), ("", "x"), ("topic", "###")])
def test_a_built_in_or_unusable_tag_is_refused(archive: Archive, old: str, new: str) -> None:
    one, _ = _two_articles(archive)
    ann = archive.add_annotation(one, 0, 10, tags=["claim", "topic"])
    with pytest.raises(StoreError):
        archive.rename_tag(old, new)
    assert archive.annotation(ann.id).tags == ["claim", "topic"]


def test_adding_tags_to_an_article_keeps_its_own_and_doubles_none(archive: Archive) -> None:
    one, _two = _two_articles(archive)
    archive.set_article_tags(one, ["health", "to-check"])
    assert archive.add_article_tags(one, ["#Health", "Sleep", "sleep", " "]) == ["sleep"]
    assert archive.info(one).tags == archive.get(one).tags == ["health", "sleep", "to-check"]
    assert archive.add_article_tags(one, ["health"]) == []
    assert archive.info(one).tags == ["health", "sleep", "to-check"]

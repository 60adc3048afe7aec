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
    assert "topic/meditation/reading" in tags  # an article's own tag, offered by the tag picker too
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


@pytest.mark.parametrize(("typed", "stored"), [
    ("ad: promo", "ad-promo"),
    ("#Topic/Sub", "topic/sub"),
    ("2024", "_2024"),
    ("2024/05", "_2024/05"),
    ("q&a", "q-a"),
    ("v1.2", "v1-2"),
    ("Über Straße", "über-straße"),
    ("a//b/", "a/b"),
    ("\U0001f525", ""),
    ("+++", ""),
    # A word's combining marks are part of it: two Thai words (news, rice)
    # differ only by a tone mark, and vowel signs make Hindi words.
    ("\u0e02\u0e48\u0e32\u0e27", "\u0e02\u0e48\u0e32\u0e27"),
    ("\u0e02\u0e49\u0e32\u0e27", "\u0e02\u0e49\u0e32\u0e27"),
    ("\u0939\u093f\u0928\u094d\u0926\u0940 \u0916\u092c\u0930", "\u0939\u093f\u0928\u094d\u0926\u0940-\u0916\u092c\u0930"),
    ("\u0130stanbul", "istanbul"),
    # Marks on nothing kept, and invisible ones, go: no tag that looks like another.
    ("Why I \u2764\ufe0f New York", "why-i-new-york"),
    ("news\u034f", "news"),
])
def test_a_tag_is_stored_as_the_vault_writes_it(typed: str, stored: str) -> None:
    """One form in the app, in `reader list` and in an Obsidian vault: before,
    "ad: promo" was #ad:-promo in the app and #ad--promo in the vault."""
    from reader.core.export import obsidian_tag
    from reader.core.tags import normalise_tag

    assert normalise_tag(typed) == stored
    assert normalise_tag(stored) == stored
    assert obsidian_tag(stored) == stored


def test_a_long_tag_is_cut_and_stays_as_cut() -> None:
    from reader.core.tags import MAX_TAG, normalise_tag

    for typed in ("7" * 150, "ab/" * 60, "x-" * 80):
        tag = normalise_tag(typed)
        assert 0 < len(tag) <= MAX_TAG and normalise_tag(tag) == tag


def _form_one(raw: str) -> str:
    """Tags as archives stored them before tag form 2."""
    import re

    from reader.core.sanitize import clean_line

    tag = re.sub(r"[\s#,\[\]{}()<>\"'`|\\^]+", "-", clean_line(raw).lower().lstrip("#"))
    return "/".join(p for p in (p.strip("-.") for p in tag.split("/")) if p)[:100]


def test_an_archive_of_the_old_tag_form_is_moved_to_todays_once(data_dir, monkeypatch) -> None:  # noqa: ANN001
    import orjson

    import reader.core.store as store_mod
    from reader.core.export import tags_line

    with monkeypatch.context() as m:
        m.setattr(store_mod, "normalise_tag", _form_one)
        old = Archive(data_dir)
        one, two = _two_articles(old)
        a = old.add_annotation(one, 0, 10, tags=["claim", "ad: promo", "2024", "\U0001f525"])
        b = old.add_annotation(two, 0, 8, tags=["ad-promo", "ad:promo"])  # two tags that become one
        old.set_article_tags(one, ["x.y", "topic"])
        old.add_tag("q&a")
        assert old.annotation(a.id).tags == ["claim", "ad:-promo", "2024", "\U0001f525"]
        updated = old.annotation(a.id).updated
        old.close()
    meta = data_dir / "archive" / "meta.json"
    tables = orjson.loads(meta.read_bytes())
    del tables["schema"]["1"]["tag_form"]  # as written before it was kept
    meta.write_bytes(orjson.dumps(tables))

    archive = Archive(data_dir)
    try:
        ann = archive.annotation(a.id)
        # An emoji alone has no form of today: kept as it was, never lost.
        # Each as the vault wrote it: "ad: promo" was kept as "ad:-promo".
        assert ann.tags == ["claim", "ad--promo", "_2024", "\U0001f525"]
        assert ann.updated == updated  # the vault holds these tags already
        assert tags_line(ann.tags) == "Tags: #claim #ad--promo #_2024"
        assert archive.annotation(b.id).tags == ["ad-promo"]
        assert archive.info(one).tags == ["topic", "x-y"] == archive.get(one).tags
        assert archive.info(one).annotation_tags == ["claim", "ad--promo", "_2024", "\U0001f525"]
        tags = archive.tags()
        assert "q-a" in tags and "q&a" not in tags and "ad:-promo" not in tags and "ad:promo" not in tags
        assert archive.tag_counts()["ad-promo"] == (1, 1)
    finally:
        archive.close()
    # Done once: the next open changes nothing.
    monkeypatch.setattr(Archive, "_retag", lambda *a, **k: pytest.fail("tags moved twice"))
    Archive(data_dir).close()

"""Re-anchoring: annotations follow their quote when an article changes, and
become orphans (kept) when it is gone."""

from __future__ import annotations

import random
import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reader.core import anchor
from reader.core.anchor import Anchor, PositionMap, TextIndex, best_match, fuzzy_matches, locate, quote_at, reanchor
from reader.core.ingest import ingest_bytes

SEED = Path(__file__).resolve().parent.parent / "fixtures" / "seed.txt"


def _dp(pattern: str, text: str, anchored: bool = False) -> tuple[int, list[int]]:
    """Semi-global edit distance by the textbook table (the reference)."""
    m = len(pattern)
    prev = list(range(m + 1))
    best, ends = prev[m], [0]
    for j, c in enumerate(text, 1):
        cur = [j if anchored else 0]
        for i in range(1, m + 1):
            cur.append(min(prev[i] + 1, cur[i - 1] + 1, prev[i - 1] + (pattern[i - 1] != c)))
        prev = cur
        if cur[m] < best:
            best, ends = cur[m], [j]
        elif cur[m] == best:
            ends.append(j)
    return best, ends


@settings(max_examples=300, deadline=None, database=None)
@given(st.text("abc", min_size=1, max_size=14), st.text("abcd", max_size=30), st.booleans())
def test_myers_matches_the_textbook_table(pattern: str, text: str, anchored: bool) -> None:
    assert anchor._myers(pattern, text, anchored=anchored) == _dp(pattern, text, anchored)


def _place(text: str, quote: str, nth: int = 0) -> Anchor:
    i = -1
    for _ in range(nth + 1):
        i = text.index(quote, i + 1)
    q = quote_at(text, i, i + len(quote))
    return Anchor(i, i + len(quote), q.exact, q.prefix, q.suffix)


def _seed_text() -> str:
    return SEED.read_text(encoding="utf-8")


def _paragraphs(text: str) -> list[str]:
    return [p for p in text.split("\n\n") if p.strip()]


# ---------------------------------------------------------------- the four edits


OLD = (
    "Defence chiefs held calls on Sunday.\n\n"
    "Shoigu told his counterparts that Kyiv was preparing a provocation involving a dirty bomb.\n\n"
    "Western officials rejected the claim as transparently false.\n\n"
    "Analysts said the statement did not mention the alleged provocation."
)


def test_a_paragraph_inserted_above() -> None:
    a = _place(OLD, "rejected the claim as transparently false")
    new = "A new opening paragraph, added by the editors later.\n\n" + OLD
    m = reanchor(OLD, new, [a])[0]
    assert m is not None and new[m.start : m.end] == a.exact


def test_the_quoted_sentence_reworded() -> None:
    a = _place(OLD, "Western officials rejected the claim as transparently false.")
    new = OLD.replace("Western officials rejected the claim as transparently false.",
                      "Western officials swiftly rejected that claim as plainly false.")
    m = reanchor(OLD, new, [a])[0]
    assert m is not None and m.how == "fuzzy"
    assert new[m.start : m.end] == "Western officials swiftly rejected that claim as plainly false."


def test_the_quoted_paragraph_deleted() -> None:
    a = _place(OLD, "Shoigu told his counterparts that Kyiv was preparing a provocation")
    new = OLD.replace("Shoigu told his counterparts that Kyiv was preparing a provocation involving a dirty bomb.\n\n", "")
    assert reanchor(OLD, new, [a]) == [None]


def test_the_whole_article_reflowed() -> None:
    """Hard-wrapped at 30 columns, double spaces, CRLF-free: every quote that
    spanned a line break still lands on the same words."""
    import textwrap

    quotes = ["Kyiv was preparing a provocation involving a dirty bomb",
              "rejected the claim as transparently false", "Defence chiefs held calls"]
    anchors = [_place(OLD, q) for q in quotes]
    new = "\n\n".join(textwrap.fill(p, 30).replace(" a ", "  a ") for p in OLD.split("\n\n"))
    for q, m in zip(quotes, reanchor(OLD, new, anchors)):
        assert m is not None
        assert " ".join(new[m.start : m.end].split()) == q


def test_a_repeated_quote_follows_its_context() -> None:
    text = "The claim was false. " * 3 + "Officials said the claim was false, again. " + "The end."
    a = _place(text, "the claim was false", 0)  # the one after "Officials said "
    new = "Prologue. " + text.replace("The claim was false. The claim", "The claim", 1)
    m = reanchor(text, new, [a])[0]
    assert m is not None
    assert new[m.start - len("Officials said ") : m.start] == "Officials said "


def test_a_copy_of_the_quote_elsewhere_does_not_take_it_from_its_own_place() -> None:
    """A pull quote repeats two sentences of the body, which the new version
    splits into two paragraphs: the mark stays in the body, where its context
    is, rather than jump to the copy that still reads letter for letter."""
    body = "After the vote the minister was blunt. The deal is dead. Nobody will sign it now. She left early."
    old = "Budget talks ran late.\n\n> The deal is dead. Nobody will sign it now.\n\n" + body + "\n\nTalks resume soon."
    a = _place(old, "The deal is dead. Nobody will sign it now.", 1)
    new = old.replace("dead. Nobody will sign it now. She", "dead.\n\nNobody will sign it now. She").replace(
        "soon", "next week")
    m = reanchor(old, new, [a])[0]
    assert m is not None and m.how == "whitespace"
    assert new[m.start - len("was blunt. ") : m.start] == "was blunt. "
    assert " ".join(new[m.start : m.end].split()) == a.exact


def test_a_reworded_sentence_is_not_found_across_two_paragraphs_nor_cut_mid_word() -> None:
    old = ("The Harbor Report\n\nCritics argued that the expansion would harm local fisheries. A survey reported "
           "that fish stocks fell sharply over the decade.\n\nThe mayor promised a public hearing in the spring. "
           "Residents can submit comments online until March.")
    a = _place(old, "The mayor promised a public hearing in the spring.")
    new = old.replace("The mayor promised a public hearing in the spring.", "A public hearing is planned.")
    m = reanchor(old, new, [a])[0]
    if m is not None:  # an orphan is as good an answer
        found = new[m.start : m.end]
        assert "\n\n" not in found and not new[m.end : m.end + 1].isalnum(), found


def test_a_short_quote_without_its_context_is_not_guessed() -> None:
    text = "Russia said no. Then Russia said yes. Finally the ministry spoke."
    a = _place(text, "ministry")
    new = "Russia said no. Then Russia said yes. Finally nobody spoke."
    assert reanchor(text, new, [a]) == [None]


def test_case_folding_that_changes_length_keeps_offsets() -> None:
    text = "İstanbul officials confirmed the report. " * 3 + "A claim about İzmir was later withdrawn."
    a = _place(text, "A claim about İzmir was later withdrawn.")
    new = text.replace("later withdrawn", "withdrawn a day later")
    m = reanchor(text, new, [a])[0]
    assert m is not None and new[m.start : m.end].startswith("A claim about İzmir")


def test_position_map_follows_an_insertion() -> None:
    new = "Inserted.\n\n" + OLD
    pm = PositionMap(OLD, new)
    i = OLD.index("Western")
    assert pm.map(i) == new.index("Western")


# ---------------------------------------------------------------- through the archive


def _article(text: str, path: str = "/saved/article.txt"):  # noqa: ANN202
    return ingest_bytes(text.encode(), "text", source_path=path)


def test_a_mark_put_back_by_undo_follows_a_new_version_imported_meanwhile(archive, data_dir) -> None:  # noqa: ANN001
    """The reading screen deletes a mark and keeps it for undo; another
    process imports a new version of the article meanwhile; undo puts the
    mark back on its words, not on the offsets it had."""
    from reader.core.store import Archive

    old = "Title\n\nFirst paragraph here.\n\nThe dirty bomb claim was false, officials said."
    aid = archive.save(_article(old)).id
    text = archive.get(aid).text
    i = text.index("dirty bomb claim")
    ann = archive.add_annotation(aid, i, i + len("dirty bomb claim"), note="check this")
    archive.delete_annotation(ann.id)
    other = Archive(data_dir)
    other.save(_article(old.replace("Title\n\n", "Title\n\nA new lead paragraph was added to the story today.\n\n")))
    other.close()
    archive.restore_annotation(ann)
    [back] = archive.annotations(aid)
    text = archive.get(aid).text
    assert text[back.start : back.end] == "dirty bomb claim" and not back.orphaned and back.note == "check this"


def test_reimport_keeps_id_and_notes_reanchored_and_old_text(archive) -> None:  # noqa: ANN001
    text = _seed_text()
    first = archive.save(_article(text))
    body = first.article.text
    quotes = {
        "claim": "concerns about possible provocations by Ukraine with the use of a 'dirty bomb'",
        "moved": "the ministry said Shoigu held phone calls with his Turkish counterpart Hulusi Akar",
        "gone": "The Moscow Times",
    }
    made = {}
    for name, q in quotes.items():
        span = anchor.find_quote(body, q)
        if span is None:
            pytest.skip(f"seed text changed: {q!r} not found")
        made[name] = archive.add_annotation(first.id, *span, tags=["claim"], note=f"note {name}", text=body)
    paras = _paragraphs(text)
    # Insert a paragraph at the top, reword the "moved" sentence, drop every
    # paragraph mentioning The Moscow Times.
    edited = ["An editor's note added on Monday, above everything else."] + [
        p.replace("the ministry said Shoigu held phone calls", "the ministry said that Shoigu had held phone calls")
        for p in paras if "The Moscow Times" not in p
    ]
    result = archive.save(_article("\n\n".join(edited)))
    assert result.status == "updated" and result.id == first.id
    assert result.orphaned == 1 and result.reanchored == 2
    now = {a.id: a for a in archive.annotations(first.id)}
    new_text = archive.get(first.id).text
    claim = now[made["claim"].id]
    assert new_text[claim.start : claim.end] == quotes["claim"] and not claim.orphaned
    moved = now[made["moved"].id]
    assert not moved.orphaned
    assert new_text[moved.start : moved.end].startswith("the ministry said that Shoigu had held phone calls")
    gone = now[made["gone"].id]
    assert gone.orphaned and gone.exact == "The Moscow Times" and gone.note == "note gone"
    assert archive.orphans(first.id) == [gone]
    versions = archive.versions(first.id)
    assert len(versions) == 1 and versions[0].text == body
    assert archive.info(first.id).annotation_count == 3


def test_orphan_review_context_reattach_and_return(archive) -> None:  # noqa: ANN001
    old = "Intro paragraph here.\n\nThe quoted paragraph that will be removed entirely.\n\nClosing words."
    first = archive.save(_article(old))
    text = first.article.text
    s = text.index("quoted paragraph")
    ann = archive.add_annotation(first.id, s, s + len("quoted paragraph that will be removed"), note="keep me")
    archive.save(_article("Intro paragraph here.\n\nA different paragraph now.\n\nClosing words."))
    orphan = archive.annotation(ann.id)
    assert orphan.orphaned
    ctx = archive.orphan_context(ann.id)
    assert ctx.version == 0 and ctx.annotation.exact == "quoted paragraph that will be removed"
    assert ctx.before.endswith("Intro paragraph here.\n\nThe ") and ctx.after.startswith(" entirely.")
    current = archive.get(first.id).text
    # The review screen offers suggestions, best first (none is good here).
    assert all(0 <= m.start < m.end <= len(current) for m in ctx.suggestions)
    # Re-attach to a selection of the new text.
    s2 = current.index("A different paragraph")
    fixed = archive.reattach(ann.id, s2, s2 + len("A different paragraph"))
    assert not fixed.orphaned and fixed.exact == "A different paragraph" and fixed.note == "keep me"
    assert fixed.was == "quoted paragraph that will be removed"  # what it read when it was made
    assert archive.orphans(first.id) == []
    assert archive.info(first.id).annotation_count == 1


def test_an_orphan_comes_back_when_its_text_does(archive) -> None:  # noqa: ANN001
    old = "One.\n\nThe sentence that goes away for a while, then returns.\n\nTwo."
    first = archive.save(_article(old))
    s = first.article.text.index("The sentence")
    ann = archive.add_annotation(first.id, s, s + len("The sentence that goes away"))
    archive.save(_article("One.\n\nTwo.\n\nThree."))
    assert archive.annotation(ann.id).orphaned
    archive.save(_article(old + "\n\nFour."))
    back = archive.annotation(ann.id)
    assert not back.orphaned and back.exact == "The sentence that goes away"


def test_a_note_found_again_on_changed_text_keeps_what_the_text_read(archive) -> None:  # noqa: ANN001
    old = ("Intro.\n\nAt least 30 states have similar voucher-like programs, the report said.\n\n"
           "The sentence that stays as it was.\n\nEnd.")
    first = archive.save(_article(old))
    text = first.article.text
    s = text.index("At least")
    changed = archive.add_annotation(first.id, s, s + len("At least 30 states have similar voucher-like programs"))
    s = text.index("The sentence")
    same = archive.add_annotation(first.id, s, s + len("The sentence that stays"))
    result = archive.save(_article(old.replace("30 states", "32 states")))
    assert (result.reanchored, result.changed, result.orphaned) == (2, 1, 0)
    moved = archive.annotation(changed.id)
    assert moved.exact == "At least 32 states have similar voucher-like programs"
    assert moved.was == "At least 30 states have similar voucher-like programs"
    assert archive.annotation(same.id).was == ""
    # A second change keeps what the text read when it was marked; reading so again clears it.
    archive.save(_article(old.replace("30 states", "33 states")))
    assert archive.annotation(changed.id).was == "At least 30 states have similar voucher-like programs"
    result = archive.save(_article(old))
    assert result.changed == 0 and archive.annotation(changed.id).was == ""
    # Paragraphs joined under a quote (in a version that changed elsewhere)
    # change its spacing, not its words: not a change.
    across = archive.add_annotation(first.id, text.index("the report said."),
                                    text.index("The sentence that stays") + len("The sentence"))
    assert "\n" in across.exact
    result = archive.save(_article(old.replace("said.\n\nThe", "said. The").replace("Intro.", "Introduction.")))
    assert result.status == "updated"
    again = archive.annotation(across.id)
    assert not again.orphaned and again.exact == "the report said. The sentence"
    assert result.changed == 0 and again.was == ""


def test_a_copy_of_an_article_from_another_file_is_that_article_when_it_changes(archive) -> None:  # noqa: ANN001
    old = ("Intro.\n\nMoscow. Russian Defense Minister Sergei Shoigu spoke with Pentagon chief Lloyd Austin on "
           "Friday about the war in Ukraine, the ministry said.\n\nEnd.")
    first = archive.save(_article(old, "sample:news.txt"))
    s = first.article.text.index("Pentagon")
    ann = archive.add_annotation(first.id, s, s + len("Pentagon chief Lloyd Austin"))
    assert archive.save(_article(old, "/home/me/news.txt")).status == "duplicate"
    edited = old.replace("Pentagon chief", "US Defense Secretary")
    result = archive.save(_article(edited, "/home/me/news.txt"))
    assert (result.status, result.id, result.changed) == ("updated", first.id, 1)
    assert len(archive.articles()) == 1 and archive.annotation(ann.id).exact == "US Defense Secretary Lloyd Austin"
    # The first file still leads to it too.
    again = archive.save(_article(old.replace("End.", "The end."), "sample:news.txt"))
    assert (again.status, again.id) == ("updated", first.id) and len(archive.articles()) == 1


def test_an_address_written_another_way_is_the_same_article(archive) -> None:  # noqa: ANN001
    """https or http, www. or not, a trailing slash, a fragment, tracking
    parameters: the same page, so a new version of the same article."""
    first = _article("Title\n\nThe council voted to replace the water mains on Tuesday night.")
    first.url = "https://news.example.com/2024/03/water-mains"
    aid = archive.save(first).id
    for url in ("https://news.example.com/2024/03/water-mains/", "http://www.news.example.com/2024/03/water-mains",
                "https://news.example.com/2024/03/water-mains?utm_source=rss#comments"):
        again = _article("Title\n\nThe council voted to replace the water mains on Tuesday night. " + url,
                         path=f"/saved/{len(url)}.txt")
        again.url = url
        res = archive.save(again)
        assert (res.id, res.status) == (aid, "updated"), url
    assert len(archive.articles()) == 1


def test_a_file_added_with_its_address_and_read_again_without_it_is_that_article(archive) -> None:  # noqa: ANN001
    """`reader add story.txt --url X`, then the changed file added again
    without --url: a new version of the same article, its address kept."""
    old = "Intro.\n\nThe council met on Tuesday and argued about the bridge for hours.\n\nEnd."
    first = _article(old, "/home/me/story.txt")
    first.url, first.site = "https://news.example/bridge", "news.example"
    saved = archive.save(first)
    s = saved.article.text.index("argued")
    ann = archive.add_annotation(saved.id, s, s + len("argued about the bridge"))
    again = archive.save(_article(old.replace("End.", "The end."), "/home/me/story.txt"))
    assert (again.status, again.id) == ("updated", saved.id) and len(archive.articles()) == 1
    info = archive.info(saved.id)
    assert info.url == "https://news.example/bridge" and info.site == "news.example"
    assert archive.annotation(ann.id).exact == "argued about the bridge"
    # Two articles with addresses from one file: which one is not known, so a new article.
    other = _article("Another story from the same file, about the ferry.", "/home/me/story.txt")
    other.url = "https://news.example/ferry"
    archive.save(other)
    third = archive.save(_article(old.replace("End.", "Fin."), "/home/me/story.txt"))
    assert third.status == "added" and len(archive.articles()) == 3


def test_a_copy_never_takes_another_articles_file_nor_an_article_with_an_address(archive) -> None:  # noqa: ANN001
    story = "Intro.\n\nThe council met on Tuesday and argued about the bridge for hours.\n\nEnd."
    other = "Other.\n\nTomatoes grow well in the summer when the soil is kept moist.\n\nEnd."
    x = archive.save(_article(story, "/saved/a.txt"))
    y = archive.save(_article(other, "/saved/f.txt"))
    # f.txt is overwritten with a copy of a.txt, added (a duplicate of x), then edited:
    # it is still y's own file, so the edit is y's new version, never x's.
    assert archive.save(_article(story, "/saved/f.txt")).id == x.id
    edited = archive.save(_article(other.replace("summer", "spring"), "/saved/f.txt"))
    assert (edited.status, edited.id) == ("updated", y.id)
    assert "bridge" in archive.get(x.id).text
    # A copy of an article saved from the web is not remembered as its file:
    # changed, it is a new article, and the page keeps its address and text.
    web = _article(story.replace("Intro.", "From the web."), "/saved/web.html")
    web.url = "https://example.org/story"
    w = archive.save(web)
    assert archive.save(_article(web.text, "/saved/copy of web.txt")).status == "duplicate"
    changed = archive.save(_article("Something else entirely about gardens and weather.", "/saved/copy of web.txt"))
    assert changed.status == "added" and changed.id != w.id
    assert archive.get(w.id).url == "https://example.org/story"


# ---------------------------------------------------------------- speed


def _long_article(rng: random.Random, paragraphs: int) -> list[str]:
    """Paragraphs of the seed's words in a random order (every quote unique)."""
    words = _seed_text().split()
    return [" ".join(rng.choice(words) for _ in range(rng.randint(40, 80))) for _ in range(paragraphs)]


def test_200_annotations_on_a_long_article_reanchor_well_under_a_second() -> None:
    rng = random.Random(7)
    paras = _long_article(rng, 300)  # ~18,000 words
    old = "\n\n".join(paras)
    anchors = []
    for _ in range(200):
        p = rng.randrange(len(paras))
        start = old.index(paras[p]) + rng.randrange(0, 120)
        end = start + rng.randint(30, 200)
        q = quote_at(old, start, end)
        anchors.append(Anchor(start, end, q.exact, q.prefix, q.suffix))
    # The edits: paragraphs inserted near the top, the whole text re-flowed
    # (hard-wrapped, hyphenated words broken), a few paragraphs reworded, a
    # few deleted.
    edited = list(paras)
    edited[1:1] = ["A paragraph inserted by the editors."] * 3
    reworded = rng.sample(range(10, len(edited)), 8)
    for i in reworded:
        edited[i] = edited[i].replace(" the ", " a ").replace(" of ", " in ")
    deleted = sorted(rng.sample(sorted(set(range(10, len(edited))) - set(reworded)), 5), reverse=True)
    gone = [edited[i] for i in deleted]
    for i in deleted:
        del edited[i]
    import textwrap

    new = "\n\n".join(textwrap.fill(p, 72) for p in edited)
    start = time.perf_counter()
    matches = reanchor(old, new, anchors)
    seconds = time.perf_counter() - start
    assert seconds < 1.0, f"{seconds:.2f} s"
    inside_gone = [any(a.exact.strip() and a.exact.strip() in g for g in gone) for a in anchors]
    for a, m, lost in zip(anchors, matches, inside_gone):
        if lost:
            assert m is None, "a quote from a deleted paragraph was placed"
        elif m is not None and m.how in ("position", "exact", "whitespace"):
            assert " ".join(new[m.start : m.end].split()) == " ".join(a.exact.split())
    placed = sum(m is not None for m in matches)
    assert placed >= 200 - sum(inside_gone) - 10
    hows = {h: sum(1 for m in matches if m is not None and m.how == h) for h in ("position", "exact", "whitespace", "fuzzy")}
    print(f"\n200 annotations, {len(old.split())} words: re-anchored in {seconds * 1000:.0f} ms; "
          f"{placed} placed {hows}, {200 - placed} orphaned ({sum(inside_gone)} were in deleted paragraphs)")


@pytest.mark.parametrize("old_known", [True, False], ids=["with-old-text", "without"])
def test_200_annotations_all_reworded_still_under_a_second(old_known: bool) -> None:
    """The worst case: one word in twelve of every paragraph changed, so
    nearly every quote goes through the fuzzy match."""
    import textwrap

    rng = random.Random(11)
    paras = _long_article(rng, 300)
    old = "\n\n".join(paras)
    anchors = []
    for _ in range(200):
        p = rng.randrange(len(paras))
        start = old.index(paras[p]) + rng.randrange(0, 120)
        end = start + rng.randint(30, 200)
        q = quote_at(old, start, end)
        anchors.append(Anchor(start, end, q.exact, q.prefix, q.suffix))
    edited = ["Inserted paragraph."] * 5 + [
        " ".join(w if rng.random() > 0.08 else w.upper()[::-1] for w in p.split()) for p in paras
    ]
    new = "\n\n".join(textwrap.fill(p, 60) for p in edited)
    start = time.perf_counter()
    matches = reanchor(old if old_known else None, new, anchors)
    seconds = time.perf_counter() - start
    assert seconds < 1.0, f"{seconds:.2f} s"
    assert sum(m is not None for m in matches) >= 195
    assert sum(m is not None and m.how == "fuzzy" for m in matches) >= 100
    print(f"\n200 annotations, all paragraphs edited ({'old text known' if old_known else 'no old text'}): "
          f"{seconds * 1000:.0f} ms")


def test_an_orphan_search_through_a_long_text_is_fast() -> None:
    rng = random.Random(3)
    text = "\n\n".join(_long_article(rng, 400))
    index = TextIndex(text)
    start = time.perf_counter()
    for _ in range(50):
        assert best_match(text, 10, 60, "a sentence that is nowhere in this text at all, truly", index=index) is None
    assert time.perf_counter() - start < 1.0


def test_fuzzy_matches_offer_suggestions_best_first() -> None:
    text = OLD.replace("transparently false", "obviously untrue")
    found = fuzzy_matches(text, "rejected the claim as transparently false", limit=3)
    assert found and text[found[0].start : found[0].end].startswith("rejected the claim")
    assert [m.score for m in found] == sorted((m.score for m in found), reverse=True)


def test_locate_keeps_the_simple_api() -> None:
    a = _place(OLD, "dirty bomb")
    assert locate(OLD, a.start, a.end, a.exact, a.prefix, a.suffix) == (a.start, a.end)
    assert locate("nothing like it", a.start, a.end, a.exact, a.prefix, a.suffix) is None


def test_fuzzy_find_with_a_threshold_for_suggestions() -> None:
    """A review screen asks for looser guesses than re-anchoring accepts."""
    quote = "rejected the claim as transparently false"
    text = "Completely new words here. Officials rejected that claim as plainly false. And more new words."
    prefix, suffix = "the ministry said that Western ", ". Analysts said the statement "  # gone
    m = anchor.fuzzy_matches(text, quote, prefix, suffix, 0, limit=1)[0]
    assert 0.6 < m.quote_score < 0.75 and m.context_score < 0.75
    assert anchor.fuzzy_find(text, quote, prefix, suffix, 0) is None  # too different to re-anchor unasked
    guess = anchor.fuzzy_find(text, quote, prefix, suffix, 0, threshold=0.5)
    assert guess is not None and text[guess[0] : guess[1]].startswith("rejected that claim")
    assert anchor.fuzzy_find(text, quote, prefix, suffix, 0, threshold=0.95) is None


def test_a_fuzzy_match_is_never_cut_mid_word() -> None:
    old = ("Moscow. Russian Defense Minister Sergei Shoigu spoke with Pentagon chief Lloyd Austin on Friday "
           "about the war in Ukraine, the ministry said.")
    new = old.replace("Pentagon chief", "US Defense Secretary")
    s0, e0 = old.index("Pentagon"), old.index(" on Friday")
    q = anchor.quote_at(old, s0, e0)
    m = anchor.reanchor(old, new, [anchor.Anchor(s0, e0, q.exact, q.prefix, q.suffix)])[0]
    # Words replaced at the quote's edge are taken in, up to the text that stood around it.
    assert m is not None and new[m.start : m.end] == "US Defense Secretary Lloyd Austin"
    for changed, quoted in (("Lloyd Austin", "Pentagon chief Lloyd J. Austin"),  # the edge word stays
                            ("chief Lloyd Austin", "Pentagon boss Austin")):
        newer = old.replace(changed, changed.replace("Lloyd Austin", "Lloyd J. Austin III")
                            if changed == "Lloyd Austin" else "boss Austin")
        m = anchor.reanchor(old, newer, [anchor.Anchor(s0, e0, q.exact, q.prefix, q.suffix)])[0]
        assert m is not None and newer[m.start : m.end] == quoted
    # Words inserted before a quote whose first word still stands are not taken in.
    inserted = old.replace("Pentagon chief Lloyd", "the former Pentagon chief, Lloyd")
    m = anchor.reanchor(old, inserted, [anchor.Anchor(s0, e0, q.exact, q.prefix, q.suffix)])[0]
    assert m is not None and inserted[m.start : m.end] == "Pentagon chief, Lloyd Austin"
    text = "By the evening the members had voted twice, reversed themselves once, and ended by agreeing on nothing."
    s, e = anchor.fuzzy_find(text, "the members voted twice and reversed once")
    assert text[s:e] == "the members had voted twice, reversed themselves"


def test_a_fuzzy_match_of_a_quote_cut_mid_word_may_be_cut_too() -> None:
    # The quote began inside a word (its prefix ends in a letter): its match may too.
    text = "The committee adjourned after the vote on the new bridge over the river."
    s, e = anchor.fuzzy_find(text, "mittee adjurned after the vote", prefix="The com", suffix=" on the")
    assert text[s:e] == "mittee adjourned after the vote"


def test_find_quote_takes_accents_typed_apart() -> None:
    """A quote pasted with its accents apart ("cafe" and U+0301) found nothing in a composed text."""
    text = "Un caf\u00e9 cr\u00e8me, s'il vous pla\u00eet."
    assert anchor.find_quote(text, "cafe\u0301 cre\u0300me") == (3, 13)


def test_find_quote_takes_straight_quote_marks_for_typographic_ones() -> None:
    """A quote typed on a keyboard ("won't") finds the article's typographic
    marks ("won’t"), and the other way round."""
    text = "It won\u2019t be a \u201cquick\u201d fix. Critics said it's \"late\"."
    assert anchor.find_quote(text, "It won't be a \"quick\" fix.") == (0, 26)
    start = text.index("it's")
    assert anchor.find_quote(text, "it\u2019s \u201clate\u201d") == (start, start + 11)
    assert anchor.find_quote(text, "won\"t") is None


def test_find_quote_takes_typed_dashes_dots_and_guillemets_for_the_articles() -> None:
    text = "He said \u2014 twice \u2014 that \u00abMoscow\u00bb was\u2026 ready. A well-known fact."
    for typed, found in (("said -- twice --", "said \u2014 twice \u2014"), ("said - twice", "said \u2014 twice"),
                         ('"Moscow" was...', "\u00abMoscow\u00bb was\u2026"), ("well-known", "well-known")):
        span = anchor.find_quote(text, typed)
        assert span is not None and text[span[0] : span[1]] == found, typed
    assert anchor.find_quote(text, "said ... twice") is None


def _save_decomposed(archive, text: str) -> str:  # noqa: ANN001
    """An article as an import before accents were composed stored it (NFD)."""
    import unicodedata

    from reader.core.ingest import content_hash

    old = _article(text)
    for block in old.blocks:
        block.text = unicodedata.normalize("NFD", block.text)
    old.relayout()
    old.content_hash = content_hash(old.text)
    return archive.save(old).id


def test_an_article_stored_with_its_accents_apart_keeps_its_notes_when_read_again(archive) -> None:  # noqa: ANN001
    """Imports compose accents (NFC) now; an article imported before, whose
    text held "e" and an accent apart, read again: its marks stay on their
    words, and none is said to read differently."""
    import unicodedata

    text = "Title\n\nNg\u01b0\u1eddi \u0111\u1ecdc ghi ch\u00fa b\u00ean l\u1ec1 trang. Qu\u00e1n c\u00e0 ph\u00ea m\u1edf c\u1eeda l\u00fac b\u1ea3y gi\u1edd."
    assert _article(unicodedata.normalize("NFD", text)).text == text  # an import composes them
    aid = _save_decomposed(archive, text)
    stored = archive.get(aid).text
    assert stored != text and unicodedata.normalize("NFC", stored) == text
    quote = unicodedata.normalize("NFD", "Qu\u00e1n c\u00e0 ph\u00ea")
    s = stored.index(quote)
    ann = archive.add_annotation(aid, s, s + len(quote), tags=["claim"], note="Open early.")
    result = archive.save(_article(text + " Th\u00eam."))
    assert (result.status, result.orphaned, result.changed) == ("updated", 0, 0)
    again = archive.annotation(ann.id)
    assert again.exact == "Qu\u00e1n c\u00e0 ph\u00ea" and again.was == "" and again.note == "Open early."


def test_a_mark_put_again_on_a_text_stored_with_its_accents_apart_reads_the_same(archive) -> None:  # noqa: ANN001
    """Re-attached on the same words of an article imported before accents
    were composed, a mark was said to read differently ("cre\\u0300me", "cr\\u00e8me")."""
    import unicodedata

    aid = _save_decomposed(archive, "Title\n\nA caf\u00e9 cr\u00e8me at the corner, every morning.")
    text = archive.get(aid).text
    quote = unicodedata.normalize("NFD", "caf\u00e9 cr\u00e8me")
    s = text.index(quote)
    ann = archive.add_annotation(aid, s, s + len(quote))
    ann.exact = unicodedata.normalize("NFC", ann.exact)  # as a quote typed, or imported, holds it
    archive.put_annotation(ann)
    again = archive.reattach(ann.id, s, s + len(quote))
    assert again.was == ""


def test_a_note_whose_words_now_stand_only_in_another_sentence_is_said_to(archive) -> None:  # noqa: ANN001
    """The sentence marked gone, its words said in another one: the mark
    goes there, and re-importing said only "1 note kept"."""
    old = ("Second Story\n\nThe ministry said the report was false. It cited no evidence at all.\n\n"
           "Officials in Kyiv called for calm on Sunday.\n\nLater, the agency said the report was false as well.")
    first = archive.save(_article(old))
    s = first.article.text.index("the report was false")
    ann = archive.add_annotation(first.id, s, s + len("the report was false"), tags=["claim"])
    # An edit around it elsewhere in the text: the mark stays where it was, nothing to say.
    result = archive.save(_article(old.replace("on Sunday", "on Monday")))
    assert (result.reanchored, result.changed, result.elsewhere) == (1, 0, 0)
    result = archive.save(_article(old.replace(
        "The ministry said the report was false. It cited no evidence at all.\n\n", "")))
    assert (result.reanchored, result.orphaned, result.elsewhere) == (1, 0, 1)
    now = archive.annotation(ann.id)
    assert "agency said" in now.prefix

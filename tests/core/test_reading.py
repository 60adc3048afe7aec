"""The reading model: cursor stops, folds, find and word steps, all in
canonical-text offsets."""

from __future__ import annotations

from reader.core.fold import Label
from reader.core.models import Annotation, Article, Block
from reader.core.reading import BLOCK, FOLD, Reading


def _article() -> tuple[Article, list[Label]]:
    blocks = [
        Block("paragraph", "Subscribe to our newsletter."),
        Block("heading", "The Title", level=1),
        Block("paragraph", "First sentence here. Second sentence there."),
        Block("paragraph", "Third paragraph has one sentence."),
        Block("paragraph", "Donate now."),
        Block("paragraph", "Share this."),
    ]
    article = Article(id="abc", title="The Title", blocks=blocks)
    labels = [Label(True, "newsletter sign-up"), Label(False, ""), Label(False, ""), Label(False, ""),
              Label(True, "donation appeal"), Label(True, "share/social buttons")]
    return article, labels


def test_stops_are_sentences_and_fold_markers() -> None:
    article, labels = _article()
    r = Reading(article, labels)
    kinds = [r.elements[s.element].kind for s in r.stops]
    assert kinds == [FOLD, BLOCK, BLOCK, BLOCK, BLOCK, FOLD]
    texts = [article.text[s.start : s.end] for s in r.stops if not s.is_marker]
    assert texts == ["The Title", "First sentence here.", "Second sentence there.", "Third paragraph has one sentence."]
    assert [run.describe() for run in r.runs] == [
        "1 block folded: newsletter sign-up",
        "2 blocks folded: donation appeal, share/social buttons",
    ]


def test_toggle_fold_shows_and_hides_the_run() -> None:
    article, labels = _article()
    r = Reading(article, labels)
    r.toggle_fold(1)
    shown = [article.text[s.start : s.end] for s in r.stops if not s.is_marker]
    assert shown[-2:] == ["Donate now.", "Share this."]
    assert r.run_at_stop(len(r.stops) - 1) == 1
    r.toggle_fold(1)
    assert "Donate now." not in [article.text[s.start : s.end] for s in r.stops]
    assert r.toggle_all() is True
    assert len([s for s in r.stops if s.is_marker]) == 2
    assert r.toggle_all() is False


def test_all_folds_toggle_by_what_most_runs_are() -> None:
    """One run opened among folded ones: all open. All open but one (a
    block just folded by a rule): all fold, not all open again."""
    article, _labels = _article()
    labels = [Label(True, "newsletter sign-up"), Label(False, ""), Label(True, "related links"), Label(False, ""),
              Label(True, "donation appeal"), Label(False, "")]
    r = Reading(article, labels)
    assert len(r.runs) == 3
    r.toggle_fold(0)
    assert r.toggle_all() is True and r.expanded == {0, 1, 2}
    r.toggle_fold(1)  # as the run of a block just folded is, under open ones
    assert r.toggle_all() is False and not r.expanded
    assert r.toggle_all() is True


def test_block_jumps_and_find() -> None:
    article, labels = _article()
    r = Reading(article, labels)
    first_sentence = 2  # "First sentence here."
    assert r.next_block(first_sentence, 1) == 4  # "Third paragraph..."
    assert r.next_block(first_sentence + 1, -1) == first_sentence
    assert r.next_block(first_sentence, -1) == 1
    assert r.find("SECOND", 0) == 3
    assert r.find("sentence", 3, include_start=False) == 4
    assert r.find("sentence", 4, include_start=False) == 2  # wraps to the top
    assert r.find("nowhere", 0) is None


def test_find_folded_looks_only_in_folded_blocks_not_shown() -> None:
    article, labels = _article()
    r = Reading(article, labels)
    donate = article.text.index("Donate")
    assert r.find_folded("donate", 0) == donate
    assert r.find_folded("NEWSLETTER", donate) == article.text.index("newsletter")  # wraps to the top
    assert r.find_folded("sentence", 0) is None  # shown text is find's
    r.toggle_fold(1)  # shown now: no longer folded
    assert r.find_folded("donate", 0) is None
    assert r.find_folded("  ", 0) is None


def test_word_steps_and_stop_at() -> None:
    article, labels = _article()
    r = Reading(article, labels)
    start = article.text.index("First")
    assert article.text[start : r.word_step(start, 1)] == "First"
    end = r.word_step(r.word_step(start, 1), 1)
    assert article.text[start:end] == "First sentence"
    assert r.word_step(end, -1) == article.text.index("sentence here")
    assert r.stop_at(article.text.index("there")) == 3


def test_a_word_step_is_a_word_never_a_lone_punctuation_mark() -> None:
    """Narrowing a selection spent a key on an opening quote, a full stop or
    a Chinese 。 alone: the selection kept its word count."""
    text = '"The situation is tense," he said. Parsing dates, again.'
    article = Article(id="abc", title="t", blocks=[Block("paragraph", text), Block("paragraph", "我们今天去。")])
    r = Reading(article, [Label(False, ""), Label(False, "")])
    # The start taken on: past the quote and the word.
    assert text[r.word_step(0, 1, edge="start"):].startswith("situation")
    # The end taken back: before the full stop and the word.
    assert text[: r.word_step(len(text), -1, edge="end")] == '"The situation is tense," he said. Parsing dates'
    # Grown, the steps land on words: the comma is passed over, not stopped at.
    at = text.index("tense") + len("tense")
    assert text[at : r.word_step(at, 1)] == '," he'
    assert r.word_step(text.index("he said"), -1) == text.index("tense")
    zh = article.blocks[1]
    assert article.text[zh.start : r.word_step(zh.end, -1, edge="end")] == "我们今天"


def test_annotations_at_prefers_the_tightest() -> None:
    wide = Annotation("a1", "abc", 0, 50, "x")
    tight = Annotation("a2", "abc", 10, 20, "y")
    orphan = Annotation("a3", "abc", 10, 20, "z", orphaned=True)
    assert [a.id for a in Reading.annotations_at([wide, tight, orphan], 12, 15)] == ["a2", "a1"]


def test_words_between_counts_as_count_words_does_on_long_spans() -> None:
    import random

    from reader.core.sentences import count_words

    rng = random.Random(7)
    words = ["alpha", "beta,", "gamma.", "δέλτα", "x", "a-b", "(c)", "读者在页边", "テキスト。"]
    blocks = [Block("paragraph", " ".join(rng.choice(words) for _ in range(rng.randint(1, 40))) + (" " if i % 5 else ""))
              for i in range(3000)]
    blocks[10] = Block("code", "line one\n  line two\n")
    article = Article(id="long", title="Long", blocks=blocks)
    r = Reading(article, [Label(False, "")] * len(blocks))
    n = len(article.text)
    spans = [(0, n), (1, n - 1)] + [tuple(sorted((rng.randrange(n + 1), rng.randrange(n + 1)))) for _ in range(300)]
    for start, end in spans:
        assert r.words_between(start, end) == count_words(article.text[start:end]), (start, end)

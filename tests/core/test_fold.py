"""Folding: the seed, other languages, repetition across a site, user rules."""

from __future__ import annotations

import html as html_lib
import math
import re
from pathlib import Path

import pytest

from reader.core import fold
from reader.core.fold import (
    ADVERT,
    BYLINE,
    COOKIE,
    CREDIT,
    DONATION,
    LEGAL,
    MARKED,
    NAVIGATION,
    NEWSLETTER,
    RELATED,
    SHARE,
    TITLE,
    ArchiveFolds,
    Label,
    effective_labels,
    fold_runs,
    labels_in_archive,
)
from reader.core.fold.features import block_shapes, furniture_outside_story, page_features, page_stats
from reader.core.fold.model import choose, model_for
from reader.core.ingest import ingest_bytes, ingest_file
from reader.core.models import Block
from reader.core.render import article_text, visible_text

FOLD_FIXTURES = Path(__file__).parent.parent / "fixtures" / "fold"


def _norm(text: str) -> str:
    return " ".join(re.findall(r"\w+", text.lower()))


def _block(article, start: str) -> Block:
    hits = [b for b in article.blocks if b.text.startswith(start)]
    assert hits, f"no block starts with {start!r}"
    return hits[0]


# ---------------------------------------------------------------- the seed


def test_seed_shows_the_story_and_folds_the_appeals(seed_path: Path) -> None:
    article = ingest_file(seed_path)
    texts = [b.text for b in article.blocks]
    first = next(i for i, t in enumerate(texts) if t.startswith("Russia's Defence Minister Sergei Shoigu on Sunday"))
    last = next(i for i, t in enumerate(texts) if t.endswith('"dirty bomb" provocation in its statement.'))
    assert last - first >= 6
    for b in article.blocks[first : last + 1]:
        assert not b.boilerplate, b.text
    assert _block(article, "Support The Moscow Times!").reason == DONATION
    assert _block(article, "Sign up for our free weekly newsletter").reason == NEWSLETTER
    assert _block(article, "Our weekly newsletter contains").reason == NEWSLETTER
    for start in ("A Message from The Moscow Times", "Dear readers", "We are facing unprecedented challenges",
                  "Your support, no matter how small", "Not ready to support today?", "Remind me later."):
        assert _block(article, start).reason == DONATION, start
    assert _block(article, "Read more").reason == RELATED
    assert _block(article, "Russian Defense Minister Sergei Shoigu TASS").reason == CREDIT
    # Nothing is folded without a reason, and the headline is the title.
    assert all(b.reason for b in article.blocks if b.boilerplate)
    assert article.title == "Russia Discusses Ukraine in String of Calls with Defense Chiefs"


def test_every_folded_run_names_its_reasons(seed_path: Path) -> None:
    article = ingest_file(seed_path)
    labels = [Label(b.boilerplate, b.reason) for b in article.blocks]
    runs = fold_runs(labels)
    assert runs
    shown = article_text(article, labels)
    for run in runs:
        assert run.reasons and all(run.reasons)
        assert run.describe() in shown
    assert "donation appeal" in shown and "newsletter sign-up" in shown


# ---------------------------------------------------------------- other languages


@pytest.mark.parametrize("lang", ["de", "ru", "zh"])
@pytest.mark.parametrize("suffix", [".html", ".txt"])
def test_articles_in_other_languages_fold_sanely(lang: str, suffix: str) -> None:
    """Every paragraph of the story stays; the menu, the cookie notice, the
    share buttons and the copyright line fold."""
    path = FOLD_FIXTURES / f"{lang}_article{suffix}"
    article = ingest_file(path)
    html = ingest_file(FOLD_FIXTURES / f"{lang}_article.html") if suffix == ".txt" else article
    # The story: the <p> elements of the article body of the HTML version.
    import lxml.html

    doc = lxml.html.fromstring(path.with_suffix(".html").read_text(encoding="utf-8"))
    body = doc.xpath("//*[contains(@class,'article-body') or contains(@class,'news-text')"
                     " or contains(@class,'article-content')]//p")
    story = [_norm(p.text_content()) for p in body]
    assert len(story) >= 6
    shown = _norm(visible_text(article.blocks))
    for para in story:
        assert para in shown, para[:60]
    folded = [b for b in article.blocks if b.boilerplate]
    assert folded, "nothing folded"
    assert all(b.reason for b in folded)
    # Far less is folded than kept: no language is folded wholesale.
    story_words = sum(len(p.split()) for p in story)
    assert len(shown.split()) < 1.6 * story_words
    menu = {"de": "Startseite", "ru": "Главная", "zh": "首页"}[lang]
    assert all(b.boilerplate for b in article.blocks if b.text == menu)
    copyright_line = next(b for b in article.blocks if "©" in b.text)
    assert copyright_line.boilerplate
    assert html.title  # the page's own title


def test_cookie_notice_is_named() -> None:
    article = ingest_file(FOLD_FIXTURES / "de_article.html")
    cookie = _block(article, "Wir verwenden Cookies")
    assert cookie.boilerplate and cookie.reason == COOKIE


# ---------------------------------------------------------------- repetition


_SITE_FOOTER = (
    "The Harbour Ledger is an independent newsroom owned by its readers since 1987, and every story we "
    "publish is checked by two editors before it goes out to the people of the bay."
)


def _site_article(n: int, topic: str, paragraphs: list[str]) -> bytes:
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return (
        f"<html><head><title>{topic} | The Harbour Ledger</title>"
        f'<link rel="canonical" href="https://harbourledger.example/news/{n}"></head><body>'
        f"<article><h1>{topic}</h1>{body}<p>{_SITE_FOOTER}</p>"
        '<div class="share"><a href="#s">Share</a></div></article></body></html>'
    ).encode()


_STORIES = [
    ("Ferry timetable changes in June", [
        "The harbour authority will run the evening ferry an hour later from the first week of June, after "
        "commuters asked for a later crossing in a survey last winter.",
        "The morning boats keep their times, but the Sunday service will stop at the north pier as well, "
        "which the authority says adds six minutes to the trip.",
        "Tickets bought before the change stay valid until the end of the summer season.",
    ]),
    ("New playground opens on Dock Street", [
        "Children tried out the new climbing frame on Dock Street on Saturday, two years after the old "
        "playground was closed because its wooden frame had rotted.",
        "The council paid for most of the work, and a local bakery raised the rest by selling bread at "
        "the Saturday market for three months.",
        "The playground is open from eight in the morning until sunset every day of the week.",
    ]),
    ("Fish market moves indoors for the winter", [
        "The weekly fish market will move into the old customs hall from November, so that traders and "
        "buyers no longer stand in the rain on the quay.",
        "Traders welcomed the move, although some worry that fewer tourists will find the hall than "
        "found the stalls along the water.",
        "The market returns to the quay in April, when the customs hall is needed for the spring fair.",
    ]),
]


def test_a_footer_shared_by_three_articles_folds_only_by_repetition(archive) -> None:  # noqa: ANN001
    ids = []
    for n, (topic, paras) in enumerate(_STORIES):
        article = ingest_bytes(_site_article(n, topic, paras), "html")
        footer = _block(article, "The Harbour Ledger is an independent newsroom")
        # The page alone cannot tell it from the story.
        assert not footer.boilerplate
        ids.append(archive.save(article).id)
    for article_id in ids:
        article = archive.get(article_id)
        labels = labels_in_archive(article, archive)
        for block, label in zip(article.blocks, labels):
            if block.text == _SITE_FOOTER:
                assert label.boilerplate
                assert label.reason == "repeated on 3 articles from harbourledger.example"
            elif block.kind == "paragraph" and block.text != "Share":
                assert not label.boilerplate, block.text
        runs = fold_runs(labels)
        assert any("repeated on 3 articles" in run.describe() for run in runs)


def test_a_second_copy_of_a_story_or_its_update_keeps_the_story_shown(archive) -> None:  # noqa: ANN001
    """The same story saved twice (under an address written another way), or
    updated with a new lead: its paragraphs are on another article of the
    site, yet they are the story, not a template, and stay shown on both."""
    topic, paras = _STORIES[0]
    first = archive.save(ingest_bytes(_site_article(0, topic, paras), "html")).id
    update = ["UPDATE: The authority confirmed the new times on Friday, after a second survey of commuters."]
    second = archive.save(ingest_bytes(_site_article(7, topic, update + paras), "html")).id
    for article_id in (first, second):
        article = archive.get(article_id)
        labels = labels_in_archive(article, archive)
        shown = [b.text for b, label in zip(article.blocks, labels) if not label.boilerplate]
        assert all(p in shown for p in paras), article_id
    article = archive.get(second)
    assert update[0] in [b.text for b, lb in zip(article.blocks, labels_in_archive(article, archive))
                         if not lb.boilerplate]


def test_a_listing_or_steps_two_posts_share_stay_in_both(archive) -> None:  # noqa: ANN001
    """Two posts of one blog that share a shell command and two steps: the
    command folded in both, "repeated on 2 articles", although each story
    runs on around it."""
    shared = "<pre>pip install tidetables</pre><ol><li>Open the app.</li><li>Pick a pier.</li></ol>"
    ids = []
    for n, (topic, paras) in enumerate(_STORIES[:2]):
        page = _site_article(n, topic, paras).decode()
        page = page.replace(f"<p>{paras[1]}</p>", shared + f"<p>{paras[1]}</p>", 1)
        ids.append(archive.save(ingest_bytes(page.encode(), "html")).id)
    for article_id in ids:
        article = archive.get(article_id)
        labels = labels_in_archive(article, archive)
        shown = [b.text for b, label in zip(article.blocks, labels) if not label.boilerplate]
        assert "pip install tidetables" in shown and "Open the app." in shown and "Pick a pier." in shown
        folded = {b.text: label.reason for b, label in zip(article.blocks, labels) if label.boilerplate}
        assert folded.get(_SITE_FOOTER, "").startswith("repeated on 2 articles")


def test_importing_a_second_article_refolds_the_first(archive) -> None:  # noqa: ANN001
    first = archive.save(ingest_bytes(_site_article(0, *_STORIES[0]), "html")).id
    before = labels_in_archive(archive.get(first), archive)
    assert not any(label.boilerplate and label.reason.startswith("repeated") for label in before)
    archive.save(ingest_bytes(_site_article(1, *_STORIES[1]), "html"))
    after = labels_in_archive(archive.get(first), archive)
    article = archive.get(first)
    folded = [b.text for b, label in zip(article.blocks, after) if label.boilerplate]
    assert _SITE_FOOTER in folded


def _folded(labels: list[Label]) -> int:
    return sum(1 for label in labels if label.boilerplate)


def test_archive_folds_counts_what_the_archive_shows_as_articles_are_saved(archive) -> None:  # noqa: ANN001
    folds = ArchiveFolds(archive)
    counts = []
    for n, (topic, paras) in enumerate(_STORIES):
        saved = archive.save(ingest_bytes(_site_article(n, topic, paras), "html"))
        counts.append(folds.folded(saved.article))
        # As many as the reading screen folds, the site's repeated footer
        # included once a second article holds it.
        assert counts[-1] == _folded(labels_in_archive(archive.get(saved.id), archive))
    assert counts[0] < counts[1] == counts[2]
    # The same article saved again with changed text: its old blocks no
    # longer count for the site.
    topic, paras = _STORIES[2]
    changed = _site_article(2, topic, [*paras[:2], "The market now stays on the quay all year."])
    saved = archive.save(ingest_bytes(changed.replace(_SITE_FOOTER.encode(), b"A footer of its own, once."), "html"))
    assert saved.status == "updated"
    assert folds.folded(saved.article) == _folded(labels_in_archive(archive.get(saved.id), archive))
    # A rule of the site's, made before the counter first read it.
    archive.add_fold_rule("harbourledger.example", paras[0], "fold")
    later = ArchiveFolds(archive)
    again = archive.save(ingest_bytes(_site_article(2, topic, paras), "html"))
    assert later.folded(again.article) == _folded(labels_in_archive(archive.get(again.id), archive))
    assert any(label.reason == MARKED for label in later.labels(again.article))


def test_a_run_names_its_repeated_blocks_once() -> None:
    labels = [
        Label(True, "repeated on 3 articles from example.com"),
        Label(True, NAVIGATION),
        Label(True, "repeated on 2 articles from example.com"),
        Label(True, "repeated on 3 articles from example.com"),
        Label(False, ""),
        Label(True, "repeated on 2 articles from example.com"),
    ]
    first, second = fold_runs(labels)
    assert first.describe() == "4 blocks folded: repeated on 2\u20133 articles from example.com, navigation"
    assert second.reasons == ("repeated on 2 articles from example.com",)


def test_a_paragraph_quoted_by_two_articles_stays() -> None:
    quoted = Block("paragraph", "The mayor said the bridge would reopen in May, two months later than planned, "
                                "because the steel arrived late.")
    blocks = [
        Block("paragraph", "Work on the old bridge is running late, the council confirmed on Monday evening."),
        quoted,
        Block("paragraph", "Drivers will keep using the diversion through the industrial estate until then."),
        Block("paragraph", "Subscribe to the Ledger for all the news from the harbour, every morning."),
    ]
    repeats = {fold.block_key(quoted.text): 1, fold.block_key(blocks[3].text): 1}
    labels = effective_labels(blocks, site="harbourledger.example", repeats=repeats)
    assert not labels[1].boilerplate  # inside the story, quoted once elsewhere
    assert labels[3].boilerplate  # after the story: template
    assert labels[3].reason == "repeated on 2 articles from harbourledger.example"
    # Quoted by four articles, it is template after all.
    repeats[fold.block_key(quoted.text)] = 3
    assert effective_labels(blocks, site="harbourledger.example", repeats=repeats)[1].boilerplate


# ---------------------------------------------------------------- user rules


def test_a_user_rule_changes_the_fold_and_survives_reopening(data_dir, archive) -> None:  # noqa: ANN001
    from reader.core.store import Archive

    article = ingest_bytes(_site_article(0, *_STORIES[0]), "html")
    saved = archive.save(article).id
    target = _STORIES[0][1][2]  # "Tickets bought before the change..."
    labels = labels_in_archive(archive.get(saved), archive)
    assert not any(label.boilerplate for b, label in zip(article.blocks, labels) if b.text == target)
    archive.add_fold_rule("harbourledger.example", target, "fold")
    archive.close()

    reopened = Archive(data_dir)
    try:
        article = reopened.get(saved)
        labels = labels_in_archive(article, reopened)
        hit = [label for b, label in zip(article.blocks, labels) if b.text == target]
        assert hit == [Label(True, MARKED)]
        assert "marked by you" in article_text(article, labels)
        # A "show" rule brings back a block the page folded.
        folded = next(b for b in article.blocks if b.boilerplate)
        reopened.add_fold_rule("harbourledger.example", folded.text, "show")
        labels = labels_in_archive(article, reopened)
        assert not labels[article.blocks.index(folded)].boilerplate
    finally:
        reopened.close()


def test_a_changed_text_read_again_keeps_its_site_and_its_rules(archive, tmp_path, seed_path) -> None:  # noqa: ANN001
    path = tmp_path / "moscow.txt"
    text = seed_path.read_text(encoding="utf-8")
    path.write_text(text, encoding="utf-8")
    article = ingest_file(path)
    article.site = "themoscowtimes.com"  # as `reader add --site` sets it
    saved = archive.save(article).id
    target = "It added that the call was requested by the Russian side."
    archive.add_fold_rule("themoscowtimes.com", target, "fold")
    # The file changed, and is added again without --site.
    path.write_text(text.replace("Later on Sunday", "Later on that Sunday"), encoding="utf-8")
    result = archive.save(ingest_file(path))
    assert (result.id, result.status) == (saved, "updated")
    again = archive.get(saved)
    assert again.site == "themoscowtimes.com"
    labels = labels_in_archive(again, archive)
    assert [label for b, label in zip(again.blocks, labels) if b.text == target] == [Label(True, MARKED)]
    assert archive.site_article_count("themoscowtimes.com") == 1


def test_rules_of_another_site_do_not_apply(archive) -> None:  # noqa: ANN001
    article = ingest_bytes(_site_article(0, *_STORIES[0]), "html")
    saved = archive.save(article).id
    archive.add_fold_rule("elsewhere.example", _STORIES[0][1][0], "fold")
    labels = labels_in_archive(archive.get(saved), archive)
    assert MARKED not in {label.reason for label in labels}


def test_a_rule_stored_with_its_site_as_typed_applies_to_the_site(archive) -> None:  # noqa: ANN001
    """A rule an earlier version stored with the site as the user typed it
    ("WWW.Example.org") folds on that site's articles, and a new rule for the
    same block replaces it."""
    article = ingest_bytes(_site_article(0, *_STORIES[0]), "html")
    saved = archive.save(article)
    site, text = saved.article.site, _STORIES[0][1][0]
    with archive.transaction():  # as an earlier version wrote it
        archive._meta_db().table("fold_rules", cache_size=0).insert(  # noqa: SLF001
            {"id": "0ld0ld00", "site": "WWW." + site.upper(), "key": fold.block_key(text), "action": "fold",
             "text": text, "created": "2026-01-01T00:00:00Z"})
    assert [r.site for r in archive.fold_rules(site)] == [site]
    labels = labels_in_archive(archive.get(saved.id), archive)
    assert MARKED in {label.reason for label in labels}
    archive.add_fold_rule(site, text, "show")
    assert [(r.id != "0ld0ld00", r.action) for r in archive.fold_rules()] == [(True, "show")]


# ---------------------------------------------------------------- small cases


def test_byline_and_markdown() -> None:
    md = b"# A walk on the cliffs\n\nShare\n\nThe path along the cliffs is open again after the winter storms.\n"
    article = ingest_bytes(md, "markdown")
    share = _block(article, "Share")
    assert share.boilerplate and share.reason == fold.SHARE
    assert not _block(article, "The path along the cliffs").boilerplate
    assert fold.text_reason("By Jane Doe", 3) == BYLINE


def test_empty_and_single_block_pages() -> None:
    fold.fold_blocks([], "html")
    one = [Block("paragraph", "Just one short paragraph of text that is the whole page, and nothing else.")]
    fold.fold_blocks(one, "text")
    assert not one[0].boilerplate


def test_a_language_without_a_stopword_list_is_not_folded_wholesale() -> None:
    """Greek has no stopword list here: its prose must still read as prose."""
    article = ingest_file(FOLD_FIXTURES / "el_article.txt")
    shown = visible_text(article.blocks)
    for start in ("Η νέα πεζογέφυρα της πόλης", "Το έργο κόστισε", "Πολλοί έμποροι", "Η παλιά ξύλινη γέφυρα"):
        assert start in shown, start
    assert _block(article, "Facebook").boilerplate


_STORY = (
    "The council voted on Tuesday to approve the new bridge, ending a debate that had run for more than a "
    "decade and divided the town's two largest neighbourhoods over cost, traffic and the view of the river."
)


@pytest.mark.parametrize(
    ("menu_items", "head"),
    [
        # A breadcrumb ending in the headline, the headline, then a long
        # byline block: author, reading time, date, comment and share counts.
        (4, ["Home \u00bb News \u00bb Council approves the new bridge over the river",
             "Council approves the new bridge over the river", "by", "* Jane Doe", "16 min read",
             "Last updated:", "* August 19, 2025", "* See comments", "Shares", "208"]),
        # A long menu with teasers (the headline stands past its 80th line),
        # then the headline, a photo credit and a byline.
        (90, ["* Five things to know about the river", "* Where the old ferry used to run",
              "Council approves the new bridge over the river", "Credit: Town Archive",
              "Written by Jane Doe and Sam Roe", "Updated March 3, 2025"]),
        # A breadcrumb, a kicker, then the headline two lines below it.
        (4, ["Home \u203a Town hall \u203a Council approves the new bridge over the river", "TOWN HALL 2025",
             "Council approves the new bridge over the river", "Find A Location"]),
        # The breadcrumb's last step is the only headline the copy has.
        (4, ["Home > Blog > Council approves the new bridge over the river", "Find A Location"]),
        # A credit line under the headline that no furniture pattern names
        # ("Recipe by", "Fact checked by"): it is no headline, and lifts
        # the line above it.
        (4, ["Bridges, Town Hall, River Guides", "Council approves the new bridge over the river", "Recipe by Jane Doe",
             "67 Reviews"]),
        (4, ["Council approves the new bridge over the river", "Reviewed by Sam Roe", "Fact checked by",
             "Jane Doe", "Fact checked by Jane Doe"]),
        # The categories the post is filed under, capitalised, above it.
        (4, ["Council, Traffic, River Guides", "Council approves the new bridge over the river",
             "Last updated on March 12, 2026", "comments 36"]),
        # Authors' names under a lone "By", the date beyond the byline's reach.
        (4, ["Council approves the new bridge over the river", "By", "Jane Doe", ",", "Sam Roe", ", and",
             "Town Desk Team", "Updated on March 3, 2025"]),
    ],
)
def test_a_browser_copy_finds_its_headline_among_the_lines_before_the_story(menu_items: int, head: list[str]) -> None:
    menu = ["Skip to content", *(f"* Section {i}" for i in range(menu_items)), "Sign in", "Search"]
    text = "\n".join(menu + head) + "\n\n" + "\n\n".join([_STORY] * 3)
    article = ingest_bytes(text.encode(), "text", name="0042.txt")
    assert article.title == "Council approves the new bridge over the river"
    shown = visible_text(article.blocks)
    assert _STORY in shown and "Council approves" not in shown  # shown once, as the title


@pytest.mark.parametrize(
    ("head", "title"),
    [
        # A title-cased line above the trail (a date under it), the story right under the trail.
        (["Find A Dentist Near You", "Updated March 3, 2025", "Home > Blog > Top Dental Resolutions for 2025"],
         "Top Dental Resolutions for 2025"),
        # The trail's last step, two words, again as the line under it.
        (["Home / Tips & Tools / Book Reviews", "Book Reviews", "What this handout is about"], "Book Reviews"),
        # Under the trail only a player's line above a byline (furniture is never the headline).
        (["Home \u00bb Are you coming to the harbour fair? Let\u2019s meet!", "\U0001f50a Listen to this article",
          "By Jane Doe"], "Are you coming to the harbour fair? Let\u2019s meet!"),
    ],
)
def test_a_browser_copys_breadcrumb_trail_gives_its_title(head: list[str], title: str) -> None:
    menu = ["Skip to content", *(f"* Section {i}" for i in range(4)), "Sign in", "Search"]
    text = "\n".join(menu + head) + "\n\n" + "\n\n".join([_STORY] * 3)
    article = ingest_bytes(text.encode(), "text", name="0042.txt")
    assert article.title == title
    assert _STORY in visible_text(article.blocks)


@pytest.mark.parametrize(
    "furniture",
    [
        # Title-cased lines of the site's own, nearer the story than its headline.
        ["Book Your Free Home Energy Consultation With Our Team Today"],
        ["Request Media Kit", "Our Data Sample Profile User Reviews Compare"],
        # A link back that reads like a title.
        ["Back to Blog"],
    ],
)
def test_a_browser_copys_headline_is_the_line_that_shares_the_storys_words(furniture: list[str]) -> None:
    menu = ["Skip to content", *(f"* Section {i}" for i in range(4)), "Sign in", "Search"]
    head = ["Council Approves New Bridge Over River", *furniture]
    text = "\n".join(menu + head) + "\n\n" + "\n\n".join([_STORY] * 3)
    article = ingest_bytes(text.encode(), "text", name="0042.txt")
    assert article.title == "Council Approves New Bridge Over River"
    shown = visible_text(article.blocks)
    assert _STORY in shown and "Council Approves" not in shown


def test_a_browser_copys_breadcrumb_trail_folds_as_navigation() -> None:
    # Under a donation appeal, the trail is named for what it is, not for the block above it.
    lines = ["Support our journalism with a donation today", "Home \u00bb Town hall \u00bb Bridges",
             "Council approves the new bridge over the river", "By Jane Doe", _STORY, _STORY]
    article = ingest_bytes("\n\n".join(lines).encode(), "text")
    trail = _block(article, "Home \u00bb Town hall")
    assert trail.boilerplate and trail.reason == NAVIGATION
    assert article.title == "Council approves the new bridge over the river"
    # A line that only starts like one stays.
    assert fold.text_reason("Home/work balance is what the council wants for its staff", 10) == ""


# ---------------------------------------------------------------- comment threads

_PIER_STORY = [
    "The harbour board voted on Tuesday to close the old ferry pier for repairs that engineers say are long "
    "overdue, after a survey found corroded piles under the southern walkway.",
    "Repairs will take eight months, the board said, and the morning ferry will dock at the fishing quay in the "
    "meantime, which adds about ten minutes to the crossing for most passengers.",
    "Residents who spoke at the meeting asked for a shuttle bus between the quay and the town centre, and the "
    "board agreed to study the cost of one before its next session in the spring.",
    "The pier was built in 1931 and last rebuilt in 1978; the board expects the new deck to last for fifty years "
    "if it is inspected every winter, as the engineers recommend in their report.",
    "Local businesses near the pier worry that fewer visitors will pass their doors while the work goes on, and "
    "the chamber of commerce has asked the board to put up signs pointing to the shops.",
]
_COMMENTS = [
    "14 Comments on \u201cThe harbour board closes the old ferry pier\u201d",
    "Maria Keane", "March 3, 2025 at 9:14 am",
    "About time. I have watched that walkway sag for three winters and nobody seemed to care about it at all.",
    "Reply",
    "Tom Alder", "March 3, 2025 at 11:02 am",
    "Ten minutes more each way is a lot for those of us who commute every day, and nobody asked us first.",
    "Reply",
    "J. Okafor", "March 4, 2025 at 7:45 pm",
    "Will the fishing quay even have room for the ferry at low tide? That seems like the real question here.",
    "Reply",
]


def _text_page(lines: list[str]) -> bytes:
    return "\n\n".join(lines).encode()


def test_a_readers_comment_thread_under_the_story_folds_as_comments() -> None:
    article = ingest_bytes(_text_page(["Harbour board closes the old ferry pier", *_PIER_STORY, *_COMMENTS]), "text")
    for para in _PIER_STORY:
        assert not _block(article, para[:40]).boilerplate
    for line in _COMMENTS:
        block = _block(article, line[:30])
        assert block.boilerplate and block.reason == fold.COMMENTS, line


def test_dates_and_bylines_that_are_no_comment_thread_stay() -> None:
    # A list of related stories carries bylines and dates too, but its items
    # are folded already: no comments' text between them, no thread.
    related = ["Related stories"]
    for n in range(4):
        related += [f"Ferry timetable changes for the winter season, part {n}", "by Ana Lima",
                    f"March {n + 1}, 2025 at 10:00 am"]
    article = ingest_bytes(_text_page(["Harbour board closes the old ferry pier", *_PIER_STORY, *related]), "text")
    assert all(not _block(article, p[:40]).boilerplate for p in _PIER_STORY)
    assert not any(b.reason == fold.COMMENTS for b in article.blocks)
    # A quoted e-mail exchange inside a story is the story.
    mails = []
    for n in range(4):
        mails += [f"Date: Wed, {n + 6} Feb 2002 22:33:19 +0000", "From: Miod", "Subject: Re: the console",
                  f"Message number {n}: the boot blocks can store the console path, so the serial port works."]
    article = ingest_bytes(_text_page(["Harbour board closes the old ferry pier", *_PIER_STORY, *mails, *_PIER_STORY[:1]]),
                           "text")
    assert not any(b.reason == fold.COMMENTS for b in article.blocks)
    # A thread before any story is no thread under it.
    article = ingest_bytes(_text_page(["A page of comments", *_COMMENTS[1:]]), "text")
    assert not any(b.boilerplate and b.reason == fold.COMMENTS and b.kind == "paragraph" and len(b.text) > 80
                   for b in article.blocks)


def test_a_page_never_opens_with_all_its_prose_folded() -> None:
    # Whatever the model says (here: fold everything), a page with no prose
    # left to read shows the prose that names no furniture.
    from reader.core.fold.features import page_features
    from reader.core.fold.model import model_for

    text = "Menu\n\nHome\n\n" + "\n\n".join(_PIER_STORY) + "\n\nShare\n"
    blocks = ingest_bytes(text.encode(), "text").blocks
    feats, stats = page_features(blocks, "text", model_for("text").vocab, None)
    folded, _headline, _inherited = fold.decide(blocks, feats, stats, [False] * len(blocks), "text")
    shown = [b.text for b, f in zip(blocks, folded) if not f]
    assert shown == _PIER_STORY


@pytest.mark.parametrize(
    ("lines", "folds"),
    [
        (["Toggle more options", "Download", "Embed"], True),  # a menu's stray items
        (["Embed"], True),
        (["Read the report", "Then decide"], True),
        (["Budget approved."], False),  # a sentence of the story
        (["Why it matters"], False),  # one line of three words: maybe the story's
        (["One", "Two", "Three", "Four"], False),  # four in a row: a list, not strays
    ],
)
def test_short_lines_between_folded_blocks_fold_with_them(lines: list[str], folds: bool) -> None:
    from reader.core.fold.features import page_features
    from reader.core.fold.model import model_for

    before, after = "\n\n".join(_PIER_STORY[:3]), "\n\n".join(_PIER_STORY[3:])
    text = f"{before}\n\nShare this\n\n" + "\n\n".join(lines) + f"\n\nAdvertisement\n\n{after}\n"
    blocks = ingest_bytes(text.encode(), "text").blocks
    feats, stats = page_features(blocks, "text", model_for("text").vocab, None)
    # The model's part fixed: the story shown, the two pieces of furniture folded.
    keep = [b.text not in ("Share this", "Advertisement") for b in blocks]
    folded, _headline, _inherited = fold.decide(blocks, feats, stats, keep, "text")
    assert all(f for b, f in zip(blocks, folded) if b.text in ("Share this", "Advertisement"))
    assert [f for b, f in zip(blocks, folded) if b.text in lines] == [folds] * len(lines)
    assert not any(f for b, f in zip(blocks, folded) if b.text in _PIER_STORY)


def _pier_page(before: str, after: str = "") -> str:
    """An HTML page of the pier story, `before` and `after` it in its body."""
    story = "".join(f"<p>{p}</p>" for p in _PIER_STORY)
    return f"<html><head><title>Pier to close for repairs</title></head><body>{before}{story}{after}</body></html>"


def _decided_with_all_kept(page: str) -> tuple[list[Block], list[bool], dict[int, str]]:
    """The rules' part of folding an HTML page, with the model's part fixed: every block kept."""
    from reader.core.fold.features import page_features
    from reader.core.fold.model import model_for

    article = ingest_bytes(page.encode(), "html")
    blocks = article.blocks
    feats, stats = page_features(blocks, "html", model_for("html").vocab, "Pier to close for repairs")
    folded, _headline, inherited = fold.decide(blocks, feats, stats, [True] * len(blocks), "html")
    return blocks, folded, inherited


def _line_in_the_story(line: str, at: int) -> tuple[bool, str, Block]:
    """`line` as a paragraph of the pier story, before its `at`-th one: whether
    the rules fold it (the model's part fixed, every block kept), the reason
    they give it, and the block as imported."""
    paras = [f"<p>{p}</p>" for p in _PIER_STORY]
    paras.insert(at, f"<p>{line}</p>")
    page = f"<html><head><title>Pier to close for repairs</title></head><body>{''.join(paras)}</body></html>"
    blocks, folded, inherited = _decided_with_all_kept(page)
    [i] = [k for k, b in enumerate(blocks) if b.text == line]
    return folded[i], inherited.get(i, ""), blocks[i]


def test_the_masthead_under_the_headline_folds_as_byline_and_title() -> None:
    page = _pier_page(
        "<p>Harbour news</p><h1>Pier to close for repairs</h1><p>Heard on Morning Edition</p><p>By</p>"
        "<p>Jane Roe | The Harbour Times</p><h2>Pier to close for repairs</h2><p>Harbour board vote</p>",
        "<p>&lt;iframe src=\"https://example.org/player/embed/1\" width=\"100%\"&gt;&lt;/iframe&gt;</p>"
        "<p>Copyright © 2023 Harbour Times. All rights reserved. Visit our website terms of use and "
        "permissions pages for further information.</p>",
    )
    blocks, folded, inherited = _decided_with_all_kept(page)
    state = {(b.kind, b.text[:30]): (f, inherited.get(i, "")) for i, (b, f) in enumerate(zip(blocks, folded))}
    # The section's name above the headline.
    assert state[("paragraph", "Harbour news")] == (True, NAVIGATION)
    assert state[("paragraph", "Heard on Morning Edition")] == (True, BYLINE)
    assert state[("paragraph", "By")] == (True, BYLINE)
    assert state[("paragraph", "Jane Roe | The Harbour Times")] == (True, BYLINE)
    # The headline's second copy (an audio player's title) goes with it.
    assert state[("heading", "Pier to close for repairs")][0]
    assert [inherited.get(i) for i, b in enumerate(blocks) if b.text == "Pier to close for repairs"][1:] == [TITLE]
    # Past the line after the byline, a short line is left to the model.
    assert state[("paragraph", "Harbour board vote")] == (False, "")
    assert state[("paragraph", '<iframe src="https://example.o')] == (True, SHARE)
    assert state[("paragraph", "Copyright © 2023 Harbour Times")][0]
    assert not any(f for b, f in zip(blocks, folded) if b.text in _PIER_STORY)


def test_an_audio_players_lines_and_a_teaser_above_the_headline_fold() -> None:
    summary = "The harbour board votes to close the old ferry pier for eight months of repairs."
    page = _pier_page(
        f"<p>Pier to close for repairs {summary}</p><p>Pier to close for repairs A board member disagrees.</p>"
        f"<h1>Pier to close for repairs</h1><p>Listen · 3:51 3:51</p><ul><li>Transcript</li></ul><p>{summary}</p>",
        "<p>Listen to the full interview with the harbour master on our podcast this Friday morning.</p>",
    )
    blocks, folded, inherited = _decided_with_all_kept(page)
    state = {b.text: (f, inherited.get(i, "") or b.reason) for i, (b, f) in enumerate(zip(blocks, folded))}
    # The headline run on with the summary shown below it: a teaser.
    assert state[f"Pier to close for repairs {summary}"] == (True, TITLE)
    # The headline run on with a line shown nowhere else stays.
    assert state["Pier to close for repairs A board member disagrees."][0] is False
    assert state[summary][0] is False
    for line in ("Listen · 3:51 3:51", "Transcript"):
        assert state[line][0] is True, line
    assert fold.text_reason("Listen · 3:51 3:51", 4) == NAVIGATION
    # A sentence that starts with "Listen" is no player.
    assert state["Listen to the full interview with the harbour master on our podcast this Friday morning."][0] is False
    assert not any(f for b, f in zip(blocks, folded) if b.text in _PIER_STORY)


def test_embed_code_the_model_folds_is_named_as_share_code() -> None:
    from reader.core.fold.features import page_features
    from reader.core.fold.model import model_for

    embed = '<iframe src="https://example.org/player/embed/1" width="100%"></iframe>'
    page = ("<html><body>" + "".join(f"<p>{p}</p>" for p in _PIER_STORY)
            + f"<p>Download</p><p>{html_lib.escape(embed)}</p></body></html>")
    blocks = ingest_bytes(page.encode(), "html").blocks
    feats, stats = page_features(blocks, "html", model_for("html").vocab, None)
    keep = [b.text in _PIER_STORY for b in blocks]  # the model folds the menu and the code
    folded, _headline, inherited = fold.decide(blocks, feats, stats, keep, "html")
    [i] = [k for k, b in enumerate(blocks) if b.text == embed]
    assert folded[i] and inherited[i] == SHARE


def test_images_and_figure_captions_fold_as_image_and_a_tables_caption_stays() -> None:
    paras = [f"<p>{p}</p>" for p in _PIER_STORY]
    page = (
        "<html><head><title>Pier to close for repairs</title></head><body>" + paras[0]
        + '<figure><img src="pier.jpg" alt="The old ferry pier at low tide, seen from the quay">'
        "<figcaption>The pier's southern walkway, closed since March</figcaption></figure>"
        + "".join(paras[1:])
        + '<figure><img src="costs.png" alt=""><figcaption>Figure 2. Repair costs by month, in thousands of euros'
        "</figcaption></figure>"
        + "<table><caption>Repair costs by year</caption><tr><td>2025</td><td>1.2m</td></tr>"
        "<tr><td>2026</td><td>0.8m</td></tr></table></body></html>"
    )
    article = ingest_bytes(page.encode(), "html")
    image = _block(article, "The old ferry pier at low tide")
    caption = _block(article, "The pier's southern walkway")
    assert (image.kind, caption.kind) == ("image", "caption")
    assert image.boilerplate and image.reason == fold.IMAGE
    assert caption.boilerplate and caption.reason == fold.IMAGE
    assert not _block(article, "Repair costs by year").boilerplate
    # A numbered figure's caption is the text's own ("as Figure 2 shows").
    assert not _block(article, "Figure 2. Repair costs").boilerplate
    assert all(not _block(article, p[:40]).boilerplate for p in _PIER_STORY)
    # Folded, not lost: the reading screen's fold line names them, one key shows them.
    shown = article_text(article)
    assert "2 blocks folded: image" in shown and "The old ferry pier" not in shown
    assert "The old ferry pier" in article_text(article, show_all=True)


def test_the_pages_footer_folds_and_an_articles_own_footer_is_left_to_the_model() -> None:
    page = _pier_page(
        "<article><h1>Pier to close for repairs</h1>",
        "<footer><p>Corrections: an earlier version of this story misstated the length of the pier.</p></footer>"
        "</article><footer><div><p>Harbour Times is published by Harbour Media, 12 Quay Street, and has covered "
        "the town since 1921.</p></div></footer>",
    )
    blocks, folded, _inherited = _decided_with_all_kept(page)
    state = {b.text[:20]: f for b, f in zip(blocks, folded)}
    assert state["Harbour Times is pub"] is True
    assert state["Corrections: an earl"] is False
    assert not any(f for b, f in zip(blocks, folded) if b.text in _PIER_STORY)


def test_a_breadcrumb_trail_folds_as_navigation_and_a_story_list_stays() -> None:
    page = _pier_page(
        "<nav class='site-breadcrumbs' aria-label='Breadcrumb'><ol><li><a href='/'>Home</a></li>"
        "<li><a href='/news'>Local news</a></li><li>Pier to close for repairs after the storm</li></ol></nav>"
        "<h1>Pier to close for repairs</h1>",
        "<ol class='steps'><li>Home owners on the quay may park at the ferry terminal.</li></ol>",
    )
    blocks, folded, _inherited = _decided_with_all_kept(page)
    state = {b.text[:20]: f for b, f in zip(blocks, folded)}
    assert state["Home"] is True and state["Local news"] is True
    assert state["Pier to close for re"] is True
    assert state["Home owners on the q"] is False
    assert not any(f for b, f in zip(blocks, folded) if b.text in _PIER_STORY)
    article = ingest_bytes(page.encode(), "html")
    assert "Local news" not in article_text(article) and "navigation" in article_text(article)


_BLURB = ("<div class='promo'><p>Harbour Media also publishes a weekly guide to the coast's walks, ferries "
          "and fish markets, with a map you can print.</p></div>")


def test_what_is_shown_outside_the_article_that_holds_the_story_folds() -> None:
    page = _pier_page("<div><article><h1>Pier to close for repairs</h1>", f"</article>{_BLURB}</div>")
    blocks, folded, _inherited = _decided_with_all_kept(page)
    state = {b.text[:20]: f for b, f in zip(blocks, folded)}
    assert state["Harbour Media also p"] is True
    assert not any(f for b, f in zip(blocks, folded) if b.text in _PIER_STORY)


def test_after_a_story_body_what_stands_outside_it_folds_and_the_deck_above_it_stays() -> None:
    deck = "<p>Eight months without the old ferry pier: the board has voted, and the town worries.</p>"
    author = ("<div class='author-box'><p>Jane Roe writes about the harbour, its boats and the people who work "
              "them.</p></div>")
    page = _pier_page(f"<article><h1>Pier to close for repairs</h1>{deck}<div class='entry-content'>",
                      f"</div>{author}</article>")
    blocks, folded, _inherited = _decided_with_all_kept(page)
    state = {b.text[:20]: f for b, f in zip(blocks, folded)}
    assert state["Jane Roe writes abou"] is True
    assert state["Eight months without"] is False
    assert not any(f for b, f in zip(blocks, folded) if b.text in _PIER_STORY)


def test_text_outside_an_article_that_holds_only_part_of_the_story_stays() -> None:
    # The story's last paragraphs stand outside the <article> (broken
    # markup): the element is no sign of where the story is, nothing folds for it.
    half = 3
    page = ("<html><head><title>Pier to close for repairs</title></head><body><article>"
            + "".join(f"<p>{p}</p>" for p in _PIER_STORY[:half]) + "</article>"
            + "".join(f"<p>{p}</p>" for p in _PIER_STORY[half:]) + _BLURB + "</body></html>")
    blocks, folded, _inherited = _decided_with_all_kept(page)
    assert not any(f for b, f in zip(blocks, folded) if b.text in _PIER_STORY)
    assert not any(f for b, f in zip(blocks, folded) if b.text.startswith("Harbour Media also"))


_CONSENT = ("This website uses cookies to improve your experience while you navigate through the website. Out of "
            "these, the cookies that are categorized as necessary are stored on your browser as they are essential "
            "for the working of basic functionalities of the website. We also use third-party cookies that help us "
            "analyze and understand how you use this website. These cookies will be stored in your browser only with "
            "your consent. You also have the option to opt-out of these cookies.")


@pytest.mark.parametrize(
    ("line", "folds"),
    [
        (_CONSENT, True),  # a consent banner's whole text, 70 words and more
        ("This site uses cookies from the bakery on the quay for the base of its harbour cheesecake, the cafe's "
         "owner wrote, and has sold it every summer since the pier first opened to visitors in 1931.", False),
    ],
)
def test_a_long_cookie_consent_text_folds_and_a_sentence_about_cookies_stays(line: str, folds: bool) -> None:
    article = ingest_bytes(_text_page(["Harbour board closes the old ferry pier", *_PIER_STORY, line]), "text")
    block = _block(article, line[:40])
    assert block.boilerplate == folds
    if folds:
        assert block.reason == fold.COOKIE
    assert all(not _block(article, p[:40]).boilerplate for p in _PIER_STORY)


def test_short_lines_under_a_headline_stay_without_a_byline() -> None:
    page = _pier_page(
        "<h1>Pier to close for repairs</h1><p>Harbour board vote</p><p>Eight months of work</p>",
        "<p>Copyright law has long held that a pier's design belongs to its engineer, the board's lawyer said, "
        "and the town may not copy it.</p>",
    )
    blocks, folded, _inherited = _decided_with_all_kept(page)
    shown = [b.text for b, f in zip(blocks, folded) if not f]
    assert shown[:2] == ["Harbour board vote", "Eight months of work"]
    # A story's sentence that names copyright is no copyright line.
    assert shown[-1].startswith("Copyright law")


@pytest.mark.parametrize(
    ("line", "folds"),
    [
        ("By signing up, you agree to receive recurring automated marketing messages from Harbour Deals at the "
         "number provided. Consent is not a condition of purchase. Reply STOP to cancel.", True),
        ("By clicking Sign Me Up, you confirm you are 16+ and agree to our Terms of Use and Privacy Policy.", True),
        ("By submitting your email to subscribe, you agree to Harbour Media's Privacy Policy.", True),
        # The story's own sentences that start alike.
        ("By clicking through the survey's photographs, residents can see how far the corrosion has spread "
         "under the southern walkway.", False),
        ("By signing up early, the ferry company secured a berth at the fishing quay for the whole winter.", False),
    ],
)
def test_a_sign_up_forms_small_print_folds(line: str, folds: bool) -> None:
    folded, _reason, block = _line_in_the_story(line, len(_PIER_STORY))
    assert folded == folds
    if folds:
        assert block.reason == NEWSLETTER


@pytest.mark.parametrize(
    ("line", "at_end", "folds"),
    [
        ("Jane Roe is a freelance writer living in the harbour town, where she covers local politics and the "
         "sea.", True, True),
        ("Kelia Losa is a content writer at Harbour Media with more than five years of experience.", True, True),
        ("Sam Poole has been a journalist for twenty years and edits the Harbour Times.", True, True),
        ("Hi, I\u2019m Jessica! Welcome to Harbour Notes, where I write about the boats and the people of our "
         "town.", True, True),
        # The story's own sentences.
        ("Agriculture is a major contributor to the harbour's traffic, the board said, with grain ships "
         "arriving weekly.", True, False),
        ("Flatliner is a handy code editor that the engineers used to test the sensors on the southern piles.",
         True, False),
        # A writer the story is about, near its start.
        ("Jane Roe is a freelance writer who has lived by the pier for forty years and spoke at the meeting.",
         False, False),
        ("Hi, I'm Ryan, and this is the story of the pier my grandfather helped to build in 1931.", False, False),
        ("Hey! I'm not the only one who will miss the morning ferry at the pier, said a commuter.", True, False),
    ],
)
def test_a_note_on_the_author_under_the_story_folds(line: str, at_end: bool, folds: bool) -> None:
    folded, reason, _block = _line_in_the_story(line, len(_PIER_STORY) if at_end else 1)
    assert (folded, reason) == ((True, BYLINE) if folds else (False, ""))


@pytest.mark.parametrize(
    ("line", "folds"),
    [
        ("Ready to plan your crossing? Get started today.", True),
        ("Want to see how the ferry app works? Learn more here.", True),
        ("Book a demo", True),
        ("Start your free trial »", True),
        # The story's own sentences.
        ("Here is a list of the documents passengers may need to get started.", False),
        ("Residents can learn more at the harbour office, the board said.", False),
        ("How the board will get started:", False),
    ],
)
def test_a_call_to_action_folds_as_advertisement(line: str, folds: bool) -> None:
    folded, reason, _block = _line_in_the_story(line, 3)
    assert (folded, reason) == ((True, ADVERT) if folds else (False, ""))


@pytest.mark.parametrize(
    ("line", "folds"),
    [
        ("Disclosure: This post contains affiliate links. If you use them to make a purchase, we may earn a small "
         "commission at no extra cost to you.", True),
        ("We may earn commission from links on this page, but we only recommend products we back.", True),
        # The story's own sentence.
        ("Travel agents earn a commission on every ticket sold for the crossing, the board said.", False),
    ],
)
def test_a_note_on_affiliate_commission_folds_as_legal(line: str, folds: bool) -> None:
    folded, _reason, block = _line_in_the_story(line, 0)
    assert folded == folds
    if folds:
        assert block.reason == LEGAL


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ("See price at Amazon", ADVERT),
        ("Check Amazon Price", ADVERT),
        ("Track price", ADVERT),
        ("Where to buy", ADVERT),
        ("See the rating.", ADVERT),
        ("Price comparison from Backmarket", ADVERT),
        ("Get a Quote from Harbour Van Lines", ADVERT),
        ("Visit website", ADVERT),
        ("View on Amazon Links to Amazon.com", ADVERT),
        ("Buy now at Harbour Home Appliances", ADVERT),
        ("Check their rates and availability", ADVERT),
        ("More Details", NAVIGATION),
        ("Courtesy of brand", CREDIT),
        ("In this article", NAVIGATION),
        ("Jump to Review", NAVIGATION),
        ("Loading prices for your region", NAVIGATION),
        ("Get in touch", NAVIGATION),
        ("Back to blog", NAVIGATION),
        ("Back to Menu", NAVIGATION),
        ("Back to all articles", NAVIGATION),
        ("Scroll to top", NAVIGATION),
        ("Return to top", NAVIGATION),
        # Short lines of a story.
        ("Back to school", ""),
        ("Back to the drawing board", ""),
        ("See the sea", ""),
        ("Where to go next", ""),
        ("Best of all, the pier will reopen.", ""),
        ("In this town", ""),
        ("Visit the harbour at dawn", ""),
        ("Courtesy is a virtue the pier keepers prized.", ""),
        ("On this day the pier closed", ""),
        # What a form says once it is sent, or fails; and thanks in a story.
        ("Thank you! Your submission has been received!", NEWSLETTER),
        ("Oops! Something went wrong while submitting the form.", NEWSLETTER),
        ("Thanks for signing up. See you at your inbox!", NEWSLETTER),
        ("Thank you for coming to the pier this morning, the chair said.", ""),
        # Furniture behind a pictograph, and a story line behind one.
        ("\U0001f50a Listen to this article", NAVIGATION),
        ("\U0001f449 Read more", RELATED),
        ("\u2709\ufe0f Subscribe to our newsletter", NEWSLETTER),
        ("\U0001f600 We went to the pier at dawn", ""),
    ],
)
def test_short_furniture_lines_name_their_kind(line: str, reason: str) -> None:
    assert fold.text_reason(line, len(line.split())) == reason


def test_a_second_copy_of_the_story_folds_as_repeated() -> None:
    # A template that prints the story twice (for wide and for narrow screens).
    copy = "".join(f"<p>{p}</p>" for p in _PIER_STORY)
    blocks, folded, inherited = _decided_with_all_kept(_pier_page("", f'<div class="narrow">{copy}</div>'))
    first = [i for i, b in enumerate(blocks) if b.text == _PIER_STORY[0]]
    assert len(first) == 2
    story = range(first[0], first[0] + len(_PIER_STORY))
    again = range(first[1], first[1] + len(_PIER_STORY))
    assert not any(folded[i] for i in story)
    assert all(folded[i] and inherited.get(i) == fold.REPEATED for i in again)


def test_a_browser_copy_of_a_page_that_prints_its_story_twice_shows_it_once() -> None:
    article = ingest_bytes(_text_page(["Harbour board closes the old ferry pier", *_PIER_STORY, *_PIER_STORY]), "text")
    shown = visible_text(article.blocks)
    assert all(shown.count(p) == 1 for p in _PIER_STORY)
    assert fold.REPEATED in {b.reason for b in article.blocks}


def test_lines_the_story_itself_repeats_stay() -> None:
    # A training plan repeats its warm-up each week, between lines of its own;
    # a quoted paragraph may come back once: short repeats are the story's.
    warm_up = "Warm up: fifteen minutes of easy jogging, then five minutes of drills and strides on the flat."
    weeks = []
    for week in range(1, 7):
        weeks += [f"<h2>Week {week}</h2>", f"<p>{warm_up}</p>",
                  f"<p>Main set: {week + 3} times 800 metres at a steady pace, with two minutes of walking "
                  f"between them, and a long run of {week * 2 + 6} kilometres on Sunday.</p>"]
    page = f"<html><head><title>Pier to close for repairs</title></head><body>{''.join(weeks)}" \
           f"<p>{_PIER_STORY[0]}</p><p>{_PIER_STORY[1]}</p><p>{_PIER_STORY[0]}</p></body></html>"
    blocks, folded, _inherited = _decided_with_all_kept(page)
    assert not any(f for b, f in zip(blocks, folded) if b.text in (warm_up, _PIER_STORY[0]))


def test_class_names_give_every_kind_of_furniture_their_words_name() -> None:
    from reader.core.fold.rules import HTML_HINTS, hints_of

    def every_kind(tokens: str) -> tuple[str, ...]:
        # The rule as written: any word of a kind in the names, or its pattern.
        return tuple(reason for reason, words, bounded in HTML_HINTS
                     if any(w in tokens for w in words) or (bounded is not None and bounded[1].search(tokens)))

    words = [w for _reason, ws, bounded in HTML_HINTS for w in ws + (bounded[0] if bounded else ())]
    names = ["entry-content post-body", "site-header main-nav", "canvas head", "ads", "x_nav navbar", "ad-slot"]
    names += [a + b for a in words for b in words]
    # Words that overlap ("consent" + "trending"): a word that ends where the next begins.
    names += [a + b[k:] for a in words for b in words for k in range(1, min(len(a), len(b))) if a.endswith(b[:k])]
    names += [f"{a}-{b} {a}_x" for a in words for b in words]
    for tokens in names:
        assert hints_of(tokens) == every_kind(tokens), tokens
    assert hints_of("consentrending") == (COOKIE, RELATED)
    assert hints_of("canvas head") == () and hints_of("main-nav sidebar-ad") == (ADVERT, NAVIGATION)


@pytest.mark.parametrize("paragraphs", [2, 3, 5])
def test_a_short_text_shows_all_its_prose(paragraphs: int) -> None:
    """An excerpt or a pasted passage of a few paragraphs has no page around
    it: every paragraph of prose shows; a line of furniture still folds."""
    story = [
        "The council voted on Tuesday to close the old pier for repairs, after engineers found cracks "
        "in three of its supports.",
        "The work will take most of the summer, the mayor said, and the ferry will run from the north "
        "quay until then.",
        "Fishermen who moor at the pier will be given places in the marina at no charge, she added.",
        "Engineers said the cracks had probably grown over several winters of heavy storms.",
        "The pier, built in 1898, was last repaired in the 1970s, when its deck was replaced.",
    ][:paragraphs]
    bare = ingest_bytes("\n\n".join(story).encode(), "text", name="excerpt.txt")
    assert not any(b.boilerplate for b in bare.blocks), [b.reason for b in bare.blocks]
    text = "\n\n".join([*story, "Share this article"])
    article = ingest_bytes(text.encode(), "text", name="excerpt.txt")
    shown = visible_text(article.blocks)
    assert all(p in shown for p in story), shown
    assert "Share this article" not in shown


def test_a_short_pasted_text_keeps_its_short_sentences_and_takes_its_headline() -> None:
    text = b"Piped Headline\n\nPiped body text is here. It is a text.\n"
    article = ingest_bytes(text, "text", name="Pasted text")
    assert article.title == "Piped Headline"
    assert visible_text(article.blocks).strip() == "Piped body text is here. It is a text."
    # A line of furniture in it still folds.
    shared = ingest_bytes(text + b"\nShare this article\n", "text", name="Pasted text")
    assert "Share this article" not in visible_text(shared.blocks)


def test_menus_outside_the_story_fold_without_the_model(monkeypatch: pytest.MonkeyPatch) -> None:
    menu = "".join(f'<li><a href="/section/{i}">Section {i}</a></li>' for i in range(30))
    prose = "A long line of prose in the page's header, with words enough to read, and a full stop."
    story = "".join(f"<p>Paragraph {i} of the story tells what happened at the harbour, and why it matters to the "
                    f"town, in a sentence long enough to be prose.</p>" for i in range(6))
    page = (f"<html><head><title>A story</title></head><body><header><nav><ul>{menu}</ul></nav><p>{prose}</p>"
            f"</header><article><h1>A story</h1><nav><a href='/tags/harbour'>Harbour news</a></nav>{story}"
            "</article><footer><a href='/privacy'>Privacy policy</a></footer></body></html>")
    article = ingest_bytes(page.encode(), "html")
    blocks = article.blocks
    stats = page_stats(blocks)
    furniture = dict(zip((b.text for b in blocks), furniture_outside_story(blocks, stats)))
    assert furniture["Section 3"] and furniture["Privacy policy"]
    # Under the <article>, or prose: the model reads them.
    assert not furniture["Harbour news"] and not furniture[prose]
    assert not any(furniture[t] for t in furniture if t.startswith("Paragraph"))
    # Folded, named by where they stand.
    reasons = {b.text: (b.boilerplate, b.reason) for b in blocks}
    assert reasons["Section 3"] == (True, NAVIGATION) and reasons["Privacy policy"] == (True, LEGAL)
    assert all(not b.boilerplate for b in blocks if b.text.startswith("Paragraph"))
    # The model scores none of them.
    model = model_for("html")
    marks = furniture_outside_story(blocks, stats)
    feats, stats = page_features(blocks, "html", model.vocab, article.title, furniture=marks, stats=stats)
    read = []
    stage1 = model._stage1  # noqa: SLF001
    monkeypatch.setattr(model, "_stage1", lambda x: read.append(x) or stage1(x))
    keep = model.keep(feats, [s.words for s in stats], [b.features["path"] for b in blocks], marks)
    assert len(read) == marks.count(False) < len(blocks)
    assert not any(k for k, m in zip(keep, marks) if m)


def test_each_page_is_cut_where_its_expected_score_is_best() -> None:
    # Calibrated chances 0.95, 0.95, 0.5 and 0.05, every block 50 words.
    z = [3.0, 2.9, 0.0, -3.0]
    words = [50, 50, 50, 50]
    calibration = (1.0, 0.0)
    # Precision alone: only the likeliest block. The more recall weighs,
    # the further down the page's chances the cut goes.
    assert choose(z, words, calibration, 0.0) == [True, False, False, False]
    assert choose(z, words, calibration, 0.5) == [True, True, False, False]
    assert choose(z, words, calibration, 1.0) == [True, True, True, False]
    assert choose(z, words, calibration, 100.0) == [True, True, True, True]
    # The blocks shown are always the likeliest, whatever their order.
    assert choose(z[::-1], words, calibration, 0.5) == [False, False, True, True]
    assert choose([], [], calibration, 1.0) == []


def test_a_doubtful_block_folds_beside_a_clear_story_and_shows_beside_a_doubtful_one() -> None:
    # The same block, a 0.3 chance of being story, 40 words, under ten
    # paragraphs of 200 words that are surely story, then under ten that
    # may be: where the page's story is in doubt, recall is at stake and
    # the block shows.
    calibration = (1.0, 0.0)
    doubtful = math.log(0.3 / 0.7)
    clear = choose([4.0] * 10 + [doubtful], [200] * 10 + [40], calibration, 1.0)
    unclear = choose([0.4] * 10 + [doubtful], [200] * 10 + [40], calibration, 1.0)
    assert clear == [True] * 10 + [False]
    assert unclear == [True] * 11


def test_block_shapes_tell_repeated_cards_from_a_storys_paragraphs() -> None:
    story = "".join(f"<p>Paragraph {i} of the story tells what happened at the harbour, and why it matters to the "
                    f"town, in a sentence long enough to be prose.</p>" for i in range(5))
    cards = "".join(f'<div class="card card-{i}"><p class="teaser">Teaser {i} for another story of the site, '
                    f"with a few words more.</p></div>" for i in range(4))
    page = (f"<html><body><article><h1>A story</h1><div class='body'>{story}</div></article>"
            f"<aside class='more'>{cards}</aside></body></html>")
    blocks = ingest_bytes(page.encode(), "html").blocks
    cols = block_shapes(blocks)
    at = {b.text.split(" of ")[0].split(" for ")[0]: i for i, b in enumerate(blocks)}
    paragraph, teaser = at["Paragraph 2"], at["Teaser 2"]
    # Four other paragraphs share the story's shape, under one parent.
    assert cols["shape2_n"][paragraph] == pytest.approx(math.log1p(4))
    assert cols["shape2_par"][paragraph] == 0.0
    # The teasers share one (the card's number aside), each under a parent of its own.
    assert cols["shape2_n"][teaser] == pytest.approx(math.log1p(3))
    assert cols["shape2_par"][teaser] == pytest.approx(math.log1p(3))
    assert cols["shape4_n"][at["A story"]] == 0.0


def test_a_story_sentence_that_names_furniture_words_stays_shown() -> None:
    """Short sentences of a story that hold words furniture uses (an agency,
    "support the", "powered by", "cookies ... use") are the story's; the
    page's own furniture around them still folds."""
    article = ingest_bytes((FOLD_FIXTURES / "story_sentences.html").read_bytes(), "html")
    shown = [b.text for b in article.blocks if not b.boilerplate]
    for sentence in ("The EPA declined to comment.", "Most residents support the plan.",
                     "The new pumps will be powered by solar panels.", "Reuters could not verify the figures."):
        assert sentence in shown
    folded = {b.text: b.reason for b in article.blocks if b.boilerplate}
    assert folded["© 2024 Riverside Herald"] == "legal/copyright"
    recipe = ingest_bytes((FOLD_FIXTURES / "cookies.md").read_bytes(), "markdown")
    assert not [b.text for b in recipe.blocks if b.boilerplate and b.kind != "heading"]
    for line, reason in (("Photo: Reuters", "image credit"), ("Support independent journalism.", "donation appeal"),
                         ("We use cookies to improve your experience. Accept all cookies?", "cookie notice")):
        page = ingest_bytes(f"# A note\n\nA first paragraph of the note, long enough to read as prose here.\n\n{line}\n"
                            .encode(), "markdown")
        # (the first heading is the note's title, shown above)
        assert [(b.text, b.reason) for b in page.blocks if b.boilerplate] == [
            ("A note", "title (shown above)"), (line, reason)]


def test_a_code_listing_between_paragraphs_of_the_story_stays_shown() -> None:
    article = ingest_bytes((FOLD_FIXTURES / "code_listing.html").read_bytes(), "html")
    code = [b for b in article.blocks if b.kind == "code"]
    assert code and all(not b.boilerplate for b in code)
    assert any("def parse(value: str)" in b.text for b in code)


@pytest.mark.parametrize(("name", "furniture", "story"), [
    ("de_copy.txt", {"Jetzt den Newsletter abonnieren und keine Nachricht mehr verpassen!": "newsletter sign-up",
                     "Startseite": "navigation"},
     "Besonders betroffen ist die Strecke Nr. 4 zwischen K\u00f6ln und Frankfurt."),
    ("ru_copy.txt", {"\u0413\u043b\u0430\u0432\u043d\u0430\u044f": "navigation"},
     "\u0420\u0430\u0439\u043e\u043d\u043d\u0430\u044f \u0431\u0438\u0431\u043b\u0438\u043e\u0442\u0435\u043a\u0430"),
    ("he_copy.txt", {}, "\u05e2\u05d9\u05e8\u05d9\u05d9\u05ea \u05d7\u05d9\u05e4\u05d4"),
    ("ja_copy.txt", {"2024\u5e746\u67083\u65e5 7\u664200\u5206": "byline/date line"},
     "\u6771\u4eac\u90fd\u6749\u4e26\u533a"),
])
def test_a_browser_copy_in_another_language_folds_its_own_furniture(name: str, furniture: dict[str, str],
                                                                    story: str) -> None:
    """A sign-up, a cookie notice, a copyright line, a menu written in the
    page's own language fold as their English forms do; the story stays."""
    article = ingest_bytes((FOLD_FIXTURES / name).read_bytes(), "text", name=name)
    reasons = {b.text: b.reason for b in article.blocks if b.boilerplate}
    for text, reason in furniture.items():
        assert reasons.get(text) == reason, (text, reasons)
    folded = set(reasons.values())
    assert {"newsletter sign-up", "legal/copyright"} <= folded, reasons
    assert any(b.text.startswith(story) and not b.boilerplate for b in article.blocks)
    # Every line that reads as sign-up, cookie or copyright line is folded.
    for b in article.blocks:
        if any(w in b.text for w in ("Newsletter", "\u0440\u0430\u0441\u0441\u044b\u043b\u043a",
                                      "\u05dc\u05e0\u05d9\u05d5\u05d6\u05dc\u05d8\u05e8", "\u30e1\u30fc\u30eb\u30de\u30ac\u30b8\u30f3",
                                      "Cookies", "cookie", "\u00a9")):
            assert b.boilerplate, b.text


def test_a_row_of_share_buttons_copied_as_one_line_folds() -> None:
    from reader.core.fold.rules import text_reason

    for line in ("Facebook Twitter LinkedIn", "Share Facebook Twitter", "Share on: Facebook | X | Email"):
        assert text_reason(line, len(line.split())) == "share/social buttons", line
    # A sentence that names them is the story's.
    sentence = "Facebook, Twitter and LinkedIn said on Monday they would comply."
    assert text_reason(sentence, len(sentence.split())) == ""
    story = "Cities are tearing out parking minimums, and builders are glad of it, the report says. " * 3
    copy = f"Why cities are ripping out parking\n\n{story}\n\nShare\nFacebook Twitter LinkedIn\n\n{story}\n"
    article = ingest_bytes(copy.encode(), "text", name="parking.txt")
    folded = {b.text: b.reason for b in article.blocks if b.boilerplate}
    assert folded.get("Facebook Twitter LinkedIn") == "share/social buttons", folded


def test_a_one_line_menu_of_names_folds_as_navigation() -> None:
    """ "Home | News | Sport" above a pasted story showed as its first line."""
    from reader.core.fold.rules import text_reason

    for line in ("Home | News | Sport", "Politics \u00b7 Economy \u00b7 World", "\u0413\u043b\u0430\u0432\u043d\u0430\u044f | \u041d\u043e\u0432\u043e\u0441\u0442\u0438 | \u0421\u043f\u043e\u0440\u0442",
                 "US News | World News | Local"):
        assert text_reason(line, len(line.split())) == "navigation", line
    for line in ("Read this | then that | and more words here", "Apples | pears | 3 plums",
                 "Vote yes. | Vote no. | Abstain."):
        assert text_reason(line, len(line.split())) != "navigation", line
    copy = ("Home | News | Sport\n\nA short pasted story\n\nThe council voted on Tuesday to approve the plan, "
            "officials said. Critics said the figures were never published.\n")
    article = ingest_bytes(copy.encode(), "text", name="pasted.txt")
    assert [(b.text, b.reason) for b in article.blocks if b.boilerplate][0] == ("Home | News | Sport", "navigation")


def test_an_advertisements_copy_in_its_slot_folds_with_its_label() -> None:
    """The "Advertisement" label folded and the ad under it showed."""
    paras = [f"<p>The council approved the flood wall on Tuesday, part {k} of a long debate on the harbor.</p>"
             for k in range(6)]
    ad = ('<div class="ad-slot advertisement"><p>Advertisement</p>'
          "<p>Shop the spring sale: 30% off garden furniture at Dockside Home.</p></div>")
    page = (f"<html><body><article><h1>Flood wall approved</h1>{''.join(paras[:3])}{ad}{''.join(paras[3:])}"
            "</article></body></html>")
    article = ingest_bytes(page.encode(), "html")
    folded = {b.text: b.reason for b in article.blocks if b.boilerplate}
    assert folded.get("Shop the spring sale: 30% off garden furniture at Dockside Home.") == "advertisement", folded
    assert sum(1 for b in article.blocks if not b.boilerplate and "flood wall" in b.text) >= 1
    assert all(not b.boilerplate for b in article.blocks if b.text.startswith("The council approved"))

"""HTML parsing details that folding depends on."""

from __future__ import annotations

import json

from reader.core.ingest.html import parse_html


def test_streamed_boundaries_are_read_and_hidden_elements_are_not() -> None:
    # A <dialog> shows only with its "open" attribute: closed, it is a pop-up
    # the page may open later (a sign-up form), never part of what it shows.
    page = parse_html(
        "<html><body><div hidden id='S:0'><p>The story arrives in a streamed boundary.</p></div>"
        "<div hidden><p>A hidden dialog nobody sees.</p></div>"
        "<div style='display:none'><p>Also hidden.</p></div>"
        "<dialog id='signup'><h2>Join our newsletter</h2><p>Get the week's stories every Friday.</p></dialog>"
        "<dialog open><p>An open notice the reader sees.</p></dialog></body></html>"
    )
    texts = [b.text for b in page.blocks]
    assert texts == ["The story arrives in a streamed boundary.", "An open notice the reader sees."]


def test_blocks_know_their_ancestors() -> None:
    page = parse_html(
        "<html><body><nav class='menu'><ul><li><a href='/a'>Home</a></li></ul></nav>"
        "<article><div class='entry-content'><p>One.</p><p>Two <a href='https://x.example/'>link</a>.</p></div>"
        "</article></body></html>",
        base_url="https://site.example/post",
    )
    home, one, two = page.blocks
    tags = [t for t, _ in home.features["stack"]]
    assert "nav" in tags and tags[-1] == "li"
    assert ("nav", "menu") in home.features["stack"]
    assert home.features["link_chars"] == len("Home")
    assert home.links[0].href == "https://site.example/a"
    # Blocks of one container share its element in their paths.
    assert one.features["path"][:-1] == two.features["path"][:-1]
    assert not set(home.features["path"][2:]) & set(one.features["path"][2:])
    assert two.links[0].href == "https://x.example/"
    assert two.text[two.links[0].start:two.links[0].end] == "link"


def test_fold_command_reports_time_per_file(cli, seed_path) -> None:  # noqa: ANN001
    result = cli("fold", seed_path, "--format", "jsonl", "--timing")
    assert result.code == 0
    obj = json.loads(result.out.strip().splitlines()[0])
    assert obj["ms"] > 0
    assert "Shoigu on Sunday held rare calls" in obj["visible_text"]
    assert "Remind me later" not in obj["visible_text"]
    folded = [b for b in obj["blocks"] if b["boilerplate"]]
    assert folded and all(b["reason"] for b in folded)


def test_blocks_know_the_elements_that_mark_the_story() -> None:
    page = parse_html(
        "<html><body><main><article><h1>Title</h1><div class='entry-content'><p>Story.</p></div>"
        "<footer><p>Filed under harbours.</p></footer></article></main>"
        "<footer><p>About the site.</p></footer></body></html>"
    )
    story = page.blocks[1]
    marks = {b.text: b.features["marks"] for b in page.blocks}
    # The outermost of each kind, by the serial numbers of the blocks' paths.
    assert story.features["path"].index(marks["Story."].body) == len(story.features["path"]) - 2
    assert marks["Story."].article == marks["Title"].article >= 0
    assert 0 <= marks["Story."].main < marks["Story."].article  # <main> holds the <article>
    assert marks["Title"].body == -1 and marks["Filed under harbours."].body == -1
    # A footer inside the article is the article's; the page's own is not.
    assert not marks["Filed under harbours."].page_footer
    assert marks["About the site."].page_footer
    assert marks["About the site."].article == marks["About the site."].main == -1

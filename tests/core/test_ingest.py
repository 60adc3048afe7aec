"""Ingest: every format and encoding becomes blocks with exact offsets,
metadata is read, and nothing unsafe survives."""

from __future__ import annotations

import codecs
import gc
import html
import json
import re
from pathlib import Path

import pytest

from reader.core.ingest import IngestError, content_hash, ingest_bytes, ingest_file, iter_files, site_of
from reader.core.models import BLOCK_SEPARATOR


def _check_offsets(article) -> None:
    for block in article.blocks:
        assert article.text[block.start : block.end] == block.text
        for link in block.links:
            assert 0 <= link.start < link.end <= len(block.text)
    assert article.text == BLOCK_SEPARATOR.join(b.text for b in article.blocks)


def test_plain_text_seed_becomes_blocks_with_title(seed_path: Path) -> None:
    article = ingest_file(seed_path)
    _check_offsets(article)
    assert article.title == "Russia Discusses Ukraine in String of Calls with Defense Chiefs"
    assert article.source_format == "text"
    heading = next(b for b in article.blocks if b.text == article.title)
    assert heading.kind == "heading"
    assert len(article.id) == 12
    assert article.content_hash == content_hash(article.text)


def test_plain_text_lists_and_tables() -> None:
    text = "Title here\n\n* Home\n+ Sub item\n- Dash item\n1. First\n\nName\tAge\nAda\t36\n\nA closing paragraph of the page."
    article = ingest_bytes(text.encode(), "text", name="x.txt")
    kinds = [(b.kind, b.text, b.level) for b in article.blocks]
    assert ("list_item", "Home", 1) in kinds
    assert ("list_item", "Sub item", 2) in kinds
    assert ("list_item", "Dash item", 1) in kinds
    assert ("table", "Name | Age\nAda | 36", 0) in kinds
    _check_offsets(article)


def test_hard_wrapped_text_is_read_as_paragraphs() -> None:
    para = (
        "This is a long paragraph that an e-mail program wrapped at a fixed\n"
        "width of about seventy characters, the way plain text files often are\n"
        "when they come from mailing lists or old archives of essays and notes.\n"
    )
    text = ("A title\n\n" + para + "\n") * 3
    article = ingest_bytes(text.encode(), "text", name="wrapped.txt")
    paragraphs = [b for b in article.blocks if b.kind == "paragraph"]
    assert any(b.text.startswith("This is a long paragraph") and b.text.endswith("notes.") for b in paragraphs)


def test_html_metadata_blocks_and_links() -> None:
    html = b"""<!doctype html><html lang="en"><head>
    <title>Big Story | The Daily</title>
    <meta property="og:title" content="Big Story">
    <link rel="canonical" href="https://www.example.com/news/big-story">
    <meta name="author" content="Jo Writer">
    <meta property="article:published_time" content="2024-02-03T10:00:00Z">
    <style>p { color: red }</style><script>var x = "<p>script text</p>";</script>
    </head><body>
    <h1>Big Story</h1>
    <p>First <a href="/other">relative link</a> and <a href="javascript:alert(1)">bad link</a>.</p>
    <p hidden>Hidden text</p><p style="display:none">Also hidden</p>
    <ul><li>One</li><li>Two <ul><li>Nested</li></ul></li></ul>
    <blockquote><p>A quoted line.</p></blockquote>
    <pre>code  line 1
  indented</pre>
    <figure><img src="x.png" alt="A chart"><figcaption>The caption</figcaption></figure>
    <table><tr><th>A</th><th>B</th></tr><tr><td>1</td><td>2</td></tr></table>
    </body></html>"""
    article = ingest_bytes(html, "html", name="page.html")
    _check_offsets(article)
    assert article.title == "Big Story"
    assert article.url == "https://www.example.com/news/big-story"
    assert article.site == "example.com"
    assert article.author == "Jo Writer"
    assert article.published == "2024-02-03"
    texts = [b.text for b in article.blocks]
    assert "script text" not in " ".join(texts)
    assert "Hidden text" not in texts and "Also hidden" not in texts
    kinds = {b.text: b.kind for b in article.blocks}
    assert kinds["Big Story"] == "heading"
    assert kinds["One"] == "list_item"
    assert kinds["Nested"] == "list_item"
    assert kinds["A quoted line."] == "quote"
    assert kinds["code  line 1\n  indented"] == "code"
    assert kinds["A chart"] == "image"
    assert kinds["The caption"] == "caption"
    assert kinds["A | B\n1 | 2"] == "table"
    para = next(b for b in article.blocks if b.text.startswith("First"))
    hrefs = {para.text[link.start : link.end]: link.href for link in para.links}
    assert hrefs["relative link"] == "https://www.example.com/other"
    assert hrefs["bad link"].startswith("javascript:")


def test_html_markdown_never_carries_unsafe_links() -> None:
    from reader.core.ingest.html import add_markdown, parse_html

    page = parse_html('<p>See <a href="https://a.example/">this</a> and <a href="javascript:x()">that</a> <b>now</b>.</p>')
    add_markdown(page.blocks)
    md = page.blocks[0].markdown
    assert "[this](https://a.example/)" in md
    assert "javascript" not in md
    assert "**now**" in md


def test_a_page_closed_early_by_its_template_keeps_what_follows() -> None:
    # Some themes print </body></html> after the site's header, then the
    # article: a browser shows it, and so must we.
    page = (b"<html><head><title>Six types of outsourcing</title></head><body><nav><a href='/'>Home</a></nav>"
            b"</body>\n</html>\n<div class='post'><h1>Six types of outsourcing</h1>"
            b"<p>When defined in the simplest way possible, HR is about people.</p>"
            b"<p>The department of any company is concerned with its employees.</p></div></body></html>")
    article = ingest_bytes(page, "html")
    texts = [b.text for b in article.blocks]
    assert "When defined in the simplest way possible, HR is about people." in texts
    assert "The department of any company is concerned with its employees." in texts
    _check_offsets(article)


def test_an_articles_collapsed_panels_are_read_and_hidden_furniture_is_not() -> None:
    page = (b"<html><body><header><div class='usa-accordion__content' id='gov-banner' hidden>"
            b"<p>Official websites use .gov, a domain that belongs to a government organisation.</p></div></header>"
            b"<main><h1>How to install solar panels</h1><p>The steps, week by week.</p>"
            b"<a role='button' aria-controls='step1' id='step1_head'>1. Understand your electric bill</a>"
            b"<div id='step1' style='display:none;' role='region' aria-labelledby='step1_head'>"
            b"<p>Look for your annual kilowatt hours on your bill before you ask for quotes.</p></div>"
            b"<div class='faq-answer' hidden><p>Most installations take one or two days on the roof.</p></div>"
            b"<section data-embed='accordion'><h3><button aria-expanded='false'>Weight</button></h3>"
            b"<div aria-hidden='true' hidden data-theme-key='collapsible-section-text'>"
            b"<p>A lighter shoe suits a race; a heavier one protects on long runs.</p></div></section>"
            b"<div style='display: none'><p>A hidden upsell that nobody sees.</p></div></main></body></html>")
    texts = [b.text for b in ingest_bytes(page, "html").blocks]
    assert "Look for your annual kilowatt hours on your bill before you ask for quotes." in texts
    assert "Most installations take one or two days on the roof." in texts
    assert "A lighter shoe suits a race; a heavier one protects on long runs." in texts
    assert not any("Official websites" in t or "upsell" in t for t in texts)


def test_markdown_front_matter_and_blocks() -> None:
    md = """---
title: "A: title"
author: Someone
date: 2023-05-06
url: https://blog.example.org/post
tags: [One, two/Three]
---

# Heading

Para with [a link](https://x.example) and *emphasis*.

- item one
- item two

> quoted

```
code here
```
"""
    article = ingest_bytes(md.encode(), "markdown", name="post.md")
    _check_offsets(article)
    assert article.title == "A: title"
    assert article.author == "Someone"
    assert article.published == "2023-05-06"
    assert article.site == "blog.example.org"
    assert article.tags == ["one", "two/three"]
    kinds = {b.text: b.kind for b in article.blocks}
    assert kinds["Heading"] == "heading"
    assert kinds["item one"] == "list_item"
    assert kinds["quoted"] == "quote"
    assert kinds["code here"] == "code"
    para = next(b for b in article.blocks if b.text.startswith("Para"))
    assert para.text == "Para with a link and emphasis."
    assert para.links[0].href == "https://x.example"
    assert para.markdown == "Para with [a link](https://x.example) and *emphasis*."


def test_a_markdown_articles_first_heading_that_repeats_its_title_is_shown_once() -> None:
    md = "---\ntitle: \"Marginalia: a short history\"\n---\n\n# Marginalia - a short history\n\nReaders argue.\n\n# Later\n"
    article = ingest_bytes(md.encode(), "markdown", name="post.md")
    head = article.blocks[0]
    assert head.boilerplate and head.reason == "title (shown above)"
    assert [b.boilerplate for b in article.blocks[1:]] == [False, False]
    # Another first heading stays.
    other = ingest_bytes(md.replace("# Marginalia - a short history", "# Margins").encode(), "markdown")
    assert not other.blocks[0].boilerplate
    # Without front matter the first heading is the title, shown once too.
    bare = ingest_bytes(md.split("---\n", 2)[2].encode(), "markdown", name="post.md")
    assert bare.title == "Marginalia - a short history"
    assert bare.blocks[0].reason == "title (shown above)" and not bare.blocks[1].boilerplate


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (codecs.BOM_UTF8 + "Café crème au lait, s'il vous plaît.".encode(), "Café"),
        (codecs.BOM_UTF16_LE + "Grüße aus Köln und München, sagte er.".encode("utf-16-le"), "Grüße"),
        # UTF-16 with no byte-order mark (as some Windows tools save it), either byte order.
        ("Grüße aus Köln und München, sagte er.".encode("utf-16-le"), "Grüße"),
        ("Grüße aus Köln und München, sagte er.".encode("utf-16-be"), "Grüße"),
        ("Привет, мир! Это обычный текст на русском языке.".encode("cp1251"), "Привет"),
        ("Déjà vu — naïve façade, a phrase in Latin-1 bytes.".encode("cp1252"), "Déjà"),
        # A few accented letters, short: taken for Urdu's cp1006, a DOS page or Big5.
        ("naïve café".encode("cp1252"), "naïve café"),
        ("Zürich Straße".encode("cp1252"), "Zürich Straße"),
        ("São Paulo".encode("cp1252"), "São Paulo"),
        ("日本語のテキストです。これは短い文章。".encode("shift_jis"), "日本語のテキスト"),
        ("中文的短文本，这是测试。".encode("gbk"), "中文的短文本"),
        # ...but not English naming a few places in Korean or Chinese.
        ("The meeting in Seoul (서울) was chaired by 김민준 and attended by delegates from Busan (부산).".encode(
            "euc_kr"), "Seoul (서울)"),
        ("The delegation from Beijing (北京) and Shanghai (上海) met officials on Tuesday.".encode("gbk"), "北京"),
    ],
)
def test_encodings(data: bytes, expected: str) -> None:
    article = ingest_bytes(data, "text", name="enc.txt")
    assert expected in article.text


def test_utf16_without_a_mark_is_read_in_html_too_and_binary_is_still_refused() -> None:
    page = "<html><head><title>Über das Lesen</title></head><body><p>Ein Absatz über Randnotizen.</p></body></html>"
    article = ingest_bytes(page.encode("utf-16-le"), "html", name="de.html")
    assert article.title == "Über das Lesen"
    assert "Ein Absatz über Randnotizen." in article.text
    # NUL bytes on both sides of the pairs, or text that does not read as
    # UTF-16, are not UTF-16.
    for data in (b"\x01" + bytes(range(256)) * 8, b"ab\x00\x00" * 500):
        with pytest.raises(IngestError, match="binary"):
            ingest_bytes(data, "text", name="x.txt")


def test_html_meta_charset_is_honoured() -> None:
    body = "<html><head><meta charset=windows-1251><title>Новости</title></head><body><p>Текст статьи о погоде.</p></body></html>"
    article = ingest_bytes(body.encode("cp1251"), "html", name="ru.html")
    assert article.title == "Новости"
    assert "Текст статьи" in article.text


def test_text_decoded_twice_is_put_back() -> None:
    # UTF-8 read as Windows-1252 (or Latin-1) and saved again: a browser copy
    # pasted through the wrong program.
    garbled = "Caf\u00c3\u00a9 prices: I won\u00e2\u20ac\u2122t pay, don\u00e2\x80\x99t ask \u00e2\xad\x90\u00e2\xad\x90"
    article = ingest_bytes(f"A title\n\n{garbled}\n".encode(), "text")
    assert "Caf\u00e9 prices: I won\u2019t pay, don\u2019t ask \u2b50\u2b50" in article.text
    # Good text that happens to hold one such pair is left alone, and so is
    # text in other scripts and accents.
    for good in ("Les \u00c9tats \u00ab X \u00bb et \u00c3\u00a9 seul", "\u041f\u043e\u0447\u0435\u043c\u0443 \u0447\u0438\u0442\u0430\u0442\u0435\u043b\u0438, d\u00e9j\u00e0 vu \u00bb"):
        assert good in ingest_bytes(f"A title\n\n{good}\n".encode(), "text").text


def test_the_byte_test_before_the_repair_sees_every_sequence() -> None:
    # decode() skips the repair when the bytes hold fewer than two starts of
    # a sequence: every lead character followed by every continuation
    # character must be such a start in its UTF-8 bytes.
    from reader.core.ingest.decode import _CONTINUATION, _MOJIBAKE, _MOJIBAKE_BYTES

    continuation = [chr(c) for c in range(0x80, 0x10000) if re.fullmatch(f"[{_CONTINUATION}]", chr(c))]
    assert len(continuation) == 64 + 27
    for lead in map(chr, range(0xC2, 0xF5)):
        for cont in continuation:
            assert _MOJIBAKE.match(lead + cont)
            assert _MOJIBAKE_BYTES.match((lead + cont).encode()), (lead, cont)


def test_invalid_bytes_never_crash() -> None:
    data = b"Valid start \xff\xfe\xfa broken \xc3 bytes and more text to read here."
    article = ingest_bytes(data, "text", name="bad.txt")
    assert "Valid start" in article.text


def test_control_and_escape_sequences_are_stripped() -> None:
    data = (
        "Storm Warning Issued For The \x1b[31mCoast\x1b[0m Tonight\n\n"
        "Body \x1b]0;evil\x07text with NUL\x00 and bell\x07 done, and the forecasters said the storm "
        "would reach the coast after midnight, bringing heavy rain and strong winds to the area."
    ).encode()
    article = ingest_bytes(data, "text", name="esc.txt")
    assert "\x1b" not in article.text and "\x00" not in article.text and "\x07" not in article.text
    assert "Body text with NUL and bell done," in article.text
    assert article.title == "Storm Warning Issued For The Coast Tonight"


def test_empty_and_binary_files_fail_with_a_reason(tmp_path: Path) -> None:
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"   \n")
    with pytest.raises(IngestError, match="empty"):
        ingest_file(empty)
    binary = tmp_path / "blob.html"
    binary.write_bytes(bytes(range(256)) * 64)
    with pytest.raises(IngestError, match="binary"):
        ingest_file(binary)
    other = tmp_path / "doc.pdf"
    other.write_bytes(b"%PDF-1.4")
    with pytest.raises(IngestError, match="not a supported file type"):
        ingest_file(other)


def test_a_compressed_page_is_refused_as_binary(tmp_path: Path) -> None:
    import gzip
    import random

    page = (Path(__file__).parent.parent / "fixtures" / "fold" / "de_article.html").read_bytes()
    squeezed = tmp_path / "page.html"
    squeezed.write_bytes(gzip.compress(page, mtime=1_700_000_000))  # a page saved compressed: few NUL bytes
    assert squeezed.read_bytes().count(b"\x00") <= 16
    with pytest.raises(IngestError, match="binary"):
        ingest_file(squeezed)
    noise = tmp_path / "noise.txt"
    noise.write_bytes(random.Random(7).randbytes(3000))
    with pytest.raises(IngestError, match="binary"):
        ingest_file(noise)
    # A text with a few stray control characters is still a text.
    stray = tmp_path / "stray.txt"
    stray.write_bytes(b"A title\n\n" + b"Some words of a story\x07 that a terminal bell got into.\x01\n\n" * 5)
    assert "Some words of a story" in ingest_file(stray).text


def test_iter_files_recurses_and_skips_hidden(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "one.html").write_text("<p>x</p>")
    (tmp_path / "a" / "two.MD").write_text("x")
    (tmp_path / ".hidden").mkdir()
    (tmp_path / ".hidden" / "three.txt").write_text("x")
    (tmp_path / "notes.pdf").write_text("x")
    found = [(p.name, fmt) for p, fmt in iter_files([tmp_path])]
    assert found == [("one.html", "html"), ("two.MD", "markdown")]


def test_iter_files_skips_the_files_folder_a_browser_saved_beside_a_page(tmp_path: Path) -> None:
    # "Save Page As... Web Page, complete" writes "Title.html" and, beside it,
    # "Title_files/" with the page's frames and ads as .html files: parts of
    # that page, not articles.
    (tmp_path / "An essay.html").write_text("<p>x</p>")
    (tmp_path / "An essay_files").mkdir()
    (tmp_path / "An essay_files" / "saved_resource.html").write_text("<p>ad</p>")
    (tmp_path / "Ein Aufsatz.htm").write_text("<p>x</p>")
    (tmp_path / "Ein Aufsatz-Dateien").mkdir()
    (tmp_path / "Ein Aufsatz-Dateien" / "frame.html").write_text("<p>ad</p>")
    # A folder of the user's own that only looks so is read.
    (tmp_path / "research_files").mkdir()
    (tmp_path / "research_files" / "notes.md").write_text("x")
    found = [p.relative_to(tmp_path).as_posix() for p, _fmt in iter_files([tmp_path])]
    assert found == ["An essay.html", "Ein Aufsatz.htm", "research_files/notes.md"]
    # Named on its own, such a folder is read.
    assert [p.name for p, _ in iter_files([tmp_path / "An essay_files"])] == ["saved_resource.html"]


def test_site_of() -> None:
    assert site_of("https://www.Example.com:8080/a") == "example.com"
    assert site_of("not a url") is None
    assert site_of(None) is None


def _many_files(folder: Path, seed_path: Path, n: int) -> list[Path]:
    seed = seed_path.read_text(encoding="utf-8")
    folder.mkdir()
    paths = []
    for i in range(n):
        p = folder / f"{i:03}.txt"
        if i == 7:
            p.write_text("   \n")  # empty: a failure with its reason
        elif i % 5 == 1:
            p = p.with_suffix(".html")
            p.write_text(f"<title>Page {i}</title><nav><a href='/'>Home</a></nav>"
                         f"<p>Body of <em>page</em> {i}, with a <a href='https://example.org'>link</a>.</p>")
        else:
            p.write_text(f"Copy number {i} of the story\n\n{seed}", encoding="utf-8")
        paths.append(p)
    return paths


def test_ingest_files_in_parallel_gives_what_one_process_gives(tmp_path: Path, seed_path: Path) -> None:
    from reader.core.ingest import PARALLEL_MIN_FILES, ingest_files

    paths = _many_files(tmp_path / "many", seed_path, PARALLEL_MIN_FILES + 6)
    serial = list(ingest_files(paths, workers=1))
    parallel = list(ingest_files(paths, workers=2))
    assert [p for p, _a, _w in parallel] == paths  # in the order given
    assert len(serial) == len(parallel) == len(paths)
    for (p1, a1, why1), (p2, a2, why2) in zip(serial, parallel):
        assert p1 == p2 and why1 == why2
        if a1 is None:
            assert a2 is None and why1 == "empty file" and p1.name == "007.txt"
            continue
        assert a2 is not None
        assert (a1.id, a1.title, a1.text) == (a2.id, a2.title, a2.text)
        assert [b.to_dict() for b in a1.blocks] == [b.to_dict() for b in a2.blocks]
    assert len({a.id for _p, a, _w in parallel if a is not None}) == len(paths) - 1


def test_ingest_files_reads_here_when_workers_cannot_start(tmp_path: Path, seed_path: Path, monkeypatch) -> None:  # noqa: ANN001
    import concurrent.futures

    from reader.core.ingest import PARALLEL_MIN_FILES, ingest_files

    def refuse(*_a, **_k):  # noqa: ANN002, ANN003, ANN202
        raise OSError(24, "Too many open files")

    monkeypatch.setattr(concurrent.futures, "ProcessPoolExecutor", refuse)
    paths = _many_files(tmp_path / "many", seed_path, PARALLEL_MIN_FILES)
    got = list(ingest_files(paths, workers=2))
    assert [p for p, _a, _w in got] == paths
    assert sum(a is not None for _p, a, _w in got) == len(paths) - 1


def test_reading_a_page_leaves_the_collector_as_it_found_it() -> None:
    """The cyclic collector rests while a page is read, and is back after,
    whether the page was read or refused."""
    assert gc.isenabled()
    ingest_bytes(b"<html><body><p>One paragraph of a story, long enough.</p></body></html>", "html")
    assert gc.isenabled()
    with pytest.raises(IngestError):
        ingest_bytes(b"\x00" * 100, "text")
    assert gc.isenabled()
    gc.disable()
    try:
        ingest_bytes(b"A line of text.", "text")
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_an_html_title_is_the_pages_own_headline_not_title_and_site() -> None:
    """"Headline • Site" in <title> gives the headline: the page's <h1> when it
    reads so, even below a long menu, else the part before the separator."""
    menu = "".join(f'<li><a href="/c{i}">Section {i}</a></li>' for i in range(120))
    story = "<p>" + "The plate shows how to build a healthy, balanced meal from vegetables and grains. " * 4 + "</p>"
    page = (f"<html><head><title>Healthy Eating Plate \u2022 The Nutrition Source</title></head><body>"
            f"<nav><ul>{menu}</ul></nav><main><h1>Healthy Eating Plate</h1>{story}</main></body></html>")
    article = ingest_bytes(page.encode(), "html", name="plate.html")
    assert sum(b.kind == "list_item" for b in article.blocks) >= 80  # the <h1> stands below the menu
    assert article.title == "Healthy Eating Plate"
    no_h1 = page.replace("<h1>Healthy Eating Plate</h1>", "")
    assert ingest_bytes(no_h1.encode(), "html", name="plate.html").title == "Healthy Eating Plate"


@pytest.mark.parametrize(("codec", "declared", "text"), [
    ("cp1251", "utf-8", "Городские службы Москвы начали подготовку к зимнему сезону."),
    ("shift_jis", "utf-8", "東京都は月曜日、新しい公立図書館を開館したと発表した。"),
    ("cp1252", "utf-8", "The owners of the café said they would not comply with the “absurd” rules."),
    ("utf-8", "windows-1251", "Городские службы Москвы начали подготовку к зимнему сезону."),
])
def test_a_charset_the_bytes_contradict_is_not_believed(codec: str, declared: str, text: str) -> None:
    """A page saved in one encoding under a template's <meta charset> naming
    another: read as the bytes are, not as the page says."""
    page = f'<html><head><meta charset="{declared}"><title>T</title></head><body><p>{text}</p></body></html>'
    article = ingest_bytes(page.encode(codec), "html")
    assert text in article.text


def test_a_line_break_in_a_table_cell_parts_its_words_and_a_page_laid_out_in_a_table_is_read_as_text() -> None:
    data = ("<html><body><table><tr><th>Branch</th><th>Address</th></tr>"
            "<tr><td>Central</td><td>12 High Street<br>Riverside<br/>RV1 2AB</td></tr></table></body></html>")
    [table] = [b for b in ingest_bytes(data.encode(), "html").blocks if b.kind == "table"]
    assert "12 High Street Riverside RV1 2AB" in table.text
    story = " ".join(["We set off from Manchester early on Saturday morning, the car packed with boots and maps."] * 6)
    page = (f"<html><body><table><tr><td><a href='/'>Home</a><br><a href='/p'>Photos</a></td>"
            f"<td>My trip<br><br>{story}<br><br>{story}</td></tr></table></body></html>")
    blocks = ingest_bytes(page.encode(), "html").blocks
    assert not [b for b in blocks if b.kind == "table"]
    assert any(story in b.text for b in blocks if not b.boilerplate)


def test_a_page_too_large_only_for_its_inline_scripts_is_read(monkeypatch) -> None:  # noqa: ANN001
    import reader.core.ingest as ingest

    monkeypatch.setitem(ingest.MAX_TEXT_BYTES, "html", 64 * 1024)
    script = "<script>var state = " + "[1,2,3]," * 20000 + "0;</script><style>p{}</style>"
    story = "The council voted on Tuesday to replace the old water mains across the city."
    page = f"<html><head>{script}</head><body><p>{story}</p><script>unclosed" + "x" * 100
    article = ingest_bytes(page.encode(), "html")
    assert story in article.text and "var state" not in article.text
    with pytest.raises(IngestError, match="too much text"):
        ingest_bytes(f"<html><body><p>{story * 2000}</p></body></html>".encode(), "html")


def test_an_ordered_lists_items_keep_their_numbers_in_every_format() -> None:
    story = "<p>" + "The recipe needs patience and a heavy pot to work well. " * 5 + "</p>"
    page = (f"<html><body><article><h1>Slow stew</h1>{story}"
            '<ol start="3"><li>Brown the meat.</li><li value="7">Add the <b>stock</b>.</li><li>Simmer.'
            "<ul><li>A note</li></ul></li></ol><ul><li>Serve hot.</li></ul></article></body></html>")
    article = ingest_bytes(page.encode(), "html", name="stew.html")
    numbers = {b.text: b.number for b in article.blocks if b.kind == "list_item"}
    assert numbers == {"Brown the meat.": 3, "Add the stock.": 7, "Simmer.": 8, "A note": 0, "Serve hot.": 0}
    _check_offsets(article)
    # A list counting down, or by letters, keeps its bullets.
    for attrs in ("reversed", 'type="a"', 'type="I"'):
        other = ingest_bytes(page.replace('<ol start="3">', f"<ol {attrs}>").encode(), "html", name="stew.html")
        assert {b.number for b in other.blocks if b.kind == "list_item"} == {0}, attrs

    md = "# Slow stew\n\nIntro.\n\n4. Brown the meat.\n5. Simmer.\n\n- Serve hot.\n"
    article = ingest_bytes(md.encode(), "markdown", name="stew.md")
    assert [(b.text, b.number) for b in article.blocks if b.kind == "list_item"] == [
        ("Brown the meat.", 4), ("Simmer.", 5), ("Serve hot.", 0)]

    # A hard-wrapped text takes the number off the item's text and keeps it.
    wrapped = ("A stew for a long cold evening, written out the way a mail program wraps\n"
               "its lines at seventy characters or so, with the steps numbered below it\n"
               "and a word on the pot, which should be heavy and have a lid that fits.\n\n"
               "2. Brown the meat in the heavy pot until every side of it has some\n"
               "colour, then take it out and set it aside on a plate for later use.\n"
               "Keep the fat in the pot: the onions go into it in the next step.\n")
    article = ingest_bytes(wrapped.encode(), "text", name="stew.txt")
    item = next(b for b in article.blocks if b.kind == "list_item")
    assert (item.text.split()[0], item.number) == ("Brown", 2)


def test_a_blocks_number_is_stored_and_read_back() -> None:
    from reader.core.models import Block

    block = Block("list_item", "Simmer.", level=1, number=12)
    assert Block.from_dict(block.to_dict()).number == 12
    assert "number" not in Block("list_item", "Serve hot.", level=1).to_dict()


def test_a_menu_copied_as_one_line_is_never_the_title() -> None:
    """A Hebrew browser copy took its menu line ("\u05d3\u05e3 \u05d4\u05d1\u05d9\u05ea | \u05d7\u05d3\u05e9\u05d5\u05ea | ...") as its title: the
    line has no capitals to tell it from a headline, and enough words to
    read as the story's start."""
    menu = "\u05d3\u05e3 \u05d4\u05d1\u05d9\u05ea | \u05d7\u05d3\u05e9\u05d5\u05ea | \u05ea\u05e8\u05d1\u05d5\u05ea | \u05e1\u05e4\u05d5\u05e8\u05d8 | \u05e6\u05d5\u05e8 \u05e7\u05e9\u05e8"
    headline = "\u05d4\u05e1\u05e4\u05e8\u05d9\u05d9\u05d4 \u05d4\u05e2\u05d9\u05e8\u05d5\u05e0\u05d9\u05ea \u05d1\u05d7\u05d9\u05e4\u05d4 \u05ea\u05d4\u05d9\u05d4 \u05e4\u05ea\u05d5\u05d7\u05d4 24 \u05e9\u05e2\u05d5\u05ea \u05d1\u05d9\u05de\u05de\u05d4"
    story = ("\u05e2\u05d9\u05e8\u05d9\u05d9\u05ea \u05d7\u05d9\u05e4\u05d4 \u05d4\u05d5\u05d3\u05d9\u05e2\u05d4 \u05d4\u05e9\u05d1\u05d5\u05e2 \u05db\u05d9 \u05d4\u05e1\u05e4\u05e8\u05d9\u05d9\u05d4 "
             "\u05d4\u05de\u05e8\u05db\u05d6\u05d9\u05ea \u05ea\u05d4\u05d9\u05d4 \u05e4\u05ea\u05d5\u05d7\u05d4 \u05de\u05e1\u05d1\u05d9\u05d1 \u05dc\u05e9\u05e2\u05d5\u05df. ")
    text = f"{menu}\n\n{headline}\n\n{story * 3}\n\n{story * 2}\n"
    article = ingest_bytes(text.encode(), "text", name="haifa.txt")
    assert article.title == headline


def test_a_headline_that_its_title_shortens_is_the_title() -> None:
    """The <h1> was folded as "title (shown above)" under a <title> that cut
    it short: "Slow stew for a cold night" showed as "Slow stew"."""
    story = "<p>" + "A stew wants a heavy pot and an afternoon to itself, and a cold night. " * 4 + "</p>"
    page = (f"<html><head><title>Slow stew</title></head><body><article><h1>Slow stew for a cold night</h1>"
            f"{story}</article></body></html>")
    article = ingest_bytes(page.encode(), "html", name="stew.html")
    assert article.title == "Slow stew for a cold night"
    assert article.blocks[0].reason == "title (shown above)"


def test_a_pages_byline_gives_its_author_and_date_when_its_metadata_does_not() -> None:
    """The byline folds (it stands under the title shown), and a page without
    author or date metadata was exported with `author: null`: the citation
    was in the folded line only."""
    story = "<p>" + "Slips of paper, filed by hand, were the first machines for thinking with. " * 4 + "</p>"
    page = ("<html><head><title>Paper machines</title></head><body><article><h1>Paper machines</h1>"
            f'<p class="byline">By Harriet Osei, 14 January 2022</p>{story}</article></body></html>')
    article = ingest_bytes(page.encode(), "html", name="essay.html")
    assert (article.author, article.published) == ("Harriet Osei", "2022-01-14")
    copy = ("Why cities are ripping out their parking\n\nBy Jordan Lee / June 5, 2024\n\n"
            + "Cities across the country are tearing out parking minimums, and builders are glad of it. " * 3)
    article = ingest_bytes(copy.encode(), "text", name="parking.txt")
    assert (article.author, article.published) == ("Jordan Lee", "2024-06-05")
    # Metadata wins over the byline; a sentence that starts with "By" names no one.
    meta = page.replace("<head>", '<head><meta name="author" content="H. Osei">')
    assert ingest_bytes(meta.encode(), "html").author == "H. Osei"
    odd = copy.replace("By Jordan Lee / June 5, 2024", "By the end of the year most will have done so.")
    assert ingest_bytes(odd.encode(), "text").author is None
    monday = page.replace('<p class="byline">By Harriet Osei, 14 January 2022</p>',
                          "<p>By Monday, the council will vote on the archive's future, its chair said.</p>")
    assert ingest_bytes(monday.encode(), "html").author is None


def test_a_base_href_is_where_links_lead_not_the_pages_address(tmp_path: Path, archive) -> None:  # noqa: ANN001
    """Two posts of a blog saved with the same <base href> and no address of
    their own were one article: the second replaced the first, and its marks
    moved onto the other post's text."""
    def post(n: str) -> str:
        paras = "".join(f"<p>Post {n}: paragraph {i} on a topic of its own, long enough to be read as the story.</p>"
                        for i in range(4))
        return (f'<html><head><base href="https://blog.example.org/posts/"><title>Post {n}</title></head>'
                f'<body><article><h1>Post {n}</h1>{paras}<p><a href="next.html">Next</a></p></article></body></html>')

    saved = []
    for n in ("one", "two"):
        path = tmp_path / f"post-{n}.html"
        path.write_text(post(n))
        article = ingest_file(path)
        assert (article.url, article.site) == (None, None)
        link = next(b for b in article.blocks if b.text == "Next").links[0]
        assert link.href == "https://blog.example.org/posts/next.html"
        saved.append(archive.save(article))
    assert saved[0].id != saved[1].id and [r.status for r in saved] == ["added", "added"]
    # A JSON-LD graph's site or publisher address is not the page's either.
    graph = ('<script type="application/ld+json">{"@graph": [{"@type": "WebSite", "url": "https://blog.example.org/"},'
             '{"@type": "Organization", "url": "https://blog.example.org/about"}]}</script>')
    assert ingest_bytes(post("one").replace("<title>", graph + "<title>").encode(), "html").url is None
    page = post("one").replace("<title>", graph.replace("WebSite", "BlogPosting").replace(
        '"https://blog.example.org/"', '"https://blog.example.org/posts/one.html"') + "<title>")
    assert ingest_bytes(page.encode(), "html").url == "https://blog.example.org/posts/one.html"


def test_the_address_the_browser_wrote_into_a_saved_page_is_its_address() -> None:
    """Chrome's "Webpage, Complete" and SingleFile write where the page came
    from into a comment at its top; a page naming no address of its own was
    added with none (no Source, no site, no match with the same link)."""
    body = ("<body><article><h1>Tiny houses</h1><p>Tiny houses are popular with young buyers who cannot "
            "afford a flat in the city, the survey found.</p></article></body></html>")
    chrome = ("<!DOCTYPE html>\n<!-- saved from url=(0049)https://blog.example.net/2023/05/tiny-houses.html -->\n"
              "<html><head><title>Tiny houses</title></head>" + body)
    single = ('<!DOCTYPE html> <html lang="en"><!--\n Page saved with SingleFile \n'
              " url: https://blog.example.net/2023/06/solar-roofs.html \n saved date: Thu Jun 15 2023\n-->"
              "<head><title>Tiny houses</title></head>" + body)
    for page, url in ((chrome, "https://blog.example.net/2023/05/tiny-houses.html"),
                      (single, "https://blog.example.net/2023/06/solar-roofs.html")):
        article = ingest_bytes(page.encode(), "html", name="saved.html")
        assert (article.url, article.site) == (url, "blog.example.net")
    # (a length in the comment that is off, as in files edited by hand, cuts nothing)
    assert ingest_bytes(chrome.replace("(0049)", "(0047)").encode(), "html").url.endswith("/tiny-houses.html")
    # The page's own address comes first; a page saved from a file has none.
    own = chrome.replace("<title>", '<link rel="canonical" href="https://example.net/tiny"><title>')
    assert ingest_bytes(own.encode(), "html").url == "https://example.net/tiny"
    local = chrome.replace("(0049)https://blog.example.net/2023/05/tiny-houses.html", "(0014)about:internet")
    assert ingest_bytes(local.encode(), "html").url is None
    # The same words in the story are no such comment.
    late = "<html><body>" + "<p>Filler paragraph of the story itself.</p>" * 120 + chrome.split("\n", 1)[1]
    assert ingest_bytes(late.encode(), "html").url is None


def test_a_page_saved_before_its_scripts_ran_is_read_from_its_json_ld_article_body() -> None:
    """A page its scripts fill in (an empty <div id="root">), saved before
    they ran, holds its text only in its JSON-LD: it was refused, "no text found"."""
    story = ["The harbour will grow by a third over the next ten years, the council decided on Tuesday.",
             "The cost, some 240 million, is to be shared with the port's operator and the region.",
             "Fishermen fear the works will close the inner basin for two seasons; <b>the council</b> says one."]
    data = {"@context": "https://schema.org", "@type": "NewsArticle", "headline": "Harbour expansion approved",
            "url": "https://news.example.com/harbour", "datePublished": "2022-11-03T10:00:00Z",
            "author": {"@type": "Person", "name": "Jane Roe"}, "articleBody": "\n\n".join(story[:2]) + "\n" + story[2]}
    page = ('<html><head><title>Harbour | News</title><script type="application/ld+json">'
            + json.dumps(data) + '</script></head><body><div id="root"></div>'
            '<script src="app.js"></script></body></html>')
    article = ingest_bytes(page.encode(), "html", name="harbour.html")
    _check_offsets(article)
    assert (article.title, article.url, article.author, article.published) == (
        "Harbour expansion approved", "https://news.example.com/harbour", "Jane Roe", "2022-11-03")
    assert [b.text for b in article.blocks if not b.boilerplate] == story  # (its markup as written: text)
    assert article.source_format == "html"
    # A page showing its own text is read from it, not from its metadata.
    own = page.replace('<div id="root"></div>', "<article><h1>Harbour expansion approved</h1>"
                       + "".join(f"<p>{html.escape(s)} As shown.</p>" for s in story) + "</article>")
    assert [b.text for b in ingest_bytes(own.encode(), "html").blocks][1:] == [s + " As shown." for s in story]


_CLIPPED = """---
title: "Climate change and the Rhine: a 2023 report"
source: "https://rhine.example.com/report-2023"
author:
  - "[[Jane Doe]]"
  - "[[People/John Roe|John Roe]]"
published: 2023-06-01
created: 2024-05-01T09:30:00+02:00
---
## Climate change

The Rhine carried less water in 2022 than in any summer on record, and barges ran half empty for weeks.
"""


def test_a_markdown_files_front_matter_title_is_kept_as_written() -> None:
    """It was replaced by a first heading sharing its first words ("Climate change")."""
    article = ingest_bytes(_CLIPPED.encode(), "markdown", name="Climate change and the Rhine a 2023 report.md")
    assert article.title == "Climate change and the Rhine: a 2023 report"
    # A title with its site's name too.
    other = _CLIPPED.replace('"Climate change and the Rhine: a 2023 report"', '"Climate change | Rhine News"')
    assert ingest_bytes(other.encode(), "markdown").title == "Climate change | Rhine News"


def test_a_web_clippers_authors_are_names_and_its_clip_date_the_saved_date() -> None:
    """Obsidian's Web Clipper writes authors as wiki links ("[[Jane Doe]]"),
    which were kept brackets and all, and the date it clipped the page
    (`created`), which was taken for no date, or for the publication's."""
    article = ingest_bytes(_CLIPPED.encode(), "markdown")
    assert article.author == "Jane Doe, John Roe"
    assert (article.published, article.saved) == ("2023-06-01", "2024-05-01T07:30:00Z")
    inline = _CLIPPED.replace('author:\n  - "[[Jane Doe]]"\n  - "[[People/John Roe|John Roe]]"', 'author: ["[[Jane Doe]]"]')
    assert ingest_bytes(inline.encode(), "markdown").author == "Jane Doe"
    # A file reader exported says when it was saved as such.
    assert ingest_bytes(_CLIPPED.replace("created:", "saved:").encode(), "markdown").saved == "2024-05-01T07:30:00Z"
    # The date an import gives comes first; a file saying none is saved now.
    assert ingest_bytes(_CLIPPED.encode(), "markdown", saved="2025-01-02T03:04:05Z").saved == "2025-01-02T03:04:05Z"
    undated = ingest_bytes(_CLIPPED.replace("created: 2024-05-01T09:30:00+02:00\n", "").encode(), "markdown")
    assert undated.saved > "2025" and undated.published == "2023-06-01"


def test_front_matter_null_is_no_value() -> None:
    """`author: null` (as exports write it) gave the author "null", shown as
    "null · null" under the title."""
    md = ("---\ntitle: A plain title\nauthor: null\npublished: ~\ntags: [a, null]\n---\n\n"
          "The council voted on Tuesday to approve the plan, officials said.\n")
    article = ingest_bytes(md.encode(), "markdown", name="plain.md")
    assert (article.title, article.author, article.published, article.tags) == ("A plain title", None, None, ["a"])


def test_a_notes_file_reader_exported_is_no_article(tmp_path) -> None:  # noqa: ANN001
    """A vault folder added: an exported notes file named the article's
    address, and replaced the article's text with the notes on it."""
    from reader.core.ingest import IngestError

    md = ("---\ntitle: Cost cuts\nurl: https://news.example/a\nreader_id: \"abc000000001\"\n---\n\n"
          "<!-- reader:article id=abc000000001 "
          "annotations=aaaaaaaaa1:0123456789abcdef -->\n# Cost cuts\n\n## Claims\n\n> the plan\n")
    for fmt in ("markdown", "text"):
        with pytest.raises(IngestError, match="notes file exported by reader"):
            ingest_bytes(md.encode(), fmt, name="Cost cuts.md")
    # A text that only shows the format (a marker line in a code block) is an article.
    prose = ("# How reader marks its exports\n\nEach file has a line like this one:\n\n```\n"
             "<!-- reader:article id=abc000000001 annotations= -->\n```\n\nThat is all it takes.\n")
    assert ingest_bytes(prose.encode(), "markdown", name="about.md").blocks

"""Hostile input: whatever a file holds, ingest makes an article of it or
fails with one line (IngestError), never a traceback, within a few seconds.

Property tests run READER_HOSTILE_EXAMPLES cases each (default 60: a few
hundred in all). A long run:

    READER_HOSTILE_EXAMPLES=2000 pytest tests/core/test_hostile.py -q -p no:randomly

runs 2,000 per property test (five of them: 10,000 cases).
"""

from __future__ import annotations

import codecs
import os
import re
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reader.core.ingest import MAX_BYTES, IngestError, ingest_bytes, ingest_file, iter_files
from reader.core.ingest.html import is_safe_href
from reader.core.models import Article

EXAMPLES = int(os.environ.get("READER_HOSTILE_EXAMPLES", "60"))
#: The most one file may take (generous: CI machines are shared).
SECONDS_PER_FILE = float(os.environ.get("READER_HOSTILE_SECONDS", "8"))

hostile = settings(
    max_examples=EXAMPLES,
    deadline=None,  # timed inside, against SECONDS_PER_FILE
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    database=None,
)

CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
FORMATS = ("html", "text", "markdown")


def ingest_or_fail(data: bytes, fmt: str, **kw: object) -> Article | None:
    """Ingest; an IngestError must be one line. Anything else fails the test."""
    start = time.perf_counter()
    try:
        article = ingest_bytes(data, fmt, **kw)  # type: ignore[arg-type]
    except IngestError as err:
        msg = str(err)
        assert msg and "\n" not in msg and len(msg) < 300, msg
        article = None
    elapsed = time.perf_counter() - start
    assert elapsed < SECONDS_PER_FILE, f"{len(data)} bytes of {fmt} took {elapsed:.1f} s"
    if article is not None:
        check_article(article)
    return article


def check_article(article: Article) -> None:
    """What every stored article must be: clean text, consistent offsets."""
    assert article.title and "\n" not in article.title
    for field in (article.title, article.text, article.author or "", article.url or ""):
        assert not CONTROL.search(field.replace("\n", "").replace("\t", "")), repr(field[:200])
    assert "\x1b" not in article.text
    pos = 0
    for i, block in enumerate(article.blocks):
        assert article.text[block.start : block.end] == block.text
        assert block.start >= pos
        pos = block.end
        for link in block.links:
            assert 0 <= link.start <= link.end <= len(block.text)
        if block.markdown:
            assert "](javascript:" not in block.markdown.lower()
            assert "](data:" not in block.markdown.lower()
            assert "\x1b" not in block.markdown
    if article.url:
        assert article.url.startswith(("http://", "https://"))


# ---------------------------------------------------------------- properties


@hostile
@given(data=st.binary(max_size=30_000), fmt=st.sampled_from(FORMATS))
def test_random_bytes(data: bytes, fmt: str) -> None:
    ingest_or_fail(data, fmt)


ENCODINGS = ["utf-8", "utf-16", "utf-16-le", "utf-16-be", "utf-32", "cp1252", "latin-1", "shift_jis",
             "koi8-r", "gb18030", "euc-kr", "iso-8859-7", "mac-roman", "cp437", "big5", "utf-7"]


@hostile
@given(
    parts=st.lists(st.tuples(st.text(max_size=400), st.sampled_from(ENCODINGS)), min_size=1, max_size=6),
    bom=st.sampled_from([b"", codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE, codecs.BOM_UTF32_LE]),
    declared=st.sampled_from(["", "utf-8", "utf-16", "shift_jis", "x-unknown", "iso-8859-1", "koi8-r", "utf-7"]),
    fmt=st.sampled_from(FORMATS),
)
def test_mixed_and_invalid_encodings(parts: list[tuple[str, str]], bom: bytes, declared: str, fmt: str) -> None:
    """Pieces in different encodings, a byte-order mark that may lie, a meta
    charset that may lie."""
    body = b"".join(text.encode(enc, errors="replace") for text, enc in parts)
    head = f'<meta charset="{declared}">'.encode() if declared and fmt == "html" else b""
    ingest_or_fail(bom + head + body, fmt)


TAGS = ["p", "div", "span", "a", "b", "i", "em", "strong", "ul", "ol", "li", "table", "tr", "td", "th", "pre",
        "code", "blockquote", "h1", "h2", "h3", "script", "style", "noscript", "svg", "img", "br", "hr", "title",
        "head", "body", "html", "nav", "footer", "aside", "figure", "figcaption", "iframe", "template", "math",
        "form", "textarea", "select", "option", "button", "details", "summary", "dl", "dt", "dd", "caption"]
HREFS = ["javascript:alert(1)", "JaVaScRiPt:alert(1)", " javascript:x", "java\tscript:x", "data:text/html,<b>",
         "vbscript:x", "file:///etc/passwd", "https://example.com/a?b=1&c=2", "/relative", "#frag", "mailto:a@b.c",
         "", "http://[bad", "\x1b]8;;http://evil\x07"]
TEXTS = st.text(alphabet=st.characters(codec="utf-8"), max_size=60) | st.sampled_from(
    ["[bold]x[/bold]", "[@click=app.quit]click[/]", "\x1b[31mred\x1b[0m", "\x1b]0;title\x07", "\x9b31m",
     "&lt;script&gt;", "&#0;&#x1b;&#xd800;", "\u202eevil", "\x00", "]]>", "<!--", "-->", "\r\n\r\n"])


@st.composite
def html_docs(draw: st.DrawFn) -> str:
    out: list[str] = []
    open_tags: list[str] = []
    for _ in range(draw(st.integers(0, 120))):
        choice = draw(st.integers(0, 9))
        if choice <= 3:
            tag = draw(st.sampled_from(TAGS))
            attrs = ""
            if tag == "a":
                attrs = f' href="{draw(st.sampled_from(HREFS))}"'
            elif draw(st.booleans()):
                attrs = draw(st.sampled_from([' hidden', ' style="display:none"', ' class="newsletter signup"',
                                              ' aria-hidden="true"', ' id="S:0" hidden', ' alt="<x>"',
                                              ' src="data:image/png;base64,AAAA"', ' class=\'a"b\'']))
            out.append(f"<{tag}{attrs}>")
            open_tags.append(tag)
        elif choice <= 6:
            out.append(draw(TEXTS))
        elif choice == 7 and open_tags:
            out.append(f"</{open_tags.pop()}>")
        elif choice == 8:
            out.append(draw(st.sampled_from(["<!-- c -->", "<![CDATA[x]]>", "<?php x ?>", "<!DOCTYPE html>",
                                             "&amp;", "&nbsp;", "&#128512;", "<", ">", "</p>", "<p <p>"])))
        else:
            depth = draw(st.integers(1, 400))
            tag = draw(st.sampled_from(["div", "b", "ul", "li", "blockquote", "table", "span"]))
            out.append(f"<{tag}>" * depth)
    if draw(st.booleans()):
        out.extend(f"</{t}>" for t in reversed(open_tags))
    return "".join(out)


@hostile
@given(doc=html_docs(), encoding=st.sampled_from(["utf-8", "utf-16", "cp1252"]))
def test_tag_soup(doc: str, encoding: str) -> None:
    article = ingest_or_fail(doc.encode(encoding, errors="replace"), "html")
    if article is not None:
        for block in article.blocks:
            for link in block.links:
                href = link.href.strip().lower()
                if "script:" in href.replace("\t", "") or href.startswith("data:"):
                    assert not is_safe_href(link.href)


@st.composite
def markdown_docs(draw: st.DrawFn) -> str:
    lines: list[str] = []
    if draw(st.booleans()):
        lines += ["---", draw(st.sampled_from(["title: [x", "title: \x1b[31mt", "tags: [a, b", "date: 99999-99",
                                               "url: javascript:alert(1)", ": :", "title: {a: [b}", "- x"])),
                  draw(st.sampled_from(["---", "", "..."]))]
    for _ in range(draw(st.integers(0, 60))):
        prefix = draw(st.sampled_from(["", "# ", "###### ", "> ", "> > > ", "- ", "1. ", "    ", "```", "| a | b |",
                                       "* * *", "[x]: javascript:alert(1)", "<div>", "</div>", "    - "]))
        lines.append(prefix + draw(TEXTS))
        if draw(st.integers(0, 5)) == 0:
            depth = draw(st.integers(1, 300))
            lines.append(draw(st.sampled_from([">", "- ", "  ", "["])) * depth + "deep")
        if draw(st.integers(0, 6)) == 0:
            lines.append(f"[link]({draw(st.sampled_from(HREFS))}) ![img](data:image/png;base64,AA)")
    return "\n".join(lines)


@hostile
@given(doc=markdown_docs())
def test_markdown_soup(doc: str) -> None:
    ingest_or_fail(doc.encode("utf-8", errors="replace"), "markdown")


@hostile
@given(
    content=st.binary(max_size=5000) | st.text(max_size=3000).map(lambda s: s.encode("utf-8", "replace")),
    suffix=st.sampled_from([".html", ".htm", ".txt", ".md", ".markdown", ".xhtml", ".text"]),
    name=st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="/\x00"),
                 min_size=1, max_size=40),
)
def test_files_with_any_name_and_content(tmp_path_factory: pytest.TempPathFactory, content: bytes, suffix: str,
                                         name: str) -> None:
    folder = tmp_path_factory.mktemp("files")
    try:
        path = folder / (name + suffix)
        path.write_bytes(content)
    except (OSError, ValueError, UnicodeEncodeError):
        return  # a name this file system will not take
    start = time.perf_counter()
    try:
        article = ingest_file(path)
    except IngestError as err:
        assert "\n" not in str(err)
        if not content.strip():
            assert "empty" in str(err)
    else:
        check_article(article)
        assert article.source_path and Path(article.source_path).name == path.name
    assert time.perf_counter() - start < SECONDS_PER_FILE


# ---------------------------------------------------------------- the big ones


def timed(fn, *args, **kw):  # noqa: ANN001, ANN002, ANN003, ANN201
    start = time.perf_counter()
    try:
        result = fn(*args, **kw)
    except IngestError as err:
        result = err
    return result, time.perf_counter() - start


def test_a_50_mb_file_fails_fast_in_one_line(tmp_path: Path) -> None:
    para = ("word " * 80 + "\n\n").encode()
    for suffix in (".txt", ".md", ".html"):
        path = tmp_path / f"big{suffix}"
        with open(path, "wb") as f:
            for _ in range(50 * 1024 * 1024 // len(para) + 1):
                f.write(para)
        assert path.stat().st_size >= 50 * 1024 * 1024
        result, seconds = timed(ingest_file, path)
        assert isinstance(result, IngestError), suffix
        assert "too much text" in str(result) and "\n" not in str(result)
        assert seconds < 2, f"{suffix}: {seconds:.1f} s"
        path.unlink()


def test_a_file_over_the_size_limit_is_not_even_read(tmp_path: Path) -> None:
    path = tmp_path / "huge.html"
    with open(path, "wb") as f:
        f.truncate(MAX_BYTES + 1)  # sparse: nothing to read anyway
    result, seconds = timed(ingest_file, path)
    assert isinstance(result, IngestError) and "too large" in str(result)
    assert seconds < 0.5


def test_a_page_with_large_images_inline_keeps_all_its_text() -> None:
    """libxml2 stops at ~10 MB of attributes unless told otherwise, silently
    dropping the rest of the page; and inline images do not count as text."""
    image = "A" * 4_000_000
    page = "<html><body>" + "".join(
        f"<p>Paragraph {i} of the article.</p><img alt='figure {i}' src='data:image/png;base64,{image}'>"
        for i in range(8)
    ) + "</body></html>"
    article, seconds = timed(ingest_bytes, page.encode(), "html")
    assert isinstance(article, Article)
    assert "Paragraph 7 of the article." in article.text
    assert seconds < SECONDS_PER_FILE


@pytest.mark.parametrize("fmt", ["html", "text"])
def test_a_page_past_the_block_limit_keeps_every_block_and_shows_its_end(
        fmt: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Past MAX_BLOCKS the page's end was merged into one block that folded
    as "related links": the rest of the page hidden, and nothing said."""
    import reader.core.ingest as ingest

    monkeypatch.setattr(ingest, "MAX_BLOCKS", 40)
    paras = [f"Paragraph {i} of a very long story, which goes on and on." for i in range(150)]
    paras.append("The very end of the story.")
    if fmt == "html":
        data = ("<html><body><article><h1>A runaway page</h1>"
                + "".join(f"<p>{p}</p>" for p in paras) + "</article></body></html>").encode()
    else:
        data = ("A runaway page\n\n" + "\n\n".join(paras)).encode()
    article = ingest_bytes(data, fmt)
    texts = [b.text for b in article.blocks]
    for p in paras:
        assert p in texts  # each its own block, as on the page
    tail = article.blocks[ingest.MAX_BLOCKS:]
    assert tail and not any(b.boilerplate for b in tail)
    check_article(article)


@pytest.mark.parametrize("doc", [
    "<div>" * 10_000 + "deep text" + "</div>" * 10_000,
    "<b>" * 10_000 + "deep text",
    "<ul><li>" * 10_000 + "deep text",
    "<table><tr><td>" * 10_000 + "deep text",
    "<blockquote>" * 10_000 + "deep text" + "</blockquote>" * 10_000,
], ids=["div", "b-unclosed", "ul-li", "table", "blockquote"])
def test_html_nested_10000_deep(doc: str) -> None:
    article, seconds = timed(ingest_bytes, doc.encode(), "html")
    assert isinstance(article, Article)
    assert "deep text" in article.text
    check_article(article)
    assert seconds < SECONDS_PER_FILE


def test_markdown_nested_10000_deep() -> None:
    for doc in ("> " * 10_000 + "deep text\n\nafter", "- " * 10_000 + "deep text\n\nafter",
                "[" * 10_000 + "deep text" + "](x)" * 10_000, "    " * 10_000 + "deep text\n\nafter"):
        result, seconds = timed(ingest_bytes, doc.encode(), "markdown")
        if isinstance(result, Article):
            check_article(result)
        else:
            assert "\n" not in str(result)
        assert seconds < SECONDS_PER_FILE


@pytest.mark.parametrize("fmt", FORMATS)
def test_one_5_mb_line(fmt: str) -> None:
    """Imported (text, HTML) or refused as too much text (Markdown's limit is
    4 MB); then a 3.9 MB line of Markdown is imported."""
    lines = ["x" * 5_000_000, "word " * 1_000_000, "<b>bold</b> " * 400_000]
    if fmt == "markdown":
        lines += ["x" * 3_900_000, "*em* [a](https://b) " * 190_000]
    for line in lines:
        article, seconds = timed(ingest_bytes, line.encode(), fmt)
        if isinstance(article, IngestError):
            assert fmt == "markdown" and len(line) > 4 << 20 and "too much text" in str(article)
        else:
            check_article(article)
        assert seconds < SECONDS_PER_FILE, f"{fmt}: {seconds:.1f} s"


@pytest.mark.parametrize("fmt", FORMATS)
def test_nul_bytes(fmt: str) -> None:
    for data in (b"\x00" * 10_000, b"text\x00with\x00nuls " * 10, b"Title\n\n" + b"a\x00" * 5000,
                 "caf\u00e9\x00".encode("utf-16")):
        result = ingest_or_fail(data, fmt)
        if result is not None:
            assert "\x00" not in result.text and "\x00" not in result.title


@pytest.mark.parametrize("content", [b"", b" ", b"\n\n\n", b"\t \r\n", b"\xef\xbb\xbf", b"\xff\xfe"])
@pytest.mark.parametrize("suffix", [".txt", ".md", ".html"])
def test_empty_files(tmp_path: Path, content: bytes, suffix: str) -> None:
    path = tmp_path / f"empty{suffix}"
    path.write_bytes(content)
    with pytest.raises(IngestError) as err:
        ingest_file(path)
    assert "\n" not in str(err.value)


def test_a_folder_is_not_a_file(tmp_path: Path) -> None:
    folder = tmp_path / "dir.html"
    folder.mkdir()
    with pytest.raises(IngestError, match="folder"):
        ingest_file(folder)


def _zoo(folder: Path, count: int) -> tuple[int, int]:
    """`count` files of every kind; returns (good, bad) as reader should count them."""
    good = bad = 0
    kinds = [
        (".txt", lambda i: f"Article {i}\n\nA paragraph about item {i} that is long enough to read.".encode()),
        (".html", lambda i: f"<title>Page {i}</title><p>Body of page {i}, with a sentence.</p>".encode()),
        (".md", lambda i: f"# Note {i}\n\nSome *markdown* text {i}.".encode()),
        (".txt", lambda i: b""),  # empty
        # Binary (its first byte never 0xff or 0xfe: random bytes that open with a
        # UTF-16 mark, one file in a hundred runs, are read as UTF-16 text).
        (".html", lambda i: b"\x01" + os.urandom(300) + b"\x00" * 40),
        (".txt", lambda i: f"Latin-1 caf\xe9 {i}\n\nna\xefve".encode("latin-1")),
        (".md", lambda i: b"\x1b]0;pwned\x07\x1b[31m# Title\x1b[0m " + str(i).encode()),
        (".pdf", lambda i: b"%PDF-1.4"),  # not ours: skipped when in a folder
    ]
    for i in range(count):
        suffix, make = kinds[i % len(kinds)]
        sub = folder / f"d{i % 37}"
        sub.mkdir(exist_ok=True)
        (sub / f"f{i}{suffix}").write_bytes(make(i))
        if suffix == ".pdf":
            continue
        if i % len(kinds) in (3, 4):
            bad += 1
        else:
            good += 1
    return good, bad


def test_a_folder_of_thousands_of_files_through_reader_fold(tmp_path: Path, cli) -> None:  # noqa: ANN001
    folder = tmp_path / "zoo"
    folder.mkdir()
    good, bad = _zoo(folder, 3000)
    assert len(list(iter_files([folder]))) == good + bad
    start = time.perf_counter()
    result = cli("fold", folder, "--format", "jsonl")
    seconds = time.perf_counter() - start
    assert result.code == 1  # some failed
    assert len(result.out.splitlines()) == good
    errors = result.err.splitlines()
    assert len(errors) == bad
    assert all(": " in line and "Traceback" not in line for line in errors)
    assert "\x1b" not in result.out and "\x1b" not in result.err
    assert seconds < 3000 * 0.05, f"{seconds:.1f} s for 3000 files"


def test_a_folder_of_files_through_reader_add(tmp_path: Path, cli) -> None:  # noqa: ANN001
    folder = tmp_path / "zoo"
    folder.mkdir()
    good, bad = _zoo(folder, 240)
    result = cli("add", folder)
    assert result.code == 1
    assert "Traceback" not in result.err
    assert "\x1b" not in result.out and "\x1b" not in result.err
    assert len([x for x in result.err.splitlines() if x.startswith(str(folder))]) == bad
    listed = cli("list", "--json")
    import json

    assert len(json.loads(listed.out)) == good


def test_file_names_with_escapes_are_printed_inert(tmp_path: Path, cli) -> None:  # noqa: ANN001
    name = "evil\x1b]0;pwned\x07\x1b[31m.txt"
    try:
        (tmp_path / name).write_bytes(b"")
    except OSError:
        pytest.skip("the file system refuses such names")
    result = cli("add", tmp_path / name)
    assert result.code == 1
    assert "\x1b" not in result.err and "\x07" not in result.err
    assert "empty" in result.err

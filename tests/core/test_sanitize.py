"""Nothing in an article, a note or a tag reaches out of it: terminal escapes
are stripped at the door, markup stays literal text, unsafe links are never
made openable, and the command line prints nothing a terminal would obey."""

from __future__ import annotations

import json
import re
import unicodedata
from pathlib import Path

import orjson
import pytest

from reader.core.store import index_path, shard_of
from hypothesis import given, settings
from hypothesis import strategies as st

from reader.core.ingest import ingest_bytes, ingest_file
from reader.core.ingest.html import is_safe_href
from reader.core.sanitize import clean_line, clean_text
from reader.core.tags import normalise_tag

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
UNSAFE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
MARKUP = ["[bold]x[/bold]", "[@click=app.quit]click[/]", "[/]", "[link=https://evil]x[/link]", "$var", "**md**",
          "<script>alert(1)</script>"]


@pytest.mark.parametrize("raw,clean", [
    ("\x1b[31mred\x1b[0m", "red"),  # colours
    ("\x1b[2J\x1b[Hcleared", "cleared"),  # clear screen, cursor home
    ("\x1b]0;new title\x07text", "text"),  # window title (OSC, BEL)
    ("\x1b]0;new title\x1b\\text", "text"),  # window title (OSC, ST)
    ("\x1b]8;;https://evil.example\x1b\\link\x1b]8;;\x1b\\", "link"),  # hyperlink
    ("\x1b]52;c;cGF5bG9hZA==\x07paste", "paste"),  # clipboard write
    ("\x1bP+q544e\x1b\\dcs", "dcs"),  # DCS (terminal query)
    ("\x1b_apc\x1b\\x", "x"),  # APC
    ("\x1b^pm\x1b\\x", "x"),  # PM
    ("\x1bXsos\x1b\\x", "x"),  # SOS
    ("\x9b31mC1 CSI", "C1 CSI"),  # 8-bit CSI
    ("\x9d0;title\x9cafter", "0;titleafter"),  # 8-bit OSC: the C1 characters go, the rest is plain text
    ("\x1b7\x1b8\x1bcreset", "reset"),  # two-character escapes (save, restore, reset)
    ("\x1b[", ""),  # cut short
    ("\x1b]0;never ends", "0;never ends"),  # an unterminated string loses its introducer, never the text after it
    # Text decoded the wrong way (UTF-8 read as Latin-1) is full of C1
    # characters: none of them swallows what follows.
    ("Review: \u00e2\xad\x90 (5/5 stars)\n\nThe next paragraph.", "Review: \u00e2\xad (5/5 stars)\n\nThe next paragraph."),
    ("\u00e2\x80\x9cquoted\u00e2\x80\x9d and the rest", "\u00e2quoted\u00e2 and the rest"),
    ("a\x08b\x7fc\x00d\x07e", "abcde"),  # backspace, DEL, NUL, BEL
    ("line\r\nnext\rlast", "line\nnext\nlast"),  # carriage returns cannot overwrite a line
    ("\ufeffBOM", "BOM"),
    # Bidirectional overrides, embeddings and isolates (text that reads other
    # than it is where it is rendered); the marks that reach no further stay.
    ("invoice\u202egpj.exe", "invoicegpj.exe"),
    ("a\u202ab\u202bc\u202cd\u202de\u2066f\u2067g\u2068h\u2069i", "abcdefghi"),
    ("\u05e9\u05dc\u05d5\u05dd\u200f (1)\u200e \u0644\u0627\u061c", "\u05e9\u05dc\u05d5\u05dd\u200f (1)\u200e \u0644\u0627\u061c"),
    ("\U0001f469\u200d\U0001f52c \u0645\u06cc\u200c\u0634\u0648\u062f", "\U0001f469\u200d\U0001f52c \u0645\u06cc\u200c\u0634\u0648\u062f"),
    ("tab\tand\nnewline", "tab\tand\nnewline"),  # kept
    ("Ünïcödé — “quotes” 日本語 🙂 עברית", "Ünïcödé — “quotes” 日本語 🙂 עברית"),  # kept
])
def test_clean_text(raw: str, clean: str) -> None:
    assert clean_text(raw) == clean


@settings(max_examples=500, deadline=None, database=None)
@given(st.text(alphabet=st.characters(codec="utf-8") | st.sampled_from("\x1b\x9b\x9d\x90\x07\x9c[];\\P_^X"),
               max_size=200))
def test_clean_text_never_leaves_a_control_character(raw: str) -> None:
    out = clean_text(raw)
    assert not UNSAFE.search(out)
    assert clean_text(out) == out  # idempotent
    assert "\n" not in clean_line(raw) and not UNSAFE.search(clean_line(raw))


@settings(max_examples=300, deadline=None, database=None)
@given(st.text(alphabet=st.characters(blacklist_categories=("Cc", "Cs")), max_size=200))
def test_clean_text_leaves_printable_text_alone(raw: str) -> None:
    """But for composing accents (NFC)."""
    assert clean_text(raw) == unicodedata.normalize("NFC", re.sub("[\ufeff\u202a-\u202e\u2066-\u2069]", "", raw))


def test_clean_text_composes_accents() -> None:
    """A text of decomposed accents ("e" and U+0301) is stored as typed ("\u00e9"):
    a search or a quote typed finds it."""
    assert clean_text("cafe\u0301 cre\u0300me") == "caf\u00e9 cr\u00e8me"
    assert clean_line("  O\u0302ng  ") == clean_line("O\u0302ng") == "\u00d4ng"


@pytest.mark.parametrize("href", [
    "javascript:alert(1)", "JAVASCRIPT:alert(1)", " javascript:alert(1)", "\tjavascript:x", "\njavascript:x",
    "java\tscript:x", "java\nscript:x", "jav&#x09;ascript:x", "\x01javascript:x", "data:text/html,<script>",
    "DATA:text/html;base64,PHNjcmlwdD4=", "vbscript:msgbox", "file:///etc/passwd", "about:blank", "/relative",
    "#anchor", "", "  ", "//evil.example/x", "\x1b]8;;https://x\x07",
])
def test_unsafe_links_are_never_openable(href: str) -> None:
    assert not is_safe_href(href)


@pytest.mark.parametrize("href", ["https://example.com/a", "http://example.com", " HTTPS://EXAMPLE.COM ",
                                  "mailto:someone@example.com"])
def test_web_links_are(href: str) -> None:
    assert is_safe_href(href)


def test_the_hostile_sample_is_literal_and_inert() -> None:
    article = ingest_file(FIXTURES / "hostile-markup-and-escapes.html")
    everything = article.title + article.text + "".join(b.markdown or "" for b in article.blocks)
    assert "\x1b" not in everything and not UNSAFE.search(everything.replace("\n", "").replace("\t", ""))
    assert "[bold]x[/bold]" in article.title + article.text
    assert "[@click=app.quit]click[/]" in article.title + article.text
    links = [link for b in article.blocks for link in b.links]
    assert any("javascript:" in link.href.lower() for link in links)  # shown...
    for link in links:
        if "script:" in link.href.lower() or link.href.lower().startswith("data:"):
            assert not is_safe_href(link.href)  # ...never openable
    for b in article.blocks:
        assert "javascript:" not in (b.markdown or "").lower()


@pytest.mark.parametrize("fmt,body", [
    ("html", b"<title>\x1b]0;pwn\x07[bold]T[/bold]</title><p>\x1b[31m[@click=app.quit]x[/] text</p>"),
    ("text", b"\x1b]0;pwn\x07Title [bold]T[/bold]\n\n\x1b[31m[@click=app.quit]x[/] text\xc2\x9b2J"),
    ("markdown", b"---\ntitle: \x1b[31mA [bold]T[/bold]\ntags: [\x1b[1mred]\n---\n\n# [b]H[/b]\n\n\x1b]8;;x\x07t"),
])
def test_every_format_strips_escapes_and_keeps_markup(fmt: str, body: bytes) -> None:
    article = ingest_bytes(body, fmt)
    fields = [article.title, article.text, *article.tags, *(b.markdown or "" for b in article.blocks)]
    for f in fields:
        assert "\x1b" not in f and "\x9b" not in f and "\x07" not in f
        assert "2J" not in f  # the whole 8-bit CSI sequence went, not just its first character
    assert "[bold]T[/bold]" in article.title + article.text


# ---------------------------------------------------------------- the store


def test_notes_and_tags_are_cleaned_on_the_way_in(archive, seed_path) -> None:  # noqa: ANN001
    aid = archive.save(ingest_file(seed_path)).id
    note = "\x1b]0;pwned\x07[bold]my[/bold] note\x1b[31m, [@click=app.quit]x[/]\x9b2J"
    ann = archive.add_annotation(aid, 0, 5, tags=["\x1b[31mclaim", "[b]topic[/b]/sub"], note=note)
    stored = archive.annotation(ann.id)
    assert stored.note == "[bold]my[/bold] note, [@click=app.quit]x[/]"
    assert stored.tags == ["claim", normalise_tag("[b]topic[/b]/sub")] == ["claim", "b-topic/b/sub"]
    archive.update_annotation(ann.id, note="\x1b[2Jcleared? [/]")
    assert archive.annotation(ann.id).note == "cleared? [/]"
    archive.set_article_note(aid, "\x1b]52;c;cGF5\x07article [i]note[/i]")
    assert archive.get(aid).note == "article [i]note[/i]"
    archive.set_article_tags(aid, ["\x1b[1mx", "[y]"])
    assert archive.info(aid).tags == ["x", "y"]
    assert normalise_tag("\x1b]0;t\x07#Topic/Sub") == "topic/sub"


# ---------------------------------------------------------------- the command line


def test_notes_and_tags_from_the_command_line(cli, seed_path) -> None:  # noqa: ANN001
    assert cli("add", seed_path).code == 0
    aid = json.loads(cli("list", "--json").out)[0]["id"]
    r = cli("annotate", aid, "--quote", "dirty bomb", "--tag", "\x1b[31mclaim", "--tag", "[red]x[/red]",
            "--note", "\x1b]0;pwned\x07[bold]n[/bold]\x07")
    assert r.code == 0
    ann = r.out.strip()
    r = cli("note", ann, "--set", "\x1b[2J[@click=app.quit]q[/]", "--tag", "\x9b31mq")
    assert r.code == 0 and "\x1b" not in r.out and "\x9b" not in r.out
    for args in (("notes", aid), ("notes", aid, "--json"), ("note", ann), ("list",), ("list", "--json"),
                 ("show", aid)):
        r = cli(*args)
        assert r.code == 0
        assert not UNSAFE.search(r.out.replace("\n", "").replace("\t", "")), args
    notes = json.loads(cli("notes", aid, "--json").out)["annotations"]
    assert notes[0]["note"] == "[@click=app.quit]q[/]"
    assert set(notes[0]["tags"]) == {"claim", normalise_tag("[red]x[/red]"), "q"}


def test_the_command_line_prints_no_escape_even_from_an_old_archive(cli, data_dir, seed_path) -> None:  # noqa: ANN001
    """An archive written before escapes were stripped (or by hand): its text
    still reaches the terminal inert."""
    assert cli("add", seed_path).code == 0
    aid = json.loads(cli("list", "--json").out)[0]["id"]
    shard = index_path(data_dir / "archive", shard_of(aid))
    data = orjson.loads(shard.read_bytes())
    next(iter(data["articles"].values()))["title"] = "\x1b]0;pwned\x07\x1b[31mOld title\x9b2J"
    shard.write_bytes(orjson.dumps(data))
    r = cli("list")
    assert r.code == 0 and "Old title" in r.out
    assert "\x1b" not in r.out and "\x9b" not in r.out and "\x07" not in r.out


def test_error_messages_are_inert(cli, tmp_path) -> None:  # noqa: ANN001
    r = cli("show", "\x1b]0;pwned\x07abc")
    assert r.code == 1 and "\x1b" not in r.err and "\x07" not in r.err
    r = cli("annotate", "\x1b[31m", "--quote", "x")
    assert r.code == 1 and "\x1b" not in r.err
    r = cli("add", tmp_path / "no\x1b[31msuch.txt")
    assert r.code == 1 and "\x1b" not in r.err

"""Export of notes: Markdown for Obsidian, W3C Web Annotations, safe file names.

Golden files live in tests/fixtures/export/; run with UPDATE_GOLDEN=1 to
rewrite them after a deliberate change of format (then read the diff).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reader.core import export as ex
from reader.core.anchor import quote_at
from reader.core.models import Annotation, Article, Block

GOLDEN = Path(__file__).parent.parent / "fixtures" / "export"
FIXED = "2026-11-01T09:00:00Z"
LATER = "2026-11-03T18:30:00Z"
SEED_ID = "5eed0c0ffee1"
TITLE = "Russia Discusses Ukraine in String of Calls with Defense Chiefs"


def make_article(article_id: str, title: str, paragraphs: list[str], *, url: str | None = None,
                 site: str | None = None, tags: list[str] | None = None) -> Article:
    article = Article(
        id=article_id, title=title, blocks=[Block("paragraph", p) for p in paragraphs], url=url, site=site,
        author=None, published=None, saved=FIXED, source_format="text", tags=list(tags or []),
    )
    article.content_hash = hashlib.sha256(article.text.encode()).hexdigest()
    return article


def annotate(archive, article: Article, ann_id: str, quote: str, tags: list[str], note: str = "", *,
             updated: str = FIXED) -> Annotation:
    start = article.text.index(quote)
    q = quote_at(article.text, start, start + len(quote))
    ann = Annotation(id=ann_id, article_id=article.id, start=start, end=start + len(quote), exact=q.exact,
                     prefix=q.prefix, suffix=q.suffix, tags=tags, note=note, created=FIXED, updated=updated)
    return archive.put_annotation(ann)


@pytest.fixture
def seeded(archive, seed_path: Path) -> Article:
    """The seed with a claim, an evidence and a question (with notes), a plain
    highlight, an orphan, and an article note; every time fixed."""
    paragraphs = [p.strip() for p in seed_path.read_text(encoding="utf-8").split("\n\n") if p.strip()]
    article = make_article(SEED_ID, TITLE, paragraphs, url="https://news.example/2022/10/23/shoigu-calls",
                           site="news.example", tags=["russia", "ukraine"])
    archive.save(article)
    annotate(archive, article, "c1a1a1a1a1",
             "concerns about possible provocations by Ukraine with the use of a 'dirty bomb'",
             ["claim", "topic/nuclear"], "Moscow's claim, repeated in all three calls.\n\nNo evidence offered.")
    annotate(archive, article, "e1e1e1e1e1",
             "Wallace \"refuted\" claims that Western countries sought to help Ukraine escalate the conflict",
             ["evidence"], "The UK's own statement, not Moscow's summary.")
    annotate(archive, article, "9a9a9a9a9a", "It added that the call was requested by the Russian side.",
             ["question"], "Why did Moscow ask for the call?")
    annotate(archive, article, "b0b0b0b0b0", "Pentagon chief Lloyd Austin", [])
    orphan = Annotation(id="0f0f0f0f0f", article_id=SEED_ID, start=5, end=30,
                        exact="a sentence the site later removed", prefix="", suffix="", tags=["claim"],
                        note="Kept although its text is gone.", created=FIXED, updated=FIXED, orphaned=True)
    archive.put_annotation(orphan)
    archive.set_article_note(SEED_ID, "Four calls in one day: compare each side's summary.")
    return archive.get(SEED_ID)


def check_golden(name: str, text: str) -> None:
    path = GOLDEN / name
    if os.environ.get("UPDATE_GOLDEN"):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(text.encode("utf-8"))
    assert path.exists(), f"missing golden file {path}; run with UPDATE_GOLDEN=1"
    assert text == path.read_bytes().decode("utf-8"), f"{name} differs from the golden file"


def front_matter(text: str) -> dict[str, object]:
    """The front matter's values. Every value is JSON (a subset of YAML 1.2),
    one `key: value` per line, so a JSON parser reads it exactly."""
    lines = text.split("\n")
    assert lines[0] == "---"
    end = lines.index("---", 1)
    out: dict[str, object] = {}
    for line in lines[1:end]:
        key, sep, value = line.partition(": ")
        assert sep and re.fullmatch(r"[a-z_]+", key), line
        out[key] = json.loads(value)
    return out


# ---------------------------------------------------------------- golden files


def test_markdown_golden(archive, seeded, tmp_path: Path) -> None:
    items = ex.collect(archive)
    assert [i.article.id for i in items] == [SEED_ID]
    written = ex.write_folder(items, tmp_path, "md")
    assert [w.path.name for w in written] == [
        "russia-discusses-ukraine-in-string-of-calls-with-defense-chiefs.md"
    ]
    text = written[0].path.read_text(encoding="utf-8")
    check_golden("seed.md", text)
    fm = front_matter(text)
    assert fm == {
        "title": TITLE, "url": "https://news.example/2022/10/23/shoigu-calls", "site": "news.example",
        "author": None, "published": None, "saved": FIXED, "tags": ["russia", "ukraine"], "reader_id": SEED_ID,
        "export_hash": fm["export_hash"],
    }
    assert text == ex.stamp(ex.render_article_markdown(items[0]))
    # Text order, each with its block id; the orphan last, in its own section.
    order = [m.group(1) for m in re.finditer(r"^\^([0-9a-f]+)$", text, re.M)]
    assert order == ["c1a1a1a1a1", "e1e1e1e1e1", "9a9a9a9a9a", "b0b0b0b0b0", "0f0f0f0f0f"]
    assert text.index("## Orphaned") < text.index("^0f0f0f0f0f")
    assert "Tags: #claim #topic/nuclear" in text
    assert "> concerns about possible provocations by Ukraine with the use of a 'dirty bomb'" in text


def test_reexport_writes_identical_bytes(archive, seeded, tmp_path: Path) -> None:
    first = ex.write_folder(ex.collect(archive), tmp_path, "md")
    before = first[0].path.read_bytes()
    mtime = first[0].path.stat().st_mtime_ns
    again = ex.write_folder(ex.collect(archive), tmp_path, "md")
    assert [w.changed for w in first] == [True]
    assert [w.changed for w in again] == [False]
    assert again[0].path.read_bytes() == before
    assert again[0].path.stat().st_mtime_ns == mtime  # untouched: no needless sync
    # A change in the archive changes only that annotation's lines.
    archive.update_annotation("e1e1e1e1e1", note="Edited.")
    third = ex.write_folder(ex.collect(archive), tmp_path, "md")
    assert third[0].changed
    assert "Edited." in third[0].path.read_text(encoding="utf-8")


def test_a_file_edited_since_the_export_is_kept_unless_forced(archive, seeded, tmp_path: Path) -> None:
    [first] = ex.write_folder(ex.collect(archive), tmp_path, "md")
    path = first.path
    edited = path.read_text(encoding="utf-8").replace("No evidence offered.", "No evidence offered; see the UK's reply.")
    assert edited != path.read_text(encoding="utf-8")
    edited += "\nA paragraph of my own.\n"
    path.write_text(edited, encoding="utf-8")
    archive.update_annotation("e1e1e1e1e1", note="Changed in the archive.")
    [again] = ex.write_folder(ex.collect(archive), tmp_path, "md")
    assert again.kept and not again.changed
    assert path.read_text(encoding="utf-8") == edited  # the user's edits are all there
    # export_to_folder still lists it.
    assert ex.export_to_folder(archive, None, tmp_path) == [path]
    assert path.read_text(encoding="utf-8") == edited
    [forced] = ex.write_folder(ex.collect(archive), tmp_path, "md", force=True)
    assert forced.changed and not forced.kept
    text = path.read_text(encoding="utf-8")
    assert "Changed in the archive." in text and "A paragraph of my own." not in text
    # Unedited since that export: a change in the archive is written as before.
    archive.update_annotation("e1e1e1e1e1", note="Changed again.")
    [plain] = ex.write_folder(ex.collect(archive), tmp_path, "md")
    assert plain.changed and not plain.kept and "Changed again." in path.read_text(encoding="utf-8")


def test_a_file_without_a_fingerprint_is_kept_if_it_differs(archive, seeded, tmp_path: Path) -> None:
    """A file an earlier version wrote has no export_hash: rewritten only when it
    reads exactly as the export would (then it gets its fingerprint)."""
    rendered = ex.render_article_markdown(ex.collect(archive)[0])
    [first] = ex.write_folder(ex.collect(archive), tmp_path, "md")
    first.path.write_text(rendered, encoding="utf-8")
    [same] = ex.write_folder(ex.collect(archive), tmp_path, "md")
    assert same.changed and not same.kept
    assert first.path.read_text(encoding="utf-8") == ex.stamp(rendered)
    first.path.write_text(rendered.replace("No evidence offered.", "No evidence offered!"), encoding="utf-8")
    [other] = ex.write_folder(ex.collect(archive), tmp_path, "md")
    assert other.kept and "No evidence offered!" in first.path.read_text(encoding="utf-8")


def test_the_fingerprint_sees_any_change() -> None:
    text = ex.stamp("---\ntitle: \"x\"\n---\n\n# x\n\nbody\n")
    assert text.count("export_hash: ") == 1 and ex.unstamped(text) == "---\ntitle: \"x\"\n---\n\n# x\n\nbody\n"
    assert not ex.edited_since_export(text.encode(), "anything else")
    for changed in (text.replace("body", "bodY"), text + "\n", text.replace("title", "titel"),
                    text.replace("body", "bodY").replace("\n", "\r\n")):
        assert ex.edited_since_export(changed.encode(), "anything else")
    # Line ends and a byte-order mark an editor or sync tool adds are no edit.
    for same in (text.replace("\n", "\r\n"), "\ufeff" + text, "\ufeff" + text.replace("\n", "\r\n")):
        assert not ex.edited_since_export(same.encode(), "anything else")
    doc = ex.stamp("# no front matter\n")
    assert doc.startswith("<!-- export_hash=") and ex.unstamped(doc) == "# no front matter\n"
    assert not ex.edited_since_export(doc.encode(), "anything else")
    assert ex.edited_since_export(doc.replace("matter", "Matter").encode(), "anything else")


def test_grouped_by_tag_golden(archive, seeded) -> None:
    text = ex.render_article_markdown(ex.collect(archive)[0], group_by="tag")
    check_golden("seed-grouped.md", text)
    headings = re.findall(r"^## .*$", text, re.M)
    assert headings == ["## Note", "## Claims", "## Evidence", "## Questions", "## Highlights", "## Orphaned"]
    claims = text[text.index("## Claims"): text.index("## Evidence")]
    assert "^c1a1a1a1a1" in claims and "^e1e1e1e1e1" not in claims


def test_group_by_tag_puts_other_tags_in_their_sections(archive) -> None:
    article = make_article("abcabcabc001", "Tags", ["One two three. Four five six. Seven eight nine."])
    archive.save(article)
    annotate(archive, article, "1111111111", "One two three.", ["topic/sub", "zeta"])
    annotate(archive, article, "2222222222", "Four five six.", ["alpha"])
    annotate(archive, article, "3333333333", "Seven eight nine.", ["question", "alpha"])
    text = ex.render_article_markdown(ex.collect(archive)[0], group_by="tag")
    headings = re.findall(r"^## .*$", text, re.M)
    assert headings == ["## Questions", "## Tagged alpha", "## Tagged topic/sub"]  # no note: no "## Note"
    # Each annotation once (block ids are unique in a file).
    assert sorted(re.findall(r"^\^(\w+)$", text, re.M)) == ["1111111111", "2222222222", "3333333333"]


def test_json_golden_and_w3c_fields(archive, seeded) -> None:
    items = ex.collect(archive)
    text = ex.render_article_json(items[0])
    check_golden("seed.json", text)
    doc = json.loads(text)
    assert doc["@context"] == "http://www.w3.org/ns/anno.jsonld"
    assert doc["type"] == "AnnotationCollection"
    assert doc["total"] == len(doc["first"]["items"]) == 6
    anns = [a for a in doc["first"]["items"] if a["id"].startswith("urn:reader:annotation:")]
    assert [a["id"] for a in anns] == [f"urn:reader:annotation:{i}" for i in
                                       ("c1a1a1a1a1", "e1e1e1e1e1", "9a9a9a9a9a", "b0b0b0b0b0", "0f0f0f0f0f")]
    stored = {a.id: a for a in archive.annotations(SEED_ID)}
    for a in anns:
        ann = stored[a["id"].rsplit(":", 1)[1]]
        assert a["@context"] == "http://www.w3.org/ns/anno.jsonld"
        assert a["type"] == "Annotation"
        assert a["created"] == FIXED and a["modified"] == FIXED
        assert a["motivation"] in ("commenting", "tagging", "highlighting")
        bodies = a.get("body", [])
        notes = [b for b in bodies if b.get("purpose") == "commenting"]
        tags = [b for b in bodies if b.get("purpose") == "tagging"]
        assert all(b["type"] == "TextualBody" for b in bodies)
        assert [b["value"] for b in notes] == ([ann.note] if ann.note else [])
        assert [b["value"] for b in tags] == ann.tags
        target = a["target"]
        assert target["source"] == "https://news.example/2022/10/23/shoigu-calls"
        selectors = {s["type"]: s for s in target["selector"]}
        quote, pos = selectors["TextQuoteSelector"], selectors["TextPositionSelector"]
        assert (quote["exact"], quote["prefix"], quote["suffix"]) == (ann.exact, ann.prefix, ann.suffix)
        assert (pos["start"], pos["end"]) == (ann.start, ann.end)
        if not ann.orphaned:
            assert seeded.text[pos["start"]:pos["end"]] == quote["exact"]
    assert [a.get("reader:orphaned") for a in anns] == [None, None, None, None, True]
    note = doc["first"]["items"][-1]
    assert note["id"] == f"urn:reader:article-note:{SEED_ID}"
    assert note["body"][0]["value"] == "Four calls in one day: compare each side's summary."
    assert note["target"] == {"source": "https://news.example/2022/10/23/shoigu-calls"}


def test_json_source_without_url_is_a_urn(archive) -> None:
    article = make_article("abcdef000001", "No address", ["Some text here."])
    archive.save(article)
    annotate(archive, article, "4444444444", "Some text", ["claim"])
    doc = json.loads(ex.render_json(ex.collect(archive)))
    assert doc["first"]["items"][0]["target"]["source"] == "urn:reader:abcdef000001"
    assert "id" not in doc  # a combined collection names no single article


# ---------------------------------------------------------------- hostile titles

HOSTILE = [
    ("a00000000001", "../../etc/passwd"),
    ("a00000000002", "CON"),
    ("a00000000003", "con.txt"),
    ("a00000000004", "COM1"),
    ("a00000000005", "\U0001f4a3\U0001f525\U0001f4a3"),
    ("a00000000006", "Long " + "word " * 59 + "end"),
    ("a00000000007", "[bold]x[/bold]"),
    ("a00000000008", "[@click=app.quit]x[/]"),
    ("a00000000009", "[x](javascript:alert(1)) <script>alert(1)</script>"),
    ("a0000000000a", "..\\..\\windows\\system32"),
    ("a0000000000b", ".hidden"),
    ("a0000000000c", 'quote " and\nnewline: ---\nevil: true'),
    ("a0000000000d", "right\u202eto\u202dleft"),
    ("a0000000000e", "\u0420\u043e\u0441\u0441\u0438\u044f " * 30),
    ("a0000000000f", "NUL"),
]


@pytest.fixture
def hostile(archive) -> list[Article]:
    out = []
    for i, (aid, title) in enumerate(HOSTILE):
        article = make_article(aid, title, [f"Paragraph number {i} of a hostile article."])
        archive.save(article)
        annotate(archive, article, f"{i + 1:010x}", f"Paragraph number {i}", ["claim"], "note")
        out.append(article)
    return out


def test_hostile_titles_give_safe_names_inside_the_folder(archive, hostile, tmp_path: Path) -> None:
    folder = tmp_path / "exports"
    written = ex.write_folder(ex.collect(archive), folder, "md")
    names = [w.path.name for w in written]
    assert len(set(n.casefold() for n in names)) == len(HOSTILE)
    assert sorted(os.listdir(folder)) == sorted(names)  # nothing written anywhere else
    for w in written:
        name = w.path.name
        assert w.path.parent == folder and w.path.resolve().parent == folder.resolve()
        assert "/" not in name and "\\" not in name and ".." not in name and not name.startswith(".")
        assert len(name) <= 100 and len(name.encode()) <= 240
        assert name.endswith(".md") and not ex.is_reserved(name)
        assert re.fullmatch(r"[\w-]+\.md", name), name
    by_id = {w.article_id: w.path.name for w in written}
    assert by_id["a00000000001"] == "etc-passwd.md"
    assert by_id["a00000000002"] == "con-article.md"
    assert by_id["a00000000003"] == "con-txt.md"
    assert by_id["a00000000004"] == "com1-article.md"
    assert by_id["a00000000005"] == "article-a0000000.md"
    assert by_id["a0000000000f"] == "nul-article.md"
    assert by_id["a0000000000d"] == "right-to-left.md"
    assert len(by_id["a00000000006"]) == 100


def test_hostile_titles_are_literal_text(archive, hostile) -> None:
    for item in ex.collect(archive):
        text = ex.render_article_markdown(item)
        fm = front_matter(text)
        assert set(fm) == {"title", "url", "site", "author", "published", "saved", "tags", "reader_id"}
        assert fm["title"] == " ".join(item.article.title.split())
        heading = next(line for line in text.split("\n") if line.startswith("# "))
        assert "\n" not in heading
        # No link, tag, HTML or markup survives unescaped in the heading.
        assert not re.search(r"(?<!\\)[\[\]<>#`*_]", heading[2:])
    combined = ex.render_markdown(ex.collect(archive))
    check_golden("hostile-combined.md", combined)
    assert "\\[x\\](javascript:alert(1))" in combined
    assert "\\<script\\>" in combined
    assert "\nevil: true" not in combined


def test_name_collisions_are_stable(archive, tmp_path: Path) -> None:
    for aid in ("b00000000002", "b00000000001"):
        article = make_article(aid, "Same Title", [f"Text of {aid}."], url=f"https://ex.example/{aid}")
        archive.save(article)
        annotate(archive, article, aid[-10:], "Text of", ["claim"])
    (tmp_path / "same-title.md").write_text("my own note, not an export\n")
    first = {w.article_id: w.path.name for w in ex.write_folder(ex.collect(archive), tmp_path, "md")}
    assert first == {"b00000000001": "same-title-b0000000.md", "b00000000002": "same-title-b00000000002.md"}
    assert (tmp_path / "same-title.md").read_text() == "my own note, not an export\n"
    # Exporting one, or all again, or after a third namesake: the same names.
    one = ex.write_folder(ex.collect(archive, ["b00000000002"]), tmp_path, "md")
    assert one[0].path.name == "same-title-b00000000002.md" and not one[0].changed
    article = make_article("b00000000003", "Same Title", ["Text of three."])
    archive.save(article)
    annotate(archive, article, "0000000003", "Text of", [])
    again = {w.article_id: w.path.name for w in ex.write_folder(ex.collect(archive), tmp_path, "md")}
    assert {k: again[k] for k in first} == first
    assert again["b00000000003"] == "same-title-b00000000003.md"
    # A new version with another title keeps its file (links into it keep working).
    archive.save(make_article("ffffffffffff", "A Better Title", ["Text of b00000000001, revised."],
                              url="https://ex.example/b00000000001"))
    assert archive.get("b00000000001").title == "A Better Title"
    renamed = {w.article_id: w.path.name for w in ex.write_folder(ex.collect(archive), tmp_path, "md")}
    assert renamed["b00000000001"] == "same-title-b0000000.md"
    assert "# A Better Title" in (tmp_path / "same-title-b0000000.md").read_text()
    # In an empty folder it would take its new title's name.
    fresh = ex.write_folder(ex.collect(archive, ["b00000000001"]), tmp_path / "fresh", "md")
    assert fresh[0].path.name == "a-better-title.md"


def test_combined_file_never_overwrites_a_foreign_file(archive, seeded, tmp_path: Path) -> None:
    mine = tmp_path / "notes.md"
    mine.write_text("# my notes\n")
    with pytest.raises(ex.ExportError, match="not a reader export"):
        ex.write_file(ex.collect(archive), mine, "md")
    assert mine.read_text() == "# my notes\n"
    out = tmp_path / "all.md"
    assert ex.write_file(ex.collect(archive), out, "md").changed
    assert not ex.write_file(ex.collect(archive), out, "md").changed


def test_a_folder_export_leaves_a_combined_document_in_the_folder_alone(archive, tmp_path: Path) -> None:
    """A document of all the notes (`--out vault/all.md`) kept in the export
    folder is no article's own file: the folder export writes each article's
    file beside it, and the document stays as it was."""
    for aid, title in (("c00000000001", "Alpha"), ("c00000000002", "Beta")):
        article = make_article(aid, title, [f"Text of {title}."])
        archive.save(article)
        annotate(archive, article, aid[-10:], "Text of", ["claim"])
    for items in (ex.collect(archive), ex.collect(archive, ["c00000000002"])):
        whole = tmp_path / "all.md"
        ex.write_file(items, whole, "md")
        before = whole.read_bytes()
        written = ex.write_folder(ex.collect(archive), tmp_path, "md")
        assert sorted(w.path.name for w in written) == ["alpha.md", "beta.md"]
        assert whole.read_bytes() == before


def test_a_combined_document_edited_since_the_export_is_kept_unless_forced(archive, seeded, tmp_path: Path) -> None:
    out = tmp_path / "all.md"
    first = ex.write_file(ex.collect(archive), out, "md")
    assert first.changed and not first.kept
    text = out.read_text(encoding="utf-8")
    assert text.startswith("<!-- export_hash=") and ex.unstamped(text) == ex.render_combined(ex.collect(archive))
    # Unedited: a change in the archive is written.
    archive.update_annotation("e1e1e1e1e1", note="Changed in the archive.")
    again = ex.write_file(ex.collect(archive), out, "md")
    assert again.changed and not again.kept and "Changed in the archive." in out.read_text(encoding="utf-8")
    # Edited in the notes folder: kept, however the archive changes, until forced.
    edited = out.read_text(encoding="utf-8") + "\nA paragraph of my own.\n"
    out.write_text(edited, encoding="utf-8")
    archive.update_annotation("e1e1e1e1e1", note="Changed again.")
    kept = ex.write_file(ex.collect(archive), out, "md")
    assert kept.kept and not kept.changed and out.read_text(encoding="utf-8") == edited
    forced = ex.write_file(ex.collect(archive), out, "md", force=True)
    assert forced.changed and not forced.kept
    assert "Changed again." in out.read_text(encoding="utf-8")
    assert "A paragraph of my own." not in out.read_text(encoding="utf-8")
    # A document an earlier version wrote (no fingerprint) is rewritten only
    # when it reads as the export would.
    out.write_text(ex.render_combined(ex.collect(archive)), encoding="utf-8")
    assert ex.write_file(ex.collect(archive), out, "md").changed
    out.write_text(ex.render_combined(ex.collect(archive)).replace("Changed again.", "Mine."), encoding="utf-8")
    assert ex.write_file(ex.collect(archive), out, "md").kept


# ---------------------------------------------------------------- escaping


def test_quote_lines_are_literal() -> None:
    exact = "# not a heading\n---\n1984. Not a list\n- nor this\n> nor a quote\n<!-- reader:note base=0 -->\n" \
            "$x$ %%hidden%% ==mark== #tag [[wiki]] ![img](x) ^abc123 &amp; <b>b</b>\n    indented"
    lines = ex.render_quote(exact)
    assert lines == [
        "> \\# not a heading",
        "> \\---",
        "> 1984\\. Not a list",
        "> \\- nor this",
        "> \\> nor a quote",
        "> \\<!-- reader:note base=0 --\\>",
        "> \\$x\\$ %\\%hidden%\\% =\\=mark=\\= \\#tag \\[\\[wiki\\]\\] !\\[img\\](x) \\^abc123 \\&amp; "
        "\\<b\\>b\\</b\\>",
        "> &#32;&#32;&#32;&#32;indented",
    ]


def test_note_lines_keep_markdown_but_not_structure() -> None:
    note = ("**bold** and [a link](https://example.org) and #tag\n"
            "# heading\n---\n===\n```\n$$\n%% comment\n^blockid\n[ref]: https://x\n"
            "<!-- reader:annotation base=0 -->\n<div>html</div> [x](javascript:alert(1)) <https://a.b>\n"
            "  ## indented heading\n\\# user-escaped\n## Claims")
    lines = ex.render_note(note)
    assert lines == [
        "**bold** and [a link](https://example.org) and #tag",
        "# heading", "\\---", "\\===", "\\```", "\\$$", "\\%% comment", "^blockid", "\\[ref]: https://x",
        "\\<!-- reader:annotation base=0 -->",
        "\\<div>html\\</div> \\[x](javascript:alert(1)) <https://a.b>",
        "  ## indented heading",
        "\\# user-escaped",  # the user's own escape, written as typed: no heading either way
        "\\## Claims",
    ]
    assert ex.parse_note(lines) == note


def test_a_notes_own_markdown_comes_back_as_typed() -> None:
    """Code fenced in a note, a footnote, a block id of the user's own,
    <mark> and a rule of stars were written back with backslashes: shown as
    text in the vault, and links to the block id broke. A '<' before a
    letter in inline code showed its backslash there.""" 
    note = ("A list:\n\n- first point\n- second point\n\n^my-list\n\n"
            "```js\nif (a<b && c) { x = '<div>' }\n## Claims\n```\n\n"
            "Use `<br>` or `a<b`, <mark>marked</mark>, <u>under</u>, <br> and <https://example.org/a_b>.[^1]\n\n"
            "***\n\n[^1]: The footnote.")
    lines = ex.render_note(note)
    # (A '<' in inline code keeps its backslash in a note with a link or a
    # footnote: a backtick there may be the link's, see test_notes_that_once_exported_live_html.)
    assert lines == note.replace("\n## Claims\n", "\n\\## Claims\n").replace("`a<b`", "`a\\<b`").split("\n")
    assert ex.parse_note(lines) == note
    # A fence left open is no fence: it would make the rest of the file code.
    assert ex.render_note("```\ncode <b>") == ["\\```", "code \\<b>"]
    assert ex.render_note("<script>x</script> <b onclick=x>") == ["\\<script>x\\</script> \\<b onclick=x>"]


PIECES = list("#-=*_`~$%^[]()<>!:/\\ \t\nabc1.é\u202e\U0001f600") + [
    "javascript:", "<!--", "-->", "](", "# ", "---", "```", "<!-- reader:annotation base=0 -->", "^ab1",
    "Tags:", "## Claims", "> ", "&amp;", "\\\\", "\n```\n", "\n~~~~\n", "^0123456789", "<mark>", "<https://a.b>",
    "[^1]: ", "***",
]
note_text = st.one_of(
    st.lists(st.sampled_from(PIECES), max_size=40).map("".join),
    st.text(st.characters(exclude_categories=("Cs", "Cc")), max_size=60),
)


HOSTILE_PIECES = ["<u>", "</u>", "<mark>", "<b>", "<i>", "<img src=x onerror=alert(1)>", "<script>x</script>", "\n",
                  "\n\n", "- ", "> ", "  ", "```", "~~~", "`", "``", "\\", "x", "<div>", "[l](javascript:x)", " ",
                  "<https://a`b>", "# ", "[a](/`)", '[a](/u "`")', "| `a |", "| - | - |\n", "$`$", "%%`%%"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(HOSTILE_PIECES), max_size=14).map("".join))
def test_no_note_exports_live_html(note: str) -> None:
    """An inline tag a note keeps, alone on its line, opened a block of raw
    HTML; code spans and fences the exporter misread let an <img onerror>
    through: a note imported from a service is not only the user's text."""
    from markdown_it import MarkdownIt

    lines = ex.render_note(note)
    assert ex.parse_note(lines) == ex.canonical_note(note)
    html = MarkdownIt("commonmark").render("\n".join(lines))
    assert "<img" not in html and "<script" not in html and "<div" not in html and "javascript:" not in html.split(
        "href=")[-1][:12]


@pytest.mark.parametrize("note", [
    "<u>\n<img src=x onerror=alert(1)>", "x \\`<img src=x onerror=alert(1)>`", "x ```<img src=x onerror=alert(1)>``",
    "- a\n\n  ```\n<img src=x onerror=alert(1)>\n  ```", "- <u>\n  <img src=x onerror=alert(1)>",
    "x `<https://a`b> <img src=x onerror=alert(1)> `", "``` <img src=x onerror=alert(1)> ```",
    "a `\nb` <img src=x onerror=alert(1)> `", "[`a`](javascript:alert(1)) `<b>`",
    "[a](/`) <img src=x onerror=alert(1)> [b](/`)", '[a](/u "`") <img src=x onerror=alert(1)> `',
    '[a](/u "x\n`") <img src=x onerror=alert(1)> `', "![a](/`) <img src=x onerror=alert(1)> `",
    "| `a | <img src=x onerror=alert(1)> b` |\n| - | - |",
])
def test_notes_that_once_exported_live_html(note: str) -> None:
    from markdown_it import MarkdownIt

    for md in (MarkdownIt("commonmark"), MarkdownIt("commonmark").enable("table")):
        assert "<img src=x" not in md.render("\n".join(ex.render_note(note)))


@pytest.mark.parametrize("note", ["\\ \\```x", "\\  \\## Note", "\\ \\```<b>  `  <script>x</script>``<div>"])
def test_a_backslash_of_the_users_before_spaces_comes_back(note: str) -> None:
    """A note line of a backslash, spaces and a line the export escapes came
    back without its first backslash: import-notes read it as the export's."""
    assert ex.parse_note(ex.render_note(note)) == note


def test_raw_html_in_a_code_span_is_written_as_typed() -> None:
    """`<div>` in a note's inline code showed as `\\<div>` in the vault; outside
    code, and where a span is left open (it could close on another line,
    and what is between would be HTML), it is escaped as before."""
    assert ex.render_note("Wrap it in `<div class=\"x\">` and `a<b`.") == [
        "Wrap it in `<div class=\"x\">` and `a<b`."]
    assert ex.render_note("`<b>` <img src=x>") == ["`<b>` \\<img src=x>"]
    assert ex.render_note("a `<div>` and `\nb` <img src=x> `") == ["a `\\<div>` and `", "b` \\<img src=x> `"]


@settings(max_examples=300, deadline=None)
@given(note_text)
def test_note_escaping_is_invertible(note: str) -> None:
    canon = ex.canonical_note(note)
    lines = ex.render_note(note)
    assert ex.parse_note(lines) == canon
    for line in lines:
        # No escaped line can end a section when the file is read back.
        assert not ex.SECTION_HEADING.match(line) and not ex.ANY_MARKER.match(line)
        assert not re.match(r"\^[0-9a-f]{10}\s*$", line)  # no ^id as the export writes them


def test_obsidian_tags() -> None:
    assert ex.obsidian_tag("topic/sub") == "topic/sub"
    assert ex.obsidian_tag("c++") == "c"
    assert ex.obsidian_tag("q&a") == "q-a"
    assert ex.obsidian_tag("2024") == "_2024"
    assert ex.obsidian_tag("café/été") == "café/été"
    assert ex.obsidian_tag("a.b:c") == "a-b-c"
    assert ex.tags_line(["claim", "topic/sub", "c++"]) == "Tags: #claim #topic/sub #c"
    assert ex.tags_line([]) == "Tags:"


def test_yaml_strings_cannot_break_the_front_matter() -> None:
    for value in ('a"b', "x\n---\ny: 1", "tab\there", "\u2028line\u2029sep\x85", "back\\slash", "\ufeffbom"):
        out = ex.yaml_str(value)
        assert "\n" not in out and "\u2028" not in out and "\x85" not in out
        assert json.loads(out) == value
    assert ex.yaml_str(None) == "null"


# ---------------------------------------------------------------- selection


def test_default_selection_and_filters(archive, monkeypatch) -> None:
    from reader.core import store as store_mod

    plain = make_article("cafe00000001", "Nothing noted", ["Just text."])
    noted = make_article("cafe00000002", "Only a note", ["More text."])
    marked = make_article("cafe00000003", "Marked", ["Alpha beta. Gamma delta. Epsilon zeta."])
    for a in (plain, noted, marked):
        archive.save(a)
    monkeypatch.setattr(store_mod, "now_iso", lambda: FIXED)  # the note is older than --since below
    archive.set_article_note(noted.id, "a note")
    annotate(archive, marked, "aaaaaaaaa1", "Alpha beta.", ["topic/sub"])
    annotate(archive, marked, "aaaaaaaaa2", "Gamma delta.", ["claim"], updated=LATER)
    assert [i.article.id for i in ex.collect(archive)] == [marked.id, noted.id]  # saved together: by title
    # Named articles are exported even with nothing noted.
    assert [i.article.id for i in ex.collect(archive, ["cafe00000001"])] == [plain.id]
    by_tag = ex.collect(archive, tag="topic")
    assert [(i.article.id, [a.id for a in i.annotations]) for i in by_tag] == [(marked.id, ["aaaaaaaaa1"])]
    since = ex.collect(archive, since=ex.parse_since("2026-11-02"))
    assert [(i.article.id, [a.id for a in i.annotations]) for i in since] == [(marked.id, ["aaaaaaaaa2"])]
    with pytest.raises(ex.ExportError):
        ex.parse_since("last tuesday")


def test_export_to_folder_uses_the_configured_folder(archive, seeded, data_dir: Path, tmp_path: Path) -> None:
    paths = ex.export_to_folder(archive, [SEED_ID])
    assert [p.parent for p in paths] == [data_dir / "exports"]
    (data_dir / "config.toml").write_text(f'[export]\ndir = "{tmp_path / "vault"}"\n')
    paths = ex.export_to_folder(archive)
    assert [p.parent for p in paths] == [tmp_path / "vault"]
    assert ex.export_to_folder(archive, None, tmp_path / "json", fmt="json")[0].suffix == ".json"


def test_a_w3c_annotation_on_changed_text_says_what_the_text_read() -> None:
    from reader.core.models import Annotation, Article, Block

    article = Article(id="abc", title="T", blocks=[Block("paragraph", "At least 32 states have programs.")])
    ann = Annotation("a1", "abc", 0, 18, "At least 32 states", was="At least 30 states")
    assert ex.w3c_annotation(ann, article)["reader:was"] == "At least 30 states"
    ann.was = ""
    assert "reader:was" not in ex.w3c_annotation(ann, article)


def test_a_file_moved_into_a_subfolder_is_written_where_it_now_is(archive, seeded, tmp_path: Path) -> None:
    """A vault filed by topic: the export finds its file in the subfolder the
    user moved it to, instead of writing a second copy at the top."""
    [first] = ex.write_folder(ex.collect(archive), tmp_path, "md")
    (tmp_path / "read" / "2024").mkdir(parents=True)
    moved = tmp_path / "read" / "2024" / first.path.name
    first.path.rename(moved)
    archive.update_annotation("e1e1e1e1e1", note="Changed in the archive.")
    [again] = ex.write_folder(ex.collect(archive), tmp_path, "md")
    assert again.path == moved and again.changed
    assert "Changed in the archive." in moved.read_text(encoding="utf-8")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["read"]  # no second copy
    # Edited where it now is: kept there, as at the top.
    moved.write_text(moved.read_text(encoding="utf-8") + "\nMine.\n", encoding="utf-8")
    archive.update_annotation("e1e1e1e1e1", note="Changed again.")
    [kept] = ex.write_folder(ex.collect(archive), tmp_path, "md")
    assert kept.path == moved and kept.kept and moved.read_text(encoding="utf-8").endswith("Mine.\n")
    # Hidden folders (Obsidian's trash) and folders behind a link are not looked in.
    (tmp_path / ".trash").mkdir()
    moved.rename(tmp_path / ".trash" / moved.name)
    [fresh] = ex.write_folder(ex.collect(archive), tmp_path, "md")
    assert fresh.path.parent == tmp_path
    fresh.path.rename(tmp_path / "read" / fresh.path.name)
    (tmp_path / "linked").symlink_to(tmp_path / "read")
    (tmp_path / "read" / fresh.path.name).rename(tmp_path / "read" / "x.md")
    [found] = ex.write_folder(ex.collect(archive), tmp_path, "md")
    assert found.path == tmp_path / "read" / "x.md"


def test_a_copy_made_in_the_vault_is_left_alone_and_named(archive, seeded, tmp_path: Path) -> None:
    """Obsidian names a copy "X 1.md", which sorts before "X.md": the export
    still writes the file it named, and says the copy holds the article too."""
    [first] = ex.write_folder(ex.collect(archive), tmp_path, "md")
    original = first.path
    copies = [tmp_path / (original.stem + " 1.md"), tmp_path / ("Copy of " + original.name)]
    for copy in copies:
        copy.write_bytes(original.read_bytes())
    archive.update_annotation("e1e1e1e1e1", note="Changed in the archive.")
    [again] = ex.write_folder(ex.collect(archive), tmp_path, "md")
    assert again.path == original and again.changed
    assert sorted(again.copies) == sorted(copies)
    assert "Changed in the archive." in original.read_text(encoding="utf-8")
    for copy in copies:
        assert "Changed in the archive." not in copy.read_text(encoding="utf-8")
    # The title changed since: the shortest name is the original's.
    archive.save(make_article("ffffffffffff", "A new title", [b.text for b in archive.get(SEED_ID).blocks] + ["Updated."],
                              url="https://news.example/2022/10/23/shoigu-calls"))
    assert archive.get(SEED_ID).title == "A new title"
    [renamed] = ex.write_folder(ex.collect(archive), tmp_path, "md")
    assert renamed.path == original and sorted(renamed.copies) == sorted(copies)
    # With only copies left, the shorter of them is the article's file.
    original.unlink()
    [only] = ex.write_folder(ex.collect(archive), tmp_path, "md")
    assert only.path == copies[0] and only.copies == (copies[1],)


def test_a_copy_made_in_a_subfolder_is_left_alone_and_named(archive, seeded, tmp_path: Path) -> None:
    """The same in a vault filed by topic: "X 1.md" beside "X.md" in a
    subfolder was the file written, and the original stayed as it was."""
    [first] = ex.write_folder(ex.collect(archive), tmp_path, "md")
    (tmp_path / "russia").mkdir()
    original = tmp_path / "russia" / first.path.name
    first.path.rename(original)
    copy = original.with_name(original.stem + " 1.md")
    copy.write_bytes(original.read_bytes())
    archive.update_annotation("e1e1e1e1e1", note="Changed in the archive.")
    [again] = ex.write_folder(ex.collect(archive), tmp_path, "md")
    assert again.path == original and again.copies == (copy,)
    assert "Changed in the archive." in original.read_text(encoding="utf-8")
    assert "Changed in the archive." not in copy.read_text(encoding="utf-8")


def test_an_article_whose_last_mark_was_deleted_has_its_file_written_again(archive, tmp_path: Path) -> None:
    """Its file in the vault kept the retracted claim for good: with nothing
    left to export, the article was left out."""
    article = make_article("aaaaaaaaaaaa", "Retracted", ["The minister said the plan would cut costs by half."])
    archive.save(article)
    ann = archive.add_annotation(article.id, 4, 12, tags=["claim"], note="Check it.")
    [first] = ex.export_folder(archive, None, tmp_path)
    assert "Check it." in first.path.read_text(encoding="utf-8")
    archive.delete_annotation(ann.id)
    [again] = ex.export_folder(archive, None, tmp_path)
    assert again.path == first.path and again.changed
    assert "Check it." not in first.path.read_text(encoding="utf-8")
    # An article deleted from the archive leaves its file as it is.
    archive.delete(article.id)
    assert ex.export_folder(archive, None, tmp_path) == [] and first.path.exists()


def test_front_matter_written_again_by_obsidian_is_no_edit(archive, seeded, tmp_path: Path) -> None:
    """Obsidian's properties editor writes the same values its own way (no
    quotes, null as nothing): the file was kept as edited for good, and new
    marks never reached it."""
    [first] = ex.write_folder(ex.collect(archive), tmp_path, "md")
    text = first.path.read_text(encoding="utf-8")
    head, body = text[4:].split("\n---\n", 1)
    lines = []
    for line in head.split("\n"):
        key, _, value = line.partition(": ")
        value = "" if value == "null" else value[1:-1] if value[:1] == '"' and value[-1:] == '"' else value
        lines.append(f"{key}: {value}" if value else f"{key}:")
    rewritten = "---\n" + "\n".join(lines) + "\n---\n" + body
    assert rewritten != text
    first.path.write_text(rewritten, encoding="utf-8")
    archive.update_annotation("e1e1e1e1e1", note="Changed in the archive.")
    [again] = ex.write_folder(ex.collect(archive), tmp_path, "md")
    assert again.changed and not again.kept
    assert "Changed in the archive." in first.path.read_text(encoding="utf-8")
    # A value changed there is an edit.
    text = first.path.read_text(encoding="utf-8")
    first.path.write_text(text.replace("title: ", "title: Mine, ", 1), encoding="utf-8")
    archive.update_annotation("e1e1e1e1e1", note="Changed again.")
    [kept] = ex.write_folder(ex.collect(archive), tmp_path, "md")
    assert kept.kept


def test_a_place_in_the_export_folder_stays_inside_it(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "out").mkdir()
    (tmp_path / "a" / "link").symlink_to(tmp_path / "out")
    assert ex.is_safe_place(tmp_path, "x.md") and ex.is_safe_place(tmp_path, "a/x.md")
    for bad in ("../x.md", "a/../../x.md", "a/link/x.md", ".hidden/x.md", "a//x.md", "missing/x.md", "/x.md"):
        assert not ex.is_safe_place(tmp_path, bad), bad


def test_since_keeps_an_article_note_written_since_even_without_new_marks(archive, monkeypatch) -> None:
    from reader.core import store as store_mod

    old = make_article("cafe00000011", "Noted long ago", ["Old text."])
    new = make_article("cafe00000012", "Noted today", ["New text. More."])
    for a in (old, new):
        archive.save(a)
    monkeypatch.setattr(store_mod, "now_iso", lambda: "2026-10-01T09:00:00Z")
    archive.set_article_note(old.id, "written in October")
    monkeypatch.setattr(store_mod, "now_iso", lambda: "2026-11-05T09:00:00Z")
    archive.set_article_note(new.id, "the best summary so far")
    annotate(archive, new, "aaaaaaaa11", "New text.", ["claim"], updated="2026-10-02T00:00:00Z")

    since = ex.collect(archive, since=ex.parse_since("2026-11-01"))
    assert [(i.article.id, i.note, i.annotations) for i in since] == [(new.id, "the best summary so far", [])]
    assert ex.collect(archive, since=ex.parse_since("2026-12-01")) == []


def test_articles_saved_together_are_exported_in_title_order(archive, tmp_path: Path) -> None:
    """One import saves its articles at one time: a combined document lists
    them by title, not in the order of their ids."""
    for aid, title in (("000000000001", "Zebra crossings"), ("000000000003", "apple harvest"),
                       ("000000000002", "Mountain passes"), ("000000000000", "Written before")):
        article = make_article(aid, title, [f"On {title.lower()}. One two three."])
        if title == "Written before":
            article.saved = "2025-06-01T00:00:00Z"
        archive.save(article)
        annotate(archive, article, aid[-1] * 10, "One two three.", ["claim"])
    assert [i.article.title for i in ex.collect(archive)] == [
        "Written before", "apple harvest", "Mountain passes", "Zebra crossings"]


def test_an_article_with_only_a_note_has_no_empty_annotations_section(archive, tmp_path: Path) -> None:
    article = make_article("0000000000aa", "Only a note", ["Nothing marked here. Nor here."])
    archive.save(article)
    archive.set_article_note(article.id, "Worth reading again.")
    text = ex.render_article_markdown(ex.collect(archive)[0])
    assert "## Note" in text and "Worth reading again." in text
    assert "## Annotations" not in text
    # The note still goes back from the file.
    from reader.core.notes_import import import_notes

    [path] = ex.export_to_folder(archive, None, tmp_path)
    path.write_text(path.read_text(encoding="utf-8").replace("Worth reading again.", "Read it twice."),
                    encoding="utf-8")
    import_notes(archive, [path])
    assert archive.article_note(article.id) == "Read it twice."


def test_nothing_empty_is_written(archive, tmp_path: Path) -> None:
    """No empty heading and no bare "Tags:" line: an article without a note
    has only its (invisible) note marker, a highlight without tags or a note
    ends at its ^id."""
    article = make_article("0000000000bb", "Bare marks", ["A plain highlight here. Another one there."])
    archive.save(article)
    annotate(archive, article, "bbbbbbbbb1", "A plain highlight here.", [])
    annotate(archive, article, "bbbbbbbbb2", "Another one there.", [], "Only a note.")
    [path] = ex.export_to_folder(archive, None, tmp_path)
    text = path.read_text(encoding="utf-8")
    assert "## Note" not in text and "<!-- reader:note base=" in text
    assert not re.search(r"^Tags:", text, re.M)  # (the front matter's tags: key is not one)
    assert "^bbbbbbbbb1\n\n<!-- reader:annotation" in text
    assert text.endswith("^bbbbbbbbb2\n\nOnly a note.\n")
    # No heading is left without text under it before the next heading.
    lines = [x for x in text.split("\n") if x.strip() and not x.startswith("<!-- ")]
    for n, line in enumerate(lines):
        if line.startswith("#"):
            assert n + 1 < len(lines) and not lines[n + 1].startswith("#"), line
    # With a note, the heading is there.
    archive.set_article_note(article.id, "Worth a second look.")
    text = ex.render_article_markdown(ex.collect(archive)[0])
    assert "## Note\n\n<!-- reader:note base=" in text and "Worth a second look." in text


def test_a_note_that_reads_as_a_tags_line_keeps_an_empty_one_over_it(archive) -> None:
    """The one empty line kept: with no Tags: line, import-notes would read a
    note's first line "Tags: ..." as the tags."""
    article = make_article("0000000000cc", "Tags in a note", ["Some words to mark."])
    archive.save(article)
    annotate(archive, article, "ccccccccc1", "Some words", [], "tags: none yet, think of some")
    text = ex.render_article_markdown(ex.collect(archive)[0])
    assert "^ccccccccc1\n\nTags:\n\ntags: none yet, think of some\n" in text
    assert ex.annotation_tail([], "Not tags: this") == ["", "Not tags: this"]
    assert ex.annotation_tail(["\U0001f525"], "") == []  # a tag Obsidian cannot show shows no line


@pytest.mark.parametrize("combined", [False, True])
def test_a_json_export_edited_since_is_kept_unless_forced(archive, seeded, tmp_path: Path, combined: bool) -> None:
    """JSON exports carry their fingerprint as their last top-level key, and
    are kept when edited, as Markdown ones are."""
    def export(**kw) -> ex.Written:
        if combined:
            return ex.write_file(ex.collect(archive), tmp_path / "notes.json", "json", **kw)
        [w] = ex.write_folder(ex.collect(archive), tmp_path, "json", **kw)
        return w

    first = export()
    path = first.path
    text = path.read_text(encoding="utf-8")
    doc = json.loads(text)
    assert list(doc)[0] == "@context" and list(doc)[-1] == "export_hash" and re.fullmatch("[0-9a-f]{16}",
                                                                                           doc["export_hash"])
    rendered = ex.render_json(ex.collect(archive)) if combined else ex.render_article_json(ex.collect(archive)[0])
    assert text == ex.stamp(rendered) and ex.unstamped(text) == rendered
    # Unedited: a change in the archive is written.
    archive.update_annotation("e1e1e1e1e1", note="Changed in the archive.")
    again = export()
    assert again.changed and not again.kept and "Changed in the archive." in path.read_text(encoding="utf-8")
    assert not export().changed
    # CRLF line ends and a byte-order mark are no edit.
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes().replace(b"\n", b"\r\n"))
    archive.update_annotation("e1e1e1e1e1", note="Changed once more.")
    assert export().changed and "Changed once more." in path.read_text(encoding="utf-8")
    # Edited: kept, however the archive changes, until forced.
    edited = path.read_text(encoding="utf-8").replace('"label": "', '"label": "Mine: ')
    path.write_text(edited, encoding="utf-8")
    archive.update_annotation("e1e1e1e1e1", note="Changed again.")
    kept = export()
    assert kept.kept and not kept.changed and path.read_text(encoding="utf-8") == edited
    forced = export(force=True)
    assert forced.changed and not forced.kept
    assert "Changed again." in path.read_text(encoding="utf-8") and "Mine: " not in path.read_text(encoding="utf-8")
    # A file an earlier version wrote (no fingerprint) is rewritten only when it
    # reads as the export would.
    rendered = ex.render_json(ex.collect(archive)) if combined else ex.render_article_json(ex.collect(archive)[0])
    path.write_text(rendered, encoding="utf-8")
    assert export().changed and path.read_text(encoding="utf-8") == ex.stamp(rendered)
    path.write_text(rendered.replace("Changed again.", "Mine."), encoding="utf-8")
    assert export().kept


def test_the_json_fingerprint_sees_any_change() -> None:
    text = ex.stamp('{\n  "a": "x",\n  "b": [\n    1\n  ]\n}\n')
    assert text.endswith(',\n  "export_hash": "' + json.loads(text)["export_hash"] + '"\n}\n')
    assert ex.unstamped(text) == '{\n  "a": "x",\n  "b": [\n    1\n  ]\n}\n'
    assert not ex.edited_since_export(text.encode(), "anything else")
    for changed in (text.replace('"x"', '"y"'), text.replace("1", "2"), text.replace("\n  ", "\n   ")):
        assert ex.edited_since_export(changed.encode(), "anything else")


def test_since_without_a_zone_is_the_users_own_time(monkeypatch) -> None:  # noqa: ANN001
    import time
    from datetime import UTC, datetime

    monkeypatch.setenv("TZ", "Asia/Tokyo")
    time.tzset()
    try:
        assert ex.parse_since("2026-11-02T09:00") == datetime(2026, 11, 2, 0, 0, tzinfo=UTC)
        assert ex.parse_since("2026-11-02") == datetime(2026, 11, 1, 15, 0, tzinfo=UTC)
        assert ex.parse_since("2026-11-02T09:00Z") == datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
    finally:
        monkeypatch.delenv("TZ")
        time.tzset()


def test_a_file_name_keeps_the_combining_marks_of_its_words() -> None:
    """The vowel signs of a Hindi title, a Thai tone mark, were dashes: "ह-न-द-सम-च-र-ल-ख.md"."""
    assert ex.slug("\u0939\u093f\u0928\u094d\u0926\u0940 \u0938\u092e\u093e\u091a\u093e\u0930: \u0932\u0947\u0916") == (
        "\u0939\u093f\u0928\u094d\u0926\u0940-\u0938\u092e\u093e\u091a\u093e\u0930-\u0932\u0947\u0916")
    assert ex.slug("\u0e02\u0e48\u0e32\u0e27 / \u0e02\u0e49\u0e32\u0e27") == "\u0e02\u0e48\u0e32\u0e27-\u0e02\u0e49\u0e32\u0e27"
    assert ex.slug("\u0130stanbul, 1453!") == "istanbul-1453"
    assert ex.slug("\u26a0\ufe0f Warning: heat") == "warning-heat"  # no invisible selector first


def test_an_underscore_inside_a_word_is_not_escaped_and_stays_literal() -> None:
    """`\\_` in a bare address ("data\\_2024") made a renderer's link to it a dead one."""
    from markdown_it import MarkdownIt

    quote = "The report at https://example.org/data_2024/report_final.pdf says _so_ (see __init__)."
    lines = ex.render_quote(quote)
    assert "https://example.org/data_2024/report_final.pdf" in lines[0]
    html = MarkdownIt("commonmark").render("\n".join(lines))
    assert "<em>" not in html and "<strong>" not in html
    assert "data_2024/report_final.pdf says _so_ (see __init__)." in html


def test_long_runs_of_backslashes_and_brackets_in_a_note_come_back() -> None:
    for note in ("\\" * 20000 + "<b x>", "[" * 20000, "x\\" * 10000, "[a" * 2000 + "](javascript:x)"):
        lines = ex.render_note(note)
        assert ex.parse_note(lines) == note
        assert "](javascript:" not in "\n".join(lines).replace("\\[", "")[-40:] or "\\[" in "\n".join(lines)

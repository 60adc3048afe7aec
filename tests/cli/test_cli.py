"""Every command, run as a user would (in-process, temporary data dir)."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pytest

from reader.cli import build_parser

STORY_START = "Russia's Defence Minister Sergei Shoigu on Sunday held rare calls"
STORY_END = 'did not mention the alleged "dirty bomb" provocation in its statement.'


def _add_seed(cli, seed_path: Path, *options: str) -> str:
    result = cli("add", seed_path, *options)
    assert result.code == 0, result.err
    return result.out.split()[0]


def test_version_and_help_on_every_command(cli) -> None:
    result = cli("--version")
    assert result.code == 0 and result.out.startswith("reader ")
    parser = build_parser()
    commands = [a for a in parser._subparsers._group_actions[0].choices]  # noqa: SLF001
    assert {"add", "list", "show", "fold", "annotate", "notes", "note", "fold-rule"} <= set(commands)
    for name in commands:
        result = cli(name, "--help")
        assert result.code == 0, name
        assert "usage: reader " + name in result.out


def test_no_command_opens_the_archive_and_mistakes_get_the_full_usage(cli, monkeypatch, data_dir: Path) -> None:  # noqa: ANN001
    """With no command the app opens (the commands' parser is not even built);
    an unknown command or a bad option still gets the whole usage."""
    from reader import cli as cli_module

    opened = []
    monkeypatch.setattr(cli_module, "cmd_tui", lambda args: opened.append(args.data_dir) or 0)
    assert cli("--data-dir", data_dir).code == 0 and opened == [str(data_dir)]
    result = cli("nosuch")
    assert result.code == 2 and "invalid choice: 'nosuch'" in result.err and "'export'" in result.err
    result = cli("--data-dir")
    assert result.code == 2 and "expected one argument" in result.err and "COMMAND" in result.err
    result = cli("--bogus")
    assert result.code == 2 and "unrecognized arguments: --bogus" in result.err
    assert "COMMAND" in cli("--help").out and opened == [str(data_dir)]


def test_add_says_what_the_archive_folds_with_the_sites_repeated_blocks(cli, tmp_path: Path) -> None:
    footer = "The Harbour Ledger is an independent newsroom funded by its readers, since 1998."
    stories = {
        "ferry": "The harbour authority will run the evening ferry an hour later from the first week of June.",
        "playground": "Children tried out the new climbing frame on Dock Street on Saturday, two years on.",
        "market": "The weekly fish market will move into the old customs hall from November this year.",
    }
    for n, (name, text) in enumerate(stories.items()):
        (tmp_path / f"{n}-{name}.html").write_text(
            f'<html><head><title>{name}</title><link rel="canonical" href="https://harbourledger.example/{n}">'
            f"</head><body><article><h1>{name}</h1><p>{text}</p><p>{text} Then more of it.</p>"
            f"<p>{footer}</p></article></body></html>", encoding="utf-8")
    result = cli("add", tmp_path)
    assert result.code == 0
    lines = result.out.strip().split("\n")
    # The first page alone cannot tell its footer from the story; from the
    # second on, the footer stands on two articles of the site and folds.
    said = [int(line.rsplit("(", 1)[1].split()[0]) for line in lines]
    assert said[0] + 1 == said[1] == said[2]
    # As many as `reader show` folds, the footer among them.
    shown = cli("show", lines[2].split()[0]).out
    runs = re.findall(r"\u25b8 (\d+) blocks? folded: (.*)", shown)
    assert sum(int(n) for n, _reasons in runs) == said[2]
    assert footer not in shown and any("repeated on 3 articles" in reasons for _n, reasons in runs)


def test_add_list_show(cli, seed_path: Path) -> None:
    result = cli("add", seed_path)
    assert result.code == 0
    short, *rest = result.out.strip().split("  ")
    assert len(short) == 8
    assert "Russia Discusses Ukraine" in result.out
    assert "blocks folded" in result.out

    listing = cli("list")
    assert short in listing.out and "Russia Discusses Ukraine" in listing.out

    data = json.loads(cli("list", "--json").out)
    assert len(data) == 1
    row = data[0]
    for key in ("id", "title", "site", "url", "saved", "tags", "annotations"):
        assert key in row
    assert row["annotations"] == 0 and row["id"].startswith(short)

    shown = cli("show", short[:4]).out
    assert STORY_START in shown and STORY_END in shown
    assert "Sign up for our free weekly newsletter" not in shown
    assert "\u25b8 " in shown and "folded: " in shown and "newsletter sign-up" in shown
    everything = cli("show", short, "--all").out
    assert "Sign up for our free weekly newsletter" in everything
    assert "Remind me later." in everything


def test_list_says_where_it_cuts_a_long_site_short(cli, tmp_path: Path) -> None:
    """"coastalherald.example.co" read as a domain of its own."""
    page = tmp_path / "harbor.html"
    page.write_text("<html><head><title>Harbor council votes</title></head><body><article><h1>Harbor council votes"
                    "</h1><p>" + "The council approved the flood wall on Tuesday after a long debate. " * 4 +
                    "</p></article></body></html>")
    assert cli("add", page, "--url", "https://coastalherald.example.com/news/1").code == 0
    [line] = cli("list").out.splitlines()
    assert "coastalherald.example.c\u2026" in line and "coastalherald.example.co " not in line


def test_mark_read_and_list_by_state(cli, seed_path: Path) -> None:
    short = _add_seed(cli, seed_path)
    row = json.loads(cli("list", "--json").out)[0]
    assert row["read"] is False and row["read_at"] is None
    assert short in cli("list", "--unread").out
    assert cli("list", "--read").out.strip() == "No read articles."
    marked = cli("mark-read", short[:4])
    assert marked.code == 0 and "(read)" in marked.out
    row = json.loads(cli("list", "--json").out)[0]
    assert row["read"] is True and row["read_at"].endswith("Z")
    assert short in cli("list", "--read").out and short not in cli("list", "--unread").out
    assert cli("mark-read", short, "--unread").code == 0
    assert short in cli("list", "--unread").out
    bad = cli("mark-read", short, "ffffffff")  # an unknown id: nothing changes
    assert bad.code != 0 and "ffffffff" in bad.err
    assert short in cli("list", "--unread").out


def test_same_content_twice_is_one_article(cli, seed_path: Path, tmp_path: Path) -> None:
    copy = tmp_path / "copy-of-seed.txt"
    copy.write_bytes(seed_path.read_bytes())
    cli("add", seed_path)
    again = cli("add", copy)
    assert again.code == 0 and "already in the archive" in again.out
    assert len(json.loads(cli("list", "--json").out)) == 1


def test_add_with_tag_of_a_file_already_here_tags_the_article(cli, seed_path: Path, tmp_path: Path) -> None:
    # Added once without a tag; added again (the same file, or a copy) with
    # one: the article gets the tag, and the line says so.
    short = _add_seed(cli, seed_path)
    copy = tmp_path / "copy-of-seed.txt"
    copy.write_bytes(seed_path.read_bytes())
    again = cli("add", copy, "--tag", "Thesis", "--tag", "sources")
    assert again.code == 0 and "already in the archive" in again.out and "tagged #sources #thesis" in again.out
    (row,) = json.loads(cli("list", "--json").out)
    assert row["id"].startswith(short) and row["tags"] == ["sources", "thesis"]
    same = cli("add", seed_path, "--tag", "thesis")
    assert same.code == 0 and "tagged" not in same.out


def test_add_with_url_of_a_file_already_here_records_the_url_it_lacks(cli, seed_path: Path, tmp_path: Path) -> None:
    # Added once from the file alone; added again with the address it came
    # from: the article takes the address (and its site), and the line says so.
    short = _add_seed(cli, seed_path)
    copy = tmp_path / "copy-of-seed.txt"
    copy.write_bytes(seed_path.read_bytes())
    url = "https://www.themoscowtimes.com/2022/10/23/russia"
    again = cli("add", copy, "--url", url, "--tag", "ukraine")
    assert again.code == 0, again.err
    assert "(already in the archive; source URL recorded)  (tagged #ukraine)" in again.out
    (row,) = json.loads(cli("list", "--json").out)
    assert row["id"].startswith(short) and row["url"] == url and row["site"] == "themoscowtimes.com"
    # A fold rule of that site now applies to it.
    text = "It added that the call was requested by the Russian side."
    assert cli("fold-rule", "add", "--site", "themoscowtimes.com", text).code == 0
    assert text not in cli("show", short).out
    # An address it has is never replaced: the line says which it has.
    other = cli("add", seed_path, "--url", "https://example.org/elsewhere")
    assert other.code == 0, other.err
    assert f"(already in the archive; it already has the source URL {url}: --url not recorded)" in other.out
    assert json.loads(cli("list", "--json").out)[0]["url"] == url
    same = cli("add", seed_path, "--url", url)
    assert same.code == 0 and same.out.rstrip().endswith("(already in the archive)")
    assert cli("doctor").code == 0


def test_add_with_url_of_another_article_records_nothing(cli, seed_path: Path, tmp_path: Path) -> None:
    # An address names one article: a file already here (without one) is not
    # given the address of another.
    short = _add_seed(cli, seed_path)
    note = tmp_path / "note.txt"
    note.write_text("The pier will close for repairs next spring, the council said on Monday.\n")
    url = "https://example.org/pier"
    pier = cli("add", note, "--url", url).out.split()[0]
    again = cli("add", seed_path, "--url", url)
    assert again.code == 0, again.err
    assert f"(already in the archive; {url} is the source URL of {pier} already: --url not recorded)" in again.out
    rows = {r["id"][:8]: r for r in json.loads(cli("list", "--json").out)}
    assert rows[short]["url"] is None and rows[short]["site"] is None and rows[pier]["url"] == url


def test_add_with_site_of_a_file_already_here_records_the_site_it_lacks(cli, seed_path: Path) -> None:
    short = _add_seed(cli, seed_path)
    again = cli("add", seed_path, "--site", "WWW.TheMoscowTimes.com")
    assert again.code == 0 and "(already in the archive; site recorded)" in again.out
    (row,) = json.loads(cli("list", "--json").out)
    assert row["id"].startswith(short) and row["site"] == "themoscowtimes.com" and row["url"] is None
    other = cli("add", seed_path, "--site", "example.org")
    assert other.code == 0
    assert "(already in the archive; it already has the site themoscowtimes.com: --site not recorded)" in other.out
    assert json.loads(cli("list", "--json").out)[0]["site"] == "themoscowtimes.com"
    # The address it lacks is still taken; its site stays the one given.
    url = "https://www.themoscowtimes.com/2022/10/23/russia"
    both = cli("add", seed_path, "--url", url)
    assert both.code == 0 and "(already in the archive; source URL recorded)" in both.out
    (row,) = json.loads(cli("list", "--json").out)
    assert row["url"] == url and row["site"] == "themoscowtimes.com"


def test_add_with_url_and_site_of_a_file_already_here(cli, seed_path: Path) -> None:
    _add_seed(cli, seed_path)
    url = "https://mirror.example.net/russia"
    res = cli("add", seed_path, "--url", url, "--site", "themoscowtimes.com")
    assert res.code == 0 and "(already in the archive; source URL and site recorded)" in res.out
    (row,) = json.loads(cli("list", "--json").out)
    assert row["url"] == url and row["site"] == "themoscowtimes.com"


def test_add_reports_bad_files_and_goes_on(cli, seed_path: Path, tmp_path: Path) -> None:
    folder = tmp_path / "saved"
    (folder / "sub").mkdir(parents=True)
    (folder / "sub" / "seed.txt").write_bytes(seed_path.read_bytes())
    (folder / "empty.md").write_text("")
    (folder / "page.html").write_text("<html><body><h1>Hello page</h1><p>" + "Some words here. " * 30 + "</p></body></html>")
    result = cli("add", folder, tmp_path / "missing.html")
    assert result.code == 1
    assert "empty.md: empty file" in result.err
    assert "missing.html: no such file" in result.err
    assert len(result.out.strip().splitlines()) == 2
    assert len(json.loads(cli("list", "--json").out)) == 2


def test_unknown_and_ambiguous_ids(cli, seed_path: Path) -> None:
    _add_seed(cli, seed_path)
    result = cli("show", "ffffffff")
    assert result.code == 1 and result.err.startswith("reader: no article")
    assert "\n" not in result.err.strip()
    result = cli("show", "xyz")
    assert result.code == 1 and "hexadecimal" in result.err


def test_fold_jsonl_without_touching_the_archive(cli, seed_path: Path, data_dir: Path) -> None:
    result = cli("fold", seed_path, "--format", "jsonl")
    assert result.code == 0
    obj = json.loads(result.out)
    assert set(obj) >= {"path", "title", "blocks", "visible_text"}
    assert obj["path"] == str(seed_path)
    for block in obj["blocks"]:
        assert set(block) >= {"kind", "text", "boilerplate", "reason"}
        assert isinstance(block["boilerplate"], bool)
        if block["boilerplate"]:
            assert block["reason"]
    visible = [b["text"] for b in obj["blocks"] if not b["boilerplate"]]
    assert obj["visible_text"] == "\n\n".join(visible)
    assert STORY_START in obj["visible_text"] and STORY_END in obj["visible_text"]
    assert "newsletter" not in obj["visible_text"].lower()
    assert not (data_dir / "archive").exists()


def test_fold_takes_a_thousand_paths(cli, seed_path: Path, tmp_path: Path) -> None:
    paths = []
    for i in range(1000):
        p = tmp_path / f"a{i:04}.txt"
        p.write_text(f"Headline number {i}\n\nThis is article {i}. It has a sentence or two of text to fold.\n")
        paths.append(p)
    result = cli("fold", *paths, "--format", "jsonl")
    assert result.code == 0
    assert len(result.out.splitlines()) == 1000


def test_fold_on_a_folder_without_articles_says_so(cli, tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    (tmp_path / "pdfs").mkdir()
    (tmp_path / "pdfs" / "paper.pdf").write_bytes(b"%PDF-1.4")
    for folder in ("empty", "pdfs"):
        result = cli("fold", tmp_path / folder)
        assert result.code == 1
        assert result.out == ""
        assert "nothing to fold" in result.err


def test_adding_a_folder_says_which_files_it_skipped(cli, seed_path: Path, tmp_path: Path) -> None:
    """A folder's .pdf and .docx were passed over without a word."""
    folder = tmp_path / "saved"
    folder.mkdir()
    (folder / "seed.txt").write_text(seed_path.read_text(encoding="utf-8"), encoding="utf-8")
    (folder / "paper.pdf").write_bytes(b"%PDF-1.4")
    (folder / "draft.docx").write_bytes(b"PK")
    result = cli("add", folder)
    assert result.code == 0, result.err
    assert "skipped 2 files of other kinds (.docx, .pdf): reader reads .html, .txt and .md" in result.err
    (folder / "seed.txt").unlink()
    result = cli("add", folder)
    assert result.code == 1 and "nothing to add" in result.err and "(.docx, .pdf)" in result.err


def test_a_quoted_path_under_the_home_folder_is_found(cli, seed_path: Path) -> None:
    """`reader add '~/Saved pages'`: the shell leaves a quoted ~ as it is."""
    folder = Path.home() / "Saved pages"
    folder.mkdir()
    (folder / "seed.txt").write_text(seed_path.read_text(encoding="utf-8"), encoding="utf-8")
    result = cli("add", "~/Saved pages")
    assert result.code == 0, result.err
    assert "Russia Discusses Ukraine" in result.out


def test_fold_text_format_names_reasons(cli, seed_path: Path) -> None:
    out = cli("fold", seed_path).out
    assert out.startswith(f"== {seed_path}: Russia Discusses Ukraine")
    assert "blocks folded: " in out


def test_annotate_notes_note(cli, seed_path: Path) -> None:
    short = _add_seed(cli, seed_path)
    result = cli("annotate", short, "--quote", "dirty bomb", "--tag", "claim", "--note", "Unsourced")
    assert result.code == 0
    ann_id = result.out.strip()
    assert len(ann_id) == 10
    second = cli("annotate", short, "--quote", "Wallace \"refuted\"  claims", "--tag", "evidence").out.strip()
    notes = json.loads(cli("notes", short, "--json").out)["annotations"]
    assert [n["id"] for n in notes] == [ann_id, second]  # text order
    first = notes[0]
    assert first["quote"] == "dirty bomb" and first["tags"] == ["claim"] and first["note"] == "Unsourced"
    assert first["end"] - first["start"] == len("dirty bomb")
    assert first["orphaned"] is False

    assert cli("note", ann_id[:5], "--set", "Now sourced", "--tag", "topic/Nuclear", "--untag", "claim").code == 0
    changed = json.loads(cli("notes", short, "--json").out)["annotations"][0]
    assert changed["note"] == "Now sourced" and changed["tags"] == ["topic/nuclear"]
    assert "#topic/nuclear" in cli("notes", short).out

    listed = json.loads(cli("list", "--json").out)[0]
    assert listed["annotations"] == 2

    both = cli("note", ann_id, "--tag", "evidence", "--untag", "Evidence")
    assert both.code == 1 and "both --tag and --untag" in both.err
    mixed = cli("note", ann_id, "--delete", "--set", "keep me")
    assert mixed.code == 1 and "--delete takes no --set" in mixed.err
    assert len(json.loads(cli("notes", short, "--json").out)["annotations"]) == 2  # nothing done
    assert cli("note", ann_id, "--delete").code == 0
    assert len(json.loads(cli("notes", short, "--json").out)["annotations"]) == 1


def test_annotate_run_again_marks_nothing_twice(cli, seed_path: Path) -> None:
    short = _add_seed(cli, seed_path)
    args = ("annotate", short, "--quote", "dirty bomb", "--tag", "Claim", "--note", "Unsourced ")
    first = cli(*args)
    again = cli(*args)
    assert again.code == 0 and again.out == first.out and "already marked so" in again.err
    assert len(json.loads(cli("notes", short, "--json").out)["annotations"]) == 1
    # Another tag or note on the same words is another mark.
    other = cli("annotate", short, "--quote", "dirty bomb", "--tag", "question")
    assert other.code == 0 and other.out != first.out
    assert len(json.loads(cli("notes", short, "--json").out)["annotations"]) == 2


def test_the_article_note_is_set_shown_and_removed(cli, seed_path: Path) -> None:
    short = _add_seed(cli, seed_path)
    ann = cli("annotate", short, "--quote", "dirty bomb", "--tag", "claim", "--note", "Unsourced").out.strip()
    r = cli("note", "--article", short, "--set", "The ministry's line,\nrepeated.")
    assert r.code == 0 and "(note set)" in r.out
    assert cli("note", "--article", short).out == "The ministry's line,\nrepeated.\n"
    out = cli("notes", short).out.splitlines()
    assert out[:4] == ["Article note:", "    The ministry's line,", "    repeated.", ""]
    assert out[4].startswith(ann) and "    Unsourced" in out
    data = json.loads(cli("notes", short, "--json").out)
    assert data["note"] == "The ministry's line,\nrepeated." and [a["id"] for a in data["annotations"]] == [ann]
    md = cli("export", short, "--out", "-").out
    assert "The ministry's line," in md
    # The annotation is untouched; the note goes with an empty --set.
    one = json.loads(cli("note", ann).out)
    assert one["note"] == "Unsourced"
    # The same fields as in `notes --json` (it said "exact" for "quote", and had no "was").
    [listed] = json.loads(cli("notes", short, "--json").out)["annotations"]
    assert one == listed and one["quote"] and "was" in one
    r = cli("note", "--article", short, "--set", "")
    assert r.code == 0 and "(note removed)" in r.out
    assert json.loads(cli("notes", short, "--json").out)["note"] == ""
    # One target, and only --set with --article.
    for args in (("note",), ("note", ann, "--article", short), ("note", "--article", short, "--delete"),
                 ("note", "--article", short, "--tag", "x")):
        r = cli(*args)
        assert r.code == 1 and r.err.strip().count("\n") == 0, args
    assert cli("note", "--article", "ffff", "--set", "x").code == 1


def test_re_adding_changed_text_says_which_notes_now_stand_on_changed_text(cli, seed_path: Path,
                                                                          tmp_path: Path) -> None:
    copy = tmp_path / "seed.txt"
    copy.write_text(seed_path.read_text(encoding="utf-8"), encoding="utf-8")
    short = _add_seed(cli, copy)
    assert cli("annotate", short, "--quote", "Pentagon chief Lloyd Austin", "--note", "check").code == 0
    assert cli("annotate", short, "--quote", "dirty bomb").code == 0
    copy.write_text(copy.read_text(encoding="utf-8").replace("Pentagon chief", "US Defense Secretary"),
                    encoding="utf-8")
    result = cli("add", copy)
    assert result.code == 0
    assert f"2 notes kept, 1 of them on text that changed (`reader notes {short}`)" in result.out
    shown = cli("notes", short).out
    assert "\u201cUS Defense Secretary Lloyd Austin\u201d" in shown
    assert "(the text changed; when marked it read \u201cPentagon chief Lloyd Austin\u201d)" in shown
    notes = json.loads(cli("notes", short, "--json").out)["annotations"]
    assert [n["was"] for n in notes if n["note"] == "check"] == ["Pentagon chief Lloyd Austin"]
    assert [n["was"] for n in notes if n["quote"] == "dirty bomb"] == [None]


def test_annotate_takes_the_first_occurrence_the_reader_can_see(cli, seed_path: Path, data_dir: Path) -> None:
    short = _add_seed(cli, seed_path)
    # The seed's folded photo credit names Shoigu before the story does.
    from reader.core.store import Archive

    with Archive(data_dir) as archive:
        article = archive.get(archive.resolve(short))
    first = article.text.index("Shoigu")
    assert article.blocks[article.block_at(first)].boilerplate
    ann_id = cli("annotate", short, "--quote", "Shoigu").out.strip()
    note = json.loads(cli("notes", short, "--json").out)["annotations"][0]
    assert note["id"] == ann_id and note["start"] > first
    assert not article.blocks[article.block_at(note["start"])].boilerplate


def test_annotate_unknown_quote_lists_near_matches(cli, seed_path: Path) -> None:
    short = _add_seed(cli, seed_path)
    result = cli("annotate", short, "--quote", "Shoigu held phone calls with his Turkish counterparts")
    assert result.code == 1
    assert "not in" in result.err and "near matches" in result.err
    assert "Turkish counterpart Hulusi Akar" in result.err


def test_fold_rules_cli(cli, seed_path: Path) -> None:
    short = _add_seed(cli, seed_path)
    text = "It added that the call was requested by the Russian side."
    added = cli("fold-rule", "add", "--article", short, text)
    assert added.code == 0 and added.err == ""
    rule_id = added.out.split()[0]
    # A rule for text no block of the article reads is kept, with a word of warning.
    typo = cli("fold-rule", "add", "--article", short, "It added that the call was requested by the Russians.")
    assert typo.code == 0 and f"no block of {short} reads so now" in typo.err
    assert cli("fold-rule", "remove", typo.out.split()[0]).code == 0
    # A site no article is from, or none at all: kept, and said.
    for args, said in ((("--site", "themoscowtimes.comm"), "no article of the archive is from themoscowtimes.comm"),
                       ((), "a rule for the articles with no site")):
        odd = cli("fold-rule", "add", *args, "Donate now")
        assert odd.code == 0 and said in odd.err, odd.err
        assert cli("fold-rule", "remove", odd.out.split()[0]).code == 0
    assert text not in cli("show", short).out
    assert "marked by you" in cli("show", short).out
    rules = json.loads(cli("fold-rule", "list", "--json").out)
    assert rules[0]["id"] == rule_id and rules[0]["action"] == "fold"
    # The same rule again keeps its id; the other action replaces it, and says so.
    again = cli("fold-rule", "add", "--article", short, text)
    assert again.out.split()[0] == rule_id and "(already a rule)" in again.out
    shown = cli("fold-rule", "add", "--article", short, "--show", text)
    assert f"(replaces rule {rule_id}, which said fold)" in shown.out
    assert cli("fold-rule", "remove", shown.out.split()[0]).code == 0
    assert cli("fold-rule", "add", "--article", short, text).code == 0
    rule_id = json.loads(cli("fold-rule", "list", "--json").out)[0]["id"]
    assert cli("fold-rule", "remove", rule_id).code == 0
    assert text in cli("show", short).out


def test_a_site_is_named_as_the_user_types_it(cli, seed_path: Path) -> None:
    added = cli("add", "--site", "WWW.TheMoscowTimes.com", seed_path)
    short = added.out.split()[0]
    assert " themoscowtimes.com " in cli("list").out
    text = "It added that the call was requested by the Russian side."
    rule = cli("fold-rule", "add", "--site", "https://www.themoscowtimes.com/news", text)
    assert rule.code == 0 and "on themoscowtimes.com:" in rule.out
    assert "1 block folded: marked by you" in cli("show", short).out
    listed = cli("fold-rule", "list", "--site", "www.TheMoscowTimes.com").out
    assert rule.out.split()[0] in listed and "themoscowtimes.com" in listed


def test_fold_rules_list_one_rule_a_line(cli) -> None:
    poem = "The first line of a verse\nthe second line of it"
    long = "A long appeal to the readers of the site " * 4
    for text in (poem, long):
        assert cli("fold-rule", "add", "--site", "example.com", text).out.count("\n") == 1
    lines = cli("fold-rule", "list").out.splitlines()
    assert len(lines) == 2
    assert any(line.endswith("The first line of a verse the second line of it") for line in lines)
    cut = next(line for line in lines if "A long appeal" in line)
    assert cut.endswith("\u2026") and len(cut[cut.index("A long appeal"):]) == 80


@pytest.mark.parametrize("site", ["TheMoscowTimes.com", "www.themoscowtimes.com", "https://www.themoscowtimes.com/news/"])
def test_a_fold_rule_site_is_written_as_articles_name_their_site(cli, seed_path: Path, site: str) -> None:
    """A site typed with capitals, www. or as an address names the same site
    as the articles' (a rule on "NPR.org" folds on npr.org articles)."""
    short = _add_seed(cli, seed_path, "--url", "https://www.themoscowtimes.com/2022/10/23/x")
    text = "It added that the call was requested by the Russian side."
    added = cli("fold-rule", "add", "--site", site, text)
    assert added.code == 0, added.err
    assert "fold on themoscowtimes.com:" in added.out
    assert text not in cli("show", short).out
    assert [r["site"] for r in json.loads(cli("fold-rule", "list", "--site", site, "--json").out)] == \
        ["themoscowtimes.com"]


@pytest.mark.parametrize("option,value,why", [
    ("--url", "javascript:alert(1)", "only http and https"),
    ("--url", "not an address", "not a web address"),
    ("--site", "Evil\nSite\x1b]0;owned\x07", "not a site name"),
    ("--site", "   ", "not a site name"),
])
def test_add_refuses_a_url_or_site_that_is_not_one(cli, seed_path: Path, option: str, value: str, why: str) -> None:
    result = cli("add", seed_path, option, value)
    assert result.code == 2, result.out
    assert why in result.err and "\x1b" not in result.err
    assert json.loads(cli("list", "--json").out) == []  # nothing stored


def test_add_writes_a_site_as_articles_name_theirs(cli, seed_path: Path) -> None:
    _add_seed(cli, seed_path, "--site", "WWW.TheMoscowTimes.com", "--url", " https://www.themoscowtimes.com/x ")
    row = json.loads(cli("list", "--json").out)[0]
    assert row["site"] == "themoscowtimes.com" and row["url"] == "https://www.themoscowtimes.com/x"


def test_an_id_longer_than_any_article_id_names_none(cli, seed_path: Path) -> None:
    """Extra characters after a whole id are a typo, not a prefix: `mark-read`
    of two ids run together must not mark the first."""
    _add_seed(cli, seed_path)
    full = json.loads(cli("list", "--json").out)[0]["id"]
    for extra in ("0", "abc", full):
        result = cli("mark-read", full + extra)
        assert result.code == 1 and f"no article {full + extra}" in result.err
    assert json.loads(cli("list", "--json").out)[0]["read"] is False
    assert cli("show", full).code == 0


def test_data_dir_option_beats_the_environment(cli, seed_path: Path, tmp_path: Path) -> None:
    other = tmp_path / "elsewhere"
    assert cli("add", seed_path, "--data-dir", other).code == 0
    assert (other / "archive").is_dir()
    listing = cli("list", "--json", "--data-dir", other)
    assert len(json.loads(listing.out)) == 1
    assert json.loads(cli("list", "--json").out) == []


def test_progress_bar_only_on_a_terminal_and_only_for_many_files(monkeypatch) -> None:  # noqa: ANN001
    import io
    import sys

    from reader.cli import Progress

    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    out, err = Tty(), Tty()
    monkeypatch.setattr(sys, "stdout", out)
    monkeypatch.setattr(sys, "stderr", err)
    bar = Progress(10, "Adding")
    assert bar.on
    bar.step()
    bar.print("abc123  A title  (2 blocks folded)")
    bar.close()
    assert "Adding" in err.getvalue() and "1/10" in err.getvalue() and "\u2588" in err.getvalue()
    assert out.getvalue() == "abc123  A title  (2 blocks folded)\n"  # result lines stay clean
    assert not Progress(3, "Adding").on  # a few files: no bar
    monkeypatch.setattr(sys, "stdout", io.StringIO())
    assert not Progress(10, "Adding").on  # output piped: no bar


def test_add_many_files_keeps_their_order_and_reports_the_bad_one(cli, seed_path: Path, tmp_path: Path) -> None:
    from reader.core.ingest import PARALLEL_MIN_FILES

    folder = tmp_path / "many"
    folder.mkdir()
    seed = seed_path.read_text(encoding="utf-8")
    n = PARALLEL_MIN_FILES + 4
    for i in range(n):
        (folder / f"{i:03}.txt").write_text("" if i == 5 else f"Copy {i:03} of the story\n\n{seed}", encoding="utf-8")
    result = cli("add", folder, tmp_path / "typo.txt")
    assert result.code == 1
    assert "005.txt: empty file" in result.err and "typo.txt: no such file" in result.err
    assert f"2 of {n + 1} files could not be added" in result.err
    from reader.core.ingest import ingest_file

    shown = [line.split()[0] for line in result.out.strip().splitlines()]
    expected = [ingest_file(folder / f"{i:03}.txt").id[: len(shown[0])] for i in range(n) if i != 5]
    assert shown == expected  # one line per file, in the files' order
    assert len(json.loads(cli("list", "--json").out)) == n - 1
    one = cli("add", folder, tmp_path / "typo.txt", "--jobs", "1", "--data-dir", tmp_path / "other")
    assert (one.code, one.out) == (1, result.out)  # one process reads the same
    bad = cli("add", folder, "--jobs", "0")
    assert bad.code == 2 and "must be at least 1" in bad.err


def test_add_reads_a_pasted_article_from_standard_input(cli, seed_path: Path, monkeypatch) -> None:  # noqa: ANN001
    """`reader add -`: text copied from a browser, pasted or piped in, is an
    article like a saved .txt file (its junk folded), with --title and --url."""
    import io

    text = seed_path.read_bytes()
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(text)))
    result = cli("add", "-", "--url", "https://www.themoscowtimes.com/2022/10/23/russia", "--tag", "ukraine")
    assert result.code == 0, result.err
    assert "Russia Discusses Ukraine" in result.out and "folded" in result.out
    [row] = json.loads(cli("list", "--json").out)
    assert row["site"] == "themoscowtimes.com" and row["tags"] == ["ukraine"]
    shown = cli("show", row["id"]).out
    assert "Shoigu on Sunday held rare calls" in shown and "donation appeal" in shown
    # The same text again is the same article; a title of one's own is taken.
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(text)))
    assert "(already in the archive)" in cli("add", "-").out
    page = b"<!DOCTYPE html><html><head><title>Pier</title></head><body><p>" + b"The pier will close for repairs. " * 5 + b"</p></body></html>"
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(page)))
    added = cli("add", "-", "--title", "The pier closes\x1b[31m")
    assert added.code == 0 and "The pier closes" in added.out and "\x1b" not in added.out
    assert "The pier will close" in cli("show", added.out.split()[0]).out
    # A title of one's own over a text with a headline: the headline is not
    # folded as "title (shown above)", since it is not the title shown.
    story = b"Headline here\n\n" + b"The ferry will run an hour later from June, the harbour authority said. " * 3
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(story)))
    mine = cli("add", "-", "--title", "My own title")
    shown = cli("show", mine.out.split()[0]).out
    assert shown.startswith("My own title\n") and "# Headline here\n" in shown and "title (shown above)" not in shown
    # Nothing piped in, or --title without -: one clear line.
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"  \n")))
    empty = cli("add", "-")
    assert empty.code == 1 and "nothing on standard input" in empty.err
    assert cli("add", seed_path, "--title", "x").code == 1


def test_tag_list_and_rename_across_the_archive(cli, seed_path: Path) -> None:
    short = _add_seed(cli, seed_path)
    first = cli("annotate", short, "--quote", "dirty bomb", "--tag", "claim", "--tag", "topic/Nuclear").out.strip()
    second = cli("annotate", short, "--quote", "Wallace", "--tag", "topic/nuclear/uk").out.strip()
    listed = cli("tag", "list")
    assert listed.code == 0
    assert "#topic/nuclear/uk" in listed.out and "#claim" in listed.out
    assert {"tag": "topic/nuclear", "marks": 1, "articles": 1} in json.loads(cli("tag", "list", "--json").out)

    result = cli("tag", "rename", "topic/nuclear", "topic/nukes")
    assert result.code == 0, result.err
    assert "#topic/nuclear renamed to #topic/nukes: 2 marks on 1 article" in result.out
    tags = {a["id"]: a["tags"] for a in json.loads(cli("notes", short, "--json").out)["annotations"]}
    assert tags == {first: ["claim", "topic/nukes"], second: ["topic/nukes/uk"]}

    merged = cli("tag", "rename", "topic/nukes/uk", "topic/nukes")
    assert "merged into #topic/nukes" in merged.out

    missing = cli("tag", "rename", "nothing", "x")
    assert missing.code != 0 and "no tag #nothing" in missing.err
    builtin = cli("tag", "rename", "claim", "assertion")
    assert builtin.code != 0 and "built in" in builtin.err


def test_a_tag_renamed_here_keeps_its_new_name_when_the_export_is_imported_again(cli, tmp_path: Path) -> None:
    export = tmp_path / "pocket.csv"
    export.write_text("title,url,time_added,tags,status\nA paper,https://example.com/a,1700000000,"
                      "Research Papers|Research Papers/Biology,unread\n", encoding="utf-8")
    assert cli("import", "pocket", export).code == 0
    assert cli("tag", "rename", "research-papers", "research").code == 0
    again = cli("import", "pocket", export)
    assert again.code == 0 and "given new tags" not in again.out
    tags = [t["tag"] for t in json.loads(cli("tag", "list", "--json").out)]
    assert "research" in tags and "research/biology" in tags and not any(t.startswith("research-papers") for t in tags)


def test_a_tag_an_export_brought_as_it_was_can_be_renamed(cli, tmp_path: Path) -> None:
    """An emoji label from Pocket is kept as it was (no tag would be left of
    it written the usual way); `reader tag rename` takes it as listed."""
    export = tmp_path / "pocket.csv"
    export.write_text("title,url,time_added,tags,status\nHot take,https://example.com/hot,1700000000,\U0001f525|ok,"
                      "unread\n", encoding="utf-8")
    assert cli("import", "pocket", export).code == 0
    assert "#\U0001f525" in cli("tag", "list").out
    renamed = cli("tag", "rename", "\U0001f525", "hot")
    assert renamed.code == 0, renamed.err
    listed = cli("tag", "list").out
    assert "#hot" in listed and "\U0001f525" not in listed


def test_notes_full_shows_each_quote_whole(cli, seed_path: Path, monkeypatch) -> None:  # noqa: ANN001
    short = _add_seed(cli, seed_path)
    quote = ("Britain's defence ministry said in a statement that Wallace \"refuted\" claims that Western "
             "countries sought to help Ukraine escalate the conflict")
    assert cli("annotate", short, "--quote", quote, "--tag", "claim").code == 0
    cut = cli("notes", short).out
    assert "escalate the conflict" not in cut and "...\u201d" in cut
    monkeypatch.setenv("COLUMNS", "60")
    whole = cli("notes", short, "--full").out
    assert "escalate the conflict" in " ".join(whole.split())
    assert all(len(line) <= 59 for line in whole.splitlines())


def test_add_says_when_a_page_has_more_blocks_than_are_folded(cli, tmp_path: Path, monkeypatch) -> None:  # noqa: ANN001
    import reader.core.ingest as ingest

    monkeypatch.setattr(ingest, "MAX_BLOCKS", 30)
    page = tmp_path / "runaway.html"
    page.write_text("<html><body><h1>A runaway page</h1>" + "".join(
        f"<p>Paragraph {i} of the story, which goes on.</p>" for i in range(80)) + "</body></html>")
    res = cli("add", page)
    assert res.code == 0
    assert "a page of 81 blocks: only the first 30 were looked at for folding; the rest is all shown" in res.out
    [article_id] = [line.split()[0] for line in res.out.splitlines() if "runaway" in line.lower()]
    shown = cli("show", article_id).out
    assert "Paragraph 79 of the story" in shown


def test_a_first_run_lists_the_samples_news_page_first(cli, archive) -> None:  # noqa: ANN001
    """The samples are saved a second apart, so the archive's default order
    (newest first) is the same on every first run, not that of their ids."""
    from reader.cli import _SAMPLE_ORDER, import_samples
    from reader.ui.widgets.archive_list import sort_rows

    ids = import_samples(archive)
    assert len(ids) == len(_SAMPLE_ORDER)
    rows = sort_rows(archive.articles(), "saved")
    assert [r.source_path for r in rows] == [f"sample:{name}" for name in _SAMPLE_ORDER]
    assert rows[0].title.startswith("Russia Discusses Ukraine")
    listed = cli("list").out.splitlines()
    assert "Russia Discusses Ukraine" in listed[0] and len(listed) == len(_SAMPLE_ORDER)
    # Every sample reads as an article (the page of hostile markup is a test's, not a sample).
    assert not any("[bold]" in line for line in listed)


def test_notes_says_a_change_past_the_cut_of_a_long_quote(cli, seed_path: Path, tmp_path: Path) -> None:
    """A long quote whose change lies past its first 97 characters: the cut
    old and new text would read alike, so `reader notes` says where to look."""
    copy = tmp_path / "seed.txt"
    copy.write_text(seed_path.read_text(encoding="utf-8"), encoding="utf-8")
    short = _add_seed(cli, copy)
    quote = ("Shoigu also discussed Ukraine on Sunday with Pentagon chief Lloyd Austin in their second phone "
             "call since Friday")
    assert cli("annotate", short, "--quote", quote).code == 0
    copy.write_text(copy.read_text(encoding="utf-8").replace("call since Friday", "call since Thursday"),
                    encoding="utf-8")
    assert cli("add", copy).code == 0
    shown = cli("notes", short).out
    assert "when marked it read" not in shown and "--full shows what it read when marked" in shown
    whole = " ".join(cli("notes", short, "--full").out.split())
    assert "when marked it read \u201c" + quote + "\u201d" in whole


def test_a_tag_that_names_nothing_is_refused_and_removing_one_not_there_is_said(cli, seed_path: Path) -> None:  # noqa: ANN001
    """"###" or "" is no tag: refused with the usage error, not stored as an
    untagged mark; --untag of a tag the mark does not carry says so."""
    aid = _add_seed(cli, seed_path)
    quote = "It added that the call was requested by the Russian side."
    for args in (("annotate", aid, "--quote", quote, "--tag", "###"), ("add", seed_path, "--tag", " "),
                 ("export", "--tag", "#", "--out", "-")):
        r = cli(*args)
        assert r.code == 2 and "not a tag" in r.err, args
    assert json.loads(cli("notes", aid, "--json").out)["annotations"] == []
    ann = cli("annotate", aid, "--quote", quote, "--tag", "#Claim").out.strip()
    r = cli("note", ann, "--untag", "evidence", "--untag", "claim")
    assert r.code == 0 and "had no #evidence: nothing to remove" in r.err
    assert json.loads(cli("notes", aid, "--json").out)["annotations"][0]["tags"] == []
    assert cli("note", ann, "--tag", "").code == 2


def test_re_adding_says_which_notes_now_stand_among_other_words(cli, tmp_path: Path) -> None:
    page = tmp_path / "story.txt"
    page.write_text("Second Story\n\nThe ministry said the report was false. It cited no evidence at all.\n\n"
                    "Officials in Kyiv called for calm on Sunday.\n\nLater, the agency said the report was false "
                    "as well.\n", encoding="utf-8")
    assert cli("add", page).code == 0
    short = cli("list").out.split()[0]
    assert cli("annotate", short, "--quote", "the report was false", "--tag", "claim").code == 0
    page.write_text("Second Story\n\nOfficials in Kyiv called for calm on Sunday.\n\nLater, the agency said the "
                    "report was false as well.\n", encoding="utf-8")
    result = cli("add", page)
    assert result.code == 0
    assert "1 note kept, 1 of them on the same words in another place: check it there" in result.out


def test_annotate_says_when_the_quote_occurs_more_than_once(cli, seed_path: Path) -> None:
    """A second `annotate` of a quote that occurs twice marked the first
    place again, without a word; the second place could not be named."""
    short = _add_seed(cli, seed_path)
    first = cli("annotate", short, "--quote", "dirty bomb", "--tag", "claim")
    assert first.code == 0 and "the quote occurs 2 times; marked occurrence 1" in first.err
    second = cli("annotate", short, "--quote", "dirty bomb", "--occurrence", "2", "--tag", "question")
    assert second.code == 0 and second.err == ""
    spans = sorted((a["quote"], a["tags"]) for a in json.loads(cli("notes", short, "--json").out)["annotations"])
    assert spans == [("dirty bomb", ["claim"]), ("dirty bomb", ["question"])]
    starts = {a["start"] for a in json.loads(cli("notes", short, "--json").out)["annotations"]}
    assert len(starts) == 2  # two places
    too_far = cli("annotate", short, "--quote", "dirty bomb", "--occurrence", "3")
    assert too_far.code == 1 and "occurs 2 times" in too_far.err


def test_a_list_item_quoted_as_reader_show_prints_it_is_found(cli, tmp_path: Path) -> None:
    page = tmp_path / "list.md"
    page.write_text("# Steps\n\nThe council listed its steps in order today.\n\n"
                    "- Publish the audit in full this week\n- Ask the minister to testify\n", encoding="utf-8")
    assert cli("add", page).code == 0
    short = cli("list").out.split()[0]
    line = next(x.strip() for x in cli("show", short).out.splitlines() if "Publish the audit" in x)
    assert line.startswith("\u2022 ")
    marked = cli("annotate", short, "--quote", line, "--tag", "claim")
    assert marked.code == 0, marked.err
    [ann] = json.loads(cli("notes", short, "--json").out)["annotations"]
    assert ann["quote"] == "Publish the audit in full this week"

"""`reader export` and `reader import-notes`."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest


@pytest.fixture
def noted(cli, seed_path: Path) -> dict[str, str]:
    """The seed with a claim, an evidence and a question, added through the CLI."""
    assert cli("add", seed_path).code == 0
    article = json.loads(cli("list", "--json").out)[0]["id"]
    ids = {"article": article}
    for key, quote, tag, note in (
        ("claim", "concerns about possible provocations by Ukraine", "claim", "Moscow's framing."),
        ("evidence", "refuted", "evidence", "The UK's statement."),
        ("question", "It added that the call was requested by the Russian side.", "question", "Why?"),
    ):
        r = cli("annotate", article, "--quote", quote, "--tag", tag, "--note", note)
        assert r.code == 0, r.err
        ids[key] = r.out.strip()
    return ids


def test_help(cli) -> None:
    for command in ("export", "import-notes"):
        r = cli(command, "--help")
        assert r.code == 0 and "example" in r.out


def test_export_default_folder_and_stable_rewrite(cli, noted, data_dir: Path) -> None:
    r = cli("export")
    assert r.code == 0, r.err
    path = data_dir / "exports" / "russia-discusses-ukraine-in-string-of-calls-with-defense-chiefs.md"
    assert r.out.splitlines() == [f"wrote      {path}",
                                  f"1 article, 3 annotations exported to {data_dir / 'exports'}"]
    text = path.read_text(encoding="utf-8")
    for key in ("claim", "evidence", "question"):
        assert f"^{noted[key]}" in text and f"Tags: #{key}" in text
    again = cli("export")
    assert again.out.splitlines()[0] == f"unchanged  {path}"
    assert path.read_text(encoding="utf-8") == text


def test_export_names_a_copy_of_a_file_made_in_the_vault(cli, noted, tmp_path: Path) -> None:
    vault = tmp_path / "vault"
    assert cli("export", "--out", vault).code == 0
    [path] = vault.iterdir()
    copy = vault / (path.stem + " 1.md")
    copy.write_bytes(path.read_bytes())
    r = cli("export", "--out", vault)
    assert r.code == 0, r.err
    assert r.out.splitlines()[:2] == [
        f"unchanged  {path}",
        f"not written {copy}  (holds the same article: a copy? only {path.name} is kept up to date)",
    ]


def test_export_to_stdout_file_and_json(cli, noted, tmp_path: Path) -> None:
    r = cli("export", noted["article"][:6], "--out", "-")
    assert r.code == 0
    assert r.out.startswith(f"<!-- reader:article id={noted['article']} ")
    assert "- Reader id: " + noted["article"] in r.out
    r = cli("export", "--out", tmp_path / "all.md", "--group-by", "tag")
    assert r.code == 0 and "## Claims" in (tmp_path / "all.md").read_text(encoding="utf-8")
    r = cli("export", "--out", tmp_path / "notes.json")
    assert r.code == 0
    doc = json.loads((tmp_path / "notes.json").read_text(encoding="utf-8"))
    assert doc["type"] == "AnnotationCollection" and doc["total"] == 3
    assert {b["value"] for a in doc["first"]["items"] for b in a["body"] if b["purpose"] == "tagging"} == {
        "claim", "evidence", "question"}
    r = cli("export", "--format", "json", "--out", tmp_path / "jsonfolder")
    assert r.code == 0 and len(list((tmp_path / "jsonfolder").glob("*.json"))) == 1
    # A JSON file edited since is kept, and said so (import-notes reads Markdown only).
    [path] = (tmp_path / "jsonfolder").glob("*.json")
    path.write_text(path.read_text(encoding="utf-8").replace('"label": "', '"label": "Mine: '), encoding="utf-8")
    assert cli("note", noted["claim"], "--set", "Changed in the archive.").code == 0
    r = cli("export", "--format", "json", "--out", tmp_path / "jsonfolder")
    assert r.code == 1 and r.out.splitlines()[0] == f"kept       {path}  (edited since the last export)"
    assert "1 file edited since the last export; kept (`reader export --force` overwrites them)" in r.err
    assert '"label": "Mine: ' in path.read_text(encoding="utf-8")
    r = cli("export", "--format", "json", "--out", tmp_path / "jsonfolder", "--force")
    assert r.code == 0 and "Changed in the archive." in path.read_text(encoding="utf-8")


def test_export_filters_and_errors(cli, noted, tmp_path: Path) -> None:
    r = cli("export", "--tag", "evidence", "--out", "-")
    assert r.code == 0 and f"^{noted['evidence']}" in r.out and f"^{noted['claim']}" not in r.out
    r = cli("export", "--since", "2999-01-01", "--out", "-")
    assert r.code == 0 and r.out == "" and "Nothing to export" in r.err
    for args, message in (
        (("--since", "yesterday"), "--since"),
        (("--format", "json", "--group-by", "tag"), "--group-by"),
        (("--format", "json", "--out", str(tmp_path / "x.md")), "does not fit"),
        (("nothere",), "no article"),
    ):
        r = cli("export", *args)
        assert r.code == 1 and message in r.err and len(r.err.strip().splitlines()) == 1, (args, r.err)
    mine = tmp_path / "mine.md"
    mine.write_text("my note\n")
    r = cli("export", "--out", mine)
    assert r.code == 1 and "not a reader export" in r.err and mine.read_text() == "my note\n"


def test_export_refuses_an_out_that_names_another_kind_of_file(cli, noted, tmp_path: Path) -> None:
    for name in ("x.txt", "notes.HTML", "a.csv"):
        r = cli("export", "--out", tmp_path / "v8" / name)
        assert r.code == 1 and "name the file .md or .json, or give a folder" in r.err
        assert not (tmp_path / "v8" / name).exists()
    # A folder that exists under such a name, and a folder name with a dot, are folders.
    (tmp_path / "old.txt").mkdir()
    assert cli("export", "--out", tmp_path / "old.txt").code == 0
    assert cli("export", "--out", tmp_path / "reading.v2").code == 0
    assert list((tmp_path / "reading.v2").glob("*.md"))


def test_export_nothing(cli) -> None:
    r = cli("export")
    assert r.code == 0 and "Nothing to export" in r.err


def test_import_notes_round_trip(cli, noted, tmp_path: Path) -> None:
    folder = tmp_path / "vault"
    assert cli("export", "--out", folder).code == 0
    [path] = folder.glob("*.md")
    r = cli("import-notes", folder)
    assert r.code == 0 and r.out.strip() == "0 changes made (1 file read)"
    text = path.read_text(encoding="utf-8")
    text = text.replace("Moscow's framing.", "Moscow's framing, repeated to three ministers.")
    text = text.replace("Tags: #evidence", "Tags: #evidence #uk")
    # Delete the question's section.
    start = text.rfind("<!-- reader:annotation", 0, text.index("^" + noted["question"]))
    path.write_text(text[:start], encoding="utf-8")
    dry = cli("import-notes", folder, "--dry-run")
    assert dry.code == 0
    assert re.search(rf"would change\s+{noted['claim']}  line \d+: note changed", dry.out)
    assert re.search(rf"would change\s+{noted['evidence']}  line \d+: tags \+uk", dry.out)
    assert re.search(rf"kept\s+{noted['question']}  deleted in the file", dry.out)
    assert "2 changes would be made (dry run: nothing written)" in dry.out
    notes = json.loads(cli("notes", noted["article"], "--json").out)["annotations"]
    assert [n["note"] for n in notes] == ["Moscow's framing.", "The UK's statement.", "Why?"]
    r = cli("import-notes", path)
    assert r.code == 0 and "2 changes made" in r.out and "1 deleted in the files but kept" in r.out
    r = cli("import-notes", path, "--apply-deletions")
    assert r.code == 0 and "deleted" in r.out
    notes = json.loads(cli("notes", noted["article"], "--json").out)["annotations"]
    assert [(n["note"], n["tags"]) for n in notes] == [
        ("Moscow's framing, repeated to three ministers.", ["claim"]), ("The UK's statement.", ["evidence", "uk"])]


def _conflict(cli, noted, tmp_path: Path) -> Path:  # noqa: ANN001
    """An exported file whose claim's note was changed both in the file and in the archive."""
    assert cli("export", "--out", tmp_path).code == 0
    [path] = tmp_path.glob("*.md")
    assert cli("note", noted["claim"], "--set", "changed in the archive").code == 0
    path.write_text(path.read_text(encoding="utf-8").replace("Moscow's framing.", "changed in the file"),
                    encoding="utf-8")
    return path


def test_import_notes_reports_conflicts_with_exit_1(cli, noted, tmp_path: Path) -> None:
    path = _conflict(cli, noted, tmp_path)
    r = cli("import-notes", path)
    assert r.code == 1 and "CONFLICT" in r.out and "1 conflict" in r.out
    assert json.loads(cli("notes", noted["article"], "--json").out)["annotations"][0]["note"] == "changed in the archive"
    r = cli("import-notes", path, "--force")
    assert r.code == 0 and "over a change in the archive" in r.out
    assert json.loads(cli("notes", noted["article"], "--json").out)["annotations"][0]["note"] == "changed in the file"


def test_a_conflict_says_how_to_keep_the_archives_version(cli, noted, tmp_path: Path) -> None:
    """The conflict line's advice works: a plain export keeps the edited file,
    so the archive's version takes `reader export --force`."""
    path = _conflict(cli, noted, tmp_path)
    r = cli("import-notes", path)
    assert r.code == 1 and "`reader export --force`" in r.out and "by exporting again" not in r.out
    assert "kept" in cli("export", "--out", tmp_path).out
    assert "changed in the archive" not in path.read_text(encoding="utf-8")
    assert cli("export", "--out", tmp_path, "--force").code == 0
    assert "changed in the archive" in path.read_text(encoding="utf-8")


def test_export_again_keeps_files_edited_in_the_vault(cli, noted, tmp_path: Path) -> None:
    assert cli("export", "--out", tmp_path).code == 0
    [path] = tmp_path.glob("*.md")
    edited = path.read_text(encoding="utf-8").replace("Moscow's framing.", "Moscow's framing, edited.")
    edited += "\nMy own closing paragraph.\n"
    path.write_text(edited, encoding="utf-8")
    r = cli("export", "--out", tmp_path)
    assert r.code == 1
    assert r.out.splitlines()[0] == f"kept       {path}  (edited since the last export)"
    assert r.out.splitlines()[-1].endswith(", but for the 1 kept file")
    assert "edited since the last export; kept (`reader import-notes` takes the edits back, " \
           "`reader export --force` overwrites them)" in r.err
    assert path.read_text(encoding="utf-8") == edited
    # The round trip: the edits go back into the archive, then export writes the file again.
    r = cli("import-notes", path)
    assert r.code == 0, r.out
    notes = json.loads(cli("notes", noted["article"], "--json").out)["annotations"]
    assert notes[-1]["note"].endswith("My own closing paragraph.")
    r = cli("export", "--out", tmp_path)
    assert r.code == 0, r.err
    assert "kept" not in r.out
    text = path.read_text(encoding="utf-8")
    assert "Moscow's framing, edited." in text and "My own closing paragraph." in text
    # --force overwrites an edit that was not taken back.
    path.write_text(text.replace("# Russia", "# My title for Russia"), encoding="utf-8")
    assert cli("import-notes", path).code == 0
    assert cli("export", "--out", tmp_path).code == 1  # a title edit is not imported: still kept
    r = cli("export", "--out", tmp_path, "--force")
    assert r.code == 0 and r.out.startswith(f"wrote      {path}")
    assert path.read_text(encoding="utf-8") == text


def test_import_notes_on_something_else(cli, tmp_path: Path) -> None:
    (tmp_path / "plain.md").write_text("# just a note\n")
    r = cli("import-notes", tmp_path)
    assert r.code == 1 and "no exported notes found" in r.err
    r = cli("import-notes", tmp_path / "plain.md")
    assert r.code == 1 and "not a reader export" in r.out
    r = cli("import-notes", tmp_path / "missing.md")
    assert r.code == 1 and "no such file" in r.out


def test_import_notes_on_a_json_export_says_it_reads_markdown(cli, noted, tmp_path: Path) -> None:
    assert cli("export", "--out", tmp_path / "notes.json").code == 0
    r = cli("import-notes", tmp_path / "notes.json")
    assert r.code == 1 and "a JSON export" in r.out and "not a reader export" not in r.out


def test_a_filtered_export_does_not_cut_down_the_files_of_a_full_one(cli, noted, tmp_path: Path) -> None:
    """`reader export --tag claim` into the folder of the full export replaced
    each article's notes with the claims alone (its other ^ids, its note)."""
    vault = tmp_path / "vault"
    assert cli("note", "--article", noted["article"], "--set", "My reading of it.").code == 0
    assert cli("export", "--out", vault).code == 0
    [path] = vault.iterdir()
    full = path.read_text(encoding="utf-8")
    r = cli("export", "--tag", "claim", "--group-by", "tag", "--out", vault)
    assert r.code == 1
    assert r.out.splitlines()[0] == f"kept       {path}  (holds marks or a note the filter leaves out)"
    assert "1 file kept, holding marks or a note this filtered export leaves out" in r.err
    assert path.read_text(encoding="utf-8") == full
    # Elsewhere it is written; and --force writes it over the full file.
    r = cli("export", "--tag", "claim", "--out", tmp_path / "claims")
    assert r.code == 0, r.err
    [claims] = (tmp_path / "claims").iterdir()
    text = claims.read_text(encoding="utf-8")
    assert f"^{noted['claim']}" in text and f"^{noted['evidence']}" not in text
    # A filtered export again over its own filtered files writes them.
    assert cli("annotate", noted["article"], "--quote", "refuted", "--tag", "claim").code == 0
    r = cli("export", "--tag", "claim", "--out", tmp_path / "claims")
    assert r.code == 0 and r.out.startswith("wrote"), r.out
    r = cli("export", "--tag", "claim", "--out", vault, "--force")
    assert r.code == 0 and f"^{noted['evidence']}" not in path.read_text(encoding="utf-8")

"""`reader add URL`, `reader import SERVICE FILE` and `reader fetch`, against a
real server on 127.0.0.1 started by the test. Nothing reaches another address."""

from __future__ import annotations

import json
import os
import socket
import sys
import zipfile
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "fixtures" / "imports"))
from pagesrv import PageServer, article_html, closed_port  # noqa: E402

FIX = Path(__file__).resolve().parents[1] / "fixtures" / "imports"


@pytest.fixture(autouse=True)
def _fast_fetch(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("READER_FETCH_TIMEOUT", "0.5")
    monkeypatch.setenv("READER_FETCH_TOTAL_TIMEOUT", "3")
    monkeypatch.setenv("READER_FETCH_MAX_BYTES", str(1024 * 1024))
    monkeypatch.setenv("READER_FETCH_BACKOFF", "0.01")
    monkeypatch.setenv("READER_FETCH_RETRIES", "1")
    # The test server is on 127.0.0.1: local addresses are allowed here (and
    # refused in the test that unsets this).
    monkeypatch.setenv("READER_FETCH_ALLOW_LOCAL", "1")


def rows(cli) -> dict:  # noqa: ANN001
    res = cli("list", "--json")
    assert res.code == 0
    return {r["url"]: r for r in json.loads(res.out)}


def offline(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_dns(*args: object, **kw: object) -> None:
        raise socket.gaierror(socket.EAI_AGAIN, "Temporary failure in name resolution")

    monkeypatch.setattr(socket, "getaddrinfo", no_dns)


# ---------------------------------------------------------------- reader add URL


@pytest.fixture
def usual_umask():  # noqa: ANN201
    """The umask most systems give (0755 folders, 0644 files unless told)."""
    old = os.umask(0o022)
    yield
    os.umask(old)


def test_add_url_fetches_folds_and_keeps_the_raw_page(cli, server: PageServer, data_dir: Path, usual_umask) -> None:  # noqa: ANN001
    url = server.url("/redirect/2/harbour")
    res = cli("add", url, "--tag", "Ports")
    assert res.code == 0, res.err
    assert "The story of harbour" in res.out and " folded)" in res.out
    row = rows(cli)[url]
    assert row["status"] == "ok" and row["tags"] == ["ports"] and row["site"] == "127.0.0.1"
    from reader.core.store import Archive

    with Archive(data_dir) as archive:
        raw = archive.raw(row["id"])
        assert raw["final_url"] == server.url("/article/harbour")
        assert raw["url"] == url
        assert "<h1>The story of harbour</h1>" in raw["html"]
        assert len(raw["redirects"]) == 2
    show = cli("show", row["id"])
    assert "Paragraph 2 of the harbour story" in show.out
    # The folder the raw page went into is as private as the rest (README).
    assert (data_dir / "archive" / "raw").stat().st_mode & 0o777 == 0o700
    assert cli("doctor").code == 0
    # Adding it again does not fetch it again.
    hits = server.hits["/article/harbour"]
    again = cli("add", url)
    assert again.code == 0 and "already in the archive" in again.out
    assert server.hits["/article/harbour"] == hits
    # ... and a tag given then is not dropped.
    tagged = cli("add", url, "--tag", "reread")
    assert tagged.code == 0 and "(tagged #reread)" in tagged.out
    assert rows(cli)[url]["tags"] == ["ports", "reread"] and server.hits["/article/harbour"] == hits


def test_add_url_refresh_fetches_a_changed_page_again_and_keeps_the_notes(cli, server: PageServer) -> None:  # noqa: ANN001
    server.pages["/changing"] = article_html("tide")
    url = server.url("/changing")
    assert cli("add", url).code == 0
    short = rows(cli)[url]["id"]
    quote = "Paragraph 2 of the tide story"
    assert cli("annotate", short, "--quote", quote, "--note", "check the date").code == 0
    server.pages["/changing"] = article_html("tide").replace("Paragraph 2 of the tide", "Paragraph 2 of the tidal")
    hits = server.hits["/changing"]
    plain = cli("add", url)
    assert "--refresh fetches it again" in plain.out and server.hits["/changing"] == hits
    res = cli("add", url, "--refresh")
    assert res.code == 0 and server.hits["/changing"] == hits + 1
    assert "(updated: new version; 1 note kept, 1 of them on text that changed" in res.out
    assert "\u201cParagraph 2 of the tidal story\u201d" in cli("notes", short).out
    assert cli("add", url, "--refresh").out.rstrip().endswith("(already in the archive)")


def test_add_url_failures_are_one_line_each(cli, server: PageServer) -> None:  # noqa: ANN001
    res = cli("add", server.url("/missing"), server.url("/pdf"), server.url("/loop-a"), server.url("/huge"),
              "javascript:alert(1)", server.url("/article/fine"))
    assert res.code == 1
    lines = res.err.strip().splitlines()
    assert lines == [
        f"{server.url('/missing')}: HTTP 404 Not Found",
        f"{server.url('/pdf')}: not an HTML page (application/pdf)",
        f"{server.url('/loop-a')}: redirect loop (127.0.0.1:{server.port} sends us back where we were)",
        f"{server.url('/huge')}: too large (more than 1.0 MB)",
        "javascript:alert(1): not a web address (javascript:); only http and https are fetched",
    ]
    assert "The story of fine" in res.out
    assert list(rows(cli)) == [server.url("/article/fine")]


def test_add_url_offline_says_so_and_keeps_it_pending(cli, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: ANN001
    offline(monkeypatch)
    res = cli("add", "https://news.example.org/story")
    assert res.code == 1
    assert res.err.startswith("https://news.example.org/story: cannot find news.example.org (offline, or no such host)")
    assert "kept as pending" in res.err
    assert len(res.err.strip().splitlines()) == 1
    assert rows(cli)["https://news.example.org/story"]["status"] == "pending"
    shown = cli("show", rows(cli)["https://news.example.org/story"]["id"])
    assert shown.code == 0 and "not been fetched yet: `reader fetch` fetches it" in shown.out
    marked = cli("annotate", rows(cli)["https://news.example.org/story"]["id"], "--quote", "x")
    assert marked.code == 1 and "has no text yet (`reader fetch` fetches it)" in marked.err


def test_add_url_says_when_it_tries_again(cli, server: PageServer) -> None:  # noqa: ANN001
    """A page that times out is asked for again; each wait is said as it
    begins, not only at the end (20 s × 3 attempts is a minute of silence)."""
    server.slow_delay = 1.5
    url = server.url("/slow")
    res = cli("add", url)
    assert res.code == 1
    lines = res.err.strip().splitlines()
    assert len(lines) == 2, lines
    assert lines[0].startswith(f"{url}: timed out") and lines[0].endswith("(attempt 2 of 2)")
    assert lines[1].startswith(f"{url}: timed out") and "kept as pending" in lines[1]


def test_add_url_refused(cli) -> None:  # noqa: ANN001
    url = f"http://127.0.0.1:{closed_port()}/x"
    res = cli("add", url)
    assert res.code == 1
    assert "refused the connection" in res.err


def test_add_mixes_files_and_urls(cli, server: PageServer, seed_path: Path) -> None:  # noqa: ANN001
    res = cli("add", seed_path, server.url("/article/mixed"))
    assert res.code == 0, res.err
    assert len(rows(cli)) == 2


# ---------------------------------------------------------------- import + fetch


def pocket_export(tmp_path: Path, server: PageServer) -> Path:
    items = [
        ("Unread", server.url("/article/one"), "1684913522", "news,long read", "One"),
        ("Unread", server.url("/missing"), "1684913523", "", server.url("/missing")),
        ("Unread", server.url("/flaky/two"), "1684913524", "x", "Two"),
        ("Read Archive", server.url("/pdf"), "1600000000", "", "A PDF"),
        ("Read Archive", server.url("/redirect/2/three"), "1600000001", "old", "Three"),
    ]
    body = []
    section = None
    for sec, url, added, tags, title in items:
        if sec != section:
            if section:
                body.append("\t\t</ul>\n")
            body.append(f"\t\t<h1>{sec}</h1>\n\t\t<ul>\n")
            section = sec
        body.append(f'\t\t\t<li><a href="{url}" time_added="{added}" tags="{tags}">{title}</a></li>\n')
    body.append("\t\t</ul>\n")
    html = ("<!DOCTYPE html>\n<html>\n\t<!--So long and thanks for all the fish-->\n\t<head>\n"
            '\t\t<meta http-equiv="Content-Type" content="text/html; charset=UTF-8" />\n'
            "\t\t<title>Pocket Export</title>\n\t</head>\n\t<body>\n" + "".join(body) + "\t</body>\n</html>\n")
    path = tmp_path / "ril_export.html"
    path.write_text(html)
    return path


def test_import_then_fetch(cli, server: PageServer, tmp_path: Path) -> None:  # noqa: ANN001
    export = pocket_export(tmp_path, server)
    res = cli("import", "pocket", export)
    assert res.code == 0, res.err
    assert "imported: 5 (0 with their text, 5 to fetch)" in res.out
    assert "already in the archive: 0" in res.out and "failed: 0" in res.out
    assert "reader fetch" in res.out
    listed = rows(cli)
    assert {r["status"] for r in listed.values()} == {"pending"}
    assert listed[server.url("/article/one")]["tags"] == ["long-read", "news"]
    assert server.hits == {}  # importing fetches nothing

    server.flaky_failures = 1  # the first try of /flaky/two fails, the retry works
    res = cli("fetch", "--jobs", "2")
    assert res.code == 1  # two failed for good
    assert "fetched: 3" in res.out
    assert "failed: 2" in res.out
    assert f"  {server.url('/missing')}: HTTP 404 Not Found" in res.out
    assert f"  {server.url('/pdf')}: not an HTML page (application/pdf)" in res.out
    assert "still pending: 0" in res.out
    assert server.hits["/flaky/two"] == 2
    # The retry is told as it happens, on stderr, even when nobody watches a bar.
    assert f"{server.url('/flaky/two')}: " in res.err and "; trying again" in res.err and "(attempt 2 of " in res.err
    listed = rows(cli)
    one = listed[server.url("/article/one")]
    # The export's titles stay (the user may have edited them there); the page's own is shown in its text.
    assert one["status"] == "ok" and one["title"] == "One"
    assert one["tags"] == ["long-read", "news"] and one["saved"] == "2023-05-24T07:32:02Z"
    assert listed[server.url("/redirect/2/three")]["title"] == "Three"
    assert listed[server.url("/missing")]["status"] == "failed"

    # Nothing left: a second run fetches nothing; failed ones wait for --retry-failed.
    res = cli("fetch")
    assert res.code == 0 and "Nothing to fetch" in res.out
    server.pages["/missing"] = "<html><head><title>Back again</title></head><body><p>" + "It is back. " * 20 + "</p></body></html>"
    res = cli("fetch", "--retry-failed")
    assert "fetched: 1" in res.out and "failed: 1" in res.out
    assert rows(cli)[server.url("/missing")]["title"] == "Back again"  # its export gave only its address

    # Importing the export again adds nothing.
    res = cli("import", "pocket", export)
    assert "imported: 0" in res.out and "already in the archive: 5" in res.out
    assert len(rows(cli)) == 5


def test_fetch_refuses_local_addresses_from_an_export_unless_allowed(cli, server: PageServer, tmp_path: Path,  # noqa: ANN001
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("READER_FETCH_ALLOW_LOCAL")
    path = tmp_path / "p.csv"
    path.write_text(f"title,url,time_added,tags,status\nOne,{server.url('/article/one')},1700000000,,unread\n")
    assert cli("import", "pocket", path).code == 0
    res = cli("fetch")
    assert res.code == 1 and "fetched: 0" in res.out and "still pending: 1" in res.out
    assert "this machine or its local network" in res.out and "--allow-local" in res.out
    assert server.hits == {}  # not a single request
    res = cli("fetch", "--allow-local")  # as the hint says: it waited for this
    assert res.code == 0 and "fetched: 1" in res.out
    one = rows(cli)[server.url("/article/one")]
    assert one["status"] == "ok" and one["title"] == "One"  # fetched; the export's title stays
    # An address typed by the user is theirs to fetch, now and later.
    res = cli("add", server.url("/article/two"))
    assert res.code == 0, res.err
    down = f"http://127.0.0.1:{closed_port()}/later"
    assert cli("add", down).code == 1  # kept as pending
    assert rows(cli)[down]["status"] == "pending"
    res = cli("fetch")  # tried (the connection refused), not turned away as local
    assert "this machine or its local network" not in res.out and "refused the connection" in res.out


def test_fetch_offline_leaves_everything_pending(cli, server: PageServer, tmp_path: Path,  # noqa: ANN001
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    cli("import", "pocket", pocket_export(tmp_path, server))
    real_getaddrinfo = socket.getaddrinfo
    offline(monkeypatch)
    res = cli("fetch", "--jobs", "1")
    assert res.code == 1
    assert "fetched: 0" in res.out and "failed: 0" in res.out
    assert "still pending: 5 (1 to try again later; 4 not tried)" in res.out
    assert "offline" in res.out and "run `reader fetch` again when online" in res.out
    assert {r["status"] for r in rows(cli).values()} == {"pending"}
    monkeypatch.setattr(socket, "getaddrinfo", real_getaddrinfo)  # back online
    res = cli("fetch", "--limit", "2")  # the oldest saved first: the PDF, then /redirect/2/three
    assert "fetched: 1" in res.out and "failed: 1" in res.out and "still pending: 3" in res.out


def test_fetch_slow_page_stays_pending(cli, server: PageServer, tmp_path: Path) -> None:  # noqa: ANN001
    server.slow_delay = 1.5
    path = tmp_path / "p.csv"
    path.write_text(f"title,url,time_added,tags,status\nSlow,{server.url('/slow')},1700000000,,unread\n")
    cli("import", "pocket", path)
    res = cli("fetch")
    assert "fetched: 0" in res.out and res.code == 1  # nothing fetched: a script can tell
    assert "still pending: 1 (1 to try again later)" in res.out
    assert "timed out waiting for the page (0.5 s)" in res.out
    row = rows(cli)[server.url("/slow")]
    assert row["status"] == "pending"


def test_omnivore_import_then_fetch_anchors_waiting_highlights(cli, server: PageServer,  # noqa: ANN001
                                                              tmp_path: Path) -> None:
    url = server.url("/article/quay")
    meta = [{
        "id": "c0ffee00-0000-4000-8000-000000000001", "slug": "the-quay-18f2a1b3c51", "title": "The Quay",
        "description": None, "author": None, "url": url, "state": "SUCCEEDED", "readingProgress": 0,
        "thumbnail": None, "labels": ["harbour"], "savedAt": "2024-07-01T10:00:00.000Z",
        "updatedAt": "2024-07-01T10:00:00.000Z", "publishedAt": None,
    }]
    md = ("> argued at length about the river, the bridge and the budget \n\n#claim\n\nnote one\n\n"
          "> a quote from some other page entirely, about trams \n\nnote two")
    export = tmp_path / "omnivore.zip"
    with zipfile.ZipFile(export, "w") as z:
        z.writestr("metadata_0_to_1.json", json.dumps(meta, indent=2))
        z.writestr("highlights/the-quay-18f2a1b3c51.md", md)
    res = cli("import", "omnivore", export)
    assert res.code == 0, res.err
    assert "highlights: 2 new (0 placed, 2 orphaned)" in res.out
    entry = rows(cli)[url]
    assert entry["status"] == "pending" and entry["tags"] == ["harbour"]
    res = cli("fetch")
    assert "fetched: 1" in res.out
    notes = json.loads(cli("notes", entry["id"], "--json").out)["annotations"]
    placed = [n for n in notes if not n["orphaned"]]
    assert len(placed) == 1 and placed[0]["tags"] == ["claim"] and placed[0]["note"] == "note one"
    assert placed[0]["quote"] == "argued at length about the river, the bridge and the budget"
    orphans = [n for n in notes if n["orphaned"]]
    assert len(orphans) == 1 and orphans[0]["quote"].startswith("a quote from some other page")
    # Importing again duplicates neither the article nor its highlights.
    res = cli("import", "omnivore", export)
    assert "already in the archive: 1" in res.out and "2 already imported" in res.out
    assert len(json.loads(cli("notes", entry["id"], "--json").out)["annotations"]) == 2


def test_import_summaries_for_each_service(cli) -> None:  # noqa: ANN001
    res = cli("import", "instapaper", FIX / "instapaper.csv")
    assert res.code == 1  # one link refused
    assert "imported: 4 (0 with their text, 4 to fetch)" in res.out
    assert "failed: 1" in res.out and "data:" in res.out
    res = cli("import", "wallabag", FIX / "wallabag.json")
    assert "imported: 3 (1 with their text, 2 to fetch)" in res.out
    assert "highlights: 3 new (2 placed, 1 orphaned)" in res.out
    res = cli("import", "wallabag", FIX / "wallabag.json")
    assert "imported: 0" in res.out and "already in the archive: 3" in res.out


def test_import_again_of_a_later_export_adds_its_tags_and_read_state(cli, tmp_path: Path) -> None:  # noqa: ANN001
    head = "title,url,time_added,tags,status\n"
    first = tmp_path / "part_1.csv"
    first.write_text(head + "One,https://example.org/one,1700000000,news,unread\n"
                     "Two,https://example.org/two,1700000001,,unread\n")
    assert cli("import", "pocket", first).code == 0
    one = rows(cli)["https://example.org/one"]["id"]
    assert cli("note", "--article", one, "--set", "mine").code == 0
    later = tmp_path / "part_2.csv"
    later.write_text(head + "One,https://example.org/one,1700000000,news|Long Read,archive\n"
                     "Two,https://example.org/two,1700000001,,unread\n")
    res = cli("import", "pocket", later)
    assert res.code == 0, res.err
    assert "  already in the archive: 2 (1 given new tags, 1 marked read)" in res.out.splitlines()
    listed = rows(cli)
    assert listed["https://example.org/one"]["tags"] == ["long-read", "news"] and listed["https://example.org/one"]["read"]
    assert listed["https://example.org/two"]["tags"] == [] and not listed["https://example.org/two"]["read"]
    again = cli("import", "pocket", later)
    assert "  already in the archive: 2" in again.out.splitlines()


def test_notes_shows_the_article_note_an_import_brought(cli) -> None:  # noqa: ANN001
    cli("import", "instapaper", FIX / "instapaper.csv")
    one = rows(cli)["https://example.org/instapaper/one"]["id"]
    r = cli("notes", one)
    assert r.code == 0
    assert "No annotations yet." not in r.out
    assert r.out.splitlines() == ["Article note:", "    The part I meant to come back to."]
    data = json.loads(cli("notes", one, "--json").out)
    assert data == {"article": one, "note": "The part I meant to come back to.", "annotations": []}
    two = rows(cli)["https://example.org/instapaper/two"]["id"]
    assert cli("notes", two).out.strip() == "No annotations yet."
    assert json.loads(cli("notes", two, "--json").out)["note"] == ""


def test_import_tells_the_service_from_the_file(cli, tmp_path: Path, seed_path: Path) -> None:  # noqa: ANN001
    # Each as if its service were named, in archives of their own.
    for service, name in (("wallabag", "wallabag.json"), ("pocket", "ril_export.html"), ("omnivore", "omnivore")):
        told = cli("--data-dir", tmp_path / f"told-{service}", "import", FIX / name)
        named = cli("--data-dir", tmp_path / f"named-{service}", "import", service, FIX / name)
        assert (told.code, told.out, told.err) == (named.code, named.out, named.err)
        assert told.out.lower().startswith(f"{service} export {name}") and "imported: " in told.out
    # An article is not an export: the user is told how to add it, and how
    # to name a service.
    res = cli("import", seed_path)
    assert res.code == 2 and "reader add" in res.err and "reader import {pocket," in res.err
    assert res.err.strip().count("\n") == 0
    res = cli("import", tmp_path / "nope.csv")
    assert res.code == 2 and "nope.csv: no such file or folder" in res.err


def test_import_wrong_file_is_one_line(cli, tmp_path: Path) -> None:  # noqa: ANN001
    res = cli("import", "omnivore", tmp_path / "nope.zip")
    assert res.code == 1 and res.err.strip().count("\n") == 0 and "no such file" in res.err
    res = cli("import", "pocket")
    assert res.code == 2  # usage


def test_add_url_site_of_a_page_already_here_is_answered_not_ignored(cli, server: PageServer) -> None:  # noqa: ANN001
    """As for a file: the site an article has is never replaced, and the line says so."""
    url = server.url("/article/sited")
    assert cli("add", url).code == 0
    site = rows(cli)[url]["site"]
    assert site
    res = cli("add", url, "--site", "other.example")
    assert res.code == 0
    assert f"--refresh fetches it again; it already has the site {site}: --site not recorded)" in res.out
    assert rows(cli)[url]["site"] == site

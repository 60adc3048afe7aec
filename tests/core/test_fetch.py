"""The HTTP client, against a real server on 127.0.0.1 started by the test."""

from __future__ import annotations

import errno
import socket
import sys
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "fixtures" / "imports"))
from pagesrv import PageServer, closed_port  # noqa: E402

from reader.core.fetch import (  # noqa: E402
    FetchError,
    FetchOptions,
    check_url,
    fetch_article,
    fetch_page,
    fetch_with_retries,
    looks_like_url,
    url_key,
)

FAST = FetchOptions(timeout=0.5, total_timeout=3.0, max_bytes=1024 * 1024, max_redirects=5, retries=2,
                    backoff=0.01, jobs=2, allow_local=True)  # the test server is on 127.0.0.1


def test_fetches_an_article_page(server: PageServer) -> None:
    page = fetch_page(server.url("/article/bridge"), FAST)
    assert page.status == 200
    assert page.final_url == server.url("/article/bridge")
    assert page.content_type.startswith("text/html")
    assert b"The story of bridge" in page.body
    assert page.redirects == []


def test_article_is_folded_like_a_saved_page(server: PageServer) -> None:
    article, page = fetch_article(server.url("/article/bridge"), FAST)
    assert article.title == "The story of bridge"
    assert article.url == server.url("/article/bridge")
    assert article.site == "127.0.0.1"
    assert article.source_format == "html"
    assert "Paragraph 3 of the bridge story" in article.text
    assert len(article.id) == 12


def test_follows_redirects_within_the_limit(server: PageServer) -> None:
    page = fetch_page(server.url("/redirect/3/river"), FAST)
    assert page.final_url == server.url("/article/river")
    assert len(page.redirects) == 3
    article, _ = fetch_article(server.url("/redirect/2/river"), FAST)
    # The article keeps the address it was saved under.
    assert article.url == server.url("/redirect/2/river")


def test_too_many_redirects(server: PageServer) -> None:
    with pytest.raises(FetchError) as err:
        fetch_page(server.url("/redirect/9/river"), FAST)
    assert err.value.kind == "redirects"
    assert "too many redirects" in str(err.value)
    assert server.hits["/article/river"] == 0


def test_redirect_loop(server: PageServer) -> None:
    with pytest.raises(FetchError) as err:
        fetch_page(server.url("/loop-a"), FAST)
    assert err.value.kind == "redirects"
    assert "loop" in str(err.value)
    assert server.hits["/loop-a"] == 1 and server.hits["/loop-b"] == 1


def test_redirect_to_javascript_is_not_followed(server: PageServer) -> None:
    with pytest.raises(FetchError) as err:
        fetch_page(server.url("/js-redirect"), FAST)
    assert err.value.kind == "redirects"
    assert "non-web address" in str(err.value)


def test_slow_page_times_out(server: PageServer) -> None:
    server.slow_delay = 2.0
    t0 = time.monotonic()
    with pytest.raises(FetchError) as err:
        fetch_page(server.url("/slow"), FAST)
    assert time.monotonic() - t0 < 1.8
    assert err.value.kind == "timeout"
    assert err.value.retryable
    assert "timed out" in str(err.value)


def test_trickling_page_hits_the_total_deadline(server: PageServer) -> None:
    opts = FetchOptions(timeout=1.0, total_timeout=0.3, retries=0, allow_local=True)
    with pytest.raises(FetchError) as err:
        fetch_page(server.url("/drip"), opts)
    assert err.value.kind == "timeout"
    assert "longer than 0.3 s" in str(err.value)


def test_404_is_a_permanent_failure(server: PageServer) -> None:
    with pytest.raises(FetchError) as err:
        fetch_page(server.url("/missing"), FAST)
    assert str(err.value) == "HTTP 404 Not Found"
    assert err.value.kind == "http"
    assert not err.value.retryable


def test_huge_body_is_cut_off(server: PageServer) -> None:
    with pytest.raises(FetchError) as err:
        fetch_page(server.url("/huge"), FAST)
    assert err.value.kind == "too-large"
    assert "1.0 MB" in str(err.value)


def test_huge_declared_length_is_refused_before_reading(server: PageServer) -> None:
    with pytest.raises(FetchError) as err:
        fetch_page(server.url("/huge-declared"), FAST)
    assert err.value.kind == "too-large"
    assert "1024.0 MB" in str(err.value)


def test_non_html_content_type_is_refused(server: PageServer) -> None:
    with pytest.raises(FetchError) as err:
        fetch_page(server.url("/pdf"), FAST)
    assert str(err.value) == "not an HTML page (application/pdf)"
    assert err.value.kind == "not-html"


def test_no_content_type_and_binary_body_is_refused(server: PageServer) -> None:
    with pytest.raises(FetchError) as err:
        fetch_page(server.url("/notype"), FAST)
    assert err.value.kind == "not-html"


def test_charset_from_the_header(server: PageServer) -> None:
    article, page = fetch_article(server.url("/latin1"), FAST)
    assert page.charset == "ISO-8859-1"
    assert article.title == "Caf\u00e9 cr\u00e8me"
    assert "pr\u00e8s de la fen\u00eatre, o\u00f9 le soleil br\u00fble" in article.text
    assert "\ufffd" not in article.text


def test_header_charset_wins_over_the_meta_tag(server: PageServer) -> None:
    article, page = fetch_article(server.url("/header-wins"), FAST)
    assert page.charset == "windows-1252"
    assert "A na\u00efve r\u00e9sum\u00e9 written in a caf\u00e9" in article.text


def test_refused_connection_says_so() -> None:
    url = f"http://127.0.0.1:{closed_port()}/article/x"
    with pytest.raises(FetchError) as err:
        fetch_page(url, FAST)
    assert err.value.kind == "refused"
    assert "refused the connection" in str(err.value)
    assert "\n" not in str(err.value)


def test_offline_name_resolution_failure(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_dns(*args: object, **kw: object) -> None:
        raise socket.gaierror(socket.EAI_AGAIN, "Temporary failure in name resolution")

    monkeypatch.setattr(socket, "getaddrinfo", no_dns)
    with pytest.raises(FetchError) as err:
        fetch_page("https://news.example.org/story", FAST)
    assert err.value.kind == "offline"
    assert str(err.value) == "cannot find news.example.org (offline, or no such host)"


def test_network_unreachable_is_offline(monkeypatch: pytest.MonkeyPatch) -> None:
    def unreachable(*args: object, **kw: object) -> None:
        raise OSError(errno.ENETUNREACH, "Network is unreachable")

    monkeypatch.setattr(socket, "create_connection", unreachable)
    with pytest.raises(FetchError) as err:
        fetch_page("http://127.0.0.1:9/x", FAST)
    assert err.value.kind == "offline"


@pytest.mark.parametrize("url", ["javascript:alert(1)", "data:text/html,<p>x</p>", "file:///etc/passwd",
                                 "ftp://example.org/x", "http://", "not a url"])
def test_only_http_addresses_are_fetched(url: str) -> None:
    with pytest.raises(FetchError) as err:
        fetch_page(url, FAST)
    assert err.value.kind == "bad-url"
    assert not err.value.retryable


def test_retries_with_back_off_then_succeeds(server: PageServer) -> None:
    server.flaky_failures = 2
    pauses: list[float] = []
    page = fetch_with_retries(server.url("/flaky/a"), FAST, sleep=pauses.append)
    assert page.status == 200
    assert server.hits["/flaky/a"] == 3
    assert len(pauses) == 2
    assert pauses[1] > pauses[0]  # doubled, jitter or not


def test_retries_give_up_after_the_limit(server: PageServer) -> None:
    server.flaky_failures = 10
    pauses: list[float] = []
    with pytest.raises(FetchError) as err:
        fetch_with_retries(server.url("/flaky/b"), FAST, sleep=pauses.append)
    assert str(err.value) == "HTTP 503 Service Unavailable"
    assert server.hits["/flaky/b"] == FAST.retries + 1
    assert len(pauses) == FAST.retries


def test_permanent_failures_are_not_retried(server: PageServer) -> None:
    pauses: list[float] = []
    with pytest.raises(FetchError):
        fetch_with_retries(server.url("/missing"), FAST, sleep=pauses.append)
    assert server.hits["/missing"] == 1
    assert pauses == []


def test_options_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("READER_FETCH_TIMEOUT", "0.25")
    monkeypatch.setenv("READER_FETCH_MAX_BYTES", "2048")
    monkeypatch.setenv("READER_FETCH_RETRIES", "junk")
    opts = FetchOptions.from_env(jobs=7)
    assert opts.timeout == 0.25
    assert opts.max_bytes == 2048
    assert opts.retries == FetchOptions().retries
    assert opts.jobs == 7


def test_url_helpers() -> None:
    assert looks_like_url("https://example.org/a")
    assert looks_like_url("HTTP://example.org")
    assert not looks_like_url("notes/http-article.html")
    assert not looks_like_url("javascript:alert(1)")
    assert check_url("  https://example.org/a\x1b[31m ") == "https://example.org/a"
    assert url_key("https://www.Example.org/a/?utm_source=x&b=2&a=1#top") == "example.org/a?a=1&b=2"
    assert url_key("http://example.org/a") == url_key("https://example.org/a/")
    assert url_key("https://example.org/a") != url_key("https://example.org/b")


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:9/page", "http://localhost/page", "http://[::1]/page", "http://10.1.2.3/",
        "http://192.168.1.1/admin", "http://169.254.169.254/latest/meta-data/", "http://[::ffff:127.0.0.1]/",
        "http://0.0.0.0/",
    ],
)
def test_local_addresses_are_refused_unless_allowed(url: str) -> None:
    with pytest.raises(FetchError) as err:
        fetch_page(url, FetchOptions(retries=0))
    assert err.value.kind == "refused" and not err.value.retryable
    assert "local network" in str(err.value) and "--allow-local" in str(err.value)


def test_a_redirect_to_a_local_address_is_refused(server: PageServer, monkeypatch: pytest.MonkeyPatch) -> None:
    from reader.core import fetch

    # The test server stands in for a site on the internet; where it redirects
    # to (this machine) is checked as a local address.
    seen: list[str] = []
    real = fetch._refuse_local

    def refuse(url: str) -> None:
        seen.append(url)
        if seen[1:]:
            real(url)

    monkeypatch.setattr(fetch, "_refuse_local", refuse)
    with pytest.raises(FetchError) as err:
        fetch_page(server.url("/redirect/1/bridge"), FetchOptions(retries=0, timeout=0.5))
    assert err.value.kind == "refused" and len(seen) == 2 and "127.0.0.1" in seen[1]

"""Fetching a web page to read: http(s) only, bounded in time, size and
redirects, HTML only, every failure said in one line.

`fetch_page` gets one page; `fetch_article` also folds it into an Article;
`fetch_with_retries` retries what can be retried, with exponential back-off.
Limits come from `FetchOptions` (defaults, then $READER_FETCH_* variables,
then explicit arguments), so tests can make them short.

httpx is imported only when a page is fetched: opening the archive or the
TUI does not pay for it.
"""

from __future__ import annotations

import codecs
import errno
import os
import random
import re
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass, field, fields, replace
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

from reader.core.sanitize import clean_line

if TYPE_CHECKING:  # pragma: no cover
    import httpx

    from reader.core.models import Article

#: Content types we read; anything else is refused before its body is read.
HTML_TYPES = ("text/html", "application/xhtml+xml")
#: Statuses worth asking again for (after a pause).
RETRY_STATUSES = frozenset({408, 425, 429, 500, 502, 503, 504})
#: The longest pause a server's Retry-After can ask of us.
MAX_RETRY_AFTER = 60.0


@dataclass(frozen=True, slots=True)
class FetchOptions:
    """Limits for fetching. `from_env` reads $READER_FETCH_<FIELD> overrides."""

    #: Seconds to connect, and between two reads of the response.
    timeout: float = 20.0
    #: Seconds for the whole page, however slowly it trickles in.
    total_timeout: float = 60.0
    #: Bytes of (decompressed) body; a bigger page is refused.
    max_bytes: int = 10 * 1024 * 1024
    max_redirects: int = 8
    #: Extra attempts after a failure that may pass (timeouts, 5xx, 429...).
    retries: int = 2
    #: First back-off pause in seconds; doubled after each failed attempt.
    backoff: float = 1.0
    #: Pages fetched at once by `reader fetch`.
    jobs: int = 4
    #: Fetch addresses on this machine or its local network (127.0.0.1,
    #: 192.168.x.x, fe80::...), and follow redirects there. Off for links
    #: that came from an export file; `reader add URL` (an address the user
    #: typed) turns it on.
    allow_local: bool = False

    @classmethod
    def from_env(cls, **overrides: Any) -> FetchOptions:
        values: dict[str, Any] = {}
        for f in fields(cls):
            raw = os.environ.get(f"READER_FETCH_{f.name.upper()}")
            if raw is None or not raw.strip():
                continue
            try:
                if f.type in ("bool", bool):
                    values[f.name] = raw.strip().lower() in ("1", "true", "yes", "on")
                else:
                    values[f.name] = int(raw) if f.type in ("int", int) else float(raw)
            except ValueError:
                continue
        values.update({k: v for k, v in overrides.items() if v is not None})
        return replace(cls(), **values)


class FetchError(Exception):
    """A page that could not be fetched; str() is the one-line reason.

    ``kind`` is one of: bad-url, offline, refused, timeout, http, too-large,
    not-html, redirects, tls, network. ``retryable`` says whether asking
    again later may succeed (the entry stays pending) or not (it failed).
    """

    def __init__(self, message: str, *, kind: str, retryable: bool, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.kind = kind
        self.retryable = retryable
        self.retry_after = retry_after


@dataclass(slots=True)
class Page:
    """A fetched HTML page."""

    url: str
    final_url: str
    status: int
    content_type: str
    charset: str | None
    body: bytes
    fetched: str
    redirects: list[str] = field(default_factory=list)

    def html_bytes(self) -> bytes:
        """The body ready for `ingest_bytes`: a byte-order mark wins, then the
        charset the server declared (as browsers do), then the page's own
        meta charset and detection."""
        if self.body.startswith((codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            return self.body
        codec = _codec(self.charset)
        if codec is None:
            return self.body
        text = self.body.decode(codec, errors="replace")
        return codecs.BOM_UTF8 + text.encode("utf-8")

    def text(self) -> str:
        from reader.core.ingest.decode import decode

        return decode(self.html_bytes(), html=True)[0]

    def meta(self) -> dict[str, Any]:
        return {
            "url": self.url,
            "final_url": self.final_url,
            "status": self.status,
            "content_type": self.content_type,
            "charset": self.charset,
            "fetched": self.fetched,
            "bytes": len(self.body),
            "redirects": list(self.redirects),
        }


# ---------------------------------------------------------------- URLs

_SCHEME = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.-]*):")


def url_scheme(text: str) -> str | None:
    m = _SCHEME.match(text.strip())
    return m.group(1).lower() if m else None


def looks_like_url(arg: str) -> bool:
    """Whether a command-line argument is a web address rather than a path."""
    return url_scheme(arg) in ("http", "https") and "://" in arg


def check_url(url: str) -> str:
    """`url` cleaned, or FetchError: only http(s) with a host is ever fetched
    (never javascript:, data:, file: ...)."""
    cleaned = clean_line(url or "")
    scheme = url_scheme(cleaned)
    if scheme not in ("http", "https"):
        shown = f"{scheme}:" if scheme else repr(cleaned[:60])
        raise FetchError(f"not a web address ({shown}); only http and https are fetched", kind="bad-url",
                         retryable=False)
    try:
        parts = urlsplit(cleaned)
        host = parts.hostname
        parts.port  # noqa: B018 - raises on a bad port
    except ValueError as err:
        raise FetchError(f"not a valid address ({err})", kind="bad-url", retryable=False) from None
    if not host:
        raise FetchError("not a valid address (no host)", kind="bad-url", retryable=False)
    return cleaned


_TRACKING = re.compile(r"^(utm_[a-z]+|fbclid|gclid|mc_cid|mc_eid|ref_src)$", re.IGNORECASE)


def url_key(url: str | None) -> str:
    """What two addresses of the same article share: no scheme, no www., no
    fragment, no trailing slash, no tracking parameters, sorted query."""
    if not url:
        return ""
    try:
        parts = urlsplit(clean_line(url))
        host = (parts.hostname or "").lower().rstrip(".")
        port = parts.port
    except ValueError:
        return clean_line(url)
    if host.startswith("www."):
        host = host[4:]
    if port and not ((parts.scheme == "http" and port == 80) or (parts.scheme == "https" and port == 443)):
        host = f"{host}:{port}"
    path = parts.path.rstrip("/") or ""
    query = urlencode(sorted((k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
                             if not _TRACKING.match(k)))
    return urlunsplit(("", host, path, query, "")).lstrip("/")


# ---------------------------------------------------------------- fetching


def _codec(name: str | None) -> str | None:
    if not name:
        return None
    try:
        info = codecs.lookup(name.strip().strip("\"'").lower())
    except LookupError:
        return None
    if info.name in ("latin-1", "iso8859-1", "ascii"):
        return "cp1252"  # what browsers read for these labels
    return info.name


_CHARSET = re.compile(r"charset\s*=\s*[\"']?([A-Za-z0-9_.:-]{1,40})", re.IGNORECASE)


def _now_iso() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


def _host(url: str) -> str:
    try:
        return urlsplit(url).netloc or url
    except ValueError:
        return url


def _refuse_local(url: str) -> None:
    """FetchError if `url`'s host is this machine or on its local network
    (by address, or by what its name resolves to). A name that does not
    resolve is left to the request, which says so in its own words."""
    import ipaddress
    import socket

    host = (urlsplit(url).hostname or "").strip("[]")
    try:
        addresses = [ipaddress.ip_address(host.split("%")[0])]
    except ValueError:
        try:
            infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
        except (OSError, UnicodeError):
            return
        addresses = []
        for info in infos:
            try:
                addresses.append(ipaddress.ip_address(str(info[4][0]).split("%")[0]))
            except ValueError:
                continue
    for ip in addresses:
        mapped = getattr(ip, "ipv4_mapped", None)
        ip = mapped or ip
        if ip.is_loopback or ip.is_private or ip.is_link_local or ip.is_unspecified or ip.is_multicast or ip.is_reserved:
            raise FetchError(f"{host} is this machine or its local network ({ip}); not fetched"
                             " (`reader fetch --allow-local` fetches it)", kind="refused", retryable=False)


def _looks_like_html(head: bytes) -> bool:
    sample = head[:1024].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return sample.startswith((b"<!doctype html", b"<html", b"<head", b"<body", b"<!--", b"<meta", b"<title"))


def make_client(opts: FetchOptions | None = None) -> httpx.Client:
    """An httpx client for `fetch_page`; share one between pages (and threads)."""
    import httpx

    from reader import __version__

    opts = opts or FetchOptions.from_env()
    return httpx.Client(
        follow_redirects=False,  # followed by hand: each hop is checked
        timeout=httpx.Timeout(opts.timeout, connect=opts.timeout),
        limits=httpx.Limits(max_connections=max(1, opts.jobs) * 2, max_keepalive_connections=max(1, opts.jobs)),
        headers={
            "User-Agent": f"reader/{__version__} (terminal reader for saved articles)",
            "Accept": "text/html,application/xhtml+xml;q=0.9,*/*;q=0.1",
            "Accept-Language": "*",
        },
    )


def fetch_page(url: str, opts: FetchOptions | None = None, *, client: httpx.Client | None = None) -> Page:
    """Fetch one HTML page, or raise FetchError saying why not."""
    opts = opts or FetchOptions.from_env()
    asked = check_url(url)
    own = client is None
    if client is None:
        client = make_client(opts)
    try:
        return _fetch(client, asked, opts)
    finally:
        if own:
            client.close()


def _fetch(client: httpx.Client, asked: str, opts: FetchOptions) -> Page:
    import httpx

    deadline = time.monotonic() + opts.total_timeout
    current = asked
    seen = [asked]
    while True:
        if not opts.allow_local:
            _refuse_local(current)
        try:
            with client.stream("GET", current) as resp:
                if resp.is_redirect:
                    target = urljoin(str(resp.url), resp.headers.get("location", "").strip())
                    scheme = url_scheme(target)
                    if scheme not in ("http", "https"):
                        raise FetchError(f"redirected to a {scheme or 'non-web'}: address; not followed",
                                         kind="redirects", retryable=False)
                    if target in seen:
                        raise FetchError(f"redirect loop ({_host(target)} sends us back where we were)",
                                         kind="redirects", retryable=False)
                    if len(seen) > opts.max_redirects:
                        raise FetchError(f"too many redirects (more than {opts.max_redirects})",
                                         kind="redirects", retryable=False)
                    seen.append(target)
                    current = target
                    continue
                return _read(resp, asked, seen, opts, deadline)
        except FetchError:
            raise
        except httpx.TimeoutException as err:
            what = "connecting" if isinstance(err, httpx.ConnectTimeout) else "waiting for the page"
            raise FetchError(f"timed out {what} ({opts.timeout:g} s) at {_host(current)}", kind="timeout",
                             retryable=True) from None
        except (httpx.UnsupportedProtocol, httpx.InvalidURL) as err:
            try:
                httpx.URL(current)
            except (httpx.InvalidURL, httpx.UnsupportedProtocol):
                raise FetchError(f"not a valid address ({_short(err)})", kind="bad-url", retryable=False) from None
            # The address is fine: httpx refused the redirect it was offered.
            raise FetchError(f"{_host(current)} redirected to a non-web address; not followed",
                             kind="redirects", retryable=False) from None
        except httpx.ConnectError as err:
            raise _connect_error(err, current) from None
        except httpx.DecodingError:
            raise FetchError(f"{_host(current)} sent a body that could not be decompressed", kind="network",
                             retryable=False) from None
        except (httpx.TransportError, OSError) as err:
            raise FetchError(f"connection to {_host(current)} failed ({_short(err)})", kind="network",
                             retryable=True) from None


def _read(resp: httpx.Response, asked: str, seen: list[str], opts: FetchOptions, deadline: float) -> Page:
    status = resp.status_code
    if status >= 400 or status < 200:
        retry_after = None
        if status in (429, 503):
            try:
                retry_after = min(MAX_RETRY_AFTER, float(resp.headers.get("retry-after", "")))
            except ValueError:
                retry_after = None
        reason = clean_line(resp.reason_phrase or "")[:60]
        raise FetchError(f"HTTP {status}{' ' + reason if reason else ''}", kind="http",
                         retryable=status in RETRY_STATUSES, retry_after=retry_after)
    ctype = clean_line(resp.headers.get("content-type", ""))[:200]
    mime = ctype.split(";", 1)[0].strip().lower()
    if mime and mime not in HTML_TYPES:
        raise FetchError(f"not an HTML page ({mime})", kind="not-html", retryable=False)
    m = _CHARSET.search(ctype)
    charset = m.group(1) if m else None
    length = resp.headers.get("content-length", "")
    if length.isdigit() and int(length) > opts.max_bytes:
        raise FetchError(f"too large ({_size(int(length))}; the limit is {_size(opts.max_bytes)})",
                         kind="too-large", retryable=False)
    chunks: list[bytes] = []
    total = 0
    for chunk in resp.iter_bytes():
        total += len(chunk)
        if total > opts.max_bytes:
            raise FetchError(f"too large (more than {_size(opts.max_bytes)})", kind="too-large", retryable=False)
        if not mime and len(chunks) == 0 and not _looks_like_html(chunk):
            raise FetchError("not an HTML page (no content type, and it does not look like HTML)",
                             kind="not-html", retryable=False)
        chunks.append(chunk)
        if time.monotonic() > deadline:
            raise FetchError(f"timed out: the page took longer than {opts.total_timeout:g} s", kind="timeout",
                             retryable=True)
    body = b"".join(chunks)
    if not body.strip():
        raise FetchError("the page is empty", kind="http", retryable=True)
    return Page(url=asked, final_url=str(resp.url), status=status, content_type=ctype or "text/html",
                charset=charset, body=body, fetched=_now_iso(), redirects=seen[1:])


def _size(n: int) -> str:
    if n >= 1024 * 1024:
        return f"{n / (1024 * 1024):.1f} MB"
    if n >= 1024:
        return f"{n / 1024:.0f} KB"
    return f"{n} bytes"


def _short(err: BaseException) -> str:
    text = clean_line(str(err)) or type(err).__name__
    return text[:120]


def _os_error(err: BaseException) -> OSError | None:
    seen: set[int] = set()
    cur: BaseException | None = err
    while cur is not None and id(cur) not in seen:
        seen.add(id(cur))
        if isinstance(cur, OSError):
            return cur
        cur = cur.__cause__ or cur.__context__
    return None


_OFFLINE_ERRNOS = {errno.ENETUNREACH, errno.ENETDOWN, errno.EHOSTUNREACH}


def _connect_error(err: BaseException, url: str) -> FetchError:
    host = _host(url)
    cause = _os_error(err)
    text = str(err).lower()
    if isinstance(cause, socket.gaierror) or "name resolution" in text or "name or service" in text:
        return FetchError(f"cannot find {host} (offline, or no such host)", kind="offline", retryable=True)
    if cause is not None and cause.errno in _OFFLINE_ERRNOS:
        return FetchError(f"network unreachable for {host} (offline?)", kind="offline", retryable=True)
    if isinstance(cause, ConnectionRefusedError) or "refused" in text:
        return FetchError(f"{host} refused the connection", kind="refused", retryable=True)
    if "ssl" in text or "certificate" in text or "tls" in text:
        return FetchError(f"secure connection to {host} failed ({_short(err)})", kind="tls", retryable=False)
    return FetchError(f"cannot connect to {host} ({_short(err)})", kind="network", retryable=True)


def fetch_with_retries(
    url: str,
    opts: FetchOptions | None = None,
    *,
    client: httpx.Client | None = None,
    sleep: Callable[[float], None] = time.sleep,
    fetch: Callable[..., Any] | None = None,
    on_retry: Callable[[FetchError, int, float], None] | None = None,
) -> Any:
    """`fetch(url, opts, client=client)` (default: `fetch_page`), asked again
    after a retryable failure, up to `opts.retries` times, pausing
    backoff × 2ⁿ seconds (with jitter, or what Retry-After asks).
    `on_retry(error, next attempt number, pause)` is told before each pause."""
    opts = opts or FetchOptions.from_env()
    fetch = fetch or fetch_page
    attempt = 0
    while True:
        try:
            return fetch(url, opts, client=client)
        except FetchError as err:
            # Offline: asking again within seconds will not help.
            if not err.retryable or err.kind == "offline" or attempt >= opts.retries:
                raise
            delay = opts.backoff * (2**attempt) * (0.75 + random.random() / 2)
            if err.retry_after is not None:
                delay = max(delay, err.retry_after)
            attempt += 1
            if on_retry is not None:
                on_retry(err, attempt + 1, delay)
            sleep(delay)


def fetch_article(
    url: str, opts: FetchOptions | None = None, *, client: httpx.Client | None = None
) -> tuple[Article, Page]:
    """Fetch a page and fold it like a saved page. The article keeps the
    address asked for (its identity); the address it ended at is in the page."""
    from reader.core.ingest import IngestError, article_id, ingest_bytes, site_of

    page = fetch_page(url, opts, client=client)
    try:
        article = ingest_bytes(page.html_bytes(), "html", url=page.final_url)
    except IngestError as err:
        raise FetchError(f"nothing to read on the page ({err})", kind="http", retryable=False) from None
    if article.title == "Untitled":
        article.title = page.url[:500]
    article.url = page.url
    article.site = site_of(page.url)
    article.id = article_id(page.url)
    return article, page

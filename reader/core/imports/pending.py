"""`reader fetch`: fetch the pending entries, a few at once, each with
retries and back-off; store each page as it arrives (the fetching threads
never touch the archive); stop starting new fetches once the machine looks
offline, leaving the rest pending."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field, replace
from typing import Any

from reader.core.fetch import FetchError, FetchOptions, fetch_article, fetch_with_retries, make_client
from reader.core.models import ArticleInfo


@dataclass
class Outcome:
    row: ArticleInfo
    status: str  # "fetched", "duplicate", "failed" (for good), "pending" (try again later)
    reason: str = ""
    article_id: str = ""
    title: str = ""


@dataclass
class FetchReport:
    outcomes: list[Outcome] = field(default_factory=list)
    offline: bool = False
    not_tried: int = 0
    still_pending: int = 0

    def of(self, status: str) -> list[Outcome]:
        return [o for o in self.outcomes if o.status == status]

    def lines(self) -> list[str]:
        fetched, dups = self.of("fetched"), self.of("duplicate")
        failed, later = self.of("failed"), self.of("pending")
        out = [f"fetched: {len(fetched)}" + (f" (and {len(dups)} already in the archive)" if dups else "")]
        out.append(f"failed: {len(failed)}")
        for o in failed:
            out.append(f"  {o.row.url}: {o.reason}")
        line = f"still pending: {self.still_pending}"
        if later:
            line += f" ({len(later)} to try again later"
            line += f"; {self.not_tried} not tried)" if self.not_tried else ")"
        elif self.not_tried:
            line += f" ({self.not_tried} not tried)"
        out.append(line)
        for o in later:
            out.append(f"  {o.row.url}: {o.reason}")
        if self.offline:
            out.append("The network looks unreachable: the rest stay pending; run `reader fetch` again when online.")
        return out


def fetch_pending(
    archive: Any,
    rows: list[ArticleInfo],
    opts: FetchOptions | None = None,
    *,
    on_outcome: Callable[[Outcome], None] | None = None,
    on_retry: Callable[[ArticleInfo, FetchError, int, float], None] | None = None,
    sleep: Callable[[float], None] | None = None,
) -> FetchReport:
    """Fetch `rows` (pending entries) with at most `opts.jobs` at once.

    `on_outcome(outcome)` is told of each entry done (in this thread);
    `on_retry(row, error, next attempt number, pause)` before each pause of
    an entry asked again (in the worker's thread)."""
    import time

    opts = opts or FetchOptions.from_env()
    report = FetchReport()
    client = make_client(opts)
    todo = list(rows)
    inflight: dict[Future[Any], ArticleInfo] = {}

    # An address the user typed (`reader add URL`) is theirs to ask for, on
    # this machine too, as `reader add` allowed it.
    typed = replace(opts, allow_local=True)

    def work(row: ArticleInfo, mine: FetchOptions) -> Any:
        def retrying(err: FetchError, attempt: int, pause: float) -> None:
            if on_retry is not None:
                on_retry(row, err, attempt, pause)

        return fetch_with_retries(row.url or "", mine, client=client, sleep=sleep or time.sleep,
                                  fetch=fetch_article, on_retry=retrying)

    try:
        with ThreadPoolExecutor(max_workers=max(1, opts.jobs)) as pool:
            while todo or inflight:
                while todo and len(inflight) < max(1, opts.jobs) and not report.offline:
                    row = todo.pop(0)
                    mine = typed if archive.fetch_state(row.id).get("source") == "add" else opts
                    inflight[pool.submit(work, row, mine)] = row
                if not inflight:
                    break
                done, _ = wait(inflight, return_when=FIRST_COMPLETED)
                for fut in done:
                    row = inflight.pop(fut)
                    outcome = _store(archive, row, fut)
                    if outcome.status == "pending" and getattr(fut.exception(), "kind", "") == "offline":
                        report.offline = True
                    report.outcomes.append(outcome)
                    if on_outcome:
                        on_outcome(outcome)
            report.not_tried = len(todo)
    finally:
        client.close()
    report.still_pending = len(archive.pending())
    return report


def _store(archive: Any, row: ArticleInfo, fut: Future[Any]) -> Outcome:
    err = fut.exception()
    if err is None:
        article, page = fut.result()
        with archive.transaction():
            res = archive.fill_pending(row.id, article)
            if res.status == "duplicate":
                return Outcome(row, "duplicate", article_id=res.id, title=res.article.title)
            archive.put_raw(res.id, page.text(), page.meta())
        return Outcome(row, "fetched", article_id=res.id, title=article.title)
    if isinstance(err, FetchError):
        # An address on this machine or its network waits for
        # `reader fetch --allow-local`, which fetches what is pending.
        permanent = not err.retryable and err.kind != "refused"
        archive.record_fetch_failure(row.id, str(err), permanent=permanent)
        return Outcome(row, "failed" if permanent else "pending", reason=str(err), article_id=row.id)
    # A page that broke the parser, say: report it, and keep the entry for later.
    reason = f"{type(err).__name__}: {err}"[:200]
    archive.record_fetch_failure(row.id, reason, permanent=False)
    return Outcome(row, "pending", reason=reason, article_id=row.id)

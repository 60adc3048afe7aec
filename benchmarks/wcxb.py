"""The WCXB article corpus: reading it, splitting it, scoring against it.

Shared by `benchmarks/fold.py` (the benchmark) and `benchmarks/train_fold.py`
(which fits the folding model). The corpus lives outside the repository, in
../shared/corpus/wcxb-dev-articles next to the working tree.

The score is the one the corpus README states (the article-extraction-benchmark
rule): word 4-gram multisets, per-page precision and recall, each averaged over
the pages where it is defined, F1 the harmonic mean of the two averages.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DEFAULT_CORPUS = REPO.parent / "shared" / "corpus" / "wcxb-dev-articles"

_TOKEN = re.compile(r"\w+")


@dataclass
class Page:
    id: str
    domain: str
    url: str
    truth: dict
    html_path: Path
    text_path: Path

    @property
    def heldout(self) -> bool:
        return is_heldout(self.domain)

    def html(self) -> str:
        return gzip.decompress(self.html_path.read_bytes()).decode("utf-8", "replace")

    def text(self) -> str:
        return self.text_path.read_text(encoding="utf-8", errors="replace")


def is_heldout(domain: str) -> bool:
    """About 30% of the domains, chosen by a stable hash of the domain name.

    The folding model and its hand-written rules are never tuned on these.
    """
    domain = domain.lower().removeprefix("www.")
    return int(hashlib.sha256(domain.encode("utf-8")).hexdigest()[:8], 16) % 10 < 3


def load_pages(corpus: Path) -> list[Page]:
    pages = []
    for tp in sorted((corpus / "truth").glob("*.json")):
        pid = tp.stem
        truth = json.loads(tp.read_text(encoding="utf-8"))
        pages.append(
            Page(
                id=pid,
                domain=str(truth.get("domain") or ""),
                url=str(truth.get("url") or ""),
                truth=truth,
                html_path=corpus / "html" / f"{pid}.html.gz",
                text_path=corpus / "text" / f"{pid}.txt",
            )
        )
    return pages


# ---------------------------------------------------------------- score


def shingles(text: str) -> Counter:
    tokens = _TOKEN.findall(text)
    if len(tokens) < 4:
        return Counter([tuple(tokens)]) if tokens else Counter()
    return Counter(tuple(tokens[i : i + 4]) for i in range(len(tokens) - 3))


def page_counts(predicted: str, truth: str) -> tuple[int, int, int]:
    p, t = shingles(predicted), shingles(truth)
    tp = sum((p & t).values())
    return tp, sum(p.values()) - tp, sum(t.values()) - tp


def page_pr(tp: int, fp: int, fn: int) -> tuple[float | None, float | None]:
    """Precision and recall of one page; None where the page does not count."""
    if fp == 0 and fn == 0:
        prec = rec = 1.0
    else:
        prec = tp / (tp + fp) if tp + fp else 0.0
        rec = tp / (tp + fn) if tp + fn else 0.0
    return (prec if tp + fp > 0 else None), (rec if tp + fn > 0 else None)


def aggregate(counts: list[tuple[int, int, int]]) -> tuple[float, float, float]:
    """(F1, precision, recall) over pages, as the corpus README defines them."""
    ps, rs = [], []
    for c in counts:
        p, r = page_pr(*c)
        if p is not None:
            ps.append(p)
        if r is not None:
            rs.append(r)
    prec = sum(ps) / len(ps) if ps else 0.0
    rec = sum(rs) / len(rs) if rs else 0.0
    f1 = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
    return f1, prec, rec

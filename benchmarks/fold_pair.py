"""Which of two checkouts of reader reads pages faster, page by page.

    python benchmarks/fold_pair.py OLD_CHECKOUT NEW_CHECKOUT [--mode html|text] [--rounds 2]

One worker process per checkout (its own `reader` on PYTHONPATH) reads the
corpus pages as `reader fold` does (ingest, folding, the visible text); the
two take each page in turn, the order alternating, so that a change in the
machine's load weighs on both alike. Prints each side's median ms per page
and the median of the per-page ratios NEW / OLD: on this noisy machine a
difference of a few percent shows only this way, not as two medians from
separate runs. Reads ../shared/corpus/wcxb-dev-articles (or --corpus).
"""

from __future__ import annotations

import argparse
import gzip
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from wcxb import DEFAULT_CORPUS  # noqa: E402

#: A reader worker: a path per line in, the ms it took to read it (as `reader fold` does) out.
WORKER = r"""
import sys, time
from pathlib import Path
from reader.core.ingest import IngestError, ingest_file
from reader.core.render import visible_text
for line in sys.stdin:
    t0 = time.perf_counter()
    try:
        visible_text(ingest_file(Path(line.rstrip("\n"))).blocks)
    except IngestError:
        pass
    sys.stdout.write(f"{(time.perf_counter() - t0) * 1000:.4f}\n")
    sys.stdout.flush()
"""


def _files(corpus: Path, mode: str, workdir: Path) -> list[Path]:
    if mode == "text":
        return sorted((corpus / "text").glob("*.txt"))
    out = []
    for src in sorted((corpus / "html").glob("*.html.gz")):
        dest = workdir / src.name[: -len(".gz")]
        dest.write_bytes(gzip.decompress(src.read_bytes()))
        out.append(dest)
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("old", type=Path, help="a checkout of reader (the folder holding reader/)")
    ap.add_argument("new", type=Path)
    ap.add_argument("--mode", choices=("html", "text"), default="html")
    ap.add_argument("--rounds", type=int, default=2, help="times each page is read by each side")
    ap.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    args = ap.parse_args(argv)

    with tempfile.TemporaryDirectory() as tmp:
        files = _files(args.corpus, args.mode, Path(tmp))
        workers = []
        for checkout in (args.old, args.new):
            env = dict(os.environ, PYTHONPATH=str(checkout.resolve()))
            workers.append(subprocess.Popen([sys.executable, "-c", WORKER], stdin=subprocess.PIPE,
                                            stdout=subprocess.PIPE, text=True, env=env, cwd=checkout))
        times: list[list[float]] = [[], []]
        for r in range(args.rounds):
            for k, path in enumerate(files):
                order = (0, 1) if (k + r) % 2 == 0 else (1, 0)
                for side in order:
                    w = workers[side]
                    w.stdin.write(f"{path}\n")
                    w.stdin.flush()
                    times[side].append(float(w.stdout.readline()))
        for w in workers:
            w.stdin.close()
            w.wait()
    old, new = times
    ratios = [b / a for a, b in zip(old, new) if a > 0]
    print(f"{args.mode}: {len(files)} pages x {args.rounds}")
    print(f"  old {args.old}: median {statistics.median(old):.2f} ms per page")
    print(f"  new {args.new}: median {statistics.median(new):.2f} ms per page")
    print(f"  new / old, median of per-page ratios: {statistics.median(ratios):.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""How often `reader` finds an article's title, on the WCXB corpus.

    python benchmarks/titles.py [--corpus DIR] [--modes html,text]

For each page, the title `reader fold --format jsonl` gives is compared with
the corpus's labelled title (the page's own, usually from its <title>): it
counts as found when at least 70% of the distinct words of each are in the
other ("Best Movers in NYC 2025 | Top 19" for "Best Movers in NYC 2025"
counts; a menu item or the file's name does not). Printed for all pages and
for the held-out domains (`wcxb.is_heldout`), beside the share of titles that
fell back to the file's name. Reads the corpus from ../shared beside the
working tree, like benchmarks/fold.py.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from wcxb import DEFAULT_CORPUS, load_pages  # noqa: E402

_WORD = re.compile(r"\w+")


def same_title(found: str, truth: str) -> bool:
    a, b = set(_WORD.findall(found.lower())), set(_WORD.findall(truth.lower()))
    if not a or not b:
        return False
    common = len(a & b)
    return common >= 0.7 * len(a) and common >= 0.7 * len(b)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS, help=f"default: {DEFAULT_CORPUS}")
    ap.add_argument("--modes", default="html,text", help="html,text (default both)")
    args = ap.parse_args(argv)
    pages = [p for p in load_pages(args.corpus) if p.truth.get("title")]
    print(f"corpus: {args.corpus} ({len(pages)} pages with a title)")
    print(f"{'input':6} {'pages':9} {'n':>5} {'found':>7} {'file name':>10}")
    with tempfile.TemporaryDirectory() as tmp:
        for mode in args.modes.split(","):
            paths = {}
            for p in pages:
                if mode == "html":
                    dest = Path(tmp) / f"{p.id}.html"
                    dest.write_text(p.html(), encoding="utf-8")
                else:
                    dest = p.text_path
                paths[str(dest)] = p
            proc = subprocess.run([sys.executable, "-m", "reader.cli", "fold", "--format", "jsonl", *paths],
                                  capture_output=True, text=True, encoding="utf-8")
            if proc.returncode not in (0, 1):
                sys.exit(f"reader fold failed ({proc.returncode}):\n{proc.stderr[-2000:]}")
            rows = []
            for line in proc.stdout.split("\n"):  # not splitlines(): U+2028 may stand inside a string
                if not line.strip():
                    continue
                obj = json.loads(line)
                page = paths[obj["path"]]
                title = obj["title"] or ""
                rows.append((page.heldout, same_title(title, page.truth["title"]), title == Path(obj["path"]).stem))
            for name, part in (("all", rows), ("held-out", [r for r in rows if r[0]])):
                n = len(part) or 1
                print(f"{mode:6} {name:9} {len(part):>5} {sum(r[1] for r in part) / n:>7.2f}"
                      f" {sum(r[2] for r in part) / n:>10.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Benchmark of boilerplate folding on the WCXB article corpus.

Run from the repository root:

    python benchmarks/fold.py [--corpus ../shared/corpus/wcxb-dev-articles]

The corpus is read from ../shared/corpus/wcxb-dev-articles beside the working
tree unless --corpus names another copy. For html/ and text/ input it prints
F1, precision, recall and the median milliseconds per page of

- `reader`: what `reader fold --format jsonl` leaves visible (`visible_text`),
  over all files in one process, exactly as a user would run it;
- trafilatura and jusText, the anchors, when they are importable (install them
  in a separate environment, never as dependencies of reader); a missing one is
  skipped with a note. On text/ input they get each line wrapped in <p>.

Figures are given for all pages and for the held-out part: the domains that
`benchmarks/wcxb.py:is_heldout` sets aside, on which nothing was tuned.
Every tool is timed in this same run, so they share the machine's load:
reader before and after the anchors (each page counts the mean of its two
times), the anchors in between. The score is the corpus README's (see benchmarks/wcxb.py).
"""

from __future__ import annotations

import argparse
import html as html_lib
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from wcxb import DEFAULT_CORPUS, Page, aggregate, load_pages, page_counts  # noqa: E402


def run_reader(pages: list[Page], mode: str, workdir: Path, reader_cmd: list[str]) -> tuple[dict, dict, float]:
    """Visible text and ms per page from one `reader fold` process."""
    paths = []
    for p in pages:
        if mode == "html":
            dest = workdir / f"{p.id}.html"
            if not dest.exists():
                dest.write_text(p.html(), encoding="utf-8")
            paths.append(dest)
        else:
            paths.append(p.text_path)
    by_path = {str(path): p.id for path, p in zip(paths, pages)}
    list_file = workdir / f"paths-{mode}.txt"
    list_file.write_text("\n".join(str(x) for x in paths), encoding="utf-8")
    t0 = time.perf_counter()
    proc = subprocess.run(
        [*reader_cmd, "fold", "--format", "jsonl", "--timing", *map(str, paths)],
        capture_output=True, text=True, encoding="utf-8",
    )
    wall = time.perf_counter() - t0
    if proc.returncode not in (0, 1):
        sys.exit(f"reader fold failed ({proc.returncode}):\n{proc.stderr[-2000:]}")
    if proc.stderr.strip():
        print(f"  reader fold ({mode}) reported:\n    " + proc.stderr.strip()[-1500:].replace("\n", "\n    "))
    texts, ms = {}, {}
    for line in proc.stdout.split("\n"):
        if not line.strip():
            continue
        obj = json.loads(line)
        pid = by_path.get(obj["path"])
        if pid is None:
            continue
        texts[pid] = obj["visible_text"]
        if "ms" in obj:
            ms[pid] = obj["ms"]
    return texts, ms, wall


def anchor_funcs() -> dict:
    funcs = {}
    try:
        import trafilatura

        def traf(markup: str) -> str:
            return trafilatura.extract(markup) or ""

        funcs[f"trafilatura {trafilatura.__version__}"] = traf
    except Exception as err:  # noqa: BLE001
        print(f"note: trafilatura skipped ({type(err).__name__}: {err})")
    try:
        import justext

        stoplist = justext.get_stoplist("English")

        def jus(markup: str) -> str:
            paras = justext.justext(markup.encode("utf-8"), stoplist, encoding="utf-8")
            return "\n\n".join(p.text for p in paras if not p.is_boilerplate)

        funcs["jusText"] = jus
    except Exception as err:  # noqa: BLE001
        print(f"note: jusText skipped ({type(err).__name__}: {err})")
    return funcs


def as_paragraph_html(text: str) -> str:
    lines = [f"<p>{html_lib.escape(line.strip())}</p>" for line in text.splitlines() if line.strip()]
    return "<html><body>" + "\n".join(lines) + "</body></html>"


def run_anchor(func, pages: list[Page], mode: str) -> tuple[dict, dict]:
    texts, ms = {}, {}
    for p in pages:
        markup = p.html() if mode == "html" else as_paragraph_html(p.text())
        t0 = time.perf_counter()
        try:
            out = func(markup)
        except Exception:  # noqa: BLE001
            out = ""
        ms[p.id] = (time.perf_counter() - t0) * 1000
        texts[p.id] = out
    return texts, ms


def paired_ratios(pages: list[Page], mode: str, workdir: Path, func) -> dict[str, float]:
    """Per page, reader's time over the anchor's, the two taking each page in
    turn (reader in a worker process reading the file as `reader fold` does,
    the anchor here), the order alternating: the machine's drift, which moves
    the medians of separate passes by a fifth, weighs on both alike."""
    from fold_pair import WORKER

    worker = subprocess.Popen([sys.executable, "-c", WORKER], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                              text=True)
    ratios = {}
    try:
        for k, p in enumerate(pages):
            path = workdir / f"{p.id}.html" if mode == "html" else p.text_path
            markup = p.html() if mode == "html" else as_paragraph_html(p.text())
            mine = theirs = 0.0
            for turn in ((0, 1) if k % 2 == 0 else (1, 0)):
                if turn == 0:
                    worker.stdin.write(f"{path}\n")
                    worker.stdin.flush()
                    mine = float(worker.stdout.readline())
                else:
                    t0 = time.perf_counter()
                    try:
                        func(markup)
                    except Exception:  # noqa: BLE001
                        pass
                    theirs = (time.perf_counter() - t0) * 1000
            if theirs > 0:
                ratios[p.id] = mine / theirs
    finally:
        worker.stdin.close()
        worker.wait()
    return ratios


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS, help=f"default: {DEFAULT_CORPUS}")
    ap.add_argument("--modes", default="html,text", help="html,text (default both)")
    ap.add_argument("--no-anchors", action="store_true", help="score reader only")
    ap.add_argument("--limit", type=int, default=0, help="only the first N pages (a quick look)")
    ap.add_argument("--reader", default=None,
                    help="command that runs reader (default: this Python's `-m reader`)")
    ap.add_argument("--dump", type=Path, default=None, help="write per-page scores as JSON lines here")
    args = ap.parse_args(argv)

    pages = load_pages(args.corpus)
    if not pages:
        sys.exit(f"no pages under {args.corpus}")
    if args.limit:
        pages = pages[: args.limit]
    reader_cmd = args.reader.split() if args.reader else [sys.executable, "-m", "reader"]
    anchors = {} if args.no_anchors else anchor_funcs()
    heldout = {p.id for p in pages if p.heldout}
    print(f"corpus: {args.corpus} ({len(pages)} pages; held-out part: {len(heldout)} pages "
          f"from {len({p.domain for p in pages if p.heldout})} domains)")

    dump = args.dump.open("w", encoding="utf-8") if args.dump else None
    workdir = Path(tempfile.mkdtemp(prefix="fold-bench-"))
    rows = []
    paired: list[tuple[str, str, float, int]] = []
    try:
        for mode in args.modes.split(","):
            results = {}
            texts, ms, wall = run_reader(pages, mode, workdir, reader_cmd)
            if not ms:
                ms = {pid: wall * 1000 / len(pages) for pid in texts}
            print(f"  reader fold ({mode}): {len(pages)} files in one process, {wall:.1f} s wall")
            for name, func in anchors.items():
                results[name] = run_anchor(func, pages, mode)
            if anchors:
                # Time reader again after the anchors, so that its figure and
                # theirs see the same drift in the machine's load: each page
                # counts the mean of its two times.
                _texts2, ms2, wall2 = run_reader(pages, mode, workdir, reader_cmd)
                ms = {pid: (v + ms2.get(pid, v)) / 2 for pid, v in ms.items()}
                print(f"  reader fold ({mode}) again: {wall2:.1f} s wall")
            results = {"reader": (texts, ms), **results}
            traf = next((f for name, f in anchors.items() if name.startswith("trafilatura")), None)
            if traf is not None:
                ratios = paired_ratios(pages, mode, workdir, traf)
                for part, ids in (("all", [p.id for p in pages]), ("held-out", sorted(heldout))):
                    vals = [ratios[i] for i in ids if i in ratios]
                    if vals:
                        paired.append((mode, part, statistics.median(vals), len(vals)))
            for name, (texts, ms) in results.items():
                counts = {p.id: page_counts(texts.get(p.id, ""), p.truth["main_content"]) for p in pages}
                if dump:
                    for p in pages:
                        dump.write(json.dumps({"tool": name, "mode": mode, "id": p.id, "domain": p.domain,
                                               "heldout": p.id in heldout, "counts": counts[p.id],
                                               "ms": ms.get(p.id)}) + "\n")
                for part, ids in (("all", [p.id for p in pages]), ("held-out", sorted(heldout))):
                    if not ids:
                        continue
                    f1, prec, rec = aggregate([counts[i] for i in ids])
                    med = statistics.median(ms[i] for i in ids if i in ms) if ms else float("nan")
                    rows.append((mode, part, name, len(ids), f1, prec, rec, med))
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
        if dump:
            dump.close()

    # Each tool's median time against trafilatura's on the same pages, in the same run.
    anchor = {(mode, part): med for mode, part, name, _n, *_s, med in rows if name.startswith("trafilatura")}
    print()
    print(f"{'input':<6} {'pages':<9} {'tool':<18} {'n':>4} {'F1':>6} {'P':>6} {'R':>6} {'ms/page':>8} {'x traf.':>8}")
    for mode, part, name, n, f1, prec, rec, med in rows:
        ratio = med / anchor[mode, part] if anchor.get((mode, part)) else float("nan")
        print(f"{mode:<6} {part:<9} {name:<18} {n:>4} {f1:6.3f} {prec:6.3f} {rec:6.3f} {med:8.1f} {ratio:8.2f}")
    if paired:
        print()
        print("reader / trafilatura, the two taking each page in turn (median of per-page ratios):")
        for mode, part, ratio, n in paired:
            print(f"{mode:<6} {part:<9} {n:>4} pages {ratio:6.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""How reader holds up at 1,000 and 10,000 articles.

    python benchmarks/scale.py                      # 1,000 and 10,000 articles
    python benchmarks/scale.py --sizes 1000         # just one size
    python benchmarks/scale.py --corpus DIR --work DIR --keep

Builds archives of realistic articles - the browser-copied texts of the WCXB
corpus (../shared/corpus/wcxb-dev-articles/text, which this script reads),
varied so no two are the same - with 10 annotations each (100,000 at 10,000),
then measures, per size:

- cold start of `reader` to the interactive archive screen, as a whole
  headless process (timed from its launch to its first frame on screen; the
  whole run, quitting included, is printed beside it), and a bare Textual app
  started the same way (the floor);
- opening a 10,000-word article to its first painted screen;
- a cursor move on that article (and on a 200-word one);
- saving one annotation (p50 and p95 over 200);
- filter-as-you-type over the archive, per key press;
- `reader list`, `reader export` of everything, `reader add` of 500 text files;
- peak memory (RSS) of the TUI on the archive.

Times drift on a shared machine, so each table also gives the figure as a
ratio: to the bare Textual app for the start, and 10k against 1k for every
per-action cost. It is a benchmark, not a test: it prints, it does not assert.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CORPUS = ROOT.parent / "shared" / "corpus" / "wcxb-dev-articles"
ANNOTATIONS_PER_ARTICLE = 10
TAGS = ["claim", "evidence", "question", "topic/policy", "topic/science", "method"]

# What one action costs (a start, a key press, a save): these should not grow
# with the archive. `reader list`, export and import handle every article, so
# they do, and are compared with their own targets only.
PER_ACTION = (
    "cold start / bare",
    "filter per key ms",
    "filter per key p95 ms",
    "open long article ms",
    "open short article ms",
    "cursor move long ms",
    "cursor move long p95 ms",
    "cursor move short ms",
    "cursor move short p95 ms",
    "annotation save p50 ms",
    "annotation save p95 ms",
)

TARGETS = {
    "cold start / bare": 1.5,
    "open long article ms": 150,
    "cursor move long ms": 16,
    "cursor move short ms": 16,
    "annotation save p95 ms": 15,
    "filter per key ms": 50,
    "export all s": 10,
    "import articles/s": 50,
    "peak RSS MB": 300,
}


# ---------------------------------------------------------------- building


def corpus_texts(corpus: Path) -> list[tuple[str, str]]:
    """(domain, text) of every browser-copied page of the corpus."""
    out = []
    for path in sorted((corpus / "text").glob("*.txt")):
        truth = corpus / "truth" / (path.stem + ".json")
        domain = json.loads(truth.read_text(encoding="utf-8")).get("domain", "example.com") if truth.exists() else "example.com"
        out.append((domain, path.read_text(encoding="utf-8", errors="replace")))
    if not out:
        raise SystemExit(f"no corpus texts under {corpus}/text")
    return out


def variant(texts: list[tuple[str, str]], i: int, rng: random.Random) -> tuple[str, str, str]:
    """(url, site, text): article i, a corpus page with its paragraphs
    shuffled a little and a line of its own, so every one is different."""
    domain, text = texts[i % len(texts)]
    round_ = i // len(texts)
    paras = text.split("\n\n")
    if round_ and len(paras) > 4:
        head, body = paras[:2], paras[2:]
        k = rng.randrange(len(body))
        body = body[k:] + body[:k]
        paras = head + body
    text = f"Dispatch {i}: notes from {domain}\n\n" + "\n\n".join(paras) + f"\n\nFiled as item {i}.\n"
    site = domain if round_ == 0 else f"r{round_}.{domain}"
    return f"https://{site}/articles/{i}", site, text


def long_article(texts: list[tuple[str, str]], words: int) -> str:
    """An article of about `words` words made of corpus paragraphs."""
    paras: list[str] = []
    count = 0
    for _, text in texts:
        for p in text.split("\n\n"):
            if len(p.split()) >= 25:
                paras.append(p.strip())
                count += len(p.split())
                if count >= words:
                    return f"A very long read of {words} words\n\n" + "\n\n".join(paras)
    return "\n\n".join(paras)


def build(archive_dir: Path, n: int, texts: list[tuple[str, str]]) -> tuple[str, str]:
    """Fill an archive with n articles and 10 annotations each; returns the
    ids of a 10,000-word and a 200-word article in it."""
    from reader.core.ingest import ingest_bytes
    from reader.core.sentences import sentence_spans
    from reader.core.store import Archive

    rng = random.Random(n)
    archive = Archive(archive_dir)
    t0 = time.perf_counter()
    extra = [
        ("https://long.example/read", long_article(texts, 10_000)),
        ("https://short.example/read", long_article(texts, 200)),
    ]
    ids = []
    for i in range(n):
        if i < len(extra):
            url, text = extra[i]
        else:
            url, _, text = variant(texts, i, rng)
        article = ingest_bytes(text.encode("utf-8"), "text", url=url, name=f"{i}.txt")
        article.saved = f"20{10 + i % 15:02}-{1 + i % 12:02}-{1 + i % 28:02}T08:00:00Z"
        result = archive.save(article)
        ids.append(result.id)
        body = result.article
        content = [b for b in body.blocks if not b.boilerplate and len(b.text) > 40] or body.blocks
        spans = []
        for k in range(ANNOTATIONS_PER_ARTICLE):
            block = content[(k * 7) % len(content)]
            sents = sentence_spans(block.text) or [(0, len(block.text))]
            s, e = sents[k % len(sents)]
            spans.append((block.start + s, block.start + e, [TAGS[(i + k) % len(TAGS)]],
                          f"note {k} on {i}: check this against the source" if k % 3 == 0 else ""))
        add_many = getattr(archive, "add_annotations", None)
        if add_many is not None:
            add_many(result.id, spans, text=body.text)
        else:
            for s, e, tags, note in spans:
                archive.add_annotation(result.id, s, e, tags=tags, note=note, text=body.text)
        if (i + 1) % 1000 == 0:
            print(f"    built {i + 1}/{n} ({time.perf_counter() - t0:.0f} s)", flush=True)
    archive.close()
    return ids[0], ids[1]


# ---------------------------------------------------------------- measuring

STARTUP_READER = """
import sys, time
from reader.ui import app as app_mod
from reader.ui.screens import archive as archive_mod
original = archive_mod.ArchiveScreen.on_mount
def ready(app):
    print("READY", time.time(), flush=True)
    app.exit()
def on_mount(self):
    original(self)
    self.call_after_refresh(ready, self.app)
archive_mod.ArchiveScreen.on_mount = on_mount
run = app_mod.ReaderApp.run
app_mod.ReaderApp.run = lambda self, **kw: run(self, headless=True, **kw)
from reader.cli import main
sys.exit(main(["--data-dir", sys.argv[1]]))
"""

STARTUP_BARE = """
import time
from textual.app import App
from textual.widgets import Footer, Static
class Bare(App):
    def compose(self):
        yield Static("hello")
        yield Footer()
    def ready(self):
        print("READY", time.time(), flush=True)
        self.exit()
    def on_mount(self):
        self.call_after_refresh(self.ready)
Bare().run(headless=True)
"""

CHILD_MEASURES = f"""
import asyncio, json, sys
sys.path.insert(0, {str(Path(__file__).resolve().parent)!r})
import scale
data, long_id, short_id = scale.Path(sys.argv[1]), sys.argv[2], sys.argv[3]
out = asyncio.run(scale.ui_measures(data, long_id, short_id))
out["annotation save p50 ms"], out["annotation save p95 ms"] = scale.save_measure(data)
print(json.dumps(out))
"""

RSS_READER = """
import asyncio, resource, sys
from reader.core.store import Archive
from reader.ui.app import ReaderApp, settle
async def main():
    archive = Archive(sys.argv[1])
    app = ReaderApp(archive)
    settle(archive)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("slash", *"dispatch 1", "enter")
        await pilot.press("G", "s", "s", "g", "enter")
        await pilot.pause()
        for _ in range(50):
            await pilot.press("j")
        await pilot.press("q")
        await pilot.press("escape")
    print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
asyncio.run(main())
"""


# Child processes may cache compiled modules, as an installed reader does
# (some shells here set PYTHONDONTWRITEBYTECODE, which would charge reader
# the compiling of its modules on every start, and the bare app nothing).
CHILD_ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def run_python(code: str, *args: str) -> tuple[float, str]:
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, timeout=1800,
                          env=CHILD_ENV)
    elapsed = time.perf_counter() - t0
    if proc.returncode != 0:
        raise RuntimeError(proc.stderr[-2000:])
    return elapsed, proc.stdout


def start_once(code: str, *args: str) -> tuple[float, float]:
    """(seconds from launching the process to its first interactive frame,
    seconds the whole process took, quitting included)."""
    launched = time.time()
    elapsed, out = run_python(code, *args)
    ready = [float(line.split()[1]) for line in out.splitlines() if line.startswith("READY ")]
    if not ready:
        raise RuntimeError(f"no READY line from the app: {out[-500:]}")
    return ready[0] - launched, elapsed


def cold_start(data: Path, repeats: int = 7) -> dict[str, float]:
    """Medians, in seconds, for reader to its archive screen and for the bare
    Textual app, launched in turns."""
    ours, bare = [], []
    start_once(STARTUP_READER, str(data))  # warm: compiled modules cached, files in the page cache
    start_once(STARTUP_BARE)
    for _ in range(repeats):
        ours.append(start_once(STARTUP_READER, str(data)))
        bare.append(start_once(STARTUP_BARE))
    out = {
        "cold start s": statistics.median(t for t, _ in ours),
        "bare Textual app s": statistics.median(t for t, _ in bare),
        "whole process, quit included, s": statistics.median(w for _, w in ours),
        "bare, quit included, s": statistics.median(w for _, w in bare),
    }
    out["cold start / bare"] = out["cold start s"] / out["bare Textual app s"]
    return out


async def ui_measures(data: Path, long_id: str, short_id: str) -> dict[str, float]:
    from reader.core.store import Archive
    from reader.ui.app import ReaderApp, settle
    from reader.ui.screens.article import ArticleScreen
    from reader.ui.widgets.archive_list import ArchiveList

    archive = Archive(data)
    app = ReaderApp(archive)
    settle(archive)  # as `reader` does before its app runs
    out: dict[str, float] = {}
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        lst = app.screen.query_one(ArchiveList)
        # Filter as you type: each prefix of a query, as the keys arrive. Per
        # key: the work done before the next key can be read and the first
        # screenful drawn; and, apart, until every row has been matched.
        per_key, complete = [], []
        for query in ("dispatch 99", "climate", "zzz", "note 3"):
            for k in range(1, len(query) + 1):
                t0 = time.perf_counter()
                lst.set_filter(query[:k])
                for y in range(lst.size.height):
                    lst.render_line(y)
                per_key.append((time.perf_counter() - t0) * 1000)
                while lst.scanning:
                    await asyncio.sleep(0)
                complete.append((time.perf_counter() - t0) * 1000)
        lst.set_filter("")
        out["filter per key ms"] = statistics.median(per_key)
        out["filter per key p95 ms"] = sorted(per_key)[int(len(per_key) * 0.95) - 1]
        out["filter, all rows matched, median ms"] = statistics.median(complete)

        # An article's first painted screen: when its view has drawn every
        # line of the first frame (render_line is called per line drawn).
        from reader.ui.widgets.article_view import ArticleView

        drawn: list[float] = []
        real_render_line = ArticleView.render_line

        def render_line(self, y):  # noqa: ANN001, ANN202
            strip = real_render_line(self, y)
            drawn.append(time.perf_counter())
            return strip

        ArticleView.render_line = render_line  # type: ignore[method-assign]
        for label, article_id in (("long", long_id), ("short", short_id)):
            opens = []
            for _ in range(5):
                drawn.clear()
                t0 = time.perf_counter()
                screen = ArticleScreen(archive, article_id)
                await app.push_screen(screen)
                await pilot.pause()
                height = screen.view.size.height
                opens.append((drawn[height - 1] - t0) * 1000 if len(drawn) >= height else float("nan"))
                words = screen.article.word_count
                view = screen.view
                moves = []
                for _ in range(200):
                    t0 = time.perf_counter()
                    screen.action_cursor(1)
                    for y in range(view.size.height):
                        view.render_line(y)
                    moves.append((time.perf_counter() - t0) * 1000)
                app.pop_screen()
                await pilot.pause()
            out[f"open {label} article ms"] = statistics.median(opens)
            out[f"words in the {label} article"] = words
            out[f"cursor move {label} ms"] = statistics.median(moves)
            out[f"cursor move {label} p95 ms"] = sorted(moves)[189]
    ArticleView.render_line = real_render_line  # type: ignore[method-assign]
    archive.close()
    return out


def save_measure(data: Path) -> tuple[float, float]:
    """p50 and p95 of saving one annotation, 200 saves spread over 20
    articles of ordinary size (an article's own notes grow with every run)."""
    from reader.core.store import Archive

    archive = Archive(data)
    rows = [r for r in archive.articles() if r.annotation_count <= 12 and r.status == "ok"]
    random.Random(time.time_ns()).shuffle(rows)
    times = []
    for row in rows[:20]:
        text = archive.get(row.id).text
        for k in range(10):
            s = (k * 37) % max(1, len(text) - 60)
            t0 = time.perf_counter()
            archive.add_annotation(row.id, s, s + 40, tags=["claim"], note=f"bench {k}", text=text)
            times.append((time.perf_counter() - t0) * 1000)
    archive.close()
    times.sort()
    return statistics.median(times), times[int(len(times) * 0.95) - 1]


def cli_time(*args: str) -> float:
    """Seconds a `reader` command takes; it must succeed. The disk is settled
    first: what building the archive left to write back is not the command's."""
    if hasattr(os, "sync"):
        os.sync()
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "reader", *args], capture_output=True, text=True, timeout=1800,
                          env=CHILD_ENV)
    elapsed = time.perf_counter() - t0
    if proc.returncode != 0:
        raise RuntimeError(f"reader {' '.join(args[:2])} failed: {proc.stderr[-2000:]}")
    return elapsed


def find_built(data: Path) -> tuple[str, str] | None:
    """The long and short articles' ids in an archive built before."""
    from reader.core.store import Archive

    if not (data / "archive").is_dir():
        return None
    archive = Archive(data)
    ids = {r.url: r.id for r in archive.articles()}
    archive.close()
    long_id, short_id = ids.get("https://long.example/read"), ids.get("https://short.example/read")
    return (long_id, short_id) if long_id and short_id else None


def measure(size: int, texts: list[tuple[str, str]], work: Path, leftovers: list[Path], *,
            reuse: bool = False) -> dict[str, float]:
    """The figures for one size. Folders made for one measure and no longer
    needed are added to `leftovers` (for the caller to remove when done)."""
    data = work / f"archive-{size}"
    built = find_built(data) if reuse else None
    if built is None:
        if data.exists():
            shutil.rmtree(data)
        print(f"  building {size} articles with {size * ANNOTATIONS_PER_ARTICLE} annotations ...", flush=True)
        t0 = time.perf_counter()
        built = build(data, size, texts)
        print(f"  built in {time.perf_counter() - t0:.0f} s", flush=True)
    else:
        print(f"  using the archive built before in {data}", flush=True)
    long_id, short_id = built
    out: dict[str, float] = {}
    out.update(cold_start(data))
    # The TUI's measures run in a process of their own, started as `reader`
    # starts (not in this one, which holds the corpus and the other size).
    _, text = run_python(CHILD_MEASURES, str(data), long_id, short_id)
    out.update(json.loads(text.strip().splitlines()[-1]))
    out["reader list s"] = cli_time("list", "--data-dir", str(data))
    # Into a folder never used before; what earlier runs left is removed at the
    # end. (ext4 allocates inodes slowly for a while after many were freed:
    # exporting just after deleting the last export's 10,000 files took twice
    # as long as exporting into a new folder.)
    export_dir = work / f"export-{size}-{time.time_ns()}"
    leftovers.append(export_dir)
    out["export all s"] = cli_time("export", "--out", str(export_dir), "--data-dir", str(data))
    # 500 articles this archive has not seen (a fresh set for every run).
    files = work / f"import-500-{size}-{time.time_ns()}"
    files.mkdir()
    rng = random.Random(time.time_ns())
    for i in range(500):
        _, _, text = variant(texts, rng.randrange(10**6), rng)
        text = f"Item {rng.randrange(10**12)}\n\n" + text
        (files / f"{i:03}.txt").write_text(text, encoding="utf-8")
    # Into a copy of the archive, so that it keeps its size for the next run.
    copy = work / f"import-archive-{size}-{time.time_ns()}"
    leftovers += [files, copy]
    shutil.copytree(data, copy)
    before = time.perf_counter()
    cli_time("add", str(files), "--data-dir", str(copy))
    out["import articles/s"] = 500 / (time.perf_counter() - before)
    _, rss = run_python(RSS_READER, str(data))
    out["peak RSS MB"] = int(rss.strip().splitlines()[-1]) / 1024
    return out


def verdict(key: str, value: float) -> str:
    target = TARGETS.get(key)
    if target is None:
        return ""
    ok = value >= target if key.endswith("/s") else value <= target
    return ("ok" if ok else "MISSED") + f" (target {'>=' if key.endswith('/s') else '<='} {target:g})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--work", type=Path, default=None, help="where to build the archives (default: a temp dir)")
    parser.add_argument("--keep", action="store_true", help="keep the archives")
    parser.add_argument("--reuse", action="store_true",
                        help="measure the archives an earlier --keep run left in --work (the runs add to them)")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    work = args.work or Path(tempfile.mkdtemp(prefix="reader-scale-"))
    work.mkdir(parents=True, exist_ok=True)
    texts = corpus_texts(args.corpus)
    results: dict[int, dict[str, float]] = {}
    # What earlier runs left (they removed it at their end unless stopped).
    leftovers = [p for pattern in ("export-*", "import-*") for p in work.glob(pattern)]
    for path in leftovers:
        shutil.rmtree(path, ignore_errors=True)
    if leftovers:
        # Creating files stays slow for half a minute after so many are freed
        # (see measure): let that pass before anything is timed.
        print(f"  removed {len(leftovers)} folders an earlier run left; waiting 35 s", flush=True)
        os.sync()
        time.sleep(35)
    leftovers.clear()
    try:
        for size in args.sizes:
            print(f"== {size} articles", flush=True)
            results[size] = measure(size, texts, work, leftovers, reuse=args.reuse)
            for key, value in results[size].items():
                print(f"  {key:<34} {value:10.2f}  {verdict(key, value)}", flush=True)
    finally:
        for path in leftovers:
            shutil.rmtree(path, ignore_errors=True)
        if not args.keep and args.work is None:
            shutil.rmtree(work, ignore_errors=True)
    if len(results) >= 2:
        small, big = sorted(results)[0], sorted(results)[-1]
        print(f"\n== {big} against {small}: per-action costs (target: within 1.5x)")
        for key in results[big]:
            if key in PER_ACTION:
                a, b = results[small][key], results[big][key]
                ratio = b / a if a else float("inf")
                print(f"  {key:<34} {a:10.2f} -> {b:10.2f}   x{ratio:.2f} {'ok' if ratio <= 1.5 else 'MISSED'}")


if __name__ == "__main__":
    main()

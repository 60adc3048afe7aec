#!/usr/bin/env python3
"""Kill test: does a note survive `kill -9`?

Each cycle starts a child process that changes one archive as fast as it can
through the real store and the real CLI code: it adds articles, annotates
them (through `Archive.add_annotation` and through `reader annotate`), edits
and deletes notes, and imports changed versions of its articles. Before each
change it prints what it is about to do ("?" line); once the call returned it
prints the same line acknowledged ("!" line). At a random moment the parent
kills it with SIGKILL, then opens the archive as a new process would and checks:

- the archive opens, and every file reads (else: *corrupt*);
- every acknowledged write is there: each article, each annotation with its
  acknowledged note (or the one being written when the child died), no
  annotation acknowledged deleted is back, each re-import's text is there
  (else: *lost*);
- `reader doctor` finds nothing wrong: every index row agrees with its files,
  no temporary file is left (else: *inconsistent*).

Usage:
    python benchmarks/kill_test.py --cycles 200
    python benchmarks/kill_test.py --cycles 20 --json      # one JSON line (CI)

Exit status 0 when nothing was corrupt, lost or inconsistent.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve()
WORDS = (
    "minister claim evidence report ukraine defence calls sunday shoigu analysts statement "
    "bomb dirty provocation western officials denied russia kyiv army october said would "
    "source according question against further nuclear weapons state agency news city"
).split()


# ---------------------------------------------------------------- the child


def _text(rng: random.Random, paragraphs: int) -> str:
    paras = []
    for _ in range(paragraphs):
        n = rng.randint(12, 40)
        sentence = " ".join(rng.choice(WORDS) for _ in range(n))
        paras.append(sentence[0].upper() + sentence[1:] + ".")
    return "\n\n".join(paras)


def child(data_dir: str, seed: int) -> None:
    """Change the archive until killed; one line per change before and after."""
    import io
    from contextlib import redirect_stderr, redirect_stdout

    from reader import cli
    from reader.core.ingest import ingest_bytes
    from reader.core.store import Archive

    rng = random.Random(seed)
    archive = Archive(data_dir)
    out = sys.stdout

    def say(line: str) -> None:
        out.write(line + "\n")
        out.flush()

    mine = [r.id for r in archive.articles()]
    anns: list[tuple[str, str]] = []  # (annotation id, article id)
    for aid in mine[-50:]:
        anns.extend((a.id, aid) for a in archive.annotations(aid))
    say("READY")
    n = 0
    while True:
        n += 1
        op = rng.random()
        if not mine or op < 0.15:
            # A new article.
            title = f"Kill test {seed} {n}"
            path = f"/kill-test/{seed}-{n}.txt"
            body = f"{title}\n\n" + _text(rng, rng.randint(3, 8))
            say(f"? A {path}")
            article = ingest_bytes(body.encode(), "text", source_path=path)
            result = archive.save(article)
            mine.append(result.id)
            say(f"! A {result.id} {result.article.content_hash}")
        elif op < 0.45:
            # An annotation, through the store.
            aid = rng.choice(mine)
            text = archive.get(aid).text
            start = rng.randrange(0, max(1, len(text) - 20))
            end = min(len(text), start + rng.randint(5, 60))
            note = f"note-{seed}-{n}"
            say(f"? N {aid} {note}")
            ann = archive.add_annotation(aid, start, end, tags=["claim"], note=note, text=text)
            anns.append((ann.id, aid))
            say(f"! N {ann.id} {aid} {note}")
        elif op < 0.55:
            # An annotation, through the command line (`reader annotate`).
            aid = rng.choice(mine)
            text = archive.get(aid).text
            words = text.split()
            quote = " ".join(words[3:5]) if len(words) > 5 else words[0]
            note = f"cli-{seed}-{n}"
            say(f"? N {aid} {note}")
            buf = io.StringIO()
            with redirect_stdout(buf), redirect_stderr(io.StringIO()):
                code = cli.main(["annotate", aid, "--quote", quote, "--note", note, "--data-dir", data_dir])
            if code == 0:
                ann_id = buf.getvalue().strip()
                anns.append((ann_id, aid))
                say(f"! N {ann_id} {aid} {note}")
        elif op < 0.75 and anns:
            # Edit a note.
            ann_id, aid = rng.choice(anns)
            note = f"edit-{seed}-{n}"
            say(f"? E {ann_id} {aid} {note}")
            archive.update_annotation(ann_id, note=note)
            say(f"! E {ann_id} {aid} {note}")
        elif op < 0.82 and anns:
            # Delete an annotation.
            ann_id, aid = anns.pop(rng.randrange(len(anns)))
            say(f"? D {ann_id}")
            archive.delete_annotation(ann_id)
            say(f"! D {ann_id}")
        else:
            # A changed version of one of the articles (same source file).
            aid = rng.choice(mine)
            info = archive.info(aid)
            if not info.source_path or not info.source_path.startswith("/kill-test/"):
                continue
            old = archive.get(aid).text
            paras = old.split("\n\n")
            paras.insert(rng.randint(1, len(paras)), _text(rng, 1))
            if len(paras) > 4 and rng.random() < 0.5:
                paras.pop(rng.randint(2, len(paras) - 1))
            body = "\n\n".join(paras)
            say(f"? U {aid}")
            article = ingest_bytes(body.encode(), "text", source_path=info.source_path)
            result = archive.save(article)
            say(f"! U {result.id} {result.article.content_hash} {result.status}")


# ---------------------------------------------------------------- the parent


class Expected:
    """What the children acknowledged, and what was in flight when each died."""

    def __init__(self) -> None:
        self.articles: dict[str, set[str]] = {}  # id -> acceptable content hashes
        self.notes: dict[str, tuple[str, set[str]]] = {}  # annotation id -> (article, acceptable notes)
        self.deleted: set[str] = set()
        self.maybe_deleted: set[str] = set()
        self.acked = 0

    def feed(self, lines: list[str]) -> int:
        """Apply one child's output; returns how many changes were in flight
        (begun, not acknowledged) when it died (0 or 1)."""
        pending: list[str] | None = None
        for line in lines:
            parts = line.split()
            if not parts or parts[0] not in ("?", "!"):
                continue
            if parts[0] == "?":
                pending = parts
                continue
            pending = None
            self.acked += 1
            kind = parts[1]
            if kind == "A":
                self.articles[parts[2]] = {parts[3]}
            elif kind == "U":
                self.articles[parts[2]] = {parts[3]}
            elif kind == "N":
                self.notes[parts[2]] = (parts[3], {parts[4]})
            elif kind == "E":
                self.notes[parts[2]] = (parts[3], {parts[4]})
            elif kind == "D":
                self.notes.pop(parts[2], None)
                self.deleted.add(parts[2])
        # What was in flight may or may not have happened.
        if pending is not None:
            kind = pending[1]
            if kind == "E" and pending[2] in self.notes:
                art, ok = self.notes[pending[2]]
                self.notes[pending[2]] = (art, ok | {pending[4]})
            elif kind == "D":
                self.maybe_deleted.add(pending[2])
            elif kind == "U" and pending[2] in self.articles:
                self.articles[pending[2]] = self.articles[pending[2]] | {"*"}
            return 1
        return 0


def verify(data_dir: Path, expected: Expected) -> tuple[list[str], list[str], list[str]]:
    """(corrupt, lost, inconsistent): one line per problem."""
    from reader.core import doctor
    from reader.core.store import Archive, StoreError

    corrupt: list[str] = []
    lost: list[str] = []
    try:
        archive = Archive(data_dir, backups=False)
    except StoreError as err:
        return [f"archive does not open: {err}"], [], []
    try:
        listed = {r.id for r in archive.articles()}
        for aid, hashes in expected.articles.items():
            if aid not in listed:
                lost.append(f"article {aid} not in the list")
                continue
            try:
                article = archive.get(aid)
            except StoreError as err:
                corrupt.append(f"article {aid}: {err}")
                continue
            if "*" not in hashes and article.content_hash not in hashes:
                lost.append(f"article {aid}: text is not the acknowledged version")
        by_article: dict[str, dict[str, str]] = {}
        for ann_id, (aid, notes) in expected.notes.items():
            if aid not in by_article:
                try:
                    by_article[aid] = {a.id: a.note for a in archive.annotations(aid)}
                except StoreError as err:
                    corrupt.append(f"notes of {aid}: {err}")
                    by_article[aid] = {}
            have = by_article[aid]
            if ann_id not in have:
                if ann_id not in expected.maybe_deleted:
                    lost.append(f"annotation {ann_id} of {aid} missing")
            elif have[ann_id] not in notes:
                lost.append(f"annotation {ann_id}: note {have[ann_id]!r}, acknowledged {sorted(notes)}")
            else:
                try:
                    archive.annotation(ann_id)  # findable by id, through the index
                except StoreError as err:
                    lost.append(f"annotation {ann_id} not found by id: {err}")
        for ann_id in expected.deleted:
            try:
                archive.annotation(ann_id)
                lost.append(f"annotation {ann_id} was deleted and is back")
            except StoreError:
                pass
    finally:
        archive.close()
    report = doctor.check(data_dir)
    inconsistent = []
    for f in report.findings:
        if f.kind in ("data", "derived", "unreadable", "schema"):
            corrupt.append(f.line())
        elif f.kind != "partial":  # a backup the kill interrupted; the next one removes it
            inconsistent.append(f.line())
    return corrupt, lost, inconsistent


def run(cycles: int, data_dir: Path, *, seed: int, max_delay: float, quiet: bool) -> dict[str, object]:
    rng = random.Random(seed)
    expected = Expected()
    totals = {"cycles": 0, "acknowledged": 0, "killed_mid_change": 0, "corrupt": 0, "lost": 0,
              "inconsistent": 0, "interrupted_changes_completed": 0}
    problems: list[str] = []
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    started = time.monotonic()
    for cycle in range(1, cycles + 1):
        proc = subprocess.Popen(
            [sys.executable, str(HERE), "--child", str(data_dir), str(rng.randrange(1 << 30))],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
        )
        lines: list[str] = []
        ready = threading.Event()

        def reader(p: subprocess.Popen[str] = proc, out: list[str] = lines, ev: threading.Event = ready) -> None:
            assert p.stdout is not None
            for line in p.stdout:
                if not line.endswith("\n"):
                    break  # cut short by the kill: never acknowledged
                if line.startswith("READY"):
                    ev.set()
                out.append(line.rstrip("\n"))
            ev.set()

        t = threading.Thread(target=reader, daemon=True)
        t.start()
        if not ready.wait(timeout=60):
            proc.kill()
            raise SystemExit("the child did not start")
        time.sleep(rng.uniform(0.0, max_delay))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        t.join(timeout=10)
        err = proc.stderr.read() if proc.stderr else ""
        died = None
        if proc.returncode != -signal.SIGKILL:
            # It failed before the kill: an archive it could not read, say.
            last = [x for x in err.strip().splitlines() if x.strip()]
            died = f"the writer failed by itself: {last[-1] if last else proc.returncode}"
        in_flight = expected.feed(lines)
        totals["killed_mid_change"] += in_flight
        lock_state = _dirty(data_dir)
        totals["interrupted_changes_completed"] += bool(lock_state)
        corrupt, lost, inconsistent = verify(data_dir, expected)
        if died:
            corrupt.append(died)
        totals["cycles"] = cycle
        totals["corrupt"] += len(corrupt)
        totals["lost"] += len(lost)
        totals["inconsistent"] += len(inconsistent)
        for p in corrupt + lost + inconsistent:
            problems.append(f"cycle {cycle}: {p}")
        if not quiet:
            print(f"cycle {cycle:>4}: {sum(1 for x in lines if x.startswith('!')):>4} acknowledged"
                  f"{'  (killed mid-change)' if in_flight else ''}"
                  f"{'  (completed an interrupted change)' if lock_state else ''}"
                  f"  corrupt {len(corrupt)}  lost {len(lost)}  inconsistent {len(inconsistent)}",
                  flush=True)
            for p in corrupt + lost + inconsistent:
                print(f"    {p}", flush=True)
    totals["acknowledged"] = expected.acked
    totals["articles"] = len(expected.articles)
    totals["annotations"] = len(expected.notes)
    totals["seconds"] = round(time.monotonic() - started, 1)
    totals["problems"] = problems[:50]
    return totals


def _dirty(data_dir: Path) -> bool:
    from reader.core.store import read_lock_state

    try:
        fd = os.open(data_dir / "archive" / ".lock", os.O_RDONLY)
    except OSError:
        return False
    try:
        return bool(read_lock_state(fd).get("dirty"))
    finally:
        os.close(fd)


def main() -> int:
    if len(sys.argv) == 4 and sys.argv[1] == "--child":
        child(sys.argv[2], int(sys.argv[3]))
        return 0
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--cycles", type=int, default=200, help="kill cycles (default 200)")
    ap.add_argument("--data-dir", type=Path, help="the archive's data dir (default: a new temporary folder)")
    ap.add_argument("--seed", type=int, default=None, help="random seed (default: from the clock)")
    ap.add_argument("--max-delay", type=float, default=0.8,
                    help="kill within this many seconds of the child being ready (default 0.8)")
    ap.add_argument("--json", action="store_true", help="print one JSON line of totals only")
    args = ap.parse_args()
    seed = args.seed if args.seed is not None else int(time.time())
    data_dir = args.data_dir or Path(tempfile.mkdtemp(prefix="reader-kill-")) / "data"
    if not args.json:
        print(f"kill test: {args.cycles} cycles, seed {seed}, archive {data_dir}", flush=True)
    totals = run(args.cycles, data_dir, seed=seed, max_delay=args.max_delay, quiet=args.json)
    totals["seed"] = seed
    if args.json:
        print(json.dumps(totals))
    else:
        print(f"\n{totals['cycles']} cycles, {totals['acknowledged']} acknowledged writes "
              f"({totals['articles']} articles, {totals['annotations']} annotations kept), "
              f"{totals['killed_mid_change']} kills in the middle of a change, "
              f"{totals['interrupted_changes_completed']} interrupted changes completed on open: "
              f"{totals['corrupt']} corrupt, {totals['lost']} lost, {totals['inconsistent']} inconsistent "
              f"({totals['seconds']} s)")
    ok = not (totals["corrupt"] or totals["lost"] or totals["inconsistent"])
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())

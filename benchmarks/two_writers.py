#!/usr/bin/env python3
"""Two processes write to one archive at once: is any write lost?

Both write to the *same* article (its notes file and index row are what they
fight over), as fast as they can, each with its own long-lived Archive (as a
TUI would hold one):

- writer "api" calls `Archive.add_annotation` and `Archive.add_tag`;
- writer "cli" runs the `reader annotate` and `reader note --tag` code (a fresh
  Archive per command, as separate invocations would).

Every few writes each also edits one of its earlier notes. At the end every
annotation each writer was told it saved must be there with its last note,
every tag too, and `reader doctor` must find nothing wrong.

Usage:
    python benchmarks/two_writers.py                 # 300 writes each
    python benchmarks/two_writers.py --writes 300 --json
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve()


def writer(kind: str, data_dir: str, article_id: str, writes: int, go: float) -> None:
    import io
    from contextlib import redirect_stderr, redirect_stdout

    from reader import cli
    from reader.core.store import Archive

    archive = Archive(data_dir, lock_timeout=60)
    text = archive.get(article_id).text
    words = text.split()
    while time.time() < go:  # start together
        time.sleep(0.001)
    saved: list[list[str]] = []
    for i in range(writes):
        note = f"{kind}-{i}"
        if kind == "api":
            start = (i * 37) % max(1, len(text) - 40)
            ann = archive.add_annotation(article_id, start, start + 20, tags=[f"api-{i % 7}"], note=note, text=text)
            saved.append([ann.id, note])
            if i % 10 == 0:
                archive.add_tag(f"api-tag-{i}")
                print(json.dumps(["tag", f"api-tag-{i}"]), flush=True)
        else:
            quote = " ".join(words[(i * 3) % (len(words) - 3) :][:2])
            buf = io.StringIO()
            with redirect_stdout(buf), redirect_stderr(io.StringIO()):
                code = cli.main(["annotate", article_id, "--quote", quote, "--note", note, "--data-dir", data_dir])
            if code != 0:
                raise SystemExit(f"reader annotate failed ({code})")
            saved.append([buf.getvalue().strip(), note])
            if i % 10 == 0:
                with redirect_stdout(io.StringIO()):
                    cli.main(["note", saved[-1][0], "--tag", f"cli-tag-{i}", "--data-dir", data_dir])
        print(json.dumps(["ann", *saved[-1]]), flush=True)
        if i % 5 == 4:
            # Edit an earlier note of this writer's.
            target = saved[i // 2]
            target[1] = f"{kind}-edited-{i}"
            if kind == "api":
                archive.update_annotation(target[0], note=target[1])
            else:
                with redirect_stdout(io.StringIO()):
                    cli.main(["note", target[0], "--set", target[1], "--data-dir", data_dir])
            print(json.dumps(["ann", *target]), flush=True)


def run(writes: int, data_dir: Path) -> dict[str, object]:
    from reader.core import doctor
    from reader.core.ingest import ingest_file
    from reader.core.store import Archive

    seed = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "seed.txt"
    archive = Archive(data_dir)
    article_id = archive.save(ingest_file(seed)).id
    archive.close()
    go = time.time() + 1.5
    procs = {
        kind: subprocess.Popen(
            [sys.executable, str(HERE), "--writer", kind, str(data_dir), article_id, str(writes), str(go)],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        for kind in ("api", "cli")
    }
    started = time.monotonic()
    outputs = {kind: p.communicate() for kind, p in procs.items()}
    seconds = time.monotonic() - started
    failed = {kind: err.strip().splitlines()[-1:] for kind, (out, err) in outputs.items() if procs[kind].returncode}
    expected: dict[str, str] = {}
    tags: set[str] = set()
    for out, _err in outputs.values():
        for line in out.splitlines():
            rec = json.loads(line)
            if rec[0] == "ann":
                expected[rec[1]] = rec[2]
            else:
                tags.add(rec[1])
    archive = Archive(data_dir, backups=False)
    have = {a.id: a.note for a in archive.annotations(article_id)}
    row = archive.info(article_id)
    missing = [a for a in expected if a not in have]
    wrong_note = [a for a, n in expected.items() if a in have and have[a] != n]
    missing_tags = sorted(tags - set(archive.tags()))
    index_agrees = sorted(row.annotation_ids) == sorted(have) and row.annotation_count == len(have)
    archive.close()
    report = doctor.check(data_dir)
    return {
        "writes_per_writer": writes,
        "acknowledged": len(expected),
        "present": len(expected) - len(missing),
        "in_archive": len(have),
        "missing": len(missing),
        "wrong_note": len(wrong_note),
        "tags_acknowledged": len(tags),
        "tags_missing": len(missing_tags),
        "index_agrees": index_agrees,
        "doctor_findings": [f.line() for f in report.findings],
        "writer_failures": failed,
        "seconds": round(seconds, 1),
    }


def main() -> int:
    if len(sys.argv) == 7 and sys.argv[1] == "--writer":
        writer(sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5]), float(sys.argv[6]))
        return 0
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--writes", type=int, default=300, help="annotations per writer (default 300)")
    ap.add_argument("--data-dir", type=Path, help="data dir (default: a new temporary folder)")
    ap.add_argument("--json", action="store_true", help="print one JSON line")
    args = ap.parse_args()
    data_dir = args.data_dir or Path(tempfile.mkdtemp(prefix="reader-two-")) / "data"
    os.environ.pop("READER_DATA_DIR", None)
    result = run(args.writes, data_dir)
    if args.json:
        print(json.dumps(result))
    else:
        print(f"two writers x {args.writes} annotations on one article: {result['acknowledged']} acknowledged, "
              f"{result['present']} present ({result['in_archive']} in the archive), {result['missing']} missing, "
              f"{result['wrong_note']} with a stale note; tags {result['tags_acknowledged']} acknowledged, "
              f"{result['tags_missing']} missing; index row agrees: {result['index_agrees']}; "
              f"doctor: {len(result['doctor_findings'])} findings; {result['seconds']} s")
        for line in result["doctor_findings"]:
            print("  " + line)
        for kind, err in result["writer_failures"].items():
            print(f"  writer {kind} failed: {err}")
    ok = (not result["missing"] and not result["wrong_note"] and not result["tags_missing"]
          and result["index_agrees"] and not result["doctor_findings"] and not result["writer_failures"]
          and result["in_archive"] == result["acknowledged"])
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())

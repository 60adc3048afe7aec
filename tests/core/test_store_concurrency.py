"""Two processes write to one archive at once (benchmarks/two_writers.py):
300 annotations each on the same article, one through the store, one through
`reader annotate`, with note edits and tags: all 600 are there, with their
last note, and the archive is sound."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "two_writers.py"


def test_two_processes_lose_no_write(tmp_path: Path) -> None:
    writes = int(os.environ.get("READER_TWO_WRITERS", "300"))
    env = {k: v for k, v in os.environ.items() if k != "READER_DATA_DIR"}
    run = subprocess.run(
        [sys.executable, str(SCRIPT), "--writes", str(writes), "--data-dir", str(tmp_path / "data"), "--json"],
        capture_output=True, text=True, env=env, timeout=600,
    )
    assert run.stdout.strip(), run.stderr[-3000:]
    result = json.loads(run.stdout.strip().splitlines()[-1])
    assert result["writer_failures"] == {}
    assert result["acknowledged"] == 2 * writes
    assert result["present"] == result["in_archive"] == 2 * writes
    assert result["wrong_note"] == 0 and result["tags_missing"] == 0
    assert result["index_agrees"] and result["doctor_findings"] == []
    assert run.returncode == 0

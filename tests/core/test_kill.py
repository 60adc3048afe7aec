"""The kill test, short: READER_KILL_CYCLES cycles (default 20) of a writer
killed with SIGKILL at a random moment; after each, every acknowledged write
is there and the archive is sound. The full run is
`python benchmarks/kill_test.py --cycles 200`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "kill_test.py"


@pytest.mark.skipif(not hasattr(os, "fork") or sys.platform == "win32", reason="needs SIGKILL")
def test_acknowledged_writes_survive_kill_9(tmp_path: Path) -> None:
    cycles = int(os.environ.get("READER_KILL_CYCLES", "20"))
    env = {k: v for k, v in os.environ.items() if k != "READER_DATA_DIR"}
    run = subprocess.run(
        [sys.executable, str(SCRIPT), "--cycles", str(cycles), "--data-dir", str(tmp_path / "data"),
         "--max-delay", "0.6", "--json"],
        capture_output=True, text=True, env=env, timeout=60 + 10 * cycles,
    )
    assert run.returncode in (0, 1), run.stderr[-3000:]
    totals = json.loads(run.stdout.strip().splitlines()[-1])
    assert totals["cycles"] == cycles
    assert totals["problems"] == []
    assert totals["corrupt"] == 0 and totals["lost"] == 0 and totals["inconsistent"] == 0
    # Not vacuous: writes were acknowledged, and kills landed in the middle of changes.
    assert totals["acknowledged"] >= 5 * cycles
    assert totals["killed_mid_change"] >= cycles // 2
    assert run.returncode == 0

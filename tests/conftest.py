"""Shared fixtures. Every test runs with READER_DATA_DIR pointing at its own
temporary folder, so no test can touch the user's real archive."""

from __future__ import annotations

import io
import os
import sys
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass
from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(autouse=True)
def _isolated_data_dir(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path_factory.mktemp("home")
    data = home / "reader-data"
    monkeypatch.setenv("READER_DATA_DIR", str(data))
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / ".local" / "share"))
    return data


@pytest.fixture(autouse=True)
def _no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    """No test request may leave 127.0.0.1 through a proxy of the environment."""
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def server():
    """A web server on 127.0.0.1 (tests/fixtures/imports/pagesrv.py)."""
    sys.path.insert(0, str(FIXTURES / "imports"))
    from pagesrv import PageServer

    with PageServer() as s:
        yield s


@pytest.fixture
def data_dir(_isolated_data_dir: Path) -> Path:
    return _isolated_data_dir


@pytest.fixture
def archive(data_dir: Path):
    from reader.core.store import Archive

    a = Archive(data_dir)
    yield a
    a.close()


@pytest.fixture
def seed_path() -> Path:
    return FIXTURES / "seed.txt"


@dataclass
class CliResult:
    code: int
    out: str
    err: str


@pytest.fixture
def cli():
    """Run `reader ARGS...` in-process; returns exit code, stdout, stderr."""
    from reader.cli import main

    def run(*args: str | os.PathLike[str]) -> CliResult:
        out, err = io.StringIO(), io.StringIO()
        with redirect_stdout(out), redirect_stderr(err):
            try:
                code = main([str(a) for a in args])
            except SystemExit as exit_:  # argparse: --help, --version, usage errors
                code = int(exit_.code or 0)
        return CliResult(code, out.getvalue(), err.getvalue())

    return run

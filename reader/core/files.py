"""Writing a file so that a crash leaves the old version or the new one,
never a mix: a temporary file, fsynced, renamed over the old one, and the
folder fsynced so the rename itself survives a power cut."""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable
from pathlib import Path


def make_private_dirs(path: str | os.PathLike[str]) -> None:
    """Create `path` and any missing parents, each 0700 whatever the umask
    (a folder that already exists is left as it is)."""
    missing = []
    p = Path(path)
    while not p.exists():
        missing.append(p)
        if p.parent == p:
            break
        p = p.parent
    for d in reversed(missing):
        try:
            d.mkdir(mode=0o700)
        except FileExistsError:
            continue
        os.chmod(d, 0o700)  # mkdir's mode passes through the umask


def write_atomic(
    path: str | os.PathLike[str],
    payload: bytes,
    *,
    tmp_dir: str | os.PathLike[str] | None = None,
    mode: int = 0o600,
    umask: bool = False,
    before_sync: Callable[[int], None] | None = None,
    durable: bool = True,
) -> os.stat_result:
    """Replace `path` with `payload`; returns the new file's stat.

    The temporary file goes to `tmp_dir` (same file system as `path`; default:
    beside it, hidden). `before_sync(fd)` may touch the open file (its times,
    say) before it is flushed. `durable=False` skips the flushes (still
    atomic): for many files the caller flushes once, with `sync_dir`.
    The file gets exactly `mode`, unless `umask` is true (then the umask may
    narrow it, as for a file any program writes).
    """
    path = os.fspath(path)
    directory = os.path.dirname(path) or "."
    name = f"{os.getpid()}-{secrets.token_hex(4)}.tmp"
    tmp = os.path.join(os.fspath(tmp_dir), name) if tmp_dir is not None else os.path.join(
        directory, f".{os.path.basename(path)[:60]}.{name}"
    )
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    try:
        if not umask:
            os.fchmod(fd, mode)
        view = memoryview(payload)
        while view:
            n = os.write(fd, view)
            view = view[n:]
        if before_sync is not None:
            before_sync(fd)
        if durable:
            os.fsync(fd)
        st = os.fstat(fd)
    except BaseException:
        os.close(fd)
        _unlink(tmp)
        raise
    os.close(fd)
    try:
        os.replace(tmp, path)
    except BaseException:
        _unlink(tmp)
        raise
    if durable:
        sync_dir(directory)
    return st


def sync_dir(directory: str | os.PathLike[str]) -> None:
    try:
        dfd = os.open(directory, os.O_RDONLY)
    except OSError:
        return  # a platform without directory handles
    try:
        os.fsync(dfd)
    except OSError:
        pass
    finally:
        os.close(dfd)


def _unlink(path: str) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass

"""A file lock (flock) that several processes respect: the image cache's, and under pulumi_docker_machine/store/lock.py the
store's (both in STORE/.locks). On Windows, msvcrt's byte-range lock, exclusive only: a shared lock is taken
as an exclusive one there (readers wait for each other; nothing is read half-written)."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

from .files import ensure_private_dir


class FileLock:
    """``with FileLock(folder / "name.lock", shared=False):`` holds flock on the file until the block ends
    (or the process does, whatever way it ends). A class, not a contextlib generator: little to import."""

    def __init__(self, path: str | os.PathLike[str], shared: bool = False, wait: bool = True) -> None:
        self.path = Path(path)
        self.shared = shared
        self.wait = wait  # False: entering raises BlockingIOError while another process holds it
        self.fd: int | None = None

    def __enter__(self) -> "FileLock":
        ensure_private_dir(self.path.parent)
        self.fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            (_lock_windows if sys.platform == "win32" else _lock_posix)(self.fd, self.shared, self.wait)
        except BaseException:
            os.close(self.fd)
            self.fd = None
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None


def _lock_posix(fd: int, shared: bool, wait: bool) -> None:
    import fcntl

    mode = fcntl.LOCK_SH if shared else fcntl.LOCK_EX
    fcntl.flock(fd, mode if wait else mode | fcntl.LOCK_NB)


def _lock_windows(fd: int, shared: bool, wait: bool) -> None:
    """The first byte, exclusively (released when the file is closed). msvcrt's blocking mode gives up after
    ten seconds, so waiting is a loop of non-blocking tries."""
    import msvcrt

    while True:
        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)  # type: ignore[attr-defined]
            return
        except OSError:
            if not wait:
                raise BlockingIOError(f"{fd} is locked by another process") from None
            time.sleep(0.05)

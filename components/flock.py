"""A file lock (flock) that several processes respect: the image cache's, and under pulumi_docker_machine/store/lock.py the
store's (both in STORE/.locks)."""

from __future__ import annotations

import fcntl
import os
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
            mode = fcntl.LOCK_SH if self.shared else fcntl.LOCK_EX
            fcntl.flock(self.fd, mode if self.wait else mode | fcntl.LOCK_NB)
        except BaseException:
            os.close(self.fd)
            self.fd = None
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None

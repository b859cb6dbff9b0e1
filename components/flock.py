"""A file lock (flock) that several processes respect, for components that must not import the CLI's
store locks (cli/store/lock.py keeps its locks in the same folder, STORE/.locks)."""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

from .files import ensure_private_dir


class FileLock:
    """``with FileLock(folder / "name.lock", shared=False):`` holds flock on the file until the block ends
    (or the process does, whatever way it ends). A class, not a contextlib generator: little to import."""

    def __init__(self, path: str | os.PathLike[str], shared: bool = False) -> None:
        self.path = Path(path)
        self.shared = shared
        self.fd: int | None = None

    def __enter__(self) -> "FileLock":
        ensure_private_dir(self.path.parent)
        self.fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(self.fd, fcntl.LOCK_SH if self.shared else fcntl.LOCK_EX)
        except BaseException:
            os.close(self.fd)
            self.fd = None
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None

"""Locks that several docker-machine processes on one store respect: flock on STORE/.locks/NAME.lock."""

from __future__ import annotations

import contextlib
import fcntl
import os
from pathlib import Path
from typing import Iterator

from components.files import ensure_dir, ensure_private_dir


class LockBusy(RuntimeError):
    """Another process holds the lock (asked for without waiting)."""


@contextlib.contextmanager
def store_lock(root: Path, name: str, wait: bool = True) -> Iterator[None]:
    """Hold the store's lock ``name``; released when the process ends, whatever way it ends."""
    folder = root / ".locks"
    if not folder.is_dir():
        ensure_dir(root)
        ensure_private_dir(folder)
    fd = os.open(folder / f"{name}.lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except BlockingIOError:
            raise LockBusy(name) from None
        yield
    finally:
        os.close(fd)

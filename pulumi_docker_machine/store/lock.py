"""Locks that several docker-machine processes on one store respect: flock on STORE/.locks/NAME.lock."""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Iterator

from pulumi_docker_machine.components.files import ensure_dir
from pulumi_docker_machine.components.flock import FileLock


class LockBusy(RuntimeError):
    """Another process holds the lock (asked for without waiting)."""


@contextlib.contextmanager
def store_lock(root: Path, name: str, wait: bool = True) -> Iterator[None]:
    """Hold the store's lock ``name``; released when the process ends, whatever way it ends."""
    ensure_dir(root)  # the store itself keeps the mode it has; its .locks folder is private
    with contextlib.ExitStack() as held:
        try:
            held.enter_context(FileLock(root / ".locks" / f"{name}.lock", wait=wait))
        except BlockingIOError:
            raise LockBusy(name) from None
        yield

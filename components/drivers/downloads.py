"""How far a base image's download has come, from the provider process that fetches it to the command that shows it.

The engine runs a driver's dynamic provider in a process of its own, whose output the user never sees; the
``docker-machine`` command that shows live progress names a private folder in ``PDM_PROGRESS_DIR`` (the
engine and its providers inherit its environment), a download writes one small file there
(``<bytes so far> <total or 0> <file name>``, replaced whole a few times a second) and removes it when it
ends. The reader treats the files as data: two numbers and a name of safe characters, or nothing.
"""

from __future__ import annotations

import os
import re
import time
from pathlib import Path
from typing import NamedTuple, Optional

VARIABLE = "PDM_PROGRESS_DIR"
PREFIX = "download-"
INTERVAL = 0.2  # seconds between two writes of one download's file
_NAME_LENGTH = 60
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]")
_LINE = re.compile(r"(\d{1,15}) (\d{1,15}) ([A-Za-z0-9._-]{1,%d})" % _NAME_LENGTH)


class Download(NamedTuple):
    key: str  # the report file's name: one per download
    name: str
    done: int
    total: Optional[int]  # None: the server did not say


class Reporter:
    """One download's report file; ``update`` as bytes arrive, ``close`` when it ends (however it ends)."""

    _count = 0

    def __init__(self, folder: Path, name: str, total: Optional[int]) -> None:
        Reporter._count += 1
        self.path = folder / f"{PREFIX}{os.getpid()}-{Reporter._count}"
        self.name = _UNSAFE.sub("_", name)[-_NAME_LENGTH:] or "image"
        self.total = total if total and total > 0 else 0
        self.written = 0.0
        self.update(0, force=True)

    def update(self, done: int, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self.written < INTERVAL:
            return
        self.written = now
        temporary = self.path.with_name(self.path.name + ".tmp")
        try:
            temporary.write_text(f"{done} {self.total} {self.name}\n")
            os.replace(temporary, self.path)
        except OSError:
            pass  # the command has gone, or its folder with it: the download goes on unreported

    def close(self) -> None:
        self.path.unlink(missing_ok=True)


def reporter(name: str, total: Optional[int]) -> Optional[Reporter]:
    """A reporter when the command that runs the engine shows downloads, else None."""
    folder = os.environ.get(VARIABLE)
    if not folder or not Path(folder).is_dir():
        return None
    return Reporter(Path(folder), name, total)


def downloads(folder: Path) -> list[Download]:
    """The downloads under way (by their files' names); a file that is not a whole report is passed over."""
    found = []
    try:
        entries = sorted(folder.iterdir(), key=lambda path: path.name)
    except OSError:
        return []
    for path in entries:
        if not path.name.startswith(PREFIX) or path.name.endswith(".tmp"):
            continue
        try:
            text = path.read_text(errors="replace")[:200].strip()
        except OSError:
            continue
        match = _LINE.fullmatch(text)
        if match:
            done, total = int(match[1]), int(match[2])
            found.append(Download(path.name, match[3], done, total or None))
    return found

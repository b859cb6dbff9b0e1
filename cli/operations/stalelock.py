"""A stack lock whose pulumi process is gone: left by a command killed before it could unlock.

The file backend keeps a stack's lock as ``.pulumi/locks/organization/PROJECT/STACK/ID.json`` holding the
locking pulumi's pid, user, host name and time. On this host, a lock whose process no longer runs (or
whose pid now belongs to a process started after the lock was taken) can never be released by its
owner: it is removed, and the user told in one line. A lock from another host, or in another kind of
backend, is not ours to judge: ``--force-unlock`` (``pulumi cancel``) is the way out there.
The lock files are untrusted input: anything not of the expected shape is left alone.
"""

from __future__ import annotations

import json
import os
import socket
import urllib.parse
import urllib.request
from datetime import datetime
from pathlib import Path
from typing import Optional

LOCKS = (".pulumi", "locks", "organization")
START_SLACK = 2.0  # seconds: the locker wrote its timestamp after it started


def lock_folder(backend: str, project: str, stack: str) -> Optional[Path]:
    if not backend.startswith("file://"):
        return None
    return Path(urllib.request.url2pathname(urllib.parse.urlparse(backend).path)).joinpath(*LOCKS, project, stack)


def _boot_time() -> float:
    with open("/proc/stat") as stat:
        for line in stat:
            if line.startswith("btime "):
                return float(line.split()[1])
    raise OSError("no btime in /proc/stat")


def _started_at(pid: int) -> Optional[float]:
    """When process ``pid`` started (seconds since the epoch), None if there is no such process; 0.0 when
    it runs but its start is not known (no /proc: then a reused pid is taken as the locker, never the reverse)."""
    if not os.path.isdir("/proc/self"):
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return None
        except PermissionError:
            pass
        return 0.0
    try:
        with open(f"/proc/{pid}/stat", "rb") as stat:
            fields = stat.read().rsplit(b")", 1)[1].split()
    except FileNotFoundError:
        return None
    except OSError:
        return 0.0  # there, but not ours to read: alive, started long ago as far as we know
    return _boot_time() + int(fields[19]) / os.sysconf("SC_CLK_TCK")


def _stale_reason(path: Path, hostname: str) -> Optional[str]:
    try:
        lock = json.loads(path.read_text()[:4096])
        pid, host, taken = lock["pid"], lock["hostname"], lock["timestamp"]
        taken_at = datetime.fromisoformat(str(taken).replace("Z", "+00:00")).timestamp()
    except (OSError, ValueError, TypeError, KeyError, AttributeError):
        return None
    if host != hostname or type(pid) is not int or pid <= 0:
        return None
    try:
        started = _started_at(pid)
    except (OSError, ValueError, IndexError):
        return None
    if started is None:
        return f"pid {pid} is gone"
    if started > taken_at + START_SLACK:
        return f"pid {pid} now belongs to another process"
    return None


def remove_stale_locks(backend: str, project: str, stack: str) -> list[str]:
    """Remove this host's dead locks of the stack; one line for each, for the user."""
    folder = lock_folder(backend, project, stack)
    if folder is None or not folder.is_dir():
        return []
    hostname, said = socket.gethostname(), []
    for path in sorted(folder.glob("*.json")):
        reason = _stale_reason(path, hostname)
        if reason is None:
            continue
        try:
            path.unlink()
        except FileNotFoundError:
            continue
        said.append(f"Removed a stale lock of {stack!r} left by a command that was killed ({reason})")
    return said

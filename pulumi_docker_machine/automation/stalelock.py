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
import re
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
        return _judge(lock["pid"], lock["hostname"], lock["timestamp"], hostname)
    except (OSError, ValueError, TypeError, KeyError, AttributeError):
        return None


def _judge(pid: object, host: object, taken: object, hostname: str) -> Optional[str]:
    """Why the lock of ``pid`` on ``host`` taken at ``taken`` (RFC 3339) is stale; None: it may be live."""
    taken_at = datetime.fromisoformat(str(taken).replace("Z", "+00:00")).timestamp()
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


# The diy backend's refusal (pkg/backend/diy/lock.go, any blob store: S3, Azure Blob, GCS), one line per lock:
#   "the stack is currently locked by N lock(s). ...\n  URL: created by USER@HOST (pid PID) at RFC3339"
LOCKED = "the stack is currently locked by"
_LOCK_LINE = re.compile(r"^\s*\S+: created by .*@([^@\s]+) \(pid (\d{1,10})\) at (\S+)$")


def stale_locks_in_error(text: str, stack: str) -> list[str]:
    """For a backend whose lock objects we can't read ourselves: when the engine's "currently locked" error
    lists only locks of this host whose pulumi is gone, one line for each (the caller then removes them
    with ``pulumi cancel``); [] when any lock may be live, is another host's, or is not of that shape."""
    lines = [line for line in text.splitlines() if "created by" in line]
    if LOCKED not in text or not lines:
        return []
    hostname, said = socket.gethostname(), []
    for line in lines:
        found = _LOCK_LINE.match(line)
        try:
            reason = found and _judge(int(found.group(2)), found.group(1), found.group(3), hostname)
        except (OSError, ValueError, TypeError, IndexError):
            reason = None
        if not reason:
            return []
        said.append(f"Removed a stale lock of {stack!r} left by a command that could not release it ({reason})")
    return said


def release_stale_locks(stack, name: str, text: str, say) -> bool:
    """After the engine refused ``stack`` as locked (``text``): when only this host's dead locks hold it, say
    so and remove them (``pulumi cancel``); True when done, so the caller runs its update once more."""
    said = stale_locks_in_error(text, name) if stack is not None else []
    if not said:
        return False
    from pulumi.automation import errors

    try:
        stack.cancel()
    except errors.CommandError:
        return False
    for line in said:
        say(line)
    return True

"""Every command line run on this machine while a test watches (the test hosts share its process table).

The kernel's process connector (netlink, root only) announces each exec, and the new program's
``/proc/PID/cmdline`` is read at once. Sweeping ``/proc`` (or running ``ps``) over and over instead cost a
test seconds of CPU, most of it while the engine it watched was waiting, and still missed a process
shorter than one sweep. What runs already when the watch starts, and what still runs when it ends, is
read by one sweep each; so is everything after the kernel dropped events (a full socket buffer).
"""

from __future__ import annotations

import errno
import os
import socket
import struct
import threading
from typing import Optional

NETLINK_CONNECTOR = 11
CN_IDX_PROC = CN_VAL_PROC = 1
PROC_CN_MCAST_LISTEN, PROC_CN_MCAST_IGNORE = 1, 2
PROC_EVENT_EXEC = 0x00000002
NLMSG_DONE = 3
SO_RCVBUFFORCE = 33
# nlmsghdr (16 bytes), cn_msg (20), then proc_event: what, cpu, timestamp_ns, and for an exec pid, tgid.
EVENT = struct.Struct("=16x20xIIQii")


def cmdline(pid: int | str) -> Optional[str]:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as handle:
            return handle.read().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return None  # gone meanwhile


def unavailable() -> list[str]:
    """What this machine lacks for an ExecWatch (for ``require``)."""
    try:
        with socket.socket(socket.AF_NETLINK, socket.SOCK_DGRAM, NETLINK_CONNECTOR) as sock:
            sock.bind((0, CN_IDX_PROC))
    except OSError as err:
        return [f"the kernel's process connector (netlink, as root: {err.strerror})"]
    return []


class ExecWatch:
    """``seen``: the command lines (NUL bytes as spaces) of every process that ran while the watch was on."""

    def __init__(self) -> None:
        self.seen: set[str] = set()
        self.execs = 0  # exec events received
        self._stop = threading.Event()
        self._sock = socket.socket(socket.AF_NETLINK, socket.SOCK_DGRAM, NETLINK_CONNECTOR)
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _subscribe(self, op: int) -> None:
        payload = struct.pack("=I", op)
        message = struct.pack("=IIIIHH", CN_IDX_PROC, CN_VAL_PROC, 0, 0, len(payload), 0) + payload
        self._sock.send(struct.pack("=IHHII", 16 + len(message), NLMSG_DONE, 0, 0, 0) + message)

    def _sweep(self) -> None:
        for entry in os.listdir("/proc"):
            if entry.isdigit() and (line := cmdline(entry)):
                self.seen.add(line)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                data = self._sock.recv(4096)
            except socket.timeout:
                continue
            except OSError as err:
                if err.errno != errno.ENOBUFS:
                    raise
                self._sweep()  # events were dropped: what still runs is read now
                continue
            if len(data) >= EVENT.size:
                what, _cpu, _when, _pid, tgid = EVENT.unpack_from(data)
                if what == PROC_EVENT_EXEC:
                    self.execs += 1
                    if line := cmdline(tgid):
                        self.seen.add(line)

    def __enter__(self) -> "ExecWatch":
        self._sock.setsockopt(socket.SOL_SOCKET, SO_RCVBUFFORCE, 8 << 20)
        self._sock.bind((0, CN_IDX_PROC))
        self._sock.settimeout(0.1)
        self._subscribe(PROC_CN_MCAST_LISTEN)
        self._sweep()
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        self._sweep()
        self._subscribe(PROC_CN_MCAST_IGNORE)
        self._sock.close()

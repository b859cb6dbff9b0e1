"""What the local VM drivers (VirtualBox, QEMU) share: a free loopback port for a forward (and whether a
recorded one is still free), and waiting for a new VM's sshd to answer on it."""

from __future__ import annotations

import socket
import time
from typing import Callable, Optional


def free_local_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def local_port_free(port: int) -> bool:
    """Whether a forward could listen on 127.0.0.1:``port`` now (bound as QEMU's and VirtualBox's NAT bind it,
    with SO_REUSEADDR: a port left in TIME_WAIT is free, one something listens on is not)."""
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", int(port)))
        except (OSError, OverflowError, ValueError):
            return False
        return True


def wait_for_ssh_banner(
    host: str, port: int, timeout: float, alive: Optional[Callable[[], None]] = None, interval: float = 1.0
) -> bool:
    """True once sshd sends its banner on ``host:port``; False when ``timeout`` runs out first.
    ``alive`` is called between tries and may raise to stop early (the VM is gone)."""
    deadline = time.monotonic() + timeout
    while True:
        if alive is not None:
            alive()
        try:
            with socket.create_connection((host, port), timeout=5) as conn:
                conn.settimeout(10)
                if conn.recv(4).startswith(b"SSH-"):
                    return True
        except OSError:
            pass
        if time.monotonic() > deadline:
            return False
        time.sleep(interval)

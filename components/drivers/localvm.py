"""What the local VM drivers (VirtualBox, QEMU, libvirt, Hyper-V, VMware) share: a free loopback port for a forward
(and whether a recorded one is still free), waiting for a new VM's sshd to answer on it, their providers' whole
numbers back from the engine and their bounds, and a disk that only grows."""

from __future__ import annotations

import math
import socket
import time
from typing import Any, Callable, Iterable, Optional


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


def whole_numbers(props: dict[str, Any], keys: Iterable[str]) -> dict[str, Any]:
    """``props`` with ``keys``' whole floats as ints: numbers cross the Pulumi wire as doubles (1024 arrives as
    1024.0)."""
    out = dict(props)
    for key in keys:
        value = out.get(key)
        if isinstance(value, float) and value.is_integer():
            out[key] = int(value)
    return out


def below_minimum(props: dict[str, Any], minimums: Iterable[tuple[str, int]]) -> list[tuple[str, str]]:
    """(key, reason) for each key of ``minimums`` whose value is not a whole number of at least its bound (the
    engine hands numbers back as floats: 1024.0 is whole)."""
    problems = []
    for key, low in minimums:
        value = props.get(key)
        if (
            not isinstance(value, (int, float))
            or isinstance(value, bool)
            or not math.isfinite(value)  # int() of inf or nan raises
            or int(value) != value
            or value < low
        ):
            problems.append((key, f"{key} must be a whole number of at least {low}, not {value!r}"))
    return problems


def out_of_range(props: dict[str, Any], bounds: Iterable[tuple[str, int, int]]) -> list[tuple[str, str]]:
    """(key, reason) for each key of ``bounds`` whose value is not an int from its low to its high bound (after
    ``whole_numbers``: the engine's whole floats are ints by then)."""
    problems = []
    for key, low, high in bounds:
        value = props.get(key)
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            problems.append((key, f"{key} must be a whole number from {low} to {high}, not {value!r}"))
    return problems


def shrink_problem(olds: dict[str, Any], news: dict[str, Any]) -> Optional[str]:
    """A disk only grows: a smaller disk_size than the machine's would cut its file system."""
    old, new = olds.get("disk_size"), news.get("disk_size")
    if isinstance(old, (int, float)) and isinstance(new, (int, float)) and new < old:
        return (
            f"disk_size can only grow: {int(new)} MiB is less than the machine's {int(old)} MiB "
            "(a smaller disk needs a new machine)"
        )
    return None

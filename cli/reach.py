"""Whether a TCP port answers: how docker-machine's drivers without a cloud or hypervisor to ask tell that a host
runs (generic's GetState dials its SSH port). Only socket: status imports no ssl."""

from __future__ import annotations

import socket

TIMED_OUT = None


def ascii_bytes(name: str):
    """An ASCII host name or address as bytes: socket and ssl then skip the idna codec, whose import (with
    stringprep and unicodedata) costs a command's start-up more than a millisecond."""
    return name.encode("ascii") if name.isascii() else name


def connects(address: str, port: int, timeout: float) -> bool | None:
    """True when a connection to ``address``:``port`` is accepted, False when refused or unreachable,
    TIMED_OUT (None) when nothing answered within ``timeout`` seconds."""
    try:
        with socket.create_connection((ascii_bytes(address), port), timeout=timeout):
            return True
    except (socket.timeout, TimeoutError):
        return TIMED_OUT
    except OSError:
        return False

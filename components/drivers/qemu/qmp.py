"""A QEMU Machine Protocol client: one command at a time over the VM's unix socket."""

from __future__ import annotations

import json
import os
import socket
from pathlib import Path
from typing import Any


class QMPError(RuntimeError):
    pass


def qmp(socket_path: Path, command: str, arguments: dict | None = None, timeout: float = 10.0) -> Any:
    """Run ``command`` and return its ``return`` value; events that arrive meanwhile are skipped."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as conn:
        conn.settimeout(timeout)
        try:
            _connect(conn, Path(socket_path))
        except OSError as err:
            raise QMPError(f"cannot reach QEMU's monitor at {socket_path}: {err.strerror or err}") from None
        stream = conn.makefile("rwb")
        _answer(stream, greeting=True)
        for name, args in (("qmp_capabilities", None), (command, arguments)):
            message = {"execute": name, **({"arguments": args} if args else {})}
            stream.write(json.dumps(message).encode() + b"\n")
            stream.flush()
            result = _answer(stream)
        return result


SUN_PATH_MAX = 107  # a unix socket's path, without its terminating NUL


def _connect(conn: socket.socket, path: Path) -> None:
    """Also to a socket whose path is too long for connect(2) (a deep store path): through its folder's
    descriptor, /proc/self/fd/N/NAME."""
    if len(os.fsencode(path)) <= SUN_PATH_MAX:
        conn.connect(str(path))
        return
    folder = os.open(path.parent, os.O_PATH | os.O_DIRECTORY)
    try:
        conn.connect(f"/proc/self/fd/{folder}/{path.name}")
    finally:
        os.close(folder)


def _answer(stream, greeting: bool = False) -> Any:
    while True:
        line = stream.readline()
        if not line:
            raise QMPError("QEMU closed its monitor")
        message = json.loads(line)
        if greeting and "QMP" in message:
            return message
        if "return" in message:
            return message["return"]
        if "error" in message:
            raise QMPError(f"QEMU: {message['error'].get('desc', message['error'])}")
        # an event ("event": ...): not the answer

"""A QEMU Machine Protocol client: one command at a time over the VM's unix socket."""

from __future__ import annotations

import json
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
            conn.connect(str(socket_path))
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

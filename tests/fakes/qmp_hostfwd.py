"""A QMP server on a unix socket that answers ``human-monitor-command`` hostfwd_add, hostfwd_remove and
``info usernet`` as QEMU 7.2's user-mode network does (text answers, errors included: checked against the
real program in tests/test_qemu_hostagent.py). Each forward listens on 127.0.0.1 for real, as QEMU's does."""

from __future__ import annotations

import json
import re
import socket
import threading
from pathlib import Path

GUEST = "10.0.2.15"
RULE = re.compile(r"^tcp:(?P<addr>[0-9.]*):(?P<host>[^-]*)-(?P<gaddr>[0-9.]*):(?P<guest>.*)$")
REMOVE = re.compile(r"^tcp:(?P<addr>[0-9.]*):(?P<host>\d+)$")


class FakeQMP:
    def __init__(self, path: Path, forwards: dict[int, int] | None = None) -> None:
        self.path = path
        self.listeners: dict[int, tuple[int, socket.socket]] = {}  # host port -> (guest port, its socket)
        self.commands: list[str] = []
        self.answers: dict[str, str] = {}  # a command line -> a canned answer (what a newer QEMU might say)
        self.server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.server.bind(str(path))
        self.server.listen(8)
        for host, guest in (forwards or {}).items():
            assert self.hostfwd_add(f"tcp:127.0.0.1:{host}-:{guest}") == ""
        threading.Thread(target=self.serve, daemon=True).start()

    def close(self) -> None:
        self.server.close()
        for _, sock in self.listeners.values():
            sock.close()
        self.path.unlink(missing_ok=True)

    def serve(self) -> None:
        while True:
            try:
                conn, _ = self.server.accept()
            except OSError:
                return
            threading.Thread(target=self.session, args=(conn,), daemon=True).start()

    def session(self, conn: socket.socket) -> None:
        with conn, conn.makefile("rwb") as stream:
            greeting = {"QMP": {"version": {"qemu": {"micro": 22, "minor": 2, "major": 7}}, "capabilities": ["oob"]}}
            stream.write(json.dumps(greeting).encode() + b"\r\n")
            stream.flush()
            for line in stream:
                message = json.loads(line)
                if message["execute"] == "human-monitor-command":
                    answer: object = self.human(message["arguments"]["command-line"])
                else:
                    answer = {}
                stream.write(json.dumps({"return": answer}).encode() + b"\r\n")
                stream.flush()

    def human(self, line: str) -> str:
        self.commands.append(line)
        if line in self.answers:
            return self.answers[line]
        words = line.split()
        verb, args = words[0], words[1:]
        if verb == "info" and args == ["usernet"]:
            rows = "".join(
                f"  TCP[HOST_FORWARD]  {fd:2d} {'127.0.0.1':>15} {host:5d} {GUEST:>15} {guest:5d} {0:5d} {0:5d}\r\n"
                for host, (guest, sock) in sorted(self.listeners.items(), key=lambda item: -item[1][1].fileno())
                for fd in [sock.fileno()]
            )
            return (
                "Hub -1 (net0):\r\n  Protocol[State]    FD  Source Address  Port   Dest. Address  Port RecvQ SendQ\r\n"
                + rows
            )
        if len(args) == 2:
            if args[0] != "net0":
                return f"unrecognized netdev id '{args[0]}'\r\n"
            args = args[1:]
        if verb == "hostfwd_add":
            return self.hostfwd_add(args[0])
        if verb == "hostfwd_remove":
            found = REMOVE.match(args[0])
            if not found:
                return "invalid format\r\n"
            entry = self.listeners.pop(int(found["host"]), None)
            if entry is None:
                return f"host forwarding rule for {args[0]} not found\r\n"
            entry[1].close()
            return f"host forwarding rule for {args[0]} removed\r\n"
        return f"unknown command: '{verb}'\r\n"

    def hostfwd_add(self, rule: str) -> str:
        found = RULE.match(rule)
        if ":" not in rule:
            return f"Invalid host forwarding rule '{rule}' (No : separators)\r\n"
        if not found or not found["host"].isdigit() or not 0 <= int(found["host"]) <= 65535:
            return f"Invalid host forwarding rule '{rule}' (Bad host port)\r\n"
        sock = socket.socket()
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as slirp's tcp_listen
        try:
            sock.bind((found["addr"] or "0.0.0.0", int(found["host"])))
            sock.listen(8)
        except OSError:
            sock.close()
            return f"Could not set up host forwarding rule '{rule}'\r\n"
        self.listeners[int(found["host"])] = (int(found["guest"]), sock)
        return ""


def forwards(fake: FakeQMP) -> dict[int, int]:
    return {host: guest for host, (guest, _) in fake.listeners.items()}

"""``docker-machine ssh`` through paramiko (--native-ssh, or no ssh program): the words after the machine's name
read as OpenSSH reads them, for the options this client has: ``-L [bind:]port:host:hostport`` and
``-R [bind:]port:host:hostport`` (forwards), ``-N`` (no command), ``-t``/``-T`` (force/refuse a terminal),
``--``; the first other word starts the remote command. Any other option is one line naming these.

A terminal is asked for as OpenSSH does (no command and standard input a terminal, or -t), not always as
docker-machine's Go client did: a command's output stays byte for byte and its standard error apart."""

from __future__ import annotations

import os
import select
import signal
import socket
import sys
import threading
from dataclasses import dataclass, field

from pulumi_docker_machine.nativessh import NativeSSHError

SUPPORTED = "-L, -R, -N, -t and -T"
BUFFER = 32768


@dataclass
class Request:
    local: list[tuple[str, int, str, int]] = field(default_factory=list)  # -L: bind, port, host, host port
    remote: list[tuple[str, int, str, int]] = field(default_factory=list)  # -R
    no_command: bool = False
    terminal: bool | None = None  # -t True, -T False, else OpenSSH's choice
    command: list[str] = field(default_factory=list)


def _forward(spec: str, letter: str) -> tuple[str, int, str, int]:
    """``[bind:]port:host:hostport``, an IPv6 address in brackets."""
    parts, rest = [], spec
    while rest:
        if rest.startswith("["):
            end = rest.find("]")
            if end < 0:
                break
            parts.append(rest[1:end])
            rest = rest[end + 1 :].removeprefix(":")
        else:
            part, _, rest = rest.partition(":")
            parts.append(part)
    if len(parts) == 3:
        parts.insert(0, "")
    try:
        bind, port, host, host_port = parts
        return bind, int(port), host, int(host_port)
    except ValueError:
        raise NativeSSHError(
            f"Bad {'local' if letter == 'L' else 'remote'} forwarding specification '{spec}'", 255
        ) from None


def parse(words: list[str]) -> Request:
    request = Request()
    words = list(words)
    while words and words[0].startswith("-") and words[0] != "-":
        word = words.pop(0)
        if word == "--":
            break
        letters = word[1:]
        while letters:
            letter, letters = letters[0], letters[1:]
            if letter in "LR":
                spec = letters or (words.pop(0) if words else "")
                letters = ""
                if not spec:
                    raise NativeSSHError(f"option requires an argument -- {letter}", 255)
                (request.local if letter == "L" else request.remote).append(_forward(spec, letter))
            elif letter == "N":
                request.no_command = True
            elif letter in "tT":
                request.terminal = letter == "t"
            else:
                raise NativeSSHError(
                    f"Error: the native SSH client takes {SUPPORTED} before the command, not -{letter}: "
                    "run docker-machine ssh without --native-ssh (OpenSSH's ssh) for it",
                    exit_code=1,
                )
    request.command = words
    return request


def _relay(sock: socket.socket, channel) -> None:
    """Bytes both ways between a local socket and a channel until either side ends."""
    try:
        while True:
            ready, _, _ = select.select([sock, channel], [], [])
            if sock in ready:
                data = sock.recv(BUFFER)
                if not data:
                    break
                channel.sendall(data)
            if channel in ready:
                data = channel.recv(BUFFER)
                if not data:
                    break
                sock.sendall(data)
    except OSError:
        pass
    finally:
        channel.close()
        sock.close()


def _start(target, *args) -> None:
    threading.Thread(target=target, args=args, daemon=True).start()


def _local_forward(transport, bind: str, port: int, host: str, host_port: int) -> None:
    """-L: listen here (loopback unless a bind address is given, as OpenSSH), each connection a channel."""
    listener = socket.create_server((bind or "localhost", port), reuse_port=False)

    def serve() -> None:
        while transport.is_active():
            sock, origin = listener.accept()
            try:
                channel = transport.open_channel("direct-tcpip", (host, host_port), origin[:2])
            except Exception:  # noqa: BLE001 - the server refused this one connection (as ssh, go on)
                sock.close()
                continue
            _start(_relay, sock, channel)

    _start(serve)


def _remote_forward(transport, bind: str, port: int, host: str, host_port: int) -> None:
    """-R: the server listens (on its loopback unless a bind address is given), each connection one here."""

    def handler(channel, origin, server) -> None:
        try:
            sock = socket.create_connection((host, host_port), timeout=10)
        except OSError:
            channel.close()
            return
        sock.settimeout(None)
        _start(_relay, sock, channel)

    try:
        transport.request_port_forward(bind or "localhost", port, handler)
    except Exception as err:  # noqa: BLE001 - paramiko raises SSHException or its own
        raise NativeSSHError(f"Error: remote port forwarding failed for listen port {port}: {err}", 255) from None


def run(client, request: Request) -> int:
    """The session's exit code: the remote command's, 255 when it ended without one (as ssh)."""
    transport = client.get_transport()
    try:
        for spec in request.local:
            _local_forward(transport, *spec)
    except OSError as err:
        raise NativeSSHError(f"bind [{spec[0] or 'localhost'}]:{spec[1]}: {err.strerror or err}", 255) from None
    for spec in request.remote:
        _remote_forward(transport, *spec)
    if request.no_command:
        try:
            while transport.is_active():
                transport.join(1)
        except KeyboardInterrupt:
            pass
        return 0
    return _session(transport, request)


def _session(transport, request: Request) -> int:
    stdin_fd = sys.stdin.fileno() if sys.stdin is not None else -1
    interactive = stdin_fd >= 0 and os.isatty(stdin_fd)
    terminal = request.terminal if request.terminal is not None else (interactive and not request.command)
    channel = transport.open_session()
    if terminal:
        size = os.get_terminal_size(stdin_fd) if interactive else os.terminal_size((80, 24))
        channel.get_pty(term=os.environ.get("TERM", "xterm"), width=size.columns, height=size.lines)
    if request.command:
        channel.exec_command(" ".join(request.command))  # as ssh, the words joined by spaces
    else:
        channel.invoke_shell()
    restore = _raw(stdin_fd) if terminal and interactive else None
    if terminal and interactive and hasattr(signal, "SIGWINCH"):  # not on Windows
        signal.signal(signal.SIGWINCH, lambda *_: channel.resize_pty(*os.get_terminal_size(stdin_fd)))
    try:
        _pump(channel, stdin_fd)
    finally:
        if restore is not None:
            restore()
    status = channel.recv_exit_status()
    return 255 if status < 0 else status


def _raw(fd: int):
    if sys.platform == "win32":  # the console is left as it is: no termios there
        return None
    import termios
    import tty

    saved = termios.tcgetattr(fd)
    tty.setraw(fd)
    return lambda: termios.tcsetattr(fd, termios.TCSADRAIN, saved)


def _pump(channel, stdin_fd: int) -> None:
    """Standard input to the channel (its end closes the channel's input), the channel's output and error
    streams to ours, until the channel closes."""
    inputs = [channel] + ([stdin_fd] if stdin_fd >= 0 else [])
    while True:
        ready, _, _ = select.select(inputs, [], [])
        if channel in ready:
            out = channel.recv(BUFFER) if channel.recv_ready() else b""
            err = channel.recv_stderr(BUFFER) if channel.recv_stderr_ready() else b""
            if out:
                _write(1, out)
            if err:
                _write(2, err)
            if not out and not err and (channel.closed or channel.exit_status_ready() or channel.eof_received):
                if not channel.recv_ready() and not channel.recv_stderr_ready():
                    break
        if stdin_fd in ready:
            data = os.read(stdin_fd, BUFFER)
            if data:
                channel.sendall(data)
            else:
                channel.shutdown_write()
                inputs.remove(stdin_fd)


def _write(fd: int, data: bytes) -> None:
    while data:
        data = data[os.write(fd, data) :]

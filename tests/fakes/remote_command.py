"""Running one ``remote.Command`` step as pulumi-command v1.2.1 does: the one implementation the test suite has.

Both the stand-in plugin the real engine starts (tests/fakes/command_provider.py) and the executing
mocks (tests/conftest.py, MachineMocks) call :func:`run`. It follows v1.2.1's
provider/pkg/provider/remote (connection.go, commandOutputs.go) and the retry loop it uses
(pulumi sdk go/common/util/retry), behaviour by behaviour, with the system ``ssh`` doing the work:

- the connection is configured first, and what fails there fails at once, never retried: an
  unparsable ``privateKey`` (an empty one too: ``ssh: no key found``), an unparsable ``hostKey``,
  and an SSH agent socket (``agentSocketPath``, else a non-empty ``SSH_AUTH_SOCK``) that cannot be
  connected (``dial unix PATH: connect: ...``);
- the dial (TCP connect, handshake, authentication: Go's ``ssh.Dial``) is retried: it is made
  ``dialErrorLimit + 1`` times (-1: without limit), waiting 0.1 s, then 1.5 times longer each
  time, at most 5 s, between attempts (11.3 s in all for the default limit 10, 111.3 s for 30),
  and then fails with ``after N failed attempts: <the last dial error>``. Here the dial is an
  OpenSSH master connection (``ssh -M -f -N``), so the command never runs during a dial;
- the command runs once on that connection, whatever its exit status: a failure is
  ``Process exited with status N: running "CMD":`` (the command quoted as Go's ``%q`` does), a
  newline, and the command's stdout and stderr as they arrived;
- ``stdin`` is sent when non-empty; stdout and stderr are kept with one trailing newline trimmed;
  output that is not UTF-8 cannot be returned over gRPC (proto3 strings), so a command that
  succeeded with such output fails the step with gRPC's own marshalling error;
- the host is any name or address (v1.2.1 dials ``host:port`` as given): the name is resolved
  here, and every address it resolves to must pass the caller's ``allowed`` check (tests talk only
  to this machine and their test hosts). A refusal there is the stand-in's, not v1.2.1's, and says so.
- with a private key, only that key is offered (Go tries the ``publickey`` method once, with the
  first key source); without one, the agent's keys.

Not modelled (nothing here uses them; each is refused with one line rather than ignored):
``password``, ``privateKeyPassword``, ``proxy``, ``environment``. Not modelled either: the
``PULUMI_COMMAND_STDOUT``/``STDERR`` variables (an OpenSSH server refuses them unless AcceptEnv
says otherwise, and v1.2.1 then only warns) and logging the output into the engine's diagnostics.

The back-off may be shortened only by the test-only environment variable
``PDM_TEST_STANDIN_BACKOFF_SCALE`` (a factor between 0 and 1 on every wait), which nothing
outside tests/ reads or sets.
"""

from __future__ import annotations

import base64
import codecs
import ipaddress
import os
import re
import selectors
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from typing import Callable, Iterator, Mapping, Optional

from pulumi_docker_machine.components.files import write_private

CONNECTION_DEFAULTS = {"user": "root", "port": 22, "dialErrorLimit": 10, "perDialTimeout": 15}
BACKOFF_SCALE_VARIABLE = "PDM_TEST_STANDIN_BACKOFF_SCALE"
# golang.org/x/crypto/ssh's preferredKexAlgos (the ML-KEM hybrid it added in v0.38 is unknown to OpenSSH 9.2, so
# it is never agreed with these hosts): the key exchanges pulumi-command's client offers, in its order.
GO_SSH_KEX = (
    "curve25519-sha256,curve25519-sha256@libssh.org,ecdh-sha2-nistp256,ecdh-sha2-nistp384,ecdh-sha2-nistp521,"
    "diffie-hellman-group14-sha256,diffie-hellman-group14-sha1"
)
FIRST_DELAY, BACKOFF, MAX_DELAY = 0.1, 1.5, 5.0  # retry.DefaultDelay, DefaultBackoff, DefaultMaxDelay
GRPC_INVALID_UTF8 = "grpc: error while marshaling: string field contains invalid UTF-8"
NOT_MODELLED = ("password", "privateKeyPassword", "proxy")
# ParseRawPrivateKey's PEM block types
KEY_TYPES = ("RSA PRIVATE KEY", "PRIVATE KEY", "EC PRIVATE KEY", "DSA PRIVATE KEY", "OPENSSH PRIVATE KEY")
_PEM = re.compile(r"-----BEGIN ([^-\r\n]+)-----\r?\n(.*?)-----END \1-----", re.S)

codecs.register_error("go_runes", lambda err: ("\ufffd" * (err.end - err.start), err.end))


class RemoteCommandError(Exception):
    """The step failed; ``str()`` is the error text v1.2.1 gives the engine, ``grpc_code`` its gRPC status."""

    def __init__(self, message: str, grpc_code: str = "UNKNOWN") -> None:
        super().__init__(message)
        self.grpc_code = grpc_code


class StandInRefused(RemoteCommandError):
    """A refusal of the stand-in's own (a host outside the tests' reach), not a v1.2.1 behaviour."""


# ----- what Go prints ------------------------------------------------------------------------------------------


def go_quote(text: str) -> str:
    """Go's ``%q`` of a string (strconv.Quote)."""
    out = ['"']
    for char in text:
        code = ord(char)
        if char in '"\\':
            out.append("\\" + char)
        elif char in "\a\b\f\n\r\t\v":
            out.append(
                {"\a": "\\a", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t", "\v": "\\v"}[char]
            )
        elif code < 0x20 or code == 0x7F:
            out.append(f"\\x{code:02x}")
        elif char.isprintable():
            out.append(char)
        elif 0xDC80 <= code <= 0xDCFF:  # a byte that was not UTF-8 (surrogateescape)
            out.append(f"\\x{code - 0xDC00:02x}")
        elif code < 0x10000:
            out.append(f"\\u{code:04x}")
        else:
            out.append(f"\\U{code:08x}")
    return "".join(out) + '"'


def go_text(data: bytes) -> str:
    """Bytes shown as Go shows them in an error (gRPC's status message): each invalid byte becomes U+FFFD."""
    return data.decode("utf-8", errors="go_runes")


def join_host_port(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


# ----- the connection, configured before any dial -------------------------------------------------------------


def with_defaults(connection: Mapping) -> dict:
    return {**CONNECTION_DEFAULTS, **{key: value for key, value in connection.items() if value is not None}}


def _integer(value, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value != int(value):
        raise RemoteCommandError(f"connection.{name} must be an integer, not {value!r}")
    return int(value)


def check_private_key(text: str) -> None:
    """What ssh.ParsePrivateKey refuses, with its error text."""
    found = _PEM.search(text)
    if found is None:
        raise RemoteCommandError("ssh: no key found")
    kind, body = found.group(1), found.group(2)
    if kind not in KEY_TYPES:
        raise RemoteCommandError(f"ssh: unsupported key type {go_quote(kind)}")
    if "ENCRYPTED" in body.split("\n\n", 1)[0] and "Proc-Type" in body:
        raise RemoteCommandError("ssh: this private key is passphrase protected")
    from cryptography.hazmat.primitives import serialization

    try:
        if kind == "OPENSSH PRIVATE KEY":
            serialization.load_ssh_private_key(found.group(0).encode(), password=None)
        else:
            serialization.load_pem_private_key(found.group(0).encode(), password=None)
    except TypeError:  # the key needs a password
        raise RemoteCommandError("ssh: this private key is passphrase protected") from None
    except ValueError as err:
        raise RemoteCommandError(f"ssh: {err}") from None


def parse_host_key(text: str) -> tuple[str, str]:
    """ssh.ParseAuthorizedKey of ``hostKey``: its type and base64 blob."""
    for line in text.splitlines():
        fields = line.split()
        if not fields or fields[0].startswith("#"):
            continue
        for start in range(len(fields) - 1):  # options may come first
            try:
                blob = base64.b64decode(fields[start + 1], validate=True)
            except ValueError:
                continue
            length = int.from_bytes(blob[:4], "big") if len(blob) >= 4 else -1
            if 0 < length <= len(blob) - 4 and blob[4 : 4 + length].decode(errors="replace") == fields[start]:
                return fields[start], fields[start + 1]
    raise RemoteCommandError("failed to parse host key: ssh: no key found")


def agent_socket(connection: Mapping, environ: Mapping[str, str]) -> Optional[str]:
    """The agent v1.2.1 would use, connected once as it does: a socket that does not answer fails the step."""
    path = connection.get("agentSocketPath") or environ.get("SSH_AUTH_SOCK") or None
    if path is None:
        return None
    probe = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        probe.connect(path)
    except OSError as err:
        raise RemoteCommandError(f"dial unix {path}: connect: {(err.strerror or str(err)).lower()}") from None
    finally:
        probe.close()
    return path


# ----- the dial, retried -----------------------------------------------------------------------------------------


def backoff_delays(limit: int, environ: Mapping[str, str] = os.environ) -> Iterator[float]:
    """The waits between dials: retry.Until's defaults, scaled only by the test-only variable."""
    scale = float(environ.get(BACKOFF_SCALE_VARIABLE) or 1)
    if not 0 <= scale <= 1:
        raise RemoteCommandError(f"{BACKOFF_SCALE_VARIABLE} must be between 0 and 1, not {scale}")
    delay, waits = FIRST_DELAY, 0
    while limit < 0 or waits < limit:
        yield min(delay, MAX_DELAY) * scale
        delay = min(delay, MAX_DELAY) * BACKOFF
        waits += 1


def resolve(host: str, port: int, allowed: Callable[[str], bool]) -> str:
    """The address to dial, as net.Dial resolves ``host``; every address it has must be one the tests may reach."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror:
        raise _DialError(f"dial tcp: lookup {host}: no such host") from None
    addresses = list(dict.fromkeys(str(ipaddress.ip_address(info[4][0].split("%")[0])) for info in infos))
    refused = [address for address in addresses if not allowed(address)]
    if refused:
        raise StandInRefused(
            f"the stand-in command provider refuses {host} ({', '.join(refused)}): tests reach "
            "only this machine and their test hosts"
        )
    return addresses[0]


class _DialError(Exception):
    pass


def _dial_error(stderr: str, address: str, port: int, offered_key: bool) -> str:
    """OpenSSH's reason for a failed dial, as ssh.Dial words it."""
    endpoint = f"dial tcp {join_host_port(address, port)}"
    for pattern, text in (
        ("Connection refused", f"{endpoint}: connect: connection refused"),
        ("No route to host", f"{endpoint}: connect: no route to host"),
        ("Network is unreachable", f"{endpoint}: connect: network is unreachable"),
        ("timed out", f"{endpoint}: i/o timeout"),
        ("Host key verification failed", "ssh: handshake failed: ssh: host key mismatch"),
        (
            "Permission denied",
            "ssh: handshake failed: ssh: unable to authenticate, attempted "
            f"methods [none{' publickey' if offered_key else ''}], no "
            "supported methods remain",
        ),
        ("Connection reset", "ssh: handshake failed: read: connection reset by peer"),
        ("Connection closed", "ssh: handshake failed: EOF"),
        ("kex_exchange_identification", "ssh: handshake failed: EOF"),
    ):
        if pattern in stderr:
            return text
    last = [line for line in stderr.splitlines() if line.strip()]
    return f"ssh: handshake failed: {last[-1] if last else 'EOF'}"


class _Session:
    """One dialled connection (an OpenSSH master) and the options a session on it needs."""

    def __init__(
        self, connection: dict, environ: Mapping[str, str], allowed: Callable[[str], bool], folder: str
    ) -> None:
        self.connection, self.environ, self.allowed, self.folder = connection, environ, allowed, folder
        self.port = _integer(connection["port"], "port")
        self.per_dial = _integer(connection["perDialTimeout"], "perDialTimeout")
        self.limit = _integer(connection["dialErrorLimit"], "dialErrorLimit")
        self.control = os.path.join(folder, "ctl")
        self.address = ""
        options = [
            "-F",
            "/dev/null",
            "-p",
            str(self.port),
            "-l",
            str(connection["user"]),
            "-o",
            "BatchMode=yes",
            "-o",
            "LogLevel=error",
            "-o",
            "PreferredAuthentications=publickey",
            # What Go's x/crypto/ssh client (pulumi-command's) can agree on with OpenSSH 9.2: no sntrup761,
            # which OpenSSH would otherwise pick first (and which costs ~70 ms of CPU per connection).
            "-o",
            f"KexAlgorithms={GO_SSH_KEX}",
        ]
        host_key = connection.get("hostKey")
        if host_key is not None:
            kind, blob = parse_host_key(str(host_key))
            known = write_private(os.path.join(folder, "known_hosts"), f"pinned {kind} {blob}\n")
            algorithms = "rsa-sha2-512,rsa-sha2-256,ssh-rsa" if kind == "ssh-rsa" else kind
            options += [
                "-o",
                "StrictHostKeyChecking=yes",
                "-o",
                f"UserKnownHostsFile={known}",
                "-o",
                "HostKeyAlias=pinned",
                "-o",
                f"HostKeyAlgorithms={algorithms}",
            ]
        else:
            options += ["-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null"]
        private_key = connection.get("privateKey")
        if private_key is not None:
            check_private_key(str(private_key))
        agent = agent_socket(connection, environ)
        if private_key is not None:
            key = write_private(os.path.join(folder, "key"), str(private_key))
            options += ["-o", "IdentitiesOnly=yes", "-o", "IdentityAgent=none", "-i", str(key)]
        elif agent is not None:
            options += ["-o", "IdentityFile=/dev/null", "-o", f"IdentityAgent={agent}"]
        else:
            options += ["-o", "IdentityFile=/dev/null", "-o", "IdentityAgent=none"]
        self.offered_key = private_key is not None or agent is not None
        self.options = options

    def _dial_once(self) -> None:
        self.address = resolve(str(self.connection["host"]), self.port, self.allowed)
        timeout = ["-o", f"ConnectTimeout={self.per_dial}"] if self.per_dial > 0 else []
        log = os.path.join(self.folder, "dial.log")
        with open(log, "w+b") as errors:
            # -f: ssh goes to the background only once authenticated; the master then serves the session.
            result = subprocess.run(
                [
                    "ssh",
                    *self.options,
                    *timeout,
                    "-M",
                    "-S",
                    self.control,
                    "-o",
                    "ControlPersist=10",
                    "-f",
                    "-N",
                    "--",
                    self.address,
                ],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=errors,
            )
            errors.seek(0)
            stderr = go_text(errors.read())
        if result.returncode != 0:
            raise _DialError(_dial_error(stderr, self.address, self.port, self.offered_key))

    def dial(self, sleep: Callable[[float], None]) -> None:
        """connection.go's dialWithRetry around ssh.Dial."""
        delays = backoff_delays(self.limit, self.environ)
        failed = 0
        while True:
            try:
                return self._dial_once()
            except _DialError as err:
                delay = next(delays, None)
                if delay is None:
                    raise RemoteCommandError(f"after {failed} failed attempts: {err}") from None
                failed += 1
                sleep(delay)

    def alive(self) -> bool:
        return (
            subprocess.run(
                ["ssh", "-F", "/dev/null", "-S", self.control, "-O", "check", "--", self.address],
                stdin=subprocess.DEVNULL,
                capture_output=True,
            ).returncode
            == 0
        )

    def close(self) -> None:
        if self.address and os.path.exists(self.control):
            subprocess.run(
                ["ssh", "-F", "/dev/null", "-S", self.control, "-O", "exit", "--", self.address],
                stdin=subprocess.DEVNULL,
                capture_output=True,
            )

    def run(self, command: str, stdin: bytes) -> tuple[int, bytes, bytes, bytes]:
        """session.Run once: exit status, stdout, stderr, and both as they arrived."""
        process = subprocess.Popen(
            ["ssh", *self.options, "-S", self.control, "-o", "ControlMaster=no", "--", self.address, command],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )

        def feed() -> None:
            try:
                process.stdin.write(stdin)  # type: ignore[union-attr]
            except BrokenPipeError:
                pass
            finally:
                try:
                    process.stdin.close()  # type: ignore[union-attr]
                except BrokenPipeError:
                    pass

        writer = threading.Thread(target=feed, daemon=True)
        writer.start()
        buffers = {"out": bytearray(), "err": bytearray(), "both": bytearray()}
        with selectors.DefaultSelector() as selector:
            selector.register(process.stdout, selectors.EVENT_READ, "out")  # type: ignore[arg-type]
            selector.register(process.stderr, selectors.EVENT_READ, "err")  # type: ignore[arg-type]
            while selector.get_map():
                for key, _ in selector.select():
                    chunk = os.read(key.fileobj.fileno(), 65536)  # type: ignore[union-attr]
                    if not chunk:
                        selector.unregister(key.fileobj)
                        continue
                    buffers[key.data] += chunk
                    buffers["both"] += chunk
        status = process.wait()
        writer.join()
        return status, bytes(buffers["out"]), bytes(buffers["err"]), bytes(buffers["both"])


def run(
    connection: Mapping,
    command: str,
    stdin: Optional[str] = None,
    *,
    allowed: Callable[[str], bool],
    environ: Optional[Mapping[str, str]] = None,
    sleep: Callable[[float], None] = time.sleep,
) -> tuple[str, str]:
    """Run ``command`` as v1.2.1's CommandOutputs.run does: (stdout, stderr), or RemoteCommandError."""
    connection = with_defaults(connection)
    for key in NOT_MODELLED:
        if connection.get(key) is not None:
            raise RemoteCommandError(
                f"the stand-in command provider does not model connection.{key}: "
                "leave it unset or use the real pulumi-command provider"
            )
    if "host" not in connection:
        raise RemoteCommandError("connection.host is required")
    environ = os.environ if environ is None else environ
    folder = tempfile.mkdtemp(prefix="standin-ssh-")  # 0700; short, for the control socket's path
    session = None
    try:
        session = _Session(connection, environ, allowed, folder)
        session.dial(sleep)
        status, out, err, both = session.run(command, (stdin or "").encode())
        if status == 255 and not session.alive():
            raise RemoteCommandError(
                f"wait: remote command exited without exit status or exit signal: running "
                f"{go_quote(command)}:\n{go_text(both)}"
            )
        if status != 0:
            raise RemoteCommandError(
                f"Process exited with status {status}: running {go_quote(command)}:\n{go_text(both)}"
            )
        try:
            return out.decode().removesuffix("\n"), err.decode().removesuffix("\n")
        except UnicodeDecodeError:
            raise RemoteCommandError(GRPC_INVALID_UTF8, grpc_code="INTERNAL") from None
    finally:
        if session is not None:
            session.close()
        shutil.rmtree(folder, ignore_errors=True)

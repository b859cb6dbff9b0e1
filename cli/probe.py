"""Asking a machine's Docker engine, over mutual TLS, whether it is there and which version it runs."""

from __future__ import annotations

import _thread
import json
import socket
import ssl
import time
from pathlib import Path

from .engine_status import EngineStatus
from .reach import ascii_bytes, connects
from pulumi_docker_machine.store import HostConfig
from pulumi_docker_machine.store.driverfields import missing_address


class EngineError(Exception):
    """The engine did not answer as it should; the message says why, in docker-machine's words."""


_contexts: dict[bytes, ssl.SSLContext] = {}
_contexts_lock = _thread.allocate_lock()  # threading's module only where threads run (probe_all)


def tls_context(machine_dir: Path) -> ssl.SSLContext:
    """The machine's client context. Machines of one store share the store's CA and client certificate
    (copied into each folder, as docker-machine does): one context per distinct trio of files, so ls
    over many machines loads and parses them once."""
    paths = [machine_dir / name for name in ("ca.pem", "cert.pem", "key.pem")]
    for path in paths:
        if not path.is_file():
            raise FileNotFoundError(2, "No such file or directory", str(path))
    key = b"\0".join(path.read_bytes() for path in paths)
    with _contexts_lock:
        context = _contexts.get(key)
        if context is None:
            context = ssl.create_default_context(cafile=str(paths[0]))
            context.load_cert_chain(str(paths[1]), str(paths[2]))
            _contexts[key] = context
    return context


def engine_version(host: HostConfig, timeout: float) -> str:
    """``/version`` over mutual TLS with the machine's client certificate.

    Connection failures raise the OSError kinds (refused, timeout); TLS and answer problems
    raise ssl.SSLError or EngineError.
    """
    raw = socket.create_connection((ascii_bytes(host.address), host.engine_port), timeout=timeout)
    try:
        try:
            context = tls_context(host.machine_dir)
        except OSError as err:
            raise EngineError(
                f"Unable to query docker version: cannot read the machine's certificates: "
                f"{err.strerror}: {err.filename}"
            ) from None
        with context.wrap_socket(raw, server_hostname=ascii_bytes(host.address)) as tls:
            tls.sendall(b"GET /version HTTP/1.1\r\nHost: docker\r\nConnection: close\r\n\r\n")
            status, reason, body = read_response(tls)
    finally:
        raw.close()
    if status != 200:
        raise EngineError(f"Unable to query docker version: the engine answered {status} {reason}")
    try:
        return json.loads(body)["Version"]
    except (ValueError, KeyError, TypeError):
        raise EngineError("Unable to query docker version: the engine's answer is not a version") from None


MAX_RESPONSE = 1 << 20  # /version is a few hundred bytes


def read_response(tls: ssl.SSLSocket) -> tuple[int, str, bytes]:
    """One HTTP/1.1 response read to the end (the request said Connection: close). Parsed here rather
    than with http.client, whose email.* imports would cost the probing commands' start-up."""
    data = b""
    while len(data) <= MAX_RESPONSE:
        try:
            chunk = tls.recv(65536)
        except (ssl.SSLZeroReturnError, ssl.SSLEOFError):
            if not data:
                raise
            break
        if not chunk:
            break
        data += chunk
    head, separator, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    parts = lines[0].split(" ", 2)
    if not separator or len(parts) < 2 or not parts[0].startswith("HTTP/") or not parts[1].isdigit():
        raise EngineError("Unable to query docker version: the engine's answer is not HTTP")
    headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
    if headers.get("transfer-encoding", "").lower() == "chunked":
        body = dechunk(body)
    elif headers.get("content-length", "").isdigit():
        body = body[: int(headers["content-length"])]
    return int(parts[1]), parts[2] if len(parts) > 2 else "", body


def dechunk(body: bytes) -> bytes:
    out = b""
    while body:
        size_line, _, rest = body.partition(b"\r\n")
        try:
            size = int(size_line.split(b";")[0], 16)
        except ValueError:
            raise EngineError("Unable to query docker version: a broken chunked answer") from None
        if size == 0:
            break
        out += rest[:size]
        body = rest[size + 2 :]
    return out


def ssh_port_open(host: HostConfig, timeout: float) -> bool:
    return bool(host.ssh_host) and connects(host.ssh_host, host.ssh_port, timeout) is True


ENGINE_REFUSED = "Unable to query docker version: Cannot connect to the docker engine endpoint"


def probe(host: HostConfig, timeout: float) -> EngineStatus:
    if host.stopped_by_us:
        return EngineStatus("Stopped")
    if host.pulumi.get("State") == "Error":  # its last create or update failed
        return EngineStatus("Error", error=host.pulumi.get("LastError", "the last update failed"))
    if not host.address:
        return EngineStatus("Error", error=f"no IP address: {missing_address(host.driver_name)}")
    start = time.monotonic()
    try:
        version = engine_version(host, timeout)
    except (socket.timeout, TimeoutError):
        return EngineStatus(
            "Timeout", error=f"the engine did not answer within {timeout:g}s", response_time_ms=timeout * 1000
        )
    except ConnectionRefusedError:
        if host.engine_only:  # nothing else to ask: the engine is not there (docker-machine's words, v0.16.2)
            return EngineStatus("Error", error=ENGINE_REFUSED)
        if ssh_port_open(host, timeout):
            return EngineStatus(
                "Error",
                error="Unable to query docker version: Cannot connect to the docker engine "
                "endpoint (connection refused)",
            )
        return EngineStatus("Stopped")
    except ssl.SSLError as err:
        return EngineStatus("Error", error=f"Unable to query docker version: {tls_reason(host, err)}")
    except (EngineError, ValueError, KeyError) as err:
        return EngineStatus("Error", error=str(err) or "Unable to query docker version")
    except OSError as err:
        return EngineStatus("Error", error=f"Unable to query docker version: {err.strerror or err}")
    elapsed = (time.monotonic() - start) * 1000
    return EngineStatus("Running", f"v{version}", "", elapsed)


def tls_reason(host: HostConfig, err: ssl.SSLError) -> str:
    """Why TLS failed, from the certificates themselves when they explain it."""
    from pulumi_docker_machine.components.cert import certificate_problems  # cryptography: only when something is wrong

    folder = host.machine_dir
    try:
        ca = (folder / "ca.pem").read_text()
        problems = certificate_problems((folder / "cert.pem").read_text(), ca, purpose="client")
        server = folder / "server.pem"
        if server.is_file():
            problems += certificate_problems(server.read_text(), ca, host=host.address)
    except (OSError, ValueError):
        problems = []
    return "; ".join(problems) if problems else getattr(err, "reason", None) or str(err)


def listed(host: HostConfig, status: EngineStatus) -> EngineStatus:
    """How ls and active see a machine: one that is only an engine's URL is Running whatever its engine said (its
    docker-machine driver answers Running without asking), the engine's failure in ERRORS and the version Unknown;
    a timeout stays Timeout, as docker-machine's ls gives up on the machine."""
    if status.state != "Error" or not host.engine_only or host.pulumi.get("State") == "Error":
        return status
    return EngineStatus("Running", error=status.error)


def probe_all(hosts: list[HostConfig], timeout: float) -> dict[str, EngineStatus]:
    """Every machine at once, as ls and active see it (listed); whatever has not answered when ``timeout`` is up
    is Timeout.

    Daemon threads, not a pool: a host that hangs must not hold the command past ``timeout``.
    """
    import threading

    results: dict[str, EngineStatus] = {}
    # Threads wait for this before probing: Thread.start() waits until the new thread runs, and with the
    # earlier ones busy in TLS each start waited out the interpreter's 5 ms switch interval (50 machines:
    # 150 ms spent starting threads).
    go = threading.Event()

    def run(host: HostConfig) -> None:
        go.wait()
        try:
            results[host.name] = listed(host, probe(host, timeout))
        except Exception as err:  # noqa: BLE001 - a probe that crashed did not time out: say what happened
            results[host.name] = EngineStatus("Error", error=f"the probe failed: {type(err).__name__}: {err}")

    threads = [threading.Thread(target=run, args=(host,), daemon=True) for host in hosts]
    for thread in threads:
        thread.start()
    go.set()
    deadline = time.monotonic() + timeout
    for thread in threads:
        thread.join(max(0.0, deadline - time.monotonic()))
    late = EngineStatus(
        "Timeout", error=f"the engine did not answer within {timeout:g}s", response_time_ms=timeout * 1000
    )
    return {host.name: results.get(host.name, late) for host in hosts}

"""An SSH client in Python (paramiko) for ``--native-ssh`` (``MACHINE_NATIVE_SSH``), used by itself when there is
no ``ssh`` program, as docker-machine's Go client was.

It connects as the ssh program does with sshargs.py's settings: ConnectTimeout 10, 3 attempts, no password,
the machine's key only (IdentitiesOnly) or, for a machine without one, the agent and ~/.ssh's default keys,
a keepalive every 60 s; and with the machine's pinned host key (knownhosts.py) checked the same way, in the
same file: the first connection pins the key the host shows under the machine's name, every later one requires
a pinned key (only the pinned key types are negotiated, as OpenSSH does for a known host), and a host showing
another key is refused with the pin's one line.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time

from pulumi_docker_machine.knownhosts import HostKeyPin
from pulumi_docker_machine.store import HostConfig

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Optional

INSTALL = "pip install 'pulumi-docker-machine[native-ssh]'"
CONNECT_TIMEOUT = 10  # seconds, as ConnectTimeout=10
ATTEMPTS = 3  # as ConnectionAttempts=3
KEEPALIVE = 60  # seconds, as ServerAliveInterval=60
# Host key algorithms by the key type a pin records.
ALGORITHMS = {"ssh-rsa": ("rsa-sha2-512", "rsa-sha2-256")}


class NativeSSHError(Exception):
    """One line for the user; ``exit_code`` as ssh's own (255) when the connection failed."""

    def __init__(self, message: str, exit_code: int = 255) -> None:
        super().__init__(message)
        self.exit_code = exit_code


def asked() -> bool:
    """MACHINE_NATIVE_SSH is true (the CLI sets it for --native-ssh too, so its own steps see it)."""
    return os.environ.get("MACHINE_NATIVE_SSH", "").strip().lower() in ("1", "true", "t", "yes", "y", "on")


def wanted(native_flag: bool = False) -> bool:
    """Use this client: asked for, or no ssh program to run."""
    return native_flag or asked() or shutil.which("ssh") is None


def load_paramiko(native_flag: bool):
    try:
        import paramiko  # type: ignore[import-untyped]  # no stubs; an optional extra
    except ImportError:
        if native_flag:
            raise NativeSSHError(f"Error: --native-ssh needs paramiko: {INSTALL}", exit_code=1) from None
        raise NativeSSHError(
            f"Error: no ssh program found, and the SSH client in Python needs paramiko: {INSTALL} "
            "(or install OpenSSH's client: the openssh-client package)",
            exit_code=1,
        ) from None
    return paramiko


def _pin_policy(paramiko, pin: HostKeyPin):
    class PinnedKey(paramiko.MissingHostKeyPolicy):
        """No key is loaded into the client, so every connection asks here: the pin decides."""

        def missing_host_key(self, client, hostname, key) -> None:
            shown = f"{key.get_name()} {key.get_base64()}"
            pinned = pin.keys()
            if not pinned:
                pin.pin([shown])
            elif shown not in pinned:
                raise NativeSSHError(pin.mismatch_message(), exit_code=1)

    return PinnedKey()


def _disabled_host_key_algorithms(paramiko, pin: HostKeyPin) -> list[str]:
    """Every host key algorithm of a type not pinned (none when nothing is pinned yet)."""
    types = {key.split(" ")[0] for key in pin.keys()}
    if not types:
        return []
    allowed = {algorithm for kind in types for algorithm in ALGORITHMS.get(kind, (kind,))}
    return [algorithm for algorithm in paramiko.Transport._preferred_keys if algorithm not in allowed]


def connect(host: HostConfig, pin: HostKeyPin, native_flag: bool, user: Optional[str] = None):
    """An authenticated connection to the machine as ``user`` (default: its SSH user)."""
    paramiko = load_paramiko(native_flag)
    client = paramiko.SSHClient()
    client.set_missing_host_key_policy(_pin_policy(paramiko, pin))
    key = str(host.ssh_key_path) if host.ssh_key_path else None
    if key is not None and not os.access(key, os.R_OK):
        raise NativeSSHError(f"Error: the machine's SSH key {key} can't be read", exit_code=1)
    try:
        _connect(paramiko, client, host, pin, key, user)
    except BaseException:
        client.close()
        raise
    transport = client.get_transport()
    if transport is not None:
        transport.set_keepalive(KEEPALIVE)
    return client


def _connect(paramiko, client, host: HostConfig, pin: HostKeyPin, key: Optional[str], user: Optional[str]) -> None:
    where = f"{host.ssh_host} port {host.ssh_port}"
    for attempt in range(ATTEMPTS):
        try:
            client.connect(
                host.ssh_host,
                port=int(host.ssh_port),
                username=user or host.ssh_user,
                key_filename=key,
                allow_agent=key is None,
                look_for_keys=key is None,
                timeout=CONNECT_TIMEOUT,
                banner_timeout=CONNECT_TIMEOUT,
                auth_timeout=CONNECT_TIMEOUT,
                disabled_algorithms={"keys": _disabled_host_key_algorithms(paramiko, pin)},
            )
            return
        except (OSError, paramiko.ssh_exception.NoValidConnectionsError) as err:
            if attempt + 1 == ATTEMPTS or isinstance(err, socket.timeout):
                raise NativeSSHError(f"ssh: connect to host {where}: {err.strerror or err}") from None
            time.sleep(1)
        except paramiko.AuthenticationException as err:
            raise NativeSSHError(f"{user or host.ssh_user}@{host.ssh_host}: Permission denied ({err})") from None
        except paramiko.SSHException as err:
            raise NativeSSHError(f"ssh: {where}: {err}") from None


def run_command(host: HostConfig, pin: HostKeyPin, command: list[str], timeout: float) -> subprocess.CompletedProcess:
    """``command`` (its words joined by spaces, as ssh sends them) run on the machine without a terminal, as
    ``subprocess.run(ssh_command(...), capture_output=True, text=True)`` would: exit code 255 when the
    connection failed or dropped, the reason on standard error."""
    try:
        client = connect(host, pin, asked())
    except NativeSSHError as err:
        return subprocess.CompletedProcess(command, 255, "", f"{err}\n")
    paramiko = load_paramiko(False)
    try:
        _, stdout, stderr = client.exec_command(" ".join(command), timeout=timeout)
        out, errors = stdout.read(), stderr.read()
        status = stdout.channel.recv_exit_status()
    except (OSError, paramiko.SSHException) as problem:
        return subprocess.CompletedProcess(command, 255, "", f"ssh: {problem}\n")
    finally:
        client.close()
    return subprocess.CompletedProcess(
        command, 255 if status < 0 else status, out.decode(errors="replace"), errors.decode(errors="replace")
    )

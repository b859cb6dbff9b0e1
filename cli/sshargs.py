"""The system ssh client's arguments, as docker-machine's ExternalClient builds them."""

from __future__ import annotations

from .store import HostConfig

BASE_SSH_ARGS = [
    "-F", "/dev/null",
    "-o", "ConnectionAttempts=3",
    "-o", "ConnectTimeout=10",
    "-o", "ControlMaster=no",
    "-o", "ControlPath=none",
    "-o", "LogLevel=quiet",
    "-o", "PasswordAuthentication=no",
    "-o", "ServerAliveInterval=60",
    # Machines are made and remade with new host keys; there is no one to ask.
    "-o", "StrictHostKeyChecking=no",
    "-o", "UserKnownHostsFile=/dev/null",
]


def host_part(host: HostConfig) -> str:
    address = host.ssh_host
    return f"[{address}]" if ":" in address else address


def ssh_command(host: HostConfig, command: list[str]) -> list[str]:
    """``--`` before the host: nothing after it (a remote command starting with ``-``) is an ssh option."""
    args = ["ssh", *BASE_SSH_ARGS]
    if host.ssh_key_path:
        args += ["-o", "IdentitiesOnly=yes", "-i", str(host.ssh_key_path)]
    return args + ["-p", str(host.ssh_port), "-l", host.ssh_user, "--", host.ssh_host, *command]


def identity_options(host: HostConfig) -> list[str]:
    options = ["-o", f"Port={host.ssh_port}"]
    if host.ssh_key_path:
        # ssh splits an option's value at spaces unless quoted: a store path may hold spaces.
        options = ["-o", f'IdentityFile="{host.ssh_key_path}"', *options]
    return options

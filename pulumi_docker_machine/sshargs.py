"""The system ssh client's arguments, as docker-machine's ExternalClient builds them, plus the machine's pinned
host key (pulumi_docker_machine/knownhosts.py) where docker-machine checked none."""

from __future__ import annotations

import subprocess

from pulumi_docker_machine.knownhosts import HostKeyPin
from pulumi_docker_machine.store import HostConfig

TYPE_CHECKING = False  # typing stays unimported at run time (start-up time)
if TYPE_CHECKING:
    from typing import Optional

BASE_SSH_ARGS = [
    "-F",
    "/dev/null",
    "-o",
    "ConnectionAttempts=3",
    "-o",
    "ConnectTimeout=10",
    "-o",
    "ControlMaster=no",
    "-o",
    "ControlPath=none",
    "-o",
    "LogLevel=quiet",
    "-o",
    "PasswordAuthentication=no",
    "-o",
    "ServerAliveInterval=60",
]


def host_part(host: HostConfig) -> str:
    address = host.ssh_host
    return f"[{address}]" if ":" in address else address


def default_pin(host: HostConfig) -> HostKeyPin:
    """The pin beside the machine's config.json, for callers that have no store at hand."""
    return HostKeyPin.in_folder(host.name, host.machine_dir)


def ssh_command(
    host: HostConfig, command: list[str], pin: Optional[HostKeyPin] = None, user_words: bool = False
) -> list[str]:
    """The values from the store are options' values, never words ssh could read as options: the address is
    ``-o HostName=`` (``%`` doubled: ssh expands tokens there), and the destination is the machine's name, which
    starts with a letter or digit. With ``user_words``, ``command`` is what the user typed after the name, which
    OpenSSH reads as docker-machine's users typed it: options first (``-L 8080:localhost:80``), then the remote
    command. Without, ``--`` keeps ``command`` a remote command whatever it holds."""
    if not host.name[:1].isalnum():
        raise ValueError(f"Error: {host.name!r} is no machine name ssh can be given")
    pin = pin or default_pin(host)
    pin.prepare()
    args = ["ssh", *BASE_SSH_ARGS, *pin.ssh_options()]
    if host.ssh_key_path:
        args += ["-o", "IdentitiesOnly=yes", "-i", str(host.ssh_key_path)]
    address = host.ssh_host.replace("%", "%%")
    args += ["-o", f"HostName={address}", "-p", str(host.ssh_port), "-l", host.ssh_user, host.name]
    return args + (list(command) if user_words else ["--", *command])


def identity_options(host: HostConfig) -> list[str]:
    options = ["-o", f"Port={host.ssh_port}"]
    if host.ssh_key_path:
        # ssh splits an option's value at spaces unless quoted: a store path may hold spaces.
        options = ["-o", f'IdentityFile="{host.ssh_key_path}"', *options]
    return options


def config_block(alias: str, host: HostConfig, pin: HostKeyPin) -> str:
    """One ``Host`` block of an ssh config file: what scp and rsync need per machine (``-o`` settings would
    apply to both ends of a machine-to-machine copy). Values were checked when config.json was read; paths are
    double-quoted (HostKeyPin refuses a path a double quote can't hold)."""
    lines = [
        f"Host {alias}",
        f"  HostName {host.ssh_host}",
        f"  Port {int(host.ssh_port)}",
        *(f"  {key} {value}" for key, value in pin.options()),
    ]
    if host.ssh_key_path:
        key_path = str(host.ssh_key_path)
        if any(c in key_path for c in '"\n\r\0'):
            raise ValueError(f"Error: machine {host.name!r}'s SSH key path holds a double quote or a line break")
        lines += [f'  IdentityFile "{key_path}"', "  IdentitiesOnly yes"]
    return "\n".join(lines) + "\n"


def run_ssh(host: HostConfig, command: list[str], timeout: float = 60) -> subprocess.CompletedProcess:
    """``command`` run on the machine for one of the CLI's own steps (generic restart's reboot), captured as
    text: through the ssh program, or paramiko (nativessh.py) with MACHINE_NATIVE_SSH/--native-ssh or without
    an ssh program. The machine's pinned host key either way."""
    from pulumi_docker_machine.nativessh import run_command, wanted

    pin = default_pin(host)
    if wanted():
        return run_command(host, pin, command, timeout)
    return subprocess.run(ssh_command(host, command, pin), capture_output=True, text=True, timeout=timeout)

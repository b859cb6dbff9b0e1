"""Generic: a Linux host that already exists, reached over SSH. Nothing is created in a cloud.

The machine has a key of its own, as every other driver's machine does: generated per machine (a Pulumi
secret), authorized on the host at create with your key (``ssh_key``, a path: ssh reads the file from
your disk, once), and the only key used afterwards and the only one in state. Your key never enters a
stack's config, state or outputs, so a teammate who imports the machine gets the machine's key, not
yours. ``ssh_private_key`` is different: a key given by value is the machine's key (already authorized
on the host) and is kept in state like a generated one.

Without ``ssh_key`` (docker-machine's "default SSH key will be used") your key is found as ssh finds it: a
running ssh-agent (``SSH_AUTH_SOCK``, used through pulumi-command's ``agentSocketPath``: the agent signs, no
private key leaves it), else the first of ssh's default key files. Either way only the machine's own key is
in state.
"""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar, Optional

import pulumi

from ...names import USER_NAME, is_address
from ..base import Driver, DriverArgumentError, MachineHost, child_opts, secret_field


DEFAULT_KEY = ""  # no --generic-ssh-key: the ssh-agent, else ssh's default key files
DEFAULT_KEY_FILES = ("~/.ssh/id_rsa", "~/.ssh/id_ecdsa", "~/.ssh/id_ed25519")  # ssh's own order


def agent_socket() -> Optional[str]:
    """The running ssh-agent's socket (SSH_AUTH_SOCK naming a socket), else None (a closed session's stale path)."""
    import stat

    path = os.environ.get("SSH_AUTH_SOCK") or ""
    try:
        return path if path and stat.S_ISSOCK(os.stat(path).st_mode) else None
    except OSError:
        return None


def default_key_file() -> Optional[str]:
    return next((path for path in DEFAULT_KEY_FILES if os.path.isfile(os.path.expanduser(path))), None)


@dataclass(frozen=True)
class GenericDriver(Driver):
    name: ClassVar[str] = "generic"
    owns_host: ClassVar[bool] = False
    supports_power: ClassVar[bool] = False

    ip_address: Optional[str] = None
    ssh_user: str = "root"
    ssh_port: int = 22
    # The path of your private key (docker-machine's --generic-ssh-key), used once to authorize the machine's
    # own key. None: no key of yours here (a machine imported from a teammate: its key is authorized already).
    ssh_key: Optional[str] = DEFAULT_KEY
    ssh_private_key: Optional[pulumi.Input[str]] = secret_field()  # the machine's key itself, already authorized

    @property
    def uses_generated_key(self) -> bool:  # type: ignore[override]
        return self.ssh_private_key is None

    def validate(self, machine_name: str) -> None:
        if not self.ip_address:
            raise DriverArgumentError(
                "generic driver requires the --generic-ip-address option: give the host's address"
            )
        if not is_address(self.ip_address):
            raise DriverArgumentError(
                f"generic ip_address {self.ip_address!r} is neither an IP address nor a host name"
            )
        if not USER_NAME.fullmatch(self.ssh_user):
            raise DriverArgumentError(f"generic ssh_user {self.ssh_user!r} is not a user name")
        if not 1 <= int(self.ssh_port) <= 65535:
            raise DriverArgumentError(f"generic ssh_port {self.ssh_port!r} is not a TCP port")
        if self.ssh_key is not None and not isinstance(self.ssh_key, str):
            raise DriverArgumentError("generic ssh_key must be the path of your private key")
        if self.ssh_private_key is None and self.ssh_key == DEFAULT_KEY:
            self._check_default_key()
        elif self.ssh_private_key is None and self.ssh_key is not None:
            if not self.key_path.is_file():
                raise DriverArgumentError(
                    f"generic ssh key {self.key_path} does not exist: give --generic-ssh-key the path of your private key"
                )
            self._check_private_key(self.key_path)

    def _check_default_key(self) -> None:
        if agent_socket() is not None:
            return
        found = default_key_file()
        if found is None:
            raise DriverArgumentError(
                "generic driver: no --generic-ssh-key given, and neither an ssh-agent (SSH_AUTH_SOCK) nor a default "
                f"key ({', '.join(DEFAULT_KEY_FILES)}) here: give --generic-ssh-key the path of your private key"
            )
        self._check_private_key(Path(os.path.expanduser(found)))

    def _check_private_key(self, path: Path) -> None:
        found = path.stat()
        _check_key_file(str(path), (found.st_dev, found.st_ino, found.st_size, found.st_mtime_ns))

    @property
    def key_path(self) -> Path:
        return Path(os.path.expanduser(self.ssh_key or ""))

    def to_dict(self) -> dict[str, Any]:
        """As every driver's, but without the path of your key: it means nothing on a teammate's disk (and
        names your home folder); an imported machine is reached with its own key."""
        return {**super().to_dict(), "ssh_key": None}

    def create_host(self, machine_name, public_key, engine_port, parent, power="running", force=False) -> MachineHost:
        return MachineHost(
            address=self.ip_address,  # type: ignore[arg-type]
            ssh_user=self.ssh_user,
            ssh_port=int(self.ssh_port),
            # None: the machine's generated key, once authorize_key has put it on the host.
            private_key=None if self.ssh_private_key is None else pulumi.Output.secret(self.ssh_private_key),
        )

    def cluster_firewall(self, cluster, members, others, ports, parent) -> list[pulumi.Resource]:
        """None: the hosts' firewalls are their owner's (open the swarm ports there)."""
        return []

    def authorize_key(self, machine_name: str, host: MachineHost, key: Any, parent: pulumi.Resource) -> list:
        """The machine's generated key onto the host, with your key from ``ssh_key`` (or the default one)."""
        if self.ssh_private_key is not None:
            return []
        user_key = self.ssh_key
        if user_key == DEFAULT_KEY:
            socket = agent_socket()
            if socket is not None:
                from .agent import authorize_with_agent

                return authorize_with_agent(machine_name, host, key, socket, parent)
            user_key = default_key_file()
        from ...material import AuthorizedKey

        return [
            AuthorizedKey(
                f"{machine_name}-authorized-key",
                host.address,
                host.ssh_port,
                host.ssh_user,
                key,
                user_key,
                opts=child_opts(parent),
            )
        ]


# The arguments are checked before anything is made and again where DockerMachine is built (create's inline
# program runs in the same process; a declarative stack checks every entry first): each version of the key file
# is read once. A key that fails is not remembered.
@functools.lru_cache(maxsize=16)
def _check_key_file(path: str, version: tuple[int, int, int, int]) -> None:
    from ..userkey import key_pair_text

    try:
        key_pair_text(path)
    except ValueError:
        raise DriverArgumentError(
            f"generic ssh key {path} is not an unencrypted private key (the .pub file, or one with a "
            "passphrase?): give --generic-ssh-key the private key file"
        ) from None

"""Generic: a Linux host that already exists, reached over SSH with your key. Nothing is created in a cloud."""

from __future__ import annotations

import ipaddress
import os
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar, Optional

import pulumi

from ..names import HOST_NAME, USER_NAME
from .base import Driver, DriverArgumentError, MachineHost, secret_field



MAX_KEY_BYTES = 64 * 1024  # an RSA 16384 key is about 13 KiB


@dataclass(frozen=True)
class GenericDriver(Driver):
    name: ClassVar[str] = "generic"
    uses_generated_key: ClassVar[bool] = False
    owns_host: ClassVar[bool] = False
    supports_power: ClassVar[bool] = False

    ip_address: Optional[str] = None
    ssh_user: str = "root"
    ssh_port: int = 22
    ssh_key: str = "~/.ssh/id_rsa"  # path of the private key, as docker-machine's --generic-ssh-key
    ssh_private_key: Optional[pulumi.Input[str]] = secret_field()  # the key itself, instead of a path

    def validate(self, machine_name: str) -> None:
        if not self.ip_address:
            raise DriverArgumentError(
                "generic driver requires the --generic-ip-address option: give the host's address"
            )
        try:
            ipaddress.ip_address(self.ip_address)
        except ValueError:
            if not HOST_NAME.fullmatch(self.ip_address):
                raise DriverArgumentError(
                    f"generic ip_address {self.ip_address!r} is neither an IP address nor a host name"
                ) from None
        if not USER_NAME.fullmatch(self.ssh_user):
            raise DriverArgumentError(f"generic ssh_user {self.ssh_user!r} is not a user name")
        if not 1 <= int(self.ssh_port) <= 65535:
            raise DriverArgumentError(f"generic ssh_port {self.ssh_port!r} is not a TCP port")
        if self.ssh_private_key is None:
            if not self.key_path.is_file():
                raise DriverArgumentError(
                    f"generic ssh key {self.key_path} does not exist: give --generic-ssh-key the path of your private key"
                )
            self._check_private_key(self.key_path)

    def _check_private_key(self, path: Path) -> None:
        from ..ssh import public_key_from_private

        with open(path, "rb") as handle:
            data = handle.read(MAX_KEY_BYTES + 1)
        try:
            if len(data) > MAX_KEY_BYTES:
                raise ValueError("too large")
            public_key_from_private(data.decode())
        except (ValueError, TypeError, UnicodeDecodeError):
            raise DriverArgumentError(
                f"generic ssh key {path} is not an unencrypted private key (the .pub file, or one with a "
                "passphrase?): give --generic-ssh-key the private key file"
            ) from None

    @property
    def key_path(self) -> Path:
        return Path(os.path.expanduser(self.ssh_key))

    def create_host(self, machine_name, public_key, engine_port, parent, power="running", force=False) -> MachineHost:
        key = self.ssh_private_key if self.ssh_private_key is not None else self.key_path.read_text()
        return MachineHost(
            address=self.ip_address,  # type: ignore[arg-type]
            ssh_user=self.ssh_user,
            ssh_port=int(self.ssh_port),
            private_key=pulumi.Output.secret(key),
        )

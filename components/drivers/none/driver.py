"""NoneDriver: an existing Docker host, reached at the URL given (docker-machine's none driver, v0.16.2
drivers/none/driver.go). Nothing is created, provisioned or removed; the machine is a name for the URL, and the
store's client certificate must be one the host's engine trusts."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Optional

from ...names import is_address, is_port
from ..base import Driver, DriverArgumentError, MachineHost
from ..info import url_host, urlsplit


@dataclass(frozen=True)
class NoneDriver(Driver):
    name: ClassVar[str] = "none"
    uses_generated_key: ClassVar[bool] = False  # no SSH
    owns_host: ClassVar[bool] = False  # the host outlives the machine: rm only forgets it
    supports_power: ClassVar[bool] = False
    provisions: ClassVar[bool] = False  # Docker is running there already, configured by its owner

    url: Optional[str] = None  # tcp://HOST:PORT

    def validate(self, machine_name: str) -> None:
        if not self.url:
            raise DriverArgumentError("--url option is required when no driver is selected")
        self.address()

    def address(self) -> tuple[str, int]:
        """The URL's host and port; DriverArgumentError unless it is tcp://ADDRESS:PORT."""
        url = self.url if isinstance(self.url, str) else ""
        try:
            parts = urlsplit(url)
            port = parts.port
        except ValueError:
            parts, port = None, None
        host = url_host(url)
        if (
            parts is None
            or parts.scheme != "tcp"
            or not is_address(host)
            or port is None
            or not is_port(port)
            or parts.path not in ("", "/")
            or parts.query
            or parts.fragment
            or parts.username
        ):
            raise DriverArgumentError(
                f"none url {str(self.url)[:80]!r} is not tcp://ADDRESS:PORT: give the Docker "
                "host's TLS address, such as tcp://203.0.113.10:2376"
            )
        return host, port

    def create_host(self, machine_name, public_key, engine_port, parent, power="running", force=False) -> MachineHost:
        host, port = self.address()
        return MachineHost(address=host, ssh_user="", ssh_port=0, ssh_address="", engine_port=port)

    def cluster_firewall(self, cluster, members, others, ports, parent) -> list:
        """None: the host's firewall is its owner's (open the swarm ports there)."""
        return []

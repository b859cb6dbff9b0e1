"""The small interface every driver implements."""

from __future__ import annotations

import abc
import dataclasses
import ipaddress
from dataclasses import dataclass
from typing import Any, ClassVar, Mapping, Optional, Sequence

import pulumi

from ..names import USER_NAME
from .info import DriverArgumentError


@dataclass(frozen=True)
class MachineHost:
    """What a driver hands back: where the machine is and how to reach it over SSH."""

    address: pulumi.Input[str]
    ssh_user: pulumi.Input[str]
    ssh_port: pulumi.Input[int]
    # A driver that brings its own SSH key (generic) sets it; otherwise the generated key is used.
    private_key: Optional[pulumi.Input[str]] = None
    # Resources provisioning must wait for beyond the address (a firewall that opens port 22).
    depends_on: Sequence[pulumi.Resource] = ()
    # Where SSH connects when that is not ``address`` (VirtualBox: a NAT port forward on 127.0.0.1).
    ssh_address: Optional[pulumi.Input[str]] = None
    # The address other machines of a cluster reach it at, where the driver has a private network.
    private_address: Optional[pulumi.Input[str]] = None
    # The VM resource and its provider: a cluster's firewall names them (droplet IDs, network interfaces).
    vm: Optional[pulumi.Resource] = None
    provider: Optional[pulumi.ProviderResource] = None
    # Where this machine reaches the engine when not on the engine's own port (qemu: a forwarded port).
    engine_port: Optional[pulumi.Input[int]] = None
    # Names the server certificate must carry besides the address (qemu: localhost).
    extra_sans: Sequence[str] = ()


@dataclass(frozen=True)
class ClusterMember:
    """One machine of a cluster, as a driver's cluster firewall sees it."""

    name: str
    driver: "Driver"
    host: MachineHost
    address: pulumi.Output[str]  # the address the other members reach it at


class Driver(abc.ABC):
    """A way to get a Linux host: one frozen dataclass of arguments per driver, in its own folder (the Pulumi side;
    what the CLI asks before any Pulumi code runs is the folder's info.DriverInfo)."""

    name: ClassVar[str]
    uses_generated_key: ClassVar[bool] = True
    owns_host: ClassVar[bool] = True  # False: the host outlives the stack (generic)
    supports_power: ClassVar[bool] = True  # start/stop/kill through the wanted power state
    user_data_limit: ClassVar[int]  # the bytes of user data the cloud takes: drivers with a user_data field
    # Docker is installed and configured over SSH (False: an engine that runs already, the none driver's): without
    # it, no SSH key, server certificate or provisioning step is made.
    provisions: ClassVar[bool] = True

    def validate(self, machine_name: str) -> None:  # noqa: B027 - optional: a driver without checks of its own
        """Raise DriverArgumentError before any resource is registered."""

    @abc.abstractmethod
    def create_host(
        self,
        machine_name: str,
        public_key: Optional[pulumi.Output[str]],
        engine_port: int,
        parent: pulumi.Resource,
        power: str = "running",
        force: bool = False,
    ) -> MachineHost:
        """Register the VM (and its firewall) as children of ``parent``, in the wanted power state
        (``running`` or ``stopped``; ``force`` stops without a clean shutdown)."""

    def authorize_key(self, machine_name: str, host: MachineHost, key: Any, parent: pulumi.Resource) -> list:
        """Put the machine's generated SSH key (``key``, an SSHKey) on a host that exists already; the
        resources provisioning must wait for. The default: none (the driver hands the key to the VM itself)."""
        return []

    def cluster_firewall(
        self,
        cluster: str,
        members: Sequence[ClusterMember],
        others: Sequence[pulumi.Output[str]],
        ports: Sequence[tuple[str, int]],
        parent: pulumi.Resource,
    ) -> list[pulumi.Resource]:
        """Open ``ports`` ((protocol, port) pairs) between a cluster's members made by this driver, and
        from the ``others`` (CIDR sources, ``/32`` or ``/128``, of the public addresses of members made by other
        drivers, as components/swarm/sources.py admits them); nothing else. The default: no firewall of the
        driver's own to open (each registered driver states its own answer: tests/test_driver_ownership.py)."""
        return []

    @classmethod
    def secret_fields(cls) -> frozenset[str]:
        """The arguments that are credentials (``secret_field``): secret config, never in the store or outputs."""
        return frozenset(f.name for f in dataclasses.fields(cls) if f.metadata.get("secret"))  # type: ignore[arg-type]

    def to_dict(self) -> dict[str, Any]:
        """The arguments, credentials left out (for the store's config.json and stack outputs)."""
        settings: dict[str, Any] = {}
        for f in dataclasses.fields(self):  # type: ignore[arg-type]
            if f.name in self.secret_fields():
                continue
            value = getattr(self, f.name)
            settings[f.name] = list(value) if isinstance(value, tuple) else value
        return settings

    @classmethod
    def from_dict(cls, options: Mapping[str, Any]) -> "Driver":
        known = {f.name for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
        unknown = sorted(set(options) - known)
        if unknown:
            raise DriverArgumentError(
                f"unknown {cls.name} option {unknown[0]!r}: use one of {', '.join(sorted(known))}"
            )
        return cls(**options)


def check_driver(driver: Driver, machine_name: str) -> None:
    """The driver's own checks, and what every driver shares: an SSH user that is a user name (never an
    ssh option such as ``-oProxyCommand=...``)."""
    driver.validate(machine_name)
    user = getattr(driver, "ssh_user", None)
    if user is not None and not (isinstance(user, str) and USER_NAME.fullmatch(user)):
        raise DriverArgumentError(
            f"{driver.name} ssh user {user!r} is not a user name: give a login name such as ubuntu"
        )


def check_cidrs(values: Sequence[str], option: str) -> None:
    for value in values:
        try:
            ipaddress.ip_network(value, strict=False)
        except ValueError:
            raise DriverArgumentError(f"{option} {value!r} is not a CIDR range such as 203.0.113.0/24") from None


def secret_field(default: Any = None) -> Any:
    """A dataclass field holding a credential: kept out of to_dict()."""
    return dataclasses.field(default=default, metadata={"secret": True}, repr=False)


def child_opts(
    parent: pulumi.Resource, provider: Optional[pulumi.ProviderResource] = None, **kwargs: Any
) -> pulumi.ResourceOptions:
    return pulumi.ResourceOptions(parent=parent, provider=provider, **kwargs)

"""Hetzner Cloud: an SSH key, a firewall (SSH and the Docker port) and a server (pulumi-hcloud)."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from typing import Any, ClassVar, Optional, Sequence

import pulumi

from pulumi_docker_machine.components.drivers.base import (
    Driver,
    DriverArgumentError,
    MachineHost,
    check_cidrs,
    child_opts,
    secret_field,
)
from pulumi_docker_machine.components.drivers.info import NOT_SUPPORTED
from pulumi_docker_machine.components.drivers.userkey import read_private_key

from .flags import FLAGS

ANYWHERE = ("0.0.0.0/0", "::/0")
TOKEN_ENV = ("HCLOUD_TOKEN", "HETZNER_API_TOKEN")
SDK_MISSING = "the hetzner driver needs its SDK: pip install pulumi-hcloud"
_NAME = re.compile(r"[a-z0-9][a-z0-9.-]*\Z")  # server types and image names: cx22, ubuntu-24.04
_LOCATION = re.compile(r"[a-z]{3}[0-9]*\Z")  # fsn1, nbg1, hel1, ash, hil, sin
_ID = re.compile(r"[1-9][0-9]{0,18}\Z")
_LABEL = re.compile(
    r"([A-Za-z0-9]([A-Za-z0-9._/-]{0,61}[A-Za-z0-9])?)=([A-Za-z0-9]([A-Za-z0-9._-]{0,61}[A-Za-z0-9])?)?\Z"
)
_PUBLIC_KEY = re.compile(r"(ssh-(ed25519|rsa)|ecdsa-sha2-nistp(256|384|521)) [A-Za-z0-9+/]+={0,2}( [^\n]*)?\Z")
_REFUSED = {row[1]: (row[0], row[5].removeprefix(NOT_SUPPORTED)) for row in FLAGS if row[5].startswith(NOT_SUPPORTED)}


def hcloud_sdk() -> Any:
    """pulumi_hcloud, imported when resources are made, or the one-line error naming what to install."""
    try:
        import pulumi_hcloud
    except ImportError:
        raise DriverArgumentError(SDK_MISSING) from None
    return pulumi_hcloud


def api_token(explicit: Optional[pulumi.Input[str]]) -> Optional[pulumi.Input[str]]:
    """The token the provider itself would use: explicit, else hcloud:token, else the environment."""
    if explicit is not None:
        return explicit
    configured = pulumi.Config("hcloud").get("token")
    return configured or next((os.environ[v] for v in TOKEN_ENV if os.environ.get(v)), None)


def labels(values: Sequence[str], what: str) -> dict[str, str]:
    """key=value pairs as Hetzner takes labels (docker-machine-driver-hetzner's words for a malformed one)."""
    pairs = {}
    for value in values:
        if not _LABEL.match(value):
            raise DriverArgumentError(f"{what} label {value} is not in key=value format")
        key, _, text = value.partition("=")
        pairs[key] = text
    return pairs


def ids(values: Sequence[str], flag: str) -> list[int]:
    for value in values:
        if not _ID.match(str(value)):
            raise DriverArgumentError(f"{flag} {value!r} is not an ID: give its number (hcloud {flag[10:]} list)")
    return [int(value) for value in values]


@dataclass(frozen=True)
class HetznerDriver(Driver):
    name: ClassVar[str] = "hetzner"
    supports_power: ClassVar[bool] = False  # pulumi-hcloud keeps no power state: restart over SSH only

    api_token: Optional[pulumi.Input[str]] = secret_field()
    image: str = "ubuntu-24.04"
    image_id: Optional[int] = None
    server_type: str = "cx22"
    location: str = ""  # Hetzner's choice
    existing_key_id: Optional[int] = None
    existing_key_path: Optional[str] = None
    # cloud-init user data, inline or a file's contents (a secret either way: it may hold credentials)
    user_data_text: Optional[pulumi.Input[str]] = secret_field()
    user_data: Optional[pulumi.Input[str]] = secret_field()
    user_data_file: Optional[str] = None
    user_data_limit: ClassVar[int] = 32 * 1024  # what Hetzner takes
    networks: Sequence[str] = ()
    disable_public_ipv6: bool = False
    firewalls: Sequence[str] = ()
    additional_keys: Sequence[str] = ()
    server_labels: Sequence[str] = ()
    key_labels: Sequence[str] = ()
    placement_group: Optional[str] = None
    ssh_user: str = "root"
    ssh_port: int = 22
    source_ranges: Sequence[str] = ANYWHERE
    # docker-machine-driver-hetzner's flags this driver refuses (flags.py says why)
    image_arch: Optional[str] = None
    user_data_from_file: bool = False
    volumes: Sequence[str] = ()
    use_private_network: bool = False
    disable_public_ipv4: bool = False
    disable_public_4: bool = False
    disable_public_6: bool = False
    disable_public: bool = False
    primary_ipv4: Optional[str] = None
    primary_ipv6: Optional[str] = None
    auto_spread: bool = False
    wait_on_error: Optional[int] = None
    wait_on_polling: Optional[int] = None
    wait_for_running_timeout: Optional[int] = None

    @property
    def uses_generated_key(self) -> bool:  # type: ignore[override]
        return self.existing_key_path is None

    def validate(self, machine_name: str) -> None:
        hcloud_sdk()
        for option, (flag, why) in _REFUSED.items():
            if getattr(self, option) not in (None, False, ()):
                raise DriverArgumentError(f"{flag} is not supported: {why}")
        if api_token(self.api_token) is None:
            raise DriverArgumentError(
                "hetzner requires --hetzner-api-token to be set: pass api_token, set the hcloud:token config or "
                "HETZNER_API_TOKEN"
            )
        if self.image_id is not None and self.image != "ubuntu-24.04":
            raise DriverArgumentError("--hetzner-image and --hetzner-image-id are mutually exclusive")
        if self.image_id is not None and not _ID.match(str(self.image_id)):
            raise DriverArgumentError(f"hetzner image id {self.image_id!r} is not an image's number")
        if not _NAME.match(self.image):
            raise DriverArgumentError(f"hetzner image {self.image!r} is not an image name such as ubuntu-24.04")
        if not _NAME.match(self.server_type):
            raise DriverArgumentError(f"hetzner server type {self.server_type!r} is not a type such as cx22")
        if self.location and not _LOCATION.match(self.location):
            raise DriverArgumentError(f"hetzner location {self.location!r} is not a location such as fsn1 or nbg1")
        if self.user_data is not None and self.user_data_text is not None:
            raise DriverArgumentError("--hetzner-user-data and --hetzner-user-data-file are mutually exclusive")
        for data in (self.user_data, self.user_data_text):
            if isinstance(data, str) and len(data.encode()) > self.user_data_limit:
                raise DriverArgumentError(f"hetzner user data is larger than the {self.user_data_limit} bytes it takes")
        ids(self.networks, "--hetzner-networks")
        ids(self.firewalls, "--hetzner-firewalls")
        ids([self.placement_group] if self.placement_group else [], "--hetzner-placement-group")
        labels(self.server_labels, "server")
        labels(self.key_labels, "key")
        for key in self.additional_keys:
            if not _PUBLIC_KEY.match(key):
                raise DriverArgumentError(
                    f"--hetzner-additional-key {key[:40]!r} is not a public key such as 'ssh-ed25519 AAAA... you@host'"
                )
        if not 1 <= int(self.ssh_port) <= 65535:
            raise DriverArgumentError(f"hetzner ssh_port {self.ssh_port!r} is not a TCP port")
        check_cidrs(self.source_ranges, "hetzner source range")
        if self.existing_key_id is not None:
            if not _ID.match(str(self.existing_key_id)):
                raise DriverArgumentError(f"hetzner existing key id {self.existing_key_id!r} is not a key's number")
            if self.existing_key_path is None:
                raise DriverArgumentError("--hetzner-existing-key-id requires --hetzner-existing-key-path")
        if self.existing_key_path is not None:
            read_private_key(self.existing_key_path, "--hetzner-existing-key-path")

    def create_host(self, machine_name, public_key, engine_port, parent, power="running", force=False) -> MachineHost:
        hcloud = hcloud_sdk()
        provider = None
        if self.api_token is not None:
            provider = hcloud.Provider(
                f"{machine_name}-hcloud", token=pulumi.Output.secret(self.api_token), opts=child_opts(parent)
            )
        opts = child_opts(parent, provider)
        key_labels = labels(self.key_labels, "key")
        private_key = None
        keys: list[pulumi.Input[str]] = []
        if self.existing_key_path is not None:
            private_key, existing_public = read_private_key(self.existing_key_path, "--hetzner-existing-key-path")
            if self.existing_key_id is None:  # its public half uploaded, as docker-machine-driver-hetzner does
                public_key = pulumi.Output.from_input(existing_public)
            else:
                keys.append(str(self.existing_key_id))
        if not keys:
            key = hcloud.SshKey(
                f"{machine_name}-ssh-key",
                name=f"docker-machine-{machine_name}",
                public_key=public_key,
                labels=key_labels or None,
                opts=opts,
            )
            keys.append(key.id)
        for index, extra in enumerate(self.additional_keys):
            added = hcloud.SshKey(
                f"{machine_name}-additional-key-{index}",
                name=f"docker-machine-{machine_name}-{index}",
                public_key=extra,
                labels=key_labels or None,
                opts=opts,
            )
            keys.append(added.id)
        firewall = hcloud.Firewall(
            f"{machine_name}-firewall",
            name=f"docker-machine-{machine_name}",
            rules=[
                hcloud.FirewallRuleArgs(
                    direction="in", protocol="tcp", port=str(port), source_ips=list(self.source_ranges)
                )
                for port in dict.fromkeys([int(self.ssh_port), engine_port])
            ],
            opts=opts,
        )
        user_data = self.user_data if self.user_data is not None else self.user_data_text
        server = hcloud.Server(
            machine_name,
            name=machine_name,
            server_type=self.server_type,
            image=str(self.image_id) if self.image_id is not None else self.image,
            location=self.location or None,
            ssh_keys=keys,
            firewall_ids=[firewall.id.apply(int), *ids(self.firewalls, "--hetzner-firewalls")],
            labels=labels(self.server_labels, "server") or None,
            user_data=pulumi.Output.secret(user_data) if user_data is not None else None,
            public_nets=[hcloud.ServerPublicNetArgs(ipv4_enabled=True, ipv6_enabled=not self.disable_public_ipv6)],
            networks=[hcloud.ServerNetworkArgs(network_id=n) for n in ids(self.networks, "--hetzner-networks")] or None,
            placement_group_id=int(self.placement_group) if self.placement_group else None,
            opts=opts,
        )
        return MachineHost(
            address=server.ipv4_address,  # a server keeps its primary IP while it exists
            ssh_user=self.ssh_user,
            ssh_port=int(self.ssh_port),
            private_key=None if private_key is None else pulumi.Output.secret(private_key),
            depends_on=[firewall],
            vm=server,
            provider=provider,
        )

    def cluster_firewall(self, cluster, members, others, ports, parent) -> list[pulumi.Resource]:
        """One firewall over the members' servers, open to their addresses and the other drivers' members. Hetzner
        applies every firewall of a server, so each machine's own stays."""
        hcloud = hcloud_sdk()
        sources = pulumi.Output.all(*[m.address for m in members], *others).apply(
            lambda found: [a if "/" in a else f"{a}/{128 if ':' in a else 32}" for a in found]
        )
        firewall = hcloud.Firewall(
            f"{cluster}-swarm-firewall",
            name=f"docker-swarm-{cluster}",
            rules=[
                hcloud.FirewallRuleArgs(direction="in", protocol=protocol, port=str(port), source_ips=sources)
                for protocol, port in ports
            ],
            opts=child_opts(parent, members[0].host.provider),
        )
        attachment = hcloud.FirewallAttachment(
            f"{cluster}-swarm-firewall",
            firewall_id=firewall.id.apply(int),
            server_ids=[member.host.vm.id.apply(int) for member in members],
            opts=child_opts(parent, members[0].host.provider),
        )
        return [firewall, attachment]

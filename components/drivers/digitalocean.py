"""DigitalOcean: an SSH key, a Droplet and a Cloud Firewall (pulumi-digitalocean)."""

from __future__ import annotations

import ipaddress
import os
import re
from dataclasses import dataclass
from typing import ClassVar, Optional, Sequence

import pulumi
import pulumi_digitalocean as do

from .base import Driver, DriverArgumentError, MachineHost, child_opts, secret_field

ANYWHERE = ("0.0.0.0/0", "::/0")
TOKEN_ENV = ("DIGITALOCEAN_ACCESS_TOKEN", "DIGITALOCEAN_TOKEN")
_REGION = re.compile(r"^[a-z]{3}[0-9]$")
_SLUG = re.compile(r"^[a-z0-9][a-z0-9.-]*$")
_TAG = re.compile(r"^[A-Za-z0-9:_\-.]{1,255}$")


def check_cidrs(values: Sequence[str], option: str) -> None:
    for value in values:
        try:
            ipaddress.ip_network(value, strict=False)
        except ValueError:
            raise DriverArgumentError(f"{option} {value!r} is not a CIDR range such as 203.0.113.0/24") from None


@dataclass(frozen=True)
class DigitalOceanDriver(Driver):
    name: ClassVar[str] = "digitalocean"

    access_token: Optional[pulumi.Input[str]] = secret_field()
    region: str = "nyc3"
    size: str = "s-1vcpu-1gb"
    image: str = "ubuntu-24-04-x64"
    ipv6: bool = False
    private_networking: bool = False
    vpc_uuid: Optional[str] = None
    backups: bool = False
    monitoring: bool = False
    tags: Sequence[str] = ()
    user_data: Optional[str] = None
    ssh_user: str = "root"
    ssh_port: int = 22
    source_ranges: Sequence[str] = ANYWHERE

    def validate(self, machine_name: str) -> None:
        if self.access_token is None and not pulumi.Config("digitalocean").get("token") and not any(
            os.environ.get(v) for v in TOKEN_ENV
        ):
            raise DriverArgumentError(
                "digitalocean driver requires the --digitalocean-access-token option: "
                "pass access_token, set the digitalocean:token config or DIGITALOCEAN_ACCESS_TOKEN"
            )
        if not _REGION.match(self.region):
            raise DriverArgumentError(f"digitalocean region {self.region!r} is not a region slug such as nyc3 or fra1")
        if not _SLUG.match(self.size):
            raise DriverArgumentError(f"digitalocean size {self.size!r} is not a size slug such as s-1vcpu-1gb")
        if not _SLUG.match(self.image):
            raise DriverArgumentError(f"digitalocean image {self.image!r} is not an image slug such as ubuntu-24-04-x64")
        for tag in self.tags:
            if not _TAG.match(tag):
                raise DriverArgumentError(f"digitalocean tag {tag!r} may hold only letters, digits, : - _ and .")
        if not 1 <= int(self.ssh_port) <= 65535:
            raise DriverArgumentError(f"digitalocean ssh_port {self.ssh_port!r} is not a TCP port")
        check_cidrs(self.source_ranges, "digitalocean source range")

    def create_host(self, machine_name, public_key, engine_port, parent) -> MachineHost:
        provider = None
        if self.access_token is not None:
            provider = do.Provider(
                f"{machine_name}-digitalocean", token=pulumi.Output.secret(self.access_token), opts=child_opts(parent)
            )
        opts = child_opts(parent, provider)
        key = do.SshKey(f"{machine_name}-ssh-key", name=f"docker-machine-{machine_name}", public_key=public_key, opts=opts)
        droplet = do.Droplet(
            machine_name,
            name=machine_name,
            region=self.region,
            size=self.size,
            image=self.image,
            ssh_keys=[key.fingerprint],
            ipv6=self.ipv6,
            private_networking=self.private_networking or None,
            vpc_uuid=self.vpc_uuid,
            backups=self.backups,
            monitoring=self.monitoring,
            tags=list(self.tags) or None,
            user_data=self.user_data,
            opts=opts,
        )
        sources = list(self.source_ranges)
        firewall = do.Firewall(
            f"{machine_name}-firewall",
            name=f"docker-machine-{machine_name}",
            droplet_ids=[droplet.id.apply(int)],
            inbound_rules=[
                do.FirewallInboundRuleArgs(protocol="tcp", port_range=str(port), source_addresses=sources)
                for port in dict.fromkeys([int(self.ssh_port), engine_port])
            ],
            outbound_rules=[
                do.FirewallOutboundRuleArgs(protocol=protocol, port_range=ports, destination_addresses=list(ANYWHERE))
                for protocol, ports in (("tcp", "1-65535"), ("udp", "1-65535"), ("icmp", None))
            ],
            opts=opts,
        )
        return MachineHost(
            address=droplet.ipv4_address,
            ssh_user=self.ssh_user,
            ssh_port=int(self.ssh_port),
            depends_on=[firewall],
        )

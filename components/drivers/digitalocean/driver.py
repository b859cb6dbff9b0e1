"""DigitalOcean: an SSH key, a Droplet and a Cloud Firewall (pulumi-digitalocean)."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from typing import Any, ClassVar, Optional, Sequence

import pulumi

from ..base import Driver, DriverArgumentError, MachineHost, check_cidrs, child_opts, secret_field
from ..userkey import read_private_key
from .provider import API_URL, DropletPower

ANYWHERE = ("0.0.0.0/0", "::/0")
TOKEN_ENV = ("DIGITALOCEAN_ACCESS_TOKEN", "DIGITALOCEAN_TOKEN")
_REGION = re.compile(r"^[a-z]{3}[0-9]$")
_SLUG = re.compile(r"^[a-z0-9][a-z0-9.-]*$")
_TAG = re.compile(r"^[A-Za-z0-9:_\-.]{1,255}$")
_FINGERPRINT = re.compile(r"^([0-9a-f]{2}:){15}[0-9a-f]{2}$")  # MD5, colon hex: what DigitalOcean shows


SDK_MISSING = "the digitalocean driver needs its SDK: pip install 'pulumi-docker-machine[digitalocean]'"


def do_sdk() -> Any:
    """pulumi_digitalocean, imported when resources are made (the store and the settings read this dataclass's
    fields without paying for the SDK), or the one-line error naming the extra to install."""
    try:
        import pulumi_digitalocean
    except ImportError:
        raise DriverArgumentError(SDK_MISSING) from None
    return pulumi_digitalocean


def api_token(explicit: Optional[pulumi.Input[str]]) -> Optional[pulumi.Input[str]]:
    """The token the provider itself would use: explicit, else digitalocean:token, else the environment."""
    if explicit is not None:
        return explicit
    configured = pulumi.Config("digitalocean").get("token")
    return configured or next((os.environ[v] for v in TOKEN_ENV if os.environ.get(v)), None)


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
    # cloud-init user data: the file's contents, a secret (it may hold credentials); the path is kept
    # for display as docker-machine's UserDataFile. DigitalOcean takes at most 64 * 1024 bytes.
    user_data: Optional[pulumi.Input[str]] = secret_field()
    user_data_file: Optional[str] = None
    user_data_limit: ClassVar[int] = 64 * 1024
    ssh_user: str = "root"
    ssh_port: int = 22
    source_ranges: Sequence[str] = ANYWHERE
    api_url: str = API_URL  # for the power actions; a test points it at loopback
    ssh_key_fingerprint: Optional[str] = None  # a key of the account the droplet gets too
    ssh_key_path: Optional[str] = None  # that key's private half: then the machine's key

    @property
    def uses_generated_key(self) -> bool:  # type: ignore[override]
        return self.ssh_key_path is None

    def validate(self, machine_name: str) -> None:
        do_sdk()
        if api_token(self.access_token) is None:
            raise DriverArgumentError(
                "digitalocean driver requires the --digitalocean-access-token option: "
                "pass access_token, set the digitalocean:token config or DIGITALOCEAN_ACCESS_TOKEN"
            )
        if not _REGION.match(self.region):
            raise DriverArgumentError(f"digitalocean region {self.region!r} is not a region slug such as nyc3 or fra1")
        if not _SLUG.match(self.size):
            raise DriverArgumentError(f"digitalocean size {self.size!r} is not a size slug such as s-1vcpu-1gb")
        if not _SLUG.match(self.image):
            raise DriverArgumentError(
                f"digitalocean image {self.image!r} is not an image slug such as ubuntu-24-04-x64"
            )
        for tag in self.tags:
            if not _TAG.match(tag):
                raise DriverArgumentError(f"digitalocean tag {tag!r} may hold only letters, digits, : - _ and .")
        if not 1 <= int(self.ssh_port) <= 65535:
            raise DriverArgumentError(f"digitalocean ssh_port {self.ssh_port!r} is not a TCP port")
        check_cidrs(self.source_ranges, "digitalocean source range")
        if isinstance(self.user_data, str) and len(self.user_data.encode()) > self.user_data_limit:
            raise DriverArgumentError(
                f"digitalocean user data is larger than the {self.user_data_limit} bytes it takes"
            )
        self._check_account_key()

    def _check_account_key(self) -> None:
        fingerprint = self.ssh_key_fingerprint
        if fingerprint is not None and not _FINGERPRINT.fullmatch(fingerprint):
            raise DriverArgumentError(
                f"digitalocean ssh key fingerprint {fingerprint!r} is not an MD5 fingerprint such as "
                "3b:16:bf:e4:8b:00:8b:b8:59:8c:a9:d3:f0:19:45:fa (DigitalOcean's Settings > Security)"
            )
        if self.ssh_key_path is None:
            return
        if fingerprint is None:  # docker-machine's PreCreateCheck
            raise DriverArgumentError(f"ssh-key-fingerprint needs to be provided for {self.ssh_key_path!r}")
        from ...ssh import md5_fingerprint

        _, public = read_private_key(self.ssh_key_path, "--digitalocean-ssh-key-path")
        if md5_fingerprint(public) != fingerprint:
            raise DriverArgumentError(
                f"--digitalocean-ssh-key-path {self.ssh_key_path} is not the key of fingerprint {fingerprint} "
                f"(its fingerprint is {md5_fingerprint(public)})"
            )

    def create_host(self, machine_name, public_key, engine_port, parent, power="running", force=False) -> MachineHost:
        do = do_sdk()
        provider = None
        if self.access_token is not None:
            provider = do.Provider(
                f"{machine_name}-digitalocean", token=pulumi.Output.secret(self.access_token), opts=child_opts(parent)
            )
        opts = child_opts(parent, provider)
        keys: list[pulumi.Input[str]] = [self.ssh_key_fingerprint] if self.ssh_key_fingerprint else []
        private_key = None
        if self.ssh_key_path is not None:
            private_key, _ = read_private_key(self.ssh_key_path, "--digitalocean-ssh-key-path")
        else:
            key = do.SshKey(
                f"{machine_name}-ssh-key", name=f"docker-machine-{machine_name}", public_key=public_key, opts=opts
            )
            keys.append(key.fingerprint)
        droplet = do.Droplet(
            machine_name,
            name=machine_name,
            region=self.region,
            size=self.size,
            image=self.image,
            ssh_keys=keys,
            ipv6=self.ipv6,
            private_networking=self.private_networking or None,
            vpc_uuid=self.vpc_uuid,
            backups=self.backups,
            monitoring=self.monitoring,
            tags=list(self.tags) or None,
            user_data=pulumi.Output.secret(self.user_data) if self.user_data is not None else None,
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
        power_state = DropletPower(
            f"{machine_name}-power",
            {
                "droplet_id": droplet.id,
                "state": power,
                "force": force,
                "api_url": self.api_url,
                "token": pulumi.Output.secret(api_token(self.access_token)),
            },
            opts=pulumi.ResourceOptions(parent=parent),
        )
        return MachineHost(
            address=droplet.ipv4_address,  # a droplet keeps its address across power cycles
            ssh_user=self.ssh_user,
            ssh_port=int(self.ssh_port),
            private_key=None if private_key is None else pulumi.Output.secret(private_key),
            depends_on=[firewall, power_state],
            private_address=droplet.ipv4_address_private,  # every droplet is in a VPC now
            vm=droplet,
            provider=provider,
        )

    def cluster_firewall(self, cluster, members, others, ports, parent) -> list[pulumi.Resource]:
        """One firewall over the members' droplets, its sources the same droplets (and other drivers'
        members by address). DigitalOcean adds up a droplet's firewalls, so each machine's own stays."""
        do = do_sdk()
        droplet_ids = [member.host.vm.id.apply(int) for member in members]
        sources = list(others)  # CIDRs already (components/swarm/sources.py)
        return [
            do.Firewall(
                f"{cluster}-swarm-firewall",
                name=f"docker-swarm-{cluster}",
                droplet_ids=droplet_ids,
                inbound_rules=[
                    do.FirewallInboundRuleArgs(
                        protocol=protocol,
                        port_range=str(port),
                        source_droplet_ids=droplet_ids,
                        source_addresses=sources or None,
                    )
                    for protocol, port in ports
                ],
                opts=child_opts(parent, members[0].host.provider),
            )
        ]

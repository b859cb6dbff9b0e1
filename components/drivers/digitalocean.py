"""DigitalOcean: an SSH key, a Droplet and a Cloud Firewall (pulumi-digitalocean)."""

from __future__ import annotations

import json
import os
import re
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any, ClassVar, Optional, Sequence

import pulumi
import pulumi_digitalocean as do
from pulumi.dynamic import CreateResult, DiffResult, Resource, ResourceProvider, UpdateResult

from .base import Driver, DriverArgumentError, MachineHost, check_cidrs, child_opts, secret_field

ANYWHERE = ("0.0.0.0/0", "::/0")
API_URL = "https://api.digitalocean.com/v2"
POWER_TIMEOUT = 300
TOKEN_ENV = ("DIGITALOCEAN_ACCESS_TOKEN", "DIGITALOCEAN_TOKEN")
_REGION = re.compile(r"^[a-z]{3}[0-9]$")
_SLUG = re.compile(r"^[a-z0-9][a-z0-9.-]*$")
_TAG = re.compile(r"^[A-Za-z0-9:_\-.]{1,255}$")


class DropletPowerProvider(ResourceProvider):
    """A droplet's wanted power state, through DigitalOcean's droplet actions API.

    Pickled by reference into the state: ``pulumi_docker_machine.components.drivers.digitalocean.DropletPowerProvider``
    is a contract. The API token is a (secret) input, never captured by the provider.
    """

    def _call(self, props: dict[str, Any], method: str, path: str, body: Optional[dict] = None) -> dict:
        request = urllib.request.Request(  # noqa: S310 - https API (or a test's loopback)
            f"{props.get('api_url') or API_URL}{path}", method=method,
            data=json.dumps(body).encode() if body is not None else None,
            headers={"Authorization": f"Bearer {props['token']}", "Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - https API (or a test's loopback)
                return json.loads(response.read() or b"{}")
        except urllib.error.HTTPError as err:
            detail = err.read().decode(errors="replace")
            raise RuntimeError(f"DigitalOcean API {method} {path} failed: {err.code} {detail}") from None

    def _status(self, props: dict[str, Any]) -> str:
        return self._call(props, "GET", f"/droplets/{props['droplet_id']}")["droplet"]["status"]

    def _apply(self, props: dict[str, Any]) -> str:
        deadline = time.monotonic() + float(props.get("timeout") or POWER_TIMEOUT)
        status = self._status(props)
        while status == "new":  # still being created: it comes up on its own
            if time.monotonic() > deadline:
                raise RuntimeError(f"droplet {props['droplet_id']} is still being created")
            time.sleep(2)
            status = self._status(props)
        wanted = "active" if props["state"] == "running" else "off"
        if status == wanted:
            return status
        kind = "power_on" if wanted == "active" else ("power_off" if props.get("force") else "shutdown")
        action = self._call(props, "POST", f"/droplets/{props['droplet_id']}/actions", {"type": kind})["action"]
        while action["status"] == "in-progress":
            if time.monotonic() > deadline:
                raise RuntimeError(f"droplet {props['droplet_id']}: {kind} did not finish in time")
            time.sleep(2)
            action = self._call(props, "GET", f"/actions/{action['id']}")["action"]
        if action["status"] != "completed":
            raise RuntimeError(f"droplet {props['droplet_id']}: {kind} ended {action['status']}")
        return wanted

    def _outs(self, props: dict[str, Any], status: str) -> dict[str, Any]:
        return {"droplet_id": props["droplet_id"], "state": props["state"], "force": bool(props.get("force")),
                "status": status}

    def create(self, props: dict[str, Any]) -> CreateResult:
        return CreateResult(f"{props['droplet_id']}-power", self._outs(props, self._apply(props)))

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        replaces = ["droplet_id"] if str(news.get("droplet_id")) != str(olds.get("droplet_id")) else []
        changed = replaces or news.get("state") != olds.get("state") or bool(news.get("force")) != bool(olds.get("force"))
        return DiffResult(changes=bool(changed), replaces=replaces)

    def update(self, _id: str, _olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        return UpdateResult(self._outs(news, self._apply(news)))

    def delete(self, _id: str, _props: dict[str, Any]) -> None:
        """Nothing to undo: the droplet keeps whatever power state it has."""


class DropletPower(Resource, module="docker-machine", name="DropletPower"):
    status: pulumi.Output[str]

    def __init__(self, name: str, props: dict, opts: Optional[pulumi.ResourceOptions] = None) -> None:
        super().__init__(DropletPowerProvider(), name, {"status": None, **props}, opts)


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

    def validate(self, machine_name: str) -> None:
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
            raise DriverArgumentError(f"digitalocean image {self.image!r} is not an image slug such as ubuntu-24-04-x64")
        for tag in self.tags:
            if not _TAG.match(tag):
                raise DriverArgumentError(f"digitalocean tag {tag!r} may hold only letters, digits, : - _ and .")
        if not 1 <= int(self.ssh_port) <= 65535:
            raise DriverArgumentError(f"digitalocean ssh_port {self.ssh_port!r} is not a TCP port")
        check_cidrs(self.source_ranges, "digitalocean source range")
        if isinstance(self.user_data, str) and len(self.user_data.encode()) > self.user_data_limit:
            raise DriverArgumentError(f"digitalocean user data is larger than the {self.user_data_limit} bytes it takes")

    def create_host(self, machine_name, public_key, engine_port, parent, power="running", force=False) -> MachineHost:
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
            {"droplet_id": droplet.id, "state": power, "force": force, "api_url": self.api_url,
             "token": pulumi.Output.secret(api_token(self.access_token))},
            opts=pulumi.ResourceOptions(parent=parent),
        )
        return MachineHost(
            address=droplet.ipv4_address,  # a droplet keeps its address across power cycles
            ssh_user=self.ssh_user,
            ssh_port=int(self.ssh_port),
            depends_on=[firewall, power_state],
            private_address=droplet.ipv4_address_private,  # every droplet is in a VPC now
            vm=droplet,
            provider=provider,
        )

    def cluster_firewall(self, cluster, members, others, ports, parent) -> list[pulumi.Resource]:
        """One firewall over the members' droplets, its sources the same droplets (and other drivers'
        members by address). DigitalOcean adds up a droplet's firewalls, so each machine's own stays."""
        droplet_ids = [member.host.vm.id.apply(int) for member in members]
        sources = list(others)  # CIDRs already (components/swarm/sources.py)
        return [do.Firewall(
            f"{cluster}-swarm-firewall",
            name=f"docker-swarm-{cluster}",
            droplet_ids=droplet_ids,
            inbound_rules=[
                do.FirewallInboundRuleArgs(protocol=protocol, port_range=str(port), source_droplet_ids=droplet_ids,
                                           source_addresses=sources or None)
                for protocol, port in ports
            ],
            opts=child_opts(parent, members[0].host.provider),
        )]

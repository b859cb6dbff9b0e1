"""Exoscale: an SSH key, a security group of the machine's own and a compute instance (pulumiverse-exoscale).

As docker-machine 0.16.2's exoscale driver: the instance is made from a template found by name in the zone, of an
instance type (docker-machine's profile names, Small, Medium..., are standard.small, standard.medium...), with a
root disk of ``disk_size`` GB, the machine's SSH key, cloud-init user data (docker-machine's default when no file
is given), in the named anti-affinity groups. Where docker-machine made one shared ``docker-machine`` group on first
use, each machine here has a group of its own letting in TCP on the SSH port and the Docker port only (from
``source_ranges``); the groups named with --exoscale-security-group must exist and are joined too. The machine's
address is the instance's public IPv4 address.

Credentials: ``api_key`` and ``api_secret`` (secrets) make an explicit provider; otherwise the provider reads
EXOSCALE_API_KEY and EXOSCALE_API_SECRET or the ``exoscale:*`` stack config. ``pulumiverse_exoscale`` is imported
only when a machine is made, and its absence is one line naming the extra to install.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from typing import Any, ClassVar, Optional, Sequence

import pulumi

from ..base import Driver, DriverArgumentError, MachineHost, check_cidrs, child_opts, secret_field
from ..userkey import read_private_key

SDK_MISSING = "the exoscale driver needs its SDK: pip install 'pulumi-docker-machine[exoscale]'"
DEFAULT_IMAGE = "Linux Ubuntu 24.04 LTS 64-bit"
DEFAULT_ZONE = "ch-dk-2"
API_URL = "https://api.exoscale.ch/compute"  # docker-machine's default endpoint (v1, retired): means "the default"
# docker-machine's default user data when no file is given.
DEFAULT_CLOUD_INIT = "#cloud-config\nmanage_etc_hosts: localhost\n"
# docker-machine's GetSSHUsername: the image's distribution, else root.
_USERS = (
    ("ubuntu", "ubuntu"),
    ("centos", "centos"),
    ("redhat", "cloud-user"),
    ("fedora", "fedora"),
    ("coreos", "core"),
    ("debian", "debian"),
)
_ZONE = re.compile(r"^[a-z]{2}-[a-z]{2,4}-[0-9]+$")
_TYPE = re.compile(r"^[a-z0-9]+\.[a-z0-9]+$")  # family.size: standard.small
_NAME = re.compile(r"^[^\x00-\x1f\x7f]{1,255}$")
_ENDPOINT = re.compile(r"^https://api-([a-z]{2}-[a-z]{2,4}-[0-9]+)\.exoscale\.com(/v2/?)?$")
KEY_ENV = ("EXOSCALE_API_KEY",)
SECRET_ENV = ("EXOSCALE_API_SECRET",)


def exoscale_sdk() -> Any:
    """pulumiverse_exoscale, or the one-line error naming the extra to install."""
    try:
        import pulumiverse_exoscale
    except ImportError:
        raise DriverArgumentError(SDK_MISSING) from None
    return pulumiverse_exoscale


def instance_type(profile: str) -> str:
    """docker-machine's profile names (Small, Medium, Large, ...) as Exoscale's instance types; a type as given."""
    return profile if "." in profile else f"standard.{profile.lower()}"


def image_user(image: str) -> str:
    """docker-machine's GetSSHUsername: the image's distribution's user, else root."""
    return next((user for word, user in _USERS if word in image.lower()), "root")


def _configured(env: Sequence[str], key: str) -> Optional[str]:
    return next((os.environ[n] for n in env if os.environ.get(n)), None) or pulumi.Config("exoscale").get(key)


@dataclass(frozen=True)
class ExoscaleDriver(Driver):
    name: ClassVar[str] = "exoscale"

    api_key: Optional[pulumi.Input[str]] = secret_field()
    api_secret: Optional[pulumi.Input[str]] = secret_field()
    url: Optional[str] = None
    instance_profile: str = "Small"
    disk_size: int = 50
    image: str = DEFAULT_IMAGE
    zone: str = DEFAULT_ZONE
    security_groups: Sequence[str] = ()  # existing groups (names) joined besides the machine's own
    affinity_groups: Sequence[str] = ()  # existing anti-affinity groups (names)
    ssh_user: str = ""  # "": from the image's name (image_user), as docker-machine did
    ssh_port: int = 22
    ssh_key: Optional[str] = None  # the user's private key (its public half goes to Exoscale)
    source_ranges: Sequence[str] = ("0.0.0.0/0", "::/0")
    # cloud-init user data: the file's contents, a secret; the path is kept for display (UserDataFile). Exoscale
    # takes 32 KiB.
    user_data: Optional[pulumi.Input[str]] = secret_field()
    user_data_file: Optional[str] = None
    user_data_limit: ClassVar[int] = 32768

    def __post_init__(self) -> None:
        for option in ("security_groups", "affinity_groups", "source_ranges"):
            value = getattr(self, option)
            if isinstance(value, str):
                value = value.split(",")
            object.__setattr__(self, option, tuple(v.strip() for v in value if isinstance(v, str) and v.strip()))
        object.__setattr__(self, "zone", str(self.zone).lower())  # docker-machine's CH-DK-2 is ch-dk-2 now
        if not self.ssh_user:
            object.__setattr__(self, "ssh_user", image_user(str(self.image)))

    @property
    def uses_generated_key(self) -> bool:  # type: ignore[override]
        return self.ssh_key is None

    # ----- checks --------------------------------------------------------------------------------------------

    def validate(self, machine_name: str) -> None:
        exoscale_sdk()
        key = self.api_key if self.api_key is not None else _configured(KEY_ENV, "key")
        secret = self.api_secret if self.api_secret is not None else _configured(SECRET_ENV, "secret")
        if not key or not secret:  # docker-machine's words
            raise DriverArgumentError(
                "missing an API key (--exoscale-api-key) or API secret key (--exoscale-api-secret-key)"
            )
        if self.url is not None and self.url.rstrip("/") != API_URL:
            found = _ENDPOINT.match(self.url)
            if not found or found.group(1) != self.zone:
                raise DriverArgumentError(
                    f"exoscale --exoscale-url {self.url!r} is not the zone's v2 endpoint "
                    f"https://api-{self.zone}.exoscale.com/v2: leave it out (the zone picks it)"
                )
        if not _ZONE.match(self.zone):
            raise DriverArgumentError(
                f"exoscale availability zone {self.zone!r} is not a zone such as ch-dk-2 or de-fra-1"
            )
        if not _TYPE.match(instance_type(self.instance_profile)):
            raise DriverArgumentError(
                f"exoscale instance profile {self.instance_profile!r} is not a profile such as Small, Medium or "
                "standard.large"
            )
        if isinstance(self.disk_size, bool) or not isinstance(self.disk_size, int) or not 10 <= self.disk_size <= 51200:
            raise DriverArgumentError(f"exoscale disk size {self.disk_size!r} is not a size in GB from 10 to 51200")
        for option, values in (
            ("image", [self.image]),
            ("security group", self.security_groups),
            ("affinity group", self.affinity_groups),
        ):
            for value in values:
                if not (isinstance(value, str) and _NAME.match(value) and value.strip()):
                    raise DriverArgumentError(f"exoscale {option} {value!r} is not a name: give one line of text")
        if isinstance(self.ssh_port, bool) or not isinstance(self.ssh_port, int) or not 1 <= self.ssh_port <= 65535:
            raise DriverArgumentError(f"exoscale ssh port {self.ssh_port!r} is not a TCP port")
        if not self.source_ranges:
            raise DriverArgumentError("exoscale source ranges are empty: give at least one CIDR such as 0.0.0.0/0")
        check_cidrs(self.source_ranges, "exoscale source range")
        if self.ssh_key is not None:
            read_private_key(self.ssh_key, "--exoscale-ssh-key")
        if isinstance(self.user_data, str) and len(self.user_data.encode()) > self.user_data_limit:
            raise DriverArgumentError(f"exoscale user data is larger than the {self.user_data_limit} bytes it takes")

    # ----- resources -----------------------------------------------------------------------------------------

    def create_host(self, machine_name, public_key, engine_port, parent, power="running", force=False) -> MachineHost:
        exo = exoscale_sdk()
        provider = None
        if self.api_key is not None or self.api_secret is not None:
            provider = exo.Provider(
                f"{machine_name}-exoscale",
                key=pulumi.Output.secret(self.api_key) if self.api_key is not None else None,
                secret=pulumi.Output.secret(self.api_secret) if self.api_secret is not None else None,
                opts=child_opts(parent),
            )
        opts = child_opts(parent, provider)
        invoke = pulumi.InvokeOutputOptions(parent=parent, provider=provider)
        private_key: Optional[str] = None
        if self.ssh_key is not None:
            private_key, user_public = read_private_key(self.ssh_key, "--exoscale-ssh-key")
            public_key = pulumi.Output.from_input(user_public)
        key = exo.SshKey(
            f"{machine_name}-ssh-key", name=f"docker-machine-{machine_name}", public_key=public_key, opts=opts
        )
        group = exo.SecurityGroup(
            f"{machine_name}-security-group",
            name=f"docker-machine-{machine_name}",
            description=f"docker-machine {machine_name}: SSH and the Docker TLS port",
            opts=opts,
        )
        rules: list[pulumi.Resource] = []
        for port in dict.fromkeys([int(self.ssh_port), int(engine_port)]):
            for cidr in self.source_ranges:
                rules.append(
                    exo.SecurityGroupRule(
                        f"{machine_name}-in-tcp-{port}-{re.sub(r'[^0-9A-Za-z.-]', '-', cidr)}",
                        security_group_id=group.id,
                        type="INGRESS",
                        protocol="TCP",
                        start_port=port,
                        end_port=port,
                        cidr=cidr,
                        description=f"docker-machine {machine_name}: tcp {port}",
                        opts=opts,
                    )
                )
        joined = [exo.get_security_group_output(name=name, opts=invoke).id for name in self.security_groups]
        affinity = [exo.get_anti_affinity_group_output(name=name, opts=invoke).id for name in self.affinity_groups]
        template = exo.get_template_output(zone=self.zone, name=self.image, opts=invoke)
        user_data = self.user_data if self.user_data is not None else DEFAULT_CLOUD_INIT
        instance = exo.ComputeInstance(
            machine_name,
            name=machine_name,
            zone=self.zone,
            type=instance_type(self.instance_profile),
            template_id=template.id,
            disk_size=int(self.disk_size),
            ssh_keys=[key.name],
            security_group_ids=[group.id, *joined],
            anti_affinity_group_ids=affinity or None,
            user_data=pulumi.Output.secret(user_data),
            state="running" if power == "running" else "stopped",
            labels={"docker-machine": machine_name},
            opts=opts,
        )
        return MachineHost(
            address=instance.public_ip_address,
            ssh_user=self.ssh_user,
            ssh_port=int(self.ssh_port),
            private_key=None if private_key is None else pulumi.Output.secret(private_key),
            depends_on=rules,
            vm=instance,
            provider=provider,
        )

    def cluster_firewall(self, cluster, members, others, ports, parent) -> list[pulumi.Resource]:
        """Rules in each member's own group admitting the swarm ports from every member's group (Exoscale matches
        a rule's source group by membership) and from the other drivers' members by address."""
        exo = exoscale_sdk()
        made: list[pulumi.Resource] = []
        groups = [(m.name, m.host.vm.security_group_ids.apply(lambda ids: ids[0])) for m in members]
        sources: list[tuple[str, dict[str, Any]]] = [(f"from-{n}", {"user_security_group_id": g}) for n, g in groups]
        sources += [(f"other-{i}", {"cidr": address}) for i, address in enumerate(others)]
        for member, (name, group) in zip(members, groups, strict=True):
            opts = child_opts(parent, member.host.provider)
            for protocol, port in ports:
                for suffix, source in sources:
                    made.append(
                        exo.SecurityGroupRule(
                            f"{cluster}-swarm-{name}-{protocol}-{port}-{suffix}",
                            security_group_id=group,
                            type="INGRESS",
                            protocol=protocol.upper(),
                            start_port=port,
                            end_port=port,
                            description=f"docker swarm {cluster}",
                            opts=opts,
                            **source,
                        )
                    )
        return made

"""OpenStack: a key pair, a security group, a server and optionally a floating IP (pulumi-openstack).

As docker-machine's openstack driver: the server is booted from an image (name or ID) with a flavor
(name or ID) on a network (name or ID) with the machine's key pair, in a security group of its own
that lets in TCP on the SSH port and the Docker port only (from ``source_ranges``) plus any
``sec_groups`` named; a floating IP from ``floating_ip_pool`` is allocated and associated with the
server's port when a pool is given. The machine's address is the floating IP, else the server's
``access_ip_v4``.

Credentials: given as options (``auth_url``, ``username``, ``password`` (a secret), ``tenant_name`` or
``tenant_id``, ``domain_name``), they make an explicit ``openstack.Provider``; otherwise the default
provider reads the standard ``OS_*`` environment, or ``OS_CLOUD`` with clouds.yaml, or the
``openstack:*`` stack config. ``pulumi_openstack`` is imported only when a machine is made, and its
absence is one line naming the extra to install.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from typing import Any, ClassVar, Optional, Sequence

import pulumi

from ..base import Driver, DriverArgumentError, MachineHost, check_cidrs, child_opts, secret_field
from ..userkey import read_private_key

SDK_MISSING = "the openstack driver needs its SDK: pip install 'pulumi-docker-machine[openstack]'"
DEFAULT_IMAGE = "Ubuntu 24.04"
DEFAULT_FLAVOR = "m1.small"
_NAME = re.compile(r"^[^\x00-\x1f\x7f]{1,255}$")  # OpenStack names: any printable text
_URL = re.compile(r"^https?://[^\s/]+(/\S*)?$")
ENDPOINT_TYPES = ("adminURL", "internalURL", "publicURL", "admin", "internal", "public")
# Ways the provider finds credentials without a user name and password of ours.
_CLOUD_ENV = ("OS_CLOUD",)
_TOKEN_ENV = ("OS_TOKEN", "OS_AUTH_TOKEN", "OS_APPLICATION_CREDENTIAL_ID", "OS_APPLICATION_CREDENTIAL_NAME")


def openstack_sdk() -> Any:
    """pulumi_openstack, or the one-line error naming the extra to install."""
    try:
        import pulumi_openstack
    except ImportError:
        raise DriverArgumentError(SDK_MISSING) from None
    return pulumi_openstack


def _env(*names: str) -> Optional[str]:
    return next((os.environ[n] for n in names if os.environ.get(n)), None)


def _config(*keys: str) -> Optional[str]:
    """The first of the ``openstack:*`` stack config keys set (what the default provider reads)."""
    config = pulumi.Config("openstack")
    return next((config.get(k) for k in keys if config.get(k)), None)


def _ethertype(cidr: str) -> str:
    return "IPv6" if ":" in cidr else "IPv4"


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9.-]", "-", text)


def instance_port(
    instance: pulumi.Resource,
    provider: Optional[pulumi.ProviderResource],
    parent: pulumi.Resource,
    region: Optional[str] = None,
) -> pulumi.Output[str]:
    """The ID of the server's port on its access network (as docker-machine finds it: by device and address)."""
    os_ = openstack_sdk()
    return os_.networking.get_port_output(
        device_id=instance.id,  # type: ignore[attr-defined]
        fixed_ip=instance.access_ip_v4,  # type: ignore[attr-defined]
        region=region,
        opts=pulumi.InvokeOutputOptions(parent=parent, provider=provider),
    ).id


@dataclass(frozen=True)
class OpenStackDriver(Driver):
    name: ClassVar[str] = "openstack"

    auth_url: Optional[str] = None  # OS_AUTH_URL, or OS_CLOUD with clouds.yaml, when not given
    username: Optional[str] = None
    password: Optional[pulumi.Input[str]] = secret_field()
    tenant_name: Optional[str] = None  # the project
    tenant_id: Optional[str] = None
    domain_name: Optional[str] = None
    region: Optional[str] = None
    flavor_name: Optional[str] = DEFAULT_FLAVOR  # flavor_id, when given, is used instead
    flavor_id: Optional[str] = None
    image_name: Optional[str] = DEFAULT_IMAGE  # image_id, when given, is used instead
    image_id: Optional[str] = None
    net_name: Optional[str] = None
    net_id: Optional[str] = None
    sec_groups: Sequence[str] = ()  # more security groups (names) besides the machine's own
    floating_ip_pool: Optional[str] = None
    availability_zone: Optional[str] = None
    ssh_user: str = "ubuntu"
    ssh_port: int = 22
    source_ranges: Sequence[str] = ("0.0.0.0/0",)
    # cloud-init user data: the file's contents, a secret (it may hold credentials); the path is kept for display
    # as docker-machine's UserDataFile. Nova takes 65535 bytes of base64: 49149 bytes of data.
    user_data: Optional[pulumi.Input[str]] = secret_field()
    user_data_file: Optional[str] = None
    user_data_limit: ClassVar[int] = 49149
    keypair_name: Optional[str] = None  # an existing key pair, whose private half is private_key_file
    private_key_file: Optional[str] = None
    cacert: Optional[str] = None
    insecure: bool = False
    config_drive: bool = False
    metadata: Any = None  # a mapping, or docker-machine's "key1,value1,key2,value2" too
    ip_version: int = 4
    nova_network: bool = False  # refused: removed from OpenStack
    endpoint_type: Optional[str] = None
    domain_id: Optional[str] = None
    active_timeout: int = 200  # seconds for the server to become ACTIVE (docker-machine's default)

    @property
    def uses_generated_key(self) -> bool:  # type: ignore[override]
        return self.private_key_file is None

    def __post_init__(self) -> None:
        if isinstance(self.metadata, str):
            parts = [part.strip() for part in self.metadata.split(",")]
            if len(parts) % 2:
                raise DriverArgumentError(
                    "openstack --openstack-metadata: give key,value pairs: key1,value1,key2,value2"
                )
            object.__setattr__(self, "metadata", dict(zip(parts[0::2], parts[1::2], strict=True)))
        # docker-machine's --openstack-sec-groups is one comma-separated value.
        if isinstance(self.sec_groups, str):
            object.__setattr__(self, "sec_groups", tuple(g.strip() for g in self.sec_groups.split(",") if g.strip()))
        if isinstance(self.source_ranges, str):
            object.__setattr__(
                self, "source_ranges", tuple(r.strip() for r in self.source_ranges.split(",") if r.strip())
            )

    # ----- checks --------------------------------------------------------------------------------------------

    def _explicit_credentials(self) -> bool:
        return any(
            v is not None
            for v in (
                self.auth_url,
                self.username,
                self.password,
                self.tenant_name,
                self.tenant_id,
                self.domain_name,
                self.domain_id,
                self.cacert,
                self.endpoint_type,
            )
        ) or bool(self.insecure)

    def _check_0_16_flags(self) -> None:
        """The flags docker-machine 0.16.2 had beyond the first ones, with its own refusals where it had them."""
        if (self.keypair_name is None) != (self.private_key_file is None):
            raise DriverArgumentError("Both KeyPairName and PrivateKeyFile must be specified")  # docker-machine's
        if self.keypair_name is not None and not _NAME.match(self.keypair_name):
            raise DriverArgumentError(f"openstack keypair name {self.keypair_name!r} is not a name")
        if self.private_key_file is not None:
            read_private_key(self.private_key_file, "--openstack-private-key-file")
        if self.cacert is not None and not os.path.isfile(os.path.expanduser(self.cacert)):
            raise DriverArgumentError(f"openstack --openstack-cacert {self.cacert} is not a file")
        for key, value in dict(self.metadata or {}).items():
            if not (isinstance(key, str) and key.strip() and isinstance(value, str) and len(key) <= 255):
                raise DriverArgumentError(f"openstack metadata {key!r}={value!r}: a key of text and a value of text")
        if self.ip_version not in (4, 6):
            raise DriverArgumentError(f"openstack --openstack-ip-version {self.ip_version!r} is neither 4 nor 6")
        if self.nova_network:
            raise DriverArgumentError(
                "--openstack-nova-network is not supported: nova-network was removed from OpenStack (Rocky, 2018) "
                "and every cloud uses Neutron; leave it out"
            )
        if self.endpoint_type is not None and self.endpoint_type not in ENDPOINT_TYPES:
            raise DriverArgumentError(
                f"openstack --openstack-endpoint-type {self.endpoint_type!r} is not adminURL, internalURL or publicURL"
            )
        if self.domain_id is not None and not (_NAME.match(self.domain_id) and self.domain_id.strip()):
            raise DriverArgumentError(f"openstack --openstack-domain-id {self.domain_id!r} is not an ID")
        if isinstance(self.active_timeout, bool) or not 1 <= int(self.active_timeout) <= 86400:
            raise DriverArgumentError(
                f"openstack --openstack-active-timeout {self.active_timeout!r} is not a number of seconds"
            )
        if isinstance(self.user_data, str) and len(self.user_data.encode()) > self.user_data_limit:
            raise DriverArgumentError(f"openstack user data is larger than the {self.user_data_limit} bytes it takes")

    def _flavor(self) -> tuple[Optional[str], Optional[str]]:
        """(flavor_name, flavor_id) as passed to the server: an ID wins over the (default) name."""
        return (None, self.flavor_id) if self.flavor_id else (self.flavor_name or None, None)

    def _image(self) -> tuple[Optional[str], Optional[str]]:
        return (None, self.image_id) if self.image_id else (self.image_name or None, None)

    def validate(self, machine_name: str) -> None:
        openstack_sdk()
        self._check_credentials()
        for option, name_value, id_value, default in (
            ("flavor", self.flavor_name, self.flavor_id, DEFAULT_FLAVOR),
            ("image", self.image_name, self.image_id, DEFAULT_IMAGE),
        ):
            if not name_value and not id_value:
                raise DriverArgumentError(
                    f"openstack driver requires the --openstack-{option}-name or --openstack-{option}-id option "
                    f"(default {option} name: {default!r})"
                )
            if name_value and id_value and name_value != default:
                raise DriverArgumentError(
                    f"openstack {option}: give --openstack-{option}-name or --openstack-{option}-id, not both"
                )
        if not self.net_name and not self.net_id:
            raise DriverArgumentError(
                "openstack driver requires the --openstack-net-name or --openstack-net-id option: "
                "the network the server is attached to (openstack network list)"
            )
        if self.net_name and self.net_id:
            raise DriverArgumentError("openstack network: give --openstack-net-name or --openstack-net-id, not both")
        for option, value in (
            ("--openstack-flavor-name", self.flavor_name),
            ("--openstack-flavor-id", self.flavor_id),
            ("--openstack-image-name", self.image_name),
            ("--openstack-image-id", self.image_id),
            ("--openstack-net-name", self.net_name),
            ("--openstack-net-id", self.net_id),
            ("--openstack-floatingip-pool", self.floating_ip_pool),
            ("--openstack-region", self.region),
            ("--openstack-availability-zone", self.availability_zone),
            ("--openstack-tenant-name", self.tenant_name),
            ("--openstack-tenant-id", self.tenant_id),
            ("--openstack-domain-name", self.domain_name),
            ("--openstack-username", self.username),
        ):
            if value is not None and not (isinstance(value, str) and _NAME.match(value) and value.strip()):
                raise DriverArgumentError(f"openstack {option} {value!r} is not a name or ID: give one line of text")
        for group in self.sec_groups:
            if not (isinstance(group, str) and _NAME.match(group) and group.strip() and "," not in group):
                raise DriverArgumentError(
                    f"openstack security group {group!r} is not a group name: give names, comma-separated"
                )
        if isinstance(self.ssh_port, bool) or not isinstance(self.ssh_port, int) or not 1 <= self.ssh_port <= 65535:
            raise DriverArgumentError(f"openstack --openstack-ssh-port {self.ssh_port!r} is not a TCP port")
        if not self.source_ranges:
            raise DriverArgumentError("openstack source ranges are empty: give at least one CIDR such as 0.0.0.0/0")
        check_cidrs(self.source_ranges, "openstack source range")
        self._check_0_16_flags()

    def _check_credentials(self) -> None:
        if self.auth_url is not None and not _URL.match(str(self.auth_url)):
            raise DriverArgumentError(
                f"openstack --openstack-auth-url {self.auth_url!r} is not a URL such as https://keystone.example.com:5000/v3"
            )
        cloud = _env(*_CLOUD_ENV) or _config("cloud")
        auth_url = self.auth_url or _env("OS_AUTH_URL") or _config("authUrl")
        if not auth_url and not cloud:
            raise DriverArgumentError(
                "openstack driver requires the --openstack-auth-url option (or OS_AUTH_URL / OS_CLOUD with clouds.yaml)"
            )
        if cloud or _env(*_TOKEN_ENV) or _config("token", "applicationCredentialId", "applicationCredentialName"):
            return  # clouds.yaml, a token or an application credential carries the rest
        if not (self.username or _env("OS_USERNAME", "OS_USER_ID") or _config("userName", "userId")):
            raise DriverArgumentError(
                "openstack driver requires the --openstack-username option (or OS_USERNAME, or OS_CLOUD with clouds.yaml)"
            )
        if self.password is None and not (_env("OS_PASSWORD") or _config("password")):
            raise DriverArgumentError(
                "openstack driver requires the --openstack-password option (or OS_PASSWORD, or OS_CLOUD with clouds.yaml)"
            )
        if not (
            self.tenant_name
            or self.tenant_id
            or _env("OS_TENANT_NAME", "OS_TENANT_ID", "OS_PROJECT_NAME", "OS_PROJECT_ID")
            or _config("tenantName", "tenantId")
        ):
            raise DriverArgumentError(
                "openstack driver requires the --openstack-tenant-name or --openstack-tenant-id option "
                "(or OS_TENANT_NAME / OS_PROJECT_NAME, or OS_CLOUD with clouds.yaml)"
            )

    # ----- resources -----------------------------------------------------------------------------------------

    def _provider(self, machine_name: str, parent: pulumi.Resource) -> Optional[pulumi.ProviderResource]:
        if not self._explicit_credentials():
            return None
        os_ = openstack_sdk()
        return os_.Provider(
            f"{machine_name}-openstack",
            auth_url=self.auth_url,
            user_name=self.username,
            password=pulumi.Output.secret(self.password) if self.password is not None else None,
            tenant_name=self.tenant_name,
            tenant_id=self.tenant_id,
            domain_name=self.domain_name,
            domain_id=self.domain_id,
            cacert_file=os.path.expanduser(self.cacert) if self.cacert else None,
            insecure=True if self.insecure else None,
            endpoint_type=self.endpoint_type,
            region=self.region,
            opts=child_opts(parent),
        )

    def create_host(self, machine_name, public_key, engine_port, parent, power="running", force=False) -> MachineHost:
        os_ = openstack_sdk()
        provider = self._provider(machine_name, parent)
        opts = child_opts(parent, provider)
        region = self.region
        private_key: Optional[str] = None
        key_name: pulumi.Input[str]
        if self.keypair_name is not None and self.private_key_file is not None:
            private_key, _ = read_private_key(self.private_key_file, "--openstack-private-key-file")
            key_name = self.keypair_name  # the user's key pair: not ours to make or delete
        else:
            # Names are left to Pulumi's auto-naming (name-suffix): Nova key pair names are unique per user.
            key_name = os_.compute.Keypair(f"{machine_name}-key", public_key=public_key, region=region, opts=opts).name
        group = os_.networking.SecGroup(
            f"{machine_name}-secgroup",
            description=f"docker-machine {machine_name}: SSH and the Docker TLS port",
            region=region,
            opts=opts,
        )
        # A new Neutron group lets everything out and nothing in: these rules are all it lets in.
        rules: list[pulumi.Resource] = []
        for port in dict.fromkeys([int(self.ssh_port), int(engine_port)]):
            for cidr in self._sources():
                rules.append(
                    os_.networking.SecGroupRule(
                        f"{machine_name}-in-tcp-{port}-{_slug(cidr)}",
                        direction="ingress",
                        ethertype=_ethertype(cidr),
                        protocol="tcp",
                        port_range_min=port,
                        port_range_max=port,
                        remote_ip_prefix=cidr,
                        security_group_id=group.id,
                        description=f"docker-machine {machine_name}: tcp {port}",
                        region=region,
                        opts=opts,
                    )
                )
        flavor_name, flavor_id = self._flavor()
        image_name, image_id = self._image()
        network = os_.compute.InstanceNetworkArgs(name=self.net_name or None, uuid=self.net_id or None)
        instance = os_.compute.Instance(
            machine_name,
            name=machine_name,
            flavor_name=flavor_name,
            flavor_id=flavor_id,
            image_name=image_name,
            image_id=image_id,
            key_pair=key_name,
            security_groups=[group.name, *self.sec_groups],
            networks=[network],
            availability_zone=self.availability_zone,
            power_state="active" if power == "running" else "shutoff",
            metadata={**dict(self.metadata or {}), "docker-machine": machine_name},
            config_drive=True if self.config_drive else None,
            user_data=pulumi.Output.secret(self.user_data) if self.user_data is not None else None,
            region=region,
            # A swarm adds its group to the server's port (PortSecGroupAssociate); a refresh would read it
            # into the server's security_groups, and the next update would take it off again.
            opts=child_opts(
                parent,
                provider,
                ignore_changes=["securityGroups"],
                custom_timeouts=pulumi.CustomTimeouts(create=f"{int(self.active_timeout)}s"),
            ),
        )
        waits: list[pulumi.Resource] = list(rules)
        address: pulumi.Input[str] = instance.access_ip_v6 if self.ip_version == 6 else instance.access_ip_v4
        if self.floating_ip_pool:
            floating = os_.networking.FloatingIp(
                f"{machine_name}-floating-ip",
                pool=self.floating_ip_pool,
                description=f"docker-machine {machine_name}",
                region=region,
                opts=opts,
            )
            association = os_.networking.FloatingIpAssociate(
                f"{machine_name}-floating-ip",
                floating_ip=floating.address,
                port_id=instance_port(instance, provider, parent, region),
                region=region,
                opts=opts,
            )
            waits.append(association)
            address = floating.address
        return MachineHost(
            address=address,
            ssh_user=self.ssh_user,
            ssh_port=int(self.ssh_port),
            private_key=None if private_key is None else pulumi.Output.secret(private_key),
            depends_on=waits,
            private_address=instance.access_ip_v4,
            vm=instance,
            provider=provider,
        )

    def _sources(self) -> Sequence[str]:
        """Where SSH and the Docker port are open from: with --openstack-ip-version 6 the default range covers
        IPv6 too (the machine is reached at its IPv6 address)."""
        if self.ip_version == 6 and tuple(self.source_ranges) == ("0.0.0.0/0",):
            return ("0.0.0.0/0", "::/0")
        return self.source_ranges

    def cluster_firewall(self, cluster, members, others, ports, parent) -> list[pulumi.Resource]:
        """One security group whose rules admit only its own members (``remote_group_id`` = itself) and the
        other drivers' members by address, added to each member server's port beside the machine's own
        group (``networking.PortSecGroupAssociate``, not enforcing: the port keeps its other groups)."""
        os_ = openstack_sdk()
        provider = members[0].host.provider
        opts = child_opts(parent, provider)
        region = self.region
        group = os_.networking.SecGroup(
            f"{cluster}-swarm-secgroup",
            description=f"docker swarm {cluster}: swarm traffic between its own nodes only",
            region=region,
            opts=opts,
        )
        made: list[pulumi.Resource] = [group]
        for protocol, port in ports:
            for ethertype in ("IPv4", "IPv6"):
                made.append(
                    os_.networking.SecGroupRule(
                        f"{cluster}-swarm-{protocol}-{port}-{ethertype.lower()}",
                        direction="ingress",
                        ethertype=ethertype,
                        protocol=protocol,
                        port_range_min=port,
                        port_range_max=port,
                        remote_group_id=group.id,
                        security_group_id=group.id,
                        region=region,
                        opts=opts,
                    )
                )
            for i, address in enumerate(others):
                made.append(
                    os_.networking.SecGroupRule(
                        f"{cluster}-swarm-{protocol}-{port}-other-{i}",
                        direction="ingress",
                        ethertype=address.apply(_ethertype),
                        protocol=protocol,
                        port_range_min=port,
                        port_range_max=port,
                        remote_ip_prefix=address,
                        security_group_id=group.id,
                        region=region,
                        opts=opts,
                    )
                )
        for member in members:
            made.append(
                os_.networking.PortSecGroupAssociate(
                    f"{member.name}-swarm-secgroup",
                    port_id=instance_port(member.host.vm, member.host.provider, parent, region),
                    security_group_ids=[group.id],
                    enforce=False,
                    region=region,
                    opts=child_opts(parent, member.host.provider),
                )
            )
        return made

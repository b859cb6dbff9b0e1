"""Google Compute Engine: an instance with its boot disk, a firewall rule for its network tag, and
optionally a static external address (pulumi-gcp).

As docker-machine's google driver: the instance gets the machine's SSH key in its own metadata
(``ssh-keys``, project-wide keys blocked), which GCE's guest agent installs for ``ssh_user``; the
firewall rule opens SSH and the Docker port only to instances carrying the machine's network tag.
Credentials come from the Google environment (``GOOGLE_APPLICATION_CREDENTIALS``, gcloud's
application default credentials) unless ``credentials`` (a secret) is given.

pulumi-gcp is imported lazily: without it, importing this module still works and ``validate`` says
how to install it.
"""

from __future__ import annotations

import hashlib
import ipaddress
import os
import re
from dataclasses import dataclass
from typing import Any, ClassVar, Optional, Sequence

import pulumi

from ..base import Driver, DriverArgumentError, MachineHost, check_cidrs, child_opts, secret_field

SDK_MISSING = "the google driver needs its SDK: pip install 'pulumi-docker-machine[google]'"
UBUNTU_2404_IMAGE = "ubuntu-os-cloud/ubuntu-2404-lts-amd64"
# What the Google provider itself reads when no project is configured, in its order.
PROJECT_ENV = ("GOOGLE_PROJECT", "GOOGLE_CLOUD_PROJECT", "GCLOUD_PROJECT", "CLOUDSDK_CORE_PROJECT")
# docker-machine's default scopes for the instance's service account.
DEFAULT_SCOPES = (
    "https://www.googleapis.com/auth/devstorage.read_only",
    "https://www.googleapis.com/auth/logging.write",
)
_PROJECT = re.compile(r"^[a-z][a-z0-9-]{4,28}[a-z0-9]$|^[a-z][a-z0-9.-]*:[a-z][a-z0-9-]{4,28}[a-z0-9]$")
_ZONE = re.compile(r"^[a-z]+-[a-z]+[0-9]+-[a-z]$")
_MACHINE_TYPE = re.compile(r"^[a-z][a-z0-9]*-[a-z0-9-]*[a-z0-9]$")
_DISK_TYPE = re.compile(r"^(pd|hyperdisk)-[a-z-]*[a-z]$")
_IMAGE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/:-]*$")
_NAME = re.compile(r"^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$")  # GCE resource names and network tags
_NETWORK = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/:-]*$")  # a name or a self link
_OPEN_PORT = re.compile(r"^(\d{1,5})(?:/(tcp|udp))?$")
SCOPE_PREFIX = "https://www.googleapis.com/auth/"
_SCOPE = re.compile(r"^(https://www\.googleapis\.com/auth/)?[a-z][a-z0-9._-]*$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+$")
MIN_DISK_GB = 10
MAX_DISK_GB = 65536


def gcp_sdk() -> Any:
    """pulumi_gcp, or the one-line error naming the extra to install."""
    try:
        import pulumi_gcp
    except ImportError:
        raise DriverArgumentError(SDK_MISSING) from None
    return pulumi_gcp


def gce_name(prefix: str, name: str) -> str:
    """``prefix-name`` as a GCE resource name / network tag (lower case, letters, digits and hyphens,
    at most 63): a machine name with dots or capitals, or one too long, gets a short hash for its
    uniqueness."""
    plain = f"{prefix}-{name}"
    if _NAME.fullmatch(plain):
        return plain
    digest = hashlib.sha256(name.encode()).hexdigest()[:8]
    cleaned = re.sub(r"[^a-z0-9-]+", "-", plain.lower()).strip("-")[: 63 - 9].rstrip("-")
    return f"{cleaned}-{digest}"


def machine_tag(machine_name: str) -> str:
    """The network tag every instance of a machine carries; its firewall rule targets only it."""
    return gce_name("docker-machine", machine_name)


def _as_tuple(value: Any) -> tuple:
    """A comma-separated string (the CLI's --google-tags) or a sequence, as a tuple of items."""
    if value is None:
        return ()
    if isinstance(value, str):
        return tuple(item.strip() for item in value.split(",") if item.strip())
    return tuple(value)


def full_scope(scope: str) -> str:
    """A scope as the API takes it: a short form (logging.write, cloud-platform) is its URL's last part."""
    return scope if "://" in scope else f"{SCOPE_PREFIX}{scope}"


def configured_project(explicit: Optional[pulumi.Input[str]]) -> Optional[pulumi.Input[str]]:
    """The project the provider itself would use: explicit, else gcp:project config, else the environment."""
    if explicit is not None:
        return explicit
    try:
        configured = pulumi.Config("gcp").get("project")
    except Exception:  # noqa: BLE001 - outside a Pulumi program (the CLI's pre-create check)
        configured = None
    return configured or next((os.environ[v] for v in PROJECT_ENV if os.environ.get(v)), None)


def _is_ip(value: str) -> bool:
    try:
        ipaddress.IPv4Address(value)
    except ValueError:
        return False
    return True


@dataclass(frozen=True)
class GoogleDriver(Driver):
    name: ClassVar[str] = "google"

    project: Optional[str] = None  # else the gcp:project config, GOOGLE_PROJECT, GOOGLE_CLOUD_PROJECT...
    # A service account key (JSON text), for an explicit provider; else the Google environment (ADC).
    credentials: Optional[pulumi.Input[str]] = secret_field()
    zone: str = "us-central1-a"
    machine_type: str = "e2-small"
    machine_image: str = UBUNTU_2404_IMAGE
    disk_size: int = 20
    disk_type: str = "pd-standard"
    network: str = "default"
    subnetwork: Optional[str] = None
    preemptible: bool = False
    spot: bool = False
    address: Optional[str] = None  # an existing static external address: its name, or the IP itself
    static_address: bool = False  # reserve a new static external address for this machine
    tags: Sequence[str] = ()  # network tags beside the machine's own (a list, or "a,b" from the CLI)
    use_internal_ip: bool = False  # reach the machine at its internal IP (it keeps an external one)
    use_internal_ip_only: bool = False  # no external IP at all
    open_ports: Sequence[str] = ()  # "8080" or "53/udp", opened beside SSH and Docker
    service_account: Optional[str] = None  # the instance's service account e-mail; the default one when None
    scopes: Sequence[str] = DEFAULT_SCOPES
    ssh_user: str = "docker-user"  # --google-username
    source_ranges: Sequence[str] = ("0.0.0.0/0",)
    use_existing: bool = False  # refused: see validate

    def __post_init__(self) -> None:
        for name in ("tags", "scopes", "open_ports", "source_ranges"):
            object.__setattr__(self, name, _as_tuple(getattr(self, name)))

    @property
    def region(self) -> str:
        return self.zone.rsplit("-", 1)[0]

    def validate(self, machine_name: str) -> None:
        if self.use_existing:
            raise DriverArgumentError(
                "--google-use-existing is not supported: docker-machine changed an instance made elsewhere (its "
                "SSH key and firewall tag), which Pulumi does not own; use -d generic --generic-ip-address ADDRESS "
                "for that instance, or docker-machine adopt for one docker-machine made"
            )
        gcp_sdk()
        project = configured_project(self.project)
        if project is None:
            raise DriverArgumentError(
                "google driver requires the --google-project option (or GOOGLE_PROJECT / gcp:project config)"
            )
        if isinstance(project, str) and not _PROJECT.match(project):
            raise DriverArgumentError(
                f"google project {project!r} is not a project ID such as my-project-123456 (the ID, not its name)"
            )
        if not _NAME.fullmatch(machine_name):
            raise DriverArgumentError(
                f"google instance name {machine_name!r} must be lower case letters, digits and hyphens, "
                "start with a letter and be at most 63 characters: choose such a machine name"
            )
        if not isinstance(self.zone, str) or not _ZONE.match(self.zone):
            raise DriverArgumentError(f"google zone {self.zone!r} is not a zone name such as us-central1-a")
        if not isinstance(self.machine_type, str) or not _MACHINE_TYPE.match(self.machine_type):
            raise DriverArgumentError(
                f"google machine type {self.machine_type!r} is not a machine type such as e2-small or n2-standard-2"
            )
        if not isinstance(self.machine_image, str) or not _IMAGE.match(self.machine_image):
            raise DriverArgumentError(
                f"google machine image {self.machine_image!r} is not an image such as {UBUNTU_2404_IMAGE} "
                "(project/family, project/image or a self link)"
            )
        if (
            isinstance(self.disk_size, bool)
            or not isinstance(self.disk_size, int)
            or not MIN_DISK_GB <= self.disk_size <= MAX_DISK_GB
        ):
            raise DriverArgumentError(
                f"google disk size {self.disk_size!r} is not a whole number of GB from {MIN_DISK_GB} to {MAX_DISK_GB}"
            )
        if not isinstance(self.disk_type, str) or not _DISK_TYPE.match(self.disk_type):
            raise DriverArgumentError(
                f"google disk type {self.disk_type!r} is not a disk type such as pd-standard, pd-balanced or pd-ssd"
            )
        if not isinstance(self.network, str) or not _NETWORK.match(self.network):
            raise DriverArgumentError(f"google network {self.network!r} is not a network name such as default")
        if self.subnetwork is not None and not _NETWORK.match(self.subnetwork):
            raise DriverArgumentError(f"google subnetwork {self.subnetwork!r} is not a subnetwork name or self link")
        for tag in self.tags:
            if not isinstance(tag, str) or not _NAME.fullmatch(tag):
                raise DriverArgumentError(
                    f"google tag {tag!r} is not a network tag: lower case letters, digits and hyphens, "
                    "starting with a letter, at most 63 characters"
                )
        if self.address is not None and not (_is_ip(self.address) or _NAME.fullmatch(self.address)):
            raise DriverArgumentError(
                f"google address {self.address!r} is neither an IPv4 address nor the name of a reserved address"
            )
        if self.address is not None and self.static_address:
            raise DriverArgumentError("google address and static_address exclude each other: give one")
        if self.use_internal_ip_only and (self.address is not None or self.static_address):
            raise DriverArgumentError(
                "google use_internal_ip_only gives the instance no external IP: leave out the address"
            )
        if self.preemptible and self.spot:
            raise DriverArgumentError("google preemptible and spot exclude each other: give one")
        for port in self.open_ports:
            match = _OPEN_PORT.match(str(port))
            if not match or not 1 <= int(match.group(1)) <= 65535:
                raise DriverArgumentError(f"google open port {port!r} must look like 8080 or 53/udp")
        if self.service_account is not None and not _EMAIL.match(self.service_account):
            raise DriverArgumentError(
                f"google service account {self.service_account!r} is not a service account e-mail"
            )
        for scope in self.scopes:
            if not isinstance(scope, str) or not _SCOPE.match(scope):
                raise DriverArgumentError(
                    f"google scope {scope!r} is not an OAuth scope such as https://www.googleapis.com/auth/logging.write"
                )
        check_cidrs(self.source_ranges, "google source range")

    def _ports(self, engine_port: int) -> dict[str, list[str]]:
        """Ports by protocol, in order: SSH, Docker, then the open ports."""
        ports: dict[str, list[str]] = {"tcp": [str(22), str(engine_port)]}
        for item in self.open_ports:
            number, _, protocol = str(item).partition("/")
            ports.setdefault(protocol or "tcp", []).append(str(int(number)))
        return {protocol: list(dict.fromkeys(numbers)) for protocol, numbers in ports.items()}

    def create_host(self, machine_name, public_key, engine_port, parent, power="running", force=False) -> MachineHost:
        gcp = gcp_sdk()
        compute = gcp.compute
        provider = None
        if self.credentials is not None:
            provider = gcp.Provider(
                f"{machine_name}-gcp",
                credentials=pulumi.Output.secret(self.credentials),
                project=self.project,
                zone=self.zone,
                region=self.region,
                opts=child_opts(parent),
            )
        opts = child_opts(parent, provider)
        project = self.project
        tag = machine_tag(machine_name)

        nat_ip: Optional[pulumi.Input[str]] = None
        static: Optional[pulumi.Resource] = None
        if self.static_address:
            reserved = compute.Address(
                f"{machine_name}-address",
                name=tag,
                region=self.region,
                address_type="EXTERNAL",
                description=f"docker-machine {machine_name}",
                project=project,
                opts=opts,
            )
            static, nat_ip = reserved, reserved.address
        elif self.address is not None:
            nat_ip = (
                self.address
                if _is_ip(self.address)
                else compute.get_address_output(
                    name=self.address,
                    region=self.region,
                    project=project,
                    opts=pulumi.InvokeOutputOptions(parent=parent, provider=provider),
                ).address
            )
        access_configs = (
            None if self.use_internal_ip_only else [compute.InstanceNetworkInterfaceAccessConfigArgs(nat_ip=nat_ip)]
        )

        scheduling = None
        if self.preemptible:
            scheduling = compute.InstanceSchedulingArgs(
                preemptible=True, automatic_restart=False, on_host_maintenance="TERMINATE"
            )
        elif self.spot:
            scheduling = compute.InstanceSchedulingArgs(
                preemptible=True,
                automatic_restart=False,
                on_host_maintenance="TERMINATE",
                provisioning_model="SPOT",
                instance_termination_action="STOP",
            )

        user = self.ssh_user
        ssh_keys = pulumi.Output.from_input(public_key).apply(lambda key: f"{user}:{(key or '').strip()}")
        instance = compute.Instance(
            machine_name,
            name=machine_name,
            zone=self.zone,
            machine_type=self.machine_type,
            boot_disk=compute.InstanceBootDiskArgs(
                auto_delete=True,
                initialize_params=compute.InstanceBootDiskInitializeParamsArgs(
                    image=self.machine_image,
                    size=int(self.disk_size),
                    type=self.disk_type,
                ),
            ),
            network_interfaces=[
                compute.InstanceNetworkInterfaceArgs(
                    network=self.network,
                    subnetwork=self.subnetwork,
                    access_configs=access_configs,
                )
            ],
            tags=list(dict.fromkeys([tag, *self.tags])),
            # The key in the instance's own metadata, never project-wide; project keys are not let in.
            metadata={"ssh-keys": ssh_keys, "block-project-ssh-keys": "true"},
            scheduling=scheduling,
            service_account=compute.InstanceServiceAccountArgs(
                email=self.service_account, scopes=[full_scope(scope) for scope in self.scopes]
            ),
            labels={"docker-machine": "true"},
            desired_status="RUNNING" if power == "running" else "TERMINATED",
            allow_stopping_for_update=True,
            project=project,
            opts=opts,
        )
        ports = self._ports(engine_port)
        firewall = compute.Firewall(
            f"{machine_name}-firewall",
            name=tag,
            network=self.network,
            description=f"docker-machine {machine_name}: SSH and the Docker TLS port",
            direction="INGRESS",
            allows=[compute.FirewallAllowArgs(protocol=protocol, ports=numbers) for protocol, numbers in ports.items()],
            source_ranges=list(self.source_ranges),
            target_tags=[tag],
            project=project,
            opts=opts,
        )
        nic = instance.network_interfaces.apply(lambda nics: nics[0])
        internal = nic.apply(lambda n: n.network_ip)
        # An instance stopped and started gets a new ephemeral IP: the address is read from the instance.
        external = nic.apply(lambda n: (n.access_configs[0].nat_ip or "") if n.access_configs else "")
        use_internal = self.use_internal_ip or self.use_internal_ip_only
        return MachineHost(
            address=internal if use_internal else external,
            ssh_user=user,
            ssh_port=22,
            depends_on=[firewall, *([static] if static is not None else [])],
            private_address=internal,
            vm=instance,
            provider=provider,
        )

    def cluster_firewall(self, cluster, members, others, ports, parent) -> list[pulumi.Resource]:
        """One firewall rule per network: the swarm ports, from and to the members' network tags only
        (GCE matches source tags on traffic inside the VPC), and from other drivers' members by address."""
        compute = gcp_sdk().compute
        tags = [machine_tag(member.name) for member in members]
        sources = list(others)  # CIDRs already (components/swarm/sources.py)
        by_protocol: dict[str, list[str]] = {}
        for protocol, port in ports:
            by_protocol.setdefault(protocol, []).append(str(port))
        networks = list(dict.fromkeys(getattr(m.driver, "network", self.network) for m in members))
        made: list[pulumi.Resource] = []
        for i, network in enumerate(networks):
            suffix = "" if i == 0 else f"-{i}"
            made.append(
                compute.Firewall(
                    f"{cluster}-swarm-firewall{suffix}",
                    name=gce_name("docker-swarm", f"{cluster}{suffix}"),
                    network=network,
                    description=f"docker swarm {cluster}: swarm traffic between its own nodes only",
                    direction="INGRESS",
                    allows=[
                        compute.FirewallAllowArgs(protocol=protocol, ports=numbers)
                        for protocol, numbers in by_protocol.items()
                    ],
                    source_tags=tags,
                    target_tags=tags,
                    source_ranges=sources or None,
                    project=self.project,
                    opts=child_opts(parent, members[0].host.provider),
                )
            )
        return made

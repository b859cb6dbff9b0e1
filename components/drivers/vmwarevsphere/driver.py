"""vSphere: a VM cloned from a template (or deployed from an OVA) by pulumi-vsphere, its cloud-init seed in
guestinfo (guestinfo.py), reached at the address VMware Tools reports.

As docker-machine's vmwarevsphere driver: vCenter (or an ESXi host) at ``vcenter``:``vcenter_port`` with
``username`` and ``password`` (a secret), the VM in ``datacenter`` on ``datastore``, in ``pool`` or on
``hostsystem``, in ``folder``, on each of ``network``, with ``cfgparam`` key=value pairs added to its
extraConfig. docker-machine booted boot2docker's ISO and copied the key in through VMware Tools; here the
template is a cloud image and cloud-init's VMware datasource reads the seed. ``pulumi_vsphere`` is imported
only when a machine is made, and its absence is one line naming the extra.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, ClassVar, Optional, Sequence

import pulumi

from ..base import Driver, DriverArgumentError, MachineHost, child_opts, secret_field
from .guestinfo import guestinfo

SDK_MISSING = "the vmwarevsphere driver needs its SDK: pip install 'pulumi-docker-machine[vsphere]'"
DEFAULT_NETWORK = "VM Network"  # ESXi's default port group
DOCKER_BRIDGE = "172.17.0.1"  # docker0's address, never the VM's (docker-machine skipped it too)
_NAME = re.compile(r"^[^\x00-\x1f\x7f]{1,255}$")  # vSphere inventory names: one line of text
_HOST = re.compile(r"^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?$|^\[?[0-9A-Fa-f:.]+\]?$")
_KEY = re.compile(r"^[A-Za-z][A-Za-z0-9._-]{0,254}$")  # an extraConfig key
_URL = re.compile(r"^https?://[^\s/]+/\S*$")
OWN_KEYS = ("guestinfo.metadata", "guestinfo.userdata")  # the seed's: a cfgparam may not replace them


def vsphere_sdk() -> Any:
    """pulumi_vsphere, or the one-line error naming the extra to install."""
    try:
        import pulumi_vsphere
    except ImportError:
        raise DriverArgumentError(SDK_MISSING) from None
    return pulumi_vsphere


def cfgparams(values: Sequence[str]) -> dict[str, str]:
    """docker-machine's ``--vmwarevsphere-cfgparam key=value`` (given several times) as extraConfig."""
    params: dict[str, str] = {}
    for item in values:
        key, sep, value = str(item).partition("=")
        if not sep or not _KEY.match(key) or re.search(r"[\x00-\x1f\x7f]", value):
            raise DriverArgumentError(
                f"vmwarevsphere --vmwarevsphere-cfgparam {item!r} is not key=value: give e.g. "
                "guestinfo.role=web (a key of letters, digits, . _ -; a value of one line)"
            )
        if key.startswith(OWN_KEYS):
            raise DriverArgumentError(
                f"vmwarevsphere --vmwarevsphere-cfgparam {key} is the machine's own seed: give your cloud-config "
                "with --vmwarevsphere-cloudinit instead"
            )
        params[key] = value
    return params


@dataclass(frozen=True)
class VSphereDriver(Driver):
    name: ClassVar[str] = "vmwarevsphere"

    vcenter: Optional[str] = None
    vcenter_port: int = 443
    username: Optional[str] = None
    password: Optional[pulumi.Input[str]] = secret_field()
    insecure: bool = False
    datacenter: Optional[str] = None  # the only one, when not given
    datastore: Optional[str] = None
    folder: Optional[str] = None
    pool: Optional[str] = None  # the host's or the datacenter's default pool, when not given
    hostsystem: Optional[str] = None
    network: Sequence[str] = (DEFAULT_NETWORK,)
    template: Optional[str] = None
    ova_url: Optional[str] = None
    cpu_count: int = 2
    memory_size: int = 2048  # MiB
    disk_size: int = 20480  # MiB, as docker-machine; vSphere takes whole GiB
    cfgparam: Sequence[str] = ()
    # --vmwarevsphere-cloudinit: the file's cloud-config, a secret, merged with the seed's; the path for display
    user_data: Optional[pulumi.Input[str]] = secret_field()
    user_data_file: Optional[str] = None
    user_data_limit: ClassVar[int] = 64 * 1024
    boot2docker_url: Optional[str] = None  # refused: boot2docker is retired
    ssh_user: str = "docker"
    ssh_port: int = 22
    ip_timeout: int = 300  # seconds VMware Tools gets to report the VM's address

    supports_power: ClassVar[bool] = False  # pulumi-vsphere's VirtualMachine has no power state to ask for

    def __post_init__(self) -> None:
        for option in ("network", "cfgparam"):
            value = getattr(self, option)
            if isinstance(value, str):  # docker-machine's StringSlice from one environment variable
                object.__setattr__(self, option, tuple(v.strip() for v in value.split(",") if v.strip()))
            elif isinstance(value, list):
                object.__setattr__(self, option, tuple(value))
        if self.folder:
            object.__setattr__(self, "folder", self.folder.strip("/"))  # as docker-machine trims it

    def disk_gib(self) -> int:
        return max(1, -(-int(self.disk_size) // 1024))

    def validate(self, machine_name: str) -> None:
        vsphere_sdk()
        if self.boot2docker_url:
            raise DriverArgumentError(
                "--vmwarevsphere-boot2docker-url is not supported: boot2docker is retired; give "
                "--vmwarevsphere-template (a cloud image with cloud-init) or --vmwarevsphere-ova-url"
            )
        for flag, value in (
            ("--vmwarevsphere-vcenter", self.vcenter),
            ("--vmwarevsphere-username", self.username),
            ("--vmwarevsphere-password", self.password),
        ):
            if not value:
                raise DriverArgumentError(f"vmwarevsphere driver requires the {flag} option")
        if not isinstance(self.vcenter, str) or not _HOST.match(self.vcenter):
            raise DriverArgumentError(
                f"vmwarevsphere --vmwarevsphere-vcenter {self.vcenter!r} is not a host name or address"
            )
        if bool(self.template) == bool(self.ova_url):
            raise DriverArgumentError(
                "vmwarevsphere driver requires the --vmwarevsphere-template or --vmwarevsphere-ova-url option "
                "(one of them): the VM to clone, or the OVA to deploy"
            )
        if self.ova_url and not _URL.match(self.ova_url):
            raise DriverArgumentError(f"vmwarevsphere --vmwarevsphere-ova-url {self.ova_url!r} is not an http(s) URL")
        for flag, value in (
            ("--vmwarevsphere-username", self.username),
            ("--vmwarevsphere-datacenter", self.datacenter),
            ("--vmwarevsphere-datastore", self.datastore),
            ("--vmwarevsphere-folder", self.folder),
            ("--vmwarevsphere-pool", self.pool),
            ("--vmwarevsphere-hostsystem", self.hostsystem),
            ("--vmwarevsphere-template", self.template),
            *(("--vmwarevsphere-network", n) for n in self.network),
        ):
            if value is not None and not (isinstance(value, str) and _NAME.match(value) and value.strip()):
                raise DriverArgumentError(f"vmwarevsphere {flag} {value!r} is not a name: give one line of text")
        if not self.network:
            raise DriverArgumentError("vmwarevsphere --vmwarevsphere-network: give at least one network")
        numbers: tuple[tuple[str, Any, int, int], ...] = (
            ("--vmwarevsphere-vcenter-port", self.vcenter_port, 1, 65535),
            ("--vmwarevsphere-cpu-count", self.cpu_count, 1, 768),
            ("--vmwarevsphere-memory-size", self.memory_size, 256, 24 * 1024 * 1024),
            ("--vmwarevsphere-disk-size", self.disk_size, 1024, 62 * 1024 * 1024 * 1024),
        )
        for flag, value, low, high in numbers:
            if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
                raise DriverArgumentError(f"vmwarevsphere {flag} {value!r} is not a whole number from {low} to {high}")
        cfgparams(self.cfgparam)
        if isinstance(self.user_data, str) and len(self.user_data.encode()) > self.user_data_limit:
            raise DriverArgumentError(
                f"vmwarevsphere user data is larger than the {self.user_data_limit} bytes it takes"
            )

    def _server(self) -> str:
        host = self.vcenter or ""
        return host if int(self.vcenter_port) == 443 else f"{host}:{int(self.vcenter_port)}"

    def create_host(self, machine_name, public_key, engine_port, parent, power="running", force=False) -> MachineHost:
        vs = vsphere_sdk()
        provider = vs.Provider(
            f"{machine_name}-vsphere",
            vsphere_server=self._server(),
            user=self.username,
            password=pulumi.Output.secret(self.password),
            allow_unverified_ssl=True if self.insecure else None,
            opts=child_opts(parent),
        )
        invoke = pulumi.InvokeOutputOptions(parent=parent, provider=provider)
        datacenter = vs.get_datacenter_output(name=self.datacenter, opts=invoke)
        datastore = vs.get_datastore_output(name=self.datastore, datacenter_id=datacenter.id, opts=invoke)
        host_id: Optional[pulumi.Output[str]] = None
        if self.hostsystem:
            host = vs.get_host_output(name=self.hostsystem, datacenter_id=datacenter.id, opts=invoke)
            host_id = host.id
        if self.pool or not self.hostsystem:
            pool_id = vs.get_resource_pool_output(name=self.pool, datacenter_id=datacenter.id, opts=invoke).id
        else:
            pool_id = host.resource_pool_id
        networks = [vs.get_network_output(name=n, datacenter_id=datacenter.id, opts=invoke) for n in self.network]
        extra: pulumi.Output[dict] = pulumi.Output.secret(public_key).apply(
            lambda key: {**cfgparams(self.cfgparam), **guestinfo(machine_name, self.ssh_user, key, None)}
        )
        if self.user_data is not None:
            extra = pulumi.Output.all(pulumi.Output.secret(public_key), self.user_data).apply(
                lambda pair: {**cfgparams(self.cfgparam), **guestinfo(machine_name, self.ssh_user, pair[0], pair[1])}
            )
        clone = ovf = None
        guest_id: pulumi.Input[str] = "ubuntu64Guest"
        if self.template:
            template = vs.get_virtual_machine_output(name=self.template, datacenter_id=datacenter.id, opts=invoke)
            clone = vs.VirtualMachineCloneArgs(template_uuid=template.id)
            guest_id = template.guest_id
        else:
            ovf = vs.VirtualMachineOvfDeployArgs(remote_ovf_url=self.ova_url, disk_provisioning="thin")
        vm = vs.VirtualMachine(
            machine_name,
            name=machine_name,
            datacenter_id=datacenter.id if ovf else None,
            resource_pool_id=pool_id,
            host_system_id=host_id,
            datastore_id=datastore.id,
            folder=self.folder or None,
            num_cpus=int(self.cpu_count),
            memory=int(self.memory_size),
            guest_id=guest_id,
            network_interfaces=[vs.VirtualMachineNetworkInterfaceArgs(network_id=n.id) for n in networks],
            disks=[vs.VirtualMachineDiskArgs(label="disk0", size=self.disk_gib(), thin_provisioned=True)],
            clone=clone,
            ovf_deploy=ovf,
            extra_config=extra,  # a secret already: the seed and a user's cloud-config
            wait_for_guest_ip_timeout=max(1, int(self.ip_timeout) // 60),  # minutes
            wait_for_guest_net_timeout=0,  # the IP wait above stands for it
            ignored_guest_ips=[DOCKER_BRIDGE],
            opts=child_opts(parent, provider),
        )
        return MachineHost(
            address=vm.default_ip_address,
            ssh_user=self.ssh_user,
            ssh_port=int(self.ssh_port),
            vm=vm,
            provider=provider,
        )

    def cluster_firewall(self, cluster, members, others, ports, parent) -> list[pulumi.Resource]:
        """None: vSphere port groups have no firewall of the VM's own (NSX, where present, is not driven)."""
        return []

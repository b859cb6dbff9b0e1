"""VirtualBox: a local VM from the dynamic provider, SSH through a NAT port forward, Docker on the host-only IP."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar, Optional

import pulumi
from pulumi.dynamic import Resource

from ...names import default_store_root
from ..base import Driver, DriverArgumentError, MachineHost
from .image import DEFAULT_IMAGE_URL
from .provider import DEFAULT_HOSTONLY_CIDR, VirtualBoxVMProvider, validate


class VirtualBoxVM(Resource, module="docker-machine", name="VirtualBoxVM"):
    vm_uuid: pulumi.Output[str]
    host_only_ip: pulumi.Output[str]
    ssh_host: pulumi.Output[str]
    ssh_port: pulumi.Output[int]
    ssh_user: pulumi.Output[str]
    vm_state: pulumi.Output[str]

    def __init__(self, name: str, props: dict, opts: Optional[pulumi.ResourceOptions] = None) -> None:
        outputs = dict.fromkeys(("vm_uuid", "host_only_ip", "ssh_host", "ssh_port", "vm_state"))
        super().__init__(VirtualBoxVMProvider(), name, {**outputs, **props}, opts)


@dataclass(frozen=True)
class VirtualBoxDriver(Driver):
    name: ClassVar[str] = "virtualbox"

    memory: int = 1024  # MiB
    cpu_count: int = 1
    disk_size: int = 20000  # MiB
    image_url: str = DEFAULT_IMAGE_URL
    image_sha256: Optional[str] = None  # default: the SHA256SUMS published beside the image
    boot2docker_url: Optional[str] = None  # the legacy boot2docker ISO instead of the Ubuntu image
    hostonly_cidr: str = DEFAULT_HOSTONLY_CIDR
    ip_address: Optional[str] = None  # default: the first free from .100 on the host-only network
    nat_nictype: str = "82540EM"
    hostonly_nictype: str = "82540EM"
    ssh_user: str = "docker"
    state: str = "running"
    storage_path: Optional[str] = None  # the machine store; default MACHINE_STORAGE_PATH or ~/.docker/machine
    ssh_timeout: int = 300
    share_folder: Optional[str] = None  # "DIR:NAME" (docker-machine's format), or DIR alone
    no_share: bool = False  # no folder is shared unless share_folder names one
    host_dns_resolver: bool = False
    no_dns_proxy: bool = False
    hostonly_nicpromisc: str = "deny"
    hostonly_no_dhcp: bool = False  # always so: addresses are static (cloud-init's)
    no_vtx_check: bool = False  # no check is made: VirtualBox refuses a 64-bit guest without VT-x itself
    ui_type: str = "headless"
    import_boot2docker_vm: Optional[str] = None  # refused: boot2docker-cli's VMs

    def share(self) -> tuple[str, str]:
        """(host folder, share name): docker-machine's parseShareFolder (the part after the last ':' is the name;
        without one the name is the folder without its leading '/')."""
        if not self.share_folder or self.no_share:
            return "", ""
        folder, _, name = self.share_folder.rpartition(":")
        if not folder:
            folder, name = self.share_folder, self.share_folder.lstrip("/")
        return folder, name

    def dns(self) -> tuple[str, str]:
        """(--natdnshostresolver1, --natdnsproxy1): docker-machine's pair when either flag is given (its default
        was the proxy on, the resolver off); without them the host resolver, as machines here always had."""
        if not (self.host_dns_resolver or self.no_dns_proxy):
            return "on", ""
        return ("on" if self.host_dns_resolver else "off"), ("off" if self.no_dns_proxy else "on")

    def props(self, machine_name: str) -> dict:
        store = Path(self.storage_path or default_store_root())
        return {
            "name": machine_name,
            "machine_dir": str(store / "machines" / machine_name),
            "cache_dir": str(store / "cache"),
            "image_url": self.image_url,
            "image_sha256": self.image_sha256,
            "boot2docker_url": self.boot2docker_url,
            "memory": self.memory,
            "cpus": self.cpu_count,
            "disk_size": self.disk_size,
            "hostonly_cidr": self.hostonly_cidr,
            "ip_address": self.ip_address,
            "nat_nictype": self.nat_nictype,
            "hostonly_nictype": self.hostonly_nictype,
            "ssh_user": self.ssh_user,
            "hostname": machine_name,
            "state": self.state,
            "ssh_timeout": self.ssh_timeout,
            "nat_dns_host_resolver": self.dns()[0],
            "nat_dns_proxy": self.dns()[1],
            "hostonly_nicpromisc": self.hostonly_nicpromisc,
            "share_dir": self.share()[0],
            "share_name": self.share()[1],
            "ui_type": self.ui_type,
        }

    def validate(self, machine_name: str) -> None:
        if self.import_boot2docker_vm:
            raise DriverArgumentError(
                "--virtualbox-import-boot2docker-vm is not supported: it copied a VM of boot2docker-cli (retired "
                "in 2015) and its SSH key; create a new machine instead"
            )
        folder, name = self.share()
        if folder and (not Path(folder).is_absolute() or not name or "\x00" in folder):
            raise DriverArgumentError(
                f"virtualbox share folder {self.share_folder!r} must look like /absolute/dir:name"
            )
        if folder and not Path(folder).is_dir():
            raise DriverArgumentError(f"virtualbox share folder {folder} is not a folder on this computer")
        problems = validate(self.props(machine_name), require_key=False)
        if problems:
            raise DriverArgumentError(f"virtualbox {problems[0][1]}")

    def create_host(self, machine_name, public_key, engine_port, parent, power="running", force=False) -> MachineHost:
        props = {**self.props(machine_name), "public_key": public_key, "state": power, "force_stop": force}
        vm = VirtualBoxVM(f"{machine_name}-vm", props, opts=pulumi.ResourceOptions(parent=parent))
        return MachineHost(
            address=vm.host_only_ip,
            ssh_user=self.ssh_user,
            ssh_port=vm.ssh_port,
            ssh_address=vm.ssh_host,
        )

    def cluster_firewall(self, cluster, members, others, ports, parent) -> list[pulumi.Resource]:
        """None: the VMs share this computer's host-only network, which no firewall of VirtualBox's closes."""
        return []

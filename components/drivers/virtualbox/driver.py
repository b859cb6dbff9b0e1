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
        }

    def validate(self, machine_name: str) -> None:
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

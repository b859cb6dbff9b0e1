"""Hyper-V: a local VM from the dynamic provider (PowerShell's Hyper-V cmdlets), SSH and Docker at the address the
guest reports on its virtual switch."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar, Optional

import pulumi
from pulumi.dynamic import Resource

from ...names import default_store_root
from ..base import Driver, DriverArgumentError, MachineHost
from .provider import HyperVVMProvider, validate


class HyperVVM(Resource, module="docker-machine", name="HyperVVM"):
    vm_id: pulumi.Output[str]
    ip_address: pulumi.Output[str]
    mac: pulumi.Output[str]
    vm_state: pulumi.Output[str]

    def __init__(self, name: str, props: dict, opts: Optional[pulumi.ResourceOptions] = None) -> None:
        outputs = dict.fromkeys(("vm_id", "ip_address", "mac", "vm_state"))
        super().__init__(HyperVVMProvider(), name, {**outputs, **props}, opts)


@dataclass(frozen=True)
class HyperVDriver(Driver):
    name: ClassVar[str] = "hyperv"

    virtual_switch: str = ""  # create's pre-create check settles docker-machine's default: the first external
    memory: int = 1024  # MiB
    cpu_count: int = 1
    disk_size: int = 20000  # MiB
    static_macaddress: str = ""  # default: one of Hyper-V's prefix (00:15:5D), random, made static
    vlan_id: int = 0
    disable_dynamic_memory: bool = False
    image_url: str = ""
    image_sha256: Optional[str] = None
    boot2docker_url: Optional[str] = None  # refused
    ssh_user: str = "docker"
    state: str = "running"
    storage_path: Optional[str] = None
    ssh_timeout: int = 300

    def props(self, machine_name: str) -> dict:
        store = Path(self.storage_path or default_store_root())
        return {
            "name": machine_name,
            "machine_dir": str(store / "machines" / machine_name),
            "cache_dir": str(store / "cache"),
            "image_url": self.image_url,
            "image_sha256": self.image_sha256,
            "virtual_switch": self.virtual_switch,
            "memory": self.memory,
            "cpus": self.cpu_count,
            "disk_size": self.disk_size,
            "static_macaddress": self.static_macaddress,
            "vlan_id": self.vlan_id,
            "disable_dynamic_memory": self.disable_dynamic_memory,
            "ssh_user": self.ssh_user,
            "hostname": machine_name,
            "state": self.state,
            "ssh_timeout": self.ssh_timeout,
        }

    def validate(self, machine_name: str) -> None:
        if self.boot2docker_url:
            raise DriverArgumentError(
                "--hyperv-boot2docker-url is not supported: the boot2docker ISO is retired; give a cloud image VHDX "
                "with --hyperv-image-url"
            )
        if not self.image_url:
            raise DriverArgumentError(
                "the hyperv driver requires --hyperv-image-url: the URL or file:// path of a cloud image VHDX with "
                "cloud-init and Hyper-V's KVP daemon (e.g. Ubuntu's .img converted by qemu-img convert -O vhdx)"
            )
        problems = validate({**self.props(machine_name), "virtual_switch": self.virtual_switch or "-"}, False)
        if problems:
            raise DriverArgumentError(f"hyperv {problems[0][1]}")

    def create_host(self, machine_name, public_key, engine_port, parent, power="running", force=False) -> MachineHost:
        props = {**self.props(machine_name), "public_key": public_key, "state": power, "force_stop": force}
        vm = HyperVVM(f"{machine_name}-vm", props, opts=pulumi.ResourceOptions(parent=parent))
        return MachineHost(address=vm.ip_address, ssh_user=self.ssh_user, ssh_port=22)

    def cluster_firewall(self, cluster, members, others, ports, parent) -> list[pulumi.Resource]:
        """None: the VMs share the virtual switch, which Hyper-V does not firewall."""
        return []

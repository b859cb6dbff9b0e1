"""VMware Workstation/Fusion: a local VM cloned by vmrun from a template .vmx (the dynamic provider in
provider.py), SSH and Docker at the address VMware Tools reports on VMware's NAT network."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar, Optional

import pulumi
from pulumi.dynamic import Resource

from ...names import default_store_root
from ..base import Driver, DriverArgumentError, MachineHost
from .provider import VMwareVMProvider, validate
from .vmrun import default_product


class VMwareVM(Resource, module="docker-machine", name="VMwareVM"):
    vmx_path: pulumi.Output[str]
    ip_address: pulumi.Output[str]
    mac_address: pulumi.Output[str]
    vm_state: pulumi.Output[str]

    def __init__(self, name: str, props: dict, opts: Optional[pulumi.ResourceOptions] = None) -> None:
        outputs = dict.fromkeys(("vmx_path", "ip_address", "mac_address", "vm_state"))
        super().__init__(VMwareVMProvider(), name, {**outputs, **props}, opts)


@dataclass(frozen=True)
class VMwareDriver(Driver):
    name: ClassVar[str] = "vmware"

    template: Optional[str] = None  # the .vmx to clone
    product: Optional[str] = None  # vmrun -T; default ws, fusion on macOS
    cpu_count: int = 1  # -1: every CPU of this computer
    memory: int = 1024  # MiB
    ssh_user: str = "docker"
    ip_timeout: int = 300
    no_share: bool = False  # no folder is shared by this driver
    disk_size: Optional[int] = None  # refused: the clone keeps its template's disk
    ssh_password: Optional[str] = None  # refused: key only
    boot2docker_url: Optional[str] = None  # refused
    configdrive_url: Optional[str] = None  # refused
    state: str = "running"
    storage_path: Optional[str] = None  # the machine store; default MACHINE_STORAGE_PATH or ~/.docker/machine

    def cpus(self) -> int:
        return (os.cpu_count() or 1) if self.cpu_count == -1 else self.cpu_count

    def props(self, machine_name: str) -> dict:
        store = Path(self.storage_path or default_store_root())
        return {
            "name": machine_name,
            "machine_dir": str(store / "machines" / machine_name),
            "template": os.path.abspath(os.path.expanduser(self.template)) if self.template else "",
            "product": self.product or default_product(),
            "cpus": self.cpus(),
            "memory": self.memory,
            "ssh_user": self.ssh_user,
            "hostname": machine_name,
            "state": self.state,
            "ip_timeout": self.ip_timeout,
        }

    def validate(self, machine_name: str) -> None:
        for flag, value, why in (
            ("--vmware-disk-size", self.disk_size, "the clone keeps its template's disk; grow the template's"),
            ("--vmware-ssh-password", self.ssh_password, "the machine is reached with its own SSH key only"),
            ("--vmware-boot2docker-url", self.boot2docker_url, "boot2docker is retired; give --vmware-template"),
            ("--vmware-configdrive-url", self.configdrive_url, "the machine's own cloud-init seed is its CD drive"),
        ):
            if value is not None:
                raise DriverArgumentError(f"{flag} is not supported: {why}")
        if not self.template:
            raise DriverArgumentError(
                "vmware driver requires the --vmware-template option: the .vmx of a powered-off VM with cloud-init "
                "and open-vm-tools to clone"
            )
        problems = validate(self.props(machine_name), require_key=False)
        if problems:
            flags = {"cpus": "--vmware-cpu-count", "memory": "--vmware-memory-size", "product": "--vmware-product"}
            key, reason = problems[0]
            hint = f" ({flags[key]})" if key in flags else ""
            raise DriverArgumentError(f"vmware {reason}{hint}")

    def create_host(self, machine_name, public_key, engine_port, parent, power="running", force=False) -> MachineHost:
        props = {**self.props(machine_name), "public_key": public_key, "state": power, "force_stop": force}
        vm = VMwareVM(f"{machine_name}-vm", props, opts=pulumi.ResourceOptions(parent=parent))
        return MachineHost(address=vm.ip_address, ssh_user=self.ssh_user, ssh_port=22, vm=vm)

    def cluster_firewall(self, cluster, members, others, ports, parent) -> list[pulumi.Resource]:
        """None: the VMs share VMware's NAT network on this computer, which no firewall of VMware's closes."""
        return []

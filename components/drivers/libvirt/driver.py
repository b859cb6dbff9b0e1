"""The LibvirtDriver: a domain of a libvirt host (KVM or QEMU; Xen through xen:///system), made with virsh."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar, Optional

import pulumi
from pulumi.dynamic import Resource

from ...names import default_store_root
from ..base import Driver, DriverArgumentError, MachineHost
from .provider import LibvirtVMProvider, default_domain_type, validate

# Ubuntu 24.04 LTS's cloud image (qcow2), as the qemu and VirtualBox drivers'; SHA256SUMS beside it.
DEFAULT_IMAGE_URL = "https://cloud-images.ubuntu.com/releases/noble/release/ubuntu-24.04-server-cloudimg-amd64.img"


class LibvirtVM(Resource, module="docker-machine", name="LibvirtVM"):
    ip_address: pulumi.Output[str]
    mac: pulumi.Output[str]
    vm_state: pulumi.Output[str]

    def __init__(self, name: str, props: dict, opts: Optional[pulumi.ResourceOptions] = None) -> None:
        outputs = dict.fromkeys(("ip_address", "mac", "vm_state", "disk_volume", "seed_volume"))
        super().__init__(LibvirtVMProvider(), name, {**outputs, **props}, opts)


@dataclass(frozen=True)
class LibvirtDriver(Driver):
    name: ClassVar[str] = "libvirt"

    uri: str = "qemu:///system"
    memory: int = 1024  # MiB
    cpu_count: int = 1
    disk_size: int = 20000  # MiB: the overlay's size (the guest grows its file system into it)
    network: str = "default"
    storage_pool: str = "default"
    domain_type: Optional[str] = None  # kvm, qemu (TCG) or xen; default: xen for a xen URI, else kvm
    image: str = DEFAULT_IMAGE_URL  # a URL (fetched once into the store's cache) or a local qcow2 path
    image_sha256: Optional[str] = None  # default for a URL: the SHA256SUMS published beside it
    kernel: Optional[str] = None  # direct kernel boot (paths on the libvirt host)
    initrd: Optional[str] = None
    append: Optional[str] = None
    cache_mode: str = "default"
    io_mode: str = "threads"
    ssh_user: str = "docker"
    state: str = "running"
    storage_path: Optional[str] = (
        None  # the machine store (its cache); default MACHINE_STORAGE_PATH or ~/.docker/machine
    )
    boot_timeout: int = 900  # seconds until SSH answers (TCG boots slowly)

    def props(self, machine_name: str) -> dict:
        store = Path(self.storage_path or default_store_root())
        return {
            "name": machine_name,
            "uri": self.uri,
            "pool": self.storage_pool,
            "network": self.network,
            "domain_type": self.domain_type or default_domain_type(self.uri),
            "cache_dir": str(store / "cache"),
            "image": self.image,
            "image_sha256": self.image_sha256,
            "memory": self.memory,
            "cpus": self.cpu_count,
            "disk_size": self.disk_size,
            "kernel": self.kernel,
            "initrd": self.initrd,
            "append": self.append,
            "cache_mode": self.cache_mode,
            "io_mode": self.io_mode,
            "ssh_user": self.ssh_user,
            "hostname": machine_name,
            "state": self.state,
            "boot_timeout": self.boot_timeout,
        }

    def validate(self, machine_name: str) -> None:
        problems = validate(self.props(machine_name), require_key=False)
        if problems:
            raise DriverArgumentError(f"libvirt {problems[0][1]}")

    def create_host(self, machine_name, public_key, engine_port, parent, power="running", force=False) -> MachineHost:
        props = {**self.props(machine_name), "public_key": public_key, "state": power, "force_stop": force}
        vm = LibvirtVM(f"{machine_name}-vm", props, opts=pulumi.ResourceOptions(parent=parent))
        return MachineHost(address=vm.ip_address, ssh_user=self.ssh_user, ssh_port=22, vm=vm)

    def cluster_firewall(self, cluster, members, others, ports, parent) -> list[pulumi.Resource]:
        """None: the domains share the libvirt network, which libvirt's own rules leave open between its guests."""
        return []

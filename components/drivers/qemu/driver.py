"""The QemuDriver: a local VM run by qemu-system directly (as Lima, Colima and Podman machine do)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar, Optional

import pulumi
from pulumi.dynamic import Resource

from ...names import default_store_root
from ..base import Driver, DriverArgumentError, MachineHost
from .provider import QemuVMProvider, validate
from .hostagent.portsync import forward_problem
from .shares import ShareError
from .shares import resolve as resolve_shares

# Ubuntu 24.04 LTS's cloud image (qcow2) for the guest's architecture, as the VirtualBox driver's default;
# SHA256SUMS beside it.
DEFAULT_IMAGE_URL = "https://cloud-images.ubuntu.com/releases/noble/release/ubuntu-24.04-server-cloudimg-amd64.img"
DEFAULT_IMAGES = {
    "x86_64": DEFAULT_IMAGE_URL,
    "aarch64": "https://cloud-images.ubuntu.com/releases/noble/release/ubuntu-24.04-server-cloudimg-arm64.img",
}


class QemuVM(Resource, module="docker-machine", name="QemuVM"):
    ssh_port: pulumi.Output[int]
    docker_port: pulumi.Output[int]
    accel: pulumi.Output[str]
    vm_state: pulumi.Output[str]

    def __init__(self, name: str, props: dict, opts: Optional[pulumi.ResourceOptions] = None) -> None:
        outputs = dict.fromkeys(("ssh_port", "docker_port", "mac", "vm_state"))
        super().__init__(QemuVMProvider(), name, {**outputs, **props}, opts)


@dataclass(frozen=True)
class QemuDriver(Driver):
    name: ClassVar[str] = "qemu"

    memory: int = 2048  # MiB
    cpu_count: int = 1
    disk_size: int = 20000  # MiB: the overlay's size (the guest grows its file system into it)
    image: Optional[str] = None  # a URL (fetched once into the store's cache) or a local qcow2 path; default
    # DEFAULT_IMAGES[arch]
    image_sha256: Optional[str] = None  # default for a URL: the SHA256SUMS published beside it
    kernel: Optional[str] = None  # direct kernel boot, for images without a boot loader
    initrd: Optional[str] = None
    append: Optional[str] = None
    accel: str = "auto"  # auto: KVM (Linux) or HVF (macOS) for a guest of this computer's architecture, else TCG
    arch: Optional[str] = None  # x86_64 or aarch64; default: aarch64 on an arm64 computer, else x86_64
    firmware: Optional[str] = None  # aarch64's UEFI code; default: the distribution's (launch.find_firmware)
    ssh_user: str = "docker"
    state: str = "running"
    storage_path: Optional[str] = None  # the machine store; default MACHINE_STORAGE_PATH or ~/.docker/machine
    boot_timeout: int = 900  # seconds until SSH answers (TCG boots slowly)
    shares: Optional[list[str]] = None  # "HOST[:GUEST][:ro]" each; None: the user's home folder (shares.py)
    no_share: bool = False
    forwards: Optional[list[str]] = None  # "HOST:GUEST" each: static forwards the host agent adds (hostagent/)

    def props(self, machine_name: str, engine_port: int = 2376) -> dict:
        from .launch import default_arch

        store = Path(self.storage_path or default_store_root())
        arch = self.arch or default_arch()
        return {
            "name": machine_name,
            "machine_dir": str(store / "machines" / machine_name),
            "cache_dir": str(store / "cache"),
            "image": self.image or DEFAULT_IMAGES.get(arch, DEFAULT_IMAGE_URL),
            "image_sha256": self.image_sha256,
            "memory": self.memory,
            "cpus": self.cpu_count,
            "disk_size": self.disk_size,
            "kernel": self.kernel,
            "initrd": self.initrd,
            "append": self.append,
            "accel": self.accel,
            "arch": arch,
            "firmware": self.firmware,
            "ssh_user": self.ssh_user,
            "hostname": machine_name,
            "state": self.state,
            "boot_timeout": self.boot_timeout,
            "engine_port": engine_port,
            "shares": resolve_shares(self.shares, self.no_share, self.ssh_user),
            "forwards": list(self.forwards or []),
        }

    def validate(self, machine_name: str) -> None:
        try:
            props = self.props(machine_name)
        except ShareError as err:
            raise DriverArgumentError(f"qemu {err}") from None
        problems = validate(props, require_key=False)
        forward = forward_problem(props["forwards"])
        if forward:
            raise DriverArgumentError(f"qemu {forward}")
        if problems:
            raise DriverArgumentError(f"qemu {problems[0][1]}")

    def create_host(self, machine_name, public_key, engine_port, parent, power="running", force=False) -> MachineHost:
        props = {**self.props(machine_name, engine_port), "public_key": public_key, "state": power, "force_stop": force}
        vm = QemuVM(f"{machine_name}-vm", props, opts=pulumi.ResourceOptions(parent=parent))
        return MachineHost(
            address="127.0.0.1",  # user-mode networking: SSH and Docker forwarded from this machine's loopback
            ssh_user=self.ssh_user,
            ssh_port=vm.ssh_port,
            engine_port=vm.docker_port,
            extra_sans=("localhost",),
            vm=vm,
        )

    def cluster_firewall(self, cluster, members, others, ports, parent) -> list[pulumi.Resource]:
        """None to open: each VM has user-mode networking, reached only through ports forwarded from this
        computer's loopback; qemu has no firewall of its own."""
        return []

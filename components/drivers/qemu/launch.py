"""What a QEMU VM needs from this machine: the programs, the accelerator, free ports, the command line."""

from __future__ import annotations

import os
import secrets
import shutil
from pathlib import Path
from typing import Any

QEMU = "qemu-system-x86_64"
QEMU_IMG = "qemu-img"
INSTALL_HINT = (
    "install QEMU: Debian/Ubuntu 'apt-get install qemu-system-x86 qemu-utils', Fedora "
    "'dnf install qemu-kvm qemu-img', macOS 'brew install qemu'"
)
ACCELS = ("auto", "kvm", "tcg")
PIDFILE, QMP_SOCKET, SERIAL_LOG, DISK, SEED_ISO = "qemu.pid", "qmp.sock", "serial.log", "disk.qcow2", "seed.iso"


class QemuError(RuntimeError):
    pass


def missing_programs() -> list[str]:
    return [program for program in (QEMU, QEMU_IMG) if shutil.which(program) is None]


def kvm_usable() -> bool:
    return os.access("/dev/kvm", os.R_OK | os.W_OK)


def resolve_accel(accel: str) -> str:
    """``auto``: KVM where /dev/kvm can be opened, else TCG (software emulation)."""
    if accel == "auto":
        return "kvm" if kvm_usable() else "tcg"
    return accel


def random_mac() -> str:
    """QEMU's own OUI (52:54:00) with random low bytes."""
    return "52:54:00:" + ":".join(f"{b:02x}" for b in secrets.token_bytes(3))


def option_value(value: str | Path) -> str:
    """A value inside a QEMU option string (``key=value,...``): a comma is written twice."""
    return str(value).replace(",", ",,")


def command_cwd(props: dict[str, Any]) -> Path:
    """Where ``command_line`` runs: the machine's folder (its QMP socket's path is relative to it)."""
    return Path(props["machine_dir"])


def command_line(props: dict[str, Any]) -> list[str]:
    """``qemu-system-x86_64`` daemonized (run in ``command_cwd``): pidfile, QMP socket and serial log in the
    machine's folder; user-mode
    networking forwarding SSH and the Docker port from 127.0.0.1 only. The disk is the machine's overlay on
    the backing chain checked at create (``backing_chain``), every layer given explicitly (backing.py);
    every path inside an option string has its commas doubled (a store path may hold commas)."""
    from .backing import blockdev

    folder = Path(props["machine_dir"])
    forwards = (
        f"hostfwd=tcp:127.0.0.1:{int(props['ssh_port'])}-:22,"
        f"hostfwd=tcp:127.0.0.1:{int(props['docker_port'])}-:{int(props['engine_port'])}"
    )
    args = [
        QEMU,
        "-name",
        option_value(props["name"]),
        "-machine",
        "q35",
        "-accel",
        props["accel"],
        "-m",
        str(int(props["memory"])),
        "-smp",
        str(int(props["cpus"])),
        "-daemonize",
        "-pidfile",
        str(folder / PIDFILE),
        # Relative: QEMU runs in the machine's folder (``command_cwd``), and a unix socket's path may hold
        # 107 bytes at the most, which a deep store path alone can exceed.
        "-chardev",
        f"socket,id=qmp0,path={QMP_SOCKET},server=on,wait=off",
        "-mon",
        "chardev=qmp0,mode=control",
        "-chardev",
        f"file,id=serial0,path={option_value(folder / SERIAL_LOG)}",
        "-serial",
        "chardev:serial0",
        "-display",
        "none",
        "-vga",
        "none",
        "-blockdev",
        blockdev(folder / DISK, props["backing_chain"]),
        # bootindex 1: direct kernel boot takes 0; the firmware boots the disk first otherwise.
        "-device",
        "virtio-blk-pci,drive=disk0,bootindex=1",
        "-drive",
        f"file={option_value(folder / SEED_ISO)},format=raw,media=cdrom,readonly=on",
        "-netdev",
        f"user,id=net0,{forwards}",
        "-device",
        f"virtio-net-pci,netdev=net0,mac={props['mac']}",
        # Entropy from this machine: without it, early reads of /dev/urandom (cloud-init's) stall the guest.
        "-object",
        "rng-random,filename=/dev/urandom,id=rng0",
        "-device",
        "virtio-rng-pci,rng=rng0",
    ]
    if props["accel"] == "kvm":
        args += ["-cpu", "host"]
    if props.get("kernel"):
        args += ["-kernel", props["kernel"]]
        if props.get("initrd"):
            args += ["-initrd", props["initrd"]]
        if props.get("append"):
            args += ["-append", props["append"]]
    return args


def serial_tail(machine_dir: str | Path, lines: int = 40) -> str:
    path = Path(machine_dir) / SERIAL_LOG
    try:
        text = path.read_text(errors="replace")
    except OSError:
        return "(no serial console log)"
    return "\n".join(text.replace("\r", "").splitlines()[-lines:])

"""What a QEMU VM needs from this machine: the programs, the accelerator, free ports, the command line."""

from __future__ import annotations

import os
import platform
import secrets
import shutil
import sys
from pathlib import Path
from typing import Any

QEMU_IMG = "qemu-img"
ARCHS = ("x86_64", "aarch64")
INSTALL_HINTS = {
    "x86_64": "install QEMU: Debian/Ubuntu 'apt-get install qemu-system-x86 qemu-utils', Fedora "
    "'dnf install qemu-kvm qemu-img', macOS 'brew install qemu'",
    "aarch64": "install QEMU: Debian/Ubuntu 'apt-get install qemu-system-arm qemu-efi-aarch64 qemu-utils', Fedora "
    "'dnf install qemu-system-aarch64 edk2-aarch64 qemu-img', macOS 'brew install qemu'",
}
FIRMWARE_HINT = (
    "no UEFI firmware for aarch64 found: Debian/Ubuntu 'apt-get install qemu-efi-aarch64', Fedora "
    "'dnf install edk2-aarch64', macOS 'brew install qemu', or give --qemu-firmware PATH"
)
ACCELS = ("auto", "kvm", "hvf", "tcg")
PIDFILE, QMP_SOCKET, SERIAL_LOG, DISK, SEED_ISO = "qemu.pid", "qmp.sock", "serial.log", "disk.qcow2", "seed.iso"
KVM_DEVICE = "/dev/kvm"
EFI_VARS = "efi-vars.fd"  # the machine's own UEFI variable store (aarch64), beside its disk
SYSTEM_FIRMWARE = (
    "/usr/share/AAVMF/AAVMF_CODE.fd",  # Debian/Ubuntu qemu-efi-aarch64, Fedora edk2-aarch64
    "/usr/share/edk2/aarch64/QEMU_CODE.fd",  # Arch edk2-aarch64
    "/usr/share/edk2/aarch64/QEMU_EFI-pflash.raw",  # Fedora edk2-aarch64
    "/usr/share/qemu-efi-aarch64/QEMU_EFI.fd",  # Debian/Ubuntu, unpadded: loaded with -bios
)
PFLASH_SIZE = 64 * 1024 * 1024  # each flash bank of the virt machine; a smaller firmware file is loaded with -bios


class QemuError(RuntimeError):
    pass


def host_arch() -> str:
    machine = platform.machine().lower()
    return {"arm64": "aarch64", "amd64": "x86_64"}.get(machine, machine)


def host_os() -> str:
    """``sys.platform``, read at each call (a variable, so mypy checks every platform's branch)."""
    return str(sys.platform)


def default_arch() -> str:
    """The guest's architecture when none is given: this computer's where QEMU can run it natively."""
    return "aarch64" if host_arch() == "aarch64" else "x86_64"


def qemu_program(arch: str | None) -> str:
    return f"qemu-system-{arch or 'x86_64'}"


def missing_programs(arch: str = "x86_64") -> list[str]:
    return [program for program in (qemu_program(arch), QEMU_IMG) if shutil.which(program) is None]


def kvm_usable(arch: str = "x86_64") -> bool:
    return host_os().startswith("linux") and host_arch() == arch and os.access(KVM_DEVICE, os.R_OK | os.W_OK)


def hvf_usable(arch: str) -> bool:
    return host_os() == "darwin" and host_arch() == arch


def resolve_accel(accel: str, arch: str = "x86_64") -> str:
    """``auto``: KVM where /dev/kvm can be opened, HVF on macOS, when this computer's architecture is the guest's;
    else TCG (software emulation)."""
    if accel == "auto":
        return "kvm" if kvm_usable(arch) else "hvf" if hvf_usable(arch) else "tcg"
    return accel


def accel_problem(accel: str, arch: str) -> str | None:
    """Why ``accel`` cannot run an ``arch`` guest on this computer, in one line; None when it can."""
    if accel == "hvf" and not hvf_usable(arch):
        if host_os() != "darwin":
            return "accel hvf is macOS's Hypervisor.framework: use --qemu-accel kvm or tcg here"
        return f"accel hvf runs only {host_arch()} guests on this Mac, not {arch}: use --qemu-accel tcg"
    if accel == "kvm" and not kvm_usable(arch):
        if not host_os().startswith("linux"):
            return f"accel kvm is Linux's: use --qemu-accel {'hvf' if hvf_usable(arch) else 'tcg'} here"
        if host_arch() != arch:
            return f"accel kvm runs only {host_arch()} guests on this computer, not {arch}: use --qemu-accel tcg"
        return (
            "accel kvm needs /dev/kvm, which cannot be opened here: load the kvm module, join the kvm group, "
            "or use --qemu-accel tcg"
        )
    return None


def firmware_candidates(arch: str) -> list[Path]:
    """Where distributions put the UEFI code for ``arch`` (x86_64 guests boot with QEMU's own SeaBIOS: none)."""
    if arch != "aarch64":
        return []
    found: list[Path] = [Path.home() / ".local/share/qemu/edk2-aarch64-code.fd"]
    program = shutil.which(qemu_program(arch))
    if program:  # Homebrew and other prefixes: PREFIX/bin/qemu-system-aarch64 beside PREFIX/share/qemu
        found.append(Path(program).parent.parent / "share/qemu/edk2-aarch64-code.fd")
    return found + [Path(path) for path in SYSTEM_FIRMWARE]


def find_firmware(arch: str) -> str | None:
    for path in firmware_candidates(arch):
        if path.is_file() and os.access(path, os.R_OK):
            return str(path)
    return None


def prepare_efi_vars(machine_dir: Path, firmware: str) -> None:
    """The machine's writable UEFI variable store for a flash-sized firmware: an empty (sparse) bank the
    firmware formats at first boot, kept across boots."""
    if os.path.getsize(firmware) != PFLASH_SIZE:
        return
    path = machine_dir / EFI_VARS
    if not path.exists():
        with open(path, "xb") as handle:
            handle.truncate(PFLASH_SIZE)


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
    """``qemu-system-ARCH`` daemonized (run in ``command_cwd``): pidfile, QMP socket and serial log in the
    machine's folder; user-mode networking forwarding SSH and the Docker port from 127.0.0.1 only. The disk
    is the machine's overlay on the backing chain checked at create (``backing_chain``), every layer given
    explicitly (backing.py); every path inside an option string has its commas doubled (a store path may
    hold commas). x86_64: the q35 machine, SeaBIOS, the seed on its IDE CD drive. aarch64: the virt machine
    (no IDE, no VGA), UEFI firmware (``firmware``: flash-sized code read-only plus the machine's own
    variable store, or a smaller image with -bios), the seed on a virtio-scsi CD drive as Lima attaches it.
    Shared folders: one ``-virtfs`` each (shares.py)."""
    from .backing import blockdev
    from .shares import virtfs_args

    folder = Path(props["machine_dir"])
    arch = props.get("arch") or "x86_64"
    accel = props["accel"]
    forwards = (
        f"hostfwd=tcp:127.0.0.1:{int(props['ssh_port'])}-:22,"
        f"hostfwd=tcp:127.0.0.1:{int(props['docker_port'])}-:{int(props['engine_port'])}"
    )
    seed = option_value(folder / SEED_ISO)
    if arch == "aarch64":
        # GICv3 or newer beyond 8 vCPUs under KVM and TCG; HVF: the virt default, as Lima and Podman run it.
        machine = "virt" if accel == "hvf" else "virt,gic-version=max"
        board: list[str] = []
        seed_drive = [
            "-drive",
            f"id=seed0,if=none,file={seed},format=raw,media=cdrom,readonly=on",
            "-device",
            "virtio-scsi-pci,id=scsi0",
            "-device",
            "scsi-cd,bus=scsi0.0,drive=seed0",
        ]
    else:
        machine = "q35"
        board = ["-vga", "none"]
        seed_drive = ["-drive", f"file={seed},format=raw,media=cdrom,readonly=on"]
    args = [
        qemu_program(arch),
        "-name",
        option_value(props["name"]),
        "-machine",
        machine,
        "-accel",
        accel,
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
        *board,
        *firmware_args(props, folder),
        "-blockdev",
        blockdev(folder / DISK, props["backing_chain"]),
        # bootindex 1: direct kernel boot takes 0; the firmware boots the disk first otherwise.
        "-device",
        "virtio-blk-pci,drive=disk0,bootindex=1",
        *seed_drive,
        "-netdev",
        f"user,id=net0,{forwards}",
        "-device",
        f"virtio-net-pci,netdev=net0,mac={props['mac']}",
        # Entropy from this machine: without it, early reads of /dev/urandom (cloud-init's) stall the guest.
        "-object",
        "rng-random,filename=/dev/urandom,id=rng0",
        "-device",
        "virtio-rng-pci,rng=rng0",
        *virtfs_args(props.get("shares") or []),
    ]
    if accel in ("kvm", "hvf"):
        args += ["-cpu", "host"]
    elif arch == "aarch64":
        args += ["-cpu", "max"]  # virt's default CPU is a 32-bit Cortex-A15
    if props.get("kernel"):
        args += ["-kernel", props["kernel"]]
        if props.get("initrd"):
            args += ["-initrd", props["initrd"]]
        if props.get("append"):
            args += ["-append", props["append"]]
    return args


def firmware_args(props: dict[str, Any], folder: Path) -> list[str]:
    """aarch64's UEFI: a flash-sized image as read-only code plus the machine's variable store
    (``prepare_efi_vars``), a smaller one with -bios; x86_64: none (QEMU's own SeaBIOS)."""
    firmware = props.get("firmware")
    if (props.get("arch") or "x86_64") != "aarch64" or not firmware:
        return []
    if os.path.getsize(firmware) != PFLASH_SIZE:
        return ["-bios", str(firmware)]
    return [
        "-drive",
        f"if=pflash,format=raw,readonly=on,file={option_value(firmware)}",
        "-drive",
        f"if=pflash,format=raw,file={option_value(folder / EFI_VARS)}",
    ]


def serial_tail(machine_dir: str | Path, lines: int = 40) -> str:
    path = Path(machine_dir) / SERIAL_LOG
    try:
        text = path.read_text(errors="replace")
    except OSError:
        return "(no serial console log)"
    return "\n".join(text.replace("\r", "").splitlines()[-lines:])

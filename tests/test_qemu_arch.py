"""The qemu driver's guest architectures and accelerators without booting: the full command lines (x86_64 under
TCG and KVM, aarch64 under TCG, aarch64 under HVF as on an Apple Silicon Mac), the pre-create refusals, and
qemu-system-aarch64 itself accepting the aarch64 command line (started stopped, then told to quit)."""

from __future__ import annotations

import json
import os
import platform
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from pulumi_docker_machine.components.drivers import qemu
from pulumi_docker_machine.components.drivers.info import PreCreateCheckError
from pulumi_docker_machine.components.drivers.qemu import launch
from pulumi_docker_machine.components.drivers.qemu.driver import QemuDriver
from pulumi_docker_machine.components.drivers.qemu.provider import QemuVMProvider, launch as launch_vm
from pulumi_docker_machine.components.drivers.qemu.qmp import qmp
from tests.conftest import require

SCRIPT = str(Path(sys.executable).parent / "docker-machine")
PFLASH = launch.PFLASH_SIZE


def host(monkeypatch, system: str, machine: str) -> None:
    monkeypatch.setattr(sys, "platform", system)
    monkeypatch.setattr(platform, "machine", lambda: machine)


def sparse(path: Path, size: int) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as handle:
        handle.truncate(size)
    return path


def props(tmp_path: Path, **extra) -> dict:
    folder = tmp_path / "store" / "machines" / "dev"
    base = {
        **QemuDriver(image=str(tmp_path / "base.qcow2"), storage_path=str(tmp_path / "store"), no_share=True).props(
            "dev"
        ),
        "public_key": "ssh-ed25519 AAAA test",
        "ssh_port": 40022,
        "docker_port": 42376,
        "mac": "52:54:00:12:34:56",
        "backing_chain": [{"path": str(tmp_path / "base.qcow2"), "format": "qcow2"}],
    }
    assert base["machine_dir"] == str(folder)
    return {**base, **extra}


def common(folder: str, program: str, machine: str, accel: str) -> list[str]:
    return [
        program,
        "-name",
        "dev",
        "-machine",
        machine,
        "-accel",
        accel,
        "-m",
        "2048",
        "-smp",
        "1",
        "-daemonize",
        "-pidfile",
        f"{folder}/qemu.pid",
        "-chardev",
        "socket,id=qmp0,path=qmp.sock,server=on,wait=off",
        "-mon",
        "chardev=qmp0,mode=control",
        "-chardev",
        f"file,id=serial0,path={folder}/serial.log",
        "-serial",
        "chardev:serial0",
        "-display",
        "none",
    ]


def tail(folder: str, seed: list[str]) -> list[str]:
    return [
        "-device",
        "virtio-blk-pci,drive=disk0,bootindex=1",
        *seed,
        "-netdev",
        "user,id=net0,hostfwd=tcp:127.0.0.1:40022-:22,hostfwd=tcp:127.0.0.1:42376-:2376",
        "-device",
        "virtio-net-pci,netdev=net0,mac=52:54:00:12:34:56",
        "-object",
        "rng-random,filename=/dev/urandom,id=rng0",
        "-device",
        "virtio-rng-pci,rng=rng0",
    ]


def split_disk(args: list[str]) -> tuple[list[str], dict]:
    """The command line with its -blockdev JSON taken out (test_qemu_driver checks the JSON itself)."""
    at = args.index("-blockdev")
    return args[:at] + args[at + 2 :], json.loads(args[at + 1])


@pytest.mark.parametrize("accel", ["tcg", "kvm"])
def test_x86_64_command_line_in_full(tmp_path, monkeypatch, accel):
    host(monkeypatch, "linux", "x86_64")
    p = props(tmp_path, accel=accel)
    assert p["arch"] == "x86_64" and p["image"] == str(tmp_path / "base.qcow2") and p["firmware"] is None
    folder = p["machine_dir"]
    args, disk = split_disk(launch.command_line(p))
    cdrom = ["-drive", f"file={folder}/seed.iso,format=raw,media=cdrom,readonly=on"]
    expected = common(folder, "qemu-system-x86_64", "q35", accel) + ["-vga", "none"] + tail(folder, cdrom)
    assert args == expected + (["-cpu", "host"] if accel == "kvm" else [])
    assert disk["file"]["filename"] == f"{folder}/disk.qcow2"


def test_aarch64_tcg_command_line_in_full_with_flash_firmware_and_its_own_variable_store(tmp_path, monkeypatch):
    host(monkeypatch, "linux", "x86_64")
    code = sparse(tmp_path / "fw" / "AAVMF_CODE.fd", PFLASH)
    p = props(tmp_path, arch="aarch64", accel="tcg", firmware=str(code))
    folder = p["machine_dir"]
    args, _ = split_disk(launch.command_line(p))
    firmware = [
        "-drive",
        f"if=pflash,format=raw,readonly=on,file={code}",
        "-drive",
        f"if=pflash,format=raw,file={folder}/efi-vars.fd",
    ]
    seed = [
        "-drive",
        f"id=seed0,if=none,file={folder}/seed.iso,format=raw,media=cdrom,readonly=on",
        "-device",
        "virtio-scsi-pci,id=scsi0",
        "-device",
        "scsi-cd,bus=scsi0.0,drive=seed0",
    ]
    expected = common(folder, "qemu-system-aarch64", "virt,gic-version=max", "tcg") + firmware + tail(folder, seed)
    assert args == expected + ["-cpu", "max"]
    assert "-vga" not in args and not any("media=cdrom" in a and "if=none" not in a for a in args), "virt has no IDE"

    Path(folder).mkdir(parents=True)
    launch.prepare_efi_vars(Path(folder), str(code))
    vars_file = Path(folder) / "efi-vars.fd"
    assert vars_file.stat().st_size == PFLASH and vars_file.stat().st_blocks == 0, "sparse, flash-sized"
    vars_file.write_bytes(b"kept")
    launch.prepare_efi_vars(Path(folder), str(code))
    assert vars_file.read_bytes() == b"kept", "the machine's variables survive a restart"

    small = sparse(tmp_path / "fw" / "QEMU_EFI.fd", 2 * 1024 * 1024)  # Debian's unpadded image: -bios
    args = launch.command_line({**p, "firmware": str(small)})
    assert args[args.index("-bios") + 1] == str(small) and not any("pflash" in a for a in args)


def test_aarch64_on_an_apple_silicon_mac_is_the_default_and_runs_under_hvf(tmp_path, monkeypatch):
    host(monkeypatch, "darwin", "arm64")
    brew = tmp_path / "homebrew"
    for program in ("qemu-system-aarch64", "qemu-img"):
        sparse(brew / "bin" / program, 0).chmod(0o755)
    code = sparse(brew / "share" / "qemu" / "edk2-aarch64-code.fd", PFLASH)
    monkeypatch.setenv("PATH", str(brew / "bin"))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))

    settled = qemu.check({"accel": "auto"})
    assert settled == {"accel": "hvf", "arch": "aarch64", "firmware": str(code), "shares": []}  # no home folder
    driver = QemuDriver(**settled, image=str(tmp_path / "base.qcow2"), storage_path=str(tmp_path / "store"))
    p = {**props(tmp_path), **driver.props("dev")}
    assert QemuDriver(storage_path=str(tmp_path)).props("dev")["image"].endswith("-server-cloudimg-arm64.img")
    folder = p["machine_dir"]
    args, _ = split_disk(launch.command_line(p))
    assert args[: len(common(folder, "", "", ""))] == common(folder, "qemu-system-aarch64", "virt", "hvf")
    assert args[-2:] == ["-cpu", "host"]
    assert f"if=pflash,format=raw,readonly=on,file={code}" in args


@pytest.mark.parametrize(
    "system, machine, options, message",
    [
        ("linux", "x86_64", {"accel": "hvf"}, "accel hvf is macOS's Hypervisor.framework: use --qemu-accel kvm or tcg"),
        ("darwin", "arm64", {"accel": "hvf", "arch": "x86_64"}, "accel hvf runs only aarch64 guests on this Mac"),
        ("linux", "x86_64", {"accel": "kvm", "arch": "aarch64"}, "accel kvm runs only x86_64 guests"),
        ("linux", "x86_64", {"accel": "kvm"}, "accel kvm needs /dev/kvm, which cannot be opened here"),
        ("darwin", "arm64", {"accel": "kvm"}, "accel kvm is Linux's: use --qemu-accel hvf here"),
        ("linux", "x86_64", {"arch": "aarch64"}, "no UEFI firmware for aarch64 found: Debian/Ubuntu 'apt-get install"),
    ],
)
def test_an_accelerator_or_firmware_that_cannot_work_here_is_refused_in_one_line(
    tmp_path, monkeypatch, system, machine, options, message
):
    host(monkeypatch, system, machine)
    for program in ("qemu-system-x86_64", "qemu-system-aarch64", "qemu-img"):
        sparse(tmp_path / "bin" / program, 0).chmod(0o755)
    monkeypatch.setenv("PATH", str(tmp_path / "bin"))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setattr(launch, "KVM_DEVICE", str(tmp_path / "no-kvm"))
    monkeypatch.setattr(launch, "SYSTEM_FIRMWARE", ())
    with pytest.raises(PreCreateCheckError) as raised:
        qemu.check({"accel": "auto", **options})
    assert message in str(raised.value) and "\n" not in str(raised.value)


def test_the_installed_command_refuses_hvf_on_linux_with_exit_3_and_makes_nothing(tmp_path):
    store = tmp_path / "store"
    sparse(tmp_path / "x.qcow2", 0)
    done = subprocess.run(
        [SCRIPT, "create", "-d", "qemu", "--qemu-accel", "hvf", "--qemu-image", str(tmp_path / "x.qcow2"), "dev"],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "MACHINE_STORAGE_PATH": str(store)},
    )
    assert done.returncode == 3, done.stderr
    assert "accel hvf is macOS's Hypervisor.framework" in done.stderr and "Traceback" not in done.stderr
    assert not (store / "machines" / "dev").exists()


def test_machines_made_before_arch_existed_are_not_replaced(tmp_path):
    provider, new = QemuVMProvider(), props(tmp_path, accel="tcg")
    old = {k: v for k, v in new.items() if k not in ("arch", "firmware")}
    assert not provider.diff("dev", old, new).changes
    assert provider.diff("dev", old, {**new, "arch": "aarch64"}).replaces == ["arch"]


def test_create_help_lists_the_arch_and_firmware_flags_with_their_variables():
    done = subprocess.run([SCRIPT, "create", "-d", "qemu", "--help"], capture_output=True, text=True, timeout=60)
    for text in ("--qemu-arch", "QEMU_ARCH", "--qemu-firmware", "QEMU_FIRMWARE", "kvm, hvf or tcg"):
        assert text in done.stdout, text


@pytest.mark.parametrize("arch", ["aarch64", "x86_64"])
def test_qemu_accepts_the_command_line_it_is_given(tmp_path, arch):
    """QEMU run with the built command line, stopped before the first instruction (-S): -daemonize returns 0 only
    once every option parsed and the machine was built; then QMP quit."""
    package = {"aarch64": "qemu-system-arm", "x86_64": "qemu-system-x86"}[arch]
    needed = {f"qemu-system-{arch}": package, "qemu-img": "qemu-utils"}
    require([f"{tool} (Debian package {pkg})" for tool, pkg in needed.items() if not shutil.which(tool)], "qemu")
    img = subprocess.run(
        ["qemu-img", "create", "-q", "-f", "qcow2", str(tmp_path / "base.qcow2"), "64M"], capture_output=True
    )
    assert img.returncode == 0, img.stderr
    extra = {"arch": arch, "accel": "tcg"}
    if arch == "aarch64":
        extra["firmware"] = str(sparse(tmp_path / "code.fd", PFLASH))
    p = props(tmp_path, **extra)
    folder = Path(p["machine_dir"])
    folder.mkdir(parents=True)
    subprocess.run(
        ["qemu-img", "create", "-q", "-f", "qcow2", "-F", "qcow2", "-b", str(tmp_path / "base.qcow2")]
        + [str(folder / "disk.qcow2"), "1G"],
        check=True,
    )
    (folder / "seed.iso").write_bytes(b"\0" * 2048)
    if arch == "aarch64":
        launch.prepare_efi_vars(folder, extra["firmware"])
    args = launch.command_line(p) + ["-S"]
    try:
        done = subprocess.run(args, capture_output=True, text=True, timeout=20, cwd=launch.command_cwd(p))
        assert done.returncode == 0, done.stderr
        assert qmp(folder / "qmp.sock", "query-status")["status"] == "prelaunch"
        qmp(folder / "qmp.sock", "quit")
        deadline = time.monotonic() + 5
        while (folder / "qemu.pid").exists() and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        try:  # QEMU removes its pidfile as it quits
            pid = (folder / "qemu.pid").read_text().strip()
        except FileNotFoundError:
            pid = ""
        if pid:
            subprocess.run(["kill", "-9", pid], capture_output=True)
    assert not (folder / "qemu.pid").exists(), "QEMU quit (it removes its pidfile)"


def test_a_missing_firmware_at_boot_is_one_line_naming_the_package(tmp_path, monkeypatch):
    p = props(tmp_path, arch="aarch64", accel="tcg", firmware=None)
    monkeypatch.setattr(
        "pulumi_docker_machine.components.drivers.qemu.provider.disk_chain", lambda outs: outs["backing_chain"]
    )
    with pytest.raises(launch.QemuError, match="apt-get install qemu-efi-aarch64"):
        launch_vm(p)

"""An arm64 guest booted through the qemu provider under TCG until its sshd answers: qemu-system-aarch64's virt
machine, the distribution's UEFI firmware (found where the driver looks by default), Debian's arm64 kernel and
an initramfs whose /init starts sshd (tests/images/build-arm64-image.sh). No engine: the provider itself,
create -> a real SSH handshake on the forwarded port -> Running through QMP -> delete -> no QEMU left.

Slow: every guest instruction (UEFI, then the kernel) is emulated: ~13 s and ~12 CPU-s of QEMU from create to
sshd's banner on this 2-core machine (the image build, once per version of its script: ~40 s)."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from pulumi_docker_machine.components.drivers.qemu.launch import find_firmware
from pulumi_docker_machine.components.drivers.qemu.provider import QemuVMProvider, vm_state
from tests.conftest import require
from tests.test_qemu_real import qemu_processes

pytestmark = [pytest.mark.qemu]

BUILD_SCRIPT = Path(__file__).parent / "images" / "build-arm64-image.sh"
APPEND = "console=ttyAMA0 rdinit=/init"
BOOT_TIMEOUT = 300  # 20 times what it takes here alone: CI runs it beside other workers


@pytest.fixture(scope="session")
def arm64_image() -> Path:
    """The guest from tests/images/build-arm64-image.sh, cached per version of the script."""
    tools = ("qemu-system-aarch64", "qemu-img", "debootstrap", "dpkg-deb", "readelf", "busybox", "ssh-keyscan")
    missing = [f"command {tool}" for tool in tools if not shutil.which(tool)]
    missing += [] if os.geteuid() == 0 else ["root (debootstrap)"]
    missing += [] if find_firmware("aarch64") else ["UEFI firmware for aarch64 (Debian package qemu-efi-aarch64)"]
    require(missing, "the arm64 boot test")
    version = hashlib.sha256(BUILD_SCRIPT.read_bytes()).hexdigest()[:12]
    cache = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "pulumi-docker-machine" / "arm64-image"
    folder = cache / version
    started = time.monotonic()
    done = subprocess.run(["bash", str(BUILD_SCRIPT), str(folder)], capture_output=True, text=True, timeout=1800)
    assert done.returncode == 0, done.stdout + done.stderr
    if time.monotonic() - started > 5:
        print(f"built the arm64 test image in {time.monotonic() - started:.0f} s")
    return folder


def test_an_arm64_guest_boots_under_tcg_until_sshd_answers(arm64_image, tmp_path):
    store = tmp_path / "store"
    folder = store / "machines" / "arm"
    props = {
        "name": "arm",
        "machine_dir": str(folder),
        "cache_dir": str(store / "cache"),
        "image": str(arm64_image / "disk.qcow2"),
        "image_sha256": None,
        "memory": 512,
        "cpus": 1,
        "disk_size": 2000,  # the driver's least; the overlay stays as small as the guest leaves it
        "kernel": str(arm64_image / "Image"),
        "initrd": str(arm64_image / "initramfs.gz"),
        "append": APPEND,
        "accel": "tcg",
        "arch": "aarch64",
        "firmware": None,  # the product's default: find_firmware's distribution path
        "ssh_user": "docker",
        "hostname": "arm",
        "state": "running",
        "boot_timeout": BOOT_TIMEOUT,
        "engine_port": 2376,
        "public_key": "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIDmtest arm64",
    }
    provider = QemuVMProvider()
    checked = provider.check({}, props)
    assert checked.failures == []
    props = checked.inputs
    outs = props
    started = time.monotonic()
    try:
        outs = provider.create(props).outs
        booted = time.monotonic() - started
        assert outs["firmware"] == find_firmware("aarch64") and outs["accel"] == "tcg"
        assert outs["vm_state"] == "Running"
        scan = subprocess.run(
            ["ssh-keyscan", "-T", "30", "-t", "ed25519", "-p", str(outs["ssh_port"]), "127.0.0.1"],
            capture_output=True,
            text=True,
            timeout=60,
        )
        expected = (arm64_image / "ssh_host_ed25519_key.pub").read_text().split()[:2]
        found = [line.split()[1:3] for line in scan.stdout.splitlines() if not line.startswith("#")]
        assert found == [expected], scan.stdout + scan.stderr
        assert vm_state(folder) == "Running"
        pid = int((folder / "qemu.pid").read_text())
        assert pid in qemu_processes(folder)
        with open(f"/proc/{pid}/stat") as handle:
            fields = handle.read().rsplit(")", 1)[1].split()
        cpu = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime
        print(f"arm64 under TCG: sshd answered {booted:.0f} s after create; QEMU used {cpu:.0f} CPU-s")
    except BaseException:
        log = folder / "serial.log"
        print(log.read_text(errors="replace")[-5000:] if log.exists() else "(no serial log)")
        raise
    finally:
        provider.delete("arm", outs)
    # QEMU and the host agent: the agent may take a moment to exit after removing its pidfile.
    deadline = time.monotonic() + 10
    while qemu_processes(folder) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert qemu_processes(folder) == [] and not (folder / "disk.qcow2").exists()
    assert vm_state(folder) == "Stopped"

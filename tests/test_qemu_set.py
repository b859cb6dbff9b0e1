"""docker-machine set on the qemu provider: CPUs and memory change in place (stop, change, start a running VM),
the disk only grows (qemu-img resize of the overlay while QEMU is stopped; data kept), a shrink is refused.
Real qemu-img and qemu-io on a small overlay; no VM: QEMU's start and stop are recorded instead."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from pulumi_docker_machine.components.drivers import growroot
from pulumi_docker_machine.components.drivers.qemu import provider as qemu_provider
from pulumi_docker_machine.components.drivers.qemu.launch import DISK
from pulumi_docker_machine.components.drivers.qemu.provider import QemuError, QemuVMProvider
from pulumi_docker_machine.components.drivers.seed import SeedConfig, documents
from tests.test_qemu_driver import props

MIB = 1024 * 1024


def overlay(tmp_path: Path, disk_mib: int) -> dict:
    """A machine's folder with a real qcow2 overlay of ``disk_mib`` on a small base, 64 KiB of 0xab written."""
    old = props(tmp_path, disk_size=disk_mib, state="stopped")
    base = Path(old["image"])
    base.unlink()
    subprocess.run(["qemu-img", "create", "-q", "-f", "qcow2", str(base), "8M"], check=True)
    machine_dir = Path(old["machine_dir"])
    machine_dir.mkdir(parents=True)
    disk = machine_dir / DISK
    subprocess.run(
        ["qemu-img", "create", "-q", "-f", "qcow2", "-F", "qcow2", "-b", str(base), str(disk), f"{disk_mib}M"],
        check=True,
    )
    subprocess.run(["qemu-io", "-f", "qcow2", "-c", "write -q -P 0xab 1M 64k", str(disk)], check=True)
    return old


def virtual_size(disk: Path) -> int:
    info = subprocess.run(["qemu-img", "info", "--output=json", str(disk)], check=True, capture_output=True, text=True)
    return int(json.loads(info.stdout)["virtual-size"])


@pytest.fixture
def power(monkeypatch) -> list[str]:
    """QEMU's stop and start, recorded (with the disk's size when each ran) instead of run."""
    calls: list[str] = []

    def stop(machine_dir: Path, graceful: bool = True) -> None:
        calls.append(f"stop {virtual_size(machine_dir / DISK) // MIB}")

    def start(outs: dict) -> dict:
        calls.append(f"start {virtual_size(Path(outs['machine_dir']) / DISK) // MIB} {outs['memory']}")
        return outs

    monkeypatch.setattr(qemu_provider, "stop", stop)
    monkeypatch.setattr(qemu_provider, "start", start)
    monkeypatch.setattr(qemu_provider, "vm_state", lambda machine_dir: "Stopped")
    return calls


def test_a_larger_disk_is_an_update_in_place_and_a_smaller_one_is_refused(tmp_path):
    provider, old = QemuVMProvider(), props(tmp_path, disk_size=3000)
    grow = provider.diff("dev", old, {**old, "disk_size": 5000})
    assert grow.changes and not grow.replaces
    assert not provider.check(old, {**old, "disk_size": 5000}).failures
    [failure] = provider.check(old, {**old, "disk_size": 2500}).failures
    assert failure.property == "disk_size"
    assert "can only grow: 2500 MiB is less than the machine's 3000 MiB" in failure.reason


def test_a_stopped_machine_grows_its_overlay_keeps_its_data_and_stays_stopped(tmp_path, power):
    old = overlay(tmp_path, 20)
    disk = Path(old["machine_dir"]) / DISK
    outs = QemuVMProvider().update("dev", old, {**old, "disk_size": 40}).outs
    assert virtual_size(disk) == 40 * MIB
    assert outs["disk_size"] == 40 and outs["vm_state"] == "Stopped"
    assert power == ["stop 20"]  # stop is a no-op without a QEMU; nothing started
    read = subprocess.run(["qemu-io", "-f", "qcow2", "-c", "read -q -P 0xab 1M 64k", str(disk)], capture_output=True)
    assert read.returncode == 0 and b"Pattern verification failed" not in read.stdout + read.stderr


def test_a_running_machine_is_stopped_resized_and_started_with_its_new_memory(tmp_path, power):
    old = {**overlay(tmp_path, 20), "state": "running"}
    QemuVMProvider().update("dev", old, {**old, "disk_size": 48, "memory": 1280})
    assert power == ["stop 20", "start 48 1280"]


def test_memory_and_cpus_on_a_running_machine_stop_and_start_it_and_keep_its_ports(tmp_path, power):
    old = {**overlay(tmp_path, 20), "state": "running"}
    outs = QemuVMProvider().update("dev", old, {**old, "cpus": 2, "ssh_port": 1, "docker_port": 2}).outs
    assert power == ["stop 20", "start 20 2048"]
    assert (outs["cpus"], outs["ssh_port"], outs["docker_port"]) == (2, 40022, 42376)


def test_memory_on_a_stopped_machine_is_only_recorded(tmp_path, power):
    old = overlay(tmp_path, 20)
    outs = QemuVMProvider().update("dev", old, {**old, "memory": 1280}).outs
    assert outs["memory"] == 1280 and power == ["stop 20"]


def test_the_disk_is_never_shrunk_nor_resized_under_a_running_qemu(tmp_path, monkeypatch):
    old = overlay(tmp_path, 20)
    machine_dir = Path(old["machine_dir"])
    with pytest.raises(QemuError, match="can only grow: 10 MiB is less than the machine's 20 MiB"):
        qemu_provider.grow_disk(machine_dir, 20, 10)
    monkeypatch.setattr(qemu_provider, "_pid", lambda folder: 4242)
    with pytest.raises(QemuError, match="only be resized while QEMU is stopped"):
        qemu_provider.grow_disk(machine_dir, 20, 30)
    assert virtual_size(machine_dir / DISK) == 20 * MIB


def test_the_seed_writes_and_enables_the_boot_time_grow_step():
    config = SeedConfig(hostname="dev", ssh_user="docker", public_key="ssh-ed25519 AAAA", instance_id="i", nat_mac="m")
    user_data = json.loads(documents(config)["user-data"].split("\n", 1)[1])
    files = {entry["path"]: entry for entry in user_data["write_files"]}
    assert files[growroot.SCRIPT_PATH]["permissions"] == "0755"
    assert f"ExecStart={growroot.SCRIPT_PATH}" in files[f"/etc/systemd/system/{growroot.UNIT}"]["content"]
    assert ["systemctl", "enable", growroot.UNIT] in user_data["runcmd"]


def grow_script(tmp_path: Path, fstype: str, partition: bool, growpart: bool) -> list[str]:
    """The grow script run against a fake /sys and fake tools on PATH: the commands it runs."""
    bin_dir, log = tmp_path / "bin", tmp_path / "log"
    bin_dir.mkdir()
    sys_dev = tmp_path / "sys" / "devices" / "vda"
    node = sys_dev / "vda1" if partition else sys_dev
    node.mkdir(parents=True)
    if partition:
        (node / "partition").write_text("1\n")
    (tmp_path / "sys" / "254:1").symlink_to(node)
    tools = {
        "mountpoint": "echo 254:1",
        "findmnt": f"echo {fstype}",
        "readlink": f'[ "$2" = /sys/dev/block/254:1 ] && echo {node}',
    }
    for tool in ("growpart", "resize2fs", "xfs_growfs", "btrfs") if growpart else ("resize2fs", "xfs_growfs"):
        tools[tool] = f'echo "{tool} $*" >>{log}'
    for tool, body in tools.items():
        (bin_dir / tool).write_text(f"#!/bin/sh\n{body}\n")
        (bin_dir / tool).chmod(0o755)
    script = tmp_path / "growroot"
    script.write_text(growroot.SCRIPT)
    path = f"{bin_dir}:/usr/bin:/bin"
    subprocess.run(["/bin/sh", str(script)], check=True, env={"PATH": path}, cwd=tmp_path)
    return log.read_text().splitlines() if log.exists() else []


@pytest.mark.parametrize(
    "fstype, partition, growpart, ran",
    [
        ("ext4", False, True, ["resize2fs /dev/vda"]),  # the test image: ext4 on the whole disk
        ("ext4", True, True, ["growpart /dev/vda 1", "resize2fs /dev/vda1"]),  # Ubuntu's cloud image
        ("xfs", True, False, ["xfs_growfs /"]),  # no cloud-guest-utils: the file system only
        ("vfat", False, True, []),
    ],
)
def test_the_grow_script_grows_the_partition_then_the_file_system(tmp_path, fstype, partition, growpart, ran):
    assert grow_script(tmp_path, fstype, partition, growpart) == ran


def test_new_static_forwards_restart_the_host_agent_not_the_vm(tmp_path, power, monkeypatch):
    monkeypatch.setattr(qemu_provider, "stop_agent", lambda machine_dir: power.append("stop agent"))
    old = {**overlay(tmp_path, 20), "state": "running"}
    change = QemuVMProvider().diff("dev", old, {**old, "forwards": ["8080:80"]})
    assert change.changes and not change.replaces
    assert (
        not QemuVMProvider()
        .diff("dev", {k: v for k, v in old.items() if k != "forwards"}, {**old, "forwards": []})
        .changes
    )
    QemuVMProvider().update("dev", old, {**old, "forwards": ["8080:80"]})
    assert power == ["stop agent", "start 20 2048"]


def test_the_local_vm_providers_refuse_the_same_non_whole_numbers():
    from pulumi_docker_machine.components.drivers.libvirt.provider import validate as libvirt_validate
    from pulumi_docker_machine.components.drivers.localvm import below_minimum

    minimums = (("memory", 256), ("cpus", 1))
    assert below_minimum({"memory": 1024.0, "cpus": 2}, minimums) == []
    refused = below_minimum({"memory": 255, "cpus": True}, minimums)
    assert refused == [
        ("memory", "memory must be a whole number of at least 256, not 255"),
        ("cpus", "cpus must be a whole number of at least 1, not True"),
    ]
    assert [key for key, _ in below_minimum({"memory": 512.5, "cpus": "2"}, minimums)] == ["memory", "cpus"]
    assert [key for key, _ in below_minimum({"memory": float("inf"), "cpus": float("nan")}, minimums)] == [
        "memory",
        "cpus",
    ]
    assert ("cpus", "cpus must be a whole number of at least 1, not True") in libvirt_validate({"cpus": True})
    assert ("cpus", "cpus must be a whole number of at least 1, not True") in qemu_provider.validate({"cpus": True})

"""qemu: a base image's backing chain (the class of Lima's CVE-2023-32684), a store path with commas,
forwarded ports taken at start. Real qemu-img images; a real qemu-system-x86_64 that boots nothing
(no OS on the disk: the firmware just waits), asked through QMP what it opened and forwards."""

from __future__ import annotations

import shutil
import socket
import subprocess
from pathlib import Path

import pytest

from pulumi_docker_machine.components.drivers.qemu.driver import QemuDriver
from pulumi_docker_machine.components.drivers.qemu.backing import checked_chain
from pulumi_docker_machine.components.drivers.qemu.launch import QemuError
from pulumi_docker_machine.components.drivers.qemu.provider import QemuVMProvider, disk_chain, launch, stop, vm_state
from pulumi_docker_machine.components.drivers.qemu.qmp import qmp
from tests.conftest import require


@pytest.fixture(scope="module", autouse=True)
def qemu_img() -> None:
    require([] if shutil.which("qemu-img") else ["qemu-img (Debian package qemu-utils)"], "the qemu image checks")


def qemu_img_create(*args: str) -> None:
    subprocess.run(["qemu-img", "create", "-q", *args], check=True)


def host_secret(tmp_path: Path) -> Path:
    secret = tmp_path / "host-secret"
    secret.write_bytes(b"a host file the guest must never read\n" * 16)
    return secret


def machine_props(store: Path, image: Path, **extra) -> dict:
    props = QemuDriver(image=str(image), storage_path=str(store), memory=256, accel="tcg").props("dev")
    return {**props, "public_key": "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIK test", "state": "stopped", **extra}


def test_a_base_image_backed_by_a_host_file_is_refused_and_nothing_is_made(tmp_path):
    store = tmp_path / "store"
    evil = tmp_path / "evil.qcow2"
    qemu_img_create("-f", "qcow2", "-F", "raw", "-b", str(host_secret(tmp_path)), str(evil), "1M")
    with pytest.raises(QemuError, match=r"its backing file '.*host-secret' is outside the image cache"):
        checked_chain(evil, store / "cache")
    with pytest.raises(QemuError, match="outside the image cache"):
        QemuVMProvider().create(machine_props(store, evil))
    assert not (store / "machines" / "dev" / "disk.qcow2").exists()


def test_a_backing_file_named_through_a_link_in_the_cache_is_refused(tmp_path):
    cache = tmp_path / "store" / "cache"
    cache.mkdir(parents=True)
    (cache / "innocent.qcow2").symlink_to(host_secret(tmp_path))
    evil = tmp_path / "evil.qcow2"
    qemu_img_create("-f", "qcow2", "-F", "raw", "-b", str(cache / "innocent.qcow2"), str(evil), "1M")
    with pytest.raises(QemuError, match="outside the image cache"):
        checked_chain(evil, cache)


def test_a_base_image_with_an_external_data_file_is_refused(tmp_path):
    image = tmp_path / "data.qcow2"
    qemu_img_create("-f", "qcow2", "-o", f"data_file={tmp_path / 'host-data'}", str(image), "1M")
    with pytest.raises(QemuError, match="keeps its data in another file"):
        checked_chain(image, tmp_path / "store" / "cache")


def test_a_raw_file_given_as_the_image_is_refused(tmp_path):
    with pytest.raises(QemuError, match=r"cannot be used: .*qcow2"):
        checked_chain(host_secret(tmp_path), tmp_path / "store" / "cache")


def test_a_backing_chain_inside_the_cache_is_accepted_and_listed_whole(tmp_path):
    cache = tmp_path / "store" / "cache"
    cache.mkdir(parents=True)
    lower, upper = cache / "lower.qcow2", tmp_path / "upper.qcow2"
    qemu_img_create("-f", "qcow2", str(lower), "1M")
    qemu_img_create("-f", "qcow2", "-F", "qcow2", "-b", str(lower), str(upper), "1M")
    assert checked_chain(upper, cache) == [
        {"path": str(upper), "format": "qcow2"},
        {"path": str(lower), "format": "qcow2"},
    ]


def test_a_machine_made_before_chains_were_recorded_is_refused_when_its_overlay_names_a_host_file(tmp_path):
    store = tmp_path / "store"
    base = tmp_path / "base.qcow2"
    qemu_img_create("-f", "qcow2", str(base), "1M")
    outs = QemuVMProvider().create(machine_props(store, base)).outs
    legacy = {k: v for k, v in outs.items() if k != "backing_chain"}
    assert disk_chain(legacy) == [{"path": str(base), "format": "qcow2"}]
    subprocess.run(
        [
            "qemu-img",
            "rebase",
            "-u",
            "-F",
            "raw",
            "-b",
            str(host_secret(tmp_path)),
            str(Path(outs["machine_dir"]) / "disk.qcow2"),
        ],
        check=True,
    )
    with pytest.raises(QemuError, match="neither in the image cache nor the machine's image"):
        disk_chain(legacy)


def forwards(folder: Path) -> set[tuple[int, int]]:
    """(host port, guest port) of every forward QEMU's user-mode network has, from ``info usernet``."""
    text = qmp(folder / "qmp.sock", "human-monitor-command", {"command-line": "info usernet"})
    rows = [line.split() for line in text.splitlines() if "HOST_FORWARD" in line]
    return {(int(row[3]), int(row[5])) for row in rows if row[2] == "127.0.0.1"}


def test_qemu_runs_in_a_store_path_with_commas_on_the_recorded_chain_only_and_moves_taken_ports(tmp_path):
    require(
        [] if shutil.which("qemu-system-x86_64") else ["qemu-system-x86_64 (Debian package qemu-system-x86)"],
        "running QEMU",
    )
    store = tmp_path / "a,store,file=x"
    base = tmp_path / "base.qcow2"
    qemu_img_create("-f", "qcow2", str(base), "64M")
    outs = QemuVMProvider().create(machine_props(store, base)).outs
    folder = Path(outs["machine_dir"])
    assert outs["backing_chain"] == [{"path": str(base), "format": "qcow2"}]
    # The overlay's header is rewritten to name a host file: QEMU is told the chain, it does not read it.
    subprocess.run(
        ["qemu-img", "rebase", "-u", "-F", "raw", "-b", str(host_secret(tmp_path)), str(folder / "disk.qcow2")],
        check=True,
    )
    taken = socket.socket()
    taken.bind(("127.0.0.1", int(outs["ssh_port"])))
    taken.listen(1)
    try:
        started = launch(outs)
        try:
            assert vm_state(folder) == "Running"
            assert (folder / "serial.log").exists() and (folder / "qmp.sock").exists()
            disks = [
                b["inserted"]["image"]
                for b in qmp(folder / "qmp.sock", "query-block")
                if b.get("inserted", {}).get("node-name") == "disk0"
            ]
            assert len(disks) == 1 and disks[0]["backing-image"]["filename"] == str(base)
            assert "backing-image" not in disks[0]["backing-image"]
            opened = {node["image"]["filename"] for node in qmp(folder / "qmp.sock", "query-named-block-nodes")}
            assert str(base) in opened and not [name for name in opened if "host-secret" in name], opened
            assert started["ssh_port"] != outs["ssh_port"], "the taken SSH port was replaced"
            assert started["docker_port"] == outs["docker_port"], "a free port is kept"
            assert forwards(folder) == {(started["ssh_port"], 22), (started["docker_port"], outs["engine_port"])}
        finally:
            stop(folder, graceful=False)
    finally:
        taken.close()
    assert vm_state(folder) == "Stopped"
    assert not list(tmp_path.glob("a")), "no file named from a split option"

"""The qemu driver without booting anything: its checks, its QEMU command line, QMP, diffs, CLI flags."""

from __future__ import annotations

import json
import os
import socket
import threading
from pathlib import Path

import pytest

from pulumi_docker_machine.components.drivers.base import DriverArgumentError
from pulumi_docker_machine.components.drivers.qemu.driver import QemuDriver
from pulumi_docker_machine.components.drivers.qemu.launch import command_cwd, command_line, resolve_accel
from pulumi_docker_machine.components.drivers.qemu.provider import QemuVMProvider, validate, vm_state
from pulumi_docker_machine.components.drivers.qemu.qmp import QMPError, qmp


def props(tmp_path: Path, **extra) -> dict:
    image = tmp_path / "base.qcow2"
    image.write_bytes(b"QFI\xfb")
    base = QemuDriver(image=str(image), storage_path=str(tmp_path / "store")).props("dev")
    return {
        **base,
        "public_key": "ssh-ed25519 AAAA test",
        "ssh_port": 40022,
        "docker_port": 42376,
        "mac": "52:54:00:12:34:56",
        "accel": "tcg",
        "backing_chain": [{"path": str(image), "format": "qcow2"}],
        **extra,
    }


def test_command_line_forwards_only_from_loopback_and_keeps_its_files_in_the_machine_folder(tmp_path):
    p = props(tmp_path, kernel=str(tmp_path / "base.qcow2"), append="root=/dev/vda")
    args = command_line(p)
    netdev = args[args.index("-netdev") + 1]
    assert netdev == "user,id=net0,hostfwd=tcp:127.0.0.1:40022-:22,hostfwd=tcp:127.0.0.1:42376-:2376"
    folder = p["machine_dir"]
    assert args[args.index("-pidfile") + 1] == f"{folder}/qemu.pid" and "-daemonize" in args
    assert command_cwd(p) == Path(folder), "QEMU runs in the machine's folder"
    assert "socket,id=qmp0,path=qmp.sock,server=on,wait=off" in args and "chardev=qmp0,mode=control" in args
    assert args[args.index("-accel") + 1] == "tcg" and "-cpu" not in args
    assert args[args.index("-kernel") + 1] == p["kernel"] and args[args.index("-append") + 1] == "root=/dev/vda"
    assert "-initrd" not in args
    assert "-cpu" in command_line({**p, "accel": "kvm"})


@pytest.mark.parametrize(
    "change, message",
    [
        ({"memory": 100}, "memory must be a whole number of at least 256"),
        ({"cpus": 0}, "cpus must be a whole number of at least 1"),
        ({"cpus": 4096}, "more than this machine's"),
        ({"accel": "whpx"}, "accel must be one of auto, kvm, hvf, tcg"),
        ({"arch": "riscv64"}, "arch must be one of x86_64, aarch64"),
        ({"image": "/nonexistent/disk.qcow2"}, "cannot be read: give the path or URL"),
        ({"kernel": "/nonexistent/vmlinuz"}, "kernel /nonexistent/vmlinuz cannot be read"),
        ({"append": "console=ttyS0"}, "initrd and append need kernel"),
    ],
)
def test_bad_settings_are_refused_with_the_setting_named(tmp_path, change, message):
    problems = validate(props(tmp_path, **change))
    assert problems and message in problems[0][1]
    driver = QemuDriver(
        **{({"cpus": "cpu_count"}).get(k, k): v for k, v in change.items() if k != "image"},
        image=change.get("image", str(tmp_path / "base.qcow2")),
        storage_path=str(tmp_path),
    )
    with pytest.raises(DriverArgumentError, match=r"^qemu "):
        driver.validate("dev")


def test_diff_replaces_on_a_new_image_and_changes_memory_in_place(tmp_path):
    provider, old = QemuVMProvider(), props(tmp_path)
    assert provider.diff("dev", old, {**old, "image": "/other.qcow2"}).replaces == ["image"]
    memory = provider.diff("dev", old, {**old, "memory": 4096})
    assert memory.changes and not memory.replaces
    assert not provider.diff("dev", old, {**old}).changes
    auto = provider.diff("dev", old, {**old, "accel": "auto"})  # auto that resolves to what runs: no change
    assert auto.changes == (resolve_accel("auto") != "tcg")


def test_state_is_stopped_without_a_qemu_of_this_machine(tmp_path):
    folder = tmp_path / "machine"
    folder.mkdir()
    (folder / "qemu.pid").write_text("1")  # pid 1 is not our QEMU: its command line names no QMP socket here
    assert vm_state(folder) == "Stopped"


@pytest.mark.parametrize("deep", [False, True], ids=["short-path", "path-longer-than-a-socket-may-be"])
def test_qmp_client_negotiates_then_runs_one_command(tmp_path, deep):
    folder = tmp_path / ("d" * 60) / ("e" * 60) if deep else tmp_path
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "qmp.sock"
    assert (len(str(path)) > 107) == deep
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    fd = os.open(folder, os.O_PATH)  # bound as QEMU binds it: relative to the machine's folder
    server.bind(f"/proc/self/fd/{fd}/qmp.sock")
    os.close(fd)
    server.listen(1)
    seen = []

    def serve():
        conn, _ = server.accept()
        stream = conn.makefile("rwb")
        stream.write(b'{"QMP": {"version": {}, "capabilities": []}}\n')
        stream.flush()
        for answer in (b'{"return": {}}\n', b'{"event": "RESUME"}\n{"return": {"status": "running"}}\n'):
            seen.append(json.loads(stream.readline()))
            stream.write(answer)
            stream.flush()
        conn.close()

    server.settimeout(20)
    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    assert qmp(path, "query-status") == {"status": "running"}
    thread.join()
    server.close()
    assert [m["execute"] for m in seen] == ["qmp_capabilities", "query-status"]
    with pytest.raises(QMPError, match="cannot reach QEMU's monitor"):
        qmp(tmp_path / "none.sock", "query-status")


def test_create_help_lists_the_qemu_flags():
    from click.testing import CliRunner

    from pulumi_docker_machine.cli.app import cli

    out = CliRunner().invoke(cli, ["create", "-d", "qemu", "--help"]).output
    for flag in (
        "--qemu-memory",
        "--qemu-cpu-count",
        "--qemu-disk-size",
        "--qemu-image",
        "--qemu-image-sha256",
        "--qemu-kernel",
        "--qemu-initrd",
        "--qemu-append",
        "--qemu-accel",
    ):
        assert flag in out


def test_pre_create_check_names_the_packages_when_qemu_is_missing(monkeypatch):
    from pulumi_docker_machine.automation.errors import PreCreateCheckFailed
    from pulumi_docker_machine.automation.machines import pre_create_checks
    from pulumi_docker_machine.automation.settings import MachineSpec

    monkeypatch.setenv("PATH", "/nonexistent")
    with pytest.raises(PreCreateCheckFailed) as raised:
        pre_create_checks(MachineSpec(driver="qemu"))
    assert raised.value.exit_code == 3
    assert "qemu-system-x86_64 and qemu-img not found" in str(raised.value)
    assert "apt-get install qemu-system-x86 qemu-utils" in str(raised.value) and "brew install qemu" in str(
        raised.value
    )


def test_paths_in_option_strings_have_their_commas_doubled_and_the_disk_chain_is_explicit(tmp_path):
    (tmp_path / "a,b").mkdir()
    p = props(
        tmp_path / "a,b",
        backing_chain=[{"path": "/cache/x,y.qcow2", "format": "qcow2"}, {"path": "/cache/z.raw", "format": "raw"}],
    )
    args = command_line(p)
    folder = p["machine_dir"].replace(",", ",,")
    assert "socket,id=qmp0,path=qmp.sock,server=on,wait=off" in args  # relative to the machine's folder
    assert f"file,id=serial0,path={folder}/serial.log" in args
    assert f"file={folder}/seed.iso,format=raw,media=cdrom,readonly=on" in args
    disk = json.loads(args[args.index("-blockdev") + 1])  # JSON: commas need no escaping
    assert disk["file"] == {"driver": "file", "filename": f"{p['machine_dir']}/disk.qcow2"}
    assert disk["backing"] == {
        "driver": "qcow2",
        "read-only": True,
        "file": {"driver": "file", "filename": "/cache/x,y.qcow2"},
        "backing": {"driver": "raw", "read-only": True, "file": {"driver": "file", "filename": "/cache/z.raw"}},
    }
    assert not any(arg.startswith("file=") and "disk.qcow2" in arg for arg in args), "no -drive header-following"

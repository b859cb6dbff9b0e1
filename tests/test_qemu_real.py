"""Docker Machine's own walkthrough on a real VM: create -d qemu (a Debian image built from Debian's
packages, booted under TCG here), eval "$(docker-machine env dev)", docker run busybox echo hello world;
then stop, start and rm. Through the real Pulumi engine. Slow: the image build is cached between runs."""

from __future__ import annotations

import dataclasses
import hashlib
import os
import shutil
import socket
import subprocess
import time
from pathlib import Path

import pytest

from tests import qemu_walk_shares
from tests import qemu_walk_ports
from tests import qemu_walk_set
from tests.conftest import require
from tests.dockertools import busybox_image, static_busybox
from tests.test_engine_cli import machine, shell

pytestmark = [pytest.mark.engine, pytest.mark.qemu]

BUILD_SCRIPT = Path(__file__).parent / "images" / "build-qemu-image.sh"
# apparmor=0: the image has no AppArmor (tests/images/build-qemu-image.sh), so dockerd needs no profiles.
APPEND = "root=/dev/vda rw console=ttyS0 apparmor=0"


@pytest.fixture(scope="session")
def qemu_image() -> Path:
    """The image from tests/images/build-qemu-image.sh, cached per version of the script."""
    missing = [
        tool for tool in ("qemu-system-x86_64", "qemu-img", "debootstrap", "mkfs.ext4") if not shutil.which(tool)
    ]
    missing += [] if os.geteuid() == 0 else ["root (debootstrap)"]
    require([f"command {m}" if " " not in m else m for m in missing], "the real-VM test")
    version = hashlib.sha256(BUILD_SCRIPT.read_bytes()).hexdigest()[:12]
    cache = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "pulumi-docker-machine" / "qemu-image"
    folder = cache / version
    started = time.monotonic()
    done = subprocess.run(["bash", str(BUILD_SCRIPT), str(folder)], capture_output=True, text=True, timeout=3600)
    assert done.returncode == 0, done.stdout + done.stderr
    if time.monotonic() - started > 5:
        print(f"built the qemu test image in {time.monotonic() - started:.0f} s")
    return folder


def qemu_processes(folder: Path) -> list[int]:
    found = []
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                if str(folder).encode() in (proc / "cmdline").read_bytes():
                    found.append(int(proc.name))
            except OSError:
                pass
    return found


def listening(port: int) -> socket.socket:
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # the port may be in TIME_WAIT from the VM's use
    sock.bind(("127.0.0.1", port))
    sock.listen(1)
    return sock


def env_import_busybox_and_say_hello(world, tmp_path: Path) -> None:
    """Docker Machine's walkthrough on machine dev: eval "$(docker-machine env dev)", then a container says hello
    (busybox imported from Debian's busybox-static as dmtest/busybox: no registry here)."""
    (tmp_path / "busybox.tar").write_bytes(busybox_image(static_busybox()))
    hello = shell(
        world,
        f'eval "$(docker-machine env dev)" && docker import - dmtest/busybox < {tmp_path}/busybox.tar'
        " >/dev/null && docker run --rm dmtest/busybox echo hello world",
        timeout=600,
    )
    assert hello.returncode == 0 and hello.stdout == "hello world\n", hello.stdout + hello.stderr


def test_create_env_run_stop_start_rm_on_a_real_vm(world, pulumi_engine, qemu_image, tmp_path):
    # A store path with commas: QEMU's option strings (-chardev, -drive) must not split it.
    root = tmp_path / "machine,store,x=y"
    world = dataclasses.replace(world, root=root, env={**world.env, "MACHINE_STORAGE_PATH": str(root)})
    folder = world.root / "machines" / "dev"
    static = qemu_walk_ports.static_port()
    created = machine(
        world,
        "create",
        "-d",
        "qemu",
        "--qemu-image",
        str(qemu_image / "disk.qcow2"),
        "--qemu-kernel",
        str(qemu_image / "vmlinuz"),
        "--qemu-initrd",
        str(qemu_image / "initrd.img"),
        "--qemu-append",
        APPEND,
        "--qemu-accel",
        "tcg",
        "--qemu-memory",
        "1024",
        "--qemu-cpu-count",
        "1",  # beside the other workers on 2 cores, a second TCG vCPU mostly spins while the first waits
        "--qemu-disk-size",
        "4000",
        "--engine-install-url",
        "none",
        *qemu_walk_shares.create_flags(tmp_path),
        *qemu_walk_ports.create_flags(static),
        "dev",
        timeout=1800,
    )
    assert created.returncode == 0, created.stdout + created.stderr
    try:
        inspect = machine(world, "inspect", "--format", "{{.Pulumi.Spec.driver_options.accel}}", "dev")
        assert inspect.stdout.strip() == "tcg", inspect.stdout + inspect.stderr
        assert machine(world, "ls", "--format", "{{.Name}} {{.State}}").stdout.split() == ["dev", "Running"]

        env_import_busybox_and_say_hello(world, tmp_path)
        ssh = machine(world, "ssh", "dev", "hostname")
        assert ssh.stdout.strip() == "dev", "cloud-init applied the seed's hostname" + ssh.stderr
        (tmp_path / "note.txt").write_text("through the forwarded port\n")
        copied = machine(world, "scp", str(tmp_path / "note.txt"), "dev:/tmp/note.txt")
        assert copied.returncode == 0, copied.stderr
        assert machine(world, "ssh", "dev", "cat", "/tmp/note.txt").stdout == "through the forwarded port\n"
        root_size = qemu_walk_set.before_stop(world)
        kept = qemu_walk_ports.after_create(world, folder, static)
        qemu_walk_shares.after_first_run(world, tmp_path)

        stopped = machine(world, "stop", "dev", timeout=600)
        assert stopped.returncode == 0, stopped.stdout + stopped.stderr
        assert machine(world, "status", "dev").stdout.strip() == "Stopped"
        assert qemu_processes(folder) == [], "QEMU ended after the ACPI power-down"
        qemu_walk_set.while_stopped(world, folder)
        qemu_walk_ports.while_stopped(folder, kept)
        qemu_walk_shares.while_stopped(tmp_path)

        # Both forwarded ports taken by something else while the VM is off: start moves to free ones and the
        # store (SSH port, engine URL) follows.
        ports = machine(world, "inspect", "--format", "{{.Driver.SSHPort}} {{.Pulumi.EnginePort}}", "dev").stdout
        old_ssh, old_docker = (int(p) for p in ports.split())
        squatters = [listening(old_ssh), listening(old_docker)]
        try:
            started = machine(world, "start", "dev", timeout=1800)
        finally:
            for sock in squatters:
                sock.close()
        assert started.returncode == 0, started.stdout + started.stderr
        assert machine(world, "status", "dev").stdout.strip() == "Running"
        ports = machine(world, "inspect", "--format", "{{.Driver.SSHPort}} {{.Pulumi.EnginePort}}", "dev").stdout
        new_ssh, new_docker = (int(p) for p in ports.split())
        assert new_ssh != old_ssh and new_docker != old_docker, ports
        assert machine(world, "url", "dev").stdout.strip() == f"tcp://127.0.0.1:{new_docker}"
        assert machine(world, "ssh", "dev", "hostname").stdout.strip() == "dev"
        again = shell(world, "docker $(docker-machine config dev) run --rm dmtest/busybox echo again", timeout=600)
        assert again.stdout == "again\n", "the same certificates and disk after a restart: " + again.stderr
        qemu_walk_set.after_start(world, root_size)
        agent = qemu_walk_ports.after_start(world, folder, kept, static)
        qemu_walk_shares.after_start(world, tmp_path)
    finally:
        if created.returncode != 0 or not (folder / "config.json").exists():
            log = folder / "serial.log"
            print(log.read_text(errors="replace")[-5000:] if log.exists() else "(no serial log)")
        removed = machine(world, "rm", "-y", "dev", timeout=600)
    assert removed.returncode == 0, removed.stdout + removed.stderr
    qemu_walk_ports.after_rm(agent)
    assert qemu_processes(folder) == [] and not (folder / "disk.qcow2").exists()
    assert (qemu_image / "disk.qcow2").exists(), "the base image stays"

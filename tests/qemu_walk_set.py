"""docker-machine set's real-VM checks, riding on tests/test_qemu_real.py's one VM and its one stop/start (no boot
of their own): a file written before the stop; while stopped, ``set --memory --disk-size`` (recorded, the overlay
grown, nothing booted); after the walkthrough's start, the new memory in ``docker info``, the file still there and
the grown file system in ``df`` (the seed's grow step at boot). CPUs on a running VM stop and start it: that costs
a boot, so it is proven under the provider with QEMU's start and stop recorded (tests/test_qemu_set.py)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from tests.test_engine_cli import machine, shell

MEMORY, DISK = 1280, 5000  # MiB: the walkthrough creates with 1024 and 4000
NOTE = "/home/docker/before-the-grow.txt"


def root_size_mib(world) -> int:
    done = machine(world, "ssh", "dev", "df", "-m", "--output=size", "/")
    assert done.returncode == 0, done.stderr
    return int(done.stdout.split()[-1])


def before_stop(world) -> int:
    """A file in the guest; the root file system's size, for after the grow."""
    wrote = machine(world, "ssh", "dev", "echo kept across the grow > " + NOTE + " && sync")
    assert wrote.returncode == 0, wrote.stderr
    return root_size_mib(world)


def while_stopped(world, folder: Path) -> None:
    """set on the stopped machine: recorded, the overlay grown, no boot; a shrink refused, nothing changed."""
    shrink = machine(world, "set", "dev", "--disk-size", "3000")
    assert shrink.returncode == 1 and "a disk only grows" in shrink.stderr, shrink.stdout + shrink.stderr
    done = machine(world, "set", "dev", "--memory", str(MEMORY), "--disk-size", str(DISK), timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    assert machine(world, "status", "dev").stdout.strip() == "Stopped", "set did not boot the stopped VM"
    info = subprocess.run(
        ["qemu-img", "info", "-U", "--output=json", str(folder / "disk.qcow2")], capture_output=True, text=True
    )
    assert json.loads(info.stdout)["virtual-size"] == DISK * 1024 * 1024, info.stdout + info.stderr
    spec = machine(world, "inspect", "--format", "{{json .Pulumi.Spec.driver_options}}", "dev").stdout
    assert (json.loads(spec)["memory"], json.loads(spec)["disk_size"]) == (MEMORY, DISK)


def after_start(world, size_before: int) -> None:
    """The new memory, the file kept, the file system grown into the larger disk."""
    mem = shell(world, "docker $(docker-machine config dev) info --format '{{.MemTotal}}'", timeout=120)
    assert mem.returncode == 0, mem.stderr
    assert (MEMORY - 200) * 1024 * 1024 < int(mem.stdout) <= MEMORY * 1024 * 1024, mem.stdout
    assert machine(world, "ssh", "dev", "cat", NOTE).stdout == "kept across the grow\n"
    size = root_size_mib(world)
    assert size > size_before + (DISK - 4000) * 0.9, f"the root file system grew: {size_before} -> {size} MiB"

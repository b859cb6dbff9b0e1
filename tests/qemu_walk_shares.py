"""The shared folders' checks in test_qemu_real's walkthrough (issue #23 §1), on its one VM: a folder of the
test's tmp_path shared read-write and one read-only, each at its own path in the VM (the real home is not
shared). Two containers in all: one after the first docker run, one after the stop/start."""

from __future__ import annotations

import os
import shlex
from pathlib import Path

from tests.test_engine_cli import machine, shell

SECRET = "outside the share\n"


def folders(tmp_path: Path) -> tuple[Path, Path]:
    return tmp_path / "shared", tmp_path / "readonly"


def create_flags(tmp_path: Path) -> list[str]:
    """--qemu-share flags for create: ``shared`` read-write, ``readonly`` read-only; each made here first."""
    shared, readonly = folders(tmp_path)
    shared.mkdir()
    shared.chmod(0o777)  # the container writes as uid 1000
    readonly.mkdir()
    readonly.chmod(0o777)  # only the share being read-only stops a write there
    (readonly / "kept.txt").write_text("read only\n")
    return ["--qemu-share", str(shared), "--qemu-share", f"{readonly}:ro"]


def expected_owner() -> int:
    """The documented mapping (security_model=none): a file the VM writes belongs to the user running QEMU; QEMU
    run as root (as in CI) gives it the writer's uid."""
    return 1000 if os.geteuid() == 0 else os.geteuid()


def container(world, tmp_path: Path, script: str):
    shared, readonly = folders(tmp_path)
    mounts = f"-v {shlex.quote(f'{shared}:{shared}')} -v {shlex.quote(f'{readonly}:{readonly}')}"
    return shell(
        world,
        f'eval "$(docker-machine env dev)" && docker run --rm --user 1000:1000 {mounts} dmtest/busybox '
        f"sh -c {shlex.quote(script)}",
        timeout=600,
    )


def after_first_run(world, tmp_path: Path) -> None:
    """Here -> container, container -> here (ownership), the read-only share refuses a write, a symlink out of the
    share leads nowhere outside it."""
    shared, readonly = folders(tmp_path)
    (shared / "here.txt").write_text("written here\n")
    (tmp_path / "outside.txt").write_text(SECRET)
    (shared / "escape").symlink_to("../outside.txt")
    script = (
        f"cat {shared}/here.txt; echo from the container > {shared}/there.txt; "
        f"touch {readonly}/nope 2>&1; cat {shared}/escape 2>/dev/null || echo escape-refused"
    )
    done = container(world, tmp_path, script)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.splitlines() == [
        "written here",
        f"touch: {readonly}/nope: Read-only file system",
        "escape-refused",
    ], done.stdout + done.stderr
    there = shared / "there.txt"
    assert there.read_text() == "from the container\n"
    assert there.stat().st_uid == expected_owner(), f"owner {there.stat().st_uid}, not {expected_owner()}"
    assert not (readonly / "nope").exists()


def while_stopped(tmp_path: Path) -> None:
    folders(tmp_path)[0].joinpath("while-stopped.txt").write_text("written while the VM was off\n")


def after_start(world, tmp_path: Path) -> None:
    """Both shares mounted again at the next boot (from the first boot's fstab, cloud-init not run again), still
    read-only where asked; over SSH (a container costs more under TCG, and the bind mount was checked above)."""
    shared, readonly = folders(tmp_path)
    script = f"cat {shared}/while-stopped.txt {shared}/there.txt {readonly}/kept.txt; touch {readonly}/nope 2>&1"
    done = machine(world, "ssh", "dev", script)
    assert done.stdout.splitlines() == [
        "written while the VM was off",
        "from the container",
        "read only",
        f"touch: cannot touch '{readonly}/nope': Read-only file system",
    ], done.stdout + done.stderr

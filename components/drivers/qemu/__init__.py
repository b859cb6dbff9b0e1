"""The qemu driver: qemu-system run directly, state through QMP, cloud-init's NoCloud seed for first boot (its
Pulumi side: driver.py; the provider's state contract: provider.py)."""

from __future__ import annotations

from ..info import GENERATED_KEY_FILE, GROW, POWER_STATE, RESTART, DriverInfo, PreCreateCheckError, StoredFields
from .flags import FLAGS

TYPE_CHECKING = False  # typing stays unimported at run time (start-up time)
if TYPE_CHECKING:
    from typing import Any


def check(options: dict[str, Any]) -> dict[str, Any]:
    """QEMU's programs for the guest's architecture installed, the accelerator one that can run it here, aarch64's
    UEFI firmware found; ``auto``, the architecture and the firmware settled, so ``inspect`` shows what the machine
    runs with."""
    from .launch import FIRMWARE_HINT, INSTALL_HINTS, accel_problem, default_arch, find_firmware, missing_programs
    from .launch import resolve_accel

    arch = options.get("arch") or default_arch()
    missing = missing_programs(arch)
    if missing:
        raise PreCreateCheckError(
            f"{' and '.join(missing)} not found: {INSTALL_HINTS.get(arch, INSTALL_HINTS['x86_64'])}"
        )
    accel = resolve_accel(options.get("accel") or "auto", arch)
    problem = accel_problem(accel, arch)
    if problem:
        raise PreCreateCheckError(problem)
    settled = {**options, "arch": arch, "accel": accel}
    if arch == "aarch64":
        settled["firmware"] = options.get("firmware") or find_firmware(arch)
        if not settled["firmware"]:
            raise PreCreateCheckError(FIRMWARE_HINT)
    return {**settled, **settled_shares(options)}


def settled_shares(options: dict[str, Any]) -> dict[str, Any]:
    """The folders to share, each one a folder here; the home folder written out when none is named (the machine
    keeps sharing it under another HOME), none when there is no home folder (as docker-machine's VirtualBox)."""
    from pathlib import Path

    from .shares import ShareError, missing, resolve

    if options.get("no_share"):
        return {}
    if not options.get("shares") and not Path.home().is_dir():
        return {"shares": []}
    shares = options.get("shares") or [str(Path.home())]
    try:
        problem = missing(resolve(shares, False, options.get("ssh_user")))
    except ShareError as err:
        problem = str(err)
    if problem:
        raise PreCreateCheckError(problem)
    return {"shares": shares}


INFO = DriverInfo(
    name="qemu",
    driver="driver:QemuDriver",
    flags=FLAGS,
    check=check,
    steps={
        "pulumi-python:dynamic/docker-machine:QemuVM": (
            "Creating QEMU VM...",
            "Waiting for machine to be running, this may take a few minutes...",
        ),
    },
    power=dict.fromkeys(("start", "stop", "kill", "restart"), POWER_STATE),
    needs_store_path=True,  # the VM's overlay disk, seed and QMP socket live in the machine's folder
    key_file=GENERATED_KEY_FILE,
    per_node=(),
    stored=StoredFields(),  # not one of docker-machine 0.16's drivers: its machines are all ours
    # set: a running VM stops, changes and starts (provider.py's update); the overlay only grows
    changes={"cpu_count": RESTART, "memory": RESTART, "disk_size": GROW},
)

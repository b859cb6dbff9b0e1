"""The qemu driver: qemu-system run directly, state through QMP, cloud-init's NoCloud seed for first boot (its
Pulumi side: driver.py; the provider's state contract: provider.py)."""

from __future__ import annotations

from ..info import GENERATED_KEY_FILE, POWER_STATE, DriverInfo, PreCreateCheckError, StoredFields
from .flags import FLAGS

TYPE_CHECKING = False  # typing stays unimported at run time (start-up time)
if TYPE_CHECKING:
    from typing import Any


def check(options: dict[str, Any]) -> dict[str, Any]:
    """QEMU's programs installed; ``auto`` resolved to the accelerator this computer has, so ``inspect`` shows
    which one the machine runs with."""
    from .launch import INSTALL_HINT, missing_programs, resolve_accel

    missing = missing_programs()
    if missing:
        raise PreCreateCheckError(f"{' and '.join(missing)} not found: {INSTALL_HINT}")
    return {**options, "accel": resolve_accel(options.get("accel") or "auto")}


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
    power_refusal="qemu driver does not support {verb}",
    needs_store_path=True,  # the VM's overlay disk, seed and QMP socket live in the machine's folder
    key_file=GENERATED_KEY_FILE,
    per_node=(),
    stored=StoredFields(),  # not one of docker-machine 0.16's drivers: its machines are all ours
)

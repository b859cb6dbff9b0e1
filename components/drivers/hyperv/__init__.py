"""The Hyper-V driver: a dynamic provider running Hyper-V's PowerShell cmdlets (its Pulumi side: driver.py; the
provider's state contract: provider.py; unverified against real Hyper-V)."""

from __future__ import annotations

from ..info import GENERATED_KEY_FILE, POWER_STATE, RESTART, AskedForAddress, DriverInfo, PreCreateCheckError
from .flags import FLAGS

TYPE_CHECKING = False  # typing stays unimported at run time (start-up time)
if TYPE_CHECKING:
    from typing import Any

# docker-machine 0.16.2's errors (drivers/hyperv/powershell.go, hyperv.go)
NOT_INSTALLED = "Hyper-V PowerShell Module is not available"
NOT_ADMINISTRATOR = "Hyper-v commands have to be run as an Administrator"
NO_EXTERNAL_SWITCH = (
    "no External vswitch found. A valid vswitch must be available for this command to run. "
    "Check https://docs.docker.com/machine/drivers/hyper-v/"
)


def check(options: dict[str, Any]) -> dict[str, Any]:
    """docker-machine's PreCreateCheck: PowerShell found, the Hyper-V module, an Administrator or a member of Hyper-V
    Administrators, the switch (the first external one when none is named: settled here, so the machine keeps it)."""
    from .powershell import PowerShellError, run
    from .scripts import CHECK, SWITCHES

    try:
        found = run(CHECK, {}) or {}
        if not found.get("module"):
            raise PreCreateCheckError(NOT_INSTALLED)
        if not (found.get("hyperv_admin") or found.get("windows_admin")):
            raise PreCreateCheckError(NOT_ADMINISTRATOR)
        switches = run(SWITCHES, {}) or {}
    except PowerShellError as err:
        raise PreCreateCheckError(str(err)) from None
    wanted = options.get("virtual_switch")
    if not wanted:
        external = [name for name in switches.get("external") or [] if isinstance(name, str)]
        if not external:
            raise PreCreateCheckError(NO_EXTERNAL_SWITCH)
        return {**options, "virtual_switch": external[0]}
    if wanted not in (switches.get("all") or []):
        raise PreCreateCheckError(f'vswitch "{wanted}" not found')  # Go's %q
    return options


INFO = DriverInfo(
    name="hyperv",
    driver="driver:HyperVDriver",
    flags=FLAGS,
    check=check,
    steps={
        "pulumi-python:dynamic/docker-machine:HyperVVM": (
            "Creating Hyper-V VM...",
            "Waiting for host to start...",
        ),
    },
    power=dict.fromkeys(("start", "stop", "kill", "restart"), POWER_STATE),
    needs_store_path=True,  # the VM's disk and seed live in the machine's folder, the base image in the cache
    key_file=GENERATED_KEY_FILE,
    per_node=(),
    stored=AskedForAddress(),
    # set: the provider stops the VM, runs Set-VMMemory/Set-VMProcessor and starts it again
    changes={"cpu_count": RESTART, "memory": RESTART},
)

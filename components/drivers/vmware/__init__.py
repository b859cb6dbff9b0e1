"""The VMware Workstation/Fusion driver: a dynamic provider driving vmrun (its Pulumi side: driver.py; the
provider's state contract: provider.py)."""

from __future__ import annotations

from ..info import GENERATED_KEY_FILE, POWER_STATE, RESTART, AskedForAddress, DriverInfo, PreCreateCheckError
from .flags import FLAGS

TYPE_CHECKING = False  # typing stays unimported at run time (start-up time)
if TYPE_CHECKING:
    from typing import Any


def check(options: dict[str, Any]) -> dict[str, Any]:
    """vmrun installed (Workstation, Player or Fusion)."""
    from .vmrun import VmrunError, locate

    try:
        locate()
    except VmrunError as err:
        raise PreCreateCheckError(str(err)) from None
    return options


INFO = DriverInfo(
    name="vmware",
    driver="driver:VMwareDriver",
    flags=FLAGS,
    check=check,
    steps={
        "pulumi-python:dynamic/docker-machine:VMwareVM": (
            "Creating VMware VM...",
            "Waiting for machine to be running, this may take a few minutes...",
        ),
    },
    power=dict.fromkeys(("start", "stop", "kill", "restart"), POWER_STATE),
    needs_store_path=True,  # the clone and its seed live in the machine's folder
    key_file=GENERATED_KEY_FILE,
    per_node=(),
    stored=AskedForAddress(),  # docker-machine's vmwarefusion asked vmrun each time
    # set: the provider stops the VM, changes its .vmx and starts it again
    changes={"cpu_count": RESTART, "memory": RESTART},
)

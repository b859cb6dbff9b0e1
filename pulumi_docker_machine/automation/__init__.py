"""Creating, removing and changing machines through the Pulumi Automation API (imports pulumi when used)."""

from .api import (
    MachineBusy,
    MachineError,
    PreCreateCheckFailed,
    create_machine,
    import_machines,
    import_stack,
    machine_env,
    provision_machine,
    regenerate_certs,
    remove_machine,
    restart_machine,
    set_power,
)
from .settings import MachineSpec
from .swarm import SwarmSpec, create_swarm, remove_swarm, scale_swarm, swarm_env
from .workspace import MachineWorkspace, PulumiUnavailable

__all__ = [
    "MachineBusy", "MachineError", "MachineSpec", "SwarmSpec", "create_swarm", "remove_swarm", "scale_swarm", "swarm_env", "MachineWorkspace", "PreCreateCheckFailed", "PulumiUnavailable",
    "create_machine", "import_machines", "import_stack", "machine_env", "provision_machine", "regenerate_certs", "remove_machine",
    "restart_machine", "set_power",
]

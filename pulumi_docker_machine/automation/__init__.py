"""Creating, removing and changing machines and swarms through the Pulumi Automation API (imports pulumi when used).
By job: errors.py (what is raised, and the exit-code table), runner.py (one stack update or removal, for machines
and swarms alike), machines.py (the machine verbs), resize.py (set: a machine changed in place), swarm.py (the
swarm verbs), importing.py (machines made elsewhere into the store), adopt.py (machines docker-machine 0.16 made,
taken under Pulumi), settings.py (a machine's settings and their translation)."""

from .adopt import adopt_machine
from .errors import MachineBusy, MachineError, PreCreateCheckFailed
from .importing import import_machines, import_stack
from .machines import (
    create_machine,
    machine_env,
    provision_machine,
    regenerate_certs,
    remove_machine,
    restart_machine,
    set_power,
)
from .resize import set_machine
from .settings import MachineSpec
from .swarm import SwarmSpec, create_swarm, remove_swarm, scale_swarm, swarm_env
from .workspace import MachineWorkspace, PulumiUnavailable

__all__ = [
    "MachineBusy",
    "MachineError",
    "MachineSpec",
    "MachineWorkspace",
    "PreCreateCheckFailed",
    "PulumiUnavailable",
    "SwarmSpec",
    "adopt_machine",
    "create_machine",
    "create_swarm",
    "import_machines",
    "import_stack",
    "machine_env",
    "provision_machine",
    "regenerate_certs",
    "remove_machine",
    "remove_swarm",
    "restart_machine",
    "scale_swarm",
    "set_machine",
    "set_power",
    "swarm_env",
]

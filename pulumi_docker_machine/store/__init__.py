"""The machine store (``~/.docker/machine``): docker-machine's layout, readable without Pulumi."""

from pulumi_docker_machine.components.names import INVALID_NAME, MACHINE_NAME, valid_machine_name

from .hostconfig import BrokenMachine, HostConfig, new_host_config
from .layout import MachineNotFound, Store

__all__ = [
    "INVALID_NAME",
    "MACHINE_NAME",
    "BrokenMachine",
    "HostConfig",
    "MachineNotFound",
    "Store",
    "new_host_config",
    "valid_machine_name",
]

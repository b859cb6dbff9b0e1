"""The machine store (``~/.docker/machine``): docker-machine's layout, readable without Pulumi."""

from .hostconfig import HostConfig, new_host_config
from components.names import INVALID_NAME, MACHINE_NAME, valid_machine_name

from .layout import MachineNotFound, Store, natural_key

__all__ = ["INVALID_NAME", "MACHINE_NAME", "valid_machine_name", "HostConfig", "MachineNotFound", "Store", "natural_key", "new_host_config"]

"""``docker-machine provision``: run the provisioning again (Docker's configuration and certificates)."""

from ..changing import machine_command, operations
from ..quiet import quiet_option

command = quiet_option(
    machine_command(
        "provision",
        "Re-provision existing machines",
        'Provisioning "{name}"...',
        "Docker is up and running!",
        lambda name, **kw: operations().provision_machine(name, **kw),
    )
)

"""``docker-machine upgrade``: upgrade Docker with its installer, then restart it."""

from ..changing import machine_command, operations

command = machine_command(
    "upgrade",
    "Upgrade a machine to the latest version of Docker",
    "Upgrading docker...",
    "Restarting docker...",
    lambda name, **kw: operations().provision_machine(name, reinstall=True, **kw),
)

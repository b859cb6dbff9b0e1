"""``docker-machine restart``: stop, then start (generic: reboot over SSH)."""

from ..changing import machine_command, operations
from ..quiet import quiet_option

command = quiet_option(
    machine_command(
        "restart",
        "Restart a machine",
        'Restarting "{name}"...',
        "Restarted machines may have new IP addresses. You may need to re-run the `docker-machine env` command.",
        lambda name, **kw: operations().restart_machine(name, **kw),
    )
)

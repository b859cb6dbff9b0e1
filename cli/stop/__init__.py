"""``docker-machine stop``: the machine's wanted power state becomes stopped (a clean shutdown)."""

from ..changing import machine_command, operations
from ..quiet import quiet_option

command = quiet_option(
    machine_command(
        "stop",
        "Stop a machine",
        'Stopping "{name}"...',
        'Machine "{name}" was stopped.',
        lambda name, **kw: operations().set_power(name, "stop", **kw),
    )
)

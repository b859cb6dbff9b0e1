"""``docker-machine kill``: stop a machine without a clean shutdown."""

from ..changing import machine_command, operations
from ..quiet import quiet_option

command = quiet_option(
    machine_command(
        "kill",
        "Kill a machine",
        'Killing "{name}"...',
        'Machine "{name}" was killed.',
        lambda name, **kw: operations().set_power(name, "kill", **kw),
    )
)

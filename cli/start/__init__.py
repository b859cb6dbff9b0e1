"""``docker-machine start``: the machine's wanted power state becomes running."""

from ..changing import machine_command, operations
from ..quiet import quiet_option

command = quiet_option(
    machine_command(
        "start",
        "Start a machine",
        'Starting "{name}"...',
        'Machine "{name}" was started.',
        lambda name, **kw: operations().set_power(name, "start", **kw),
    )
)

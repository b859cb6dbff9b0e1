"""``docker-machine kill``: stop a machine without a clean shutdown."""

from ..changing import machine_command, operations

command = machine_command(
    "kill",
    "Kill a machine",
    'Killing "{name}"...',
    'Machine "{name}" was killed.',
    lambda name, **kw: operations().set_power(name, "kill", **kw),
)

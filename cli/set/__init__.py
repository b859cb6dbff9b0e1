"""``docker-machine set``: change a machine's CPUs, memory, disk or cloud size in place (Podman machine's verb,
``podman machine set``; docker-machine 0.16.2 had none). One Pulumi update, as every other change."""

from __future__ import annotations

from typing import Any, Optional

import click

from pulumi_docker_machine.components.drivers import REGISTRY, describe, is_driver

from ..application import Application
from ..changing import backend_option, for_each, workspace
from ..quiet import quiet_option

# set's own flags -> the driver option they change, for every driver that has it (the local VMs).
COMMON = {
    "--cpus": ("cpu_count", "Number of CPUs"),
    "--memory": ("memory", "Memory in MiB"),
    "--disk-size": ("disk_size", "Disk size in MiB: only larger (the guest grows its file system at its next boot)"),
}
HELP = """Change a machine's CPUs, memory, disk or cloud size in place.

\b
Podman machine's 'set' verb ('podman machine set'); docker-machine had none.
A running local VM is stopped, changed and started again (its disk and
certificates kept); a stopped one keeps the change for its next start. A disk
only grows: the guest grows its file system as it boots. A cloud machine
changes what its cloud changes in place; a change that needs a new VM is
refused unless --replace is given. generic and none machines: nothing to set."""


def driver_flags() -> dict[str, tuple[str, str, Any, str]]:
    """Every driver's flags that set changes beyond COMMON's: flag -> (driver, option, click type, help)."""
    flags = {}
    for name in REGISTRY:
        info = describe(name)
        for flag, option, kind, _default, _env, help_text in info.flags:
            if option in info.changes and option not in {option for option, _ in COMMON.values()}:
                flags[flag] = (name, option, int if kind == "int" else str, f"{help_text} ({name} machines)")
    return flags


class SetCommand(click.Command):
    """Its flags: COMMON's, and each driver's own flags for what it changes in place (no environment variables:
    a QEMU_MEMORY_SIZE kept for create must not change machines)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for flag, (_driver, _option, kind, help_text) in driver_flags().items():
            self.params.append(click.Option([flag, dest(flag)], type=kind, default=None, help=help_text))


def dest(flag: str) -> str:
    return "set_" + flag.lstrip("-").replace("-", "_")


@click.command("set", cls=SetCommand, short_help="Change a machine's CPUs, memory or disk in place", help=HELP)
@click.argument("name", required=False)
@click.option("--cpus", type=int, help=COMMON["--cpus"][1])
@click.option("--memory", type=int, help=COMMON["--memory"][1])
@click.option("--disk-size", type=int, help=COMMON["--disk-size"][1])
@click.option("--replace", is_flag=True, help="Allow a change that needs a new VM (its disk and data lost)")
@backend_option
@quiet_option
@click.pass_obj
def command(app: Application, name: Optional[str], replace: bool, backend_url: Optional[str], **values: Any) -> None:
    [name] = app.names_or_default([name] if name else [])
    host = app.host(name)
    info = describe(host.driver_name) if is_driver(host.driver_name) else None
    options, flags = {}, {}
    for flag, (option, _help) in COMMON.items():
        value = values.get(flag[2:].replace("-", "_"))
        if value is None:
            continue
        if info is None or option not in info.changes:
            what = f"a {host.driver_name} machine"
            fix = f": set it with {', '.join(info.flag_of(o) for o in info.changes)}" if info and info.changes else ""
            app.abort(f"Error: {flag} can't be changed on {what}{fix}")
        options[option], flags[option] = value, flag
    for flag, (driver, option, _kind, _help) in driver_flags().items():
        value = values.get(dest(flag))
        if value is None:
            continue
        if driver != host.driver_name:
            app.abort(f"Error: {flag} is a flag of {driver} machines; {name!r} is a {host.driver_name} machine")
        options[option], flags[option] = value, flag
    if not options:
        app.abort("Error: nothing to set: give --cpus, --memory, --disk-size or a flag of its driver (set --help)")
    space = workspace(app, backend_url)

    def change(machine: str, say) -> None:
        from pulumi_docker_machine.automation.resize import set_machine

        if set_machine(machine, options, replace=replace, flags=flags, workspace=space, say=say) is not None:
            say(f'Machine "{machine}" was changed.')

    for_each(app, [name], change)

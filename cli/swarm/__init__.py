"""``docker-machine swarm``: Swarm mode clusters of machines, each swarm one Pulumi stack.

docker-machine swarm create lab --managers 1 --workers 2 -d digitalocean --digitalocean-region fra1
docker-machine swarm create lab --workers 2 -d generic --generic-ip-address A --generic-ip-address B ...
docker-machine swarm ls | scale lab --workers 3 | env lab | rm lab
"""

from __future__ import annotations

from typing import Callable

import click

from pulumi_docker_machine.components.drivers.info import ENGINE_PORT

from ..application import Application, CommandError
from ..changing import backend_option, workspace
from ..quiet import quiet_option
from ..driverflags import (
    DRIVERS,
    driver_in,
    driver_option,
    engine_install_url_option,
    driver_options,
    per_node_options,
    per_node_values,
    to_driver_options,
    unknown_driver,
)


def swarm_driver_options(driver: str) -> list[click.Option]:
    """The driver's create flags; those it takes per node (the generic driver's addresses) once per node."""
    each = {option.opts[0]: option for option in per_node_options([driver] if driver in DRIVERS else [])}
    return [each.get(option.opts[0], option) for option in driver_options(driver)]


class SwarmDriverCommand(click.Command):
    """Common options plus those of the chosen driver, as ``create`` does."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        problem = unknown_driver(driver_in(args)) if self.name == "create" else None
        if problem:
            raise CommandError(problem)
        self.params = [p for p in self.params if not (p.name or "").startswith("driver_")]
        # scale does not know the swarm's driver before parsing: every driver's per-node flags.
        self.params += swarm_driver_options(driver_in(args)) if self.name == "create" else per_node_options(DRIVERS)
        return super().parse_args(ctx, args)


def run_one(app: Application, name: str, action) -> None:
    """One swarm operation, its errors (swarm not found, broken record, operation errors) as one line each."""
    from pulumi_docker_machine.automation import MachineError, PulumiUnavailable
    from pulumi_docker_machine.automation.errors import exit_status
    from pulumi_docker_machine.store.swarms import BrokenSwarm, SwarmNotFound

    try:
        action(name, app.echo)
    except (SwarmNotFound, BrokenSwarm) as err:
        app.abort(str(err))
    except (MachineError, PulumiUnavailable) as err:
        error = CommandError(str(err))
        error.exit_code = exit_status(err)
        raise error from None


@click.group("swarm", short_help="Manage Swarm mode clusters of machines")
def command() -> None:
    """Manage Swarm mode clusters of machines."""


@command.command("create", cls=SwarmDriverCommand, short_help="Create a swarm")
@click.argument("name")
@click.option("--managers", default=1, show_default=True, type=int, help="Number of manager nodes")
@click.option("--workers", default=0, show_default=True, type=int, help="Number of worker nodes")
@driver_option("Driver to create the nodes with.")
@engine_install_url_option
@click.option("--engine-label", multiple=True, help="Specify labels for the created engines")
@backend_option
@quiet_option
@click.pass_obj
def create(
    app: Application, name, managers, workers, driver, engine_install_url, engine_label, backend_url, **flags
) -> None:
    """Create a swarm: the first manager inits it, the other nodes join."""
    from pulumi_docker_machine.automation.swarm import SwarmSpec, create_swarm

    nodes, each = per_node_values(flags, driver)
    options = to_driver_options(driver, flags, store_root=str(app.store.root))
    engine = {"install_url": engine_install_url, "labels": list(engine_label)}
    if ENGINE_PORT in options:
        engine["port"] = options.pop(ENGINE_PORT)
    if each and len(nodes) != managers + workers:
        app.abort(
            f"Error creating swarm: {len(nodes)} {each[0]} given for {managers + workers} nodes: "
            "give one per node, managers first, then workers"
        )
    spec = SwarmSpec(
        driver=driver,
        managers=managers,
        workers=workers,
        driver_options=options,
        engine=engine,
        manager_options=nodes[:managers],
        worker_options=nodes[managers:],
    )
    space = workspace(app, backend_url)
    run_one(app, name, lambda swarm, say: create_swarm(swarm, spec, workspace=space, say=say))


@command.command("scale", cls=SwarmDriverCommand, short_help="Change a swarm's number of managers or workers")
@click.argument("name")
@click.option("--managers", type=int, help="New number of manager nodes (removing keeps a majority)")
@click.option("--workers", type=int, help="New number of worker nodes")
@backend_option
@quiet_option
@click.pass_obj
def scale(app: Application, name, managers, workers, backend_url, **flags) -> None:
    """Add nodes (they join) or remove the last ones (drained, demoted, removed from the swarm, then destroyed)."""
    from pulumi_docker_machine.automation.swarm import scale_swarm

    if managers is None and workers is None:
        app.abort("Error: give --managers and/or --workers: the new number of nodes")
    nodes, _ = per_node_values(flags)
    space = workspace(app, backend_url)
    run_one(
        app,
        name,
        lambda swarm, say: scale_swarm(
            swarm, managers=managers, workers=workers, new_node_options=nodes, workspace=space, say=say
        ),
    )


@command.command("rm", short_help="Remove swarms and their machines")
@click.argument("names", nargs=-1)
@click.option(
    "-f",
    "--force",
    is_flag=True,
    help="Remove local configuration even if the swarm cannot be removed, also implies an automatic yes (`-y`)",
)
@click.option("-y", is_flag=True, help="Assumes automatic yes to proceed with remove")
@backend_option
@quiet_option
@click.pass_obj
def remove(app: Application, names, force, y, backend_url) -> None:
    """Remove swarms: their nodes leave, their machines are destroyed."""
    from pulumi_docker_machine.store.swarms import load_swarm, swarm_names

    if not names:
        app.abort("Error: No swarm name(s) specified.")
    for name in names:
        if not (force and name in swarm_names(app.store)):
            run_one(app, name, lambda swarm, say: load_swarm(app.store, swarm))
    app.echo("About to remove swarm " + ", ".join(names))
    app.echo("WARNING: This action will delete both local reference and remote instances.")
    if not (force or y) and not app.confirm("Are you sure?"):
        return
    from pulumi_docker_machine.automation.swarm import remove_swarm

    space = workspace(app, backend_url)

    def remove(swarm: str, say: Callable[[str], None]) -> None:
        remove_swarm(swarm, force=force, workspace=space, say=say)
        say(f"Successfully removed swarm {swarm}")

    for name in names:
        run_one(app, name, remove)


@command.command("ls", short_help="List swarms")
@click.option("-q", "--quiet", is_flag=True, help="Enable quiet mode")
@click.pass_obj
def list_swarms(app: Application, quiet) -> None:
    """List swarms (from the store; no machine is probed)."""
    from ..table import tabulate
    from pulumi_docker_machine.store.swarms import BrokenSwarm, load_swarm, swarm_names

    rows = []
    for name in swarm_names(app.store):
        if quiet:
            app.echo(name)
            continue
        try:
            record = load_swarm(app.store, name)
        except BrokenSwarm as err:
            rows.append([name, "", "", "", "", "Error", str(err)])
            continue
        manager = ""
        if record.managers and app.store.exists(record.managers[0]):
            try:
                manager = app.store.load(record.managers[0]).url
            except ValueError:
                manager = ""
        rows.append(
            [
                name,
                record.driver,
                str(len(record.managers)),
                str(len(record.workers)),
                manager,
                record.state,
                str(record.data.get("LastError", ""))[:200].splitlines()[0] if record.data.get("LastError") else "",
            ]
        )
    if not quiet:
        header = ["NAME", "DRIVER", "MANAGERS", "WORKERS", "MANAGER URL", "STATE", "ERRORS"]
        app.echo(tabulate(["\t".join(row) for row in [header, *rows]]), nl=False)


@command.command("env", short_help="Display the commands to point the Docker client at a swarm's manager")
@click.argument("name")
@click.option(
    "--shell",
    "shell_name",
    help="Force environment to be configured for a specified shell: [fish, cmd, powershell, tcsh, emacs], "
    "default is auto-detect (any other name: bash's syntax)",
)
@click.pass_obj
def env(app: Application, name, shell_name) -> None:
    """The env of the swarm's first manager (docker commands then act on the swarm)."""
    from ..connection import checked_connection
    from .. import shells
    from pulumi_docker_machine.store.swarms import BrokenSwarm, SwarmNotFound, swarm_manager

    try:
        host = swarm_manager(app.store, name)
    except (SwarmNotFound, BrokenSwarm) as err:
        app.abort(str(err))
    checked_connection(app, host)
    shell = shells.chosen(shell_name)
    words = ["docker-machine", "swarm", "env"] + (["--shell", shell_name] if shell_name else []) + [name]
    app.echo(
        "".join(shell.set(k, v) for k, v in host.docker_env().items()) + shell.usage_hint(" ".join(words)), nl=False
    )

"""``docker-machine rm``: destroy a machine's resources, its stack, and its local record."""

from __future__ import annotations

import click

from ..application import Application
from ..changing import backend_option, for_each, workspace
from ..quiet import quiet_option


@click.command("rm", short_help="Remove a machine")
@click.argument("names", nargs=-1)
@click.option(
    "-f",
    "--force",
    is_flag=True,
    help="Remove local configuration even if machine cannot be removed, also implies an automatic yes (`-y`)",
)
@click.option(
    "-y", is_flag=True, help="Assumes automatic yes to proceed with remove, without prompting further user confirmation"
)
@backend_option
@quiet_option
@click.pass_obj
def command(app: Application, names, force, y, backend_url) -> None:
    """Remove a machine."""
    from pulumi_docker_machine.automation import remove_machine

    if not names:
        app.abort("Error: No machine name(s) specified.")
    for name in names:
        if not (force and name in app.store.names()):  # -f also removes a broken machine folder
            app.host(name)
    app.echo("About to remove " + ", ".join(names))
    app.echo("WARNING: This action will delete both local reference and remote instance.")
    if not (force or y) and not app.confirm("Are you sure?"):
        return
    space = workspace(app, backend_url)

    def remove(name, say):
        remove_machine(name, force=force, workspace=space, say=say)
        say(f"Successfully removed {name}")

    for_each(app, names, remove)

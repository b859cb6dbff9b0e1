"""``docker-machine import``: rebuild the local store from the backend's stacks (machines shared by a team)."""

from __future__ import annotations

import click

from ..application import Application
from ..changing import backend_option, workspace


@click.command("import", short_help="Bring machines from the Pulumi backend into the local store")
@click.argument("names", nargs=-1)
@click.option("--stack", "stack_name", help="Import the machines of this declarative stack (pulumi up on stacks/)")
@click.option(
    "--cwd",
    "project_dir",
    default=".",
    show_default=True,
    type=click.Path(file_okay=False),
    help="The Pulumi project folder of --stack",
)
@backend_option
@click.pass_obj
def command(app: Application, names, stack_name, project_dir, backend_url) -> None:
    """Bring machines (all, or those named) from the Pulumi backend into the local store."""
    from pulumi.automation.errors import CommandError

    from pulumi_docker_machine.automation import MachineError, import_machines, import_stack
    from pulumi_docker_machine.automation.migrate import migrate_imported, unmigrated_note

    space = workspace(app, backend_url)
    try:
        if stack_name:
            imported = import_stack(
                stack_name, project_dir, store=app.store, say=app.echo, pulumi_command=space.command()
            )
            note = unmigrated_note(stack_name, project_dir, pulumi_command=space.command())
            if note:
                app.echo(note)
        else:
            imported = import_machines(list(names) or None, workspace=space, say=app.echo)
            migrate_imported(space, imported, say=app.echo)
    except MachineError as err:
        app.abort(str(err))
    except CommandError as err:  # reading the backend failed: one line, no traceback
        from pulumi_docker_machine.automation.errors import last_line
        from pulumi_docker_machine.automation.backenderrors import unreachable, where

        app.abort(
            unreachable(str(err), space.backend)
            or f"Error reading the backend {where(space.backend)}: {last_line(err)}"
        )
    if not imported:
        app.echo("No machines found in the backend")

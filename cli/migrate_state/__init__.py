"""``docker-machine migrate-state``: state written before the pulumi_docker_machine namespace, moved onto its
module paths (pulumi_docker_machine/automation/migrate.py). The store's own stacks are migrated by the first
command that meets them; this does it on demand, or for a stack of one's own project (--stack, --cwd)."""

from __future__ import annotations

import click

from ..application import Application
from ..changing import backend_option, workspace


@click.command("migrate-state", short_help="Move stacks' state onto the module paths of this version")
@click.option(
    "--stack",
    "stack_name",
    help="A stack of your own Pulumi project (stacks/ through pulumi up, or your own program) instead of "
    "this store's machines and swarms",
)
@click.option(
    "--cwd",
    "project_dir",
    default=".",
    show_default=True,
    type=click.Path(file_okay=False),
    help="The Pulumi project folder of --stack (its backend and passphrase as pulumi takes them)",
)
@backend_option
@click.pass_obj
def command(app: Application, stack_name, project_dir, backend_url) -> None:
    """Rewrite the dynamic providers' module paths (components... -> pulumi_docker_machine.components...) in
    the state of this store's stacks, or of --stack; the state before is kept in STORE/state-backups."""
    from pulumi.automation.errors import CommandError

    from pulumi_docker_machine.automation import PulumiUnavailable
    from pulumi_docker_machine.automation.errors import last_line
    from pulumi_docker_machine.automation.migrate import MigrationRefused, migrate_project_stack, migrate_store

    space = workspace(app, backend_url)
    try:
        if stack_name:
            migrate_project_stack(
                stack_name, project_dir, store=app.store, pulumi_command=space.command(), say=app.echo
            )
        elif migrate_store(space, say=app.echo) == 0:
            app.echo("Nothing to migrate: no stack of this store names a module path from before pulumi_docker_machine")
    except MigrationRefused as err:
        app.abort(str(err))
    except PulumiUnavailable as err:
        app.abort(str(err))
    except CommandError as err:
        where = f"stack {stack_name!r} in {project_dir}" if stack_name else "this store's stacks"
        app.abort(f"Error migrating {where}: {last_line(err)}")

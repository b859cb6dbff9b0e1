"""``docker-machine provision``: run the provisioning again (Docker's configuration and certificates)."""

from __future__ import annotations

import click

from ..application import Application
from ..changing import backend_option, for_each, workspace


@click.command("provision", short_help="Re-provision existing machines")
@click.argument("names", nargs=-1)
@backend_option
@click.pass_obj
def command(app: Application, names, backend_url) -> None:
    """Re-provision existing machines."""
    from ..operations import provision_machine

    space = workspace(app, backend_url)

    def run(name, say):
        say(f'Provisioning "{name}"...')
        provision_machine(name, workspace=space, say=say)
        say(f'Docker is up and running!')

    for_each(app, names, run)

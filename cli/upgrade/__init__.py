"""``docker-machine upgrade``: upgrade Docker with its installer, then restart it."""

from __future__ import annotations

import click

from ..application import Application
from ..changing import backend_option, for_each, workspace


@click.command("upgrade", short_help="Upgrade a machine to the latest version of Docker")
@click.argument("names", nargs=-1)
@backend_option
@click.pass_obj
def command(app: Application, names, backend_url) -> None:
    """Upgrade a machine to the latest version of Docker."""
    from ..operations import provision_machine

    space = workspace(app, backend_url)

    def run(name, say):
        say(f'Upgrading docker...')
        provision_machine(name, reinstall=True, workspace=space, say=say)
        say(f'Restarting docker...')

    for_each(app, names, run)

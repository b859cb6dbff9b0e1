"""``docker-machine restart``: stop, then start (generic: reboot over SSH)."""

from __future__ import annotations

import click

from ..application import Application
from ..changing import backend_option, for_each, workspace


@click.command("restart", short_help="Restart a machine")
@click.argument("names", nargs=-1)
@backend_option
@click.pass_obj
def command(app: Application, names, backend_url) -> None:
    """Restart a machine."""
    from ..operations import restart_machine

    space = workspace(app, backend_url)

    def run(name, say):
        say(f'Restarting "{name}"...')
        restart_machine(name, workspace=space, say=say)
        say(f'Restarted machines may have new IP addresses. You may need to re-run the `docker-machine env` command.')

    for_each(app, names, run)

"""``docker-machine kill``: stop a machine without a clean shutdown."""

from __future__ import annotations

import click

from ..application import Application
from ..changing import backend_option, for_each, workspace


@click.command("kill", short_help="Kill a machine")
@click.argument("names", nargs=-1)
@backend_option
@click.pass_obj
def command(app: Application, names, backend_url) -> None:
    """Kill a machine."""
    from ..operations import set_power

    space = workspace(app, backend_url)

    def run(name, say):
        say(f'Killing "{name}"...')
        set_power(name, "kill", workspace=space, say=say)
        say(f'Machine "{name}" was killed.')

    for_each(app, names, run)

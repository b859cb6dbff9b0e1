"""``docker-machine stop``: the machine's wanted power state becomes stopped (a clean shutdown)."""

from __future__ import annotations

import click

from ..application import Application
from ..changing import backend_option, for_each, workspace


@click.command("stop", short_help="Stop a machine")
@click.argument("names", nargs=-1)
@backend_option
@click.pass_obj
def command(app: Application, names, backend_url) -> None:
    """Stop a machine."""
    from ..operations import set_power

    space = workspace(app, backend_url)

    def run(name, say):
        say(f'Stopping "{name}"...')
        set_power(name, "stop", workspace=space, say=say)
        say(f'Machine "{name}" was stopped.')

    for_each(app, names, run)

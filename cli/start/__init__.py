"""``docker-machine start``: the machine's wanted power state becomes running."""

from __future__ import annotations

import click

from ..application import Application
from ..changing import backend_option, for_each, workspace


@click.command("start", short_help="Start a machine")
@click.argument("names", nargs=-1)
@backend_option
@click.pass_obj
def command(app: Application, names, backend_url) -> None:
    """Start a machine."""
    from ..operations import set_power

    space = workspace(app, backend_url)

    def run(name, say):
        say(f'Starting "{name}"...')
        set_power(name, "start", workspace=space, say=say)
        say(f'Machine "{name}" was started.')

    for_each(app, names, run)

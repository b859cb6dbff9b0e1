"""``docker-machine status``: the state of a machine."""

from __future__ import annotations

import click

from ..application import Application
from ..probe import probe

STATUS_TIMEOUT = 10.0


@click.command("status", short_help="Get the status of a machine")
@click.argument("names", nargs=-1)
@click.pass_obj
def command(app: Application, names) -> None:
    """Get the status of a machine."""
    app.echo(probe(app.one_host(names), STATUS_TIMEOUT).state)

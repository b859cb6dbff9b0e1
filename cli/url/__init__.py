"""``docker-machine url``: the Docker URL of a machine."""

from __future__ import annotations

import click

from ..application import Application
from ..connection import running_url


@click.command("url", short_help="Get the URL of a machine")
@click.argument("names", nargs=-1)
@click.pass_obj
def command(app: Application, names) -> None:
    """Get the URL of a machine."""
    app.echo(running_url(app, app.one_host(names)))

"""The click command of ``docker-machine ip`` (its body, run(), imports no click)."""

from __future__ import annotations

import click

from ..application import Application
from . import run


@click.command("ip", short_help="Get the IP address of a machine")
@click.argument("names", nargs=-1)
@click.pass_obj
def command(app: Application, names) -> None:
    """Get the IP address of one or more machines."""
    run(app, names=names)

"""The click command of ``docker-machine status`` (its body, run(), imports no click)."""

from __future__ import annotations

import click

from ..application import Application
from . import run


@click.command("status", short_help="Get the status of a machine")
@click.argument("names", nargs=-1)
@click.pass_obj
def command(app: Application, names) -> None:
    """Get the status of a machine."""
    run(app, names=names)

"""The click command of ``docker-machine inspect`` (its body, run(), imports no click)."""

from __future__ import annotations

import click

from ..application import Application
from . import run


@click.command("inspect", short_help="Inspect information about a machine")
@click.argument("names", nargs=-1)
@click.option("-f", "--format", "template", help="Format the output using the given go template.")
@click.pass_obj
def command(app: Application, names, template) -> None:
    """Inspect information about a machine."""
    run(app, names=names, template=template)

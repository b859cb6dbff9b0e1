"""The click command of ``docker-machine config`` (its body, run(), imports no click)."""

from __future__ import annotations

import click

from ..application import Application
from . import run


@click.command("config", short_help="Print the connection config for machine")
@click.argument("names", nargs=-1)
@click.option("--swarm", is_flag=True, help="Display the Swarm config instead of the Docker daemon")
@click.pass_obj
def command(app: Application, names, swarm) -> None:
    """Print the connection config for machine."""
    run(app, names=names, swarm=swarm)

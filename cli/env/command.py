"""The click command of ``docker-machine env`` (its body, run(), imports no click)."""

from __future__ import annotations

import click

from ..application import Application
from . import run


@click.command("env", short_help="Display the commands to set up the environment for the Docker client")
@click.argument("name", required=False)
@click.option("--swarm", is_flag=True, help="Display the Swarm config instead of the Docker daemon")
@click.option(
    "--shell",
    "shell_name",
    help="Force environment to be configured for a specified shell: [fish, cmd, powershell, tcsh, emacs], "
    "default is auto-detect (any other name: bash's syntax, as docker-machine prints it)",
)
@click.option("-u", "--unset", is_flag=True, help="Unset variables instead of setting them")
@click.option("--no-proxy", is_flag=True, help="Add machine IP to NO_PROXY environment variable")
@click.pass_obj
def command(app: Application, name, swarm, shell_name, unset, no_proxy) -> None:
    """Display the commands to set up the environment for the Docker client."""
    run(app, name=name, shell_name=shell_name, unset=unset, no_proxy=no_proxy, swarm=swarm)

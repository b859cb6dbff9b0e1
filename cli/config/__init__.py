"""``docker-machine config``: the docker client flags for a machine, one per line."""

from __future__ import annotations

import click

from ..application import Application
from ..connection import checked_connection


@click.command("config", short_help="Print the connection config for machine")
@click.argument("names", nargs=-1)
@click.option("--swarm", is_flag=True, help="Display the Swarm config instead of the Docker daemon")
@click.pass_obj
def command(app: Application, names, swarm) -> None:
    """Print the connection config for machine."""
    host = app.one_host(names)
    if swarm:
        app.abort(f"Error: {host.name} is not a swarm master.  The --swarm flag is intended for use with swarm masters")
    url = checked_connection(app, host)
    folder = host.machine_dir
    app.echo(
        f'--tlsverify\n--tlscacert="{folder / "ca.pem"}"\n--tlscert="{folder / "cert.pem"}"\n'
        f'--tlskey="{folder / "key.pem"}"\n-H={url}'
    )

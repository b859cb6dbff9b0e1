"""``docker-machine config``: the docker client flags for a machine, one per line."""

from __future__ import annotations

from ..application import Application
from ..connection import checked_connection


def run(app: Application, *, names, swarm) -> None:
    """Print the connection config for machine."""
    host = app.one_host(names)
    if swarm:
        from ..swarmhost import not_a_master

        problem = not_a_master(host)
        if problem:
            app.abort(f"Error running connection boilerplate: {problem}")
    url = checked_connection(app, host)
    folder = host.machine_dir
    app.echo(
        f'--tlsverify\n--tlscacert="{folder / "ca.pem"}"\n--tlscert="{folder / "cert.pem"}"\n'
        f'--tlskey="{folder / "key.pem"}"\n-H={url}'
    )

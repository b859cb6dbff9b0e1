"""``docker-machine config``: the docker client flags for a machine, one per line."""

from __future__ import annotations

from ..application import Application
from ..connection import CONFIG_CHECK, checked_connection


def run(app: Application, *, names, swarm) -> None:
    """Print the connection config for machine."""
    host = app.one_host(names)
    if swarm:
        from ..swarmhost import swarm_target

        host = swarm_target(app, host, CONFIG_CHECK)  # its connection checked
        url = host.url
    else:
        url = checked_connection(app, host, CONFIG_CHECK)
    folder = host.machine_dir
    app.echo(
        f'--tlsverify\n--tlscacert="{folder / "ca.pem"}"\n--tlscert="{folder / "cert.pem"}"\n'
        f'--tlskey="{folder / "key.pem"}"\n-H={url}'
    )

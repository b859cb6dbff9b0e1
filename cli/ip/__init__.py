"""``docker-machine ip``: the machines' IP addresses."""

from __future__ import annotations

from ..application import Application
from pulumi_docker_machine.store.driverfields import missing_address


def run(app: Application, *, names) -> None:
    """Get the IP address of one or more machines."""
    hosts = [app.host(name) for name in app.names_or_default(names)]
    for host in hosts:
        if not host.ip:
            app.abort(
                f"Error getting IP address: the machine {host.name!r} has no IP address yet: "
                f"{missing_address(host.driver_name)}"
            )
        app.echo(host.ip)

"""``docker-machine active``: the machine $DOCKER_HOST points at."""

from __future__ import annotations

import os

import click

from ..application import Application


@click.command("active", short_help="Print which machine is active")
@click.option("-t", "--timeout", default=10, show_default=True, help="Timeout in seconds")
@click.pass_obj
def command(app: Application, timeout) -> None:
    """Print which machine is active."""
    docker_host = os.environ.get("DOCKER_HOST", "")
    for host in app.store.hosts():
        if docker_host and host.url == docker_host:
            app.echo(host.name)
            return
    app.abort("No active host found")

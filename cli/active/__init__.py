"""``docker-machine active``: the machine $DOCKER_HOST points at."""

from __future__ import annotations

import os

from ..application import Application
from ..probe import probe_all


def run(app: Application, *, timeout) -> None:
    """Print which machine is active."""
    docker_host = os.environ.get("DOCKER_HOST", "")
    candidates = [host for host in app.store.hosts() if docker_host and host.url == docker_host]
    statuses = probe_all(candidates, timeout)
    for host in candidates:
        if statuses[host.name].state == "Running":  # docker-machine: active means the URL matches and it runs
            app.echo(host.name)
            return
    app.abort("No active host found")

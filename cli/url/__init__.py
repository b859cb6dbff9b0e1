"""``docker-machine url``: the Docker URL of a machine."""

from __future__ import annotations

from ..application import Application
from ..connection import running_url


def run(app: Application, *, names) -> None:
    """Get the URL of a machine."""
    app.echo(running_url(app, app.one_host(names)))

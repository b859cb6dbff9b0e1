"""``docker-machine status``: the state of a machine."""

from __future__ import annotations

from ..application import Application
from ..probe import probe

STATUS_TIMEOUT = 10.0


def run(app: Application, *, names) -> None:
    """Get the status of a machine."""
    app.echo(probe(app.one_host(names), STATUS_TIMEOUT).state)

"""``docker-machine status``: the state of a machine."""

from __future__ import annotations

from ..application import Application

STATUS_TIMEOUT = 10.0


def run(app: Application, *, names) -> None:
    """Get the status of a machine."""
    host = app.one_host(names)
    if host.engine_only:  # its docker-machine driver (none) answers Running without asking anything
        app.echo("Running")
        return
    from ..probe import probe  # ssl: only when an engine is asked

    app.echo(probe(host, STATUS_TIMEOUT).state)

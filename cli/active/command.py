"""The click command of ``docker-machine active`` (its body, run(), imports no click)."""

from __future__ import annotations

import click

from ..application import Application
from ..engine_status import MAX_TIMEOUT
from . import run


@click.command("active", short_help="Print which machine is active")
@click.option(
    "-t", "--timeout", default=10, show_default=True, type=click.IntRange(1, MAX_TIMEOUT), help="Timeout in seconds"
)
@click.pass_obj
def command(app: Application, timeout) -> None:
    """Print which machine is active."""
    run(app, timeout=timeout)

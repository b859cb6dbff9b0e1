"""The click command of ``docker-machine ls`` (its body, run(), imports no click)."""

from __future__ import annotations

import click

from ..application import Application
from ..engine_status import MAX_TIMEOUT
from . import run


@click.command("ls", short_help="List machines")
@click.option("-q", "--quiet", is_flag=True, help="Enable quiet mode")
@click.option("--filter", "filters", multiple=True, help="Filter output based on conditions provided")
@click.option(
    "-t",
    "--timeout",
    default=10,
    show_default=True,
    type=click.IntRange(1, MAX_TIMEOUT),
    help="Timeout in seconds, default to 10s",
)
@click.option("-f", "--format", "template", help="Pretty-print machines using a Go template")
@click.pass_obj
def command(app: Application, quiet, filters, timeout, template) -> None:
    """List machines."""
    run(app, quiet=quiet, filters=filters, timeout=timeout, template=template)

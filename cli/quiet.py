"""``-q/--quiet`` on the commands that run the engine, and live progress on a terminal when it is not given
(pulumi_docker_machine/automation/progress.py)."""

from __future__ import annotations

import click


def _choose(ctx: click.Context, param: click.Parameter, quiet: bool) -> bool:
    from pulumi_docker_machine.automation.progress import show_progress

    show_progress(quiet)
    ctx.call_on_close(lambda: show_progress(None))  # a later run in this process (tests, the API) starts plain
    return quiet


# On a function, or on a click.Command made already (click appends the option to its parameters).
quiet_option = click.option(
    "-q",
    "--quiet",
    is_flag=True,
    expose_value=False,
    callback=_choose,
    help="Show no progress (steps, downloads): only the outcome and errors",
)

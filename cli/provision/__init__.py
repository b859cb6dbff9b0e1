"""``docker-machine provision``: run the provisioning again (Docker's configuration and certificates); with
``--engine-env``/``--engine-opt``, with new engine settings (a proxy changed without recreating: docker/machine#1936).
"""

from __future__ import annotations

from typing import Optional

import click

from ..application import Application
from ..changing import backend_option, for_each, operations, workspace
from ..quiet import quiet_option


@click.command("provision", short_help="Re-provision existing machines", help="Re-provision existing machines.")
@click.argument("names", nargs=-1)
@click.option(
    "--engine-env",
    multiple=True,
    help="Environment variables to set in the engine (KEY=VALUE): the given ones replace the machine's",
)
@click.option(
    "--engine-opt",
    multiple=True,
    help="Flags for the engine in the form flag=value: the given ones replace the machine's",
)
@backend_option
@quiet_option
@click.pass_obj
def command(
    app: Application,
    names: tuple[str, ...],
    engine_env: tuple[str, ...],
    engine_opt: tuple[str, ...],
    backend_url: Optional[str],
) -> None:
    names = tuple(app.names_or_default(names))
    for machine in names:  # docker-machine loads every machine before it acts on any (runAction)
        app.host(machine)
    space = workspace(app, backend_url)

    def run(machine: str, say) -> None:
        say(f'Provisioning "{machine}"...')
        operations().provision_machine(machine, engine_env=engine_env, engine_opts=engine_opt, workspace=space, say=say)
        say("Docker is up and running!")

    for_each(app, list(names), run)

"""``docker-machine compose NAME [ARGS...]``: docker compose against a machine, over its TLS connection.

Every argument after NAME goes to ``docker compose`` unchanged (``up -d``, ``ps``, ``logs -f``, ``down``);
the exit code is docker compose's. The Docker CLI's Compose v2 plugin is used: where it is missing,
one line says so and how to get it. No Pulumi here.
"""

from __future__ import annotations

from typing import Sequence

import click

from pulumi_docker_machine.components.compose.dockercli import MISSING_PLUGIN, compose_missing

from ..application import Application
from ..dockerrun import PASS_THROUGH, docker_env, docker_or_abort, run_docker


@click.command("compose", short_help="Run docker compose against a machine", context_settings=PASS_THROUGH)
@click.argument("name")
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
@click.pass_obj
def command(app: Application, name: str, args: Sequence[str]) -> None:
    """Run docker compose against a machine: docker-machine compose NAME up -d | ps | logs | down ..."""
    host = app.host(name)
    docker = docker_or_abort(app)
    env = docker_env(app, host)
    if compose_missing(docker, env):
        app.abort(f"Error: {MISSING_PLUGIN}")
    run_docker([docker, "compose", *args], env)

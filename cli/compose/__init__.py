"""``docker-machine compose NAME [ARGS...]``: docker compose against a machine, over its TLS connection.

Every argument after NAME goes to ``docker compose`` unchanged (``up -d``, ``ps``, ``logs -f``, ``down``);
the exit code is docker compose's. The Docker CLI's Compose v2 plugin is used: where it is missing,
one line says so and how to get it. No Pulumi here.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from typing import NoReturn, Sequence

import click

from pulumi_docker_machine.components.compose.dockercli import MISSING_PLUGIN, DockerCLIError, compose_missing, docker_binary, machine_env

from ..application import Application
from ..connection import checked_connection
from pulumi_docker_machine.store import HostConfig

PASS_THROUGH = {"ignore_unknown_options": True, "allow_interspersed_args": False}


def docker_env(app: Application, host: HostConfig) -> dict[str, str]:
    """This process's environment with the docker CLI pointed at ``host`` (what ``docker-machine env`` sets)."""
    url = checked_connection(app, host)
    env = machine_env(os.environ, url, host.machine_dir)
    env["DOCKER_MACHINE_NAME"] = host.name
    return env


def docker_or_abort(app: Application) -> str:
    try:
        return docker_binary()
    except DockerCLIError as err:
        app.abort(f"Error: {err}")


def run_docker(args: Sequence[str], env: dict[str, str]) -> NoReturn:
    """Run docker in the foreground (Ctrl-C is its to handle) and exit with its exit code."""
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        process = subprocess.Popen(list(args), env=env, preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
        code = process.wait()
    finally:
        signal.signal(signal.SIGINT, previous)
    sys.exit(128 - code if code < 0 else code)  # killed by a signal: the shell's 128+N


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

"""``docker-machine stack deploy SWARM -c FILE APP`` / ``stack rm SWARM APP`` (and ls, ps, services).

SWARM names a swarm (its manager is used) or a machine that is a swarm manager. The arguments after
SWARM go to ``docker stack`` unchanged; the exit code is docker's. No Pulumi here.
"""

from __future__ import annotations

import subprocess
import sys
import time
from typing import Sequence

import click

from ..application import Application
from ..dockerrun import PASS_THROUGH, docker_env, docker_or_abort, run_docker
from pulumi_docker_machine.store import HostConfig, MachineNotFound

RM_RETRY_SECONDS = 120.0
RM_PARTIAL = "failed to remove some resources from stack"


def manager_host(app: Application, name: str) -> HostConfig:
    """The swarm's manager (pulumi_docker_machine/store/swarms.py's swarm_manager), else the machine named ``name``."""
    from pulumi_docker_machine.store.swarms import swarm_manager

    try:
        return swarm_manager(app.store, name)
    except (LookupError, MachineNotFound):
        return app.host(name)  # not a swarm: maybe a machine
    except (OSError, ValueError) as err:
        app.abort(f"Error: {err}")


@click.group("stack", short_help="Deploy or remove a Compose stack on a swarm")
def command() -> None:
    """Run docker stack against a swarm's manager (or a machine that is a swarm manager)."""


def _stack(sub: str, args: Sequence[str], app: Application, swarm: str) -> None:
    host = manager_host(app, swarm)
    docker = docker_or_abort(app)
    run_docker([docker, "stack", sub, *args], docker_env(app, host))


@command.command("deploy", context_settings=PASS_THROUGH)
@click.argument("swarm")
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
@click.pass_obj
def deploy(app: Application, swarm: str, args: Sequence[str]) -> None:
    """Deploy a stack: docker-machine stack deploy SWARM -c FILE [--resolve-image never] APP"""
    _stack("deploy", args, app, swarm)


@command.command("rm", context_settings=PASS_THROUGH)
@click.argument("swarm")
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
@click.pass_obj
def rm(app: Application, swarm: str, args: Sequence[str]) -> None:
    """Remove stacks: docker-machine stack rm SWARM APP... (waits until their networks are gone too)"""
    host = manager_host(app, swarm)
    docker = docker_or_abort(app)
    env = docker_env(app, host)
    # docker stack rm removes the networks before the services' tasks have stopped, and fails on them
    # ("failed to remove some resources"): again, until they are gone, as you would by hand.
    deadline = time.monotonic() + RM_RETRY_SECONDS
    while True:
        result = subprocess.run([docker, "stack", "rm", *args], env=env, stderr=subprocess.PIPE, text=True)
        if result.returncode == 0 or RM_PARTIAL not in result.stderr or time.monotonic() > deadline:
            sys.stderr.write(result.stderr)
            sys.exit(result.returncode)
        time.sleep(2)


for _sub, _help in (
    ("ls", "List stacks: docker-machine stack ls SWARM"),
    ("ps", "List a stack's tasks: docker-machine stack ps SWARM APP"),
    ("services", "List a stack's services: docker-machine stack services SWARM APP"),
):

    def _make(sub: str):
        @click.pass_obj
        def passthrough(app: Application, swarm: str, args: Sequence[str]) -> None:
            _stack(sub, args, app, swarm)

        return passthrough

    # The outer decorator's argument comes first: SWARM, then everything else.
    command.command(_sub, context_settings=PASS_THROUGH, help=_help)(
        click.argument("swarm")(click.argument("args", nargs=-1, type=click.UNPROCESSED)(_make(_sub)))
    )

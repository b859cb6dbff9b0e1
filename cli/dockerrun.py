"""The docker CLI run against a machine, in the foreground (``compose``, ``stack``): its environment pointed
at the machine over TLS, and its exit code passed on."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from typing import NoReturn, Sequence

from pulumi_docker_machine.components.compose.dockercli import DockerCLIError, docker_binary, machine_env
from pulumi_docker_machine.store import HostConfig

from .application import Application
from .connection import checked_connection

# click's context settings of a command whose arguments after the machine all go to docker unchanged.
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

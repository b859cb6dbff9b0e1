"""``docker-machine env``: the commands that point the docker client at a machine."""

from __future__ import annotations

import os

from ..application import Application
from ..connection import checked_connection
from .. import shells

# What -u unsets: the keys of HostConfig.docker_env (which needs a machine; -u takes none).
VARIABLES = ("DOCKER_TLS_VERIFY", "DOCKER_HOST", "DOCKER_CERT_PATH", "DOCKER_MACHINE_NAME")


def no_proxy_value(ip: str) -> tuple[str, str]:
    """(variable, value): a non-empty no_proxy first, then NO_PROXY (docker-machine's order), IP added once."""
    for variable in ("no_proxy", "NO_PROXY"):
        current = os.environ.get(variable, "")
        if current:
            hosts = [h for h in current.split(",") if h]
            return variable, current if ip in hosts else ",".join(hosts + [ip])
    return "NO_PROXY", ip


def run(app: Application, *, name, shell_name, unset, no_proxy, swarm=False) -> None:
    """Display the commands to set up the environment for the Docker client."""
    shell = shells.chosen(shell_name)
    words = ["docker-machine", "env"]
    if swarm:
        words.append("--swarm")
    if shell_name:
        words += ["--shell", shell_name]
    if unset:
        if name:
            app.abort("Error: Expected no machine name when the -u flag is present")
        words.append("-u")
        names = list(VARIABLES)
        if no_proxy:
            names.append(no_proxy_value("")[0])
        app.echo("".join(shell.unset(v) for v in names) + shell.usage_hint(" ".join(words)), nl=False)
        return
    if no_proxy:
        words.append("--no-proxy")
    if name:
        words.append(name)
    host = app.one_host([name] if name else [])
    if swarm:
        from ..swarmhost import swarm_target

        host = swarm_target(app, host, "Error checking TLS connection: ")
    else:
        checked_connection(app, host)
    lines = [shell.set(key, value) for key, value in host.docker_env().items()]
    if no_proxy:
        lines.append(shell.set(*no_proxy_value(host.ip)))
    app.echo("".join(lines) + shell.usage_hint(" ".join(words)), nl=False)

"""What ``env --swarm`` and ``config --swarm`` point at. docker-machine 0.16.2 pointed them at a classic Swarm
master's port (HostOptions.SwarmOptions.Host, 3376). Classic Swarm is gone and a manager of swarm mode serves the
swarm's API on its own engine, so a manager of a swarm of ours (``create --swarm-master``, ``swarm create``)
answers with its engine's URL; a classic master made by docker-machine 0.16.2 still answers as 0.16.2 did."""

from __future__ import annotations

import re

from .application import Application
from .connection import checked_connection
from pulumi_docker_machine.store import HostConfig
from pulumi_docker_machine.store.checks import shown
from pulumi_docker_machine.store.hostconfig import PULUMI_SECTION
from pulumi_docker_machine.store.swarms import swarm_membership

# 0.16.2's ErrSwarmNotStarted: the swarm port does not answer, the engine does.
SWARM_NOT_STARTED = "Connection to Swarm cannot be checked but the certs are valid. Maybe swarm is not started"
_CLASSIC_HOST = re.compile(r"tcp://[^/:]*:([0-9]{1,5})/?")


def not_a_master(host: HostConfig) -> str:
    """0.16.2's words, then the way for a worker of ours."""
    problem = f'"{host.name}" is not a swarm master. The --swarm flag is intended for use with swarm masters'
    membership = swarm_membership(host)
    if membership:
        problem += f" ('docker-machine swarm env {membership[0]}' points at a manager of its swarm)"
    return problem


def _classic_master(host: HostConfig) -> HostConfig | str | None:
    """A 0.16.2 classic master as a machine whose engine port is its Swarm port; its Host's problem (a string); or
    None when it is no such master. config.json is untrusted: the port must be a port."""
    options = (
        host.data.get("HostOptions", {}).get("SwarmOptions") if isinstance(host.data.get("HostOptions"), dict) else None
    )
    if not isinstance(options, dict) or options.get("Master") is not True:
        return None
    listen = options.get("Host")
    found = _CLASSIC_HOST.fullmatch(listen) if isinstance(listen, str) else None
    if not found or not 1 <= int(found.group(1)) <= 65535:
        return f"There was an error parsing the url: HostOptions.SwarmOptions.Host {shown(listen)} is not tcp://ADDRESS:PORT"
    classic = host.copy()
    classic.data.setdefault(PULUMI_SECTION, {})["EnginePort"] = int(found.group(1))
    return classic


def swarm_target(app: Application, host: HostConfig, prefix: str) -> HostConfig:
    """The machine whose connection settings --swarm prints, its connection checked; else one line (``prefix``:
    the command's own, as 0.16.2 wraps the error) and exit 1."""
    membership = swarm_membership(host)
    if membership and membership[1] == "manager":
        checked_connection(app, host, prefix)
        return host
    classic = None if membership else _classic_master(host)
    if classic is None:
        app.abort(f"{prefix}{not_a_master(host)}")
    if isinstance(classic, str):
        app.abort(f"{prefix}{classic}")
    from .probe import probe

    if probe(classic, 10.0).state != "Running" and probe(host, 10.0).state == "Running":
        app.abort(f"{prefix}{SWARM_NOT_STARTED}")
    checked_connection(app, classic, prefix)
    return classic

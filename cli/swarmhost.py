"""What ``env --swarm`` and ``config --swarm`` point at: docker-machine 0.16.2 pointed them at a classic Swarm
master; classic Swarm is gone, and a manager of swarm mode serves the swarm's API on its own engine, so a manager
of a swarm of ours (``create --swarm-master``, ``swarm create``) answers with its own engine's URL."""

from __future__ import annotations

from pulumi_docker_machine.store import HostConfig
from pulumi_docker_machine.store.swarms import swarm_membership


def not_a_master(host: HostConfig) -> str | None:
    """Why ``host`` can't take --swarm (0.16.2's words, then the way for a worker of ours); None for a manager."""
    membership = swarm_membership(host)
    if membership and membership[1] == "manager":
        return None
    problem = f'"{host.name}" is not a swarm master. The --swarm flag is intended for use with swarm masters'
    if membership:
        problem += f" ('docker-machine swarm env {membership[0]}' points at a manager of its swarm)"
    return problem

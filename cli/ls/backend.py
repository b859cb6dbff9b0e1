"""``ls`` of a machine a teammate removed: its stack is gone from the shared backend.

Asked only for machines that are not Running and whose record names the backend this command uses
(PULUMI_BACKEND_URL, a shared one: not the store's own file backend), once for all of them. The
record's own backend URL is never dialled: config.json is untrusted, and a backend is where the
user's credentials go. A backend that can't be asked leaves the probe's answer as it was.
"""

from __future__ import annotations

import os

from ..engine_status import EngineStatus
from pulumi_docker_machine.store.swarms import swarm_membership

GONE = (
    "Error: machine does not exist in the backend any more (removed from another store): "
    "'docker-machine rm -f {name}' forgets it here"
)


def gone_from_backend(store, hosts, statuses: dict, timeout: float) -> dict:
    """``{name: EngineStatus("Error", ...)}`` for each such machine whose stack the backend no longer has.
    A backend that does not answer within ``timeout`` seconds (``ls -t``) leaves the probes' answers as they
    were; the pulumi still asking is cancelled when this command exits (its guard sees us gone)."""
    backend = os.environ.get("PULUMI_BACKEND_URL") or ""
    suspects = [
        host
        for host in hosts
        if backend
        and not backend.startswith("file:")
        and host.pulumi.get("Backend") == backend
        and statuses.get(host.name) is not None
        and statuses[host.name].state != "Running"
        and not host.pulumi.get("DeclaredIn")
        and not swarm_membership(host)
    ]
    if not suspects:
        return {}
    import threading

    from pulumi.automation import errors

    from pulumi_docker_machine.automation.workspace import MachineWorkspace, PulumiUnavailable

    answer: list[set] = []

    def ask() -> None:
        try:
            answer.append(set(MachineWorkspace(store, backend_url=backend).stack_names()))
        except (errors.CommandError, PulumiUnavailable, OSError):
            pass

    asking = threading.Thread(target=ask, daemon=True)
    asking.start()
    asking.join(timeout)
    if not answer:
        return {}
    stacks = answer[0]
    return {
        host.name: EngineStatus("Error", error=GONE.format(name=host.name))
        for host in suspects
        if host.name not in stacks
    }

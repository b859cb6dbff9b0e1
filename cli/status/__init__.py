"""``docker-machine status``: the state of a machine."""

from __future__ import annotations

from ..application import Application
from ..reach import TIMED_OUT, connects

STATUS_TIMEOUT = 10.0


def run(app: Application, *, names) -> None:
    """Get the status of a machine."""
    app.echo(machine_state(app.one_host(names), STATUS_TIMEOUT))


def machine_state(host, timeout: float) -> str:
    """docker-machine's status is its driver's GetState: whether the machine runs, not whether its engine takes
    our certificates (ls, env and config ask that, over TLS). The read commands ask no cloud or hypervisor, so:
    one that is only an engine's URL runs (the none driver answers so without asking); else the engine's port
    accepting a connection, or else its SSH port (generic's GetState dials it), says it runs."""
    if host.stopped_by_us:
        return "Stopped"
    if host.pulumi.get("State") == "Error":  # its last create or update failed
        return "Error"
    if host.engine_only:
        return "Running"
    if not host.address:
        return "Error"
    engine = connects(host.address, host.engine_port, timeout)
    if engine is TIMED_OUT:
        return "Timeout"
    if engine or (host.ssh_host and connects(host.ssh_host, host.ssh_port, timeout)):
        return "Running"
    return "Stopped"

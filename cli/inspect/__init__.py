"""``docker-machine inspect``: a machine's configuration as JSON, or through a template."""

from __future__ import annotations

import json

from ..application import Application
from ..gotemplate import TemplateError, render


def run(app: Application, *, names, template) -> None:
    """Inspect information about a machine."""
    host = app.one_host(names)
    data = {**host.data, **agent_status(app.store.machine_dir(host.name))}
    if not template:
        app.echo(json.dumps(data, indent=4))
        return
    try:
        app.echo(render(template, data, maps=True))
    except TemplateError as err:
        app.abort(f"Error: {err}")


AGENT_STATUS = "hostagent.json"  # a local VM's host agent writes it (components/drivers/qemu/hostagent/)
STATUS_LIMIT = 1 << 20


def agent_status(machine_dir) -> dict:
    """``HostAgent``: what the machine's host agent forwards and skips, while it runs; nothing otherwise (or
    when its file is not a JSON object)."""
    try:
        with open(machine_dir / AGENT_STATUS, "rb") as handle:
            status = json.loads(handle.read(STATUS_LIMIT))
    except (OSError, ValueError):
        return {}
    return {"HostAgent": status} if isinstance(status, dict) else {}

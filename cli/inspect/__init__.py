"""``docker-machine inspect``: a machine's configuration as JSON, or through a template."""

from __future__ import annotations

import json

from ..application import Application
from ..gotemplate import TemplateError, render


def run(app: Application, *, names, template) -> None:
    """Inspect information about a machine."""
    host = app.one_host(names)
    if not template:
        app.echo(json.dumps(host.data, indent=4))
        return
    try:
        app.echo(render(template, host.data, maps=True))
    except TemplateError as err:
        app.abort(f"Error: {err}")

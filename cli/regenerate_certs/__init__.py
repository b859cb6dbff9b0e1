"""``docker-machine regenerate-certs``: a new server certificate (or CA and client too), uploaded."""

from __future__ import annotations

import click

from ..application import Application
from ..changing import backend_option, for_each, workspace


@click.command("regenerate-certs", short_help="Regenerate TLS Certificates for a machine")
@click.argument("names", nargs=-1)
@click.option("-f", "--force", is_flag=True, help="Forces the regeneration of the TLS certificates without prompting")
@click.option("--client-certs", is_flag=True, help="Also regenerate client certificates and CA.")
@backend_option
@click.pass_obj
def command(app: Application, names, force, client_certs, backend_url) -> None:
    """Regenerate TLS Certificates for a machine."""
    from pulumi_docker_machine.automation import regenerate_certs

    if not force and not app.confirm("Regenerate TLS machine certs?  Warning: this is irreversible."):
        return
    space = workspace(app, backend_url)
    if client_certs:  # one new CA and client certificate for all the machines named, made once
        from pulumi_docker_machine.automation.certs import ensure_shared_certs

        for name in app.names_or_default(names):
            app.host(name)
        ensure_shared_certs(app.store, regenerate=True)
    for_each(app, names, lambda name, say: regenerate_certs(name, workspace=space, say=say))

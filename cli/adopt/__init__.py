"""``docker-machine adopt``: take a machine docker-machine 0.16 made under Pulumi, its VM untouched."""

from __future__ import annotations

import click

from ..application import Application
from ..changing import backend_option, for_each, workspace


@click.command(
    "adopt",
    short_help="Take a machine made by docker-machine under Pulumi, VM untouched",
    help="Take a machine made by docker-machine 0.16 under Pulumi without touching its VM: the store's "
    "certificates are kept, its cloud VM is imported by ID (digitalocean, amazonec2, google, azure, openstack), "
    "any other machine becomes a generic machine at its address with its own SSH key. Afterwards start, stop, "
    "rm, provision and regenerate-certs work on it.",
)
@click.argument("name")
@click.option("--name", "new_name", metavar="NEW", help="The machine's name from now on (default: NAME)")
@backend_option
@click.pass_obj
def command(app: Application, name: str, new_name, backend_url) -> None:
    from pulumi_docker_machine.automation.adopt import adopt_machine

    app.host(name)
    space = workspace(app, backend_url)
    for_each(app, [name], lambda machine, say: adopt_machine(machine, new_name, workspace=space, say=say))

"""``docker-machine create``: a machine through its own Pulumi stack."""

from __future__ import annotations

import click

from pulumi_docker_machine.components.drivers.info import ENGINE_PORT

from ..application import Application, CommandError
from ..changing import backend_option, for_each, workspace
from ..quiet import quiet_option
from ..driverflags import (
    CommaSliceOption,
    driver_in,
    driver_option,
    driver_options,
    engine_install_url_option,
    to_driver_options,
    unknown_driver,
)
from .swarmflags import MASTER, swarm_options, swarm_role


class CreateCommand(click.Command):
    """Its options are the common ones plus those of the chosen driver: ``create -d X --help`` lists X's."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        driver = driver_in(args)
        problem = unknown_driver(driver)
        if problem:  # before --help too: 0.16.2 looked the driver up first (its flags depend on it)
            raise CommandError(problem)
        self.params = [p for p in self.params if not (p.name or "").startswith("driver_")]
        self.params += driver_options(driver)
        return super().parse_args(ctx, args)


CREATING = "Creating machine..."
HELP = """Create a machine.

\b
The driver's flags listed are those of -d (default: virtualbox):
'docker-machine create -d DRIVER --help' lists another driver's flags."""


@click.command("create", cls=CreateCommand, short_help="Create a machine", help=HELP)
@click.argument("name")
@driver_option("Driver to create machine with.")
@engine_install_url_option
@click.option(
    "--engine-opt",
    multiple=True,
    help="Specify arbitrary flags to include with the created engine in the form flag=value",
)
@click.option(
    "--engine-insecure-registry", multiple=True, help="Specify insecure registries to allow with the created engine"
)
@click.option(
    "--engine-registry-mirror",
    cls=CommaSliceOption,
    multiple=True,
    envvar="ENGINE_REGISTRY_MIRROR",
    show_envvar=True,
    help="Specify registry mirrors to use",
)
@click.option("--engine-label", multiple=True, help="Specify labels for the created engine")
@click.option(
    "--engine-storage-driver",
    default="overlay2",
    show_default=True,
    help="Specify a storage driver to use with the engine",
)
@click.option("--engine-env", multiple=True, help="Specify environment variables to set in the engine")
@click.option("--tls-san", multiple=True, help="Support extra SANs for TLS certs")
@click.option("--no-docker-context", is_flag=True, help="Do not write a Docker context for the machine")
@swarm_options
@backend_option
@quiet_option
@click.pass_obj
def command(
    app: Application,
    name,
    driver,
    engine_install_url,
    engine_opt,
    engine_insecure_registry,
    engine_registry_mirror,
    engine_label,
    engine_storage_driver,
    engine_env,
    tls_san,
    no_docker_context,
    backend_url,
    **flags,
) -> None:
    from pulumi_docker_machine.automation import MachineSpec, create_machine

    role, discovery = swarm_role(flags)
    if role and (tls_san or no_docker_context):
        app.abort(
            f"Error: {'--tls-san' if tls_san else '--no-docker-context'} can't be given with "
            f"{'--swarm-master' if role == MASTER else '--swarm'}: a swarm's machines take the swarm's certificates "
            "and contexts; leave it out"
        )
    options = to_driver_options(driver, flags, store_root=str(app.store.root))
    engine = {
        "install_url": engine_install_url,
        "opts": list(engine_opt),
        "env": list(engine_env),
        "labels": list(engine_label),
        "registry_mirrors": list(engine_registry_mirror),
        "insecure_registries": list(engine_insecure_registry),
        "storage_driver": engine_storage_driver,
    }
    if ENGINE_PORT in options:
        engine["port"] = options.pop(ENGINE_PORT)
    spec = MachineSpec(driver=driver, driver_options=options, engine=engine, tls_sans=list(tls_san))
    space = workspace(app, backend_url)
    if role:
        from pulumi_docker_machine.automation.swarm import create_swarm_master, join_swarm

        make = create_swarm_master if role == MASTER else join_swarm
        for_each(app, [name], lambda machine, say: make(machine, spec, discovery, workspace=space, say=say))
        return

    def create(machine: str, say) -> None:
        def said(line: str) -> None:
            # A missing Pulumi CLI is said after the driver's pre-create checks (their exit 3 comes first, as in
            # docker-machine), before "Creating machine...": create_machine finds the CLI only when it runs it.
            if line == CREATING:
                space.command()
            say(line)

        create_machine(machine, spec, workspace=space, say=said, docker_context=not no_docker_context)

    for_each(app, [name], create)

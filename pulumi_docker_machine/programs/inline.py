"""The inline Pulumi programs of the store's stacks: one DockerMachine (a machine's stack) or one
DockerSwarm (a swarm's stack), built from the stack's config (automation/settings.py reads it)."""

from __future__ import annotations

import dataclasses

import pulumi

from pulumi_docker_machine.components.machine import OUTPUTS, DockerMachine

from ..automation.settings import NAMESPACE, driver_of, engine_of, machine_args, program_config


def machine_program() -> None:
    spec, component = program_config(pulumi.Config(NAMESPACE))
    machine = DockerMachine(pulumi.get_stack(), machine_args(spec, **component))
    for key in OUTPUTS:
        pulumi.export(key, getattr(machine, key))


def swarm_program() -> None:
    from pulumi_docker_machine.components.swarm.component import OUTPUTS as SWARM_OUTPUTS
    from pulumi_docker_machine.components.swarm.component import DockerSwarm, DockerSwarmArgs, SwarmNodeArgs

    config = pulumi.Config(NAMESPACE)
    common, component = program_config(config)  # the settings every node shares
    layout = config.require_object("swarm")

    def node(settings: dict) -> SwarmNodeArgs:
        own = dataclasses.replace(
            common, driver_options={**common.driver_options, **settings.get("driver_options", {})}
        )
        return SwarmNodeArgs(
            driver_of(own),
            labels=dict(settings.get("labels") or {}),
            availability=settings.get("availability") or "active",
            machine_name=settings.get("name") or "",
        )

    swarm = DockerSwarm(
        pulumi.get_stack(),
        DockerSwarmArgs(
            managers=[node(n) for n in layout["managers"]],
            workers=[node(n) for n in layout["workers"]],
            engine=engine_of(common.engine),
            certificates=component["certificates"],
        ),
    )
    for key in SWARM_OUTPUTS:
        pulumi.export(key, getattr(swarm, key))
    # Each node as a machine of the store: the same outputs a machine's stack exports.
    pulumi.export(
        "machines",
        {
            machine_name: {key: getattr(machine, key) for key in OUTPUTS}
            for machine_name, machine in swarm.machines.items()
        },
    )

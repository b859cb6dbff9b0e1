"""The inline Pulumi programs of the store's stacks: one DockerMachine (a machine's stack) or one
DockerSwarm (a swarm's stack), built from the stack's config."""

from __future__ import annotations

import json

import pulumi

from pulumi_docker_machine.components.certificates import ExistingCertificates
from pulumi_docker_machine.components.drivers import driver_from_dict
from pulumi_docker_machine.components.engine import EngineOptions
from pulumi_docker_machine.components.machine import OUTPUTS, DockerMachine, DockerMachineArgs

from ..automation.settings import NAMESPACE


def driver_options(config: pulumi.Config) -> dict:
    """The driver's options, credentials (secret config) included."""
    options = dict(config.get_object("driverOptions") or {})
    for key in json.loads(config.get("driverSecretKeys") or "[]"):
        options[key] = config.require_secret(f"driverSecret.{key}")
    return options


def engine_options(config: pulumi.Config) -> EngineOptions:
    """The engine options; ``engineEnv`` (secret config: --engine-env) holds the environment."""
    engine = dict(config.get_object("engine") or {})
    env = config.get_object("engineEnv")
    if env is not None:
        engine["env"] = env
    return EngineOptions.from_dict(engine)


def store_certificates(config: pulumi.Config) -> ExistingCertificates:
    """The store's CA and client certificate (STORE/certs), shared by all its machines."""
    return ExistingCertificates(
        ca_pem=config.require("caCert"),
        ca_key_pem=config.require_secret("caKey"),
        client_cert_pem=config.require("clientCert"),
        client_key_pem=config.require_secret("clientKey"),
    )


def machine_program() -> None:
    config = pulumi.Config(NAMESPACE)
    name = pulumi.get_stack()
    machine = DockerMachine(
        name,
        DockerMachineArgs(
            driver=driver_from_dict(config.require("driver"), driver_options(config)),
            engine=engine_options(config),
            tls_sans=list(config.get_object("tlsSans") or []),
            certificates=store_certificates(config),
            power=config.get("power") or "running",
            force_stop=bool(config.get_bool("forceStop")),
            reinstall_engine=bool(config.get_bool("reinstallEngine")),
            provision_nonce=config.get("provisionNonce") or "",
            ssh_host_key=config.get("sshHostKey") or None,
        ),
    )
    for key in OUTPUTS:
        pulumi.export(key, getattr(machine, key))


def swarm_program() -> None:
    from pulumi_docker_machine.components.swarm.component import OUTPUTS as SWARM_OUTPUTS
    from pulumi_docker_machine.components.swarm.component import DockerSwarm, DockerSwarmArgs, SwarmNodeArgs

    config = pulumi.Config(NAMESPACE)
    name = pulumi.get_stack()
    driver, common = config.require("driver"), driver_options(config)
    layout = config.require_object("swarm")

    def node(options: dict) -> SwarmNodeArgs:
        return SwarmNodeArgs(driver_from_dict(driver, {**common, **options.get("driver_options", {})}),
                             labels=dict(options.get("labels") or {}),
                             availability=options.get("availability") or "active")

    swarm = DockerSwarm(name, DockerSwarmArgs(
        managers=[node(n) for n in layout["managers"]],
        workers=[node(n) for n in layout["workers"]],
        engine=engine_options(config),
        certificates=store_certificates(config),
    ))
    for key in SWARM_OUTPUTS:
        pulumi.export(key, getattr(swarm, key))
    # Each node as a machine of the store: the same outputs a machine's stack exports.
    pulumi.export("machines", {machine_name: {key: getattr(machine, key) for key in OUTPUTS}
                               for machine_name, machine in swarm.machines.items()})

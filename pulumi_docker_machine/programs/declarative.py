"""The declarative-stack program: the machines named in ``docker-machine:machines``, sharing one CA.

    config:
      docker-machine:machines:
        web: {driver: digitalocean, region: fra1, size: s-2vcpu-2gb, engine: {labels: [role=web]}}
        api: {driver: amazonec2, region: eu-west-1}

Per machine: ``driver`` (required), ``engine`` (EngineOptions fields), ``tls_sans``, ``power``,
``ssh_key_type``, ``hostname``; every other key is an option of that driver.

Swarms beside them (``docker-machine:swarms``), their nodes machines like the others:

      docker-machine:swarms:
        lab:
          managers: 3                                  # a count: every node from the swarm's driver...
          workers:                                     # ...or a list: each node its own settings
            - {driver: digitalocean, region: fra1, labels: {zone: a}}
            - {driver: amazonec2, region: eu-west-1, availability: drain}
          driver: digitalocean                         # for the counted nodes
          region: fra1
          engine: {labels: [swarm=lab]}

Credentials come from the providers' own config (``digitalocean:token``, ``aws:region`` and the AWS
environment) as Pulumi secrets, never from this file in plain text.

Run by ``pulumi up`` (Pulumi.yaml at the repository's top: ``main: stacks/``) with this project's venv
activated, or by the Automation API as an inline program (``main`` here).
"""

from __future__ import annotations

from typing import Any

import pulumi

from pulumi_docker_machine.components import DockerCertificates, DockerMachine, DockerMachineArgs
from pulumi_docker_machine.components.drivers import is_driver, names
from pulumi_docker_machine.components.drivers.base import check_driver
from pulumi_docker_machine.components.engine import EngineOptionError
from pulumi_docker_machine.components.machine import validate
from pulumi_docker_machine.components.names import valid_machine_name

from ..automation.settings import MachineSpec, driver_of, engine_of, from_entry, machine_args

CONFIG_KEY = "machines"
SWARMS_KEY = "swarms"
NODE_KEYS = ("driver", "labels", "availability")
SWARM_KEYS = ("managers", "workers", "engine", "driver")


def _where(message: str, driver: str, options: dict[str, Any]) -> str:
    """The option a driver's message is about ("digitalocean size '2 CPUs' is not..."), for the path."""
    for key in options:
        if (
            any(message.startswith(f"{driver} {form} ") for form in (key, key.replace("_", " ")))
            or f"option {key!r}" in message
        ):
            return f".{key}"
    return ""


def parse(machines: Any) -> tuple[list[tuple[str, DockerMachineArgs]], list[str]]:
    """Every machine's arguments, and every problem as ``machines.NAME.key: reason``."""
    problems: list[str] = []
    parsed: list[tuple[str, DockerMachineArgs]] = []
    if not isinstance(machines, dict) or not machines:
        return [], [f"{CONFIG_KEY}: give a map of machine names to their settings, e.g. web: {{driver: digitalocean}}"]
    for name, settings in machines.items():
        path = f"{CONFIG_KEY}.{name}"
        if not valid_machine_name(name):
            problems.append(f"{path}: invalid machine name: allowed hostname chars are 0-9a-zA-Z . -")
            continue
        if not isinstance(settings, dict):
            problems.append(f"{path}: give the machine's settings as a map, e.g. {{driver: digitalocean}}")
            continue
        driver_name = settings.get("driver")
        if not is_driver(driver_name):
            problems.append(f"{path}.driver: {driver_name!r} is not a driver: use one of {', '.join(names())}")
            continue
        spec, component = from_entry(settings)
        try:
            args = machine_args(spec, **component)
            validate(str(name), args)
        except EngineOptionError as err:
            problems.append(f"{path}.engine: {err}")
            continue
        except (ValueError, TypeError) as err:
            problems.append(f"{path}{_where(str(err), driver_name, spec.driver_options)}: {err}")
            continue
        parsed.append((str(name), args))
    return parsed, problems


def _node(path: str, name: str, settings: Any, problems: list[str]):
    """One swarm node's SwarmNodeArgs from its settings, or None with the problem recorded."""
    from pulumi_docker_machine.components.swarm.component import SwarmNodeArgs
    from pulumi_docker_machine.components.swarm.plan import availability_problem, labels_problem

    if not isinstance(settings, dict):
        problems.append(f"{path}: give the node's settings as a map, e.g. {{driver: digitalocean}}")
        return None
    driver_name = settings.get("driver")
    if not is_driver(driver_name):
        problems.append(f"{path}.driver: {driver_name!r} is not a driver: use one of {', '.join(names())}")
        return None
    options = {k: v for k, v in settings.items() if k not in NODE_KEYS}
    problem = labels_problem(settings.get("labels") or {}) or availability_problem(
        settings.get("availability", "active")
    )
    if problem:
        problems.append(f"{path}: {problem}")
        return None
    try:
        driver = driver_of(MachineSpec(driver=driver_name, driver_options=options))
        check_driver(driver, name)
    except (ValueError, TypeError) as err:
        problems.append(f"{path}{_where(str(err), driver_name, options)}: {err}")
        return None
    return SwarmNodeArgs(
        driver, labels=dict(settings.get("labels") or {}), availability=settings.get("availability", "active")
    )


def parse_swarms(swarms: Any) -> tuple[list[tuple[str, Any]], list[str]]:
    """Every swarm's DockerSwarmArgs, and every problem as ``swarms.NAME.workers[1].key: reason``."""
    from pulumi_docker_machine.components.swarm.component import DockerSwarmArgs
    from pulumi_docker_machine.components.swarm.plan import count_problem, node_name, swarm_name_problem

    problems: list[str] = []
    parsed: list[tuple[str, Any]] = []
    if swarms is None:
        return [], []
    if not isinstance(swarms, dict):
        return [], [
            f"{SWARMS_KEY}: give a map of swarm names to their settings, e.g. lab: {{managers: 3, driver: ...}}"
        ]
    for name, settings in swarms.items():
        path = f"{SWARMS_KEY}.{name}"
        if not isinstance(name, str) or swarm_name_problem(name):
            problems.append(f"{path}: {swarm_name_problem(name) if isinstance(name, str) else 'not a name'}")
            continue
        if not isinstance(settings, dict):
            problems.append(f"{path}: give the swarm's settings as a map, e.g. {{managers: 3, driver: digitalocean}}")
            continue
        shared = {k: v for k, v in settings.items() if k not in SWARM_KEYS[:3]}
        nodes: dict[str, list] = {}
        for role, plural in (("manager", "managers"), ("worker", "workers")):
            given = settings.get(plural, 1 if role == "manager" else 0)
            entries = [shared] * given if isinstance(given, int) and not isinstance(given, bool) else given
            if not isinstance(entries, list):
                problems.append(f"{path}.{plural}: give a count or a list of node settings")
                entries = []
            nodes[role] = [
                _node(f"{path}.{plural}[{i}]", node_name(name, role, i + 1), entry, problems)
                for i, entry in enumerate(entries)
            ]
        problem = count_problem(len(nodes["manager"]), len(nodes["worker"]))
        if problem:
            problems.append(f"{path}: {problem}")
            continue
        try:
            engine = engine_of(settings.get("engine") or {})
        except ValueError as err:
            problems.append(f"{path}.engine: {err}")
            continue
        if None not in nodes["manager"] + nodes["worker"]:
            parsed.append((name, DockerSwarmArgs(managers=nodes["manager"], workers=nodes["worker"], engine=engine)))
    return parsed, problems


def _node_names(name: str, args: Any) -> list[str]:
    from pulumi_docker_machine.components.swarm.plan import node_name

    return [node_name(name, "manager", i + 1) for i in range(len(args.managers))] + [
        node_name(name, "worker", i + 1) for i in range(len(args.workers))
    ]


def _machine_outputs(machine: DockerMachine) -> dict[str, Any]:
    return {
        "docker_host": machine.docker_host,
        "ip": machine.ip,
        "docker_env": machine.docker_env,
        "driver": machine.driver,
        "ssh_user": machine.ssh_user,
        "ssh_host": machine.ssh_host,
        "ssh_port": machine.ssh_port,
        "server_cert_pem": machine.server_cert_pem,
        "engine": machine.engine,
        "power": machine.power,
        "ssh_host_keys": machine.ssh_host_keys,
    }


def main() -> None:
    config = pulumi.Config("docker-machine")
    machines, problems = (
        parse(config.get_object(CONFIG_KEY)) if config.get(CONFIG_KEY) or not config.get(SWARMS_KEY) else ([], [])
    )
    swarms, swarm_problems = parse_swarms(config.get_object(SWARMS_KEY))
    problems += swarm_problems
    names = [name for name, _ in machines] + [node for name, args in swarms for node in _node_names(name, args)]
    problems += [
        f"{name}: two machines of this stack have this name" for name in sorted(set(names)) if names.count(name) > 1
    ]
    if problems:  # every problem at once, before any resource
        raise pulumi.RunError("the stack's config has problems:\n" + "\n".join(problems))
    certificates = DockerCertificates("certs")
    exported: dict[str, Any] = {}
    keys: dict[str, Any] = {}
    for name, args in machines:
        args.certificates = certificates
        machine = DockerMachine(name, args)
        exported[name] = _machine_outputs(machine)
        keys[name] = machine.ssh_private_key
    swarms_out: dict[str, Any] = {}
    if swarms:
        from pulumi_docker_machine.components.swarm.component import DockerSwarm

        for name, args in swarms:
            args.certificates = certificates
            swarm = DockerSwarm(name, args)
            swarms_out[name] = {
                "docker_host": swarm.docker_host,
                "docker_env": swarm.docker_env,
                "manager_docker_hosts": swarm.manager_docker_hosts,
                "nodes": swarm.nodes,
            }
            for node, machine in swarm.machines.items():
                exported[node] = _machine_outputs(machine)
                keys[node] = machine.ssh_private_key
        pulumi.export("swarms", swarms_out)
    pulumi.export("machines", exported)
    pulumi.export("machine_ssh_keys", pulumi.Output.secret(keys))
    pulumi.export("ca_pem", pulumi.Output.secret(certificates.ca_pem))
    pulumi.export("client_cert_pem", pulumi.Output.secret(certificates.client_cert_pem))
    pulumi.export("client_key_pem", certificates.client_key_pem)

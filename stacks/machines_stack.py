"""The declarative-stack program: the machines named in ``docker-machine:machines``, sharing one CA.

    config:
      docker-machine:machines:
        web: {driver: digitalocean, region: fra1, size: s-2vcpu-2gb, engine: {labels: [role=web]}}
        api: {driver: amazonec2, region: eu-west-1}

Per machine: ``driver`` (required), ``engine`` (EngineOptions fields), ``tls_sans``, ``power``,
``ssh_key_type``, ``hostname``; every other key is an option of that driver. Credentials come from
the providers' own config (``digitalocean:token``, ``aws:region`` and the AWS environment) as
Pulumi secrets, never from this file in plain text.
"""

from __future__ import annotations

from typing import Any

import pulumi

from components import DockerCertificates, DockerMachine, DockerMachineArgs, EngineOptions
from components.drivers import REGISTRY, driver_from_dict
from components.names import valid_machine_name

CONFIG_KEY = "machines"
MACHINE_KEYS = ("driver", "engine", "tls_sans", "power", "ssh_key_type", "hostname")


def _where(message: str, driver: str, options: dict[str, Any]) -> str:
    """The option a driver's message is about ("digitalocean size '2 CPUs' is not..."), for the path."""
    for key in options:
        if any(message.startswith(f"{driver} {form} ") for form in (key, key.replace("_", " "))) or \
                f"option {key!r}" in message:
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
        if driver_name not in REGISTRY:
            problems.append(f"{path}.driver: {driver_name!r} is not a driver: use one of {', '.join(sorted(REGISTRY))}")
            continue
        options = {k: v for k, v in settings.items() if k not in MACHINE_KEYS}
        try:
            engine = EngineOptions.from_dict(settings.get("engine") or {})
        except ValueError as err:
            problems.append(f"{path}.engine: {err}")
            continue
        try:
            driver = driver_from_dict(driver_name, options)
            driver.validate(str(name))
        except (ValueError, TypeError) as err:
            problems.append(f"{path}{_where(str(err), driver_name, options)}: {err}")
            continue
        args = DockerMachineArgs(driver=driver, engine=engine, tls_sans=list(settings.get("tls_sans") or []),
                                 power=settings.get("power", "running"),
                                 ssh_key_type=settings.get("ssh_key_type", "ed25519"), hostname=settings.get("hostname"))
        try:
            from components.machine import validate

            validate(str(name), args)
        except ValueError as err:
            problems.append(f"{path}: {err}")
            continue
        parsed.append((str(name), args))
    return parsed, problems


def main() -> None:
    config = pulumi.Config("docker-machine")
    machines, problems = parse(config.get_object(CONFIG_KEY))
    if problems:  # every problem at once, before any resource
        raise pulumi.RunError("the stack's config has problems:\n" + "\n".join(problems))
    certificates = DockerCertificates("certs")
    exported: dict[str, Any] = {}
    keys: dict[str, Any] = {}
    for name, args in machines:
        args.certificates = certificates
        machine = DockerMachine(name, args)
        exported[name] = {
            "docker_host": machine.docker_host, "ip": machine.ip, "docker_env": machine.docker_env,
            "driver": machine.driver, "ssh_user": machine.ssh_user, "ssh_host": machine.ssh_host,
            "ssh_port": machine.ssh_port, "server_cert_pem": machine.server_cert_pem, "engine": machine.engine,
            "power": machine.power,
        }
        keys[name] = machine.ssh_private_key
    pulumi.export("machines", exported)
    pulumi.export("machine_ssh_keys", pulumi.Output.secret(keys))
    pulumi.export("ca_pem", pulumi.Output.secret(certificates.ca_pem))
    pulumi.export("client_cert_pem", pulumi.Output.secret(certificates.client_cert_pem))
    pulumi.export("client_key_pem", certificates.client_key_pem)

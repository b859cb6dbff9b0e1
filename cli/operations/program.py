"""The inline Pulumi program of a machine's stack: one DockerMachine built from the stack's config."""

from __future__ import annotations

import json

import pulumi

from components.certificates import ExistingCertificates
from components.drivers import driver_from_dict
from components.engine import EngineOptions
from components.machine import OUTPUTS, DockerMachine, DockerMachineArgs

from .settings import NAMESPACE


def machine_program() -> None:
    config = pulumi.Config(NAMESPACE)
    name = pulumi.get_stack()
    options = dict(config.get_object("driverOptions") or {})
    for key in json.loads(config.get("driverSecretKeys") or "[]"):
        options[key] = config.require_secret(f"driverSecret.{key}")
    certificates = ExistingCertificates(
        ca_pem=config.require("caCert"),
        ca_key_pem=config.require_secret("caKey"),
        client_cert_pem=config.require("clientCert"),
        client_key_pem=config.require_secret("clientKey"),
    )
    machine = DockerMachine(
        name,
        DockerMachineArgs(
            driver=driver_from_dict(config.require("driver"), options),
            engine=EngineOptions.from_dict(config.get_object("engine") or {}),
            tls_sans=list(config.get_object("tlsSans") or []),
            certificates=certificates,
            power=config.get("power") or "running",
            force_stop=bool(config.get_bool("forceStop")),
            reinstall_engine=bool(config.get_bool("reinstallEngine")),
            provision_nonce=config.get("provisionNonce") or "",
        ),
    )
    for key in OUTPUTS:
        pulumi.export(key, getattr(machine, key))

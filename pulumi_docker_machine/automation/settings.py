"""What a machine's stack holds as config, and the keys the inline program reads.

Everything lives under the ``docker-machine`` namespace. Credentials and private keys are
secret config: the engine encrypts them with the stack's passphrase, and they never reach
config.json in the store.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field
from typing import Any, Mapping

NAMESPACE = "docker-machine"

# Driver options that are credentials: kept as secret config, left out of the store.
SECRET_OPTIONS = ("access_token", "access_key", "secret_key", "session_token", "ssh_private_key", "user_data",
                  "client_secret", "password", "credentials")


@dataclass
class MachineSpec:
    """Everything ``create`` needs to know about a machine, from flags or from code."""

    driver: str
    driver_options: dict[str, Any] = field(default_factory=dict)
    engine: dict[str, Any] = field(default_factory=dict)
    tls_sans: list[str] = field(default_factory=list)
    power: str = "running"
    force_stop: bool = False
    reinstall_engine: bool = False
    provision_nonce: str = ""

    def public_options(self) -> dict[str, Any]:
        return {k: v for k, v in self.driver_options.items() if k not in SECRET_OPTIONS}

    def public_dict(self) -> dict[str, Any]:
        """The spec as the store keeps it: everything but the credentials."""
        return {**dataclasses.asdict(self), "driver_options": self.public_options()}

    def secret_options(self) -> dict[str, Any]:
        return {k: v for k, v in self.driver_options.items() if k in SECRET_OPTIONS and v is not None}


def from_config(config: Mapping[str, str]) -> MachineSpec:
    """The spec back from a stack's config (``to_config``'s inverse, credentials left out)."""
    values = {key.split(":", 1)[1]: value for key, value in config.items() if key.startswith(f"{NAMESPACE}:")}
    return MachineSpec(
        driver=values["driver"],
        driver_options=json.loads(values.get("driverOptions") or "{}"),
        engine=_engine(values),
        tls_sans=json.loads(values.get("tlsSans") or "[]"),
        power=values.get("power") or "running",
        force_stop=values.get("forceStop") == "true",
        reinstall_engine=values.get("reinstallEngine") == "true",
        provision_nonce=values.get("provisionNonce") or "",
    )


def _engine(values: Mapping[str, str]) -> dict[str, Any]:
    """The engine options; ``--engine-env`` (secret: proxy passwords) is its own secret key, ``engineEnv``."""
    engine = json.loads(values.get("engine") or "{}")
    if "engineEnv" in values:
        engine["env"] = json.loads(values["engineEnv"] or "[]")
    return engine


def from_outputs(outputs: Mapping[str, Any]) -> MachineSpec:
    """The spec of a stack whose config is in another store's workspace: what its outputs say."""
    def mapping(value: Any) -> dict:
        return dict(value) if isinstance(value, dict) else {}

    return MachineSpec(
        driver=str(outputs.get("driver") or ""),
        driver_options=mapping(outputs.get("driver_options")),
        engine=mapping(outputs.get("engine")),
        power="stopped" if outputs.get("power") == "stopped" else "running",
    )


def to_config(spec: MachineSpec, certs: Mapping[str, str], ssh_host_key: str = "") -> dict[str, tuple[str, bool]]:
    """``{key: (value, secret)}`` for ``config set-all``. ``ssh_host_key``: the machine's pinned host key
    (``TYPE BASE64``, public), which provisioning then requires; empty: none checked (not pinned yet)."""
    values: dict[str, tuple[str, bool]] = {
        "driver": (spec.driver, False),
        "driverOptions": (json.dumps(spec.public_options()), False),
        "engine": (json.dumps({k: v for k, v in spec.engine.items() if k != "env"}), False),
        # --engine-env values are secrets (proxy passwords): secret config, never on a command line; none is "[]"
        # in plain, replacing any earlier secret one.
        "engineEnv": (json.dumps(list(spec.engine.get("env") or [])), bool(spec.engine.get("env"))),
        "tlsSans": (json.dumps(spec.tls_sans), False),
        "power": (spec.power, False),
        "forceStop": (json.dumps(spec.force_stop), False),
        "reinstallEngine": (json.dumps(spec.reinstall_engine), False),
        "provisionNonce": (spec.provision_nonce, False),
        "sshHostKey": (ssh_host_key, False),
        "caCert": (certs["ca_pem"], False),
        "caKey": (certs["ca_key_pem"], True),
        "clientCert": (certs["client_cert_pem"], False),
        "clientKey": (certs["client_key_pem"], True),
    }
    secrets = spec.secret_options()
    if secrets:  # a later update (start, stop...) knows no credentials: it keeps the stack's own
        values["driverSecretKeys"] = (json.dumps(sorted(secrets)), False)
        for key, value in secrets.items():
            values[f"driverSecret.{key}"] = (str(value), True)
    return {f"{NAMESPACE}:{key}": value for key, value in values.items()}

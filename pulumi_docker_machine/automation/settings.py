"""A machine's settings, and the one translation between them, a stack's config and the component's arguments.

``MachineSpec`` is what ``create`` takes, from flags, from a Python app or from a declarative stack's entry
(``from_entry``). ``to_config`` writes it into the stack's config under the ``docker-machine`` namespace;
``read_config`` reads it back, for ``import`` (``from_config``: plain values, credentials left out) and for the
inline program (``program_config``: credentials as secrets); ``machine_args`` turns it into DockerMachineArgs,
the only place a driver and EngineOptions are built from settings. Credentials and private keys are secret
config: the Pulumi engine encrypts them with the stack's passphrase, and they never reach config.json in the
store.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Mapping, Optional

if TYPE_CHECKING:
    from pulumi_docker_machine.components.drivers import Driver
    from pulumi_docker_machine.components.engine import EngineOptions
    from pulumi_docker_machine.components.machine import DockerMachineArgs

NAMESPACE = "docker-machine"


def secret_option_names(driver: str) -> Optional[frozenset[str]]:
    """The driver's options that are credentials (its dataclass's secret fields): kept as secret config, left out
    of the store. None for a driver no folder has (an untrusted store's): then every option is kept secret."""
    from pulumi_docker_machine.components.drivers import DriverArgumentError, secret_options as of_driver

    try:
        return of_driver(driver)
    except DriverArgumentError:
        return None


# A declarative stack's machine entry: these keys are settings of the machine; every other key is an option
# of its driver. ``ssh_key_type`` and ``hostname`` go to the component as they are (the CLI has no flags).
ENTRY_KEYS = ("driver", "engine", "tls_sans", "power")
ENTRY_ARGS = ("ssh_key_type", "hostname")


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
        secret = secret_option_names(self.driver)
        return {k: v for k, v in self.driver_options.items() if secret is not None and k not in secret}

    def public_dict(self) -> dict[str, Any]:
        """The spec as the store keeps it: everything but the credentials."""
        return {**dataclasses.asdict(self), "driver_options": self.public_options()}

    def secret_options(self) -> dict[str, Any]:
        secret = secret_option_names(self.driver)
        return {k: v for k, v in self.driver_options.items() if (secret is None or k in secret) and v is not None}


def from_entry(entry: Mapping[str, Any]) -> tuple[MachineSpec, dict[str, Any]]:
    """A declarative stack's entry (``{driver: generic, ip_address: ..., engine: {...}}``) as a spec, and the
    component arguments it gives beyond one (``ssh_key_type``, ``hostname``)."""
    spec = MachineSpec(
        driver=entry["driver"],
        driver_options={k: v for k, v in entry.items() if k not in (*ENTRY_KEYS, *ENTRY_ARGS)},
        engine=dict(entry.get("engine") or {}),
        tls_sans=list(entry.get("tls_sans") or []),
        power=entry.get("power", "running"),
    )
    return spec, {key: entry[key] for key in ENTRY_ARGS if key in entry}


def driver_of(spec: MachineSpec) -> Driver:
    """The spec's driver object (its module imported: the cloud SDK too)."""
    from pulumi_docker_machine.components.drivers import driver_from_dict

    return driver_from_dict(spec.driver, spec.driver_options)


def engine_of(engine: Mapping[str, Any]) -> EngineOptions:
    """The engine options of a spec's (or a swarm's) ``engine`` settings."""
    from pulumi_docker_machine.components.engine import EngineOptions

    return EngineOptions.from_dict(engine)


def machine_args(spec: MachineSpec, **component: Any) -> DockerMachineArgs:
    """The component's arguments for ``spec``; ``component``: the arguments settings do not hold (the
    certificates, the pinned ``ssh_host_key``, ``ssh_key_type``...). Not validated: DockerMachine does that,
    and ``pulumi_docker_machine.components.machine.validate`` before it, where problems are collected."""
    from pulumi_docker_machine.components.machine import DockerMachineArgs

    engine = engine_of(spec.engine)  # first: a stack's entry names the engine's problem before its driver's
    return DockerMachineArgs(
        driver=driver_of(spec),
        engine=engine,
        tls_sans=list(spec.tls_sans),
        power=spec.power,
        force_stop=spec.force_stop,
        reinstall_engine=spec.reinstall_engine,
        provision_nonce=spec.provision_nonce,
        **component,
    )


CERT_KEYS = (
    "certKeys"  # the CA's and the client certificate's private keys, one secret: {"caKey": PEM, "clientKey": PEM}
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
        "clientCert": (certs["client_cert_pem"], False),
        # Both private keys in one secret: one `config set --secret` process instead of two (stackconfig.py).
        CERT_KEYS: (json.dumps({"caKey": certs["ca_key_pem"], "clientKey": certs["client_key_pem"]}), True),
    }
    secrets = spec.secret_options()
    if secrets:  # a later update (start, stop...) knows no credentials: it keeps the stack's own
        values["driverSecretKeys"] = (json.dumps(sorted(secrets)), False)
        for key, value in secrets.items():
            values[f"driverSecret.{key}"] = (str(value), True)
    return {f"{NAMESPACE}:{key}": value for key, value in values.items()}


def read_config(get: Callable[[str], Optional[str]], secret: Optional[Callable[[str], Any]] = None) -> MachineSpec:
    """The spec back from a stack's config, ``to_config``'s inverse. ``get(key)``: a key's value, the key
    without the namespace (None when unset); ``secret(key)``: a credential's value (the inline program's
    ``Config.require_secret``); without it the credentials are left out."""
    driver = get("driver")
    if driver is None:
        raise KeyError(f"{NAMESPACE}:driver")
    options = json.loads(get("driverOptions") or "{}")
    if secret is not None:
        for key in json.loads(get("driverSecretKeys") or "[]"):
            options[key] = secret(f"driverSecret.{key}")
    engine = json.loads(get("engine") or "{}")
    env = get("engineEnv")  # --engine-env (secret: proxy passwords) is a key of its own
    if env is not None:
        engine["env"] = json.loads(env or "[]")
    return MachineSpec(
        driver=driver,
        driver_options=options,
        engine=engine,
        tls_sans=json.loads(get("tlsSans") or "[]"),
        power=get("power") or "running",
        force_stop=get("forceStop") == "true",
        reinstall_engine=get("reinstallEngine") == "true",
        provision_nonce=get("provisionNonce") or "",
    )


def from_config(config: Mapping[str, str]) -> MachineSpec:
    """The spec from a stack's whole config as ``stack.get_all_config`` gives it (``import``: credentials left
    out)."""
    return read_config(lambda key: config.get(f"{NAMESPACE}:{key}"))


def program_config(config: Any) -> tuple[MachineSpec, dict[str, Any]]:
    """What the inline program reads from its stack's config (``pulumi.Config(NAMESPACE)``): the spec, its
    credentials as secrets, and the component arguments beyond it (the store's certificates, the pinned host
    key)."""
    from pulumi_docker_machine.components.certificates import ExistingCertificates

    spec = read_config(config.get, config.require_secret)
    keys = config.get_secret(CERT_KEYS)
    if keys is None:  # a stack made before the keys shared one secret: its two keys
        ca_key, client_key = config.require_secret("caKey"), config.require_secret("clientKey")
    else:
        ca_key, client_key = (
            keys.apply(lambda text, key=key: str(json.loads(text)[key])) for key in ("caKey", "clientKey")
        )
    certificates = ExistingCertificates(
        ca_pem=config.require("caCert"),
        ca_key_pem=ca_key,
        client_cert_pem=config.require("clientCert"),
        client_key_pem=client_key,
    )
    return spec, {"certificates": certificates, "ssh_host_key": config.get("sshHostKey") or None}


def from_outputs(outputs: Mapping[str, Any]) -> MachineSpec:
    """The spec of a stack whose config is in another store's workspace (or a declarative stack's machine):
    what its outputs say."""

    def mapping(value: Any) -> dict:
        return dict(value) if isinstance(value, dict) else {}

    return MachineSpec(
        driver=str(outputs.get("driver") or ""),
        driver_options=mapping(outputs.get("driver_options")),
        engine=mapping(outputs.get("engine")),
        power="stopped" if outputs.get("power") == "stopped" else "running",
    )

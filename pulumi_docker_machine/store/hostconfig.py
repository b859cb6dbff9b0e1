"""``config.json``: docker-machine's host file (ConfigVersion 3), plus our ``Pulumi`` section.

This module alone reads and writes it. The original docker-machine ignores keys it does not
know, so a store we write stays readable by it, and we read the machines it made.
"""

from __future__ import annotations

import json
from pathlib import Path

from pulumi_docker_machine.components.names import DEFAULT_ENGINE_PORT, USER_NAME, is_address, is_port

from . import checks, driverfields

TYPE_CHECKING = False  # typing stays unimported at run time (start-up time)
if TYPE_CHECKING:
    from typing import Any, Optional

CONFIG_VERSION = 3
PULUMI_SECTION = "Pulumi"


class HostConfig:
    """One machine's config.json, kept whole so fields we do not know survive a rewrite.

    A plain class, not a dataclass: the read commands load it, and dataclasses costs them ~5 ms."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.data = data

    def __eq__(self, other: object) -> bool:
        return isinstance(other, HostConfig) and other.data == self.data

    def __repr__(self) -> str:
        return f"HostConfig({self.data!r})"

    @property
    def name(self) -> str:
        return self.data.get("Name") or self.driver.get("MachineName", "")

    @property
    def driver_name(self) -> str:
        return self.data.get("DriverName", "")

    @property
    def driver(self) -> dict[str, Any]:
        return self.data.setdefault("Driver", {})

    @property
    def address(self) -> str:
        """Where the engine is dialled: the address, read the way the machine's docker-machine driver keeps it
        (driverfields)."""
        return driverfields.address(self.driver_name, self.driver)

    @property
    def ip(self) -> str:
        """What ``ip`` prints (and ``env --no-proxy`` adds to NO_PROXY): the address; for a machine that is only an
        engine's URL, the URL's ``host:port``, which docker-machine's none driver stores as its IPAddress."""
        address = self.address
        if not (address and self.engine_only):
            return address
        stored = self.driver.get("IPAddress")
        if isinstance(stored, str) and stored != address and driverfields.host_of(stored) == address:
            return stored  # as docker-machine wrote it (a URL without a port keeps none)
        return f"[{address}]:{self.engine_port}" if ":" in address else f"{address}:{self.engine_port}"

    @property
    def engine_only(self) -> bool:
        """A machine that is an existing engine's URL and nothing else (docker-machine's none driver): no SSH,
        nothing to power, so its driver answers Running without asking anything."""
        return not self.ssh_host and bool(self.url)

    @property
    def ssh_user(self) -> str:
        return self.driver.get("SSHUser") or "root"

    @property
    def ssh_port(self) -> int:
        return int(self.driver.get("SSHPort") or 22)

    @property
    def ssh_host(self) -> str:
        """Where SSH connects: ours say; else as the machine's docker-machine driver would (driverfields: the
        VirtualBox NAT forward on 127.0.0.1, none for the none driver, else the machine's address)."""
        pulumi = self.pulumi
        if pulumi.get("SSHHost"):
            return pulumi["SSHHost"]
        return driverfields.ssh_host(self.driver_name, self.address)

    @property
    def ssh_key_path(self) -> str:
        return self.driver.get("SSHKeyPath", "")

    @property
    def auth(self) -> dict[str, Any]:
        return self.data.setdefault("HostOptions", {}).setdefault("AuthOptions", {})

    @property
    def engine_options(self) -> dict[str, Any]:
        return self.data.setdefault("HostOptions", {}).setdefault("EngineOptions", {})

    @property
    def labels(self) -> list[str]:
        return list(self.engine_options.get("Labels") or [])

    @property
    def engine_port(self) -> int:
        return int(
            self.pulumi.get("EnginePort")
            or driverfields.engine_port(self.driver_name, self.driver)
            or DEFAULT_ENGINE_PORT
        )

    @property
    def url(self) -> str:
        stored = driverfields.engine_url(self.driver_name, self.driver)
        if stored and not self.pulumi.get("EnginePort"):
            return stored
        address = self.address
        if not address:
            return ""
        host = f"[{address}]" if ":" in address else address
        return f"tcp://{host}:{self.engine_port}"

    def docker_env(self) -> dict[str, str]:
        """What ``docker-machine env`` sets, in its order."""
        return {
            "DOCKER_TLS_VERIFY": "1",
            "DOCKER_HOST": self.url,
            "DOCKER_CERT_PATH": str(self.machine_dir),
            "DOCKER_MACHINE_NAME": self.name,
        }

    @property
    def machine_dir(self) -> Path:
        return Path(self.auth.get("StorePath") or Path(self.driver.get("StorePath", "")) / "machines" / self.name)

    @property
    def pulumi(self) -> dict[str, Any]:
        """Our own section; empty for a machine the original docker-machine made."""
        return self.data.get(PULUMI_SECTION) or {}

    @property
    def stopped_by_us(self) -> bool:
        return self.pulumi.get("State") == "Stopped"

    def to_json(self) -> str:
        return json.dumps(self.data, indent=4) + "\n"

    def copy(self) -> "HostConfig":
        import copy  # on use: read commands never copy

        return HostConfig(copy.deepcopy(self.data))


MAX_CONFIG_BYTES = 1 << 20  # a config.json is a few KiB; a bigger one is not one


class BrokenMachine(ValueError):
    """A machine folder whose config.json can't be used; the message says why and how to get rid of it."""

    def __init__(self, name: str, reason: str) -> None:
        super().__init__(
            f'Error loading host "{name}": {reason}: fix its config.json, '
            f'or remove it with "docker-machine rm -f {name}"'
        )
        self.name = name
        self.reason = reason


# What the commands read from config.json, and the type each must have when present. An object ("section")
# must be one when present: null is no object. "strings": a list of strings.
_SHAPE: dict[tuple[str, ...], dict[str, Any]] = {
    (): {"Name": str, "DriverName": str, "Driver": dict, "HostOptions": dict, PULUMI_SECTION: dict},
    ("Driver",): {
        "IPAddress": str,
        "MachineName": str,
        "SSHUser": str,
        "SSHPort": int,
        "SSHKeyPath": str,
        "StorePath": str,
        "EnginePort": int,
        "DockerPort": int,
        "URL": str,
    },
    ("HostOptions",): {"AuthOptions": dict, "EngineOptions": dict},
    ("HostOptions", "AuthOptions"): {"StorePath": str},
    ("HostOptions", "EngineOptions"): {"Labels": "strings"},
    (PULUMI_SECTION,): {
        "EnginePort": int,
        "SSHHost": str,
        "State": str,
        "LastError": str,
        "Spec": dict,
        "Backend": str,
        "Project": str,
        "Stack": str,
        "DeclaredIn": str,
        "Imported": bool,
    },
    (PULUMI_SECTION, "Spec"): {
        "driver": str,
        "driver_options": dict,
        "engine": dict,
        "tls_sans": "strings",
        "power": str,
        "force_stop": bool,
        "reinstall_engine": bool,
        "provision_nonce": str,
    },
    (PULUMI_SECTION, "Spec", "engine"): {
        "install_url": str,
        "port": int,
        "storage_driver": str,
        "labels": "strings",
        "registry_mirrors": "strings",
        "insecure_registries": "strings",
        "opts": "strings",
        "env": "strings",
    },
}
# The paths the commands hand to ssh, sshfs, the shell (env) and the file system.
_PATHS: tuple[tuple[str, ...], ...] = (
    ("Driver", "SSHKeyPath"),
    ("Driver", "StorePath"),
    ("HostOptions", "AuthOptions", "StorePath"),
)
# Strings shown by ls or passed on; LastError may span lines (ls shows its first).
_TEXTS: tuple[tuple[str, ...], ...] = (
    ("DriverName",),
    ("Driver", "MachineName"),
    ("Driver", "URL"),
    (PULUMI_SECTION, "State"),
    (PULUMI_SECTION, "Backend"),
    (PULUMI_SECTION, "Project"),
    (PULUMI_SECTION, "Stack"),
    (PULUMI_SECTION, "DeclaredIn"),
)
_DRIVER_NAME_CHARACTERS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-")


def is_driver_name(value: str) -> bool:
    """A letter or digit, then up to 63 of those, dots, dashes and underscores (no regular expression: compiling
    one costs the read commands' start-up)."""
    return 0 < len(value) <= 64 and value[0].isascii() and value[0].isalnum() and _DRIVER_NAME_CHARACTERS >= set(value)


_KIND_NAMES = {
    int: "a number",
    dict: "an object",
    list: "a list",
    str: "a string",
    bool: "true or false",
    "strings": "a list of strings",
}


def _has_kind(value: Any, kind: Any) -> bool:
    if kind is bool:
        return isinstance(value, bool)
    if kind == "strings":
        return isinstance(value, list) and all(isinstance(item, str) for item in value)
    return isinstance(value, kind) and not isinstance(value, bool)


def _lookup(data: dict[str, Any], path: tuple[str, ...]) -> Any:
    value: Any = data
    for key in path:
        value = value.get(key) if isinstance(value, dict) else None
    return value


def _type_problem(data: dict[str, Any]) -> Optional[str]:
    for path, fields in _SHAPE.items():
        section = _lookup(data, path) if path else data
        if not isinstance(section, dict):
            continue  # absent (a present section of the wrong type was reported one level up)
        for key, kind in fields.items():
            if key not in section or (section[key] is None and kind is not dict):
                continue  # Go writes an empty list as null: only a section must be an object
            if not _has_kind(section[key], kind):
                return f"config.json's {'.'.join((*path, key))} is not {_KIND_NAMES[kind]}"
    return None


def _text_problem(data: dict[str, Any]) -> Optional[str]:
    for path in _PATHS:
        value = _lookup(data, path)
        if value and checks.path_problem(value):
            return f"config.json's {'.'.join(path)} {checks.shown(value)} {checks.path_problem(value)}"
    key_path = _lookup(data, ("Driver", "SSHKeyPath"))
    if key_path and '"' in key_path:  # ssh's -o IdentityFile="..." can't carry one
        return f"config.json's Driver.SSHKeyPath {checks.shown(key_path)} holds a double quote"
    for path in _TEXTS:
        value = _lookup(data, path)
        if value and checks.text_problem(value):
            return f"config.json's {'.'.join(path)} {checks.shown(value)} {checks.text_problem(value)}"
    if data.get("DriverName") and not is_driver_name(data["DriverName"]):
        return f"config.json's DriverName {checks.shown(data['DriverName'])} is not a driver name"
    for label in _lookup(data, ("HostOptions", "EngineOptions", "Labels")) or []:
        if checks.text_problem(label):
            return f"config.json's engine label {checks.shown(label)} {checks.text_problem(label)}"
    error = _lookup(data, (PULUMI_SECTION, "LastError"))
    if error and checks.text_problem(error, lines_allowed=True):
        return f"config.json's Pulumi.LastError {checks.text_problem(error, lines_allowed=True)}"
    return None


def shape_problem(data: Any, folder_name: str) -> Optional[str]:
    """Why ``data`` is not a config.json the commands can use (None when it is)."""
    if not isinstance(data, dict):
        return "config.json does not hold a JSON object"
    if checks.too_deep(data):
        return f"config.json nests more than {checks.MAX_DEPTH} levels deep"
    problem = _type_problem(data) or _text_problem(data)
    if problem:
        return problem
    host = HostConfig(data)
    if host.name != folder_name:
        return f"config.json names the machine {checks.shown(host.name)}, not its folder's name"
    if host.driver.get("SSHUser") and not USER_NAME.fullmatch(host.driver["SSHUser"]):
        return f"config.json's Driver.SSHUser {checks.shown(host.driver['SSHUser'])} is not a user name"
    if host.driver.get("SSHPort") not in (None, 0) and not is_port(host.driver["SSHPort"]):  # 0: none has no SSH
        return "config.json's Driver.SSHPort is not a TCP port"
    for where, value in (("address", host.address), ("Pulumi.SSHHost", host.pulumi.get("SSHHost"))):
        if value and not is_address(value):
            return f"config.json's {where} {checks.shown(value)} is neither an IP address nor a host name"
    stored = driverfields.engine_url(host.driver_name, host.driver)
    if stored and not (stored.startswith("tcp://") and is_address(driverfields.url_host(stored))):
        return f"config.json's Driver.URL {checks.shown(stored)} is not tcp://ADDRESS:PORT"
    if not is_port(host.engine_port):
        return f"config.json's engine port {checks.shown(host.engine_port)} is not a TCP port"
    return None


def load(path: Path) -> HostConfig:
    name = path.parent.name
    if not path.is_file():
        raise BrokenMachine(name, "config.json is not a regular file")
    try:
        with open(path, "rb") as handle:
            raw = handle.read(MAX_CONFIG_BYTES + 1)
    except OSError as err:
        raise BrokenMachine(name, f"config.json can't be read ({err.strerror})") from None
    if len(raw) > MAX_CONFIG_BYTES:
        raise BrokenMachine(name, f"config.json is larger than {MAX_CONFIG_BYTES} bytes")
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as err:
        where = f" at line {err.lineno}" if isinstance(err, json.JSONDecodeError) else ""
        raise BrokenMachine(name, f"config.json is not valid JSON{where}") from None
    except RecursionError:  # [[[[... : Python's parser recurses per level
        raise BrokenMachine(name, f"config.json nests more than {checks.MAX_DEPTH} levels deep") from None
    problem = shape_problem(data, name)
    if problem:
        raise BrokenMachine(name, problem)
    return HostConfig(data)


def new_host_config(
    *,
    name: str,
    driver_name: str,
    store_root: Path,
    ip: str,
    ssh_user: str,
    ssh_port: int,
    ssh_key_path: Optional[Path],
    engine: dict[str, Any],
    tls_sans: list[str] = (),  # type: ignore[assignment]
    driver_fields: Optional[dict[str, Any]] = None,
    pulumi: Optional[dict[str, Any]] = None,
) -> HostConfig:
    """A config.json in docker-machine's shape for a machine we made."""
    machine_dir = store_root / "machines" / name
    certs = store_root / "certs"
    engine_options = {
        "ArbitraryFlags": list(engine.get("opts", [])),
        "Dns": None,
        "GraphDir": "",
        "Env": list(engine.get("env", [])),
        "Ipv6": False,
        "InsecureRegistry": list(engine.get("insecure_registries", [])),
        "Labels": list(engine.get("labels", [])),
        "LogLevel": "",
        "StorageDriver": engine.get("storage_driver", ""),
        "SelinuxEnabled": False,
        "TlsVerify": True,
        "RegistryMirror": list(engine.get("registry_mirrors", [])),
        "InstallURL": engine.get("install_url", ""),
    }
    data = {
        "ConfigVersion": CONFIG_VERSION,
        "Driver": {
            "IPAddress": ip,
            "MachineName": name,
            "SSHUser": ssh_user,
            "SSHPort": int(ssh_port),
            "SSHKeyPath": str(ssh_key_path) if ssh_key_path else "",
            "StorePath": str(store_root),
            "SwarmMaster": False,
            "SwarmHost": "",
            "SwarmDiscovery": "",
            **(driver_fields or {}),
        },
        "DriverName": driver_name,
        "HostOptions": {
            "Driver": "",
            "Memory": 0,
            "Disk": 0,
            "EngineOptions": engine_options,
            "SwarmOptions": {
                "IsSwarm": False,
                "Address": "",
                "Discovery": "",
                "Agent": False,
                "Master": False,
                "Host": "",
                "Image": "",
                "Strategy": "",
                "Heartbeat": 0,
                "Overcommit": 0,
                "ArbitraryFlags": [],
                "ArbitraryJoinFlags": [],
                "Env": None,
                "IsExperimental": False,
            },
            "AuthOptions": {
                "CertDir": str(certs),
                "CaCertPath": str(certs / "ca.pem"),
                "CaPrivateKeyPath": str(certs / "ca-key.pem"),
                "CaCertRemotePath": "",
                "ServerCertPath": str(machine_dir / "server.pem"),
                "ServerKeyPath": str(machine_dir / "server-key.pem"),
                "ClientKeyPath": str(certs / "key.pem"),
                "ServerCertRemotePath": "",
                "ServerKeyRemotePath": "",
                "ClientCertPath": str(certs / "cert.pem"),
                "ServerCertSANs": list(tls_sans),
                "StorePath": str(machine_dir),
            },
        },
        "Name": name,
    }
    if pulumi is not None:
        data[PULUMI_SECTION] = pulumi
    return HostConfig(data)

"""Docker engine options: one typed object shared by the component, the CLI flags and provisioning."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, fields
from typing import Any, Mapping

DEFAULT_INSTALL_URL = "https://get.docker.com"
INSTALL_NONE = "none"  # Docker must already be on the host
INSTALL_DISTRO = "distro"  # the distribution's own package (docker.io, moby-engine, docker)
from .names import DEFAULT_ENGINE_PORT  # noqa: E402 - re-exported: one home for the port

DEFAULT_STORAGE_DRIVER = "overlay2"

_FLAG = re.compile(r"^[a-z][a-z0-9-]*$")
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_STORAGE_DRIVER = re.compile(r"^[a-z0-9_-]*$")

# dockerd refuses a setting given both as a flag and in daemon.json; these live in daemon.json.
_MANAGED_FLAGS = {
    "host": "the daemon's hosts are set by docker-machine (see port)",
    "h": "the daemon's hosts are set by docker-machine (see port)",
    "tls": "TLS is always on",
    "tlsverify": "TLS verification is always on",
    "tlscacert": "the certificates are managed by docker-machine",
    "tlscert": "the certificates are managed by docker-machine",
    "tlskey": "the certificates are managed by docker-machine",
    "label": "use --engine-label instead",
    "storage-driver": "use --engine-storage-driver instead",
    "registry-mirror": "use --engine-registry-mirror instead",
    "insecure-registry": "use --engine-insecure-registry instead",
    "config-file": "the config file is managed by docker-machine",
}


class EngineOptionError(ValueError):
    """An engine option that can't work; the message names it and the fix."""


def _no_newline(kind: str, value: str) -> None:
    if "\n" in value or "\r" in value or "\0" in value:
        raise EngineOptionError(f"{kind} {value!r} contains a line break: give it on one line")


@dataclass(frozen=True)
class EngineOptions:
    """What the ``--engine-*`` flags of ``docker-machine create`` set."""

    install_url: str = DEFAULT_INSTALL_URL
    port: int = DEFAULT_ENGINE_PORT
    storage_driver: str = DEFAULT_STORAGE_DRIVER
    labels: tuple[str, ...] = ()
    registry_mirrors: tuple[str, ...] = ()
    insecure_registries: tuple[str, ...] = ()
    opts: tuple[str, ...] = ()  # --engine-opt flag=value (or a bare boolean flag)
    env: tuple[str, ...] = ()  # --engine-env NAME=VALUE

    def __post_init__(self) -> None:
        for field in ("labels", "registry_mirrors", "insecure_registries", "opts", "env"):
            value = getattr(self, field)
            if isinstance(value, str):
                raise EngineOptionError(f"engine option {field} must be a list of strings, not a string")
            object.__setattr__(self, field, tuple(str(v) for v in value))
        self._validate()

    def _validate(self) -> None:
        url = self.install_url
        _no_newline("--engine-install-url", url)
        if url not in (INSTALL_NONE, INSTALL_DISTRO) and not re.match(r"^https?://\S+$", url):
            raise EngineOptionError(
                f"--engine-install-url {url!r} is not an http(s) URL: give a URL, 'distro' or 'none'"
            )
        if isinstance(self.port, bool) or not isinstance(self.port, int) or not 1 <= self.port <= 65535:
            raise EngineOptionError(f"engine port {self.port!r} is not a TCP port: give a number from 1 to 65535")
        if not _STORAGE_DRIVER.match(self.storage_driver):
            raise EngineOptionError(
                f"--engine-storage-driver {self.storage_driver!r} is not a storage driver name such as overlay2"
            )
        for label in self.labels:
            _no_newline("--engine-label", label)
            if "=" not in label or label.startswith("="):
                raise EngineOptionError(f"--engine-label {label!r} must look like key=value")
        for kind, values in (
            ("--engine-registry-mirror", self.registry_mirrors),
            ("--engine-insecure-registry", self.insecure_registries),
        ):
            for value in values:
                if not value or any(c.isspace() for c in value):
                    raise EngineOptionError(f"{kind} {value!r} must be a registry address without spaces")
        for item in self.env:
            _no_newline("--engine-env", item)
            name, sep, _ = item.partition("=")
            if not sep or not _ENV_NAME.match(name):
                raise EngineOptionError(f"--engine-env {item!r} must look like NAME=value")
        for item in self.opts:
            _no_newline("--engine-opt", item)
            flag = item.partition("=")[0].lstrip("-")
            if not _FLAG.match(flag):
                raise EngineOptionError(f"--engine-opt {item!r} must look like flag=value, e.g. log-level=debug")
            if flag in _MANAGED_FLAGS:
                raise EngineOptionError(f"--engine-opt {item!r} can't be set this way: {_MANAGED_FLAGS[flag]}")

    def all_labels(self, driver: str) -> list[str]:
        """The engine labels, with docker-machine's ``provider=<driver>`` first."""
        labels = [f"provider={driver}"]
        return labels + [label for label in self.labels if label not in labels]

    def dockerd_flags(self) -> list[str]:
        """``--engine-opt`` values as dockerd command-line flags."""
        flags = []
        for item in self.opts:
            name, sep, value = item.partition("=")
            flags.append(f"--{name.lstrip('-')}={value}" if sep else f"--{name.lstrip('-')}")
        return flags

    def env_pairs(self) -> list[tuple[str, str]]:
        return [tuple(item.split("=", 1)) for item in self.env]  # type: ignore[misc]

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        return {k: list(v) if isinstance(v, tuple) else v for k, v in data.items()}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any] | None) -> "EngineOptions":
        data = dict(data or {})
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise EngineOptionError(f"unknown engine option {unknown[0]!r}: use one of {', '.join(sorted(known))}")
        return cls(**data)

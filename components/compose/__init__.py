"""Compose applications on machines and swarms: the ComposeApp component and the docker CLI it drives.

Nothing is imported eagerly: the CLI's compose and stack commands use ``pulumi_docker_machine.components.compose.dockercli``
and must not pay for importing Pulumi.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

_EXPORTS = {
    "ComposeApp": "pulumi_docker_machine.components.compose.component",
    "ComposeAppArgs": "pulumi_docker_machine.components.compose.component",
    "ComposeArgumentError": "pulumi_docker_machine.components.compose.component",
}

__all__ = tuple(sorted(_EXPORTS))


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'pulumi_docker_machine.components.compose' has no attribute {name!r}")
    return getattr(import_module(_EXPORTS[name]), name)

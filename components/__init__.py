"""Pulumi components and the key material, certificates and provisioning beneath them.

Nothing is imported eagerly: the CLI's read-only commands use the modules
below (cert, ssh, engine, provision) and must not pay for importing Pulumi.
``from components import DockerMachine`` imports the Pulumi side on first use.
"""

from __future__ import annotations

from importlib import import_module
TYPE_CHECKING = False  # typing stays unimported at run time (start-up time)
if TYPE_CHECKING:
    from typing import Any

_EXPORTS = {
    "DockerMachine": "components.machine",
    "DockerMachineArgs": "components.machine",
    "MachineArgumentError": "components.machine",
    "DockerCertificates": "components.certificates",
    "DockerCertificatesArgs": "components.certificates",
    "EngineOptions": "components.engine",
    "DockerSwarm": "components.swarm.component",
    "DockerSwarmArgs": "components.swarm.component",
    "SwarmNodeArgs": "components.swarm.component",
    "AmazonEC2Driver": "components.drivers.amazonec2",
    "AzureDriver": "components.drivers.azure",
    "GoogleDriver": "components.drivers.google",
    "OpenStackDriver": "components.drivers.openstack",
    "DigitalOceanDriver": "components.drivers.digitalocean",
    "GenericDriver": "components.drivers.generic",
    "QemuDriver": "components.drivers.qemu",
    "VirtualBoxDriver": "components.drivers.virtualbox",
    "driver_from_dict": "components.drivers",
    "ComposeApp": "components.compose.component",
    "ComposeAppArgs": "components.compose.component",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'components' has no attribute {name!r}")
    return getattr(import_module(_EXPORTS[name]), name)

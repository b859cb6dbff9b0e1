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
    "DockerMachine": "pulumi_docker_machine.components.machine",
    "DockerMachineArgs": "pulumi_docker_machine.components.machine",
    "MachineArgumentError": "pulumi_docker_machine.components.machine",
    "DockerCertificates": "pulumi_docker_machine.components.certificates",
    "DockerCertificatesArgs": "pulumi_docker_machine.components.certificates",
    "EngineOptions": "pulumi_docker_machine.components.engine",
    "DockerSwarm": "pulumi_docker_machine.components.swarm.component",
    "DockerSwarmArgs": "pulumi_docker_machine.components.swarm.component",
    "SwarmNodeArgs": "pulumi_docker_machine.components.swarm.component",
    "AmazonEC2Driver": "pulumi_docker_machine.components.drivers.amazonec2.driver",
    "AzureDriver": "pulumi_docker_machine.components.drivers.azure.driver",
    "GoogleDriver": "pulumi_docker_machine.components.drivers.google.driver",
    "OpenStackDriver": "pulumi_docker_machine.components.drivers.openstack.driver",
    "DigitalOceanDriver": "pulumi_docker_machine.components.drivers.digitalocean.driver",
    "GenericDriver": "pulumi_docker_machine.components.drivers.generic.driver",
    "QemuDriver": "pulumi_docker_machine.components.drivers.qemu.driver",
    "VirtualBoxDriver": "pulumi_docker_machine.components.drivers.virtualbox.driver",
    "ExoscaleDriver": "pulumi_docker_machine.components.drivers.exoscale.driver",
    "HyperVDriver": "pulumi_docker_machine.components.drivers.hyperv.driver",
    "LibvirtDriver": "pulumi_docker_machine.components.drivers.libvirt.driver",
    "RackspaceDriver": "pulumi_docker_machine.components.drivers.rackspace.driver",
    "VcdDriver": "pulumi_docker_machine.components.drivers.vcd.driver",
    "VMwareDriver": "pulumi_docker_machine.components.drivers.vmware.driver",
    "VSphereDriver": "pulumi_docker_machine.components.drivers.vmwarevsphere.driver",
    "driver_from_dict": "pulumi_docker_machine.components.drivers",
    "ComposeApp": "pulumi_docker_machine.components.compose.component",
    "ComposeAppArgs": "pulumi_docker_machine.components.compose.component",
}

__all__ = tuple(sorted(_EXPORTS))


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'components' has no attribute {name!r}")
    return getattr(import_module(_EXPORTS[name]), name)

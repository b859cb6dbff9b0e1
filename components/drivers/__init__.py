"""Drivers: one module each, registered here by name.

The registry names modules instead of importing them, so choosing a driver
imports only that driver's cloud SDK. Adding a driver: one module with a
``Driver`` subclass, and one line below.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any, Mapping

from .base import Driver, DriverArgumentError, MachineHost

REGISTRY: dict[str, str] = {
    "amazonec2": "pulumi_docker_machine.components.drivers.amazonec2:AmazonEC2Driver",
    "azure": "pulumi_docker_machine.components.drivers.azure:AzureDriver",
    "digitalocean": "pulumi_docker_machine.components.drivers.digitalocean:DigitalOceanDriver",
    "generic": "pulumi_docker_machine.components.drivers.generic:GenericDriver",
    "google": "pulumi_docker_machine.components.drivers.google:GoogleDriver",
    "openstack": "pulumi_docker_machine.components.drivers.openstack:OpenStackDriver",
    "qemu": "pulumi_docker_machine.components.drivers.qemu:QemuDriver",
    "virtualbox": "pulumi_docker_machine.components.drivers.virtualbox:VirtualBoxDriver",
}


def driver_class(name: str) -> type[Driver]:
    try:
        module, cls = REGISTRY[name].split(":")
    except KeyError:
        raise DriverArgumentError(
            f"unknown driver {name!r}: use one of {', '.join(sorted(REGISTRY))}"
        ) from None
    return getattr(import_module(module), cls)


def driver_from_dict(name: str, options: Mapping[str, Any] | None = None) -> Driver:
    """A driver from plain settings (stack config, CLI flags)."""
    return driver_class(name).from_dict(dict(options or {}))


__all__ = ["REGISTRY", "Driver", "DriverArgumentError", "MachineHost", "driver_class", "driver_from_dict"]

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
    "amazonec2": "components.drivers.amazonec2:AmazonEC2Driver",
    "azure": "components.drivers.azure:AzureDriver",
    "digitalocean": "components.drivers.digitalocean:DigitalOceanDriver",
    "generic": "components.drivers.generic:GenericDriver",
    "google": "components.drivers.google:GoogleDriver",
    "openstack": "components.drivers.openstack:OpenStackDriver",
    "qemu": "components.drivers.qemu:QemuDriver",
    "virtualbox": "components.drivers.virtualbox:VirtualBoxDriver",
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

"""Drivers: one folder each, named here.

A driver's folder holds everything about it: its ``__init__.py`` answers what the command line and the
Automation API ask (``INFO``, an info.DriverInfo: create flags, pre-create check, progress lines, power
verbs, ...) without importing Pulumi or its cloud SDK, and the module ``INFO.driver`` names is its Pulumi
side (a ``Driver`` dataclass: its resources, its swarm firewall, its secret options). Adding a driver: its
folder, and its line below. Nothing outside a driver's folder branches on its name
(tests/test_driver_ownership.py). Drivers of other packages (entry points, docs/drivers.md) are plugins.py's:
``REGISTRY`` names the built-ins only; ``is_driver`` and ``names`` answer for both.
"""

from __future__ import annotations

from importlib import import_module

from .info import DriverArgumentError, DriverInfo

TYPE_CHECKING = False  # typing stays unimported at run time (start-up time)
if TYPE_CHECKING:
    from typing import Any, Mapping, Optional, TypeGuard

    from .base import Driver

REGISTRY: tuple[str, ...] = (
    "amazonec2",
    "azure",
    "digitalocean",
    "exoscale",
    "generic",
    "google",
    "hyperv",
    "libvirt",
    "none",
    "openstack",
    "qemu",
    "rackspace",
    "vcd",
    "virtualbox",
    "vmware",
    "vmwarevsphere",
)
DEFAULT_DRIVER = "virtualbox"  # docker-machine's --driver when none is given


def is_driver(name: object) -> TypeGuard[str]:
    """A built-in's name, or an installed plugin's (plugins.py: its entry point's name; nothing imported)."""
    if name in REGISTRY:
        return True
    from . import plugins

    return plugins.known(name, REGISTRY)


def names() -> tuple[str, ...]:
    """Every driver's name, the installed plugins' too, for listings (reads the entry points, imports none)."""
    from . import plugins

    return tuple(sorted((*REGISTRY, *plugins.names(REGISTRY))))


def describe(name: str) -> DriverInfo:
    """The driver's INFO (its folder's ``__init__.py``, or a plugin's entry point): no Pulumi, no cloud SDK."""
    if name in REGISTRY:
        return import_module(f"{__name__}.{name}").INFO
    from . import plugins

    info = plugins.describe(name, REGISTRY)
    if info is None:
        raise DriverArgumentError(f"unknown driver {str(name)[:80]!r}: use one of {', '.join(names())}")
    return info


def driver_class(name: str) -> type[Driver]:
    """The driver's Pulumi side: its Driver dataclass (imports Pulumi, and its cloud SDK where that is not lazy)."""
    if name not in REGISTRY:
        from . import plugins

        describe(name)
        return plugins.driver_class(name, REGISTRY)
    module, cls = describe(name).driver.split(":")
    return getattr(import_module(f"{__name__}.{name}.{module}"), cls)


def driver_from_dict(name: str, options: Optional[Mapping[str, Any]] = None) -> Driver:
    """A driver from plain settings (stack config, CLI flags)."""
    return driver_class(name).from_dict(dict(options or {}))


def secret_options(name: str) -> frozenset[str]:
    """The driver's options that are credentials (its dataclass's secret fields): secret config, never in the store."""
    return driver_class(name).secret_fields()


def all_steps() -> dict[str, tuple[Optional[str], Optional[str]]]:
    """Every driver's progress lines by resource type (types are the providers' own, so no two drivers share one):
    the built-ins' and those of the plugins used in this process (a built-in's line is never a plugin's)."""
    from . import plugins

    steps: dict[str, tuple[Optional[str], Optional[str]]] = {}
    for info in plugins.loaded():
        steps.update(info.steps)
    for name in REGISTRY:
        steps.update(describe(name).steps)
    return steps


def __getattr__(name: str) -> Any:
    """The Pulumi side's shared names (base.py imports Pulumi), on first use."""
    if name in ("Driver", "MachineHost", "ClusterMember"):
        return getattr(import_module(f"{__name__}.base"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "DEFAULT_DRIVER",
    "REGISTRY",
    "Driver",
    "DriverArgumentError",
    "DriverInfo",
    "MachineHost",
    "all_steps",
    "describe",
    "driver_class",
    "driver_from_dict",
    "is_driver",
    "names",
    "secret_options",
]

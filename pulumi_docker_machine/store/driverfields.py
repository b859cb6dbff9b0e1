"""Where each docker-machine 0.16 driver keeps a machine's address in config.json.

docker-machine's drivers answer GetURL/GetIP/GetSSHHostname each their own way (read from
drivers/<name>/*.go of v0.16.2). The read commands here ask no cloud or hypervisor, so they use what
the driver stored. A driver of ours says how its docker-machine namesake stored it (its folder's
``INFO.stored``, components/drivers/info.py's StoredFields); docker-machine's drivers we do not have
are below: vmwarevcloudair keeps its address in ``PublicIP`` and the engine port in ``DockerPort``;
hyperv and the vmware drivers keep ``IPAddress`` as a cache of what they ask their hypervisor; every
other driver ``IPAddress``, engine port 2376. Fields that look like addresses but are not (exoscale's
``URL`` is its API, vmwarevsphere's ``IP`` is vCenter) are never read.
"""

from __future__ import annotations

from pulumi_docker_machine.components.drivers import REGISTRY, describe
from pulumi_docker_machine.components.drivers.info import AskedForAddress, StoredFields, host_of, text, url_host

TYPE_CHECKING = False  # typing stays unimported at run time (start-up time)
if TYPE_CHECKING:
    from typing import Any, Mapping, Optional

__all__ = ["address", "engine_port", "engine_url", "host_of", "missing_address", "ssh_host", "url_host"]


class _VCloudAirFields(StoredFields):
    engine_port_field = "DockerPort"

    def address(self, driver: Mapping[str, Any]) -> str:
        return text(driver, "PublicIP") or host_of(text(driver, "IPAddress"))


# docker-machine 0.16's built-in drivers that have no folder here (their machines are read, never made).
_OTHERS: dict[str, StoredFields] = {
    "vmwarevcloudair": _VCloudAirFields(),
    "vmwarefusion": AskedForAddress(),
}
_PLAIN = StoredFields()


def fields(driver_name: str) -> StoredFields:
    """Our driver's own answer (its folder's INFO.stored), else the table's."""
    if driver_name in REGISTRY:
        return describe(driver_name).stored
    return _OTHERS.get(driver_name, _PLAIN)


def address(driver_name: str, driver: Mapping[str, Any]) -> str:
    """The machine's IP address (or host name) as the driver stored it; "" when it stored none."""
    return fields(driver_name).address(driver)


def engine_port(driver_name: str, driver: Mapping[str, Any]) -> Optional[int]:
    """The engine port the driver stored, if it stores one (None: docker-machine's 2376)."""
    return fields(driver_name).engine_port(driver)


def engine_url(driver_name: str, driver: Mapping[str, Any]) -> Optional[str]:
    """The URL as the driver stored it verbatim (only the none driver stores one)."""
    return fields(driver_name).engine_url(driver)


def ssh_host(driver_name: str, address: str) -> str:
    """Where SSH connects ("" for a driver without SSH)."""
    return fields(driver_name).ssh_host(address)


def missing_address(driver_name: str) -> str:
    if fields(driver_name).asks_for_address:
        return (
            f"its config.json holds no address: docker-machine asks {driver_name} for it, and the read commands "
            "here ask no cloud or hypervisor"
        )
    return "its config.json holds no address"

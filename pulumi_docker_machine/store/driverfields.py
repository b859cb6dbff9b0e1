"""Where each docker-machine 0.16 driver keeps a machine's address in config.json.

docker-machine's drivers answer GetURL/GetIP/GetSSHHostname each their own way (read from
drivers/<name>/*.go of v0.16.2). The read commands here ask no cloud or hypervisor, so they use what
the driver stored:
- none: the engine URL in ``Driver.URL``, verbatim; ``IPAddress`` holds ``host:port`` (net/url's Host).
- generic: ``IPAddress``, the engine port in ``EnginePort``. azure and vmwarevcloudair: the port in
  ``DockerPort``; vmwarevcloudair's address is ``PublicIP``.
- amazonec2: ``PrivateIPAddress`` with ``UsePrivateIP``/``PrivateIPOnly``, else ``IPAddress``.
- azure stores no address (docker-machine asks Azure): the requested ``PrivateIPAddr`` with
  ``UsePrivateIP``/``NoPublicIP``, else ``<DNSLabel>.<Location>.cloudapp.azure.com`` when a DNS label
  was given, else nothing.
- every other driver: ``IPAddress`` (virtualbox, hyperv, vmware*, google keep it as a cache of what
  they ask their hypervisor or cloud; google leaves it empty after a create), engine port 2376.
- SSH: virtualbox connects to 127.0.0.1 (a NAT forward on ``SSHPort``); none has no SSH.
Fields that look like addresses but are not (exoscale's ``URL`` is its API, vmwarevsphere's ``IP`` is
vCenter) are never read.
"""

from __future__ import annotations

TYPE_CHECKING = False  # typing stays unimported at run time (start-up time)
if TYPE_CHECKING:
    from typing import Any, Mapping, Optional

ENGINE_PORT_FIELD = {"generic": "EnginePort", "azure": "DockerPort", "vmwarevcloudair": "DockerPort"}
# Drivers whose docker-machine asks the cloud or hypervisor for the address every time.
LIVE_ADDRESS = ("virtualbox", "amazonec2", "azure", "google", "hyperv", "vmwarefusion", "vmwarevsphere")


def _host_of(host_port: str) -> str:
    """``host`` of ``host:port``, ``[v6]:port`` or a bare address."""
    if host_port.startswith("["):
        return host_port[1:host_port.find("]")] if "]" in host_port else host_port
    if host_port.count(":") == 1:
        return host_port.split(":", 1)[0]
    return host_port


def urlsplit(url: str):
    """urllib.parse's, imported on use: only the none driver stores a URL, and read commands start faster."""
    from urllib.parse import urlsplit as split

    return split(url)


def url_host(url: str) -> str:
    """The host of a stored URL; "" when it is not a URL (config.json is untrusted: ``tcp://[::1`` is no URL)."""
    try:
        return urlsplit(url).hostname or ""
    except ValueError:
        return ""


def address(driver_name: str, driver: Mapping[str, Any]) -> str:
    """The machine's IP address (or host name) as the driver stored it; "" when it stored none."""
    def text(key: str) -> str:
        value = driver.get(key)
        return value if isinstance(value, str) else ""

    if driver_name == "none":
        return url_host(text("URL")) or _host_of(text("IPAddress"))
    if driver_name == "vmwarevcloudair":
        return text("PublicIP") or text("IPAddress")
    if driver_name == "amazonec2" and (driver.get("UsePrivateIP") or driver.get("PrivateIPOnly")):
        return text("PrivateIPAddress") or text("IPAddress")
    if driver_name == "azure":
        if (driver.get("UsePrivateIP") or driver.get("NoPublicIP")) and text("PrivateIPAddr"):
            return text("PrivateIPAddr")
        if text("DNSLabel") and text("Location"):
            return f"{text('DNSLabel')}.{text('Location')}.cloudapp.azure.com"
    return _host_of(text("IPAddress"))


def engine_port(driver_name: str, driver: Mapping[str, Any]) -> Optional[int]:
    """The engine port the driver stored, if it stores one (None: docker-machine's 2376)."""
    if driver_name == "none":
        try:
            return urlsplit(driver.get("URL") or "").port if isinstance(driver.get("URL"), str) else None
        except ValueError:  # no port, or one out of range
            return None
    value = driver.get(ENGINE_PORT_FIELD.get(driver_name, ""))
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else None


def engine_url(driver_name: str, driver: Mapping[str, Any]) -> Optional[str]:
    """The URL as the driver stored it verbatim (only the none driver stores one)."""
    url = driver.get("URL")
    return url if driver_name == "none" and isinstance(url, str) and url else None


def missing_address(driver_name: str) -> str:
    if driver_name in LIVE_ADDRESS:
        return (f"its config.json holds no address: docker-machine asks {driver_name} for it, and the read commands "
                "here ask no cloud or hypervisor")
    return "its config.json holds no address"

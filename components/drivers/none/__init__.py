"""The none driver: an existing Docker host registered by its URL (docker-machine's ``create -d none --url
tcp://HOST:2376``). No VM, no SSH, no provisioning: the host's engine already serves TLS with a certificate of
the store's CA (its Pulumi side: driver.py)."""

from __future__ import annotations

from ..info import GENERATED_KEY_FILE, DriverInfo, StoredFields, host_of, text, url_host, url_port, urlsplit
from .flags import FLAGS

TYPE_CHECKING = False  # typing stays unimported at run time (start-up time)
if TYPE_CHECKING:
    from typing import Any, Mapping, Optional


class NoneFields(StoredFields):
    """The engine URL in ``Driver.URL``, verbatim; ``IPAddress`` holds its ``host:port`` (net/url's Host)."""

    def address(self, driver: Mapping[str, Any]) -> str:
        return url_host(text(driver, "URL")) or host_of(text(driver, "IPAddress"))

    def engine_port(self, driver: Mapping[str, Any]) -> Optional[int]:
        return url_port(text(driver, "URL"))

    def engine_url(self, driver: Mapping[str, Any]) -> Optional[str]:
        return text(driver, "URL") or None

    def ssh_host(self, address: str) -> str:
        return ""  # no SSH

    def written(self, outputs: Mapping[str, Any]) -> dict[str, Any]:
        """0.16.2's none driver: ``URL`` as given, ``IPAddress`` its ``host:port`` (``url.Parse(d.URL).Host``)."""
        url = outputs.get("docker_host")
        try:
            host_port = urlsplit(url).netloc if isinstance(url, str) and url.startswith("tcp://") else ""
        except ValueError:
            host_port = ""
        return {"URL": url, "IPAddress": host_port} if host_port else {}


INFO = DriverInfo(
    name="none",
    driver="driver:NoneDriver",
    flags=FLAGS,
    check=None,  # nothing is made: the URL is checked with the flags
    steps={},  # it registers no resource of its own
    power={},
    power_refusal="hosts without a driver cannot be {done}",  # docker-machine's words
    needs_store_path=False,
    key_file=GENERATED_KEY_FILE,  # unused: no SSH
    per_node=("url",),  # a swarm of existing hosts: one --url per node
    stored=NoneFields(),
)

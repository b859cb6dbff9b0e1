"""The vcd driver: a VM in VMware Cloud Director, vCloud Air's successor, with docker-machine's vmwarevcloudair flags
(its Pulumi side: driver.py; pulumi-vcd is an optional extra)."""

from __future__ import annotations

from ..info import GENERATED_KEY_FILE, POWER_STATE, DriverInfo, StoredFields, text, url_port
from .flags import FLAGS

TYPE_CHECKING = False  # typing stays unimported at run time (start-up time)
if TYPE_CHECKING:
    from typing import Any, Mapping


class VcdFields(StoredFields):
    """As docker-machine 0.16.2's vmwarevcloudair kept a machine: the public IP in ``PublicIP``, the engine port in
    ``DockerPort``."""

    engine_port_field = "DockerPort"

    def address(self, driver: Mapping[str, Any]) -> str:
        return text(driver, "PublicIP") or super().address(driver)

    def written(self, outputs: Mapping[str, Any]) -> dict[str, Any]:
        """0.16.2's ``PublicIP`` and ``DockerPort``, so that it reads a machine made here as its own."""
        address, url = outputs.get("ip"), outputs.get("docker_host")
        port = url_port(url) if isinstance(url, str) else None
        return {
            **({"PublicIP": address} if isinstance(address, str) and address else {}),
            **({"DockerPort": port} if port else {}),
        }


INFO = DriverInfo(
    name="vcd",
    driver="driver:VcdDriver",
    flags=FLAGS,
    check=None,  # the SDK and the credentials are checked with the flags; Cloud Director answers at create
    steps={
        "pulumi:providers:vcd": (None, None),  # with --vcd-url or --vmwarevcloudair-username
        "vcd:index/vm:Vm": (
            "Creating machine...",
            "Waiting for the VM to power on and run the customization script...",
        ),
        "vcd:index/nsxtNatRule:NsxtNatRule": ("Creating NAT rules on the edge gateway...", None),
    },
    power=dict.fromkeys(("start", "stop", "kill", "restart"), POWER_STATE),
    needs_store_path=False,
    key_file=GENERATED_KEY_FILE,
    per_node=(),
    stored=VcdFields(),
)

"""The Azure driver: a resource group, a virtual network and subnet, a network security group, a public address,
a network interface and the virtual machine (its Pulumi side: driver.py; pulumi-azure-native is an optional
extra)."""

from __future__ import annotations

from ..info import GENERATED_KEY_FILE, AskedForAddress, DriverInfo, text
from .flags import FLAGS

TYPE_CHECKING = False  # typing stays unimported at run time (start-up time)
if TYPE_CHECKING:
    from typing import Any, Mapping


class AzureFields(AskedForAddress):
    """docker-machine's azure driver stores no address: the requested ``PrivateIPAddr`` with ``UsePrivateIP`` or
    ``NoPublicIP``, else ``<DNSLabel>.<Location>.cloudapp.azure.com`` when a DNS label was given, else nothing."""

    engine_port_field = "DockerPort"

    def address(self, driver: Mapping[str, Any]) -> str:
        if (driver.get("UsePrivateIP") or driver.get("NoPublicIP")) and text(driver, "PrivateIPAddr"):
            return text(driver, "PrivateIPAddr")
        if text(driver, "DNSLabel") and text(driver, "Location"):
            return f"{text(driver, 'DNSLabel')}.{text(driver, 'Location')}.cloudapp.azure.com"
        return super().address(driver)


INFO = DriverInfo(
    name="azure",
    driver="driver:AzureDriver",
    flags=FLAGS,
    check=None,  # the SDK and the subscription are checked with the flags; Azure itself answers at create
    steps={
        "pulumi:providers:azure-native": (None, None),  # with a service principal given
        "azure-native:resources:ResourceGroup": ("Creating resource group...", None),
        "azure-native:network:NetworkSecurityGroup": ("Configuring network security group...", None),
        "azure-native:network:SecurityRule": (None, None),
        "azure-native:network:VirtualNetwork": ("Creating virtual network...", None),
        "azure-native:network:Subnet": ("Configuring subnet...", None),
        "azure-native:network:PublicIPAddress": ("Creating public IP address...", None),
        "azure-native:network:NetworkInterface": ("Creating network interface...", None),
        "azure-native:compute:AvailabilitySet": ("Creating availability set...", None),
        "azure-native:compute:VirtualMachine": (
            "Creating virtual machine...",
            "Waiting for machine to be running, this may take a few minutes...",
        ),
    },
    # The Azure Resource Manager API has no power resource: start and stop would need a provider of our own.
    power={},
    needs_store_path=False,
    key_file=GENERATED_KEY_FILE,
    per_node=(),
    stored=AzureFields(),
)

"""The Amazon EC2 driver: a key pair, a security group with one rule per port, an instance and its power state
(its Pulumi side: driver.py)."""

from __future__ import annotations

from ..info import GENERATED_KEY_FILE, IN_PLACE, POWER_STATE, REPLACE, AskedForAddress, DriverInfo, text
from .flags import FLAGS

TYPE_CHECKING = False  # typing stays unimported at run time (start-up time)
if TYPE_CHECKING:
    from typing import Any, Mapping

WAITING = "Waiting for machine to be running, this may take a few minutes..."


class AmazonEC2Fields(AskedForAddress):
    def address(self, driver: Mapping[str, Any]) -> str:
        """The private address with --amazonec2-use-private-address or --amazonec2-private-address-only."""
        if driver.get("UsePrivateIP") or driver.get("PrivateIPOnly"):
            return text(driver, "PrivateIPAddress") or text(driver, "IPAddress")
        return super().address(driver)


def instance_type_change(old: str, new: str) -> str:
    """EC2 stops the instance, modifies its type and starts it; a type of the other architecture (Graviton or not)
    needs the other Ubuntu AMI, so a new instance."""
    from .driver import is_arm_instance_type

    return REPLACE if is_arm_instance_type(str(old)) != is_arm_instance_type(str(new)) else IN_PLACE


INFO = DriverInfo(
    name="amazonec2",
    driver="driver:AmazonEC2Driver",
    flags=FLAGS,
    check=None,  # credentials and the AMI are the provider's to check, at create
    steps={
        "pulumi:providers:aws": (None, None),  # with --amazonec2-access-key
        "aws:ec2/keyPair:KeyPair": ("Importing the SSH key into EC2...", None),
        "aws:ec2/securityGroup:SecurityGroup": ("Creating the security group...", None),
        "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": (None, None),
        "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule": (None, None),
        "aws:ec2/instance:Instance": ("Creating machine...", WAITING),
        "aws:ec2transitgateway/instanceState:InstanceState": ("Setting the machine's power state...", None),
        "aws:ec2/networkInterfaceSecurityGroupAttachment:NetworkInterfaceSecurityGroupAttachment": (None, None),
    },
    power=dict.fromkeys(("start", "stop", "kill", "restart"), POWER_STATE),
    needs_store_path=False,
    key_file=GENERATED_KEY_FILE,
    per_node=(),
    stored=AmazonEC2Fields(),
    changes={"instance_type": instance_type_change},  # set
)

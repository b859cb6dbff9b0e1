"""The OpenStack driver: a key pair, a security group, the server and optionally a floating IP (its Pulumi side:
driver.py; pulumi-openstack is an optional extra)."""

from ..info import GENERATED_KEY_FILE, POWER_STATE, DriverInfo, StoredFields
from .flags import FLAGS

INFO = DriverInfo(
    name="openstack",
    driver="driver:OpenStackDriver",
    flags=FLAGS,
    check=None,  # the SDK and the credentials are checked with the flags; the cloud itself answers at create
    steps={
        "pulumi:providers:openstack": (None, None),  # with credentials given
        "openstack:compute/keypair:Keypair": ("Creating key pair...", None),
        "openstack:networking/secGroup:SecGroup": ("Creating the security group...", None),
        "openstack:networking/secGroupRule:SecGroupRule": (None, None),
        "openstack:compute/instance:Instance": (
            "Creating machine...",
            "Waiting for the OpenStack instance to be ACTIVE...",
        ),
        "openstack:networking/floatingIp:FloatingIp": ("Creating floating IP...", None),
        "openstack:networking/floatingIpAssociate:FloatingIpAssociate": ("Associating floating IP...", None),
        "openstack:networking/portSecGroupAssociate:PortSecGroupAssociate": (None, None),  # a swarm's group
    },
    power=dict.fromkeys(("start", "stop", "kill", "restart"), POWER_STATE),
    needs_store_path=False,
    key_file=GENERATED_KEY_FILE,
    per_node=(),
    stored=StoredFields(),
)

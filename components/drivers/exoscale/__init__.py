"""The Exoscale driver: an SSH key, a security group of the machine's own and a compute instance (its Pulumi side:
driver.py; pulumiverse-exoscale is an optional extra)."""

from ..info import GENERATED_KEY_FILE, IN_PLACE, POWER_STATE, DriverInfo, StoredFields
from .flags import FLAGS

INFO = DriverInfo(
    name="exoscale",
    driver="driver:ExoscaleDriver",
    flags=FLAGS,
    check=None,  # the SDK and the credentials are checked with the flags; Exoscale itself answers at create
    steps={
        "pulumi:providers:exoscale": (None, None),  # with --exoscale-api-key
        "exoscale:index/sshKey:SshKey": ("Registering the SSH key with Exoscale...", None),
        "exoscale:index/securityGroup:SecurityGroup": ("Creating the security group...", None),
        "exoscale:index/securityGroupRule:SecurityGroupRule": (None, None),
        "exoscale:index/computeInstance:ComputeInstance": ("Creating machine...", None),
    },
    power=dict.fromkeys(("start", "stop", "kill", "restart"), POWER_STATE),
    needs_store_path=False,
    key_file=GENERATED_KEY_FILE,
    per_node=(),
    stored=StoredFields(),  # 0.16.2 kept the address in IPAddress (its URL field is the API's)
    changes={"instance_profile": IN_PLACE},  # Exoscale scales a stopped instance: the provider stops it first
)

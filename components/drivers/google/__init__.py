"""The Google Compute Engine driver: an instance with its boot disk, a firewall rule for its network tag, and
optionally a static external address (its Pulumi side: driver.py; pulumi-gcp is an optional extra)."""

from ..info import GENERATED_KEY_FILE, IN_PLACE, POWER_STATE, AskedForAddress, DriverInfo
from .flags import FLAGS

INFO = DriverInfo(
    name="google",
    driver="driver:GoogleDriver",
    flags=FLAGS,
    check=None,  # the SDK and the project are checked with the flags; GCE itself answers at create
    steps={
        "pulumi:providers:gcp": (None, None),  # with credentials given
        "gcp:compute/firewall:Firewall": ("Opening firewall ports...", None),
        "gcp:compute/address:Address": ("Reserving a static external address...", None),
        "gcp:compute/instance:Instance": (
            "Creating instance...",
            "Waiting for machine to be running, this may take a few minutes...",
        ),
    },
    power=dict.fromkeys(("start", "stop", "kill", "restart"), POWER_STATE),
    needs_store_path=False,
    key_file=GENERATED_KEY_FILE,
    per_node=(),
    # docker-machine asks GCE for the address (a create leaves IPAddress empty).
    stored=AskedForAddress(),
    # set: a new machine type stops the instance, changes it and starts it (allow_stopping_for_update, driver.py)
    changes={"machine_type": IN_PLACE},
)

"""The DigitalOcean driver: an SSH key, a Droplet, a Cloud Firewall and the droplet's power state (its Pulumi side:
driver.py; the power provider's state contract: provider.py)."""

from ..info import GENERATED_KEY_FILE, IN_PLACE, POWER_STATE, DriverInfo, StoredFields
from .flags import FLAGS

WAITING = "Waiting for machine to be running, this may take a few minutes..."

INFO = DriverInfo(
    name="digitalocean",
    driver="driver:DigitalOceanDriver",
    flags=FLAGS,
    check=None,  # the token is checked with the flags; DigitalOcean itself answers at create
    steps={
        "pulumi:providers:digitalocean": (None, None),  # with --digitalocean-access-token
        "digitalocean:index/sshKey:SshKey": ("Registering the SSH key with DigitalOcean...", None),
        "digitalocean:index/droplet:Droplet": ("Creating machine...", WAITING),
        "digitalocean:index/firewall:Firewall": ("Opening SSH and the Docker port in the firewall...", None),
        "pulumi-python:dynamic/docker-machine:DropletPower": ("Setting the machine's power state...", None),
    },
    power=dict.fromkeys(("start", "stop", "kill", "restart"), POWER_STATE),
    needs_store_path=False,
    key_file=GENERATED_KEY_FILE,
    per_node=(),
    stored=StoredFields(),
    # set: a new size is a resize of the droplet (powered off and on again by the provider; its disk grows
    # with a larger size and then can't shrink back)
    changes={"size": IN_PLACE},
)

"""The hetzner driver's answers before any Pulumi code runs (``docker-machine create -d hetzner --help``, the store):
data only, no Pulumi and no pulumi-hcloud. Its Pulumi side is driver.py's HetznerDriver."""

from pulumi_docker_machine.components.drivers.info import GENERATED_KEY_FILE, SSH_REBOOT, DriverInfo, StoredFields

from .flags import FLAGS

INFO = DriverInfo(
    name="hetzner",
    driver="driver:HetznerDriver",  # inside this package
    flags=FLAGS,
    check=None,  # nothing only this computer can tell; Hetzner answers at create
    steps={
        "pulumi:providers:hcloud": (None, None),  # with --hetzner-api-token
        "hcloud:index/sshKey:SshKey": ("Registering the SSH key with Hetzner Cloud...", None),
        "hcloud:index/firewall:Firewall": ("Opening SSH and the Docker port in the firewall...", None),
        "hcloud:index/server:Server": (
            "Creating machine...",
            "Waiting for machine to be running, this may take a few minutes...",
        ),
        "hcloud:index/firewallAttachment:FirewallAttachment": ("Opening the swarm's ports between its nodes...", None),
    },
    # pulumi-hcloud keeps no power state: a reboot over SSH, as the generic driver does; the others are refused.
    power={"restart": SSH_REBOOT},
    power_refusal="hetzner driver does not support {verb}: power the server in Hetzner's console or its API",
    needs_store_path=False,
    key_file=GENERATED_KEY_FILE,
    per_node=(),
    stored=StoredFields(),  # docker-machine-driver-hetzner keeps the address in IPAddress, the engine on 2376
    changes={},  # docker-machine set: nothing (a new server type is a rebuild here)
)

"""The generic driver: a Linux host that already exists, reached over SSH (its Pulumi side: driver.py)."""

from ..info import SSH_REBOOT, DriverInfo, StoredFields
from .flags import FLAGS


class GenericFields(StoredFields):
    engine_port_field = "EnginePort"  # --generic-engine-port


INFO = DriverInfo(
    name="generic",
    driver="driver:GenericDriver",
    flags=FLAGS,
    check=None,  # the host is reached when the machine is made: nothing here to check before
    steps={
        "pulumi-python:dynamic/docker-machine:AuthorizedKey": (
            "Authorizing the machine's SSH key on the host (with your --generic-ssh-key)...",
            None,
        ),
    },
    # docker-machine's generic driver: restart is 'sudo shutdown -r now' over SSH; the host's power is not ours.
    power={"restart": SSH_REBOOT},
    needs_store_path=False,
    key_file="id_rsa",  # docker-machine's generic driver keeps the machine's key as id_rsa, whatever its type
    per_node=("ip_address",),
    stored=GenericFields(),
)

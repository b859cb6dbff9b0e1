"""The vSphere driver: a VM cloned from a template (or deployed from an OVA) by pulumi-vsphere, its cloud-init
seed in guestinfo (its Pulumi side: driver.py; pulumi-vsphere is an optional extra)."""

from ..info import GENERATED_KEY_FILE, AskedForAddress, DriverInfo
from .flags import FLAGS

INFO = DriverInfo(
    name="vmwarevsphere",
    driver="driver:VSphereDriver",
    flags=FLAGS,
    check=None,  # the SDK and the credentials are checked with the flags; vCenter itself answers at create
    steps={
        "pulumi:providers:vsphere": (None, None),
        "vsphere:index/virtualMachine:VirtualMachine": (
            "Creating VM...",
            "Waiting for the VM's address from VMware Tools...",
        ),
    },
    power={},
    power_refusal="vmwarevsphere driver does not support {verb} here: power the VM in vCenter, or rm and create",
    needs_store_path=False,
    key_file=GENERATED_KEY_FILE,
    per_node=(),
    stored=AskedForAddress(),  # docker-machine asked vCenter each time (its IP field is vCenter's)
)

"""The libvirt driver: a domain on a libvirt host (KVM or QEMU, Xen through its URI), a qcow2 overlay and
cloud-init's NoCloud seed as volumes of a storage pool, driven through virsh (its Pulumi side: driver.py; the
provider's state contract: provider.py)."""

from __future__ import annotations

from ..info import GENERATED_KEY_FILE, GROW, POWER_STATE, RESTART, DriverInfo, PreCreateCheckError, StoredFields
from .flags import FLAGS

TYPE_CHECKING = False  # typing stays unimported at run time (start-up time)
if TYPE_CHECKING:
    from typing import Any


def check(options: dict[str, Any]) -> dict[str, Any]:
    """virsh installed, the libvirt host answering, its network active and its pool there, KVM present for a
    kvm domain on this computer; the domain type settled, so ``inspect`` shows what the machine runs with."""
    import os

    from .provider import default_domain_type
    from .virsh import LibvirtError, Virsh, check_name, is_local

    uri = options.get("uri") or "qemu:///system"
    settled = {**options, "domain_type": options.get("domain_type") or default_domain_type(uri)}
    try:
        virsh = Virsh(uri)
        network = check_name("network", options.get("network") or "default")
        pool = check_name("storage pool", options.get("storage_pool") or "default")
        virsh.run("uri", timeout=60)
        info = virsh.run("net-info", "--network", network)
        if not any(line.split() == ["Active:", "yes"] for line in info.splitlines()):
            raise LibvirtError(f"libvirt network {network} is not active on {uri}: virsh net-start {network}")
        info = virsh.run("pool-info", "--pool", pool, check=False)
        if not any(line.split() == ["State:", "running"] for line in info.splitlines()):
            raise LibvirtError(
                f"libvirt storage pool {pool} is not running on {uri}: start it (virsh pool-start {pool}), make it "
                f"(virsh pool-define-as {pool} dir --target /var/lib/libvirt/images, then pool-build and pool-start) "
                "or name another with --libvirt-storage-pool"
            )
    except LibvirtError as err:
        raise PreCreateCheckError(str(err)) from None
    if settled["domain_type"] == "kvm" and is_local(uri) and not os.path.exists("/dev/kvm"):
        raise PreCreateCheckError("this computer has no /dev/kvm: use --libvirt-domain-type qemu (TCG, slower)")
    return settled


INFO = DriverInfo(
    name="libvirt",
    driver="driver:LibvirtDriver",
    flags=FLAGS,
    check=check,
    steps={
        "pulumi-python:dynamic/docker-machine:LibvirtVM": (
            "Creating libvirt domain...",
            "Waiting for machine to be running, this may take a few minutes...",
        ),
    },
    power=dict.fromkeys(("start", "stop", "kill", "restart"), POWER_STATE),
    needs_store_path=True,  # a URL's base image is cached in the store
    key_file=GENERATED_KEY_FILE,
    per_node=(),
    stored=StoredFields(),  # not one of docker-machine 0.16's drivers: its machines are all ours
    # set: a running domain stops, is defined again and starts; the overlay volume only grows
    changes={"cpu_count": RESTART, "memory": RESTART, "disk_size": GROW},
)

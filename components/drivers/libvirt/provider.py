"""The libvirt domain as a Pulumi dynamic provider: a qcow2 overlay volume on the base image and the NoCloud seed
as a volume, both in a storage pool; the domain on a libvirt network; state, start, stop, kill and removal through
virsh (virsh.py).

The engine stores this provider pickled *by reference*: the module path
``pulumi_docker_machine.components.drivers.libvirt.provider`` and the class name ``LibvirtVMProvider`` are a contract
with every stack's state. The provider holds no state: the domain and its volumes are found again by name.
"""

from __future__ import annotations

import ipaddress
import math
import os
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any, Optional

from pulumi.dynamic import CheckFailure, CheckResult, CreateResult, DiffResult, ReadResult, ResourceProvider
from pulumi.dynamic import UpdateResult

from ..imagecache import images_in_use, machine_image, sha256_of
from ..localvm import below_minimum, shrink_problem, wait_for_ssh_banner
from ..qemu.backing import checked_chain
from ..qemu.launch import QemuError, random_mac
from ..seed import SeedConfig, write_seed_iso
from .domainxml import CACHE_MODES, DOMAIN_TYPES, IO_MODES, domain_xml, volume_xml
from .virsh import LibvirtError, Virsh, check_name, check_uri, is_local

REPLACE_ON = (
    "name",
    "uri",
    "pool",
    "network",
    "domain_type",
    "cache_dir",
    "image",
    "image_sha256",
    "ssh_user",
    "public_key",
    "hostname",
    "kernel",
    "initrd",
    "append",
)
# memory and cpus: the domain is defined again while it is stopped; disk_size only grows (vol-resize).
UPDATE_IN_PLACE = ("memory", "cpus", "disk_size", "cache_mode", "io_mode", "state", "force_stop", "boot_timeout")
STOP_TIMEOUT = 120.0
STATES = {
    "running": "Running",
    "idle": "Running",
    "blocked": "Running",
    "paused": "Paused",
    "pmsuspended": "Paused",
    "in shutdown": "Stopping",
    "shut off": "Stopped",
    "crashed": "Error",
}


def default_domain_type(uri: str) -> str:
    from .virsh import is_xen

    return "xen" if is_xen(uri) else "kvm"


def validate(props: dict[str, Any], require_key: bool = True) -> list[tuple[str, str]]:
    problems = below_minimum(props, (("memory", 256), ("cpus", 1), ("disk_size", 2000), ("boot_timeout", 1)))
    for key, kind in (("name", "machine name"), ("pool", "storage pool"), ("network", "network")):
        try:
            check_name(kind, props.get(key))
        except LibvirtError as err:
            problems.append((key, str(err)))
    try:
        check_uri(props.get("uri"))
    except LibvirtError as err:
        problems.append(("uri", str(err)))
    for key, allowed in (("domain_type", DOMAIN_TYPES), ("cache_mode", CACHE_MODES), ("io_mode", IO_MODES)):
        if props.get(key) not in allowed:
            problems.append((key, f"{key} must be one of {', '.join(allowed)}, not {props.get(key)!r}"))
    for key in ("kernel", "initrd", "append"):
        value = props.get(key)
        if value is not None and (not isinstance(value, str) or "\0" in value):
            problems.append((key, f"{key} must be text, not {value!r}"))
    for key in ("kernel", "initrd"):
        value = props.get(key)
        if isinstance(value, str) and value and not value.startswith("/"):
            problems.append((key, f"{key} {value!r} must be an absolute path on the libvirt host"))
        elif value and is_local(str(props.get("uri"))) and not os.access(value, os.R_OK):
            problems.append((key, f"{key} {value} cannot be read: give the path of a file"))
    if (props.get("initrd") or props.get("append")) and not props.get("kernel"):
        problems.append(("kernel", "initrd and append need kernel (direct kernel boot)"))
    image = str(props.get("image") or "")
    if "://" not in image and not os.access(image, os.R_OK):
        problems.append(("image", f"image {image!r} cannot be read: give the path or URL of a qcow2 cloud image"))
    if require_key and not props.get("public_key"):
        problems.append(("public_key", "the machine's SSH public key is missing"))
    return problems


def volumes(name: str) -> tuple[str, str]:
    """(overlay disk, seed) volume names of the machine ``name``."""
    return f"pdm-{name}.qcow2", f"pdm-{name}-seed.iso"


def backing_on_host(virsh: Virsh, props: dict[str, Any]) -> str:
    """The path on the libvirt host of the overlay's backing file: the checked base image itself when libvirt runs
    here; for a remote host, the base uploaded once into the pool as ``pdm-base-<sha256>.qcow2`` (kept there, as
    the cache keeps it here)."""
    cache_dir = Path(props["cache_dir"])
    with images_in_use(cache_dir):  # no prune between the fetch and the overlay
        try:
            base = machine_image(str(props["image"]), cache_dir, props.get("image_sha256"))
            chain = checked_chain(base, cache_dir)
        except QemuError as err:
            raise LibvirtError(str(err)) from None
        top = Path(chain[0]["path"])
        if is_local(virsh.uri):
            return str(top)
        if len(chain) != 1:
            raise LibvirtError(f"image {top} has a backing file: give a qcow2 image without one for a remote host")
        pool = props["pool"]
        name = f"pdm-base-{sha256_of(top)[:16]}.qcow2"
        if not virsh.ok("vol-info", "--pool", pool, "--vol", name):
            size_mib = math.ceil(top.stat().st_size / 2**20)
            virsh.with_xml("vol-create", volume_xml(name, size_mib, "raw"), "--pool", pool)
            virsh.run("vol-upload", "--pool", pool, "--vol", name, "--file", str(top), timeout=3600)
        return virsh.run("vol-path", "--pool", pool, "--vol", name).strip()


def upload_seed(virsh: Virsh, props: dict[str, Any], outs: dict[str, Any]) -> None:
    with tempfile.TemporaryDirectory(prefix="pdm-seed-") as folder:
        iso = write_seed_iso(
            Path(folder) / "seed.iso",
            SeedConfig(
                hostname=props["hostname"],
                ssh_user=props["ssh_user"],
                public_key=props["public_key"],
                instance_id=str(uuid.uuid4()),
                nat_mac=outs["mac"],
            ),
        )
        size_mib = max(1, math.ceil(iso.stat().st_size / 2**20))
        virsh.with_xml("vol-create", volume_xml(outs["seed_volume"], size_mib, "raw"), "--pool", props["pool"])
        virsh.run("vol-upload", "--pool", props["pool"], "--vol", outs["seed_volume"], "--file", str(iso))


def domain_state(virsh: Virsh, name: str) -> str:
    """Running, Paused, Stopping, Stopped, Error; NotFound when libvirt has no such domain."""
    try:
        state = virsh.run("domstate", "--domain", check_name("domain", name), timeout=60).strip()
    except LibvirtError as err:
        return "NotFound" if "ailed to get domain" in str(err) or "not found" in str(err) else "Error"
    return STATES.get(state, "Error")


def lease_address(virsh: Virsh, name: str, mac: str) -> Optional[str]:
    """The IPv4 address the network's DHCP server leased to the domain's NIC (``virsh domifaddr --source lease``)."""
    text = virsh.run("domifaddr", "--domain", name, "--source", "lease", check=False, timeout=60)
    for line in text.splitlines():
        fields = line.split()
        if len(fields) == 4 and fields[1].lower() == mac.lower() and fields[2] == "ipv4":
            try:
                return str(ipaddress.IPv4Interface(fields[3]).ip)
            except ValueError:
                return None
    return None


def wait_until_reachable(virsh: Virsh, outs: dict[str, Any]) -> str:
    """The domain's address once its sshd answers there."""
    name, timeout = outs["name"], float(outs["boot_timeout"])
    deadline = time.monotonic() + timeout

    def alive() -> None:
        if domain_state(virsh, name) != "Running":
            raise LibvirtError(f"domain {name} stopped while it booted (virsh console {name} shows why)")

    address = None
    while address is None:
        alive()
        address = lease_address(virsh, name, outs["mac"])
        if address is None:
            if time.monotonic() > deadline:
                raise LibvirtError(
                    f"domain {name} got no DHCP lease on network {outs['network']} within {timeout:.0f} s"
                )
            time.sleep(2)
    left = max(deadline - time.monotonic(), 30.0)
    if not wait_for_ssh_banner(address, 22, left, alive, interval=2.0):
        raise LibvirtError(f"SSH did not answer on {address}:22 within {timeout:.0f} s of domain {name} starting")
    return address


def start(virsh: Virsh, outs: dict[str, Any]) -> dict[str, Any]:
    """Boot the domain (nothing when it runs) and wait for SSH; returns ``outs`` with its address."""
    if domain_state(virsh, outs["name"]) != "Running":
        virsh.run("start", "--domain", outs["name"])
    return {**outs, "ip_address": wait_until_reachable(virsh, outs)}


def stop(virsh: Virsh, name: str, graceful: bool = True) -> None:
    """ACPI shutdown and a bounded wait; ``destroy`` (power off) when not graceful or when the wait runs out."""
    state = domain_state(virsh, name)
    if state in ("Stopped", "NotFound"):
        return
    if graceful and state == "Running":
        virsh.run("shutdown", "--domain", name, check=False)
        deadline = time.monotonic() + STOP_TIMEOUT
        while domain_state(virsh, name) not in ("Stopped", "NotFound") and time.monotonic() < deadline:
            time.sleep(1)
    if domain_state(virsh, name) not in ("Stopped", "NotFound"):
        virsh.run("destroy", "--domain", name, check=False)


def remove(virsh: Virsh, props: dict[str, Any]) -> None:
    """The domain powered off and undefined, its overlay and seed volumes deleted; the base image stays."""
    name = check_name("domain", props["name"])
    stop(virsh, name, graceful=False)
    if domain_state(virsh, name) != "NotFound":
        virsh.run("undefine", "--domain", name)
    pool = check_name("storage pool", props["pool"])
    for volume in volumes(name):
        if virsh.ok("vol-info", "--pool", pool, "--vol", volume):
            virsh.run("vol-delete", "--pool", pool, "--vol", volume)


def checked(props: dict[str, Any]) -> dict[str, Any]:
    """``props`` (from the stack's state: untrusted) refused unless valid, with its volume names."""
    problems = validate(props)
    if problems:
        raise LibvirtError(f"machine {props.get('name')!r}: {problems[0][1]}")
    disk, seed = volumes(props["name"])
    mac = props.get("mac")
    if mac is not None and not (isinstance(mac, str) and len(mac) == 17 and all(c in "0123456789abcdef:" for c in mac)):
        raise LibvirtError(f"machine {props.get('name')!r}: its recorded MAC address {mac!r} is malformed")
    return {**props, "disk_volume": disk, "seed_volume": seed}


class LibvirtVMProvider(ResourceProvider):
    def check(self, olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        problems = validate(news)
        shrink = shrink_problem(olds, news)
        if shrink:
            problems.append(("disk_size", shrink))
        return CheckResult(news, [CheckFailure(key, reason) for key, reason in problems])

    def create(self, props: dict[str, Any]) -> CreateResult:
        outs = {**checked(props), "mac": random_mac()}
        virsh = Virsh(outs["uri"])
        name, pool = outs["name"], outs["pool"]
        if domain_state(virsh, name) != "NotFound":
            raise LibvirtError(f"libvirt ({virsh.uri}) has a domain named {name} already: remove it or pick a name")
        for volume in (outs["disk_volume"], outs["seed_volume"]):
            if virsh.ok("vol-info", "--pool", pool, "--vol", volume):
                raise LibvirtError(f"storage pool {pool} has a volume {volume} already: delete it or pick a name")
        try:
            backing = backing_on_host(virsh, outs)
            disk = volume_xml(outs["disk_volume"], int(outs["disk_size"]), "qcow2", backing)
            virsh.with_xml("vol-create", disk, "--pool", pool)
            upload_seed(virsh, outs, outs)
            virsh.with_xml("define", domain_xml(outs))
            if outs.get("state", "running") == "running":
                outs = start(virsh, outs)
        except BaseException:
            try:
                remove(virsh, outs)  # create is transactional: nothing half-made is left in libvirt
            except LibvirtError:
                pass  # the first error is the one to report
            raise
        return CreateResult(id_=name, outs={**outs, "vm_state": domain_state(virsh, name)})

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        outs = checked(props)
        virsh = Virsh(outs["uri"])
        state = domain_state(virsh, outs["name"])
        if state == "Running":
            outs["ip_address"] = lease_address(virsh, outs["name"], outs["mac"]) or outs.get("ip_address")
        return ReadResult(id_, {**outs, "vm_state": state})

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        replaces = [key for key in REPLACE_ON if olds.get(key) != news.get(key)]
        changes = replaces + [key for key in UPDATE_IN_PLACE if olds.get(key) != news.get(key)]
        return DiffResult(changes=bool(changes), replaces=replaces, delete_before_replace=True)

    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        old = checked(olds)
        outs = {**checked(news), "mac": old["mac"], "ip_address": old.get("ip_address")}
        virsh = Virsh(outs["uri"])
        name = outs["name"]
        redefine = any(old.get(k) != outs.get(k) for k in ("memory", "cpus", "cache_mode", "io_mode"))
        grow = int(outs["disk_size"]) != int(old["disk_size"])
        if outs.get("state") == "stopped" or redefine or grow:
            stop(virsh, name, graceful=not outs.get("force_stop"))
        if grow:
            capacity = f"{int(outs['disk_size'])}M"
            virsh.run("vol-resize", "--pool", outs["pool"], "--vol", outs["disk_volume"], "--capacity", capacity)
        if redefine:
            virsh.with_xml("define", domain_xml(outs))
        if outs.get("state", "running") == "running":
            outs = start(virsh, outs)
        return UpdateResult(outs={**outs, "vm_state": domain_state(virsh, name)})

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        outs = checked(props)
        remove(Virsh(outs["uri"]), outs)

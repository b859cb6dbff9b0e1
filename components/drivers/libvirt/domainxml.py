"""The domain's and its volumes' XML, built with xml.etree (every value from flags or state is escaped by the
serializer, never formatted into markup), and what the provider reads back from virsh's XML."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any, Optional

CACHE_MODES = ("default", "none", "writethrough", "writeback", "directsync", "unsafe")
IO_MODES = ("threads", "native")
DOMAIN_TYPES = ("kvm", "qemu", "xen")


def _sub(parent: ET.Element, tag: str, text: Optional[str] = None, **attrs: str) -> ET.Element:
    node = ET.SubElement(parent, tag, attrs)
    if text is not None:
        node.text = text
    return node


def _text(root: ET.Element) -> str:
    return ET.tostring(root, encoding="unicode")


def domain_xml(spec: dict[str, Any]) -> str:
    """The domain: ``spec`` holds the checked name, domain_type, memory (MiB), cpus, pool, disk and seed volume
    names, network, mac, cache_mode, io_mode and the optional kernel/initrd/append (paths on the libvirt host)."""
    xen = spec["domain_type"] == "xen"
    root = ET.Element("domain", type=spec["domain_type"])
    _sub(root, "name", spec["name"])
    _sub(root, "memory", str(int(spec["memory"])), unit="MiB")
    _sub(root, "vcpu", str(int(spec["cpus"])))
    os_ = _sub(root, "os")
    _sub(os_, "type", "hvm", arch="x86_64")
    if spec.get("kernel"):
        _sub(os_, "kernel", spec["kernel"])
        if spec.get("initrd"):
            _sub(os_, "initrd", spec["initrd"])
        if spec.get("append"):
            _sub(os_, "cmdline", spec["append"])
    else:
        _sub(os_, "boot", dev="hd")
    features = _sub(root, "features")
    _sub(features, "acpi")
    _sub(features, "apic")
    if spec["domain_type"] == "kvm":
        _sub(root, "cpu", mode="host-passthrough")
    _sub(root, "on_poweroff", "destroy")
    _sub(root, "on_reboot", "restart")
    _sub(root, "on_crash", "destroy")
    devices = _sub(root, "devices")
    bus, prefix = ("xen", "xvd") if xen else ("virtio", "vd")
    disk = _sub(devices, "disk", type="volume", device="disk")
    driver = {"name": "qemu", "type": "qcow2"}
    if spec.get("cache_mode", "default") != "default":
        driver["cache"] = spec["cache_mode"]
    if spec.get("io_mode"):
        driver["io"] = spec["io_mode"]
    _sub(disk, "driver", **driver)
    _sub(disk, "source", pool=spec["pool"], volume=spec["disk_volume"])
    _sub(disk, "target", dev=f"{prefix}a", bus=bus)
    # The seed as a second read-only disk: cloud-init's NoCloud finds it by its label (cidata) on any block device.
    seed = _sub(devices, "disk", type="volume", device="disk")
    _sub(seed, "driver", name="qemu", type="raw")
    _sub(seed, "source", pool=spec["pool"], volume=spec["seed_volume"])
    _sub(seed, "target", dev=f"{prefix}b", bus=bus)
    _sub(seed, "readonly")
    nic = _sub(devices, "interface", type="network")
    _sub(nic, "source", network=spec["network"])
    _sub(nic, "mac", address=spec["mac"])
    if not xen:
        _sub(nic, "model", type="virtio")
    _sub(devices, "serial", type="pty")
    console = _sub(devices, "console", type="pty")
    _sub(console, "target", type="xen" if xen else "serial")
    if not xen:
        rng = _sub(devices, "rng", model="virtio")
        _sub(rng, "backend", "/dev/urandom", model="random")
    return _text(root)


def volume_xml(name: str, capacity_mib: int, fmt: str, backing: Optional[str] = None) -> str:
    """A volume of ``capacity_mib``; a qcow2 overlay on ``backing`` (a path on the libvirt host, format qcow2)."""
    root = ET.Element("volume")
    _sub(root, "name", name)
    _sub(root, "capacity", str(int(capacity_mib)), unit="MiB")
    target = _sub(root, "target")
    _sub(target, "format", type=fmt)
    if backing:
        store = _sub(root, "backingStore")
        _sub(store, "path", backing)
        _sub(store, "format", type="qcow2")
    return _text(root)


def backing_path(volume_xml_text: str) -> Optional[str]:
    """The backing file a volume's XML (``virsh vol-dumpxml``) names; None for none or XML that does not parse."""
    try:
        root = ET.fromstring(volume_xml_text)
    except ET.ParseError:
        return None
    node = root.find("./backingStore/path")
    return node.text if node is not None else None

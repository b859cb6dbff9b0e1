"""The libvirt driver without libvirt: its domain and volume XML (escaped by the serializer, Xen's shape), the
values that may reach virsh's argv, its checks, and bad input through the installed docker-machine script (one
line, nothing made). The real domain: tests/test_libvirt_real.py. Xen is checked here only (no Xen host here)."""

from __future__ import annotations

import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from pulumi_docker_machine.components.drivers.base import DriverArgumentError
from pulumi_docker_machine.components.drivers.libvirt.domainxml import backing_path, domain_xml, volume_xml
from pulumi_docker_machine.components.drivers.libvirt.driver import LibvirtDriver
from pulumi_docker_machine.components.drivers.libvirt.provider import LibvirtVMProvider, lease_address, validate
from pulumi_docker_machine.components.drivers.libvirt.virsh import LibvirtError, Virsh, check_name, check_uri, is_local

SCRIPT = Path(sys.executable).parent / "docker-machine"
HOSTILE = "</cmdline><devices><disk type='file'><source file='/etc/shadow'/></disk></devices>&amp;\"'"


def spec(**changes) -> dict:
    return {
        "name": "dev",
        "domain_type": "qemu",
        "memory": 1024,
        "cpus": 1,
        "pool": "default",
        "disk_volume": "pdm-dev.qcow2",
        "seed_volume": "pdm-dev-seed.iso",
        "network": "default",
        "mac": "52:54:00:12:34:56",
        "cache_mode": "default",
        "io_mode": "threads",
        **changes,
    }


def test_domain_xml_escapes_every_value_and_boots_the_kernel_given():
    root = ET.fromstring(domain_xml(spec(kernel="/k/vmlinuz", initrd="/k/initrd.img", append=HOSTILE)))
    assert root.get("type") == "qemu" and root.findtext("name") == "dev"
    assert root.findtext("./os/cmdline") == HOSTILE, "the command line is text, not markup"
    assert [d.find("source").get("volume") for d in root.findall("./devices/disk")] == [
        "pdm-dev.qcow2",
        "pdm-dev-seed.iso",
    ]
    assert (
        root.find("./devices/disk/target").get("dev") == "vda" and root.find("./devices/disk[2]/readonly") is not None
    )
    assert root.find("./devices/interface/mac").get("address") == "52:54:00:12:34:56"
    assert root.find("./memory").text == "1024" and root.find("./memory").get("unit") == "MiB"
    assert root.find("./cpu") is None, "TCG: no host-passthrough CPU"
    assert ET.fromstring(domain_xml(spec(domain_type="kvm"))).find("./cpu").get("mode") == "host-passthrough"


def test_xen_domains_use_xen_disks_and_console_without_virtio():
    root = ET.fromstring(domain_xml(spec(domain_type="xen")))
    assert root.get("type") == "xen"
    assert [t.get("dev") for t in root.findall("./devices/disk/target")] == ["xvda", "xvdb"]
    assert {t.get("bus") for t in root.findall("./devices/disk/target")} == {"xen"}
    assert root.find("./devices/interface/model") is None and root.find("./devices/rng") is None
    assert root.find("./devices/console/target").get("type") == "xen"
    assert LibvirtDriver(uri="xen:///system").props("dev")["domain_type"] == "xen"
    assert LibvirtDriver().props("dev")["domain_type"] == "kvm"


def test_volume_xml_names_its_backing_file_with_an_explicit_format():
    text = volume_xml("pdm-dev.qcow2", 4000, "qcow2", "/var/lib/images/a&b.qcow2")
    root = ET.fromstring(text)
    assert root.find("./backingStore/format").get("type") == "qcow2"
    assert backing_path(text) == "/var/lib/images/a&b.qcow2" and backing_path("<volume") is None


@pytest.mark.parametrize(
    "uri",
    ["qemu:///system", "qemu+ssh://root@kvm1.example.com/system", "xen:///system", "qemu:///system?socket=/r/s"],
)
def test_libvirt_uris_accepted(uri):
    assert check_uri(uri) == uri
    assert Virsh(uri).argv("start", "--domain", "dev") == [
        "virsh",
        "--quiet",
        "--connect",
        uri,
        "start",
        "--domain",
        "dev",
    ]


@pytest.mark.parametrize(
    "uri",
    [
        "-c",
        "qemu:///system --readonly",
        "qemu:///system;reboot",
        "file:///etc/passwd",
        "qemu+ext://h/system?command=/bin/sh",
        "",
    ],
)
def test_other_uris_refused(uri):
    with pytest.raises(LibvirtError, match="is not one this driver takes"):
        check_uri(uri)


@pytest.mark.parametrize("name", ["-x", "../etc", "a b", "a/b", "", ".hidden", 7, None])
def test_names_that_could_be_options_or_paths_refused(name):
    with pytest.raises(LibvirtError, match="is not a libvirt name"):
        check_name("network", name)


def test_only_a_local_uri_is_this_computer():
    assert is_local("qemu:///system") and is_local("qemu:///system?socket=/r/s") and is_local("xen:///system")
    assert not is_local("qemu+ssh://host/system") and not is_local("qemu+tcp://host/system")


@pytest.mark.parametrize(
    "change, message",
    [
        ({"cache_mode": "bogus"}, "cache_mode must be one of"),
        ({"io_mode": "aio"}, "io_mode must be one of"),
        ({"domain_type": "lxc"}, "domain_type must be one of"),
        ({"memory": 100}, "memory must be a whole number of at least 256"),
        ({"network": "--pool"}, "is not a libvirt name"),
        ({"kernel": "vmlinuz"}, "must be an absolute path on the libvirt host"),
        ({"append": "quiet"}, "initrd and append need kernel"),
        ({"uri": "qemu:///system --readonly"}, "is not one this driver takes"),
    ],
)
def test_bad_settings_are_refused_with_the_setting_named(tmp_path, change, message):
    image = tmp_path / "base.qcow2"
    image.write_bytes(b"")
    props = {
        **LibvirtDriver(image=str(image), domain_type="qemu").props("dev"),
        "public_key": "ssh-ed25519 A",
        **change,
    }
    assert any(message in text for _, text in validate(props)), validate(props)
    failures = LibvirtVMProvider().check({}, props).failures
    assert failures and any(message in f.reason for f in failures)


def test_the_driver_refuses_a_bad_setting_before_anything_runs(tmp_path):
    with pytest.raises(DriverArgumentError, match=r"^libvirt cache_mode must be one of default, none"):
        LibvirtDriver(image=str(tmp_path), cache_mode="bogus").validate("dev")


def test_a_smaller_disk_is_refused_and_the_image_change_replaces_the_domain(tmp_path):
    image = tmp_path / "base.qcow2"
    image.write_bytes(b"")
    olds = {**LibvirtDriver(image=str(image)).props("dev"), "public_key": "k"}
    failures = LibvirtVMProvider().check(olds, {**olds, "disk_size": 10000}).failures
    assert [f.property for f in failures] == ["disk_size"]
    diff = LibvirtVMProvider().diff("dev", olds, {**olds, "image": "https://example.com/other.img"})
    assert diff.replaces == ["image"] and diff.delete_before_replace
    diff = LibvirtVMProvider().diff("dev", olds, {**olds, "memory": 2048})
    assert diff.changes and not diff.replaces


def test_the_lease_of_the_domains_own_nic_is_its_address(monkeypatch):
    table = (
        " vnet0      52:54:00:aa:bb:cc    ipv4         192.168.150.10/24\n"
        " vnet1      52:54:00:12:34:56    ipv4         192.168.151.23/24\n"
        " vnet1      52:54:00:12:34:56    ipv6         fd00::23/64\n"
    )
    monkeypatch.setattr(Virsh, "run", lambda self, *args, **kw: table)
    assert lease_address(Virsh("qemu:///system"), "dev", "52:54:00:12:34:56") == "192.168.151.23"
    assert lease_address(Virsh("qemu:///system"), "dev", "52:54:00:00:00:01") is None


def docker_machine(tmp_path: Path, *args: str, path: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "MACHINE_STORAGE_PATH": str(tmp_path / "store"), "PATH": path}
    return subprocess.run([str(SCRIPT), *args], capture_output=True, text=True, env=env, timeout=120)


def test_a_bad_uri_is_one_line_and_nothing_is_made(tmp_path):
    done = docker_machine(
        tmp_path,
        "create",
        "-d",
        "libvirt",
        "--libvirt-uri",
        "qemu:///system --readonly",
        "dev",
        path=os.environ["PATH"],
    )
    assert done.returncode == 1 and len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert "is not one this driver takes" in done.stderr
    assert not (tmp_path / "store" / "machines" / "dev").exists()


def test_without_virsh_the_pre_create_check_says_what_to_install(tmp_path):
    done = docker_machine(
        tmp_path, "create", "-d", "libvirt", "--libvirt-domain-type", "qemu", "dev", path="/nonexistent"
    )
    assert done.returncode == 3, done.stderr
    assert "virsh not found: install libvirt's client (Debian: apt install libvirt-clients)" in done.stderr
    assert not (tmp_path / "store" / "machines" / "dev").exists()


def test_create_help_lists_the_libvirt_flags():
    done = subprocess.run([str(SCRIPT), "create", "-d", "libvirt", "--help"], capture_output=True, text=True)
    for flag in (
        "--libvirt-uri",
        "--libvirt-network",
        "--libvirt-memory",
        "--libvirt-cpu-count",
        "--libvirt-disk-size",
    ):
        assert flag in done.stdout
    assert "LIBVIRT_DEFAULT_URI" in done.stdout


def test_numbers_back_from_the_engine_as_floats_are_whole_numbers(tmp_path):
    image = tmp_path / "base.qcow2"
    image.write_bytes(b"")
    props = {**LibvirtDriver(image=str(image), domain_type="qemu").props("dev"), "public_key": "k"}
    floats = {**props, "memory": 1024.0, "cpus": 1.0, "disk_size": 4000.0, "boot_timeout": 900.0}
    assert validate(floats) == []
    assert [key for key, _ in validate({**floats, "memory": 1024.5})] == ["memory"]
    assert ET.fromstring(domain_xml(spec(memory=1024.0, cpus=1.0))).findtext("vcpu") == "1"


class RecordingVirsh(Virsh):
    """virsh's answers for a remote host whose pool lacks the base image: calls recorded, none run."""

    def __init__(self, uri: str) -> None:
        super().__init__(uri)
        self.calls: list[tuple[str, ...]] = []

    def run(self, *args: str, check: bool = True, timeout: float = 0, stdin=None) -> str:
        self.calls.append(args)
        return "/var/lib/libvirt/images/base\n" if args[0] == "vol-path" else ""

    def ok(self, *args: str) -> bool:
        self.calls.append(args)
        return False

    def with_xml(self, command: str, xml: str, *args: str) -> str:
        self.calls.append((command, xml, *args))
        return ""


def test_a_remote_host_gets_the_base_image_uploaded_once_into_the_pool(tmp_path):
    from pulumi_docker_machine.components.drivers.libvirt.provider import backing_on_host

    image = tmp_path / "base.qcow2"
    subprocess.run(["qemu-img", "create", "-q", "-f", "qcow2", str(image), "64M"], check=True)
    props = {**LibvirtDriver(uri="qemu+ssh://root@kvm1/system", image=str(image)).props("dev"), "pool": "images"}
    props["cache_dir"] = str(tmp_path / "cache")
    virsh = RecordingVirsh(props["uri"])
    assert backing_on_host(virsh, props) == "/var/lib/libvirt/images/base"
    name = virsh.calls[0][-1]
    assert virsh.calls[0] == ("vol-info", "--pool", "images", "--vol", name) and name.startswith("pdm-base-")
    created = ET.fromstring(virsh.calls[1][1])
    assert created.findtext("name") == name and created.find("./target/format").get("type") == "raw"
    assert virsh.calls[2] == ("vol-upload", "--pool", "images", "--vol", name, "--file", str(image))
    local = RecordingVirsh("qemu:///system")
    assert backing_on_host(local, {**props, "uri": "qemu:///system"}) == str(image) and local.calls == []

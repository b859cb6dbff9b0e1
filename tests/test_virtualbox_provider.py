"""The VirtualBox dynamic provider against the VBoxManage simulator."""

from __future__ import annotations

import base64
import functools
import hashlib
import http.server
import ipaddress
import json
import threading
import time
from pathlib import Path

import pytest
from pulumi.dynamic.dynamic import serialize_provider

from pulumi_docker_machine.components.drivers.virtualbox import provider as vbox_provider
from pulumi_docker_machine.components.drivers.virtualbox.image import ImageError, fetch_image
from pulumi_docker_machine.components.drivers.virtualbox.provider import BOOT2DOCKER_MAGIC, VirtualBoxVMProvider
from pulumi_docker_machine.components.drivers.seed import read_seed_iso
from pulumi_docker_machine.components.drivers.virtualbox.vboxmanage import NOT_INSTALLED, VBoxManage, VBoxManageError
from pulumi_docker_machine.components.ssh import generate_ssh_key

IMAGE_NAME = "ubuntu-24.04-server-cloudimg-amd64.vmdk"
PUBLIC_KEY = generate_ssh_key(comment="docker-machine@vm").public_key


class Recorder(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_GET(self):
        self.server.requests.append(self.path)
        super().do_GET()


@pytest.fixture
def image_server(tmp_path):
    """Canonical's folder layout on loopback: the image and SHA256SUMS beside it."""
    www = tmp_path / "www"
    www.mkdir()
    image = www / IMAGE_NAME
    image.write_bytes(b"simulated vmdk\n" * 4096)
    digest = hashlib.sha256(image.read_bytes()).hexdigest()
    (www / "SHA256SUMS").write_text(f"{'0' * 64} *other.img\n{digest} *{IMAGE_NAME}\n")
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Recorder, directory=str(www)))
    server.requests = []
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server, f"http://127.0.0.1:{server.server_address[1]}/{IMAGE_NAME}", www
    server.shutdown()
    server.server_close()


@pytest.fixture
def provider():
    """Called directly: its engine round trip is in test_material_providers.py (and the engine tests)."""
    return VirtualBoxVMProvider()


def props(tmp_path, url, name="vm1", **changes):
    store = tmp_path / "store"
    return {
        "name": name,
        "machine_dir": str(store / "machines" / name),
        "cache_dir": str(store / "cache"),
        "image_url": url,
        "image_sha256": None,
        "boot2docker_url": None,
        "memory": 1024,
        "cpus": 1,
        "disk_size": 20000,
        "hostonly_cidr": "192.168.56.1/24",
        "ip_address": None,
        "nat_nictype": "82540EM",
        "hostonly_nictype": "82540EM",
        "ssh_user": "docker",
        "hostname": name,
        "state": "stopped",
        "ssh_timeout": 2,
        "public_key": PUBLIC_KEY,
        **changes,
    }


def test_provider_is_pickled_by_reference():
    blob = base64.b64decode(serialize_provider(VirtualBoxVMProvider()))
    assert b"pulumi_docker_machine.components.drivers.virtualbox.provider" in blob and b"VirtualBoxVMProvider" in blob
    assert len(blob) < 200


def test_check_without_virtualbox(provider, tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.delenv("VBOX_MSI_INSTALL_PATH", raising=False)
    monkeypatch.delenv("VBOX_INSTALL_PATH", raising=False)
    result = provider.check({}, props(tmp_path, "http://127.0.0.1:9/x.vmdk"))
    assert [f.reason for f in result.failures] == [NOT_INSTALLED]


def test_check_finds_vboxmanage_through_vbox_msi_install_path(provider, vboxmanage, tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    (tmp_path / "vbox").mkdir()
    (tmp_path / "vbox" / "VBoxManage").symlink_to(vboxmanage.folder / "VBoxManage")
    monkeypatch.setenv("VBOX_MSI_INSTALL_PATH", str(tmp_path / "vbox"))
    assert provider.check({}, props(tmp_path, "http://127.0.0.1:9/x.vmdk")).failures == []


def test_check_refuses_virtualbox_older_than_6_1(provider, vboxmanage, tmp_path, monkeypatch):
    monkeypatch.setenv("VBOXSIM_VERSION", "6.0.24r139119")
    failures = provider.check({}, props(tmp_path, "http://127.0.0.1:9/x.vmdk")).failures
    assert [f.reason for f in failures] == [
        "VirtualBox 6.0.24 is too old: install 6.1 or newer, or pick another --driver"
    ]


@pytest.mark.parametrize(
    ("change", "prop", "reason"),
    [
        ({"memory": 64}, "memory", "memory must be a whole number from 256"),
        ({"cpus": 0}, "cpus", "cpus must be a whole number from 1 to 64"),
        ({"disk_size": "big"}, "disk_size", "disk_size must be a whole number"),
        ({"hostonly_cidr": "192.168.56.0/24"}, "hostonly_cidr", "must look like 192.168.56.1/24"),
        ({"hostonly_cidr": "nonsense"}, "hostonly_cidr", "must look like 192.168.56.1/24"),
        ({"ip_address": "10.0.0.5"}, "ip_address", "is not a guest address in 192.168.56.0/24"),
        ({"state": "paused"}, "state", "state must be running or stopped"),
    ],
)
def test_check_validates_inputs(provider, vboxmanage, tmp_path, change, prop, reason):
    failures = provider.check({}, props(tmp_path, "http://127.0.0.1:9/x.vmdk", **change)).failures
    assert [f.property for f in failures] == [prop]
    assert reason in failures[0].reason


def test_hostonly_range_outside_what_virtualbox_allows(provider, vboxmanage, tmp_path, monkeypatch):
    monkeypatch.setattr(vbox_provider, "networks_conf_ranges", lambda: None)
    failures = provider.check({}, props(tmp_path, "http://127.0.0.1:9/x.vmdk", hostonly_cidr="10.10.0.1/24")).failures
    assert len(failures) == 1 and failures[0].property == "hostonly_cidr"
    assert "outside the ranges VirtualBox >= 6.1.28 allows (192.168.56.0/21)" in failures[0].reason
    assert "'* 10.10.0.0/24' in /etc/vbox/networks.conf" in failures[0].reason
    monkeypatch.setattr(vbox_provider, "networks_conf_ranges", lambda: ["10.0.0.0/8"])
    assert provider.check({}, props(tmp_path, "http://127.0.0.1:9/x.vmdk", hostonly_cidr="10.10.0.1/24")).failures == []
    monkeypatch.setattr(vbox_provider, "networks_conf_ranges", lambda: ["fd00::/64", "10.0.0.0/8"])  # IPv6 lines too
    assert provider.check({}, props(tmp_path, "http://127.0.0.1:9/x.vmdk", hostonly_cidr="10.10.0.1/24")).failures == []
    monkeypatch.setenv("VBOXSIM_VERSION", "6.1.26r145957")
    monkeypatch.setattr(vbox_provider, "networks_conf_ranges", lambda: None)
    assert provider.check({}, props(tmp_path, "http://127.0.0.1:9/x.vmdk", hostonly_cidr="10.10.0.1/24")).failures == []


def test_create_builds_the_vm(provider, vboxmanage, image_server, tmp_path):
    _, url, _ = image_server
    result = provider.create(props(tmp_path, url))
    outs = result.outs
    vm = vboxmanage.state()["vms"][result.id]
    assert vm["name"] == "vm1" and vm["state"] == "poweroff"
    assert (vm["memory"], vm["cpus"], vm["ostype"]) == (1024, 1, "Ubuntu_64")
    assert vm["nics"] == {"1": "nat", "2": "hostonly"}
    assert vm["macs"] == {"1": outs["nat_mac"].replace(":", ""), "2": outs["hostonly_mac"].replace(":", "")}
    assert vm["hostonlyadapter2"] == "vboxnet0"
    assert vm["natpf"] == [["ssh", "tcp", "127.0.0.1", str(outs["ssh_port"]), "", "22"]]
    machine_dir = Path(outs["machine_dir"])
    assert vm["settings"] == str(machine_dir / "vm1" / "vm1.vbox")
    assert vm["attachments"]["0"] == {"type": "hdd", "medium": str(machine_dir / "disk.vdi")}
    assert vm["attachments"]["1"] == {"type": "dvddrive", "medium": str(machine_dir / "seed.iso")}
    assert vboxmanage.state()["media"][str(machine_dir / "disk.vdi")]["size"] == 20000
    assert [i["ip"] for i in vboxmanage.state()["hostonlyifs"]] == ["192.168.56.1"]
    assert outs["hostonly_interface"] == "vboxnet0"
    assert outs["ip_address"] == outs["host_only_ip"] == "192.168.56.100"
    assert (outs["ssh_host"], outs["ssh_user"], outs["vm_state"]) == ("127.0.0.1", "docker", "Stopped")
    assert cached(Path(outs["cache_dir"])), "the base image is cached in the store, by content"
    label, files = read_seed_iso(machine_dir / "seed.iso")
    assert label == "cidata"
    assert PUBLIC_KEY in files["user-data"] and '"hostname": "vm1"' in files["user-data"]
    network = json.loads(files["network-config"])["ethernets"]
    assert network["hostonly"] == {
        "match": {"macaddress": outs["hostonly_mac"]},
        "dhcp4": False,
        "addresses": ["192.168.56.100/24"],
    }
    assert network["nat"] == {"match": {"macaddress": outs["nat_mac"]}, "dhcp4": True}


def cached(cache_dir: Path) -> bool:
    """The image is in the cache under its content's name (components/drivers/imagecache.py)."""
    files = list(cache_dir.glob(f"sha256-*-{IMAGE_NAME}"))
    digest = hashlib.sha256(files[0].read_bytes()).hexdigest() if len(files) == 1 else None
    return files[0].name == f"sha256-{digest}-{IMAGE_NAME}" if digest else False


def test_second_machine_reuses_the_interface_and_the_cached_image(provider, vboxmanage, image_server, tmp_path):
    server, url, _ = image_server
    provider.create(props(tmp_path, url, name="vm1"))
    downloads = server.requests.count(f"/{IMAGE_NAME}")
    second = provider.create(props(tmp_path, url, name="vm2")).outs
    assert server.requests.count(f"/{IMAGE_NAME}") == downloads == 1
    assert second["ip_address"] == "192.168.56.101"
    assert len(vboxmanage.state()["hostonlyifs"]) == 1


def test_create_is_transactional_when_ssh_never_answers(provider, vboxmanage, image_server, tmp_path):
    _, url, _ = image_server
    with pytest.raises(VBoxManageError, match=r"SSH did not answer on 127.0.0.1:\d+ within 2s"):
        provider.create(props(tmp_path, url, state="running"))
    assert vboxmanage.state()["vms"] == {}
    machine_dir = tmp_path / "store" / "machines" / "vm1"
    assert not (machine_dir / "disk.vdi").exists() and not (machine_dir / "seed.iso").exists()
    assert cached(tmp_path / "store" / "cache"), "the cached image stays"


def test_checksum_mismatch_discards_the_download_and_makes_no_vm(provider, vboxmanage, image_server, tmp_path):
    _, url, www = image_server
    (www / IMAGE_NAME).write_bytes(b"tampered")
    with pytest.raises(ImageError, match="checksum mismatch"):
        provider.create(props(tmp_path, url))
    assert vboxmanage.state()["vms"] == {}
    assert not list((tmp_path / "store" / "cache").iterdir())


def test_explicit_sha256_and_file_urls(tmp_path):
    image = tmp_path / "disk.vmdk"
    image.write_bytes(b"x" * 100)
    digest = hashlib.sha256(b"x" * 100).hexdigest()
    cached = fetch_image(image.as_uri(), tmp_path / "cache", sha256=digest)
    assert cached.read_bytes() == b"x" * 100
    with pytest.raises(ImageError, match="checksum mismatch"):
        fetch_image(image.as_uri(), tmp_path / "cache2", sha256="0" * 64)


def test_vboxmanage_errors_carry_its_stderr(provider, vboxmanage, image_server, tmp_path):
    _, url, _ = image_server
    provider.create(props(tmp_path, url))
    (tmp_path / "store" / "machines" / "vm1" / "hostonly-ip").unlink()
    with pytest.raises(
        VBoxManageError, match="VBoxManage createvm --name failed: VBoxManage: error: Machine settings file"
    ):
        provider.create(props(tmp_path, url))


def test_read_maps_state_and_reports_a_deleted_vm_gone(provider, vboxmanage, image_server, tmp_path):
    _, url, _ = image_server
    created = provider.create(props(tmp_path, url))
    read = provider.read(created.id, created.outs)
    assert read.id == created.id and read.outs["vm_state"] == "Stopped" and read.outs["memory"] == 1024
    assert vboxmanage.run("unregistervm", created.id, "--delete").returncode == 0
    gone = provider.read(created.id, created.outs)
    assert gone.id == "" and gone.outs == {}


def test_diff_decisions(provider, tmp_path):
    olds = {**props(tmp_path, "http://x/i.vmdk"), "ip_address": "192.168.56.100", "vm_uuid": "u"}
    news = props(tmp_path, "http://x/i.vmdk")
    same = provider.diff("u", olds, news)
    assert (same.changes, same.replaces) == (False, [])
    for key, value in (("memory", 2048), ("cpus", 2), ("state", "running")):
        d = provider.diff("u", olds, {**news, key: value})
        assert (d.changes, d.replaces) == (True, []), key
    for key, value in (
        ("name", "other"),
        ("image_url", "http://x/j.vmdk"),
        ("disk_size", 40000),
        ("ip_address", "192.168.56.7"),
        ("hostonly_cidr", "192.168.57.1/24"),
    ):
        d = provider.diff("u", olds, {**news, key: value})
        assert (d.changes, d.replaces, d.delete_before_replace) == (True, [key], True), key


def test_update_memory_and_cpus_in_place(provider, vboxmanage, image_server, tmp_path):
    _, url, _ = image_server
    created = provider.create(props(tmp_path, url))
    updated = provider.update(created.id, created.outs, props(tmp_path, url, memory=2048, cpus=2)).outs
    vm = vboxmanage.state()["vms"][created.id]
    assert (vm["memory"], vm["cpus"], vm["ioapic"]) == (2048, 2, "on")
    assert (updated["memory"], updated["cpus"], updated["vm_uuid"]) == (2048, 2, created.id)


def test_delete_twice_and_keep_the_cached_image(provider, vboxmanage, image_server, tmp_path):
    _, url, _ = image_server
    created = provider.create(props(tmp_path, url))
    machine_dir = Path(created.outs["machine_dir"])
    provider.delete(created.id, created.outs)
    assert vboxmanage.state()["vms"] == {}
    assert not (machine_dir / "disk.vdi").exists() and not (machine_dir / "seed.iso").exists()
    provider.delete(created.id, created.outs)  # already gone: fine
    assert cached(tmp_path / "store" / "cache")


def test_legacy_boot2docker_iso(provider, vboxmanage, tmp_path):
    iso = tmp_path / "boot2docker.iso"
    iso.write_bytes(b"simulated boot2docker iso")
    created = provider.create(props(tmp_path, "unused", boot2docker_url=iso.as_uri()))
    vm = vboxmanage.state()["vms"][created.id]
    assert vm["attachments"]["0"]["type"] == "dvddrive" and vm["attachments"]["0"]["medium"].endswith("boot2docker.iso")
    disk = Path(vm["attachments"]["1"]["medium"])
    data = disk.read_bytes()
    assert data.startswith(BOOT2DOCKER_MAGIC) and PUBLIC_KEY.encode() in data
    assert vm["ostype"] == "Linux26_64"


def test_a_prune_during_create_waits_and_keeps_the_attached_iso(provider, vboxmanage, tmp_path, monkeypatch):
    from pulumi_docker_machine.components.drivers import imageuse
    from pulumi_docker_machine.components.drivers.virtualbox import provider as vbox_provider

    iso = tmp_path / "boot2docker.iso"
    iso.write_bytes(b"simulated boot2docker iso")
    pruning: list[threading.Thread] = []
    real_run = vbox_provider.VBoxManage.run

    def run(self, *args, **kwargs):
        if args[0] == "createvm" and not pruning:  # the ISO is fetched, not yet attached
            pruning.append(threading.Thread(target=imageuse.prune, args=(tmp_path / "store",)))
            pruning[0].start()
            pruning[0].join(0.5)
            assert pruning[0].is_alive(), "prune waits while a create relies on the cache"
        return real_run(self, *args, **kwargs)

    monkeypatch.setattr(vbox_provider.VBoxManage, "run", run)
    created = provider.create(props(tmp_path, "unused", boot2docker_url=iso.as_uri()))
    pruning[0].join(30)
    medium = Path(vboxmanage.state()["vms"][created.id]["attachments"]["0"]["medium"])
    assert medium.parent == tmp_path / "store" / "cache" and medium.exists(), "the attached ISO was kept"


def test_simulator_refuses_what_vboxmanage_refuses(vboxmanage):
    unknown = vboxmanage.run("modifyvm", "nope", "--bogus", "1")
    assert (unknown.returncode, unknown.stderr.strip()) == (1, "VBoxManage: error: Unknown option: --bogus"), (
        "modifyvm reports a bad option and exits 1, like the real one"
    )
    lower = vboxmanage.run("startvm", "nope", "--bogus")
    assert (lower.returncode, lower.stderr.strip()) == (2, "VBoxManage: error: unknown option: --bogus")
    by_uuid = vboxmanage.run("showvminfo", "0e4b9c4e-1f1a-4c39-9a55-5f0d3cf2a001", "--machinereadable")
    assert "Could not find a registered machine with UUID {0e4b9c4e-1f1a-4c39-9a55-5f0d3cf2a001}" in by_uuid.stderr
    missing = vboxmanage.run("showvminfo", "nope", "--machinereadable")
    assert missing.returncode == 1
    assert missing.stderr.startswith("VBoxManage: error: Could not find a registered machine named 'nope'")
    assert vboxmanage.run("frobnicate").returncode == 2
    bad_value = vboxmanage.run("startvm", "nope", "--type", "fullscreen")
    assert bad_value.returncode == 2 and "Invalid --type argument 'fullscreen'" in bad_value.stderr


def test_guest_addresses_are_in_the_hostonly_network(tmp_path):
    chosen = vbox_provider.choose_address(props(tmp_path, "x"))
    assert ipaddress.ip_address(chosen) in ipaddress.ip_network("192.168.56.0/24")


def test_simulator_missing_required_options_answer_like_vboxmanage(vboxmanage, tmp_path):
    created = vboxmanage.run("createvm", "--name", "sim1", "--basefolder", str(tmp_path / "vms"), "--register")
    assert created.returncode == 0, created.stderr
    no_name = vboxmanage.run("storagectl", "sim1", "--add", "sata")
    assert (no_name.returncode, no_name.stderr.strip()) == (
        2,
        "VBoxManage: error: Storage controller name not specified",
    )
    no_ctl = vboxmanage.run("storageattach", "sim1", "--port", "0", "--device", "0", "--type", "hdd", "--medium", "x")
    assert (no_ctl.returncode, no_ctl.stderr.strip()) == (2, "VBoxManage: error: Storage controller name not specified")
    no_port = vboxmanage.run("storageattach", "sim1", "--storagectl", "SATA", "--type", "hdd", "--medium", "x")
    assert no_port.returncode in (1, 2) and "Traceback" not in no_port.stderr, no_port.stderr


def started(provider, vboxmanage, url, tmp_path, **changes):
    """A VM made by the provider, then started by the simulator (no SSH to wait for here)."""
    created = provider.create(props(tmp_path, url, **changes))
    assert vboxmanage.run("startvm", created.id, "--type", "headless").returncode == 0
    return created


def test_the_guests_address_is_the_static_one_the_driver_configured(
    provider, vboxmanage, image_server, tmp_path, monkeypatch
):
    _, url, _ = image_server
    created = started(provider, vboxmanage, url, tmp_path, ip_address="192.168.56.150")
    reported = vboxmanage.run("guestproperty", "get", created.id, "/VirtualBox/GuestInfo/Net/1/V4/IP").stdout
    assert reported == "Value: 192.168.56.150\n", "the seed's address on the host-only NIC, matched by its MAC"
    monkeypatch.setenv("VBOXSIM_GUEST_ADDITIONS", "0")
    assert (
        vboxmanage.run("guestproperty", "get", created.id, "/VirtualBox/GuestInfo/Net/1/V4/IP").stdout
        == "No value set!\n"
    )
    monkeypatch.delenv("VBOXSIM_GUEST_ADDITIONS")
    # The host-only NIC on an interface whose network does not hold the address: nothing the host can reach.
    assert vboxmanage.run("controlvm", created.id, "poweroff").returncode == 0
    assert vboxmanage.run("hostonlyif", "create").returncode == 0
    assert (
        vboxmanage.run(
            "hostonlyif", "ipconfig", "vboxnet1", "--ip", "192.168.57.1", "--netmask", "255.255.255.0"
        ).returncode
        == 0
    )
    assert vboxmanage.run("modifyvm", created.id, "--hostonlyadapter2", "vboxnet1").returncode == 0
    assert vboxmanage.run("startvm", created.id, "--type", "headless").returncode == 0
    assert (
        vboxmanage.run("guestproperty", "get", created.id, "/VirtualBox/GuestInfo/Net/1/V4/IP").stdout
        == "No value set!\n"
    )


def test_a_stop_waits_for_the_guest_to_power_off_after_acpi(provider, vboxmanage, image_server, tmp_path, monkeypatch):
    _, url, _ = image_server
    monkeypatch.setenv("VBOXSIM_ACPI_DELAY", "2")
    created = started(provider, vboxmanage, url, tmp_path)
    begun = time.monotonic()
    provider._stop(VBoxManage(), created.id)
    assert time.monotonic() - begun >= 2, "the guest took 2 s to shut down"
    vm = vboxmanage.state()["vms"][created.id]
    assert (vm["state"], vm["stopped_by"]) == ("poweroff", "acpi"), "a guest that shuts down is not cut off"


def test_a_guest_that_ignores_acpi_is_powered_off_after_the_bounded_wait(
    provider, vboxmanage, image_server, tmp_path, monkeypatch
):
    _, url, _ = image_server
    monkeypatch.setenv("VBOXSIM_ACPI", "ignore")
    monkeypatch.setattr(vbox_provider, "ACPI_TIMEOUT", 3)
    created = started(provider, vboxmanage, url, tmp_path)
    begun = time.monotonic()
    provider._stop(VBoxManage(), created.id)
    elapsed = time.monotonic() - begun
    assert 3 <= elapsed < 15, f"the wait is bounded by ACPI_TIMEOUT (took {elapsed:.1f}s)"
    vm = vboxmanage.state()["vms"][created.id]
    assert (vm["state"], vm["stopped_by"]) == ("poweroff", "poweroff")

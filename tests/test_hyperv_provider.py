"""The Hyper-V dynamic provider against the PowerShell simulator (tests/fakes/powershell.py): the cmdlets it runs,
with docker-machine 0.16.2's settings, every value passed as data, and Hyper-V's failures."""

from __future__ import annotations

import hashlib
import socket
import threading

import pytest

from pulumi_docker_machine.components.drivers.hyperv import provider as hv_provider
from pulumi_docker_machine.components.drivers.hyperv.driver import HyperVDriver
from pulumi_docker_machine.components.drivers.hyperv.powershell import PowerShellError
from pulumi_docker_machine.components.drivers.hyperv.provider import HyperVVMProvider
from pulumi_docker_machine.components.drivers.seed import read_seed_iso
from tests.fakes import powershell_env


@pytest.fixture
def powershell(tmp_path, monkeypatch):
    """The PowerShell simulator as powershell.exe (tests/fakes/powershell_env.py)."""
    return powershell_env.install(tmp_path, monkeypatch)


HOSTILE = 'it\'s; $(Remove-Item C:\\ -Recurse) `"x"'


class BannerServer:
    """What answers once the guest's sshd is up: its banner."""

    def __init__(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        threading.Thread(target=self.serve, daemon=True).start()

    def serve(self) -> None:
        while True:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            with conn:
                conn.sendall(b"SSH-2.0-OpenSSH_9.6\r\n")

    def close(self) -> None:
        self.listener.close()


@pytest.fixture
def sshd(monkeypatch):
    server = BannerServer()
    monkeypatch.setattr(hv_provider, "SSH_PORT", server.port)
    monkeypatch.setenv("PSSIM_ADDRESSES", "fe80::215:5dff:fe00:101,127.0.0.1")
    yield server
    server.close()


def props(tmp_path, **changes) -> dict:
    image = tmp_path / "base.vhdx"
    image.write_bytes(b"vhdxfile" + b"\0" * 4096)
    driver = HyperVDriver(
        virtual_switch="External Switch",
        image_url=image.as_uri(),
        image_sha256=hashlib.sha256(image.read_bytes()).hexdigest(),
        storage_path=str(tmp_path / "store"),
    )
    return {
        **driver.props("vm1"),
        "public_key": "ssh-ed25519 AAAA vm1",
        "state": "stopped",
        "ssh_timeout": 5,
        **changes,
    }


def calls(powershell) -> list[str]:
    return [cmdlet for cmdlet, _ in powershell.state()["calls"]]


def test_create_runs_docker_machines_cmdlets_with_its_defaults(powershell, tmp_path):
    created = HyperVVMProvider().create(props(tmp_path))
    (vm,) = powershell.vms()
    assert created.id == vm["id"] and created.outs["vm_state"] == "Stopped"
    assert (vm["name"], vm["generation"], vm["memory"], vm["cpus"], vm["dynamic_memory"]) == (
        "vm1",
        2,
        1 << 30,
        1,
        False,
    )
    assert vm["nic"]["switch"] == "External Switch" and vm["nic"]["vlan"] is None
    machine_dir = tmp_path / "store" / "machines" / "vm1"
    assert vm["disks"] == [str(machine_dir / "disk.vhdx")] and vm["dvds"] == [str(machine_dir / "seed.iso")]
    assert vm["firmware"] == {
        "secure_boot": "On",
        "template": "MicrosoftUEFICertificateAuthority",
        "first_boot": str(machine_dir / "disk.vhdx"),
    }, "Linux boots under Secure Boot with the UEFI CA template, from its disk"
    disk = powershell.state()["vhds"][str(machine_dir / "disk.vhdx")]
    assert disk["size"] == 20000 << 20 and disk["parent"].startswith(str(tmp_path / "store" / "cache" / "sha256-"))
    assert "Set-VMMemory" not in calls(powershell), "dynamic memory left as New-VM makes it, as docker-machine"
    # The seed's network matches the adapter by its MAC, made static (Hyper-V's prefix) so the seed knows it.
    mac = vm["nic"]["mac"]
    assert vm["nic"]["static_mac"] and mac.startswith("00155D") and created.outs["mac"].replace(":", "") == mac.lower()
    _, files = read_seed_iso(machine_dir / "seed.iso")
    assert created.outs["mac"] in files["network-config"]


def test_every_flag_reaches_its_cmdlet(powershell, tmp_path):
    created = HyperVVMProvider().create(
        props(
            tmp_path,
            memory=2048,
            cpus=4,
            disk_size=40000,
            vlan_id=42,
            static_macaddress="00:15:5d:0a:0b:0c",
            disable_dynamic_memory=True,
        )
    )
    (vm,) = powershell.vms()
    assert (vm["memory"], vm["cpus"], vm["nic"]["vlan"], vm["nic"]["mac"]) == (2048 << 20, 4, 42, "00155D0A0B0C")
    assert vm["dynamic_memory"] is False and "Set-VMMemory" in calls(powershell)
    assert created.outs["mac"] == "00:15:5d:0a:0b:0c"
    assert powershell.state()["vhds"][vm["disks"][0]]["size"] == 40000 << 20


def test_a_disk_smaller_than_the_image_keeps_the_images_size(powershell, tmp_path, monkeypatch):
    monkeypatch.setenv("PSSIM_IMAGE_SIZE", str(30 << 30))
    HyperVVMProvider().create(props(tmp_path))
    assert "Resize-VHD" not in calls(powershell)


def test_names_with_quotes_semicolons_and_subexpressions_stay_strings(powershell, tmp_path):
    powershell.set(switches=[{"name": HOSTILE, "type": "External"}])
    HyperVVMProvider().create(props(tmp_path, name=f"vm1 {HOSTILE}", virtual_switch=HOSTILE))
    (vm,) = powershell.vms()
    assert (vm["name"], vm["nic"]["switch"]) == (f"vm1 {HOSTILE}", HOSTILE)


def test_start_stop_kill_and_delete(powershell, sshd, tmp_path):
    provider = HyperVVMProvider()
    running = props(tmp_path, state="running")
    created = provider.create(running)
    assert (created.outs["vm_state"], created.outs["ip_address"]) == ("Running", "127.0.0.1"), "the first IPv4"
    stopped = provider.update(created.id, created.outs, {**running, "state": "stopped"}).outs
    assert stopped["vm_state"] == "Stopped" and powershell.vms()[0]["stopped_by"] == "shutdown"
    started = provider.update(created.id, stopped, running).outs
    assert started["vm_state"] == "Running" and powershell.vms()[0]["state"] == "Running"
    killed = provider.update(created.id, started, {**running, "state": "stopped", "force_stop": True}).outs
    assert killed["vm_state"] == "Stopped" and powershell.vms()[0]["stopped_by"] == "turnoff", "Stop-VM -TurnOff"
    resized = provider.update(created.id, killed, {**running, "state": "stopped", "memory": 4096, "cpus": 2}).outs
    assert (powershell.vms()[0]["memory"], powershell.vms()[0]["cpus"]) == (4096 << 20, 2)
    assert provider.read(created.id, resized).outs["vm_state"] == "Stopped"
    provider.update(created.id, resized, {**running, "memory": 4096, "cpus": 2})
    provider.delete(created.id, resized)
    assert powershell.vms() == []
    machine_dir = tmp_path / "store" / "machines" / "vm1"
    assert sorted(p.name for p in machine_dir.rglob("*") if p.is_file()) == [], "no disk, seed or VM configuration left"
    assert provider.read(created.id, resized).id == "", "gone: refresh drops it"


def test_a_vm_of_the_same_name_is_refused_before_anything_is_made(powershell, tmp_path):
    made = powershell.run("$vm = Hyper-V\\New-VM -Name $a.name -NoVHD\n", {"name": "vm1"})
    assert made.returncode == 0, made.stderr
    with pytest.raises(PowerShellError, match="a Hyper-V VM named 'vm1' exists already"):
        HyperVVMProvider().create(props(tmp_path))
    assert len(powershell.vms()) == 1 and not (tmp_path / "store" / "machines" / "vm1" / "seed.iso").exists()


def test_a_failed_create_leaves_nothing(powershell, tmp_path):
    with pytest.raises(PowerShellError) as failed:
        HyperVVMProvider().create(props(tmp_path, virtual_switch="Gone"))
    assert str(failed.value) == 'New-VM : Hyper-V was unable to find a virtual switch with name "Gone".'
    assert powershell.vms() == []
    assert not any((tmp_path / "store" / "machines" / "vm1").glob("*.*"))


def test_a_vm_that_never_reports_an_address_fails_and_is_removed(powershell, tmp_path, monkeypatch):
    with pytest.raises(PowerShellError, match="reported no IPv4 address within 1s: its image needs Hyper-V's KVP"):
        HyperVVMProvider().create(props(tmp_path, state="running", ssh_timeout=1))
    assert powershell.vms() == []


@pytest.mark.parametrize(
    ("change", "prop"),
    [
        ({"vlan_id": 4095}, "vlan_id"),
        ({"static_macaddress": "01:00:5e:00:00:01"}, "static_macaddress"),
        ({"static_macaddress": "nonsense"}, "static_macaddress"),
        ({"memory": 16}, "memory"),
        ({"image_url": ""}, "image_url"),
    ],
)
def test_check_refuses_what_hyperv_would_refuse(tmp_path, change, prop):
    assert [f.property for f in HyperVVMProvider().check({}, props(tmp_path, **change)).failures] == [prop]


def test_without_powershell(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(PowerShellError, match=r"^Powershell was not found in the path$"):
        HyperVVMProvider().create(props(tmp_path))


def test_answers_and_errors_are_read_as_powershell_writes_them(tmp_path):
    from pulumi_docker_machine.components.drivers.hyperv import powershell as ps

    fake = tmp_path / "powershell.exe"
    fake.write_text('#!/bin/sh\ncat >/dev/null\nprintf \'\\357\\273\\277{"id": "x"}\\r\\n\'\n')
    fake.chmod(0o755)
    assert ps.run("", {}, path=str(fake)) == {"id": "x"}, "a UTF-8 preamble and CRLF are not part of the answer"
    record = (
        'Get-VM : Hyper-V was unable to find a virtual machine with name "ubuntu".\nAt line:1 char:1\n'
        "+ Get-VM -Name ubuntu\n+ ~~~~~~~~~~~~~~~~~~~\n    + CategoryInfo          : InvalidArgument: (ubuntu:String) "
        "[Get-VM], VirtualizationException\n"
    )
    assert ps.error_line(record) == 'Get-VM : Hyper-V was unable to find a virtual machine with name "ubuntu".'


def test_provider_is_pickled_by_reference():
    import base64

    from pulumi.dynamic.dynamic import serialize_provider

    blob = base64.b64decode(serialize_provider(HyperVVMProvider()))
    assert b"pulumi_docker_machine.components.drivers.hyperv.provider" in blob and b"HyperVVMProvider" in blob
    assert len(blob) < 200


def test_the_machines_disk_names_its_cached_parent(powershell, tmp_path):
    """The differencing disk's parent locator (MS-VHDX), as `cache prune` must read it to keep the base image."""
    from pulumi_docker_machine.components.drivers.vhdx import parent_path

    HyperVVMProvider().create(props(tmp_path))
    (vm,) = powershell.vms()
    parent = powershell.state()["vhds"][vm["disks"][0]]["parent"]
    assert parent_path(vm["disks"][0]) == parent and "/cache/sha256-" in parent
    assert parent_path(parent) is None, "the base image names no parent"
    assert parent_path(str(tmp_path / "missing.vhdx")) is None


def test_a_broken_vhdx_names_no_parent_and_raises_nothing(powershell, tmp_path):
    from pulumi_docker_machine.components.drivers.vhdx import parent_path

    HyperVVMProvider().create(props(tmp_path))
    data = (tmp_path / "store" / "machines" / "vm1" / "disk.vhdx").read_bytes()
    broken = tmp_path / "broken.vhdx"
    for cut in (8, 0x30000 + 20, (1 << 20) + 40, (1 << 20) + (64 << 10) + 30):
        broken.write_bytes(data[:cut])
        assert parent_path(str(broken)) is None, cut
    flipped = bytearray(data)
    flipped[(1 << 20) + 32 + 16 : (1 << 20) + 32 + 20] = b"\xff\xff\xff\x7f"  # the locator's offset, far out
    broken.write_bytes(bytes(flipped))
    assert parent_path(str(broken)) is None


def test_cache_prune_keeps_a_hyperv_machines_base_image(powershell, tmp_path):
    from pulumi_docker_machine.components.drivers.imageuse import cache_entries, prune

    HyperVVMProvider().create(props(tmp_path))
    store = tmp_path / "store"
    unused = store / "cache" / "sha256-00-unused.vhdx"
    unused.write_bytes(b"not used")
    used = [entry for entry in cache_entries(store) if entry.used_by]
    assert [entry.used_by for entry in used] == [["vm1"]] and used[0].path.name.startswith("sha256-")
    removed, kept = prune(store)
    assert [entry.path for entry in removed] == [unused]
    assert [entry.path for entry in kept] == [used[0].path] and used[0].path.exists()

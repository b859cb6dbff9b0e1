"""The vmware driver (Workstation/Fusion through vmrun) against the vmrun simulator (tests/fakes/vmrun_sim.py,
first on PATH): the provider's whole life (clone, the .vmx it writes, the seed it attaches, start, the address,
resize, soft and hard stop, delete) as argv the simulator checks against vmrun's syntax; every value that reaches
the .vmx or vmrun checked first; create's flags and refusals. Unverified against real VMware."""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from pulumi_docker_machine.components.drivers.seed import read_seed_iso
from pulumi_docker_machine.components.drivers.vmware import vmx
from pulumi_docker_machine.components.drivers.vmware.provider import VMwareVMProvider, validate
from pulumi_docker_machine.components.drivers.vmware.vmrun import Vmrun, VmrunError
from pulumi_docker_machine.components import DockerMachineArgs
from tests.conftest import FAKES, MachineMocks, run_program
from tests.test_driver_flags_helpers import create, refused

GUEST = "127.0.0.131"  # a loopback address: nothing in these tests hands out or reaches another
KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBvm8Eq0pTn6XuI5tJ2TqSL2mV2Ev2JcVwOtN9Xj2k1r machine"
TEMPLATE_VMX = """.encoding = "UTF-8"
config.version = "8"
virtualHW.version = "19"
displayName = "noble-template"
guestOS = "ubuntu-64"
numvcpus = "2"
memsize = "2048"
scsi0.present = "TRUE"
scsi0:0.fileName = "noble.vmdk"
ethernet0.present = "TRUE"
ethernet0.connectionType = "nat"
ethernet0.addressType = "generated"
ethernet0.generatedAddress = "00:0c:29:aa:bb:cc"
ethernet0.generatedAddressOffset = "0"
"""


class Sim:
    def __init__(self, tmp_path: Path) -> None:
        self.state_file = tmp_path / "vmrun-state.json"
        self.keys = tmp_path / "authorized_keys"

    def state(self) -> dict:
        return json.loads(self.state_file.read_text())

    def calls(self) -> list[list[str]]:
        return self.state()["calls"]


@pytest.fixture
def vmrun(tmp_path, monkeypatch):
    folder = tmp_path / "vmrun-bin"
    folder.mkdir()
    wrapper = folder / "vmrun"
    wrapper.write_text(
        f'#!/bin/sh\nexec {shlex.quote(sys.executable)} {shlex.quote(str(FAKES / "vmrun_sim.py"))} "$@"\n'
    )
    wrapper.chmod(0o755)
    sim = Sim(tmp_path)
    monkeypatch.setenv("PATH", f"{folder}:{os.environ['PATH']}")
    monkeypatch.setenv("VMRUNSIM_STATE", str(sim.state_file))
    monkeypatch.setenv("VMRUNSIM_GUEST_ADDRESS", GUEST)
    monkeypatch.setenv("VMRUNSIM_AUTHORIZED_KEYS", str(sim.keys))
    monkeypatch.delenv("VMRUNSIM_NO_TOOLS", raising=False)
    return sim


@pytest.fixture
def template(tmp_path) -> Path:
    folder = tmp_path / "templates" / "noble"
    folder.mkdir(parents=True)
    (folder / "noble.vmdk").write_bytes(b"KDMV disk")
    path = folder / "noble.vmx"
    path.write_text(TEMPLATE_VMX)
    return path


def props(tmp_path: Path, vmx_file: Path, **changes) -> dict:
    return {
        "name": "dev",
        "machine_dir": str(tmp_path / "store" / "machines" / "dev"),
        "template": str(vmx_file),
        "product": "ws",
        "cpus": 2.0,  # numbers cross the wire as doubles
        "memory": 2048.0,
        "ssh_user": "docker",
        "hostname": "dev",
        "state": "running",
        "ip_timeout": 300,
        "public_key": KEY,
        **changes,
    }


def test_the_provider_clones_seeds_starts_resizes_stops_and_deletes(vmrun, template, tmp_path, monkeypatch):
    provider = VMwareVMProvider()
    checked = provider.check({}, props(tmp_path, template))
    assert not checked.failures
    made = provider.create(checked.inputs)
    target = tmp_path / "store" / "machines" / "dev" / "vm" / "dev.vmx"
    assert made.id == str(target) and made.outs["ip_address"] == GUEST and made.outs["vm_state"] == "Running"
    assert vmrun.calls() == [
        ["-T", "ws", "clone", str(template), str(target), "full", "-cloneName=dev"],
        ["-T", "ws", "list"],
        ["-T", "ws", "start", str(target), "nogui"],
        ["-T", "ws", "getGuestIPAddress", str(target), "-wait"],
    ]
    settings = vmx.read(target)
    mac = made.outs["mac_address"]
    assert settings["numvcpus"] == "2" and settings["memsize"] == "2048" and settings["displayName"] == "dev"
    assert (settings["ethernet0.addressType"], settings["ethernet0.address"]) == ("static", mac)
    assert "ethernet0.generatedAddress" not in settings, "the template's own MAC is not the clone's"
    assert mac.startswith("00:50:56:") and int(mac.split(":")[3], 16) <= 0x3F, "VMware's static range"
    seed = Path(settings["ide1:0.fileName"])
    assert settings["ide1:0.deviceType"] == "cdrom-image" and seed == target.parent.parent / "seed.iso"
    label, files = read_seed_iso(seed)
    network = json.loads(files["network-config"])
    assert label == "cidata" and network["ethernets"]["nat"]["match"]["macaddress"] == mac
    assert vmrun.keys.read_text() == KEY + "\n", "the guest's cloud-init installed the machine's key"
    assert (target.parent / "noble.vmdk").read_bytes() == b"KDMV disk" and template.read_text() == TEMPLATE_VMX

    outs = {**made.outs, **checked.inputs}
    assert provider.read(made.id, outs).outs["vm_state"] == "Running"
    diff = provider.diff(made.id, outs, {**outs, "memory": 4096})
    assert diff.changes and not diff.replaces
    first = len(vmrun.calls())
    resized = provider.update(made.id, outs, {**outs, "memory": 4096}).outs
    assert vmx.read(target)["memsize"] == "4096" and resized["vm_state"] == "Running"
    assert [c[2] for c in vmrun.calls()[first:]] == ["list", "stop", "list", "start", "getGuestIPAddress"]
    assert vmrun.calls()[first + 1][-1] == "soft", "a clean shutdown through VMware Tools first"

    monkeypatch.setenv("VMRUNSIM_NO_TOOLS", "1")  # no VMware Tools in the guest: a soft stop fails
    first = len(vmrun.calls())
    stopped = provider.update(made.id, resized, {**resized, "state": "stopped"}).outs
    assert stopped["vm_state"] == "Stopped" and vmrun.state()["running"] == []
    assert [c[3:] for c in vmrun.calls()[first:] if c[2] == "stop"] == [[str(target), "soft"], [str(target), "hard"]]
    assert provider.read(made.id, stopped).outs["vm_state"] == "Stopped"

    provider.delete(made.id, stopped)
    assert vmrun.calls()[-1] == ["-T", "ws", "deleteVM", str(target)]
    assert not target.parent.exists() and not seed.exists()
    assert provider.read(made.id, stopped).id == "", "gone: a refresh drops it"


def test_a_killed_create_is_cleaned_up_and_made_again(vmrun, template, tmp_path):
    provider = VMwareVMProvider()
    first = provider.create(props(tmp_path, template))
    again = provider.create(props(tmp_path, template))  # the state was lost: the folder is this machine's own
    assert again.id == first.id and vmrun.state()["running"] == [first.id]
    assert ["-T", "ws", "deleteVM", first.id] in vmrun.calls()


def test_a_failed_start_leaves_nothing(vmrun, template, tmp_path, monkeypatch):
    monkeypatch.setenv("VMRUNSIM_GUEST_ADDRESS", "not an address")
    with pytest.raises(VmrunError, match="getGuestIPAddress answered 'not an address'"):
        VMwareVMProvider().create(props(tmp_path, template))
    assert vmrun.state()["running"] == [] and not (tmp_path / "store" / "machines" / "dev" / "vm").exists()


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"machine_dir": '/tmp/a"b'}, "holds a quote or a control character"),
        ({"machine_dir": "/tmp/a\nnumvcpus"}, "holds a quote or a control character"),
        ({"machine_dir": "relative/dir"}, "is not an absolute path"),
        ({"template": "/tmp/none.vmx"}, "does not exist"),
        ({"template": "/etc/passwd"}, "is not a .vmx file"),
        ({"product": "esx"}, "product must be one of ws, fusion, player"),
        ({"name": "-T"}, "is not a machine name"),
        ({"cpus": 0}, "cpus must be a whole number from 1 to 64"),
    ],
)
def test_bad_values_never_reach_vmrun_or_the_vmx(vmrun, template, tmp_path, change, problem):
    checked = VMwareVMProvider().check({}, props(tmp_path, template, **change))
    assert any(problem in f.reason for f in checked.failures), checked.failures
    with pytest.raises(ValueError, match=problem.split(" ")[0]):
        VMwareVMProvider().create(props(tmp_path, template, **change))
    assert not vmrun.state_file.exists(), "vmrun never ran"


def test_vmx_values_and_keys_are_checked_and_lines_read_strictly(tmp_path):
    path = tmp_path / "a.vmx"
    path.write_text(TEMPLATE_VMX)
    for key, value in (("displayName", 'x"\nnumvcpus = "64'), ("displayName", "a\rb"), ("a b", "x"), ("x=y", "1")):
        with pytest.raises(vmx.VmxError):
            vmx.update(path, {key: value})
    assert path.read_text() == TEMPLATE_VMX, "nothing written"
    path.write_text(TEMPLATE_VMX + 'bad line = "unterminated\n')
    with pytest.raises(vmx.VmxError, match="line 15 is not key"):
        vmx.read(path)


@pytest.mark.parametrize(
    ("argv", "error"),
    [
        (["-T", "esx5", "list"], "Error: Unrecognized host type: esx5"),
        (["-T", "ws", "start"], "Error: Invalid number of parameters for start: 0"),
        (["-T", "ws", "stop", "/no/such.vmx", "hard"], "Error: Cannot open VM: /no/such.vmx, The virtual machine"),
        (["-T", "ws", "stop", "{vmx}", "now"], "Error: Invalid argument: now"),
        (["-T", "ws", "stop", "{vmx}"], "Error: The virtual machine is not powered on: {vmx}"),
        (["-T", "ws", "getGuestIPAddress", "{vmx}", "wait"], "Error: Invalid argument: wait"),
        (["-T", "ws", "clone", "{vmx}", "{vmx}", "full"], "Error: The destination file already exists"),
        (["-T", "ws", "clone", "{vmx}", "/x/y.vmx", "copy"], "Error: Invalid clone type: copy"),
        (["-T", "ws", "frobnicate", "{vmx}"], "Error: Unrecognized command: frobnicate"),
    ],
)
def test_the_simulator_holds_to_vmruns_syntax(vmrun, template, argv, error):
    result = subprocess.run(["vmrun", *(a.format(vmx=template) for a in argv)], capture_output=True, text=True)
    assert result.returncode == 255 and result.stdout.startswith(error.format(vmx=template)), result.stdout
    if argv[1] == "ws":  # the driver's wrapper: the same line, named
        with pytest.raises(VmrunError, match=r"^vmrun \S+ failed: Error: "):
            Vmrun("ws").run(*(a.format(vmx=template) for a in argv[2:]))


def test_a_machine_under_mocks_is_provisioned_at_the_guests_address(vmrun, template, tmp_path):
    from pulumi_docker_machine.components import DockerMachine, DockerMachineArgs
    from pulumi_docker_machine.components.drivers.vmware.driver import VMwareDriver

    mocks = MachineMocks()
    mocks.run_dynamic = (*mocks.run_dynamic, "VMwareVM")
    driver = VMwareDriver(template=str(template), storage_path=str(tmp_path / "store"), cpu_count=2)
    out = run_program(mocks, lambda: {"ip": DockerMachine("dev", DockerMachineArgs(driver=driver)).ip})
    assert out["ip"][0] == GUEST
    connection = mocks.one("command:remote:Command").inputs["connection"]
    assert (connection["host"], connection["user"], connection["port"]) == (GUEST, "docker", 22)
    key = mocks.one("pulumi-python:dynamic/docker-machine:SSHKey").state["public_key"]
    assert vmrun.keys.read_text() == key.strip() + "\n"


def test_create_flags_and_refusals(vmrun, template, tmp_path, monkeypatch):
    for name in ("VMWARE_TEMPLATE", "VMWARE_PRODUCT", "VMWARE_CPU_COUNT", "VMWARE_MEMORY_SIZE"):
        monkeypatch.delenv(name, raising=False)
    created = create(
        monkeypatch,
        tmp_path,
        "-d",
        "vmware",
        "--vmware-memory-size",
        "3072",
        "--vmware-product",
        "player",
        "m",
        env={"VMWARE_TEMPLATE": str(template), "VMWARE_CPU_COUNT": "-1"},
    )
    options = created.spec.driver_options
    assert options["template"] == str(template) and options["memory"] == 3072 and options["cpu_count"] == -1
    assert options["product"] == "player" and options["storage_path"] == str(tmp_path / "store")
    for args, line in (
        (("m",), "vmware driver requires the --vmware-template option"),
        (
            ("--vmware-template", str(template), "--vmware-disk-size", "40000", "m"),
            "--vmware-disk-size is not supported",
        ),
        (("--vmware-template", str(template), "--vmware-product", "esx", "m"), "(--vmware-product)"),
        (("--vmware-template", str(template), "--vmware-ssh-password", "tcuser", "m"), "--vmware-ssh-password is not"),
        (("--vmware-template", str(tmp_path / 'a"b.vmx'), "m"), "holds a quote or a control character"),
    ):
        assert line in refused(monkeypatch, tmp_path, "-d", "vmware", *args)


def test_without_vmrun_the_pre_create_check_fails_with_exit_3(template, tmp_path):
    script = Path(sys.executable).parent / "docker-machine"
    env = {**os.environ, "PATH": "/usr/bin:/bin", "MACHINE_STORAGE_PATH": str(tmp_path / "store")}
    result = subprocess.run(
        [str(script), "create", "-d", "vmware", "--vmware-template", str(template), "m"],
        capture_output=True,
        text=True,
        env=env,
    )
    assert result.returncode == 3, result.stdout + result.stderr
    assert "vmrun is not installed (VMware Workstation, Player or Fusion)" in result.stdout + result.stderr
    assert not (tmp_path / "store" / "machines" / "m").exists()


def test_help_lists_the_flags_and_env_vars(tmp_path):
    script = Path(sys.executable).parent / "docker-machine"
    env = {**os.environ, "MACHINE_STORAGE_PATH": str(tmp_path / "store")}
    shown = subprocess.run([str(script), "create", "-d", "vmware", "--help"], capture_output=True, text=True, env=env)
    for flag in ("--vmware-template", "--vmware-cpu-count", "--vmware-memory-size", "VMWARE_TEMPLATE"):
        assert flag in shown.stdout
    assert validate({}, require_key=False), "an empty spec is refused"


@pytest.mark.remote_host
def test_vmware_machine_on_a_real_host(remote_host, vmrun, template, tmp_path, monkeypatch):
    """Mock hypervisor, real host: the simulator's guest is the test host (its address is what getGuestIPAddress
    reports, the seed's key lands in its authorized_keys as cloud-init would put it); the component provisions
    Docker there as the seed's user, and the docker client reaches it with the machine's outputs alone."""
    from pulumi_docker_machine.components.drivers.vmware.driver import VMwareDriver
    from tests.conftest import build_machine
    from tests.dockertools import hello_world

    host = remote_host
    host.add_user("docker")
    monkeypatch.setenv("VMRUNSIM_GUEST_ADDRESS", host.address)
    monkeypatch.setenv("VMRUNSIM_AUTHORIZED_KEYS", str(host.authorized_keys))
    mocks = MachineMocks(vm_address=host.address, ssh_host=host)
    mocks.run_dynamic = (*mocks.run_dynamic, "VMwareVM")
    driver = VMwareDriver(template=str(template), storage_path=str(tmp_path / "store"))
    out = build_machine(mocks, "dev", DockerMachineArgs(driver=driver))
    assert out["ip"] == host.address and out["docker_host"] == f"tcp://{host.address}:2376"
    assert mocks.one("command:remote:Command").inputs["connection"]["user"] == "docker"
    hello_world(host, out, tmp_path / "certs")
    assert vmrun.state()["running"] == [str(tmp_path / "store" / "machines" / "dev" / "vm" / "dev.vmx")]

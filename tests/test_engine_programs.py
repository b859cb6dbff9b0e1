"""The project's other entry points through the real Pulumi engine (make engine), on test hosts.

- the declarative-stack program (stacks/) on two test hosts sharing one CA, then
  ``docker-machine import --stack`` and ``pulumi destroy``;
- ``docker-machine create -d virtualbox`` with the VBoxManage simulator: the engine runs the
  VirtualBoxVM dynamic provider in its own Python process (pickled by reference, PULUMI_PYTHON_CMD).
Only the pulumi-command provider is a stand-in (tests/fakes/command_provider.py).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from pulumi import automation as auto

from components.drivers.virtualbox.provider import FIRST_GUEST_HOST
from tests.conftest import require
from tests.test_engine_cli import machine, shell
from tests.testbed import RemoteHost, TestNetwork, missing_prerequisites

pytestmark = [pytest.mark.remote_host, pytest.mark.engine]

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def host(remote_host):
    return remote_host


@pytest.fixture
def second_host():
    require(missing_prerequisites(), "a second test host")
    with RemoteHost(hostname="dmtest-second") as remote:
        yield remote


def test_declarative_stack_of_two_generic_machines(world, host, second_host, pulumi_engine, tmp_path, monkeypatch):
    """The stacks/ program through the real CLI, run inline: the Python language host is not served here."""
    project = tmp_path / "project"
    shutil.copytree(ROOT / "stacks", project / "stacks", ignore=shutil.ignore_patterns("Pulumi.*.yaml", "__pycache__"))
    shutil.copy(ROOT / "Pulumi.yaml", project / "Pulumi.yaml")
    (project / ".venv").symlink_to(sys.prefix)  # the project's virtualenv, as make install lays it out
    machines = {
        name: {"driver": "generic", "ip_address": h.address, "ssh_key": str(h.ssh_key), "engine": {"install_url": "none"}}
        for name, h in (("one", host), ("two", second_host))
    }
    (project / "stacks" / "Pulumi.pair.yaml").write_text(yaml.safe_dump({"config": {"docker-machine:machines": machines}}))
    (tmp_path / "backend").mkdir()
    backend = (tmp_path / "backend").as_uri()
    env = {"PULUMI_CONFIG_PASSPHRASE": "stack passphrase", "PULUMI_BACKEND_URL": backend,
           "PULUMI_PYTHON_CMD": sys.executable}
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    sys.path.insert(0, str(project / "stacks"))
    try:
        from machines_stack import main as stack_program
    finally:
        sys.path.remove(str(project / "stacks"))
    stack = auto.create_or_select_stack("pair", project_name="docker-machine", program=stack_program,
                                        opts=auto.LocalWorkspaceOptions(work_dir=str(project)))
    stack.up()

    output = subprocess.run(["pulumi", "stack", "output", "--json", "--stack", "pair"], cwd=project,
                            capture_output=True, text=True)
    assert output.returncode == 0, output.stderr
    exported = json.loads(output.stdout)
    assert set(exported["machines"]) == {"one", "two"} and exported["ca_pem"] == "[secret]"

    imported = machine(world, "import", "--stack", "pair", "--cwd", str(project))
    assert imported.returncode == 0, imported.stdout + imported.stderr
    store = world.root / "machines"
    assert (store / "one" / "ca.pem").read_text() == (store / "two" / "ca.pem").read_text(), "one shared CA"
    for name, h in (("one", host), ("two", second_host)):
        run = shell(world, f"docker $(docker-machine config {name}) info --format '{{{{.Name}}}}'")
        assert run.returncode == 0, run.stderr
        assert run.stdout.strip() == h.output("hostname").strip(), "each machine is its own host"

    destroyed = subprocess.run(["pulumi", "destroy", "--yes", "--stack", "pair"], cwd=project, capture_output=True,
                               text=True)
    assert destroyed.returncode == 0, destroyed.stdout + destroyed.stderr
    for h in (host, second_host):
        assert h.output("ls /etc/docker/server.pem 2>/dev/null || true") == "", "destroy undid both hosts"


def test_virtualbox_create_with_the_simulator_through_the_engine(world, vboxmanage, pulumi_engine, tmp_path,
                                                                 monkeypatch):
    require(missing_prerequisites(), "the VirtualBox engine test")
    # The guest is the first address the driver gives on its host-only network (.100, as docker-machine's
    # DHCP range began), on a test network whose bridge is that network's host side. A VirtualBox from
    # before 6.1.28 puts no range limit on host-only networks (no /etc/vbox/networks.conf is needed).
    monkeypatch.setenv("VBOXSIM_VERSION", "6.1.26r145957")
    with TestNetwork() as network, RemoteHost(network=network.skip_to(FIRST_GUEST_HOST)) as guest:
        assert guest.address == f"10.213.{network.n}.{FIRST_GUEST_HOST}"
        guest.add_user("docker")
        monkeypatch.setenv("VBOXSIM_GUEST_ADDRESS", guest.address)
        monkeypatch.setenv("VBOXSIM_AUTHORIZED_KEYS", str(guest.authorized_keys))
        images = tmp_path / "images"
        images.mkdir()
        image = images / "ubuntu.vmdk"
        image.write_bytes(b"simulated vmdk\n" * 1024)
        (images / "SHA256SUMS").write_text(f"{hashlib.sha256(image.read_bytes()).hexdigest()} *ubuntu.vmdk\n")
        created = machine(world, "create", "-d", "virtualbox", "--virtualbox-image-url", image.as_uri(),
                          "--virtualbox-hostonly-cidr", f"{network.gateway}/24", "--engine-install-url", "none", "vbox")
        assert created.returncode == 0, created.stdout + created.stderr
        assert "Creating VirtualBox VM..." in created.stdout
        vms = vboxmanage.state()["vms"]
        assert len(vms) == 1 and next(iter(vms.values()))["state"] == "running"
        run = shell(world, "docker $(docker-machine config vbox) version --format '{{.Server.Version}}'")
        assert run.returncode == 0 and run.stdout.strip() in guest.output("dockerd --version"), run.stderr

        stopped = machine(world, "stop", "vbox")
        assert stopped.returncode == 0, stopped.stdout + stopped.stderr
        assert next(iter(vboxmanage.state()["vms"].values()))["state"] == "poweroff"
        started = machine(world, "start", "vbox")
        assert started.returncode == 0, started.stdout + started.stderr
        assert shell(world, "docker $(docker-machine config vbox) version").returncode == 0
        killed = machine(world, "kill", "vbox")
        assert killed.returncode == 0, killed.stdout + killed.stderr
        assert next(iter(vboxmanage.state()["vms"].values()))["state"] == "poweroff"
        assert machine(world, "ls", "--format", "{{.Name}} {{.State}}").stdout.strip() == "vbox Stopped"
        restarted = machine(world, "restart", "vbox")
        assert restarted.returncode == 0, restarted.stdout + restarted.stderr
        assert next(iter(vboxmanage.state()["vms"].values()))["state"] == "running"
        assert shell(world, "docker $(docker-machine config vbox) version").returncode == 0
        removed = machine(world, "rm", "-y", "vbox")
        assert removed.returncode == 0, removed.stdout + removed.stderr
        assert vboxmanage.state()["vms"] == {}
        vboxmanage.stop_forwarders()

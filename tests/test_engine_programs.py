"""The project's other entry points through the real Pulumi engine (make engine). (stacks/ through `pulumi up`:
tests/test_stacks_pulumi_up.py.)

- ``docker-machine create -d virtualbox`` with the VBoxManage simulator: the engine runs the
  VirtualBoxVM dynamic provider in its own Python process (pickled by reference, PULUMI_PYTHON_CMD).
Only the pulumi-command provider is a stand-in (tests/fakes/command_provider.py).
"""

from __future__ import annotations

import hashlib

import pytest

from pulumi_docker_machine.components.drivers.virtualbox.provider import FIRST_GUEST_HOST
from tests.conftest import require
from tests.test_engine_cli import machine, shell
from bench.testbed import RemoteHost, TestNetwork, missing_prerequisites

pytestmark = [pytest.mark.remote_host, pytest.mark.engine]


def test_virtualbox_create_with_the_simulator_through_the_engine(
    world, vboxmanage, pulumi_engine, tmp_path, monkeypatch
):
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
        created = machine(
            world,
            "create",
            "-d",
            "virtualbox",
            "--virtualbox-image-url",
            image.as_uri(),
            "--virtualbox-hostonly-cidr",
            f"{network.gateway}/24",
            "--engine-install-url",
            "none",
            "vbox",
        )
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

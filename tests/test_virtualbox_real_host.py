"""Mock hypervisor, real host: DockerMachine with the virtualbox driver provisions the test host.

The VBoxManage simulator stands in for VirtualBox; the guest is the test host, so the driver's
host-only network is the test host's link (allowed the way VirtualBox >= 6.1.28 wants it, a
networks.conf line) and its static address the test host's: the simulator starts the VM only when
the seed configures that address on the host-only adapter, forwards the NAT port to the test host's
sshd, installs the seed ISO's SSH key there (cloud-init's job) and reports the seed's address as the
host-only IP, as Guest Additions would. The component, unchanged, then provisions Docker over
SSH through that forward as the non-root user `docker` with sudo, and the docker client reaches
the engine with the component's outputs alone.
"""

from __future__ import annotations

import hashlib
import ipaddress
import socket

import pytest

from pulumi_docker_machine.components import DockerMachineArgs, VirtualBoxDriver
from pulumi_docker_machine.components.drivers.virtualbox import provider as vbox_provider
from pulumi_docker_machine.components.drivers.virtualbox.provider import VirtualBoxVMProvider
from pulumi_docker_machine.components.drivers.virtualbox.vboxmanage import networks_conf_ranges
from tests.conftest import MachineMocks, build_machine, require
from tests.dockertools import hello_world
from bench.testbed import RemoteHost, missing_prerequisites

pytestmark = pytest.mark.remote_host


@pytest.fixture(scope="module")
def host():
    require(missing_prerequisites(), "the mock-hypervisor, real-host VirtualBox test")
    with RemoteHost() as remote:
        remote.add_user("docker")
        yield remote


def ssh_banner(port: int) -> bytes:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=5) as conn:
            conn.settimeout(5)
            return conn.recv(4)
    except OSError:
        return b""


def test_virtualbox_machine_on_a_real_host(host, vboxmanage, tmp_path, monkeypatch):
    monkeypatch.setenv("VBOXSIM_GUEST_ADDRESS", host.address)
    monkeypatch.setenv("VBOXSIM_AUTHORIZED_KEYS", str(host.authorized_keys))
    networks_conf = tmp_path / "networks.conf"  # what /etc/vbox/networks.conf says to allow the test host's link
    networks_conf.write_text(f"* {ipaddress.ip_interface(f'{host.gateway}/30').network}\n")
    monkeypatch.setenv("VBOXSIM_NETWORKS_CONF", str(networks_conf))
    monkeypatch.setattr(vbox_provider, "networks_conf_ranges", lambda: networks_conf_ranges(networks_conf))
    image = tmp_path / "ubuntu.vmdk"
    image.write_bytes(b"simulated vmdk\n" * 1024)
    driver = VirtualBoxDriver(
        storage_path=str(tmp_path / "store"),
        image_url=image.as_uri(),
        image_sha256=hashlib.sha256(image.read_bytes()).hexdigest(),
        hostonly_cidr=f"{host.gateway}/30",
        ip_address=host.address,
    )
    mocks = MachineMocks(ssh_host=host)
    out = build_machine(mocks, "dev", DockerMachineArgs(driver=driver))

    vm = mocks.one("pulumi-python:dynamic/docker-machine:VirtualBoxVM")
    connection = mocks.one("command:remote:Command").inputs["connection"]
    assert (connection["host"], connection["port"], connection["user"]) == ("127.0.0.1", vm.state["ssh_port"], "docker")
    assert mocks.one("command:remote:Command").inputs["create"].startswith("sudo -n sh -c ")
    assert out["ip"] == host.address and out["docker_host"] == f"tcp://{host.address}:2376"
    assert out["ssh_user"] == "docker" and out["ssh_port"] == vm.state["ssh_port"]
    hello_world(host, out, tmp_path / "certs")
    assert "docker" in host.output("id -nG docker").split(), "the SSH user may use docker without sudo"

    # The CLI's stop and start: the wanted power state, updated in place.
    provider = VirtualBoxVMProvider()
    stopped = provider.update(vm.id, vm.state, {**vm.inputs, "state": "stopped"}).outs
    assert stopped["vm_state"] == "Stopped"
    assert (vboxmanage.state()["vms"][vm.id]["state"], vboxmanage.state()["vms"][vm.id]["stopped_by"]) == (
        "poweroff",
        "acpi",
    ), "stopped by the ACPI power button, the guest given time to shut down"
    assert ssh_banner(vm.state["ssh_port"]) == b"", "a stopped VM answers no SSH"
    started = provider.update(vm.id, stopped, {**vm.inputs, "state": "running"}).outs
    assert started["vm_state"] == "Running" and started["host_only_ip"] == host.address
    assert ssh_banner(vm.state["ssh_port"]) == b"SSH-"
    provider.delete(vm.id, started)
    assert vboxmanage.state()["vms"] == {}

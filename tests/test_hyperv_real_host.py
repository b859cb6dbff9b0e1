"""Mock hypervisor, real host: DockerMachine with the hyperv driver provisions the test host.

The PowerShell simulator stands in for Hyper-V; the guest is the test host: Start-VM requires the seed's network
to match the adapter's (static) MAC, installs the seed's SSH key on the test host (cloud-init's job) and reports the
test host's address on the adapter (the KVP daemon's job). The component, unchanged, then provisions Docker over SSH
at that address as the non-root user `docker` with sudo, and the docker client reaches the engine with the
component's outputs alone; stop and start go through the provider.
"""

from __future__ import annotations

import hashlib

import pytest

from pulumi_docker_machine.components import DockerMachineArgs
from pulumi_docker_machine.components.drivers.hyperv.driver import HyperVDriver
from pulumi_docker_machine.components.drivers.hyperv.provider import HyperVVMProvider
from tests.conftest import MachineMocks, build_machine, require
from tests.dockertools import docker, write_client_certs
from tests.fakes import powershell_env
from bench.testbed import RemoteHost, missing_prerequisites


@pytest.fixture
def powershell(tmp_path, monkeypatch):
    """The PowerShell simulator as powershell.exe (tests/fakes/powershell_env.py)."""
    return powershell_env.install(tmp_path, monkeypatch)


pytestmark = pytest.mark.remote_host


@pytest.fixture(scope="module")
def host():
    require(missing_prerequisites(), "the mock-hypervisor, real-host Hyper-V test")
    with RemoteHost() as remote:
        remote.add_user("docker")
        yield remote


def test_hyperv_machine_on_a_real_host(host, powershell, tmp_path, monkeypatch):
    monkeypatch.setenv("PSSIM_GUEST_ADDRESS", host.address)
    monkeypatch.setenv("PSSIM_AUTHORIZED_KEYS", str(host.authorized_keys))
    image = tmp_path / "base.vhdx"
    image.write_bytes(b"vhdxfile" + b"\0" * 4096)
    driver = HyperVDriver(
        virtual_switch="External Switch",
        storage_path=str(tmp_path / "store"),
        image_url=image.as_uri(),
        image_sha256=hashlib.sha256(image.read_bytes()).hexdigest(),
    )
    mocks = MachineMocks(ssh_host=host, run_dynamic=(*MachineMocks.run_dynamic, "HyperVVM"))
    out = build_machine(mocks, "dev", DockerMachineArgs(driver=driver))

    vm = mocks.one("pulumi-python:dynamic/docker-machine:HyperVVM")
    connection = mocks.one("command:remote:Command").inputs["connection"]
    assert (connection["host"], connection["port"], connection["user"]) == (host.address, 22, "docker")
    assert out["ip"] == host.address and out["docker_host"] == f"tcp://{host.address}:2376"
    certs = write_client_certs(tmp_path / "certs", out["ca_pem"], out["client_cert_pem"], out["client_key_pem"])
    version = docker(host, out["docker_host"], certs, "version", "--format", "{{.Server.Version}}")
    assert version.returncode == 0 and version.stdout.decode().strip() in host.output("dockerd --version")

    provider = HyperVVMProvider()
    stopped = provider.update(vm.id, vm.state, {**vm.inputs, "state": "stopped"}).outs
    assert stopped["vm_state"] == "Stopped" and powershell.vms()[0]["stopped_by"] == "shutdown"
    started = provider.update(vm.id, stopped, {**vm.inputs, "state": "running"}).outs
    assert started["vm_state"] == "Running" and started["ip_address"] == host.address
    provider.delete(vm.id, started)
    assert powershell.vms() == []

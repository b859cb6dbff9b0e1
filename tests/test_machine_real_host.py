"""Mock cloud, real host: the unchanged DockerMachine component provisions the test host for real.

The mocks stand in for the engine and the cloud: the VM resolves to the test host's address,
key material is made by the dill-loaded dynamic providers, and remote.Command runs its create
with its stdin over SSH with the connection the component built. Then the real docker client,
given only the component's outputs, runs containers on the engine.
"""

from __future__ import annotations

import json
import shlex

import pytest

from pulumi_docker_machine.components import DigitalOceanDriver, DockerMachineArgs, EngineOptions, GenericDriver
from pulumi_docker_machine.components.material.providers import AuthorizedKeyProvider
from tests.conftest import MachineMocks, build_machine
from tests.dockertools import docker, hello_world

pytestmark = pytest.mark.remote_host
DYNAMIC = "pulumi-python:dynamic/docker-machine:"


@pytest.fixture(scope="module")
def host(remote_host):
    return remote_host


def test_generic_machine_on_a_real_host(host, tmp_path):
    # The machine's own key is authorized on the host with the user's (the installer really runs).
    mocks = MachineMocks(ssh_host=host, run_dynamic=(*MachineMocks.run_dynamic, "AuthorizedKey"))
    args = DockerMachineArgs(
        driver=GenericDriver(ip_address=host.address, ssh_key=str(host.ssh_key)),
        engine=EngineOptions(labels=["via=generic"]),
    )
    out = build_machine(mocks, "box", args)
    users_key = "".join(host.ssh_key.read_text().split("\n")[1:-2])
    assert users_key not in json.dumps([[r.inputs, r.state] for r in mocks.resources] + [out]).replace("\\n", ""), (
        "the user's private key is in no resource and no output"
    )
    connection = mocks.one("command:remote:Command").inputs["connection"]
    assert connection["privateKey"] == out["ssh_private_key"] == mocks.one(DYNAMIC + "SSHKey").state["private_key"]
    assert out["docker_host"] == f"tcp://{host.address}:2376"
    assert out["docker_env"]["DOCKER_HOST"] == out["docker_host"]
    hello_world(host, out, tmp_path / "certs")
    stdout = mocks.one("command:remote:Command").state["stdout"]
    assert "Docker is up and running on port 2376!" in stdout
    assert host.output("hostname").strip() == "dmtest-host", "a generic host keeps its hostname"

    # pulumi destroy runs the command's delete: our TLS setup goes, Docker stays installed.
    delete = mocks.one("command:remote:Command").inputs["delete"]
    assert shlex.split(delete)[:2] == ["sh", "-c"]
    result = host.ssh(delete)
    assert result.returncode == 0, result.stderr
    assert "Removed docker-machine's TLS configuration; Docker stays installed" in result.stdout.decode()
    assert host.output("ls /etc/docker/server.pem /etc/docker/daemon.json 2>/dev/null || true") == ""
    assert host.ssh("command -v dockerd").returncode == 0
    again = host.ssh(delete)
    assert again.returncode == 0 and "nothing to remove" in again.stdout.decode()
    # ...and the machine's key is taken off the host, with the machine's key.
    authorized = mocks.one(DYNAMIC + "AuthorizedKey")
    public_key = authorized.state["public_key"]
    assert public_key in host.output("cat ~/.ssh/authorized_keys").splitlines()
    AuthorizedKeyProvider().delete(authorized.id, authorized.state)
    assert public_key not in host.output("cat ~/.ssh/authorized_keys").splitlines()


def test_digitalocean_machine_on_a_real_host(host, tmp_path, monkeypatch):
    monkeypatch.setenv("DIGITALOCEAN_ACCESS_TOKEN", "dop_v1_mock")
    mocks = MachineMocks(vm_address=host.address, ssh_host=host, on_public_key=host.authorize)
    out = build_machine(
        mocks, "web", DockerMachineArgs(driver=DigitalOceanDriver(region="fra1"), tls_sans=["web.dmtest.example"])
    )
    connection = mocks.one("command:remote:Command").inputs["connection"]
    assert connection["privateKey"] == out["ssh_private_key"], "provisioned with the generated key"
    assert out["ip"] == host.address
    hello_world(host, out, tmp_path / "certs")
    assert host.output("hostname").strip() == "web"
    labels = docker(host, out["docker_host"], tmp_path / "certs", "info", "--format", "{{json .Labels}}")
    assert "provider=digitalocean" in labels.stdout.decode()

"""The wanted power state (the CLI's start/stop/kill) per driver."""

from __future__ import annotations

import base64
import http.server
import json
import threading

import dill
import pytest
from pulumi.dynamic.dynamic import serialize_provider

from pulumi_docker_machine.components import (
    AmazonEC2Driver,
    DigitalOceanDriver,
    DockerMachine,
    DockerMachineArgs,
    GenericDriver,
)
from pulumi_docker_machine.components import MachineArgumentError, VirtualBoxDriver
from pulumi_docker_machine.components.drivers.digitalocean.provider import DropletPowerProvider
from pulumi_docker_machine.components.ssh import generate_ssh_key
from tests.conftest import MachineMocks, run_program


class FakeDigitalOcean(http.server.BaseHTTPRequestHandler):
    """The droplet and actions endpoints of DigitalOcean's API v2, as documented, for one droplet."""

    def log_message(self, *args):
        pass

    def reply(self, code, body):
        data = json.dumps(body).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        api = self.server.api
        if self.headers.get("Authorization") != "Bearer dop_v1_test":
            return self.reply(401, {"id": "unauthorized", "message": "Unable to authenticate you."})
        if self.path == "/v2/droplets/42":
            if api["new_polls"] > 0:
                api["new_polls"] -= 1
                return self.reply(200, {"droplet": {"id": 42, "status": "new"}})
            return self.reply(200, {"droplet": {"id": 42, "status": api["status"]}})
        if self.path.startswith("/v2/actions/"):
            return self.reply(200, {"action": {"id": 7, "status": "completed"}})
        self.reply(404, {"id": "not_found", "message": "The resource you were accessing could not be found."})

    def do_POST(self):
        api = self.server.api
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        api["actions"].append(body["type"])
        api["status"] = "active" if body["type"] == "power_on" else "off"
        self.reply(201, {"action": {"id": 7, "status": "in-progress", "type": body["type"]}})


@pytest.fixture
def do_api():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), FakeDigitalOcean)
    server.api = {"status": "active", "actions": [], "new_polls": 0}
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    yield server.api, f"http://127.0.0.1:{server.server_address[1]}/v2"
    server.shutdown()
    server.server_close()


def props(url, **changes):
    return {
        "droplet_id": "42",
        "state": "running",
        "force": False,
        "api_url": url,
        "token": "dop_v1_test",
        "timeout": 10,
        **changes,
    }


def test_droplet_power_actions(do_api, monkeypatch):
    monkeypatch.setattr("time.sleep", lambda s: None)
    api, url = do_api
    provider = dill.loads(base64.b64decode(serialize_provider(DropletPowerProvider())))
    created = provider.create(props(url))
    assert (created.id, created.outs["status"], api["actions"]) == ("42-power", "active", [])
    assert "token" not in created.outs
    stopped = provider.update(created.id, created.outs, props(url, state="stopped"))
    assert (stopped.outs["status"], api["actions"]) == ("off", ["shutdown"])
    provider.update(created.id, stopped.outs, props(url, state="running"))
    provider.update(created.id, stopped.outs, props(url, state="stopped", force=True))
    assert api["actions"] == ["shutdown", "power_on", "power_off"], "kill is a hard power-off"
    diff = provider.diff(created.id, created.outs, props(url, state="stopped"))
    assert (diff.changes, diff.replaces) == (True, [])
    assert provider.diff(created.id, created.outs, props(url)).changes is False


def test_a_new_droplet_is_waited_for(do_api, monkeypatch):
    api, url = do_api
    api["new_polls"] = 2
    monkeypatch.setattr("time.sleep", lambda s: None)
    assert DropletPowerProvider().create(props(url)).outs["status"] == "active"
    assert api["actions"] == []


def test_api_errors_say_what_the_api_said(do_api):
    _, url = do_api
    with pytest.raises(RuntimeError, match=r"DigitalOcean API GET /droplets/42 failed: 401 .*Unable to authenticate"):
        DropletPowerProvider().create(props(url, token="wrong"))


def test_stopped_machines_per_driver(monkeypatch):
    monkeypatch.setenv("DIGITALOCEAN_ACCESS_TOKEN", "dop_v1_env")
    mocks = MachineMocks()

    def program():
        aws = DockerMachine(
            "aws", DockerMachineArgs(driver=AmazonEC2Driver(region="us-east-1"), power="stopped", force_stop=True)
        )
        DockerMachine("do", DockerMachineArgs(driver=DigitalOceanDriver(), power="stopped"))
        DockerMachine("vb", DockerMachineArgs(driver=VirtualBoxDriver(), power="stopped"))
        return {"aws": aws.docker_host, "power": aws.power}

    mocks.run_dynamic = ("CertificateAuthority", "ClientCertificate", "ServerCertificate", "SSHKey")
    out = run_program(mocks, program)
    state = mocks.one("aws:ec2transitgateway/instanceState:InstanceState").inputs
    assert (state["state"], state["force"], state["instanceId"]) == ("stopped", True, "i-0123456789abcdef0")
    power = mocks.one("pulumi-python:dynamic/docker-machine:DropletPower").inputs
    assert (power["state"], power["force"], power["token"]) == ("stopped", False, "dop_v1_env")
    vm = mocks.one("pulumi-python:dynamic/docker-machine:VirtualBoxVM").inputs
    assert (vm["state"], vm["force_stop"]) == ("stopped", False)
    assert mocks.of_type("command:remote:Command") == [], "a stopped machine is not provisioned"
    assert out["power"][0] == "stopped"


def test_generic_driver_cannot_stop(tmp_path):
    key = tmp_path / "id"
    key.write_text(generate_ssh_key().private_key)
    with pytest.raises(MachineArgumentError, match="generic driver does not support stop"):
        DockerMachine(
            "g", DockerMachineArgs(driver=GenericDriver(ip_address="10.0.0.1", ssh_key=str(key)), power="stopped")
        )


def test_running_aws_machine_reads_its_address_after_the_power_change():
    mocks = MachineMocks(vm_address="198.51.100.77")
    out = run_program(
        mocks, lambda: {"ip": DockerMachine("aws", DockerMachineArgs(driver=AmazonEC2Driver(region="us-east-1"))).ip}
    )
    assert out["ip"][0] == "198.51.100.77"
    ((_, args),) = [c for c in mocks.calls if c[0] == "aws:ec2/getInstance:getInstance"]
    assert args["instanceId"] == "i-0123456789abcdef0"
    assert mocks.one("aws:ec2transitgateway/instanceState:InstanceState").inputs["state"] == "running"

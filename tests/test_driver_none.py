"""The none driver (docker-machine's ``create -d none --url tcp://HOST:2376``): an existing Docker host under a
machine name. Nothing is made on the host: no VM, no SSH key, no server certificate, no provisioning; power
verbs and ssh are refused with docker-machine's words. Through the real engine: tests/test_engine_cli.py."""

from __future__ import annotations

import json

import pytest

from pulumi_docker_machine.components import DockerMachine, DockerMachineArgs
from pulumi_docker_machine.automation.certs import ensure_shared_certs
from pulumi_docker_machine.components.cert.issue import KeyAndCertificate, issue_server_certificate
from pulumi_docker_machine.components.drivers.base import DriverArgumentError
from pulumi_docker_machine.components.drivers.none.driver import NoneDriver
from pulumi_docker_machine.components.machine import OUTPUTS
from tests.conftest import MachineMocks, run_program
from bench.fakeengine import FakeEngine
from tests.test_cli_write import fake, run  # noqa: F401 - the fake Pulumi CLI fixture

pytestmark = pytest.mark.usefixtures("fake")


def test_the_url_is_required():
    with pytest.raises(DriverArgumentError, match=r"^--url option is required when no driver is selected$"):
        NoneDriver().validate("dev")


@pytest.mark.parametrize("url", ["tcp://203.0.113.10:2376", "tcp://[2001:db8::1]:2376", "tcp://docker.example.com:1"])
def test_a_tcp_url_is_its_address_and_port(url):
    NoneDriver(url=url).validate("dev")


@pytest.mark.parametrize(
    "url",
    [
        "http://203.0.113.10:2376",
        "tcp://203.0.113.10",
        "tcp://203.0.113.10:99999",
        "tcp://-oProxyCommand=x:2376",
        "tcp://203.0.113.10:2376/v1.40",
        "tcp://u@h.example:2376",
        "tcp://[::1:2376",
        "unix:///var/run/docker.sock",
    ],
)
def test_anything_else_is_refused(url):
    with pytest.raises(DriverArgumentError, match="is not tcp://ADDRESS:PORT"):
        NoneDriver(url=url).validate("dev")


def test_a_machine_is_the_url_and_nothing_is_made():
    mocks = MachineMocks()

    def program():
        machine = DockerMachine("dev", DockerMachineArgs(driver=NoneDriver(url="tcp://203.0.113.10:12376")))
        return {key: getattr(machine, key) for key in OUTPUTS}

    out = {key: value for key, (value, _secret) in run_program(mocks, program).items()}
    made = sorted({r.typ.rsplit(":", 1)[-1] for r in mocks.resources})
    assert made == ["CertificateAuthority", "Certificates", "ClientCertificate", "DockerMachine"], made
    assert out["docker_host"] == "tcp://203.0.113.10:12376" and out["ip"] == "203.0.113.10"
    assert (out["ssh_host"], out["ssh_port"], out["ssh_private_key"], out["server_cert_pem"]) == ("", 0, "", "")
    assert out["driver_options"] == {"url": "tcp://203.0.113.10:12376"}


def test_create_flags_ls_refusals_rm(world, fake):  # noqa: F811 - the fixture
    missing = run("create", "-d", "none", "dev")
    assert (missing.exit_code, missing.output.splitlines()[-1]) == (
        1,
        "Error setting machine configuration from flags provided: --url option is required when no driver is selected",
    )
    assert fake.calls == []

    # An engine with a certificate of the store's CA: what docker-machine's none driver expects (it makes none).
    certs = ensure_shared_certs(world.store())
    server = issue_server_certificate(
        KeyAndCertificate(certs["ca_pem"], certs["ca_key_pem"]), "existing", ["127.0.0.1"]
    )
    (world.root / "server.pem").write_text(server.cert_pem)
    (world.root / "server-key.pem").write_text(server.key_pem)
    engine = FakeEngine(world.root / "certs" / "ca.pem", world.root / "server.pem", world.root / "server-key.pem")
    try:
        url = f"tcp://127.0.0.1:{engine.port}"
        created = run("create", "-d", "none", "--url", url, "dev")
        assert created.exit_code == 0, created.output
        assert [line for line in created.output.splitlines() if "..." in line] == [
            "Running pre-create checks...",
            "Creating machine...",
        ], "no step of a VM, key or provisioning"
        assert run("url", "dev").output == f"{url}\n"
        assert run("ip", "dev").output == f"127.0.0.1:{engine.port}\n", "docker-machine's none: the URL's host:port"
        assert run("status", "dev").output == "Running\n"
        ls = run("ls", "--format", "{{.Name}} {{.DriverName}} {{.State}} {{.URL}}", "--filter", "name=dev")
        assert ls.output == f"dev none Running {url}\n"
        host = world.store().load("dev")
        assert host.ssh_host == "" and not (host.machine_dir / "id_ed25519").exists()
        written = json.loads((host.machine_dir / "config.json").read_text())["Driver"]
        assert (written["URL"], written["IPAddress"]) == (url, f"127.0.0.1:{engine.port}"), "as 0.16.2 writes it"
        assert not (host.machine_dir / "server.pem").exists(), "the host serves its own certificate"
        for verb, done in (("start", "started"), ("stop", "stopped"), ("kill", "killed"), ("restart", "restarted")):
            refused = run(verb, "dev")
            assert (refused.exit_code, refused.output.splitlines()[-1]) == (
                1,
                f"hosts without a driver cannot be {done}",
            )
        ssh = run("ssh", "dev", "true")
        assert (ssh.exit_code, ssh.output.splitlines()[-1]) == (
            1,
            'Error: Cannot run SSH command: Host "dev" has no SSH address (none driver)',
        )
        removed = run("rm", "-y", "dev")
        assert removed.exit_code == 0 and not (world.root / "machines" / "dev").exists(), removed.output
    finally:
        engine.close()

"""The examples: the Python app over the Automation API (fake Pulumi CLI), and the own-program example under mocks."""

from __future__ import annotations

import importlib.util
import runpy
from pathlib import Path

import pulumi

from components.cert import create_ca, issue_client_certificate
from tests.conftest import MachineMocks, run_program
from tests.fakes.pulumi_cli import FakePulumiCommand

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def load(path: Path):
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_automation_app_reads_docker_env_and_certificates(tmp_path):
    app = load(EXAMPLES / "automation_app.py")
    ca = create_ca("app")
    client = issue_client_certificate(ca, "app.client")

    def outputs_for(stack, config):
        env = {"DOCKER_HOST": "tcp://203.0.113.5:2376", "DOCKER_TLS_VERIFY": "1", "DOCKER_MACHINE_NAME": "app-host"}
        return ({"docker_env": env, "ca_pem": ca.cert_pem, "client_cert_pem": client.cert_pem,
                 "client_key_pem": client.key_pem}, {"client_key_pem"})

    fake = FakePulumiCommand(outputs_for=outputs_for, resources=[])
    env = app.up("203.0.113.5", "/keys/id", tmp_path / "state", pulumi_command=fake)
    assert env["DOCKER_HOST"] == "tcp://203.0.113.5:2376" and env["DOCKER_TLS_VERIFY"] == "1"
    certs = Path(env["DOCKER_CERT_PATH"])
    assert (certs / "key.pem").read_text() == client.key_pem and (certs / "key.pem").stat().st_mode & 0o777 == 0o600
    commands = fake.commands()
    assert ["stack", "init", "dev", "--secrets-provider", "passphrase"] in commands
    up = next(c for c in commands if c[0] == "up")
    assert "auto.inline" in up
    assert fake.env_of(("up",))["PULUMI_CONFIG_PASSPHRASE"]
    assert "backend:" in (tmp_path / "state" / "Pulumi.yaml").read_text()


def test_own_program_example_under_mocks(monkeypatch):
    monkeypatch.setenv("DIGITALOCEAN_ACCESS_TOKEN", "dop_v1_example")
    exported = {}
    monkeypatch.setattr(pulumi, "export", lambda name, value: exported.__setitem__(name, value))
    mocks = MachineMocks()

    def program():
        runpy.run_path(str(EXAMPLES / "own-program" / "__main__.py"))
        return {name: pulumi.Output.from_input(value) for name, value in exported.items()}

    out = run_program(mocks, program)
    assert len(mocks.of_type("digitalocean:index/droplet:Droplet")) == 2
    assert len(mocks.of_type("pulumi-python:dynamic/docker-machine:CertificateAuthority")) == 1
    assert out["web_env"][0]["DOCKER_MACHINE_NAME"] == "web"
    assert out["client_key_pem"][1] is True

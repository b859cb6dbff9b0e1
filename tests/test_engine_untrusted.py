"""A stack's outputs are untrusted: ``docker-machine import --stack`` of a hostile stack, through the real engine."""

from __future__ import annotations

import pulumi
import pytest
from pulumi import automation as auto

from components.cert import create_ca, issue_client_certificate
from components.ssh import generate_ssh_key
from tests.test_engine_cli import machine

pytestmark = pytest.mark.engine


def hostile_program(ca, client, key):
    def program() -> None:
        base = {"driver": "generic", "ip": "127.0.0.9", "ssh_host": "127.0.0.9", "ssh_port": 22, "ssh_user": "root",
                "docker_host": "tcp://127.0.0.9:2376", "server_cert_pem": "", "engine": {}, "power": "running"}
        pulumi.export("machines", {
            "../../escape": base,
            "sneaky": {**base, "ssh_user": "-oProxyCommand=touch /tmp/dmtest-pwned"},
            "fine": base,
        })
        pulumi.export("machine_ssh_keys", pulumi.Output.secret({"../../escape": key, "sneaky": key, "fine": key}))
        pulumi.export("ca_pem", pulumi.Output.secret(ca.cert_pem))
        pulumi.export("client_cert_pem", pulumi.Output.secret(client.cert_pem))
        pulumi.export("client_key_pem", pulumi.Output.secret(client.key_pem))
    return program


def test_import_of_a_hostile_stack_writes_nothing(world, pulumi_engine, tmp_path, monkeypatch):
    project = tmp_path / "hostile"
    project.mkdir()
    (tmp_path / "backend").mkdir()
    monkeypatch.setenv("PULUMI_CONFIG_PASSPHRASE", "hostile")
    monkeypatch.setenv("PULUMI_BACKEND_URL", (tmp_path / "backend").as_uri())
    ca = create_ca("evil")
    program = hostile_program(ca, issue_client_certificate(ca, "evil.client"), generate_ssh_key().private_key)
    stack = auto.create_or_select_stack("hostile", project_name="hostile", program=program,
                                        opts=auto.LocalWorkspaceOptions(work_dir=str(project)))
    stack.up()

    result = machine(world, "import", "--stack", "hostile", "--cwd", str(project))
    assert result.returncode == 1
    assert "nothing was imported" in result.stderr
    assert "machine name '../../escape': Invalid hostname specified" in result.stderr
    assert "sneaky: ssh_user '-oProxyCommand=touch /tmp/dmtest-pwned' is not a user name" in result.stderr
    assert not (world.root / "machines").exists() or list((world.root / "machines").iterdir()) == []
    assert not (world.root.parent / "escape").exists() and not (world.root / "escape").exists()

"""``docker-machine import --stack``: a stack whose outputs have the right shape but do not make a machine
(here: a key that is no key, engine labels that are no list) imports nothing, not the machines sorted
before the bad one. Through the real engine, as tests/test_engine_untrusted.py."""

from __future__ import annotations

import pulumi
import pytest
from pulumi import automation as auto

from components.cert import create_ca, issue_client_certificate
from components.ssh import generate_ssh_key
from tests.test_engine_cli import machine

pytestmark = pytest.mark.engine


def shaped_program(ca, client, key):
    def program() -> None:
        base = {"driver": "generic", "ip": "127.0.0.9", "ssh_host": "127.0.0.9", "ssh_port": 22, "ssh_user": "root",
                "docker_host": "tcp://127.0.0.9:2376", "server_cert_pem": "", "engine": {}, "power": "running"}
        pulumi.export("machines", {"aaa-fine": base, "mmm-badkey": base,
                                   "zzz-labels": {**base, "engine": {"labels": 5}}})
        broken_key = "-----BEGIN OPENSSH PRIVATE KEY-----\nbm90IGEga2V5\n-----END OPENSSH PRIVATE KEY-----\n"
        pulumi.export("machine_ssh_keys", pulumi.Output.secret({"aaa-fine": key, "mmm-badkey": broken_key,
                                                                "zzz-labels": key}))
        pulumi.export("ca_pem", pulumi.Output.secret(ca.cert_pem))
        pulumi.export("client_cert_pem", pulumi.Output.secret(client.cert_pem))
        pulumi.export("client_key_pem", pulumi.Output.secret(client.key_pem))
    return program


def test_import_of_a_shaped_but_malformed_stack_writes_nothing(world, pulumi_engine, tmp_path, monkeypatch):
    project = tmp_path / "shaped"
    project.mkdir()
    (tmp_path / "backend").mkdir()
    monkeypatch.setenv("PULUMI_CONFIG_PASSPHRASE", "shaped")
    monkeypatch.setenv("PULUMI_BACKEND_URL", (tmp_path / "backend").as_uri())
    ca = create_ca("shaped")
    program = shaped_program(ca, issue_client_certificate(ca, "shaped.client"), generate_ssh_key().private_key)
    stack = auto.create_or_select_stack("shaped", project_name="shaped", program=program,
                                        opts=auto.LocalWorkspaceOptions(work_dir=str(project)))
    stack.up()

    result = machine(world, "import", "--stack", "shaped", "--cwd", str(project))
    assert result.returncode == 1, result.stdout + result.stderr
    lines = result.stderr.strip().splitlines()
    assert lines[0] == "Error: stack 'shaped' exports machines this store can't take (nothing was imported):"
    # Checked first: what the outputs say; then each machine is written to a scratch store and loaded back.
    assert lines[1] == "zzz-labels: engine.labels is not a list of strings", lines
    assert len(lines) == 3 and lines[2].startswith("mmm-badkey: "), lines
    assert "Traceback" not in result.stderr
    assert not (world.root / "machines").exists() or list((world.root / "machines").iterdir()) == []

"""``docker-machine import --stack`` carries each machine's SSH host keys (its ``ssh_host_keys`` output) into the
store as the machine's pin; keys that are no keys import nothing. Through the real engine, no host needed."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pulumi
import pytest
from pulumi import automation as auto

from components.cert import create_ca, issue_client_certificate
from components.ssh import generate_ssh_key
from tests.test_engine_cli import machine

pytestmark = pytest.mark.engine


def stack_program(ca, client, key, host_keys: dict):
    def program() -> None:
        base = {"driver": "generic", "ip": "127.0.0.9", "ssh_host": "127.0.0.9", "ssh_port": 22, "ssh_user": "root",
                "docker_host": "tcp://127.0.0.9:2376", "server_cert_pem": "", "engine": {}, "power": "running"}
        pulumi.export("machines", {name: {**base, "ssh_host_keys": keys} for name, keys in host_keys.items()})
        pulumi.export("machine_ssh_keys", pulumi.Output.secret({name: key for name in host_keys}))
        pulumi.export("ca_pem", pulumi.Output.secret(ca.cert_pem))
        pulumi.export("client_cert_pem", pulumi.Output.secret(client.cert_pem))
        pulumi.export("client_key_pem", pulumi.Output.secret(client.key_pem))
    return program


def up(tmp_path: Path, name: str, host_keys: dict) -> Path:
    project = tmp_path / name
    project.mkdir()
    ca = create_ca(name)
    program = stack_program(ca, issue_client_certificate(ca, f"{name}.client"), generate_ssh_key().private_key,
                            host_keys)
    auto.create_or_select_stack(name, project_name=name, program=program,
                                opts=auto.LocalWorkspaceOptions(work_dir=str(project))).up()
    return project


@pytest.fixture
def backend(tmp_path, monkeypatch, pulumi_engine):
    (tmp_path / "backend").mkdir()
    monkeypatch.setenv("PULUMI_CONFIG_PASSPHRASE", "pins")
    monkeypatch.setenv("PULUMI_BACKEND_URL", (tmp_path / "backend").as_uri())


def host_key(tmp_path: Path) -> str:
    path = tmp_path / "host_ed25519"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(path)], check=True)
    return " ".join(Path(f"{path}.pub").read_text().split()[:2])


def test_import_stack_pins_each_machines_host_key(world, backend, tmp_path):
    key = host_key(tmp_path)
    project = up(tmp_path, "pins", {"web": [key], "old": []})
    result = machine(world, "import", "--stack", "pins", "--cwd", str(project))
    assert result.returncode == 0, result.stdout + result.stderr
    assert (world.root / "machines" / "web" / "known_hosts").read_text() == f"web {key}\n"
    assert not (world.root / "machines" / "old" / "known_hosts").exists(), "no key reported: pinned on first ssh"


def test_host_keys_that_are_no_keys_import_nothing(world, backend, tmp_path):
    key = host_key(tmp_path)
    project = up(tmp_path, "badpins", {"aaa": [key], "zzz": [key + "\nProxyCommand=touch /tmp/x"]})
    result = machine(world, "import", "--stack", "badpins", "--cwd", str(project))
    assert result.returncode == 1, result.stdout + result.stderr
    lines = result.stderr.strip().splitlines()
    assert lines[0] == "Error: stack 'badpins' exports machines this store can't take (nothing was imported):"
    assert len(lines) == 2 and lines[1].startswith("zzz: ssh_host_keys holds "), lines
    assert not (world.root / "machines").exists() or list((world.root / "machines").iterdir()) == []

"""The generic driver without --generic-ssh-key, as docker-machine 0.16.2's ("if not provided, default SSH key will be
used"): the user's ssh-agent, else ssh's default key files; only the machine's own key ends up in state."""

from __future__ import annotations

import json
import socket

import pytest

from pulumi_docker_machine.components.ssh import generate_ssh_key
from tests.test_driver_flags_helpers import build, create, refused

GENERIC = ("-d", "generic", "--generic-ip-address", "203.0.113.10")
COMMAND = "command:remote:Command"
AUTHORIZED = "pulumi-python:dynamic/docker-machine:AuthorizedKey"
SSH_KEY = "pulumi-python:dynamic/docker-machine:SSHKey"


@pytest.fixture
def home(tmp_path, monkeypatch):
    folder = tmp_path / "home"
    (folder / ".ssh").mkdir(parents=True)
    monkeypatch.setenv("HOME", str(folder))
    monkeypatch.delenv("SSH_AUTH_SOCK", raising=False)
    monkeypatch.delenv("GENERIC_SSH_KEY", raising=False)
    return folder


@pytest.fixture
def agent(tmp_path, monkeypatch):
    """A listening unix socket where SSH_AUTH_SOCK points (what the driver looks for; nothing connects here)."""
    path = tmp_path / "agent.sock"
    server = socket.socket(socket.AF_UNIX)
    server.bind(str(path))
    server.listen(1)
    monkeypatch.setenv("SSH_AUTH_SOCK", str(path))
    yield path
    server.close()


def strings(value) -> list[str]:
    if isinstance(value, dict):
        return [s for v in value.values() for s in strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in strings(v)]
    return [value] if isinstance(value, str) else []


def commands(mocks) -> dict:
    return {r.name: r.inputs for r in mocks.of_type(COMMAND)}


def test_the_agent_authorizes_the_machines_key(monkeypatch, tmp_path, home, agent):
    mocks = build(create(monkeypatch, tmp_path, *GENERIC, "box"))
    machine_key = mocks.one(SSH_KEY).state
    steps = commands(mocks)
    install, remove = steps["box-authorize-key"], steps["box-deauthorize-key"]
    assert install["connection"]["agentSocketPath"] == str(agent) and "privateKey" not in install["connection"]
    assert install["create"].startswith("sh -c '") and "authorized_keys" in install["create"]
    assert install["stdin"] == machine_key["public_key"].strip() + "\n", "the machine's key, on stdin"
    assert "delete" not in install, "nothing runs with the agent when the machine is removed"
    assert remove["connection"]["privateKey"] == machine_key["private_key"], "removed with the machine's own key"
    assert "create" not in remove and machine_key["public_key"].split()[1] in remove["delete"]
    assert not mocks.of_type(AUTHORIZED)
    provision = steps["box-provision"]
    assert provision["connection"]["privateKey"] == machine_key["private_key"]
    waits = mocks.monitor.dependencies[f"{COMMAND}::box-provision"]
    assert any(urn.endswith("::box-authorize-key") for urn in waits), "provisioning waits for the key"
    everything = json.loads(json.dumps([r.inputs for r in mocks.resources] + [r.state for r in mocks.resources]))
    ssh_keys = {text for text in strings(everything) if "OPENSSH PRIVATE KEY" in text}
    assert ssh_keys == {machine_key["private_key"]}, "no SSH private key in state but the machine's own"


def test_without_an_agent_the_first_default_key_file(monkeypatch, tmp_path, home):
    generate_ssh_key().save(home / ".ssh" / "id_ed25519")
    mocks = build(create(monkeypatch, tmp_path, *GENERIC, "box"))
    assert mocks.one(AUTHORIZED).inputs["user_key_path"] == "~/.ssh/id_ed25519"
    assert set(commands(mocks)) == {"box-provision"}


def test_a_stale_agent_socket_falls_back_to_the_key_file(monkeypatch, tmp_path, home):
    generate_ssh_key().save(home / ".ssh" / "id_rsa")
    monkeypatch.setenv("SSH_AUTH_SOCK", str(tmp_path / "closed-session.sock"))
    mocks = build(create(monkeypatch, tmp_path, *GENERIC, "box"))
    assert mocks.one(AUTHORIZED).inputs["user_key_path"] == "~/.ssh/id_rsa"


def test_neither_an_agent_nor_a_key_file_is_one_line(monkeypatch, tmp_path, home):
    line = refused(monkeypatch, tmp_path, *GENERIC, "box")
    assert "no --generic-ssh-key given, and neither an ssh-agent (SSH_AUTH_SOCK) nor a default key" in line
    assert line.endswith("give --generic-ssh-key the path of your private key")


def test_a_default_key_with_a_passphrase_is_named(monkeypatch, tmp_path, home):
    (home / ".ssh" / "id_rsa").write_text("-----BEGIN OPENSSH PRIVATE KEY-----\nnot a key\n")
    line = refused(monkeypatch, tmp_path, *GENERIC, "box")
    assert f"{home}/.ssh/id_rsa is not an unencrypted private key" in line

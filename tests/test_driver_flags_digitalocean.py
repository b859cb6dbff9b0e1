"""docker-machine 0.16.2's digitalocean key flags (drivers/digitalocean/digitalocean.go): a key of the account
by fingerprint, and its private half as the machine's key; given to ``create`` and followed under mocks."""

from __future__ import annotations

import pytest

from pulumi_docker_machine.components.ssh import generate_ssh_key, md5_fingerprint
from tests.test_driver_flags_helpers import build, create, refused

DO = ("-d", "digitalocean", "--digitalocean-access-token", "dop_v1_0123456789abcdef")
DROPLET = "digitalocean:index/droplet:Droplet"
SSH_KEY = "digitalocean:index/sshKey:SshKey"
FINGERPRINT = "3b:16:bf:e4:8b:00:8b:b8:59:8c:a9:d3:f0:19:45:fa"


@pytest.fixture(autouse=True)
def no_do_environment(monkeypatch):
    for name in ("DIGITALOCEAN_SSH_KEY_FINGERPRINT", "DIGITALOCEAN_SSH_KEY_PATH", "DIGITALOCEAN_ACCESS_TOKEN"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def account_key(tmp_path):
    pair = generate_ssh_key()
    path = tmp_path / "id_do"
    pair.save(path)
    return path, pair, md5_fingerprint(pair.public_key)


def test_a_fingerprint_adds_the_account_key_beside_the_machines_own(monkeypatch, tmp_path):
    mocks = build(create(monkeypatch, tmp_path, *DO, "m", env={"DIGITALOCEAN_SSH_KEY_FINGERPRINT": FINGERPRINT}))
    own = mocks.one(SSH_KEY).state["fingerprint"]
    assert mocks.one(DROPLET).inputs["sshKeys"] == [FINGERPRINT, own]
    generated = mocks.one("pulumi-python:dynamic/docker-machine:SSHKey").state["private_key"]
    assert mocks.outputs["ssh_private_key"][0] == generated, "reached with its own key, no key of the user's read"


def test_the_key_path_is_the_machines_key(monkeypatch, tmp_path, account_key):
    path, pair, fingerprint = account_key
    args = ("--digitalocean-ssh-key-fingerprint", fingerprint, "--digitalocean-ssh-key-path", str(path))
    mocks = build(create(monkeypatch, tmp_path, *DO, *args, "m"))
    assert mocks.one(DROPLET).inputs["sshKeys"] == [fingerprint], "the account's key only: nothing registered"
    assert not mocks.of_type(SSH_KEY)
    assert mocks.outputs["ssh_private_key"] == (pair.private_key, True)
    assert mocks.one("command:remote:Command").inputs["connection"]["privateKey"] == pair.private_key


def test_the_key_path_needs_its_fingerprint(monkeypatch, tmp_path, account_key):
    path, _, _ = account_key
    line = refused(monkeypatch, tmp_path, *DO, "--digitalocean-ssh-key-path", str(path), "m")
    assert line.endswith(f"ssh-key-fingerprint needs to be provided for '{path}'"), "docker-machine's words"
    other = refused(
        monkeypatch,
        tmp_path,
        *DO,
        "--digitalocean-ssh-key-path",
        str(path),
        "m",
        env={"DIGITALOCEAN_SSH_KEY_FINGERPRINT": FINGERPRINT},
    )
    assert f"is not the key of fingerprint {FINGERPRINT}" in other


def test_a_fingerprint_must_look_like_one(monkeypatch, tmp_path):
    line = refused(monkeypatch, tmp_path, *DO, "--digitalocean-ssh-key-fingerprint", "-oProxyCommand=x", "m")
    assert "is not an MD5 fingerprint" in line

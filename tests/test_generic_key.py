"""A generic machine's key is its own: the user's key authorizes it once and never reaches a stack.

- the key installer (components/ssh/authorized.py, the AuthorizedKey provider) against a real test host;
- under mocks: nothing the component registers or exports holds the user's private key, and an imported
  machine's update never reads a key from the updater's home;
- through the real engine: teammate A creates on a test host with a shared file backend, teammate B imports,
  reaches the host with the machine's key, provisions and removes it; neither personal key is ever in B's
  store or in the (decrypted) shared state.
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from pulumi_docker_machine.components import DockerMachine, DockerMachineArgs, EngineOptions, GenericDriver
from pulumi_docker_machine.components.material.providers import AuthorizedKeyProvider
from pulumi_docker_machine.components.ssh import generate_ssh_key
from pulumi_docker_machine.components.ssh.authorized import AuthorizedKeyError, install_public_key
from tests.conftest import MachineMocks, run_program

DYNAMIC = "pulumi-python:dynamic/docker-machine:"


def key_body(private_key: str) -> str:
    """The base64 body of a PEM/OpenSSH key, one line: what would betray it in any serialization."""
    return "".join(line for line in private_key.strip().splitlines() if not line.startswith("-----"))


def holds(blob: str, private_key: str) -> bool:
    """Whether ``blob`` holds ``private_key``: its base64 body with the line breaks, however often they were
    escaped (a secret's plaintext in an exported state is JSON inside JSON), taken out."""
    flat = re.sub(r"\\+n|\n", "", blob)
    return key_body(private_key) in flat


def ssh_with(host, key_file: Path, command: str, user: str = "root") -> subprocess.CompletedProcess:
    host.assert_up()
    options = [o if o != str(host.ssh_key) else str(key_file) for o in host.ssh_options()]
    return subprocess.run(
        ["ssh", *options, f"{user}@{host.address}", command], capture_output=True, text=True, timeout=60
    )


def private_file(folder: Path, name: str, content: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    path = folder / name
    path.write_text(content)
    path.chmod(0o600)
    return path


# ----- the installer, against a real host ------------------------------------------------------------------------


@pytest.mark.remote_host
@pytest.mark.parametrize("user", ["root", "alice"])
def test_the_machine_key_is_installed_with_the_users_key_then_taken_out(remote_host, tmp_path, user):
    host = remote_host
    if user != "root" and host.ssh(f"id -u {user}").returncode != 0:
        host.add_user(user)
    pair = generate_ssh_key(comment="docker-machine@box")
    machine_key = private_file(tmp_path / "keys", "machine", pair.private_key)
    assert ssh_with(host, machine_key, "true", user).returncode == 255, "not authorized before"

    props = {
        "host": host.address,
        "port": 22,
        "user": user,
        "user_key_path": str(host.ssh_key),
        "public_key": pair.public_key,
        "private_key": pair.private_key,
    }
    home = "/root" if user == "root" else f"/home/{user}"
    before = host.output(f"cat {home}/.ssh/authorized_keys 2>/dev/null || true").splitlines()
    provider = AuthorizedKeyProvider()
    created = provider.create(dict(props))
    assert "user_key_path" not in created.outs, "not even the path of the user's key is an output"
    assert not holds(json.dumps(created.outs), host.ssh_key.read_text())
    assert ssh_with(host, machine_key, "echo in", user).stdout == "in\n"
    listing = host.output(f"stat -c '%U %a' {home}/.ssh {home}/.ssh/authorized_keys").split("\n")
    assert listing[:2] == [f"{user} 700", f"{user} 600"], "the login user's own file, owner-only"

    provider.create(dict(props))  # again (a create retried): the key is not added twice
    lines = host.output(f"cat {home}/.ssh/authorized_keys").splitlines()
    assert lines.count(pair.public_key) == 1, lines

    other = generate_ssh_key(comment="someone-else")
    host.output(f"printf '%s' '{other.public_key}' >> {home}/.ssh/authorized_keys")  # no final newline
    provider.create(dict(props))
    assert other.public_key in host.output(f"cat {home}/.ssh/authorized_keys").splitlines(), "a line kept whole"

    provider.delete(created.id, created.outs)
    assert ssh_with(host, machine_key, "true", user).returncode == 255, "the machine's key is gone"
    assert host.output(f"cat {home}/.ssh/authorized_keys").splitlines() == [*before, other.public_key], "the rest stays"
    assert host.ssh("true").returncode == 0, "the user's own key still works"
    provider.delete(created.id, created.outs)  # already gone: not an error


@pytest.mark.remote_host
def test_a_key_the_host_refuses_is_one_line_naming_host_and_key(remote_host, tmp_path):
    stranger = private_file(tmp_path / "keys", "stranger", generate_ssh_key().private_key)
    with pytest.raises(AuthorizedKeyError) as failed:
        install_public_key(remote_host.address, 22, "root", str(stranger), generate_ssh_key().public_key)
    message = str(failed.value)
    assert "\n" not in message and f"root@{remote_host.address}:22" in message and str(stranger) in message
    assert "Permission denied" in message


@pytest.mark.parametrize(
    "props, message",
    [
        ({"identity_path": None}, "no SSH key of yours to install the machine's own key"),
        ({"identity_path": "/nonexistent/id_rsa"}, "SSH key /nonexistent/id_rsa does not exist"),
        ({"host": "-oProxyCommand=touch /tmp/x"}, "is not an IP address or host name"),
        ({"user": "root;id"}, "is not a user name"),
        ({"port": 0}, "is not a TCP port"),
        ({"public_key": 'ssh-ed25519 AAAA\ncommand="id" ssh-ed25519 AAAA'}, "is not an OpenSSH public key line"),
    ],
)
def test_what_state_hands_the_installer_is_checked_before_ssh(props, message, monkeypatch):
    monkeypatch.setattr(subprocess, "run", lambda *a, **k: pytest.fail("ssh must not run"))
    base = {
        "host": "127.0.0.1",
        "port": 22,
        "user": "root",
        "identity_path": "/dev/null",
        "public_key": generate_ssh_key().public_key,
    }
    with pytest.raises(AuthorizedKeyError, match=message):
        install_public_key(**{**base, **props})


# ----- the component, under mocks ----------------------------------------------------------------------------------


def everything(mocks: MachineMocks, outputs: dict) -> str:
    return json.dumps([[r.inputs, r.state] for r in mocks.resources] + [outputs], default=str)


def generic_program(driver: GenericDriver):
    def program():
        machine = DockerMachine("box", DockerMachineArgs(driver=driver, engine=EngineOptions(install_url="none")))
        return {"ssh_private_key": machine.ssh_private_key, "driver_options": machine.driver_options}

    return program


def test_the_users_key_is_in_no_input_state_or_output(tmp_path):
    users = generate_ssh_key()
    path = private_file(tmp_path / "alice" / ".ssh", "id_ed25519", users.private_key)
    mocks = MachineMocks()
    out = run_program(mocks, generic_program(GenericDriver(ip_address="127.0.0.20", ssh_key=str(path))))
    assert not holds(everything(mocks, out), users.private_key)
    assert out["ssh_private_key"][0] == mocks.one(DYNAMIC + "SSHKey").state["private_key"]
    assert out["driver_options"][0]["ssh_key"] is None, "the path of the user's key is not shared either"


def test_an_imported_machines_update_reads_no_key_from_the_updaters_home(tmp_path, monkeypatch):
    """B's spec of an imported machine is what A's stack exports: B's own ~/.ssh/id_rsa is never read."""
    alice = generate_ssh_key()
    alice_path = private_file(tmp_path / "alice" / ".ssh", "id_rsa", alice.private_key)
    bob = generate_ssh_key()
    private_file(tmp_path / "bob" / ".ssh", "id_rsa", bob.private_key)
    monkeypatch.setenv("HOME", str(tmp_path / "bob"))
    exported = GenericDriver(ip_address="127.0.0.20", ssh_key=str(alice_path)).to_dict()
    mocks = MachineMocks()
    out = run_program(mocks, generic_program(GenericDriver.from_dict(exported)))
    blob = everything(mocks, out)
    assert not holds(blob, bob.private_key) and not holds(blob, alice.private_key)
    assert mocks.one(DYNAMIC + "AuthorizedKey").inputs.get("user_key_path") is None


def test_a_key_given_by_value_is_the_machines_own():
    given = generate_ssh_key()
    mocks = MachineMocks()
    out = run_program(mocks, generic_program(GenericDriver(ip_address="127.0.0.20", ssh_private_key=given.private_key)))
    assert out["ssh_private_key"][0] == given.private_key
    assert not mocks.of_type(DYNAMIC + "SSHKey") and not mocks.of_type(DYNAMIC + "AuthorizedKey")
    assert out["driver_options"][0]["ssh_key"] is None, "no path of the user's is shared"


# ----- two teammates, one backend, the real engine ------------------------------------------------------------------


def exported_state(root: Path, stack: str) -> str:
    """The stack's state with its secrets decrypted, as anyone with the backend and passphrase sees it."""
    done = subprocess.run(
        ["pulumi", "stack", "export", "--show-secrets", "--stack", stack],
        cwd=root / "pulumi",
        capture_output=True,
        text=True,
        timeout=120,
        env=os.environ.copy(),
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def files_of(root: Path) -> str:
    return "\n".join(p.read_text(errors="replace") for p in root.rglob("*") if p.is_file() and not p.is_symlink())


@pytest.mark.remote_host
@pytest.mark.engine
def test_a_teammate_imports_the_machines_key_never_the_creators(
    world, remote_host, pulumi_engine, tmp_path, monkeypatch
):
    from tests.test_engine_cli import create_generic, machine

    host = remote_host
    backend = (tmp_path / "team-backend").as_uri()
    monkeypatch.setenv("PULUMI_BACKEND_URL", backend)
    monkeypatch.setenv("PULUMI_CONFIG_PASSPHRASE", "team passphrase")
    alice_key = host.ssh_key.read_text()  # A's personal key: the one the host lets root in with

    created = create_generic(world, host, "shared")
    assert created.returncode == 0, created.stdout + created.stderr
    assert not holds(exported_state(world.root, "shared"), alice_key), "A's key is not in the shared state"
    folder = world.root / "machines" / "shared"
    machine_key = (folder / "id_rsa").read_text()
    assert machine_key.strip() != alice_key.strip() and not (folder / "id_ed25519").exists(), (
        "the machine's own key, where docker-machine's generic driver keeps it"
    )
    assert json.loads((folder / "config.json").read_text())["Driver"]["SSHKeyPath"] == str(folder / "id_rsa")

    bob = generate_ssh_key()
    bob_home = tmp_path / "bob"
    private_file(bob_home / ".ssh", "id_rsa", bob.private_key)
    host.authorize(bob.public_key)  # B could log in with B's own key too: it must still stay on B's disk
    other = dataclasses.replace(
        world,
        root=tmp_path / "bob-store",
        env={**world.env, "MACHINE_STORAGE_PATH": str(tmp_path / "bob-store"), "HOME": str(bob_home)},
    )
    imported = machine(other, "import")
    assert imported.returncode == 0 and "Imported shared" in imported.stdout, imported.stdout + imported.stderr
    assert not holds(files_of(other.root), alice_key), "B's store holds nothing of A's key"
    assert (other.root / "machines" / "shared" / "id_rsa").read_text() == machine_key

    reached = machine(other, "ssh", "shared", "--", "echo", "reached")
    assert reached.returncode == 0 and reached.stdout == "reached\n", reached.stdout + reached.stderr
    assert ssh_with(host, other.root / "machines" / "shared" / "id_rsa", "true").returncode == 0

    refused = machine(other, "provision", "shared")
    assert refused.returncode == 1 and "imported from a store with another CA" in refused.stderr, refused.stderr
    shutil.copytree(world.root / "certs", other.root / "certs", dirs_exist_ok=True)  # the team's one CA
    provisioned = machine(other, "provision", "shared")
    assert provisioned.returncode == 0, provisioned.stdout + provisioned.stderr
    state = exported_state(other.root, "shared")
    assert not holds(state, bob.private_key), "B's provision put B's key nowhere in the state"
    assert not holds(state, alice_key)
    assert not holds(files_of(other.root), bob.private_key)

    removed = machine(other, "rm", "-y", "shared")
    assert removed.returncode == 0, removed.stdout + removed.stderr
    assert ssh_with(host, world.root / "machines" / "shared" / "id_rsa", "true").returncode == 255, (
        "rm took the machine's key off the host"
    )
    assert host.ssh("true").returncode == 0, "A's own key still lets A in"

"""A stack's outputs are untrusted: ``docker-machine import --stack`` through the real engine, no host needed.

A hostile stack (names that escape the store, options as user names), one whose outputs have the right
shape but do not make a machine (a key that is no key, labels that are no list) and one whose host keys are
no keys import nothing, not even the machines sorted before the bad one; good host keys become each
machine's pin.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pulumi
import pytest
from pulumi import automation as auto

from pulumi_docker_machine.components.cert import create_ca, issue_client_certificate
from pulumi_docker_machine.components.ssh import generate_ssh_key
from tests.test_engine_cli import machine

pytestmark = pytest.mark.engine

# A machine as a docker-machine stack exports it (pulumi_docker_machine/programs/declarative.py), on loopback.
BASE = {
    "driver": "generic",
    "ip": "127.0.0.9",
    "ssh_host": "127.0.0.9",
    "ssh_port": 22,
    "ssh_user": "root",
    "docker_host": "tcp://127.0.0.9:2376",
    "server_cert_pem": "",
    "engine": {},
    "power": "running",
}
NOT_A_KEY = "-----BEGIN OPENSSH PRIVATE KEY-----\nbm90IGEga2V5\n-----END OPENSSH PRIVATE KEY-----\n"


@pytest.fixture
def backend(tmp_path, monkeypatch, pulumi_engine):
    (tmp_path / "backend").mkdir()
    monkeypatch.setenv("PULUMI_CONFIG_PASSPHRASE", "untrusted")
    monkeypatch.setenv("PULUMI_BACKEND_URL", (tmp_path / "backend").as_uri())


@pytest.fixture(scope="module")
def pulumi_cli(built_engine) -> auto.PulumiCommand:
    """The module's stacks share one PulumiCommand: making one runs ``pulumi version``."""
    with pytest.MonkeyPatch.context() as patch:
        for key, value in built_engine.env().items():
            patch.setenv(key, value)
        return auto.PulumiCommand(root=str(built_engine.bin.parent))


def up_exporting(cli: auto.PulumiCommand, tmp_path: Path, name: str, machines: dict, keys: dict | None = None) -> Path:
    """Stack ``name`` (a project folder of its own) exporting ``machines`` with their private ``keys`` (default:
    one real key for all) beside a CA and client certificate; returns its folder."""
    ca = create_ca(name)
    client = issue_client_certificate(ca, f"{name}.client")
    key = generate_ssh_key().private_key

    def program() -> None:
        pulumi.export("machines", machines)
        pulumi.export("machine_ssh_keys", pulumi.Output.secret({m: key for m in machines} | (keys or {})))
        pulumi.export("ca_pem", pulumi.Output.secret(ca.cert_pem))
        pulumi.export("client_cert_pem", pulumi.Output.secret(client.cert_pem))
        pulumi.export("client_key_pem", pulumi.Output.secret(client.key_pem))

    project = tmp_path / name
    project.mkdir()
    auto.create_stack(
        name,
        project_name=name,
        program=program,
        opts=auto.LocalWorkspaceOptions(work_dir=str(project), pulumi_command=cli),
    ).up()
    return project


def import_stack(world, name: str, project: Path):
    return machine(world, "import", "--stack", name, "--cwd", str(project))


def assert_nothing_imported(world) -> None:
    assert not (world.root / "machines").exists() or list((world.root / "machines").iterdir()) == []


def test_import_of_a_hostile_stack_writes_nothing(world, backend, pulumi_cli, tmp_path):
    project = up_exporting(
        pulumi_cli,
        tmp_path,
        "hostile",
        {
            "../../escape": BASE,
            "sneaky": {**BASE, "ssh_user": "-oProxyCommand=touch /tmp/dmtest-pwned"},
            "fine": BASE,
        },
    )
    result = import_stack(world, "hostile", project)
    assert result.returncode == 1
    assert "nothing was imported" in result.stderr
    assert "machine name '../../escape': Invalid hostname specified" in result.stderr
    assert "sneaky: ssh_user '-oProxyCommand=touch /tmp/dmtest-pwned' is not a user name" in result.stderr
    assert_nothing_imported(world)
    assert not (world.root.parent / "escape").exists() and not (world.root / "escape").exists()


def test_import_of_a_shaped_but_malformed_stack_writes_nothing(world, backend, pulumi_cli, tmp_path):
    project = up_exporting(
        pulumi_cli,
        tmp_path,
        "shaped",
        {"aaa-fine": BASE, "mmm-badkey": BASE, "zzz-labels": {**BASE, "engine": {"labels": 5}}},
        keys={"mmm-badkey": NOT_A_KEY},
    )
    result = import_stack(world, "shaped", project)
    assert result.returncode == 1, result.stdout + result.stderr
    lines = result.stderr.strip().splitlines()
    assert lines[0] == "Error: stack 'shaped' exports machines this store can't take (nothing was imported):"
    # Checked first: what the outputs say; then each machine is written to a scratch store and loaded back.
    assert lines[1] == "zzz-labels: engine.labels is not a list of strings", lines
    assert len(lines) == 3 and lines[2].startswith("mmm-badkey: "), lines
    assert "Traceback" not in result.stderr
    assert_nothing_imported(world)


def host_key(tmp_path: Path) -> str:
    path = tmp_path / "host_ed25519"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(path)], check=True)
    return " ".join(Path(f"{path}.pub").read_text().split()[:2])


def test_import_stack_pins_each_machines_host_key(world, backend, pulumi_cli, tmp_path):
    key = host_key(tmp_path)
    project = up_exporting(
        pulumi_cli, tmp_path, "pins", {"web": {**BASE, "ssh_host_keys": [key]}, "old": {**BASE, "ssh_host_keys": []}}
    )
    result = import_stack(world, "pins", project)
    assert result.returncode == 0, result.stdout + result.stderr
    assert (world.root / "machines" / "web" / "known_hosts").read_text() == f"web {key}\n"
    assert not (world.root / "machines" / "old" / "known_hosts").exists(), "no key reported: pinned on first ssh"


def test_host_keys_that_are_no_keys_import_nothing(world, backend, pulumi_cli, tmp_path):
    key = host_key(tmp_path)
    project = up_exporting(
        pulumi_cli,
        tmp_path,
        "badpins",
        {
            "aaa": {**BASE, "ssh_host_keys": [key]},
            "zzz": {**BASE, "ssh_host_keys": [key + "\nProxyCommand=touch /tmp/x"]},
        },
    )
    result = import_stack(world, "badpins", project)
    assert result.returncode == 1, result.stdout + result.stderr
    lines = result.stderr.strip().splitlines()
    assert lines[0] == "Error: stack 'badpins' exports machines this store can't take (nothing was imported):"
    assert len(lines) == 2 and lines[1].startswith("zzz: ssh_host_keys holds "), lines
    assert_nothing_imported(world)

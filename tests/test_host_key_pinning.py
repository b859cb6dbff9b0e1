"""A machine's SSH host keys from its provisioning's output: parsed as untrusted text, exported as the
``ssh_host_keys`` output, pinned into STORE/machines/NAME/known_hosts (never over a pin), required by later
provisioning (pulumi-command's connection.hostKey). No host needed: the output is the mocks' and the stand-in's."""

from __future__ import annotations

import stat
import subprocess
from pathlib import Path

import pytest

from pulumi_docker_machine.components import DigitalOceanDriver, DockerMachine, DockerMachineArgs, MachineArgumentError
from pulumi_docker_machine.components.machine import OUTPUTS
from pulumi_docker_machine.components.ssh.hostkeys import (
    HOST_KEYS_BEGIN,
    HOST_KEYS_END,
    host_keys_from_output,
    parse_host_key,
    preferred,
)
from tests.conftest import MachineMocks, add_machine, run_program


def real_key(tmp_path: Path, kind: str) -> str:
    """A public key ssh-keygen made: ``TYPE BASE64``."""
    path = tmp_path / f"key-{kind}"
    subprocess.run(["ssh-keygen", "-q", "-t", kind, "-N", "", "-f", str(path)], check=True)
    return " ".join(Path(f"{path}.pub").read_text().split()[:2])


@pytest.fixture(scope="module")
def keys(tmp_path_factory, ssh_keygen) -> dict[str, str]:
    """Made once for the file: only read, and an RSA key costs ssh-keygen about 0.5 s of CPU."""
    folder = tmp_path_factory.mktemp("host-keys")
    return {kind: real_key(folder, kind) for kind in ("ed25519", "ecdsa", "rsa")}


def block(*lines: str) -> str:
    return "\n".join([HOST_KEYS_BEGIN, *lines, HOST_KEYS_END])


# ----- parsing what the script printed ----------------------------------------------------------------------------


def test_the_block_gives_valid_keys_ed25519_first(keys):
    out = "\n".join(
        [
            "Provisioning with Debian...",
            "Docker is up and running on port 2376!",
            block(keys["rsa"], keys["ecdsa"] + " root@host", keys["ed25519"]),
        ]
    )
    assert host_keys_from_output(out) == [keys["ed25519"], keys["ecdsa"], keys["rsa"]]
    assert preferred(host_keys_from_output(out)) == keys["ed25519"]


def test_lines_that_are_no_key_are_dropped(keys):
    ed_type, ed_blob = keys["ed25519"].split()
    rsa_blob = keys["rsa"].split()[1]
    out = block(
        f"ssh-rsa {ed_blob}",  # a blob of another type than the line says
        f"ssh-dss {ed_blob}",  # a type not on the list
        f"{ed_type} {ed_blob[:-4]}!!!!",  # not base64
        f"{ed_type} AAAAC3NzaC1lZDI1NTE5",  # the type's name and no key after it
        f'{ed_type} {ed_blob}";touch /tmp/x;"',
        "ProxyCommand=touch /tmp/x",
        "",
        f"ssh-rsa {rsa_blob}",
    )
    assert host_keys_from_output(out) == [keys["rsa"]]
    assert parse_host_key(f'{ed_type} {ed_blob}";touch /tmp/x;"') is None
    assert parse_host_key(f"{ed_type} {ed_blob}\nProxyCommand x") is None


def test_only_the_last_whole_block_counts(keys):
    assert host_keys_from_output(keys["ed25519"]) == [], "a key outside a block is just output"
    assert host_keys_from_output(HOST_KEYS_BEGIN + "\n" + keys["ed25519"]) == [], "no end line"
    assert host_keys_from_output(HOST_KEYS_END + "\n" + keys["ed25519"]) == []
    assert host_keys_from_output(block(keys["rsa"]) + "\nlater\n" + block(keys["ecdsa"])) == [keys["ecdsa"]]
    assert host_keys_from_output(None) == [] and host_keys_from_output(block()) == []


# ----- the component ----------------------------------------------------------------------------------------------


class ReportingMocks(MachineMocks):
    """The provisioning step's output carries a host-key block, as the script prints it."""

    def __init__(self, stdout: str) -> None:
        super().__init__()
        self.stdout = stdout

    def _run_command(self, inputs: dict) -> dict:
        return {"stdout": self.stdout, "stderr": ""}


def machine_out(mocks, monkeypatch, **args) -> dict:
    monkeypatch.setenv("DIGITALOCEAN_ACCESS_TOKEN", "dop_v1_test_token")

    def program():
        machine = DockerMachine("web", DockerMachineArgs(driver=DigitalOceanDriver(), **args))
        return {key: getattr(machine, key) for key in OUTPUTS}

    return run_program(mocks, program)


def test_the_machine_exports_the_keys_provisioning_saw_as_public_data(keys, monkeypatch):
    mocks = ReportingMocks("Docker is up and running on port 2376!\n" + block(keys["rsa"], keys["ed25519"]))
    out = machine_out(mocks, monkeypatch)
    assert out["ssh_host_keys"] == ([keys["ed25519"], keys["rsa"]], False)
    assert "hostKey" not in mocks.one("command:remote:Command").inputs["connection"], "nothing pinned yet"


def test_a_pinned_key_goes_to_the_provisioning_connection(keys, monkeypatch):
    mocks = ReportingMocks("no block: an older script")
    out = machine_out(mocks, monkeypatch, ssh_host_key=keys["ecdsa"])
    assert mocks.one("command:remote:Command").inputs["connection"]["hostKey"] == keys["ecdsa"]
    assert out["ssh_host_keys"] == ([keys["ecdsa"]], False), "the pin stands when the output has none"


def test_a_stopped_machine_keeps_its_pin(keys, monkeypatch):
    out = machine_out(ReportingMocks(""), monkeypatch, ssh_host_key=keys["ed25519"], power="stopped")
    assert out["ssh_host_keys"] == ([keys["ed25519"]], False)


def test_a_pin_that_is_no_key_is_refused_before_any_resource(keys, monkeypatch):
    mocks = ReportingMocks("")
    with pytest.raises(MachineArgumentError, match=r"ssh_host_key .* is not an SSH host key"):
        machine_out(mocks, monkeypatch, ssh_host_key=keys["ed25519"] + "\nProxyCommand=touch /tmp/x")
    assert mocks.resources == []


# ----- the store: the pin file, the outputs it comes from ---------------------------------------------------------


def outputs_for(world, name: str, **extra) -> dict:
    from pulumi_docker_machine.automation.storesync import outputs_plain

    folder = world.root / "machines" / name
    return outputs_plain(
        {
            "ip": "127.0.0.9",
            "ssh_user": "root",
            "ssh_port": 22,
            "docker_host": "tcp://127.0.0.9:2376",
            "ca_pem": (folder / "ca.pem").read_text(),
            "client_cert_pem": (folder / "cert.pem").read_text(),
            "client_key_pem": (folder / "key.pem").read_text(),
            "power": "running",
            **extra,
        }
    )


def test_write_machine_pins_the_keys_once_and_never_over_a_pin(world, keys):
    from pulumi_docker_machine.knownhosts import HostKeyPin
    from pulumi_docker_machine.automation.settings import MachineSpec
    from pulumi_docker_machine.automation.storesync import write_machine

    add_machine(world.root, "pinme", ip="127.0.0.9", engine_port=2376)
    store, spec = world.store(), MachineSpec(driver="generic")
    known = world.root / "machines" / "pinme" / "known_hosts"
    write_machine(
        store, "pinme", spec, outputs_for(world, "pinme", ssh_host_keys=[keys["rsa"], keys["ed25519"]]), backend=""
    )
    assert known.read_text() == f"pinme {keys['ed25519']}\npinme {keys['rsa']}\n"
    assert stat.S_IMODE(known.stat().st_mode) == 0o600
    pin = HostKeyPin.of(store, "pinme")
    assert pin.keys() == [keys["ed25519"], keys["rsa"]] and pin.preferred_key() == keys["ed25519"]

    write_machine(store, "pinme", spec, outputs_for(world, "pinme", ssh_host_keys=[keys["ecdsa"]]), backend="")
    assert known.read_text() == f"pinme {keys['ed25519']}\npinme {keys['rsa']}\n", "a pin is never replaced"


def test_a_pin_file_is_read_as_untrusted(world, keys):
    from pulumi_docker_machine.knownhosts import HostKeyPin

    add_machine(world.root, "pinme", ip="127.0.0.9", engine_port=2376)
    known = world.root / "machines" / "pinme" / "known_hosts"
    known.write_text(
        f"other {keys['ed25519']}\npinme {keys['rsa'].split()[0]} {keys['ed25519'].split()[1]}\n"
        f"# pinme {keys['ecdsa']}\npinme {keys['ecdsa']} a comment\n"
    )
    assert HostKeyPin.of(world.store(), "pinme").keys() == [keys["ecdsa"]]


@pytest.mark.parametrize(
    "value",
    [
        "ssh-ed25519 AAAA",
        ["ssh-ed25519 AAAA"],
        [1],
        [None],
        ["x"] * 6,
        {"ssh-ed25519": "AAAA"},
    ],
)
def test_outputs_whose_host_keys_are_no_keys_are_refused(world, keys, value):
    from pulumi_docker_machine.automation.untrusted import machine_problems

    add_machine(world.root, "pinme", ip="127.0.0.9", engine_port=2376)
    problems = machine_problems("pinme", outputs_for(world, "pinme", ssh_host_keys=value))
    assert len(problems) == 1 and problems[0].startswith("pinme: ssh_host_keys "), problems
    assert machine_problems("pinme", outputs_for(world, "pinme", ssh_host_keys=[keys["ed25519"]])) == []


def test_the_stack_config_carries_the_pin_as_plain_config(keys):
    from pulumi_docker_machine.automation.settings import NAMESPACE, MachineSpec, to_config

    certs = {"ca_pem": "c", "ca_key_pem": "k", "client_cert_pem": "c", "client_key_pem": "k"}
    assert to_config(MachineSpec(driver="generic"), certs, keys["ed25519"])[f"{NAMESPACE}:sshHostKey"] == (
        keys["ed25519"],
        False,
    )
    assert to_config(MachineSpec(driver="generic"), certs)[f"{NAMESPACE}:sshHostKey"] == ("", False)

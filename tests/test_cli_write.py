"""DigitalOcean machines (their API is out of reach) and CLI-only checks, over the Automation API with the
fake Pulumi CLI (tests/fakes/pulumi_cli.py). Everything the real engine can do is in tests/test_engine_*.py."""

from __future__ import annotations

import json
import os
import stat
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from pulumi_docker_machine.cli.app import cli
from pulumi_docker_machine.automation import MachineWorkspace
from pulumi_docker_machine.components.cert import chains_to
from pulumi_docker_machine.components.ssh import generate_ssh_key
from tests.conftest import add_legacy_machine
from tests.fakes.pulumi_cli import FakePulumiCommand

TOKEN = "dop_v1_0123456789abcdef"


@pytest.fixture
def fake(world, monkeypatch):
    """The fake CLI, injected into every workspace the commands open."""
    pulumi = FakePulumiCommand()
    original = MachineWorkspace.command

    def command(self):
        self.pulumi_command = pulumi
        return original(self)

    monkeypatch.setattr(MachineWorkspace, "command", command)
    monkeypatch.delenv("PULUMI_CONFIG_PASSPHRASE", raising=False)
    monkeypatch.delenv("PULUMI_CONFIG_PASSPHRASE_FILE", raising=False)
    monkeypatch.delenv("PULUMI_BACKEND_URL", raising=False)
    monkeypatch.delenv("DIGITALOCEAN_ACCESS_TOKEN", raising=False)
    return pulumi


def run(*args, input=None, env=None):
    return CliRunner().invoke(cli, list(args), input=input, env=env, catch_exceptions=False)


def create_do(name="dev", *extra):
    return run(
        "create",
        "-d",
        "digitalocean",
        "--digitalocean-access-token",
        TOKEN,
        "--digitalocean-region",
        "fra1",
        "--engine-label",
        "role=web",
        *extra,
        name,
    )


def test_create_runs_one_stack_per_machine(world, fake):
    result = create_do()
    assert result.exit_code == 0, result.output
    commands = fake.commands()
    # A machine new to the store: its stack is made at once (no failing select first), its empty config not read
    # back, and no history asked for after the update (each of those a pulumi process; most of them decrypt).
    assert commands[0] == ["stack", "init", "dev", "--secrets-provider", "passphrase"]
    assert not any(c[:1] == ["config"] and c[1:2] not in (["set"], ["set-all"]) for c in commands)
    assert not any(c[:2] in (["stack", "select"], ["stack", "history"]) for c in commands)
    assert [c for c in commands if c[:2] == ["stack", "output"]] == [
        ["stack", "output", "--json", "--show-secrets", "--stack", "dev"]
    ], "the outputs read once"
    set_all = next(c for c in commands if c[:2] == ["config", "set-all"])
    pairs = {
        set_all[i + 1].split("=", 1)[0]: (set_all[i], set_all[i + 1].split("=", 1)[1])
        for i in range(len(set_all) - 1)
        if set_all[i] in ("--plaintext", "--secret")
    }
    assert pairs["docker-machine:driver"] == ("--plaintext", "digitalocean")
    assert not any(flag == "--secret" for flag, _ in pairs.values()), "no secret among the arguments"
    assert not any(TOKEN in word or "PRIVATE KEY" in word for command in commands for word in command)
    through_stdin = dict(fake.stdin_values)
    assert through_stdin["docker-machine:driverSecret.access_token"] == TOKEN
    keys = json.loads(through_stdin["docker-machine:certKeys"])
    assert "PRIVATE KEY" in keys["caKey"] and "PRIVATE KEY" in keys["clientKey"]
    assert pairs["docker-machine:caCert"][0] == "--plaintext"
    assert json.loads(pairs["docker-machine:driverOptions"][1]) == {"region": "fra1"}
    assert json.loads(pairs["docker-machine:engine"][1])["labels"] == ["role=web"]
    up = next(c for c in commands if c[0] == "up")
    assert up[:3] == ["up", "--yes", "--skip-preview"]
    assert "--exec-kind" in up and up[up.index("--exec-kind") + 1] == "auto.inline"
    assert any(a.startswith("--client=127.0.0.1:") for a in up), "the inline program is served to the engine"
    assert up[-2:] == ["--stack", "dev"]

    env = fake.env_of(("up",))
    assert env["PULUMI_BACKEND_URL"] == (world.root / "state").as_uri()
    assert env["PULUMI_PYTHON_CMD"] == sys.executable
    passphrase = world.root / "pulumi" / "passphrase"
    assert env["PULUMI_CONFIG_PASSPHRASE_FILE"] == str(passphrase)
    assert stat.S_IMODE(passphrase.stat().st_mode) == 0o600
    assert (world.root / "pulumi" / "Pulumi.dev.yaml").exists(), "the workspace (and its salt) stays in the store"
    assert "backend:" in (world.root / "pulumi" / "Pulumi.yaml").read_text()

    lines = result.output.splitlines()
    assert lines[:2] == ["Running pre-create checks...", "Creating machine..."]
    assert lines.index("Creating SSH key...") < lines.index("Waiting for SSH to be available...")
    assert lines[-2:] == [
        "Docker is up and running!",
        "To see how to connect your Docker Client to the Docker Engine running on this virtual "
        "machine, run: docker-machine env dev",
    ]

    host = world.store().load("dev")
    assert (host.driver_name, host.ip, host.url) == ("digitalocean", "127.0.0.2", "tcp://127.0.0.2:2376")
    assert host.pulumi["Spec"]["driver_options"] == {"region": "fra1"}
    assert chains_to((host.machine_dir / "server.pem").read_text(), (world.root / "certs" / "ca.pem").read_text())
    assert stat.S_IMODE((host.machine_dir / "id_ed25519").stat().st_mode) == 0o600
    assert (world.docker_config / "contexts" / "meta").exists()
    for path in [*world.root.rglob("config.json"), *world.docker_config.rglob("meta.json")]:
        assert TOKEN not in path.read_text()
    assert TOKEN not in result.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["create", "-d", "digitalocean", "dev"],
            "Error setting machine configuration from flags provided: digitalocean driver requires the --digitalocean-access-token option",
        ),
        (
            ["create", "-d", "generic", "dev"],
            "Error setting machine configuration from flags provided: generic driver requires the --generic-ip-address option",
        ),
        (
            [
                "create",
                "-d",
                "digitalocean",
                "--digitalocean-access-token",
                "t",
                "--digitalocean-region",
                "Mars",
                "dev",
            ],
            "Error setting machine configuration from flags provided: digitalocean region 'Mars' is not a region slug",
        ),
        (
            ["create", "-d", "digitalocean", "--digitalocean-access-token", "t", "--tls-san", "bad name", "dev"],
            "Error setting machine configuration from flags provided: invalid TLS SAN 'bad name'",
        ),
        (
            [
                "create",
                "-d",
                "digitalocean",
                "--digitalocean-access-token",
                "t",
                "--engine-opt",
                "tlsverify=false",
                "dev",
            ],
            "Error setting machine configuration from flags provided: --engine-opt 'tlsverify=false' can't be set this way",
        ),
        (
            ["create", "-d", "digitalocean", "--digitalocean-access-token", "t", "bad_name"],
            "Error creating machine: Invalid hostname specified. Allowed hostname chars are: 0-9a-zA-Z . -",
        ),
        (
            ["create", "dev"],
            'Error with pre-create check: "VirtualBox is not installed; install it or pick another --driver"',
        ),
        (
            [
                "create",
                "-d",
                "digitalocean",
                "--digitalocean-access-token",
                "t",
                *["--engine-label", "x=" + "y" * 1000] * 130,
                "dev",
            ],
            "Error setting machine configuration from flags provided: the engine options make the provisioning script",
        ),
        (
            ["create", "-d", "amazonec2", "--amazonec2-root-size", "100000", "dev"],
            "Error setting machine configuration from flags provided: amazonec2 root size 100000 is not a whole number of GiB from 8 to 65536",
        ),
        (
            ["create", "-d", "amazonec2", "--amazonec2-tags", ",value", "dev"],
            "Error setting machine configuration from flags provided: amazonec2 tag ''='value': a tag needs a non-empty key",
        ),
        (
            ["create", "-d", "generic", "--generic-ip-address", "127.0.0.5", "--generic-ssh-key", "PUBKEY", "dev"],
            "Error setting machine configuration from flags provided: generic ssh key PUBKEY is not an unencrypted private key",
        ),
        (
            [
                "create",
                "-d",
                "generic",
                "--generic-ip-address",
                "127.0.0.5",
                "--generic-ssh-user",
                "-oProxyCommand=x",
                "--generic-ssh-key",
                "PRIVKEY",
                "dev",
            ],
            "Error setting machine configuration from flags provided: generic ssh_user '-oProxyCommand=x' is not a user name",
        ),
        (
            ["create", "-d", "generic", "--generic-ip-address", "300.1.1.1", "--generic-ssh-key", "PRIVKEY", "dev"],
            "Error setting machine configuration from flags provided: generic ip_address '300.1.1.1' is neither an IP "
            "address nor a host name",
        ),
        (
            [
                "create",
                "-d",
                "generic",
                "--generic-ip-address",
                "-oProxyCommand=x",
                "--generic-ssh-key",
                "PRIVKEY",
                "dev",
            ],
            "Error setting machine configuration from flags provided: generic ip_address '-oProxyCommand=x' is neither "
            "an IP address nor a host name",
        ),
        (
            ["create", "-d", "digitalocean", "--digitalocean-access-token", "t", "x" * 64],
            "Error creating machine: Invalid hostname specified: at most 63 characters",
        ),
        (
            ["create", "-d", "digitalocean", "--digitalocean-access-token", "t", "dev\n"],
            "Error creating machine: Invalid hostname specified. Allowed hostname chars are: 0-9a-zA-Z . -",
        ),
    ],
)
def test_bad_names_flags_and_pre_create_checks_create_nothing(world, fake, args, message, monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))  # no VBoxManage anywhere
    pair = generate_ssh_key()
    (tmp_path / "id.pub").write_text(pair.public_key)
    (tmp_path / "id").write_text(pair.private_key)
    args = [{"PUBKEY": str(tmp_path / "id.pub"), "PRIVKEY": str(tmp_path / "id")}.get(a, a) for a in args]
    message = message.replace("PUBKEY", str(tmp_path / "id.pub"))
    result = run(*args)
    # docker-machine: 3 only when a driver's pre-create check fails; a bad name or flag is 1, said before
    # "Running pre-create checks...".
    pre_create = message.startswith("Error with pre-create check")
    assert result.exit_code == (3 if pre_create else 1)
    assert result.output.splitlines()[-1].startswith(message)
    assert ("Running pre-create checks..." in result.output) == pre_create
    assert fake.calls == [], "no stack, no Pulumi call"
    assert not (world.root / "machines").exists() or not list((world.root / "machines").iterdir())


def test_an_empty_flag_value_is_refused_not_replaced_by_the_default(world, fake):
    result = run("create", "-d", "digitalocean", "--digitalocean-access-token", "t", "--digitalocean-region", "", "dev")
    assert result.exit_code != 0 and fake.calls == []
    assert "Invalid value for --digitalocean-region: is empty: give a value, or leave the flag out" in result.output


def test_existing_machine_is_refused(world, fake):
    assert create_do().exit_code == 0
    again = create_do()
    assert (again.exit_code, again.output) == (1, 'Docker machine "dev" already exists\n')


def test_rm_force_forgets_even_when_the_cloud_side_fails(world, fake):
    assert create_do().exit_code == 0
    fake.fail_destroy_with = "droplet 412345678: 403 Forbidden"
    refused = run("rm", "-y", "dev")
    assert refused.exit_code == 1 and "Error removing host 'dev'" in refused.output and world.store().exists("dev")
    forced = run("rm", "-f", "dev")
    assert forced.exit_code == 0
    assert "WARNING: the cloud side of 'dev' could not be removed" in forced.output
    assert not world.store().exists("dev") and "dev" in fake.stacks, "the stack is kept for a later retry"


def test_create_again_after_rm_force_opens_the_kept_stack_and_reads_its_config(world, fake):
    assert create_do().exit_code == 0
    fake.fail_destroy_with = "droplet 412345678: 403 Forbidden"
    assert run("rm", "-f", "dev").exit_code == 0 and "dev" in fake.stacks
    fake.fail_destroy_with = None
    fake.calls.clear()
    fake.stdin_values.clear()
    again = create_do()
    assert again.exit_code == 0, again.output
    commands = fake.commands()
    assert commands[0][:3] == ["stack", "init", "dev"] and commands[1][:2] == ["config", "set-all"]
    assert not any(c[:2] == ["stack", "select"] for c in commands), "init said it exists: no select to tell that"
    assert any(c[:1] == ["config"] and "--show-secrets" in c for c in commands), "its secrets compared"
    assert not fake.stdin_values, "the kept stack's secrets are the same: none set again"
    assert world.store().exists("dev")


def test_rm_destroys_and_removes_the_stack_without_asking_its_history(world, fake):
    assert create_do().exit_code == 0
    fake.calls.clear()
    removed = run("rm", "-y", "dev")
    assert removed.exit_code == 0, removed.output
    commands = fake.commands()
    assert any(c[:1] == ["destroy"] for c in commands) and "dev" not in fake.stacks
    assert not any(c[:2] == ["stack", "history"] for c in commands), "a summary nothing reads (a decrypting process)"


def test_rm_of_a_machine_the_original_docker_machine_made(world, fake):
    add_legacy_machine(world.root)
    refused = run("rm", "-y", "legacy")
    assert refused.exit_code == 1 and "made by the original docker-machine" in refused.output
    assert run("rm", "-f", "legacy").exit_code == 0 and not world.store().exists("legacy")
    assert fake.calls == []


def test_stop_start_kill_through_the_wanted_power_state(world, fake):
    assert create_do().exit_code == 0
    stopped = run("stop", "dev")
    assert stopped.output.startswith('Stopping "dev"...') and stopped.output.endswith('Machine "dev" was stopped.\n')
    assert fake.stacks["dev"].config["docker-machine:power"]["value"] == "stopped"
    assert world.store().load("dev").stopped_by_us
    assert run("ls").output.splitlines()[1].split()[:4] == ["dev", "-", "digitalocean", "Stopped"]
    assert run("env", "dev").output == "Error checking TLS connection: Host is not running\n"
    again = run("stop", "dev")
    assert (again.exit_code, again.output.splitlines()[-1]) == (1, 'Machine "dev" is already stopped.')
    started = run("start", "dev")
    assert started.exit_code == 0 and started.output.endswith('Machine "dev" was started.\n')
    assert fake.stacks["dev"].config["docker-machine:power"]["value"] == "running"
    assert fake.stacks["dev"].config["docker-machine:driverSecret.access_token"]["value"] == TOKEN, (
        "a later update keeps the stack's credentials"
    )
    killed = run("kill", "dev")
    assert killed.exit_code == 0
    assert fake.stacks["dev"].config["docker-machine:forceStop"]["value"] == "true"


def test_generic_machines_do_not_start_or_stop(world, fake, tmp_path):
    key = tmp_path / "id"
    key.write_text(generate_ssh_key().private_key)
    assert (
        run(
            "create", "-d", "generic", "--generic-ip-address", "127.0.0.5", "--generic-ssh-key", str(key), "box"
        ).exit_code
        == 0
    )
    for action in ("start", "stop", "kill"):
        result = run(action, "box")
        assert (result.exit_code, result.output.splitlines()[-1]) == (1, f"generic driver does not support {action}")


def test_several_machines_at_once_and_an_unknown_name_stops_before_any(world, fake):
    assert create_do("a").exit_code == 0
    assert create_do("b").exit_code == 0
    # docker-machine 0.16.2's runAction loads every machine first: one that does not exist stops the command
    # before any machine is touched.
    result = run("stop", "a", "b", "nope")
    assert result.exit_code == 1
    assert result.output.startswith('Docker machine "nope" does not exist.') and "was stopped" not in result.output
    assert [world.store().load(n).stopped_by_us for n in ("a", "b")] == [False, False]
    result = run("stop", "a", "b")
    assert result.exit_code == 0, result.output
    assert '(a) Machine "a" was stopped.' in result.output and '(b) Machine "b" was stopped.' in result.output


def test_regenerate_client_certs_once_for_all_machines(world, fake):
    assert create_do("a").exit_code == 0
    assert create_do("b").exit_code == 0
    assert run("regenerate-certs", "-f", "--client-certs", "a", "b").exit_code == 0
    new_ca = (world.root / "certs" / "ca.pem").read_text()
    assert fake.stacks["a"].config["docker-machine:caCert"]["value"] == new_ca
    assert fake.stacks["b"].config["docker-machine:caCert"]["value"] == new_ca


def test_no_pulumi_cli_and_no_way_to_install_it(world, monkeypatch, tmp_path):
    from pulumi.automation import PulumiCommand

    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.delenv("DOCKER_MACHINE_PULUMI_INSTALL")

    def offline(*args, **kwargs):
        raise OSError("network is unreachable")

    monkeypatch.setattr(PulumiCommand, "install", offline)
    result = run("create", "-d", "digitalocean", "--digitalocean-access-token", "t", "dev")
    assert result.exit_code == 1
    assert "The Pulumi CLI is not installed: installing it into" in result.output
    assert result.output.splitlines()[-1] == (
        "Error: could not install the Pulumi CLI (network is unreachable): "
        "install it by hand with 'curl -fsSL https://get.pulumi.com | sh'"
    )


def test_never_install_refuses_to_fetch_the_cli(world, monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))
    result = run("create", "-d", "digitalocean", "--digitalocean-access-token", "t", "dev")
    assert result.exit_code == 1
    assert result.output.splitlines()[-1].startswith(
        "Error: the Pulumi CLI is not installed, and DOCKER_MACHINE_PULUMI_INSTALL=never forbids fetching it"
    )


def test_create_help_lists_the_chosen_drivers_flags(world):
    do = run("create", "-d", "digitalocean", "--help").output
    assert "--digitalocean-access-token" in do and "--amazonec2-region" not in do
    aws = run("create", "--driver=amazonec2", "--help").output
    assert "--amazonec2-instance-type" in aws and "--digitalocean-region" not in aws
    assert "--virtualbox-memory" in run("create", "--help").output, "virtualbox is the default driver"


def test_an_existing_storage_folder_keeps_its_mode(world, fake):
    world.root.mkdir(mode=0o755)
    world.root.chmod(0o755)
    assert create_do().exit_code == 0
    assert stat.S_IMODE(world.root.stat().st_mode) == 0o755, "not ours to chmod"
    assert stat.S_IMODE((world.root / "machines" / "dev").stat().st_mode) == 0o700


def test_a_storage_path_that_is_a_file_is_one_line(world, tmp_path):
    import subprocess

    not_a_folder = tmp_path / "a-file"
    not_a_folder.write_text("x")
    result = subprocess.run(
        [
            str(Path(sys.executable).parent / "docker-machine"),
            "-s",
            str(not_a_folder),
            "create",
            "-d",
            "generic",
            "--generic-ip-address",
            "127.0.0.5",
            "box",
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        f"Error: the storage path {not_a_folder} is not a folder: give -s/--storage-path (or MACHINE_STORAGE_PATH) "
        "a folder"
    ]


def test_user_data_is_a_secret_and_its_path_is_kept(world, fake, tmp_path):
    user_data = tmp_path / "cloud-init.yaml"
    user_data.write_text("#cloud-config\nwrite_files: [{path: /etc/app-token, content: s3cr3t-token}]\n")
    result = create_do("dev", "--digitalocean-userdata", str(user_data))
    assert result.exit_code == 0, result.output
    assert dict(fake.stdin_values)["docker-machine:driverSecret.user_data"] == user_data.read_text()
    assert not any("s3cr3t-token" in word for command in fake.commands() for word in command)
    stored = (world.root / "machines" / "dev" / "config.json").read_text()
    assert "s3cr3t-token" not in stored and str(user_data) in stored
    outputs = fake.stacks["dev"].outputs
    assert "s3cr3t-token" not in json.dumps(outputs)
    assert outputs["driver_options"]["user_data_file"] == str(user_data)


@pytest.mark.parametrize("make", ["dev-zero", "too-big", "folder"])
def test_user_data_that_is_not_a_small_file_is_refused(world, fake, tmp_path, make):
    path = {"dev-zero": "/dev/zero", "too-big": str(tmp_path / "big"), "folder": str(tmp_path)}[make]
    if make == "too-big":
        os.truncate(path if os.path.exists(path) else open(path, "w").name, 65 * 1024)
    result = create_do("dev", "--digitalocean-userdata", path)
    assert result.exit_code != 0 and fake.calls == []  # the installed script makes it 1: test_cli_app.py
    assert (
        "is larger than the 65536 bytes this cloud takes" if make == "too-big" else "is not a regular file"
    ) in result.output

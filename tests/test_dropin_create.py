"""Issue #22 §1, create and env as a docker-machine 0.16.2 user meets them, through the installed script, without
the engine: an unknown ``--shell`` gets bash's syntax, an unknown driver is one line (exit 1) even with ``--help``,
``create --help`` says how to list a driver's flags, and a missing Pulumi CLI is said before anything is made."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from pulumi_docker_machine.components.drivers import names

SCRIPT = Path(sys.executable).parent / "docker-machine"
DRIVERS = ", ".join(names())  # the built-ins and any installed plugin, in order


def dm(world, *args: str, **env: str) -> subprocess.CompletedProcess:
    variables = {**os.environ, **world.env, **env}
    return subprocess.run([str(SCRIPT), *args], capture_output=True, text=True, env=variables, timeout=60)


def test_env_with_a_shell_docker_machine_does_not_know_prints_bash_syntax(world, engine):
    bash = dm(world, "env", "--shell", "bash", "dev")
    other = dm(world, "env", "--shell", "nosuch", "dev")
    assert bash.returncode == other.returncode == 0, other.stderr
    # 0.16.2's env.go: every unknown name takes the default case (export ...="..."; eval $(...)).
    assert other.stdout == bash.stdout.replace("--shell bash", "--shell nosuch")
    assert other.stdout.splitlines()[0] == 'export DOCKER_TLS_VERIFY="1"'
    assert other.stdout.splitlines()[-1] == "# eval $(docker-machine env --shell nosuch dev)"
    unset = dm(world, "env", "-u", "--shell", "nosuch")
    assert unset.returncode == 0 and unset.stdout.splitlines()[:2] == ["unset DOCKER_TLS_VERIFY", "unset DOCKER_HOST"]
    # The name goes into the hint's comment line: a line break there would end the comment.
    broken = dm(world, "env", "--shell", "ba\nsh", "dev")
    assert broken.returncode == 1 and broken.stdout == ""
    assert (
        broken.stderr
        == "Error: --shell 'ba\\nsh' holds a control character ('\\n'): give a shell name such as bash or fish\n"
    )
    swarm = dm(world, "swarm", "env", "--shell", "nosuch", "nope")
    assert swarm.returncode == 1 and "does not exist" in swarm.stderr, "swarm env takes any --shell name too"


@pytest.mark.parametrize(
    "args",
    [
        ("create", "-d", "nosuch", "--help"),
        ("create", "--help", "--driver=nosuch"),
        ("create", "-dnosuch", "dev"),
        ("swarm", "create", "-d", "nosuch", "--help"),
    ],
)
def test_an_unknown_driver_is_one_line_and_exit_1_even_with_help(world, args):
    done = dm(world, *args)
    assert (done.returncode, done.stdout) == (1, ""), done.stdout
    assert done.stderr == f'Driver "nosuch" not found: choose one of {DRIVERS}\n'
    assert not world.root.exists()


def test_an_unknown_driver_from_MACHINE_DRIVER_is_refused_too(world):
    done = dm(world, "create", "--help", MACHINE_DRIVER="gone")
    assert done.returncode == 1 and done.stderr.startswith('Driver "gone" not found')


def test_create_help_says_how_to_list_a_drivers_flags(world):
    done = dm(world, "create", "--help")
    assert done.returncode == 0
    assert "'docker-machine create -d DRIVER --help' lists another driver's flags" in done.stdout
    assert "--virtualbox-memory" in done.stdout, "the default driver's flags are listed"
    generic = dm(world, "create", "-d", "generic", "--help")
    assert "--generic-ip-address" in generic.stdout and "--virtualbox-memory" not in generic.stdout


@pytest.mark.parametrize("swarm", [(), ("--swarm-master", "--swarm")])
def test_a_missing_pulumi_cli_is_said_before_creating_machine_and_nothing_is_made(world, tmp_path, swarm):
    empty = tmp_path / "bin"  # no pulumi on PATH, none in the store, and no download allowed
    empty.mkdir()
    done = dm(
        world,
        "create",
        "-d",
        "none",
        "--url",
        "tcp://127.0.0.21:2376",
        *swarm,
        "dev",
        PATH=str(empty),
        DOCKER_MACHINE_PULUMI_INSTALL="never",
    )
    # After the driver's checks (their exit 3 first, as docker-machine's), before "Creating machine...".
    assert done.returncode == 1 and done.stdout == "Running pre-create checks...\n", done.stdout
    assert done.stderr.startswith("Error: the Pulumi CLI is not installed, and DOCKER_MACHINE_PULUMI_INSTALL=never")
    assert len(done.stderr.splitlines()) == 1
    assert not (world.root / "machines").exists() and not (world.root / "swarms").exists()


def test_a_users_mistake_is_said_before_a_missing_pulumi_cli(world, tmp_path):
    empty = tmp_path / "bin"
    empty.mkdir()
    done = dm(
        world, "create", "-d", "none", "--url", "ftp://x", "dev", PATH=str(empty), DOCKER_MACHINE_PULUMI_INSTALL="never"
    )
    assert done.returncode == 1 and "Pulumi CLI" not in done.stderr and "url 'ftp://x' is not" in done.stderr, (
        done.stderr
    )


@pytest.mark.parametrize("swarm", [(), ("--swarm-master",)])
def test_the_drivers_pre_create_check_comes_before_a_missing_pulumi_cli(world, tmp_path, swarm):
    empty = tmp_path / "bin"  # neither VBoxManage (the default driver's) nor pulumi
    empty.mkdir()
    done = dm(world, "create", *swarm, "dev", PATH=str(empty), DOCKER_MACHINE_PULUMI_INSTALL="never")
    assert (done.returncode, done.stdout) == (3, "Running pre-create checks...\n"), done.stderr
    assert (
        done.stderr
        == 'Error with pre-create check: "VirtualBox is not installed; install it or pick another --driver"\n'
    )
    assert not (world.root / "machines").exists()

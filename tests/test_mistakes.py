"""Twenty mistakes a user makes, through the installed ``docker-machine``: each is refused with one line on standard
error that names the fix (or, where docker-machine's own words are kept, what to run next), docker-machine's exit
code (3 for a failed pre-create check, 1 for the rest), and nothing made.

No engine runs: ``pulumi`` on PATH is a stand-in that answers ``version`` and refuses anything else, so a mistake
that slipped through to the engine would fail here with the stand-in's words, not the expected line."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from pulumi_docker_machine.store.lock import store_lock
from tests.conftest import add_machine

SCRIPT = str(Path(sys.executable).parent / "docker-machine")
VERSION = "v3.260.0"  # the SDK's pin: the stand-in's version is checked against its minimum
DO_SPEC = {"Spec": {"driver": "digitalocean", "driver_options": {"region": "fra1"}}}
NONE_URL = ["-d", "none", "--url", "tcp://127.0.0.1:2376"]

# (what the user typed, the exit code, words the one line must hold: the problem and its fix)
MISTAKES = {
    "unknown flag": (["ls", "--nosuch"], 1, ["No such option '--nosuch'", "see 'docker-machine ls --help'"]),
    "unknown command": (["lss"], 1, ["No such command 'lss'", "see 'docker-machine --help'"]),
    "flag value of the wrong kind": (["ls", "-t", "soon"], 1, ["'soon' is not a valid integer", "ls --help"]),
    "empty flag value": (
        ["create", "-d", "digitalocean", "--digitalocean-access-token", "t", "--digitalocean-size", "", "x"],
        1,
        ["--digitalocean-size", "give a value, or leave the flag out"],
    ),
    "wrong driver": (["create", "-d", "virtualbx", "x"], 1, ['Driver "virtualbx" not found', "choose one of"]),
    "missing credential": (
        ["create", "-d", "digitalocean", "x"],
        1,
        ["--digitalocean-access-token", "DIGITALOCEAN_ACCESS_TOKEN"],
    ),
    "missing address": (["create", "-d", "generic", "x"], 1, ["--generic-ip-address", "give the host's address"]),
    "key file that is not there": (
        ["create", "-d", "generic", "--generic-ip-address", "10.0.0.1", "--generic-ssh-key", "/nonexistent/id", "x"],
        1,
        ["/nonexistent/id does not exist", "give --generic-ssh-key the path of your private key"],
    ),
    "URL of the wrong form": (
        ["create", "-d", "none", "--url", "http://10.0.0.1", "x"],
        1,
        ["not tcp://ADDRESS:PORT", "give the Docker host's TLS address"],
    ),
    "label without a value": (
        ["create", *NONE_URL, "--engine-label", "web", "x"],
        1,
        ["--engine-label 'web'", "key=value"],
    ),
    "bad machine name": (["create", *NONE_URL, "my_box"], 1, ["Allowed hostname chars are: 0-9a-zA-Z . -"]),
    "pre-create check fails": (
        ["create", "-d", "virtualbox", "x"],
        3,
        ["VirtualBox is not installed", "install it or pick another --driver"],
    ),
    "no Pulumi CLI, and fetching it forbidden": (
        ["create", *NONE_URL, "x"],
        1,
        ["Pulumi CLI is not installed", "install it (make engine, or 'curl -fsSL https://get.pulumi.com | sh')"],
    ),
    "unknown machine": (["ip", "nosuch"], 1, ['"nosuch" does not exist', 'Use "docker-machine ls"']),
    "unknown swarm": (["swarm", "rm", "-y", "nosuch"], 1, ['"nosuch" does not exist', "docker-machine swarm ls"]),
    "machine busy": (["stop", "do"], 1, ["'do' is busy", "try again when that one has finished", "--force-unlock"]),
    "corrupt state": (["inspect", "broken"], 1, ["not valid JSON", 'remove it with "docker-machine rm -f broken"']),
    "control character for a shell": (["env", "--shell", "ba\x01sh", "dev"], 1, ["give a shell name"]),
    "bad template": (["inspect", "-f", "{{.Driver", "dev"], 1, ["unclosed template action", "use {{.Field}}"]),
    "unknown completion shell": (["completion", "tcsh"], 1, ["shell 'tcsh'", "give bash, zsh or fish"]),
}


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """A store (dev, a DigitalOcean machine do, a machine whose config.json is broken) and a PATH whose pulumi is
    the stand-in; nothing else on PATH (no VBoxManage, whatever the host has)."""
    root = tmp_path_factory.mktemp("mistakes") / "store"
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]
    add_machine(root, "dev", ip="127.0.0.1", engine_port=closed, docker_context=False)
    add_machine(root, "do", ip="127.0.0.1", engine_port=closed, driver="digitalocean", pulumi_extra=DO_SPEC)
    add_machine(root, "broken", ip="127.0.0.1", engine_port=closed, docker_context=False)
    (root / "machines" / "broken" / "config.json").write_text("{not json")
    bin_dir = root.parent / "bin"
    bin_dir.mkdir()
    standin = bin_dir / "pulumi"
    standin.write_text(f'#!/bin/sh\n[ "$1" = version ] && echo {VERSION} && exit 0\necho "stand-in: $*" >&2\nexit 1\n')
    standin.chmod(0o755)
    empty = root.parent / "empty"
    empty.mkdir()
    env = {key: value for key, value in os.environ.items() if not key.startswith(("DIGITALOCEAN", "AWS_", "DOCKER_"))}
    env.update(MACHINE_STORAGE_PATH=str(root), PATH=str(bin_dir), DOCKER_MACHINE_PULUMI_INSTALL="never")
    return root, env, empty


def listing(root: Path) -> list[str]:
    skip = (".locks", "pulumi-cli-version.json")  # lock files; the Pulumi CLI's version, remembered
    return sorted(str(path.relative_to(root)) for path in root.rglob("*") if not set(skip) & set(path.parts))


@pytest.mark.parametrize("mistake", list(MISTAKES))
def test_a_mistake_is_one_line_naming_the_fix(world, mistake):
    root, env, empty = world
    args, code, words = MISTAKES[mistake]
    if mistake == "no Pulumi CLI, and fetching it forbidden":
        env = {**env, "PATH": str(empty)}
    before = listing(root)
    if mistake == "machine busy":  # another command holds the machine
        with store_lock(root, "machine.do", wait=False):
            done = subprocess.run([SCRIPT, *args], env=env, capture_output=True, text=True, stdin=subprocess.DEVNULL)
    else:
        done = subprocess.run([SCRIPT, *args], env=env, capture_output=True, text=True, stdin=subprocess.DEVNULL)
    assert done.returncode == code, done.stderr
    assert done.stderr.endswith("\n") and done.stderr.count("\n") == 1, f"one line: {done.stderr!r}"
    missing = [word for word in words if word not in done.stderr]
    assert not missing, f"{done.stderr!r} lacks {missing}"
    assert "Traceback" not in done.stderr and "stand-in" not in done.stderr
    assert listing(root) == before, "nothing made, nothing changed"


def test_twenty():
    assert len(MISTAKES) == 20


@pytest.mark.parametrize("command", ["upgrade", "provision", "start", "stop", "kill", "restart"])
def test_an_unknown_machine_is_said_before_any_step(world, command):
    """docker-machine loads every machine before acting on any (runAction): no "Upgrading docker..." first."""
    _root, env, _ = world
    done = subprocess.run(
        [SCRIPT, command, "nosuch"], env=env, capture_output=True, text=True, stdin=subprocess.DEVNULL
    )
    assert (done.returncode, done.stdout) == (1, ""), done.stdout + done.stderr
    assert done.stderr.startswith('Docker machine "nosuch" does not exist.'), done.stderr

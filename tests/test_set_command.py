"""``docker-machine set`` and ``provision --engine-env/--engine-opt`` through the CLI, no engine.

Refusals run the installed ``docker-machine`` on a store written here, with a ``pulumi`` stand-in that answers only
``version``: each is one line on standard error, exit 1, and the store unchanged (anything that reached the engine
would fail with the stand-in's words). The changes that go through run with the fake Pulumi CLI
(tests/fakes/pulumi_cli.py): the program under mocks, the provider's own diff for the qemu VM."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from pulumi_docker_machine.cli.commands import COMMANDS
from pulumi_docker_machine.components.drivers import REGISTRY, describe, driver_class
from pulumi_docker_machine.automation.resize import KINDS
from pulumi_docker_machine.components.ssh import generate_ssh_key
from pulumi_docker_machine.knownhosts import HostKeyPin
from tests.conftest import add_machine
from tests.test_cli_write import TOKEN, create_do, fake, run  # noqa: F401 - fake: the fixture
from tests.test_mistakes import listing

SCRIPT = str(Path(sys.executable).parent / "docker-machine")
VERSION = "v3.260.0"


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    """qemu machine q (1024 MiB, 4000 MiB disk, running), generic g, DigitalOcean do, EC2 ec2 (t3.micro)."""
    root = tmp_path_factory.mktemp("set") / "store"
    image = root.parent / "base.qcow2"
    image.write_bytes(b"QFI\xfb")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]
    qemu = {"image": str(image), "memory": 1024, "disk_size": 4000, "accel": "tcg", "arch": "x86_64"}
    specs = {
        "q": ("qemu", {**qemu, "storage_path": str(root)}),
        "g": ("generic", {"ip_address": "127.0.0.1"}),
        "do": ("digitalocean", {"region": "fra1"}),
        "ec2": ("amazonec2", {"region": "eu-west-1", "instance_type": "t3.micro"}),
        "vb": ("virtualbox", {"memory": 1024, "disk_size": 20000, "storage_path": str(root)}),
    }
    for name, (driver, options) in specs.items():
        spec = {"driver": driver, "driver_options": options, "engine": {"env": ["HTTP_PROXY=http://old:3128"]}}
        add_machine(root, name, ip="127.0.0.1", engine_port=closed, driver=driver, pulumi_extra={"Spec": spec})
    bin_dir = root.parent / "bin"
    bin_dir.mkdir()
    standin = bin_dir / "pulumi"
    standin.write_text(f'#!/bin/sh\n[ "$1" = version ] && echo {VERSION} && exit 0\necho "stand-in: $*" >&2\nexit 1\n')
    standin.chmod(0o755)
    env = {key: value for key, value in os.environ.items() if not key.startswith(("DIGITALOCEAN", "AWS_", "QEMU_"))}
    env.update(MACHINE_STORAGE_PATH=str(root), PATH=str(bin_dir), DOCKER_MACHINE_PULUMI_INSTALL="never")
    return root, env


def machine(store, *args: str) -> subprocess.CompletedProcess:
    _root, env = store
    return subprocess.run([SCRIPT, *args], env=env, capture_output=True, text=True, stdin=subprocess.DEVNULL)


REFUSALS = {
    "shrink": (["set", "q", "--disk-size", "3000"], ["invalid value for --disk-size: 3000 is less than", "4000"]),
    "too little memory": (
        ["set", "q", "--memory", "100"],
        ["Error setting machine configuration from flags provided: qemu memory must be a whole number of at least 256"],
    ),
    "more CPUs than here": (["set", "q", "--cpus", "4096"], ["cpus 4096 is more than this machine's"]),
    "not a number": (["set", "q", "--memory", "lots"], ["'lots' is not a valid integer", "set --help"]),
    "nothing given": (["set", "q"], ["nothing to set", "--cpus, --memory, --disk-size"]),
    "another driver's flag": (["set", "q", "--digitalocean-size", "s-2vcpu-2gb"], ["a flag of digitalocean machines"]),
    "generic": (["set", "g", "--memory", "2048"], ["--memory can't be changed on a generic machine"]),
    "cloud CPUs": (["set", "do", "--cpus", "2"], ["--cpus can't be changed", "set it with --digitalocean-size"]),
    "bad size": (["set", "do", "--digitalocean-size", "2 CPUs"], ["'2 CPUs' is not a size slug"]),
    "new VM without --replace": (
        ["set", "ec2", "--amazonec2-instance-type", "t4g.small"],
        ["--amazonec2-instance-type t4g.small needs a new VM", "give --replace"],
    ),
    "virtualbox disk": (
        ["set", "vb", "--disk-size", "30000"],
        ["--disk-size can't be changed on a virtualbox machine"],
    ),
    "unknown machine": (["set", "nosuch", "--memory", "2048"], ['"nosuch" does not exist']),
    "bad engine env": (["provision", "q", "--engine-env", "NOEQUALS"], ["--engine-env 'NOEQUALS' must look like"]),
}


@pytest.mark.parametrize("refusal", list(REFUSALS))
def test_a_refused_change_is_one_line_exit_1_and_changes_nothing(store, refusal):
    args, words = REFUSALS[refusal]
    before = listing(store[0])
    configs = {p: p.read_bytes() for p in store[0].glob("machines/*/config.json")}
    done = machine(store, *args)
    assert done.returncode == 1, done.stdout + done.stderr
    assert done.stderr.count("\n") == 1, f"one line: {done.stderr!r}"
    missing = [word for word in words if word not in done.stderr]
    assert not missing, f"{done.stderr!r} lacks {missing}"
    assert "Traceback" not in done.stderr and "stand-in" not in done.stderr
    assert listing(store[0]) == before and configs == {p: p.read_bytes() for p in configs}


def test_the_same_values_change_nothing_and_run_no_engine(store):
    done = machine(store, "set", "q", "--memory", "1024", "--disk-size", "4000", "--cpus", "1")
    assert done.returncode == 0 and "Nothing to change" in done.stdout, done.stdout + done.stderr


def test_set_is_listed_with_the_commands_and_says_whose_verb_it_is(store):
    assert "set" in COMMANDS
    listed = machine(store, "--help").stdout
    assert "  set " in listed
    helped = machine(store, "set", "--help").stdout
    assert "Podman machine's 'set' verb" in helped and "--replace" in helped and "--amazonec2-instance-type" in helped


@pytest.mark.parametrize("name", REGISTRY)
def test_what_set_changes_is_each_drivers_own_answer(name):
    """Options of the driver's dataclass with a known kind (or a function giving one); nothing for drivers that do
    not make their host."""
    info = describe(name)
    fields = set(driver_class(name).__dataclass_fields__)
    assert set(info.changes) <= fields
    assert all(callable(how) or how in KINDS for how in info.changes.values())
    if name in ("generic", "none"):
        assert not info.changes
    if name == "virtualbox":  # its provider stops the VM, runs modifyvm, starts it (tests/test_virtualbox_provider.py)
        assert dict(info.changes) == {"cpu_count": "restart", "memory": "restart"}


def test_a_droplet_is_resized_in_place_then_provisioned_with_new_engine_env_and_opts(world, fake):  # noqa: F811
    assert create_do("dev").exit_code == 0
    fake.steps.clear()
    done = run("set", "dev", "--digitalocean-size", "s-2vcpu-2gb")
    assert done.exit_code == 0, done.output
    assert done.output.splitlines()[-1] == 'Machine "dev" was changed.'
    droplet = ("digitalocean:index/droplet:Droplet", "dev")
    assert ("update", *droplet) in fake.steps and ("replace", *droplet) not in fake.steps
    [state] = [r for r in fake.stacks["dev"].resources if (r["type"], r["name"]) == droplet]
    assert state["inputs"]["size"] == "s-2vcpu-2gb" and state["inputs"]["region"] == "fra1"
    assert world.store().load("dev").pulumi["Spec"]["driver_options"]["size"] == "s-2vcpu-2gb"
    assert fake.stacks["dev"].config["docker-machine:driverSecret.access_token"]["value"] == TOKEN
    assert not any(TOKEN in word for command in fake.commands() for word in command)

    # provision --engine-env/--engine-opt, on the same machine (one create less)
    fake.calls.clear()
    fake.steps.clear()
    proxy = "HTTPS_PROXY=http://user:secret@proxy:3128"
    done = run("provision", "dev", "--engine-env", proxy, "--engine-opt", "log-level=debug")
    assert done.exit_code == 0, done.output
    assert dict(fake.stdin_values)["docker-machine:engineEnv"] == json.dumps([proxy]), "secret: on standard input"
    assert not any("secret@proxy" in word for command in fake.commands() for word in command)
    provision = ("command:remote:Command", "dev-provision")
    assert ("update", *provision) in fake.steps
    [state] = [r for r in fake.stacks["dev"].resources if (r["type"], r["name"]) == provision]
    assert "user:secret@proxy:3128" in json.dumps(state["inputs"]), "the engine's new environment is provisioned"
    engine = world.store().load("dev").pulumi["Spec"]["engine"]
    assert engine["env"] == [proxy] and engine["opts"] == ["log-level=debug"] and engine["labels"] == ["role=web"]


EC2 = ("-d", "amazonec2", "--amazonec2-access-key", "AKIAEXAMPLE", "--amazonec2-secret-key", "sekrit")


def test_an_ec2_instance_type_changes_in_place_and_another_arch_only_with_replace(world, fake):  # noqa: F811
    created = run("create", *EC2, "--amazonec2-region", "eu-west-1", "dev")
    assert created.exit_code == 0, created.output
    instance = ("aws:ec2/instance:Instance", "dev")
    fake.steps.clear()
    done = run("set", "dev", "--amazonec2-instance-type", "t3.small")
    assert done.exit_code == 0, done.output
    assert ("update", *instance) in fake.steps
    [state] = [r for r in fake.stacks["dev"].resources if (r["type"], r["name"]) == instance]
    assert state["inputs"]["instanceType"] == "t3.small"
    refused = run("set", "dev", "--amazonec2-instance-type", "t4g.small")
    assert refused.exit_code == 1 and "give --replace" in refused.output
    pin = HostKeyPin.of(world.store(), "dev")  # the old instance's host key, pinned
    assert pin.pin([" ".join(generate_ssh_key().public_key.split()[:2])]) and pin.preferred_key()
    replaced = run("set", "dev", "--amazonec2-instance-type", "t4g.small", "--replace")
    assert replaced.exit_code == 0, replaced.output
    assert "Replacing the VM" in replaced.output
    assert not pin.preferred_key(), "the new instance's key is not refused by the old one's pin"
    [state] = [r for r in fake.stacks["dev"].resources if (r["type"], r["name"]) == instance]
    assert state["inputs"]["instanceType"] == "t4g.small"
    assert fake.stacks["dev"].config["docker-machine:driverSecret.secret_key"]["value"] == "sekrit"


def test_a_gce_machine_type_changes_in_place(world, fake):  # noqa: F811
    created = run("create", "-d", "google", "--google-project", "my-project-123", "dev")
    assert created.exit_code == 0, created.output
    fake.steps.clear()
    done = run("set", "dev", "--google-machine-type", "e2-standard-2")
    assert done.exit_code == 0, done.output
    instance = ("gcp:compute/instance:Instance", "dev")
    assert ("update", *instance) in fake.steps
    [state] = [r for r in fake.stacks["dev"].resources if (r["type"], r["name"]) == instance]
    assert state["inputs"]["machineType"] == "e2-standard-2" and state["inputs"]["allowStoppingForUpdate"] is True

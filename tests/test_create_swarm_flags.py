"""docker-machine 0.16.2's ``create --swarm*`` flags and ``env --swarm``/``config --swarm`` on swarm mode (#22 §1;
the mapping: cli/create/swarmflags.py). Refusals and the --swarm answers through the installed script without the
engine; the mapping itself once for real: ``create --swarm-master --swarm`` on a test host, then ``env --swarm``."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(sys.executable).parent / "docker-machine"
SWARM_CREATE = "make a swarm-mode swarm with 'docker-machine swarm create' (or 'create --swarm-master')"
NOT_MASTER = '"{}" is not a swarm master. The --swarm flag is intended for use with swarm masters'


def dm(world, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, **world.env, "PATH": "/nonexistent", "DOCKER_MACHINE_PULUMI_INSTALL": "never"}
    return subprocess.run([str(SCRIPT), *args], capture_output=True, text=True, env=env, timeout=60)


NONE = ("create", "-d", "none", "--url", "tcp://127.0.0.21:2376")


@pytest.mark.parametrize(
    "flags, message",
    [
        (
            ["--swarm"],
            "Error: --swarm without --swarm-master joins the swarm its --swarm-discovery names: give the URL its "
            "master was created with, or swarm://NAME of a swarm 'docker-machine swarm ls' lists; or "
            f"{SWARM_CREATE}",
        ),
        (
            ["--swarm", "--swarm-discovery", "token://abc"],
            "Error: --swarm-discovery token://abc names no swarm of this store (classic Swarm's discovery service is "
            "gone): create its manager first with --swarm-master and this --swarm-discovery, or give swarm://NAME "
            "of a swarm 'docker-machine swarm ls' lists (made with 'docker-machine swarm create')",
        ),
        (
            ["--swarm-master", "--swarm-image", "swarm:1.2.9"],
            "Error: --swarm-image 'swarm:1.2.9' runs classic Swarm's container; swarm mode is in the engine: leave it "
            f"out, or {SWARM_CREATE}",
        ),
        (
            ["--swarm-master", "--swarm-strategy", "binpack"],
            f"Error: --swarm-strategy 'binpack' is classic Swarm's; swarm mode spreads tasks: leave it out, or {SWARM_CREATE}",
        ),
        (
            ["--swarm-master", "--swarm-host", "tcp://0.0.0.0:3377"],
            "Error: --swarm-host 'tcp://0.0.0.0:3377' is classic Swarm's port; swarm mode serves on the engine's: "
            f"leave it out, or {SWARM_CREATE}",
        ),
        (
            ["--swarm-master", "--swarm-addr", "10.0.0.5"],
            "Error: --swarm-addr '10.0.0.5' is not supported: the swarm advertises the machine's own address: leave "
            f"it out, or {SWARM_CREATE}",
        ),
        (
            ["--swarm-master", "--swarm-opt", "heartbeat=5s"],
            "Error: --swarm-opt 'heartbeat=5s' takes classic Swarm's manage flags, which swarm mode has not: leave it "
            f"out, or {SWARM_CREATE}",
        ),
        (
            ["--swarm", "--swarm-master", "--swarm-join-opt", "ttl=30s"],
            "Error: --swarm-join-opt 'ttl=30s' takes classic Swarm's join flags, which swarm mode has not: leave it "
            f"out, or {SWARM_CREATE}",
        ),
        (
            ["--swarm-master", "--swarm-experimental"],
            "Error: --swarm-experimental is classic Swarm's (the engine's: --engine-opt experimental): leave it out, "
            f"or {SWARM_CREATE}",
        ),
        (
            ["--swarm-discovery", "consul"],  # 0.16.2 checks the URL's form whether or not --swarm is given
            "Error parsing swarm discovery: Swarm Discovery URL was in the wrong format: consul",
        ),
        (
            ["--swarm-master", "--tls-san", "dev.example.com"],
            "Error: --tls-san can't be given with --swarm-master: a swarm's machines take the swarm's certificates "
            "and contexts; leave it out",
        ),
    ],
)
def test_what_swarm_mode_cannot_do_is_one_line_exit_1_and_nothing_made(world, flags, message):
    done = dm(world, *NONE, *flags, "dev")
    assert (done.returncode, done.stdout, done.stderr) == (1, "", message + "\n")
    assert not world.root.exists()


def test_what_maps_is_taken_before_the_engine_is_asked(world):
    """0.16.2's defaults given explicitly, a discovery URL and MACHINE_SWARM_IMAGE at its default go through the
    checks: what stops the command is the Pulumi CLI (absent here), said before anything is made."""
    done = subprocess.run(
        [
            str(SCRIPT),
            *NONE,
            "--swarm",
            "--swarm-master",
            "--swarm-discovery",
            "token://0123456789abcdef",
            "--swarm-strategy",
            "spread",
            "--swarm-host",
            "tcp://0.0.0.0:3376",
            "dev",
        ],
        capture_output=True,
        text=True,
        env={
            **os.environ,
            **world.env,
            "PATH": "/nonexistent",
            "DOCKER_MACHINE_PULUMI_INSTALL": "never",
            "MACHINE_SWARM_IMAGE": "swarm:latest",
        },
        timeout=60,
    )
    assert done.returncode == 1 and done.stderr.startswith("Error: the Pulumi CLI is not installed"), done.stderr
    assert not (world.root / "machines").exists()
    plain = dm(world, *NONE, "--swarm-strategy", "binpack", "--swarm-opt", "x=y", "dev")
    assert "Pulumi CLI" in plain.stderr, "without --swarm/--swarm-master the flags do nothing, as in 0.16.2"


def test_joining_a_swarm_takes_its_driver_settings_and_refuses_others(world):
    """A swarm of the store (its record as create --swarm-master writes it): an agent of another driver, driver
    setting or engine configuration is refused in one line; a second master of its discovery URL too."""
    from pulumi_docker_machine.store.swarms import SwarmRecord, save_swarm

    spec = {
        "driver": "none",
        "managers": 1,
        "workers": 0,
        "driver_options": {},
        "engine": {"install_url": "none"},
        "manager_options": [{"name": "boss", "driver_options": {"url": "tcp://127.0.0.21:2376"}}],
        "worker_options": [],
        "discovery": "token://t1",
    }
    save_swarm(world.store(), SwarmRecord({"Name": "boss", "Driver": "none", "Managers": ["boss"], "Spec": spec}))
    vbox = {**spec, "driver": "virtualbox", "driver_options": {"memory": 2048}, "discovery": "token://t2"}
    vbox["manager_options"] = [{"name": "vb", "driver_options": {}}]
    save_swarm(world.store(), SwarmRecord({"Name": "vb", "Driver": "virtualbox", "Managers": ["vb"], "Spec": vbox}))
    agent = ("create", "--swarm", "--engine-install-url", "none")
    for args, message in (
        (
            ["-d", "virtualbox", "--virtualbox-memory", "1024", "--swarm-discovery", "token://t2"],
            "Error: --virtualbox-memory '1024' is not swarm 'vb''s ('2048'): its nodes share its driver settings; "
            "leave the flag out",
        ),
        (
            ["-d", "virtualbox", "--swarm-discovery", "token://t1"],
            "Error: swarm 'boss''s nodes are made with the none driver: give -d none",
        ),
        (
            [
                "-d",
                "none",
                "--url",
                "tcp://127.0.0.22:2376",
                "--swarm-discovery",
                "swarm://boss",
                "--engine-label",
                "a=b",
            ],
            "Error: the --engine-* flags are not swarm 'boss''s: its nodes share one engine configuration; leave them out",
        ),
    ):
        done = dm(world, *agent, *args, "agent")
        assert (done.returncode, done.stdout, done.stderr) == (1, "", message + "\n")
    master = dm(world, *NONE, "--swarm-master", "--swarm-discovery", "token://t1", "boss2")
    assert master.stderr == (
        "Error: --swarm-discovery token://t1 is swarm 'boss''s already: add managers to it with "
        "'docker-machine swarm scale boss --managers N', or give another\n"
    )
    assert not (world.root / "machines").exists()
    # What is the swarm's goes through to the engine (absent here: said before anything is made).
    through = dm(world, *agent, "-d", "none", "--url", "tcp://127.0.0.22:2376", "--swarm-discovery", "token://t1", "a")
    assert through.stderr.startswith("Error: the Pulumi CLI is not installed"), through.stderr


def mark_node(world, name: str, swarm: str, role: str) -> None:
    store = world.store()
    host = store.load(name)
    host.data["Pulumi"]["Swarm"] = {"Name": swarm, "Role": role}
    store.save(host, docker_context=False)


def test_env_and_config_swarm_point_at_a_manager_and_refuse_the_rest(world, engine):
    plain_env = dm(world, "env", "--swarm", "dev")
    assert (plain_env.returncode, plain_env.stdout) == (1, "")
    assert plain_env.stderr == f"Error checking TLS connection: {NOT_MASTER.format('dev')}\n"
    plain_config = dm(world, "config", "--swarm", "dev")
    assert plain_config.returncode == 1
    assert plain_config.stderr == f"Error running connection boilerplate: {NOT_MASTER.format('dev')}\n"

    mark_node(world, "dev", "lab", "worker")
    worker = dm(world, "env", "--swarm", "dev")
    assert worker.returncode == 1
    assert worker.stderr == (
        f"Error checking TLS connection: {NOT_MASTER.format('dev')} ('docker-machine swarm env lab' points at a "
        "manager of its swarm)\n"
    )

    mark_node(world, "dev", "lab", "manager")
    env, swarm_env = dm(world, "env", "dev"), dm(world, "env", "--swarm", "dev")
    assert swarm_env.returncode == 0, swarm_env.stderr
    assert swarm_env.stdout == env.stdout.replace("env dev", "env --swarm dev")
    assert f'export DOCKER_HOST="tcp://127.0.0.1:{engine.port}"' in swarm_env.stdout
    config, swarm_config = dm(world, "config", "dev"), dm(world, "config", "--swarm", "dev")
    assert swarm_config.returncode == 0 and swarm_config.stdout == config.stdout
    engine.close()  # --swarm checks the connection as env does
    down = dm(world, "env", "--swarm", "dev")
    assert down.returncode == 1 and down.stdout == ""


def test_a_classic_master_made_by_docker_machine_0162_answers_as_0162_did(world, engine):
    """A master of classic Swarm (its container on SwarmOptions.Host's port, with the machine's certificates):
    env/config --swarm point there; when that port does not answer and the engine does, 0.16.2's words."""
    from bench.fakeengine import FakeEngine

    store = world.store()
    host = store.load("dev")
    folder = host.machine_dir
    classic = FakeEngine(folder / "ca.pem", folder / "server.pem", folder / "server-key.pem")
    try:
        host.data["HostOptions"]["SwarmOptions"].update(
            IsSwarm=True, Master=True, Agent=True, Host=f"tcp://0.0.0.0:{classic.port}"
        )
        store.save(host, docker_context=False)
        env = dm(world, "env", "--swarm", "dev")
        assert env.returncode == 0, env.stderr
        assert f'export DOCKER_HOST="tcp://127.0.0.1:{classic.port}"' in env.stdout
        assert 'export DOCKER_MACHINE_NAME="dev"' in env.stdout
        config = dm(world, "config", "--swarm", "dev")
        assert config.stdout.splitlines()[-1] == f"-H=tcp://127.0.0.1:{classic.port}"
    finally:
        classic.close()
    stopped = dm(world, "env", "--swarm", "dev")
    assert (stopped.returncode, stopped.stdout) == (1, "")
    assert stopped.stderr == (
        "Error checking TLS connection: Connection to Swarm cannot be checked but the certs are valid. "
        "Maybe swarm is not started\n"
    )
    host.data["HostOptions"]["SwarmOptions"]["Host"] = "unix:///var/run/swarm.sock\n$(reboot)"
    store.save(host, docker_context=False)
    odd = dm(world, "config", "--swarm", "dev")
    assert odd.returncode == 1 and len(odd.stderr.splitlines()) == 1
    assert odd.stderr.startswith("Error running connection boilerplate: There was an error parsing the url: ")


def test_a_swarm_master_is_checked_as_the_machine_it_is(world):
    """A machine's mistakes in create's own words, with --swarm-master as without."""
    plain, master = (
        dm(world, "create", "-d", "generic", "boss"),
        dm(world, "create", "-d", "generic", "--swarm-master", "boss"),
    )
    assert master.returncode == plain.returncode == 1 and master.stderr == plain.stderr
    assert master.stderr.startswith("Error setting machine configuration from flags provided: generic driver requires")


# ----- for real: two test hosts, the engine -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def hosts():
    """Two test hosts on one test network (tests/swarmbed.py); hosts[0]'s key reaches both, as one admin's would."""
    from tests.swarmbed import cluster_hosts

    with cluster_hosts(2) as made:
        made[1].authorize(Path(f"{made[0].ssh_key}.pub").read_text())
        yield made


@pytest.mark.remote_host
@pytest.mark.engine
def test_0162s_master_and_agent_make_a_swarm_mode_swarm_that_env_swarm_points_at(world, hosts, pulumi_engine):
    """docker-machine 0.16.2's tutorial: a master, an agent of its discovery URL, then env --swarm on the master."""
    from tests.test_engine_cli import machine, shell

    def create(host, name: str, *swarm: str):
        common = ("-d", "generic", "--generic-ssh-key", str(hosts[0].ssh_key), "--engine-install-url", "none")
        return machine(world, "create", *common, "--generic-ip-address", host.address, *swarm, name)

    created = create(hosts[0], "boss", "--swarm-master", "--swarm", "--swarm-discovery", "token://0123456789abcdef")
    assert created.returncode == 0, created.stdout + created.stderr
    lines = created.stdout.splitlines()
    assert lines[:2] == ["Running pre-create checks...", "Creating machine..."], created.stdout
    assert "Docker is up and running!" in lines and lines[-1].endswith("run: docker-machine env boss")
    joined = create(hosts[1], "agent", "--swarm", "--swarm-discovery", "token://0123456789abcdef")
    assert joined.returncode == 0, joined.stdout + joined.stderr
    assert "agent joined the swarm-mode swarm boss as a worker" in joined.stdout

    listed = machine(world, "ls", "--format", "{{.Name}} {{.Swarm}} {{.URL}}").stdout.splitlines()
    assert listed == [f"agent boss tcp://{hosts[1].address}:2376", f"boss boss (manager) tcp://{hosts[0].address}:2376"]
    assert machine(world, "swarm", "ls").stdout.splitlines()[1].split()[:4] == ["boss", "generic", "1", "1"]
    inspected = machine(
        world,
        "inspect",
        "-f",
        "{{.HostOptions.SwarmOptions.Master}} {{.HostOptions.SwarmOptions.IsSwarm}} {{.Driver.SwarmMaster}}",
        "boss",
    )
    assert inspected.stdout == "true true true\n", inspected.stderr

    nodes = shell(
        world,
        'eval "$(docker-machine env --swarm boss)" && echo "$DOCKER_MACHINE_NAME" && '
        "docker node ls --format '{{.Hostname}} {{.Status}} {{.ManagerStatus}}'",
    )
    assert nodes.returncode == 0, nodes.stderr
    assert nodes.stdout.splitlines()[0] == "boss"
    assert sorted(nodes.stdout.splitlines()[1:]) == ["dmtest-node1 Ready Leader", "dmtest-node2 Ready "]
    config = machine(world, "config", "--swarm", "boss")
    assert config.stdout.splitlines()[-1] == f"-H=tcp://{hosts[0].address}:2376"
    worker = machine(world, "env", "--swarm", "agent")
    assert worker.returncode == 1 and "'docker-machine swarm env boss'" in worker.stderr

    refused = machine(world, "rm", "-y", "boss")  # the swarm's stack owns its machines: rm names the way
    assert refused.returncode == 1 and "'docker-machine swarm rm boss'" in refused.stderr, refused.stderr
    # Not removed here (swarm rm's seconds are tests/test_swarm_cli.py's): the module's hosts go with the module.

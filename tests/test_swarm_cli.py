"""``docker-machine swarm`` through the real engine on three test hosts (generic driver)."""

from __future__ import annotations

import json

import pytest

from tests.test_compose_real import compose_plugin, get, import_busybox, stack_file  # noqa: F401 (a fixture)
from tests.test_engine_cli import PEM_KEY, machine, shell
from tests.test_swarm_engine import wait_for

pytestmark = [pytest.mark.remote_host, pytest.mark.engine]


@pytest.fixture(scope="module")
def hosts(swarm_hosts):
    return swarm_hosts  # shared with the other swarm files; hosts[0]'s key reaches all three (tests/hosts.py)


GLOBAL_STACK = stack_file("{mode: global, endpoint_mode: dnsrr}")  # a web task on every node


def swarm(world, *args: str):
    return machine(world, "swarm", *args, timeout=600)


def test_swarm_create_ls_env_scale_stack_deploy_rm(world, hosts, pulumi_engine, compose_plugin, tmp_path):  # noqa: F811
    addresses = [arg for h in hosts for arg in ("--generic-ip-address", h.address)]
    created = swarm(
        world,
        "create",
        "-d",
        "generic",
        "--workers",
        "2",
        *addresses,
        "--generic-ssh-key",
        str(hosts[0].ssh_key),
        "--engine-install-url",
        "none",
        "lab",
    )
    assert created.returncode == 0, created.stdout + created.stderr
    assert "Swarm lab is up and running!" in created.stdout
    # The join tokens and the client key are secrets in the swarm's state, encrypted with the passphrase.
    state = "".join(p.read_text(errors="replace") for p in (world.root / "state").rglob("*") if p.is_file())
    assert "docker-machine:SwarmCluster" in state, "the swarm stack's state was read"
    assert "SWMTKN" not in state and not PEM_KEY.search(state.replace("\\n", "\n"))

    ls = machine(world, "ls", "--format", "{{.Name}} {{.Swarm}}")
    assert ls.stdout.splitlines() == ["lab-manager-1 lab (manager)", "lab-worker-1 lab", "lab-worker-2 lab"]
    table = machine(world, "ls")
    assert "lab (manager)" in table.stdout and table.stdout.splitlines()[0].split()[-2:] == ["DOCKER", "ERRORS"]
    assert machine(world, "ls", "-q", "--filter", "swarm=lab").stdout.split() == [
        "lab-manager-1",
        "lab-worker-1",
        "lab-worker-2",
    ]
    assert machine(world, "ls", "-q", "--filter", "swarm=other").stdout == ""
    listed = swarm(world, "ls")
    assert listed.stdout.splitlines()[1].split()[:4] == ["lab", "generic", "1", "2"]
    assert f"tcp://{hosts[0].address}:2376" in listed.stdout and "Running" in listed.stdout

    nodes = shell(world, "eval \"$(docker-machine swarm env lab)\" && docker node ls --format '{{json .}}'")
    assert nodes.returncode == 0, nodes.stderr
    rows = [json.loads(line) for line in nodes.stdout.splitlines()]
    assert sorted((r["Hostname"], r["Status"], r["ManagerStatus"]) for r in rows) == [
        ("dmtest-node1", "Ready", "Leader"),
        ("dmtest-node2", "Ready", ""),
        ("dmtest-node3", "Ready", ""),
    ]

    # A node belongs to its swarm: machine commands that would change it refuse and name the way.
    refused = machine(world, "rm", "-y", "lab-worker-1")
    assert refused.returncode == 1 and "node of swarm 'lab'" in refused.stderr and "swarm scale lab" in refused.stderr
    # Quorum and counts are checked before anything runs.
    none = swarm(world, "scale", "lab", "--managers", "0")
    assert none.returncode == 1 and "at least one manager" in none.stderr
    assert swarm(world, "scale", "nope", "--workers", "1").returncode == 1

    scaled = swarm(world, "scale", "lab", "--workers", "1")
    assert scaled.returncode == 0, scaled.stdout + scaled.stderr
    left = shell(world, "eval \"$(docker-machine swarm env lab)\" && docker node ls --format '{{.Hostname}}'")
    assert sorted(left.stdout.split()) == ["dmtest-node1", "dmtest-node2"]
    assert machine(world, "ls", "-q").stdout.split() == ["lab-manager-1", "lab-worker-1"]
    assert hosts[2].output("ls /etc/docker/server.pem 2>/dev/null || true") == "", "the removed node's host undone"

    # Scale up again: the third host's address joins as the new worker.
    grown = swarm(world, "scale", "lab", "--workers", "2", "--generic-ip-address", hosts[2].address)
    assert grown.returncode == 0, grown.stdout + grown.stderr
    again = wait_for(
        lambda: (lambda out: out if len(out) == 3 else None)(
            shell(
                world, "eval \"$(docker-machine swarm env lab)\" && docker node ls --format '{{.Status}}'"
            ).stdout.split()
        ),
        what="three nodes again",
    )
    assert again == ["Ready"] * 3

    # A Compose file with two services onto the swarm: a request reaches the published port on every node.
    for node in ("lab-manager-1", "lab-worker-1", "lab-worker-2"):
        import_busybox(world, node, tmp_path)
    (tmp_path / "stack.yml").write_text(GLOBAL_STACK)
    deployed = machine(
        world, "stack", "deploy", "lab", "-c", str(tmp_path / "stack.yml"), "--resolve-image", "never", "shop"
    )
    assert deployed.returncode == 0, deployed.stdout + deployed.stderr
    for host in hosts:
        assert get(host, 8090, timeout=120) == "hello-from-the-swarm\n"
    tasks = shell(
        world,
        'eval "$(docker-machine swarm env lab)" && docker stack ps shop --filter '
        "desired-state=running --format '{{.Name}} {{.Node}}'",
    )
    assert len({line.split()[1] for line in tasks.stdout.splitlines()}) == 3, tasks.stdout + tasks.stderr
    removed_stack = machine(world, "stack", "rm", "lab", "shop")
    assert removed_stack.returncode == 0, removed_stack.stdout + removed_stack.stderr

    removed = swarm(world, "rm", "-y", "lab")
    assert removed.returncode == 0, removed.stdout + removed.stderr
    assert machine(world, "ls", "-q").stdout == "" and swarm(world, "ls", "-q").stdout == ""
    for host in hosts:
        assert host.output("ls /etc/docker/server.pem 2>/dev/null || true") == ""


def test_swarm_create_refuses_bad_input_and_creates_nothing(world, pulumi_engine, tmp_path):
    key = tmp_path / "key"
    key.write_text("not a key")
    for args, message in (
        (["--managers", "0"], "at least one manager"),
        (["--workers", "1", "--generic-ip-address", "127.0.0.2"], "1 --generic-ip-address given for 2 nodes"),
        (["--generic-ip-address", "127.0.0.2", "--generic-ssh-key", str(key)], "is not an unencrypted private key"),
    ):
        done = swarm(world, "create", "-d", "generic", *args, "lab")
        assert done.returncode == 1, done.stdout + done.stderr
        assert message in done.stderr and len(done.stderr.strip().splitlines()) == 1, done.stderr
    bad_name = swarm(world, "create", "-d", "generic", "--generic-ip-address", "127.0.0.2", "x" * 60)
    assert bad_name.returncode == 1 and "too long" in bad_name.stderr
    assert swarm(world, "ls", "-q").stdout == "" and machine(world, "ls", "-q").stdout == ""

"""DockerSwarm through the real Pulumi engine on three network-namespace hosts (generic driver)."""

from __future__ import annotations

import json
import sys
import time

import pytest
from pulumi import automation as auto

from tests.swarmbed import SwarmView, host_at

pytestmark = [pytest.mark.remote_host, pytest.mark.engine]

NO_INSTALL = {"install_url": "none"}  # the test hosts have Debian's docker.io


@pytest.fixture(scope="module")
def hosts(swarm_hosts):
    return swarm_hosts  # shared with the other swarm files (tests/hosts.py)


def swarm_program(hosts, workers: int, labels=None):
    def program():
        from pulumi_docker_machine.components import EngineOptions, GenericDriver
        from pulumi_docker_machine.components.swarm.component import DockerSwarm, DockerSwarmArgs, SwarmNodeArgs

        nodes = [SwarmNodeArgs(GenericDriver(ip_address=h.address, ssh_key=str(h.ssh_key))) for h in hosts]
        swarm = DockerSwarm(
            "lab",
            DockerSwarmArgs(
                managers=nodes[:1],
                workers=[
                    SwarmNodeArgs(n.driver, labels=(labels or {}).get(i, {}))
                    for i, n in enumerate(nodes[1 : 1 + workers])
                ],
                engine=EngineOptions(install_url="none"),
            ),
        )
        for key in (
            "docker_host",
            "nodes",
            "worker_token",
            "manager_token",
            "ca_pem",
            "client_cert_pem",
            "client_key_pem",
            "docker_env",
            "manager_docker_hosts",
        ):
            import pulumi

            pulumi.export(key, getattr(swarm, key))

    return program


def stack_for(tmp_path, program):
    backend = tmp_path / "backend"
    backend.mkdir(exist_ok=True)
    return auto.create_or_select_stack(
        "lab",
        project_name="swarm-test",
        program=program,
        opts=auto.LocalWorkspaceOptions(
            work_dir=str(tmp_path),
            env_vars={
                "PULUMI_CONFIG_PASSPHRASE": "swarm test",
                "PULUMI_BACKEND_URL": backend.as_uri(),
                "PULUMI_PYTHON_CMD": sys.executable,
            },
        ),
    )


def wait_for(condition, timeout=90, what="the swarm"):
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(1)


def test_three_hosts_form_a_swarm_run_a_service_and_scale_down(hosts, pulumi_engine, tmp_path):
    stack = stack_for(tmp_path, swarm_program(hosts, workers=2, labels={0: {"zone": "a"}}))
    up = stack.up()
    out = {key: value.value for key, value in up.outputs.items()}
    assert up.outputs["worker_token"].secret and up.outputs["client_key_pem"].secret
    assert out["worker_token"].startswith("SWMTKN-1-") and out["manager_token"] != out["worker_token"]
    view = SwarmView(hosts, tmp_path / "certs", out["ca_pem"], out["client_cert_pem"], out["client_key_pem"])
    manager = out["docker_host"]
    assert manager == f"tcp://{hosts[0].address}:2376" and out["manager_docker_hosts"] == [manager]

    ids = {n["name"]: n["node_id"] for n in out["nodes"]}
    assert {n["name"]: n["role"] for n in out["nodes"]} == {
        "lab-manager-1": "manager",
        "lab-worker-1": "worker",
        "lab-worker-2": "worker",
    }
    nodes = view.nodes(manager)
    # A generic host keeps its own host name; the node IDs tie docker's view to ours.
    assert {n["ID"]: n["Hostname"] for n in nodes} == {
        ids["lab-manager-1"]: "dmtest-node1",
        ids["lab-worker-1"]: "dmtest-node2",
        ids["lab-worker-2"]: "dmtest-node3",
    }
    assert all(n["Status"] == "Ready" and n["Availability"] == "Active" for n in nodes)
    assert {n["ID"]: n["ManagerStatus"] for n in nodes} == {
        ids["lab-manager-1"]: "Leader",
        ids["lab-worker-1"]: "",
        ids["lab-worker-2"]: "",
    }
    labels = json.loads(view.ok(manager, "node", "inspect", ids["lab-worker-1"], "--format", "{{json .Spec.Labels}}"))
    assert labels == {"zone": "a"}
    # No join token in any process's arguments on a node: membership went through the engine API.
    for host in hosts:
        assert "SWMTKN" not in host.output("cat /proc/[0-9]*/cmdline 2>/dev/null | tr '\\0' ' '")

    for node in out["nodes"]:
        view.import_busybox(node["docker_host"])
    view.ok(
        manager,
        "service",
        "create",
        "--detach",
        "--no-resolve-image",
        "--name",
        "spin",
        "--replicas",
        "4",
        "dmtest/busybox:latest",
        "sh",
        "-c",
        "while true; do sleep 1; done",
    )

    def running_on():
        tasks = view.ok(
            manager,
            "service",
            "ps",
            "spin",
            "--filter",
            "desired-state=running",
            "--format",
            "{{.Node}} {{.CurrentState}}",
        ).splitlines()
        return {line.split()[0] for line in tasks if " Running " in f" {line} "} if len(tasks) == 4 else None

    nodes_running = wait_for(
        lambda: (running_on() or set()) if len(running_on() or ()) > 1 else None, what="tasks on more than one node"
    )
    assert len(nodes_running) > 1

    # Scale the workers down to one: lab-worker-2 is drained, leaves, and only then is its host undone.
    stack = stack_for(tmp_path, swarm_program(hosts, workers=1, labels={0: {"zone": "b"}}))
    stack.up()
    assert {n["ID"] for n in view.nodes(manager)} == {ids["lab-manager-1"], ids["lab-worker-1"]}
    labels = json.loads(view.ok(manager, "node", "inspect", ids["lab-worker-1"], "--format", "{{json .Spec.Labels}}"))
    assert labels == {"zone": "b"}, "a label change is applied in place"
    gone = host_at(hosts, f"tcp://{hosts[2].address}:2376")
    assert gone.output("ls /etc/docker/server.pem 2>/dev/null || true") == "", "the removed node's host was undone"
    tasks = view.ok(manager, "service", "ps", "spin", "--filter", "desired-state=running", "--format", "{{.Node}}")
    assert "dmtest-node3" not in tasks

    stack.destroy()
    for host in hosts[:2]:
        assert host.output("ls /etc/docker/server.pem 2>/dev/null || true") == ""

"""``pulumi up`` on stacks/ as a user runs it: the ``pulumi`` CLI and the Python language host of make engine.

One stack of two generic machines on two test hosts and a swarm of three (one manager, two workers) on
three more, in a copy of the repository's Pulumi.yaml and stacks/ (the program is stacks/'s own code), with
the venv activated, a file backend in a temporary folder and the passphrase from the environment, taken
through its whole life, one step per test (in this order):

- ``pulumi stack init``, the machines set with ``pulumi config set-all --path``, ``pulumi preview``, ``pulumi
  up --yes``; ``pulumi stack output --json --show-secrets`` gives each machine's docker env, with which
  alone the real docker client runs busybox on each machine and lists the swarm's three nodes;
- a label added to one machine: ``pulumi preview --diff`` shows an update of that machine's provisioning
  step and nothing else; after ``pulumi up`` every resource keeps its URN and ID (nothing is replaced),
  and dockerd has the new label;
- ``docker-machine import --stack`` into a store: ``env`` works and ``ls`` shows all five Running;
- ``pulumi destroy --yes``: no dockerd, no daemon.json on any host, no resource left in the state.

Only the pulumi-command provider is a stand-in (tests/fakes/command_provider.py).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.conftest import require
from tests.dockerenv import docker_in_env
from tests.dockertools import busybox_image, static_busybox, write_client_certs
from tests.test_engine_cli import machine, shell
from tests.swarmbed import cluster_hosts
from bench.testbed import RemoteHost, missing_prerequisites

pytestmark = [pytest.mark.remote_host, pytest.mark.engine]

ROOT = Path(__file__).resolve().parent.parent
STACK = "pair"
PASSPHRASE = "pair passphrase"
DOCKER_MACHINE_TYPE = "docker-machine:index:DockerMachine"
PROVISION_TYPE = "command:remote:Command"
MACHINES = ("one", "two")
SWARM = "lab"
NODES = ("lab-manager-1", "lab-worker-1", "lab-worker-2")  # 1 manager, 2 workers, on one test network


@dataclass
class Project:
    """The copied project, the environment every ``pulumi`` command gets, and the hosts by machine name
    (the swarm's nodes too)."""

    folder: Path
    env: dict
    hosts: dict
    backend: Path
    tmp: Path
    done: list = field(default_factory=list)  # the steps taken so far, in order

    def pulumi(self, *args: str, timeout: float = 600) -> subprocess.CompletedProcess:
        done = subprocess.run(
            ["pulumi", *args, "--stack", STACK, "--non-interactive"],
            cwd=self.folder,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        assert done.returncode == 0, f"pulumi {' '.join(args)}:\n{done.stdout}\n{done.stderr}"
        return done

    def after(self, step: str) -> None:
        """Each test takes the stack on from the one before it: run the file whole, in order."""
        assert step in self.done, f"this step follows {step!r}, which did not run or failed: run the whole file"

    def outputs(self) -> dict:
        return json.loads(self.pulumi("stack", "output", "--json", "--show-secrets").stdout)

    def resources(self) -> list[dict]:
        return json.loads(self.pulumi("stack", "export").stdout)["deployment"].get("resources") or []


@pytest.fixture(scope="module")
def second_host():
    require(missing_prerequisites(), "a second test host")
    with RemoteHost(hostname="dmtest-second") as remote:
        yield remote


@pytest.fixture(scope="module")
def cluster():
    with cluster_hosts(len(NODES)) as hosts:
        yield hosts


@pytest.fixture(scope="module")
def project(remote_host, second_host, cluster, built_engine, tmp_path_factory) -> Project:
    """stacks/ as a user has it (Pulumi.yaml beside it), with the venv activated; nothing run yet."""
    tmp = tmp_path_factory.mktemp("stacks-up")
    folder = tmp / "project"
    shutil.copytree(ROOT / "stacks", folder / "stacks", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "Pulumi.yaml", folder / "Pulumi.yaml")
    backend = tmp / "backend"
    backend.mkdir()
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("PULUMI_CONFIG_PASSPHRASE_FILE", "PULUMI_ACCESS_TOKEN", "SSH_AUTH_SOCK", "PULUMI_PYTHON_CMD")
    }
    env.update(built_engine.env())
    # `. .venv/bin/activate`, as the README says: the language host and the dynamic providers' plugin run the
    # python first on PATH (Pulumi.yaml names no virtualenv; PULUMI_PYTHON_CMD, which .engine/env sets, is not needed).
    env.update(
        PATH=f"{Path(sys.executable).parent}:{env['PATH']}",
        VIRTUAL_ENV=sys.prefix,
        PULUMI_BACKEND_URL=backend.as_uri(),
        PULUMI_CONFIG_PASSPHRASE=PASSPHRASE,
    )
    return Project(
        folder, env, {"one": remote_host, "two": second_host, **dict(zip(NODES, cluster, strict=True))}, backend, tmp
    )


def stack_config(project: Project) -> list[str]:
    """``pulumi config set-all --path`` arguments: the two machines and the swarm, each node its own host
    (Docker is installed on test hosts already: no engine install)."""
    args = []
    for name in MACHINES:
        host = project.hosts[name]
        for key, value in (
            ("driver", "generic"),
            ("ip_address", host.address),
            ("ssh_key", str(host.ssh_key)),
            ("engine.install_url", "none"),
            ("engine.labels[0]", f"machine={name}"),
        ):
            args += ["--plaintext", f"docker-machine:machines.{name}.{key}={value}"]
    args += ["--plaintext", f"docker-machine:swarms.{SWARM}.engine.install_url=none"]
    for node in NODES:
        role, number = node.split("-")[1:]
        host, entry = project.hosts[node], f"docker-machine:swarms.{SWARM}.{role}s[{int(number) - 1}]"
        for key, value in (("driver", "generic"), ("ip_address", host.address), ("ssh_key", str(host.ssh_key))):
            args += ["--plaintext", f"{entry}.{key}={value}"]
    return args


def docker_with_outputs(
    project: Project, outputs: dict, name: str, *args: str, stdin: bytes | None = None, swarm: bool = False
):
    """The real docker client with only the stack's ``outputs`` (read once per update: each read is a pulumi
    process that decrypts them): the machine's (or the swarm's) docker_env and the client certificates."""
    docker_env = (outputs["swarms"] if swarm else outputs["machines"])[name]["docker_env"]
    host = next(h for h in project.hosts.values() if docker_env["DOCKER_HOST"] == f"tcp://{h.address}:2376")
    certs = project.tmp / "certs" / name
    write_client_certs(certs, outputs["ca_pem"], outputs["client_cert_pem"], outputs["client_key_pem"])
    assert certs.stat().st_mode & 0o777 == 0o700 and (certs / "key.pem").stat().st_mode & 0o777 == 0o600
    return docker_in_env(host, {**docker_env, "DOCKER_CERT_PATH": str(certs)}, project.tmp, *args, stdin=stdin)


def test_up_gives_each_machine_a_docker_env_the_docker_client_uses(project):
    project.pulumi("stack", "init")
    project.pulumi("config", "set-all", "--path", *stack_config(project))
    assert "docker-machine:machines" in (project.folder / "stacks" / f"Pulumi.{STACK}.yaml").read_text(), (
        "the stack's config sits in stacks/ (stackConfigDir)"
    )

    preview = project.pulumi("preview", "--json")
    planned = [
        (step["op"], step["urn"].rsplit("::", 1)[1])
        for step in json.loads(preview.stdout)["steps"]
        if step["urn"].split("::")[-2].endswith(DOCKER_MACHINE_TYPE)
    ]
    assert sorted(planned) == sorted(("create", name) for name in project.hosts), preview.stdout

    project.pulumi("up", "--yes")
    outputs = project.outputs()
    assert set(outputs["machines"]) == set(project.hosts), "the swarm's nodes are machines of the stack too"
    image = busybox_image(static_busybox())
    for name in MACHINES:
        host = project.hosts[name]
        assert outputs["machines"][name]["docker_env"] == {
            "DOCKER_HOST": f"tcp://{host.address}:2376",
            "DOCKER_TLS_VERIFY": "1",
            "DOCKER_MACHINE_NAME": name,
        }
        imported = docker_with_outputs(project, outputs, name, "import", "-", "dmtest/busybox:latest", stdin=image)
        assert imported.returncode == 0, imported.stderr
        run = docker_with_outputs(project, outputs, name, "run", "--rm", "dmtest/busybox", "echo", "hello", name)
        assert run.returncode == 0, run.stderr
        assert run.stdout.decode() == f"hello {name}\n"
        info = docker_with_outputs(project, outputs, name, "info", "--format", "{{.Name}}")
        assert info.stdout.decode().strip() == host.output("hostname").strip(), "each machine is its own host"
    nodes = docker_with_outputs(
        project, outputs, SWARM, "node", "ls", "--format", "{{.Hostname}} {{.Status}} {{.ManagerStatus}}", swarm=True
    )
    assert nodes.returncode == 0, nodes.stderr
    expected = [
        f"{project.hosts[node].output('hostname').strip()} Ready {'Leader' if 'manager' in node else ''}"
        for node in NODES
    ]
    assert sorted(line.strip() for line in nodes.stdout.decode().splitlines()) == sorted(e.strip() for e in expected)
    project.done.append("up")


def test_a_label_change_reruns_only_that_machines_provisioning_and_keeps_its_host(project):
    """The host stays; only the provisioning step of that machine runs again, updated in place.

    That step is a ``remote.Command``; the engine options are in its ``create`` script, and pulumi-command
    updates a Command whose ``create`` changed by running it again (only its ``triggers`` replace it, and
    they hold the certificates, not the engine options): no deprovisioning of the host first, same ID.
    """
    project.after("up")
    before = {r["urn"]: r.get("id") for r in project.resources() if r.get("custom")}
    project.pulumi("config", "set", "--path", "docker-machine:machines.one.engine.labels[1]", "tier=blue")

    preview = json.loads(project.pulumi("preview", "--diff", "--json").stdout)
    changed = [step for step in preview["steps"] if step["op"] != "same"]
    assert [(step["op"], step["urn"].rsplit("::", 1)[1]) for step in changed] == [("update", "one-provision")], [
        (step["op"], step["urn"]) for step in changed
    ]
    (step,) = changed
    assert step["urn"].split("::")[-2] == f"{DOCKER_MACHINE_TYPE}${PROVISION_TYPE}", step["urn"]
    assert not step.get("replaceReasons"), {k: v for k, v in step.items() if not k.endswith("State")}
    assert preview["changeSummary"].get("update") == 1 and set(preview["changeSummary"]) <= {"update", "same"}, preview[
        "changeSummary"
    ]

    project.pulumi("up", "--yes")
    after = {r["urn"]: r.get("id") for r in project.resources() if r.get("custom")}
    assert set(after) == set(before), "the same resources"
    assert after == before, "nothing replaced: the host's resources (its key, the authorized key) and the step"
    daemon = json.loads(project.hosts["one"].output("cat /etc/docker/daemon.json"))
    assert sorted(daemon["labels"]) == ["machine=one", "provider=generic", "tier=blue"]  # provider=: docker-machine's
    labels = docker_with_outputs(project, project.outputs(), "one", "info", "--format", "{{json .Labels}}")
    assert sorted(json.loads(labels.stdout)) == sorted(daemon["labels"]), "dockerd restarted with the label"
    untouched = json.loads(project.hosts["two"].output("cat /etc/docker/daemon.json"))["labels"]
    assert sorted(untouched) == ["machine=two", "provider=generic"]
    project.done.append("update")


def test_import_stack_into_a_store_then_env_and_ls(project, world, pulumi_engine, monkeypatch):
    project.after("up")
    for key in ("PULUMI_BACKEND_URL", "PULUMI_CONFIG_PASSPHRASE"):
        monkeypatch.setenv(key, project.env[key])
    imported = machine(world, "import", "--stack", STACK, "--cwd", str(project.folder))
    assert imported.returncode == 0, imported.stdout + imported.stderr
    cas = {(world.root / "machines" / name / "ca.pem").read_text() for name in project.hosts}
    assert len(cas) == 1, "the stack's machines share one CA"
    ls = machine(world, "ls", "--format", "{{.Name}} {{.State}} {{.URL}}")
    assert ls.stdout.splitlines() == [
        f"{name} Running tcp://{host.address}:2376" for name, host in sorted(project.hosts.items())
    ], ls.stdout + ls.stderr
    env = machine(world, "env", "two")
    assert env.returncode == 0 and f'export DOCKER_HOST="tcp://{project.hosts["two"].address}:2376"' in env.stdout, (
        env.stdout + env.stderr
    )
    run = shell(world, 'eval "$(docker-machine env two)" && docker info --format "{{.Name}}"')
    assert run.returncode == 0 and run.stdout.strip() == project.hosts["two"].output("hostname").strip(), run.stderr


def test_destroy_undoes_each_host_and_empties_the_state(project):
    project.after("up")
    project.pulumi("destroy", "--yes")
    for name, host in project.hosts.items():
        assert host.pid_of("dockerd") is None, f"{name}: dockerd still runs"
        assert host.output("ls /etc/docker/daemon.json /etc/docker/server.pem 2>/dev/null || true") == "", name
    assert project.resources() == [], "the stack's state holds no resource"

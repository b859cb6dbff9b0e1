"""A user's own project, outside this repository, using the package as a user installs it.

A temporary folder with its own Pulumi.yaml, requirements.txt and __main__.py, its own ``components/`` and
``cli/`` packages (a team's ComponentResources, its command line), and an Automation API app in ``app/`` with
a ``cli.py`` and a ``components.py`` of its own beside it; one venv holding this project as a regular wheel
(tests/wheelvenv.py). On one test host:

- the app makes a machine with ``create_machine`` (the store's Automation API), the real docker client runs
  busybox with only the env ``machine_env`` returned, and ``remove_machine`` undoes it;
- ``pulumi up`` (the CLI, through the Python language host make engine builds) makes one generic
  DockerMachine, ``pulumi stack output --json --show-secrets`` gives its docker env and certificates, docker
  runs busybox with only those, and ``pulumi destroy`` undoes it. The dynamic-provider host runs in the
  project's folder, so the user's ``components/`` is first on its path: a dynamic provider of the user's,
  run in that same process after ours were loaded, reports what ``import components`` gives there.

The user's code sees its own packages; ours come from the venv's site-packages, never the repository.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from pulumi_docker_machine import write_client_certs
from pulumi_docker_machine.components import files
from tests.dockerenv import busybox_hello
from tests.wheelvenv import ROOT, session_wheel, site_packages, wheel_venv

pytestmark = [pytest.mark.remote_host, pytest.mark.engine]

PULUMI_YAML = """\
name: my-docker-host
description: A Docker host of my own
runtime:
  name: python
  options:
    toolchain: pip
    virtualenv: venv
"""

USERS_OWN = {
    "components/__init__.py": '"""My team\'s own Pulumi components."""\nDockerMachine = "mine"\n',
    "cli/__init__.py": '"""My own command line."""\nNAME = "my-cli"\n',
    "app/components.py": '"""My app\'s own helpers."""\nDockerMachine = "the app\'s"\n',
    "app/cli.py": '''\
"""My deploy tool's command line."""
import argparse


def parse(argv):
    parser = argparse.ArgumentParser(prog="deploy")
    commands = parser.add_subparsers(dest="command", required=True)
    create = commands.add_parser("create")
    for name in ("name", "address", "ssh_key"):
        create.add_argument(name)
    commands.add_parser("rm").add_argument("name")
    return parser.parse_args(argv)
''',
}

APP = '''\
"""My deploy tool: a Docker host on my own server, through pulumi-docker-machine's Automation API."""
import json
import sys

import cli  # mine: cli.py beside this file
import components  # mine too
from pulumi_docker_machine import MachineSpec, create_machine, machine_env, remove_machine


def say(line):
    print(line, file=sys.stderr)


args = cli.parse(sys.argv[1:])
if args.command == "create":
    spec = MachineSpec(driver="generic", driver_options={"ip_address": args.address, "ssh_key": args.ssh_key},
                       engine={"install_url": "none", "labels": ["owner=me"]})
    create_machine(args.name, spec, say=say)
    print(json.dumps({"env": machine_env(args.name), "cli": cli.__file__, "components": components.DockerMachine,
                      "ours": sys.modules[create_machine.__module__].__file__}))
else:
    remove_machine(args.name, say=say)
'''

PROGRAM = '''\
"""One Docker host on a machine of mine, beside my own components/ and cli/ packages."""
import os
import sys

import pulumi
from pulumi.dynamic import CreateResult, Resource, ResourceProvider

import cli  # mine
import components  # mine: nothing to do with pulumi-docker-machine
import pulumi_docker_machine
from pulumi_docker_machine import DockerMachine, DockerMachineArgs, EngineOptions, GenericDriver


class WhatMyProviderSees(ResourceProvider):
    """Runs in the dynamic-provider host, the process that also runs pulumi-docker-machine's providers."""

    def create(self, props):
        ours = sorted(name for name in sys.modules if name.startswith("pulumi_docker_machine.components."))
        loaded_before = "components" in sys.modules
        import components
        return CreateResult("seen", {"components": components.DockerMachine, "loaded_before": loaded_before,
                                     "ours": ours, "cwd": os.getcwd()})


class Seen(Resource):
    components: pulumi.Output[str]
    loaded_before: pulumi.Output[bool]
    ours: pulumi.Output[list]
    cwd: pulumi.Output[str]

    def __init__(self, name, opts=None):
        super().__init__(WhatMyProviderSees(), name,
                         {"components": None, "loaded_before": None, "ours": None, "cwd": None}, opts)


config = pulumi.Config()
host = DockerMachine("box", DockerMachineArgs(
    driver=GenericDriver(ip_address=config.require("address"), ssh_key=config.require("ssh_key")),
    engine=EngineOptions(install_url="none", labels=["owner=me"]),
))
seen = Seen("seen", pulumi.ResourceOptions(depends_on=[host]))  # after our providers ran in that process
pulumi.export("docker_env", host.docker_env)
pulumi.export("ca_pem", host.ca_pem)
pulumi.export("client_cert_pem", host.client_cert_pem)
pulumi.export("client_key_pem", host.client_key_pem)
# What this process and the provider host saw (the test checks it).
pulumi.export("mine", {"components": components.DockerMachine, "components_file": components.__file__,
                       "cli": cli.NAME, "cli_file": cli.__file__})
pulumi.export("provider_host", {"components": seen.components, "loaded_before": seen.loaded_before,
                                "ours": seen.ours, "cwd": seen.cwd})
pulumi.export("process", {"ours": pulumi_docker_machine.__file__,
                          "machine": sys.modules[DockerMachine.__module__].__file__,
                          "cwd": os.getcwd(), "path": sys.path, "executable": sys.executable})
'''


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("my-docker-host")
    (folder / "requirements.txt").write_text("pulumi-docker-machine\n")
    # As a user would: pip install --find-links FOLDER-OF-THE-WHEEL -r requirements.txt
    wheel_venv(session_wheel(tmp_path_factory).parent, folder / "requirements.txt", folder / "venv")
    (folder / "Pulumi.yaml").write_text(PULUMI_YAML)
    (folder / "__main__.py").write_text(PROGRAM)
    for name, text in {**USERS_OWN, "app/deploy.py": APP}.items():
        (folder / name).parent.mkdir(exist_ok=True)
        (folder / name).write_text(text)
    return folder


@pytest.fixture(scope="module")
def venv_site(project) -> Path:
    return site_packages(project / "venv" / "bin" / "python")


def users_env(**extra: str) -> dict:
    """This test's environment (the engine first on PATH) without any Python setting of the repository's."""
    env = {key: value for key, value in os.environ.items() if not key.startswith(("PYTHON", "PULUMI_PYTHON"))}
    return {**env, **extra}


def host_undone(host) -> bool:
    return host.output("ls /etc/docker/server.pem 2>/dev/null || true") == ""


WHERE_FROM = (
    "import sys, importlib.metadata as m, pulumi_docker_machine.components, pulumi_docker_machine.cli;"
    "from pulumi_docker_machine import DockerMachine;"
    "print(pulumi_docker_machine.components.__file__); print(pulumi_docker_machine.cli.__file__);"
    "print(sys.modules[DockerMachine.__module__].__file__);"
    "print(m.distribution('pulumi-docker-machine').locate_file(''));"
)
THE_USERS_OWN = "import components, cli; print(components.DockerMachine, cli.NAME)"  # on purpose: the project's own


def test_the_wheel_not_the_repository(project, venv_site):
    assert sorted(path.name for path in venv_site.iterdir()) == [
        "pulumi-docker-machine-deps.pth",
        "pulumi_docker_machine",
        next(venv_site.glob("pulumi_docker_machine-*.dist-info")).name,
    ], "the wheel installs one package and its dist-info (the .pth reaches the dependencies)"
    # python -c: the project's folder first on sys.path, as the program's own folder is for pulumi's host.
    where = subprocess.run(
        [str(project / "venv" / "bin" / "python"), "-c", WHERE_FROM + THE_USERS_OWN],
        cwd=project,
        env={"PATH": os.environ["PATH"]},
        capture_output=True,
        text=True,
    )
    assert where.returncode == 0, where.stderr
    *ours, mine = where.stdout.splitlines()
    for line in ours:
        assert Path(line).is_relative_to(venv_site), f"{line} is not from the wheel in {venv_site}"
    assert mine == "mine my-cli", "the user's own packages stay the user's"
    assert not (venv_site / "pulumi").exists(), "the dependencies are reached through the .pth, not installed"


def test_automation_api_from_a_users_app(project, venv_site, remote_host, pulumi_engine, tmp_path):
    assert host_undone(remote_host), "the test host starts without a machine"
    store = tmp_path / "store"
    env = users_env(MACHINE_STORAGE_PATH=str(store), DOCKER_CONFIG=str(tmp_path / "docker-config"))

    def app(*args: str) -> subprocess.CompletedProcess:
        done = subprocess.run(
            [str(project / "venv" / "bin" / "python"), "app/deploy.py", *args],
            cwd=project,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert done.returncode == 0, f"deploy.py {' '.join(args)}:\n{done.stdout}{done.stderr}"
        return done

    made = json.loads(app("create", "web", remote_host.address, str(remote_host.ssh_key)).stdout)
    assert Path(made["cli"]) == project / "app" / "cli.py" and made["components"] == "the app's"
    assert Path(made["ours"]).is_relative_to(venv_site), made["ours"]
    docker_env = made["env"]
    assert docker_env["DOCKER_HOST"] == f"tcp://{remote_host.address}:2376"
    assert Path(docker_env["DOCKER_CERT_PATH"]) == store / "machines" / "web"
    busybox_hello(remote_host, docker_env, tmp_path / "client")
    assert "owner=me" in remote_host.output("cat /etc/docker/daemon.json")

    app("rm", "web")
    assert host_undone(remote_host), "remove_machine undid the host"
    assert not (store / "machines" / "web").exists(), "the store forgot the machine"


def pulumi(project: Path, env: dict, *args: str) -> subprocess.CompletedProcess:
    done = subprocess.run(["pulumi", *args], cwd=project, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, f"pulumi {' '.join(args)}:\n{done.stdout}{done.stderr}"
    return done


def test_pulumi_up_on_a_users_own_project(project, venv_site, remote_host, pulumi_engine, tmp_path):
    assert host_undone(remote_host), "the test host starts without a machine"
    env = users_env(
        PULUMI_BACKEND_URL=(tmp_path / "backend").as_uri(),
        PULUMI_CONFIG_PASSPHRASE="my passphrase",
        # The 3.79 language host ignores runtime.options.virtualenv (README): point it at the venv's python.
        PULUMI_PYTHON_CMD=str(project / "venv" / "bin" / "python"),
    )
    (tmp_path / "backend").mkdir()
    pulumi(project, env, "stack", "init", "dev")
    pulumi(project, env, "config", "set", "address", remote_host.address)
    pulumi(project, env, "config", "set", "ssh_key", str(remote_host.ssh_key))
    pulumi(project, env, "up", "--yes", "--skip-preview")

    out = json.loads(pulumi(project, env, "stack", "output", "--json", "--show-secrets").stdout)
    assert out["mine"] == {
        "components": "mine",
        "components_file": str(project / "components" / "__init__.py"),
        "cli": "my-cli",
        "cli_file": str(project / "cli" / "__init__.py"),
    }
    host_process = out["provider_host"]
    assert Path(host_process["cwd"]) == project, "the dynamic-provider host runs in the project's folder"
    assert "pulumi_docker_machine.components.material.providers" in host_process["ours"], host_process["ours"]
    assert host_process["loaded_before"] is False, "running our providers never imported the user's components"
    assert host_process["components"] == "mine"
    seen = out["process"]
    assert Path(seen["ours"]).is_relative_to(venv_site) and Path(seen["machine"]).is_relative_to(venv_site), seen
    assert Path(seen["cwd"]) == project
    assert Path(seen["executable"]).parent == project / "venv" / "bin"
    repo = [entry for entry in seen["path"] if entry and Path(entry).is_relative_to(ROOT)]
    assert all(Path(entry).is_relative_to(ROOT / ".venv") for entry in repo), f"the repository is on sys.path: {repo}"

    certs = write_client_certs(
        files.ensure_private_dir(tmp_path / "certs"), out["ca_pem"], out["client_cert_pem"], out["client_key_pem"]
    )
    docker_env = {**out["docker_env"], "DOCKER_CERT_PATH": str(certs)}
    assert docker_env["DOCKER_HOST"] == f"tcp://{remote_host.address}:2376"
    busybox_hello(remote_host, docker_env, tmp_path / "client")
    assert "owner=me" in remote_host.output("cat /etc/docker/daemon.json")

    pulumi(project, env, "destroy", "--yes", "--skip-preview")
    assert host_undone(remote_host), "destroy undid the host"
    state = json.loads(pulumi(project, env, "stack", "export").stdout)
    assert not state["deployment"].get("resources"), "the stack holds no resource after destroy"

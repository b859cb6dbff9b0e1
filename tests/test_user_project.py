"""A user's own Pulumi project, outside this repository, using the package as a user installs it.

A temporary folder with its own Pulumi.yaml, requirements.txt and __main__.py, and a venv holding
this project as a regular wheel (tests/wheelvenv.py): ``pulumi up`` (the CLI, through the Python
language host make engine builds) makes one generic DockerMachine on a test host, ``pulumi stack
output --json --show-secrets`` gives its docker env and certificates, the real docker client runs
busybox with only those, and ``pulumi destroy`` undoes it. The program's process must import the
package from the venv's site-packages and see nothing of the repository.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from pulumi_docker_machine.components import files
from tests.dockerenv import busybox_hello
from tests.wheelvenv import ROOT, build_wheel, site_packages, wheel_venv

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

PROGRAM = '''\
"""One Docker host on a machine of mine."""
import os
import sys

import pulumi

from pulumi_docker_machine import components
from pulumi_docker_machine.components import DockerMachine, DockerMachineArgs, EngineOptions, GenericDriver

config = pulumi.Config()
host = DockerMachine("box", DockerMachineArgs(
    driver=GenericDriver(ip_address=config.require("address"), ssh_key=config.require("ssh_key")),
    engine=EngineOptions(install_url="none", labels=["owner=me"]),
))
pulumi.export("docker_env", host.docker_env)
pulumi.export("ca_pem", host.ca_pem)
pulumi.export("client_cert_pem", host.client_cert_pem)
pulumi.export("client_key_pem", host.client_key_pem)
# What this process saw (the test checks it): where the package came from, its folder and its path.
pulumi.export("process", {"components": components.__file__, "cwd": os.getcwd(), "path": sys.path,
                          "executable": sys.executable})
'''


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("my-docker-host")
    wheel = build_wheel(tmp_path_factory.mktemp("wheel"))
    (folder / "requirements.txt").write_text("pulumi-docker-machine\n")
    # As a user would: pip install --find-links FOLDER-OF-THE-WHEEL -r requirements.txt
    wheel_venv(wheel.parent, folder / "requirements.txt", folder / "venv")
    (folder / "Pulumi.yaml").write_text(PULUMI_YAML)
    (folder / "__main__.py").write_text(PROGRAM)
    return folder


def pulumi(project: Path, env: dict, *args: str) -> subprocess.CompletedProcess:
    done = subprocess.run(["pulumi", *args], cwd=project, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, f"pulumi {' '.join(args)}:\n{done.stdout}{done.stderr}"
    return done


def test_the_wheel_not_the_repository(project):
    venv_site = site_packages(project / "venv" / "bin" / "python")
    where = subprocess.run([str(project / "venv" / "bin" / "python"), "-c",
                            "import pulumi_docker_machine.components, pulumi_docker_machine.cli, importlib.metadata as m;"
                            "print(pulumi_docker_machine.components.__file__); print(pulumi_docker_machine.cli.__file__);"
                            "print(m.distribution('pulumi-docker-machine').locate_file(''))"],
                           cwd=project, env={"PATH": os.environ["PATH"]}, capture_output=True, text=True)
    assert where.returncode == 0, where.stderr
    for line in where.stdout.splitlines():
        assert Path(line).is_relative_to(venv_site), f"{line} is not from the wheel in {venv_site}"
    assert not (venv_site / "pulumi").exists(), "the dependencies are reached through the .pth, not installed"


def test_pulumi_up_on_a_users_own_project(project, remote_host, pulumi_engine, tmp_path):
    env = {key: value for key, value in os.environ.items() if not key.startswith(("PYTHON", "PULUMI_PYTHON"))}
    env.update({
        "PULUMI_BACKEND_URL": (tmp_path / "backend").as_uri(),
        "PULUMI_CONFIG_PASSPHRASE": "my passphrase",
        # The 3.79 language host ignores runtime.options.virtualenv (README): point it at the venv's python.
        "PULUMI_PYTHON_CMD": str(project / "venv" / "bin" / "python"),
    })
    (tmp_path / "backend").mkdir()
    pulumi(project, env, "stack", "init", "dev")
    pulumi(project, env, "config", "set", "address", remote_host.address)
    pulumi(project, env, "config", "set", "ssh_key", str(remote_host.ssh_key))
    pulumi(project, env, "up", "--yes", "--skip-preview")

    out = json.loads(pulumi(project, env, "stack", "output", "--json", "--show-secrets").stdout)
    seen = out["process"]
    venv_site = site_packages(project / "venv" / "bin" / "python")
    assert Path(seen["components"]).is_relative_to(venv_site), seen["components"]
    assert Path(seen["cwd"]) == project
    assert Path(seen["executable"]).parent == project / "venv" / "bin"
    repo = [entry for entry in seen["path"] if entry and Path(entry).is_relative_to(ROOT)]
    assert all(Path(entry).is_relative_to(ROOT / ".venv") for entry in repo), f"the repository is on sys.path: {repo}"

    certs = files.write_client_certs(files.ensure_private_dir(tmp_path / "certs"), out["ca_pem"],
                                     out["client_cert_pem"], out["client_key_pem"])
    docker_env = {**out["docker_env"], "DOCKER_CERT_PATH": str(certs)}
    assert docker_env["DOCKER_HOST"] == f"tcp://{remote_host.address}:2376"
    busybox_hello(remote_host, docker_env, tmp_path / "client")
    assert "owner=me" in remote_host.output("cat /etc/docker/daemon.json")

    pulumi(project, env, "destroy", "--yes", "--skip-preview")
    assert remote_host.output("ls /etc/docker/server.pem 2>/dev/null || true") == "", "destroy undid the host"
    state = json.loads(pulumi(project, env, "stack", "export").stdout)
    assert not state["deployment"].get("resources"), "the stack holds no resource after destroy"

"""docker-machine through the real Pulumi engine (make engine) against a network-namespace test host.

The engine, state, secrets, the dynamic-provider process, SSH and dockerd are real; only the
pulumi-command provider is a stand-in (tests/fakes/command_provider.py: its Go module is not served
here). Each test drives the installed ``docker-machine`` script, as a user types it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import require
from tests.dockertools import busybox_image, static_busybox

pytestmark = [pytest.mark.remote_host, pytest.mark.engine]

SCRIPTS = Path(sys.executable).parent


@pytest.fixture(scope="module")
def host(remote_host):
    return remote_host


def machine(world, *args: str, input: str | None = None, timeout: float = 300) -> subprocess.CompletedProcess:
    """The installed docker-machine script with the test's environment (real engine first on PATH)."""
    require([] if (SCRIPTS / "docker-machine").exists() else ["the installed docker-machine script"], "engine tests")
    env = {**os.environ, **world.env, "DOCKER_CONFIG": str(world.docker_config)}
    return subprocess.run([str(SCRIPTS / "docker-machine"), *args], capture_output=True, text=True, input=input,
                          env=env, timeout=timeout)


def shell(world, command: str, timeout: float = 120) -> subprocess.CompletedProcess:
    env = {**os.environ, **world.env, "PATH": f"{SCRIPTS}:{os.environ['PATH']}",
           "DOCKER_CONFIG": str(world.docker_config)}
    return subprocess.run(["bash", "-c", command], capture_output=True, text=True, env=env, timeout=timeout)


def create_generic(world, host, name: str, *extra: str) -> subprocess.CompletedProcess:
    return machine(world, "create", "-d", "generic", "--generic-ip-address", host.address,
                   "--generic-ssh-key", str(host.ssh_key), "--engine-install-url", "none", *extra, name)


def test_create_env_run_rm_through_the_engine(world, host, pulumi_engine, tmp_path):
    created = create_generic(world, host, "bed", "--engine-label", "via=engine")
    assert created.returncode == 0, created.stdout + created.stderr
    assert "Docker is up and running!" in created.stdout

    ls = machine(world, "ls", "--format", "{{.Name}} {{.DriverName}} {{.State}} {{.URL}}")
    assert ls.stdout.strip() == f"bed generic Running tcp://{host.address}:2376", ls.stdout + ls.stderr
    inspect = machine(world, "inspect", "--format", "{{.Driver.IPAddress}}", "bed")
    assert inspect.stdout.strip() == host.address

    image = tmp_path / "busybox.tar"
    image.write_bytes(busybox_image(static_busybox()))
    imported = shell(world, f"docker $(docker-machine config bed) import - busybox:latest < {image}")
    assert imported.returncode == 0, imported.stderr
    by_config = shell(world, "docker $(docker-machine config bed) run --rm busybox echo hello world")
    assert by_config.returncode == 0 and by_config.stdout == "hello world\n", by_config.stderr
    by_env = shell(world, 'eval "$(docker-machine env bed)" && docker run --rm busybox echo hello world')
    assert by_env.returncode == 0 and by_env.stdout == "hello world\n", by_env.stderr
    labels = shell(world, "docker $(docker-machine config bed) info --format '{{json .Labels}}'")
    assert "via=engine" in labels.stdout

    removed = machine(world, "rm", "-y", "bed")
    assert removed.returncode == 0, removed.stdout + removed.stderr
    assert not (world.root / "machines" / "bed").exists()
    assert host.output("ls /etc/docker/server.pem 2>/dev/null || true") == "", "the host's TLS setup is undone"
    assert host.ssh("command -v dockerd").returncode == 0, "Docker stays installed on a lent host"

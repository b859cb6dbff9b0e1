"""The read-side CLI against a real Docker engine on the test host, with the real docker and ssh clients."""

from __future__ import annotations

import contextlib
import dataclasses
import os
import shlex
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from pulumi_docker_machine.components.cert import create_ca
from pulumi_docker_machine.components.engine import EngineOptions
from pulumi_docker_machine.components.provision import provisioning
from tests.conftest import add_machine, require
from tests.dockertools import busybox_image, docker, static_busybox

pytestmark = pytest.mark.remote_host


@pytest.fixture(scope="module")
def host(remote_host):
    return remote_host


@pytest.fixture(scope="module")
def engine_on_host(host, tmp_path_factory):
    """The test host's engine provisioned once for the module with a CA of its own, busybox imported; returns
    that CA and a function that provisions again when a test stopped the engine."""
    ca = create_ca("tester")
    folder = add_machine(
        tmp_path_factory.mktemp("provisioner") / "store",
        "bed",
        ip=host.address,
        engine_port=2376,
        ssh_key=host.ssh_key,
        labels=("env=bed",),
        ca=ca,
        docker_context=False,
    )
    plan = provisioning(
        EngineOptions(install_url="none", labels=["env=bed"]),
        "generic",
        ca_pem=(folder / "ca.pem").read_text(),
        server_cert_pem=(folder / "server.pem").read_text(),
        server_key_pem=(folder / "server-key.pem").read_text(),
        daemon_timeout=60,
    )

    def provision() -> None:
        result = host.ssh(plan.command, plan.stdin)
        assert result.returncode == 0, result.stderr.decode()

    def running() -> bool:
        return host.output('kill -0 "$(cat /var/run/docker.pid 2>/dev/null)" 2>/dev/null && echo up || true') == "up\n"

    provision()
    imported = docker(
        host,
        f"tcp://{host.address}:2376",
        folder,
        "import",
        "-",
        "busybox:latest",
        stdin=busybox_image(static_busybox()),
    )
    assert imported.returncode == 0, imported.stderr
    return ca, lambda: running() or provision()


@pytest.fixture
def bed(world, host, engine_on_host):
    """Machine 'bed' in this test's store, with the certificates of the CA the host's engine was provisioned
    with (the engine is provisioned again when an earlier test stopped it)."""
    ca, ensure_running = engine_on_host
    ensure_running()
    return add_machine(
        world.root, "bed", ip=host.address, engine_port=2376, ssh_key=host.ssh_key, labels=("env=bed",), ca=ca
    )


def shell(world, command: str, timeout: float = 120) -> subprocess.CompletedProcess:
    """bash with the installed docker-machine first on PATH, as a user types it."""
    scripts = Path(sys.executable).parent
    require([] if (scripts / "docker-machine").exists() else ["the installed docker-machine script"], "shell tests")
    env = {
        "PATH": f"{scripts}:{os.environ['PATH']}",
        "HOME": str(world.root.parent),
        **world.env,
        "DOCKER_CONFIG": str(world.docker_config),
    }
    return subprocess.run(["bash", "-c", command], capture_output=True, text=True, env=env, timeout=timeout)


def test_docker_with_config_flags_runs_busybox(world, host, bed):
    result = shell(world, "docker $(docker-machine config bed) run --rm busybox echo hello world")
    assert result.returncode == 0, result.stderr
    assert result.stdout == "hello world\n"


def test_eval_env_then_docker_version(world, host, bed):
    result = shell(world, 'eval "$(docker-machine env bed)" && docker version --format "{{.Server.Version}}"')
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() in host.output("dockerd --version")


def test_docker_context_named_after_the_machine(world, host, bed):
    result = shell(world, "docker --context bed version --format '{{.Server.Version}}'")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() in host.output("dockerd --version")


def test_ssh_lists_the_host(world, host, bed):
    result = shell(world, "docker-machine ssh bed -- ls /")
    assert result.returncode == 0, result.stderr
    assert {"etc", "usr", "var"} <= set(result.stdout.split())
    exit_code = shell(world, "docker-machine ssh bed -- exit 3")
    assert exit_code.returncode == 3, "the remote command's exit code comes back"


def test_scp_there_and_back(world, host, bed, tmp_path):
    source = tmp_path / "note.txt"
    source.write_text("from the laptop\n")
    up = shell(world, f"docker-machine scp -q {source} bed:/tmp/dmtest-note.txt")
    assert up.returncode == 0, up.stderr
    assert host.output("cat /tmp/dmtest-note.txt") == "from the laptop\n"
    down = shell(world, f"docker-machine scp -q bed:/tmp/dmtest-note.txt {tmp_path / 'back.txt'}")
    assert down.returncode == 0, down.stderr
    assert (tmp_path / "back.txt").read_text() == "from the laptop\n"
    host.output("rm -f /tmp/dmtest-note.txt")


def test_ls_running_then_engine_stopped_then_unreachable(world, host, bed):
    version = host.output("dockerd --version").split()[2].rstrip(",")
    row = shell(world, "docker-machine ls --filter name=bed").stdout.splitlines()[1].split()
    assert row == ["bed", "-", "generic", "Running", f"tcp://{host.address}:2376", f"v{version}"]

    host.output("kill $(cat /var/run/docker.pid); while [ -e /var/run/docker.pid ]; do sleep 0.2; done")
    start = time.monotonic()
    stopped = shell(world, "docker-machine ls -t 30 --filter name=bed").stdout.splitlines()[1]
    assert time.monotonic() - start < 15, "a refused connection does not wait out the timeout"
    assert stopped.split()[:4] == ["bed", "-", "generic", "Error"], "SSH answers, Docker does not"
    assert "Cannot connect to the docker engine endpoint (connection refused)" in stopped

    netns = ["nsenter", f"--net=/run/netns/{host.name}"]
    rules = [["iptables", "-I", "INPUT", "-p", "tcp", "--dport", port, "-j", "DROP"] for port in ("2376", "22")]
    for rule in rules:
        subprocess.run(netns + rule, check=True)
    try:
        start = time.monotonic()
        result = shell(world, "docker-machine ls -t 2 --filter name=bed")
        elapsed = time.monotonic() - start
        assert result.stdout.splitlines()[1].split()[:4] == ["bed", "-", "generic", "Timeout"]
        # At least the 2 s asked for, and well under docker-machine's default 10 s (with room for a busy machine).
        assert 2 <= elapsed < 8, f"ls took {elapsed:.1f}s for -t 2"
    finally:
        for rule in rules:
            subprocess.run(netns + [rule[0], "-D", *rule[2:]], check=True)


def test_options_typed_after_the_name_are_ssh_options_as_in_docker_machine(world, host, bed, tmp_path):
    """docker-machine passed the words after the name to ssh after the destination, where OpenSSH reads options
    (#22): the user's own -o ProxyCommand runs here, as it did there. Values from the store never become options
    (tests/test_store_fuzz.py, tests/test_dropin_globals.py)."""
    marker = tmp_path / "proxy-ran"
    shell(world, f"docker-machine ssh bed -oProxyCommand='touch {marker}' true")
    assert marker.exists()


def test_scp_delta_takes_an_rsh_looking_path_as_a_path(world, host, bed, tmp_path):
    require([] if shutil.which("rsync") else ["rsync"], "scp -d")
    marker = tmp_path / "rsh-ran"
    result = shell(world, f"cd {tmp_path} && docker-machine scp -d -q '--rsh=touch {marker}' bed:/tmp/")
    assert not marker.exists(), "the path became an rsync option and ran here"
    assert result.returncode != 0


def missing_for_delta_and_mount() -> list[str]:
    """What scp -d (rsync) and mount (sshfs over FUSE) need here; .ci/install-system-deps installs them."""
    missing = [f"{tool} (Debian package {tool})" for tool in ("rsync", "sshfs") if not shutil.which(tool)]
    if not shutil.which("fusermount3") and not shutil.which("fusermount"):
        missing.append("fusermount3 (Debian package fuse3)")
    if not Path("/dev/fuse").exists():
        missing.append("/dev/fuse (the fuse kernel module)")
    return missing


@contextlib.contextmanager
def mounted(world, remote: str, mountpoint: Path):
    """``docker-machine mount REMOTE MOUNTPOINT`` succeeds for the block, and ``mount -u`` after it."""
    done = shell(world, f"docker-machine mount {shlex.quote(remote)} {shlex.quote(str(mountpoint))}")
    assert done.returncode == 0, done.stderr
    try:
        yield mountpoint
    finally:
        undone = shell(world, f"docker-machine mount -u {shlex.quote(remote)} {shlex.quote(str(mountpoint))}")
        assert undone.returncode == 0, undone.stderr


def test_ssh_and_scp_with_a_store_path_holding_spaces(world, host, bed, tmp_path):
    require(missing_for_delta_and_mount(), "ssh, scp, scp -d and mount with a store path holding spaces")
    root = tmp_path / "my machine store"
    add_machine(root, "spacey", ip=host.address, engine_port=2376, ssh_key=host.ssh_key, ca=create_ca("tester"))
    spaced = dataclasses.replace(world, root=root, env={**world.env, "MACHINE_STORAGE_PATH": str(root)})
    assert shell(spaced, "docker-machine ssh spacey -- true").returncode == 0
    source = tmp_path / "note.txt"
    source.write_text("spaces are fine\n")
    up = shell(spaced, f"docker-machine scp -q {source} spacey:/tmp/dmtest-spaces.txt")
    assert up.returncode == 0, up.stderr
    assert host.output("cat /tmp/dmtest-spaces.txt") == "spaces are fine\n"
    delta = shell(spaced, f"docker-machine scp -d -q {source} spacey:/tmp/dmtest-spaces-d.txt")
    assert delta.returncode == 0, delta.stderr
    assert host.output("cat /tmp/dmtest-spaces-d.txt") == "spaces are fine\n"
    mountpoint = tmp_path / "mnt"
    mountpoint.mkdir()
    with mounted(spaced, "spacey:/tmp", mountpoint):
        assert (mountpoint / "dmtest-spaces.txt").read_text() == "spaces are fine\n"
    assert not (mountpoint / "dmtest-spaces.txt").exists(), "unmounted"
    host.output("rm -f /tmp/dmtest-spaces.txt /tmp/dmtest-spaces-d.txt")


def test_generic_restart_reboots_over_ssh_and_reports_a_failure(world, host, bed, tmp_path):
    host_config = world.store().load("bed")
    host_config.data["Pulumi"]["Spec"] = {"driver": "generic"}
    world.store().save(host_config, docker_context=False)
    # No systemd in the test host: Debian's shutdown fails, and restart must say so.
    failed = shell(world, "docker-machine restart bed")
    assert failed.returncode == 1
    assert "Error restarting 'bed': 'sudo shutdown -r now' failed:" in failed.stderr, failed.stderr
    # A shutdown that works (recording its arguments): restart succeeds.
    host.output(
        "mkdir -p /usr/local/sbin && printf '#!/bin/sh\\necho \"$*\" >/tmp/dmtest-shutdown\\n' "
        ">/usr/local/sbin/shutdown && chmod 755 /usr/local/sbin/shutdown"
    )
    try:
        done = shell(world, "docker-machine restart bed")
        assert done.returncode == 0, done.stderr
        assert host.output("cat /tmp/dmtest-shutdown").strip() == "-r now"
    finally:
        host.output("rm -f /usr/local/sbin/shutdown /tmp/dmtest-shutdown")


def test_mount_a_folder_of_the_machine_and_unmount_it(world, host, bed, tmp_path):
    require(missing_for_delta_and_mount(), "mount")
    host.output("mkdir -p /srv/dmtest && echo 'from the machine' >/srv/dmtest/hello.txt")
    mountpoint = tmp_path / "mounted here"
    mountpoint.mkdir()
    with mounted(world, "bed:/srv/dmtest", mountpoint):
        assert (mountpoint / "hello.txt").read_text() == "from the machine\n"
    assert not (mountpoint / "hello.txt").exists()

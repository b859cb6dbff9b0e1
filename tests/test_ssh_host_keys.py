"""A machine's SSH host key is pinned on first contact (STORE/machines/NAME/known_hosts) and required from then on
by ssh, scp (and scp -d) and mount; a changed key is one line naming the machine and the way out. The first contact
of a machine made here is its create's provisioning, which reports the key (pinned before any ssh of the user's);
an import carries it, and later provisioning requires it too."""

from __future__ import annotations

import os
import shutil
import signal
import stat
import subprocess
import time
from pathlib import Path

import pytest

from pulumi_docker_machine.components.cert import create_ca
from tests.conftest import add_machine, require
from tests.test_cli_real_host import missing_for_delta_and_mount, mounted, shell

# ----- the arguments (no host needed) ------------------------------------------------------------------------------


def option_values(args: list[str]) -> dict[str, str]:
    return dict(args[i + 1].split("=", 1) for i, word in enumerate(args) if word == "-o")


def test_ssh_pins_on_first_contact_then_requires_the_pinned_key(world, tmp_path):
    from pulumi_docker_machine.knownhosts import HostKeyPin
    from pulumi_docker_machine.sshargs import ssh_command

    add_machine(world.root, "pinme", ip="127.0.0.9", engine_port=2376)
    store = world.store()
    host, pin = store.load("pinme"), HostKeyPin.of(store, "pinme")
    first = option_values(ssh_command(host, ["true"], pin))
    known = store.machine_dir("pinme") / "known_hosts"
    assert first["StrictHostKeyChecking"] == "accept-new"
    assert first["UserKnownHostsFile"] == f'"{known}"' and first["HostKeyAlias"] == "pinme"
    assert first["GlobalKnownHostsFile"] == "/dev/null"
    assert stat.S_IMODE(known.stat().st_mode) == 0o600, "ssh appends the first key to a file only we read"
    known.write_text("pinme ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHb8DBaZ8jAydzEk6hhrQUOsC0eE8E7m7OqUE5a4UmIH\n")
    assert option_values(ssh_command(host, ["true"], pin))["StrictHostKeyChecking"] == "yes"
    assert "StrictHostKeyChecking=no" not in ssh_command(host, ["true"], pin)


def test_a_store_path_ssh_options_cannot_carry_is_one_line(world, tmp_path):
    from pulumi_docker_machine.knownhosts import HostKeyPin, UnusablePath

    with pytest.raises(UnusablePath, match="double quote"):
        HostKeyPin("m", tmp_path / 'a"b' / "known_hosts").options()


def test_sshfs_options_keep_commas_and_backslashes_literal():
    from pulumi_docker_machine.cli.mount import fuse_option

    # libfuse splits -o at commas: an unescaped one would start a new option (the ProxyCommand= of issue #19).
    assert (
        fuse_option('IdentityFile="/s,tore/id",ProxyCommand=touch x')
        == 'IdentityFile="/s\\,tore/id"\\,ProxyCommand=touch x'
    )
    assert fuse_option('UserKnownHostsFile="/a\\b"') == 'UserKnownHostsFile="/a\\\\b"'


def test_scp_config_gives_each_machine_its_own_address_port_key_and_pin(world):
    from pulumi_docker_machine.knownhosts import HostKeyPin
    from pulumi_docker_machine.sshargs import config_block

    add_machine(world.root, "one", ip="127.0.0.5", engine_port=2376, ssh_port=2201, ssh_key=Path(__file__))
    store = world.store()
    block = config_block("docker-machine.one", store.load("one"), HostKeyPin.of(store, "one"))
    assert block.splitlines() == [
        "Host docker-machine.one",
        "  HostName 127.0.0.5",
        "  Port 2201",
        "  HostKeyAlias one",
        f'  UserKnownHostsFile "{store.machine_dir("one") / "known_hosts"}"',
        "  GlobalKnownHostsFile /dev/null",
        "  StrictHostKeyChecking accept-new",
        "  UpdateHostKeys no",
        "  CheckHostIP no",
        f'  IdentityFile "{store.machine_dir("one") / "id_ed25519"}"',
        "  IdentitiesOnly yes",
    ]


# ----- against a real test host ------------------------------------------------------------------------------------


@pytest.fixture
def host(remote_host):
    """The module's test host. Tests change its host key: each one pins the key it finds at its start (in a
    store of its own), and the key of a test that changed it stays changed for the next."""
    return remote_host


def regenerate_host_key(host) -> None:
    """A new ed25519 host key, and sshd (the test host's process 1 of its session) re-reads it on SIGHUP."""
    key = host.workdir / "host_ed25519"
    key.unlink()
    Path(f"{key}.pub").unlink()
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(key)], check=True)
    sshd = host._sshd.pid
    assert Path(f"/proc/{sshd}/comm").read_text().strip() == "sshd"
    os.kill(sshd, signal.SIGHUP)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        scan = subprocess.run(["ssh-keyscan", "-T", "2", "-t", "ed25519", host.address], capture_output=True, text=True)
        if Path(f"{key}.pub").read_text().split()[1] in scan.stdout:
            return
        time.sleep(0.2)
    raise AssertionError("sshd did not come back with the new host key")


@pytest.mark.remote_host
def test_first_contact_pins_and_a_changed_host_key_is_refused_by_ssh_scp_and_mount(world, host, tmp_path):
    require([c for c in ("scp",) if shutil.which(c) is None] + missing_for_delta_and_mount(), "the host-key test")
    add_machine(world.root, "pinned", ip=host.address, engine_port=2376, ssh_key=host.ssh_key, ca=create_ca("tester"))
    known = world.root / "machines" / "pinned" / "known_hosts"
    first = shell(world, "docker-machine ssh pinned -- echo hello")
    assert (first.returncode, first.stdout) == (0, "hello\n"), first.stderr
    old_key = (host.workdir / "host_ed25519.pub").read_text().split()[:2]
    assert known.read_text().split() == ["pinned", *old_key], "the host's key, under the machine's name"
    assert stat.S_IMODE(known.stat().st_mode) == 0o600
    source = tmp_path / "note.txt"
    source.write_text("pinned\n")
    assert shell(world, f"docker-machine scp -q {source} pinned:/tmp/dmtest-pin.txt").returncode == 0
    assert shell(world, f"docker-machine scp -d -q {source} pinned:/tmp/dmtest-pin-d.txt").returncode == 0
    assert known.read_text().split() == ["pinned", *old_key], "still one key"

    regenerate_host_key(host)
    pinned = known.read_text()
    line = (
        f'Error: the SSH host key of machine "pinned" is not the one pinned in {known}: the machine was rebuilt, '
        "or someone is intercepting the connection; if you know it was rebuilt, delete that file and connect "
        "again to pin the new key\n"
    )
    refused = shell(world, "docker-machine ssh pinned -- touch /tmp/dmtest-ran")
    assert (refused.returncode, refused.stdout, refused.stderr) == (1, "", line)
    assert host.ssh("test -e /tmp/dmtest-ran").returncode == 1, "nothing ran on the host"
    for copy in (
        f"docker-machine scp -q {source} pinned:/tmp/dmtest-pin2.txt",
        f"docker-machine scp -q pinned:/tmp/dmtest-pin.txt {tmp_path / 'back.txt'}",
        f"docker-machine scp -d -q {source} pinned:/tmp/dmtest-pin2.txt",
    ):
        result = shell(world, copy)
        assert (result.returncode, result.stderr) == (1, line), copy
    assert host.ssh("test -e /tmp/dmtest-pin2.txt").returncode == 1 and not (tmp_path / "back.txt").exists()
    mountpoint = tmp_path / "mnt"
    mountpoint.mkdir()
    refused = shell(world, f"docker-machine mount pinned:/tmp {mountpoint}")
    try:
        assert (refused.returncode, refused.stderr) == (1, line)
        assert not os.path.ismount(mountpoint)
    finally:
        if os.path.ismount(mountpoint):
            subprocess.run(["fusermount3", "-u", str(mountpoint)])
    assert known.read_text() == pinned, "a refused key is never written over the pinned one"

    # The way out the line names: the next contact pins the new key.
    known.unlink()
    again = shell(world, "docker-machine ssh pinned -- echo again")
    assert (again.returncode, again.stdout) == (0, "again\n"), again.stderr
    new_key = (host.workdir / "host_ed25519.pub").read_text().split()[:2]
    assert known.read_text().split() == ["pinned", *new_key] and new_key != old_key
    with mounted(world, "pinned:/tmp", mountpoint):
        assert (mountpoint / "dmtest-pin.txt").read_text() == "pinned\n"


@pytest.mark.remote_host
def test_a_comma_in_the_store_path_works_with_mount(world, host, tmp_path):
    require(missing_for_delta_and_mount(), "mount")
    import dataclasses

    root = tmp_path / "store,with,commas"
    add_machine(root, "comma", ip=host.address, engine_port=2376, ssh_key=host.ssh_key, ca=create_ca("tester"))
    store = dataclasses.replace(world, root=root, env={**world.env, "MACHINE_STORAGE_PATH": str(root)})
    host.output("mkdir -p /srv/dmtest && echo commas > /srv/dmtest/c.txt")
    mountpoint = tmp_path / "mnt"
    mountpoint.mkdir()
    with mounted(store, "comma:/srv/dmtest", mountpoint):
        assert (mountpoint / "c.txt").read_text() == "commas\n"
    assert (root / "machines" / "comma" / "known_hosts").read_text().split()[0] == "comma"


# ----- pinned at create, carried by import, required by provisioning (the real engine) -----------------------------


@pytest.mark.remote_host
@pytest.mark.engine
def test_create_pins_import_carries_and_provisioning_refuses_a_changed_key(
    world, host, pulumi_engine, tmp_path, monkeypatch
):
    import dataclasses

    from tests.test_engine_cli import create_generic, machine

    backend = (tmp_path / "team-backend").as_uri()
    monkeypatch.setenv("PULUMI_CONFIG_PASSPHRASE", "team secret passphrase")
    created = create_generic(world, host, "pinned", "--backend-url", backend)
    assert created.returncode == 0, created.stdout + created.stderr
    known = world.root / "machines" / "pinned" / "known_hosts"
    host_key = " ".join((host.workdir / "host_ed25519.pub").read_text().split()[:2])
    # No ssh of the user's yet: the create's provisioning reported the key the test host's sshd serves (not
    # this machine's /etc/ssh keys, which the test host's file system shows too).
    assert known.read_text() == f"pinned {host_key}\n"
    assert stat.S_IMODE(known.stat().st_mode) == 0o600
    first = shell(world, "docker-machine ssh pinned -- echo hello")
    assert (first.returncode, first.stdout) == (0, "hello\n"), first.stderr
    assert known.read_text() == f"pinned {host_key}\n"

    other_root = tmp_path / "colleague-store"
    other = dataclasses.replace(world, root=other_root, env={**world.env, "MACHINE_STORAGE_PATH": str(other_root)})
    imported = machine(other, "import", "--backend-url", backend)
    assert imported.returncode == 0 and "Imported pinned" in imported.stdout, imported.stdout + imported.stderr
    assert (other_root / "machines" / "pinned" / "known_hosts").read_text() == f"pinned {host_key}\n"

    # The first update after create requires the pinned key (connection.hostKey): the right one passes.
    host.output("rm /etc/docker/daemon.json")
    provisioned = machine(world, "provision", "--backend-url", backend, "pinned")
    assert provisioned.returncode == 0, provisioned.stdout + provisioned.stderr
    assert '"tlsverify": true' in host.output("cat /etc/docker/daemon.json")

    regenerate_host_key(host)
    host.output("rm /etc/docker/daemon.json")
    monkeypatch.setenv("PDM_TEST_STANDIN_BACKOFF_SCALE", "0.02")  # the dial's 30 retries, shortened
    line = (
        f'Error: the SSH host key of machine "pinned" is not the one pinned in {known}: the machine was rebuilt, '
        "or someone is intercepting the connection; if you know it was rebuilt, delete that file and connect "
        "again to pin the new key\n"
    )
    refused = machine(world, "provision", "--backend-url", backend, "pinned")
    assert (refused.returncode, refused.stderr) == (1, line), refused.stdout + refused.stderr
    assert host.ssh("test -e /etc/docker/daemon.json").returncode == 1, "nothing ran on the host"
    assert known.read_text() == f"pinned {host_key}\n", "the pin stays"
    by_ssh = shell(world, "docker-machine ssh pinned -- true")
    assert (by_ssh.returncode, by_ssh.stdout, by_ssh.stderr) == (1, "", line)


@pytest.mark.remote_host
@pytest.mark.parametrize("user", ["root", "dmsudo"])
def test_provisioning_reports_the_key_its_own_sshd_serves(remote_host, user):
    """The script's block names the key of the sshd that serves the connection (the test host's own, from a
    HostKey outside /etc/ssh), not the /etc/ssh keys the host's file system also shows, as root and through sudo
    (where SSH_CONNECTION is read from the callers' environment)."""
    from pulumi_docker_machine.components.provision.render import body, remote_command
    from pulumi_docker_machine.components.ssh.hostkeys import host_keys_from_output
    from tests.fakes.remote_command import run

    if user != "root" and remote_host.ssh(f"id {user}").returncode != 0:
        remote_host.add_user(user)
    script = "set -eu\n" + body() + "print_host_keys\n"
    connection = {"host": remote_host.address, "user": user, "privateKey": remote_host.ssh_key.read_text()}
    stdout, _ = run(connection, remote_command(script, user), allowed=lambda address: address == remote_host.address)
    served = " ".join((remote_host.workdir / "host_ed25519.pub").read_text().split()[:2])
    assert host_keys_from_output(stdout) == [served], stdout

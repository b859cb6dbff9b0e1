"""A killed docker-machine never wedges its machine: through the real engine, against a test host.

SIGKILL of the command, or a hang-up (its terminal closed), while it provisions: the engine cancels and
unlocks, no pulumi or plugin process is left, and then ``ls``, ``create`` again (resuming) and ``rm -y``
work. A lock whose pulumi is gone (the whole tree killed) is removed by the next command, with one line;
a lock from another host is not judged, ``--force-unlock`` removes it.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import time
from datetime import datetime, timezone
from pathlib import Path

import pytest

from tests.test_engine_cli import (
    SCRIPTS,
    create_generic,
    engine_world,
    environment,
    generic_create_args,
    machine,
    shell,
)

pytestmark = [pytest.mark.remote_host, pytest.mark.engine]


@pytest.fixture(scope="module")
def host(remote_host):
    return remote_host


def engine_processes(world) -> list[int]:
    """Processes (pulumi, its plugins, our guard) working on this test's store: its backend is in their
    environment."""
    marker = f"PULUMI_BACKEND_URL={(world.root / 'state').as_uri()}".encode()
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit() and int(entry) != os.getpid():
            try:
                environ = Path(f"/proc/{entry}/environ").read_bytes()
            except OSError:
                continue
            if marker in environ.split(b"\0"):
                found.append(int(entry))
    return found


def lock_files(world) -> list[Path]:
    return list((world.root / "state").rglob("locks/**/*.json"))


def wait_until(check, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, f"still {what} after {timeout} s"
        time.sleep(0.2)


def start_create_and_stop_it_while_provisioning(world, host, name: str, stop) -> str:
    env = {**os.environ, **world.env, "DOCKER_CONFIG": str(world.docker_config)}
    process = subprocess.Popen(
        [str(SCRIPTS / "docker-machine"), *generic_create_args(host, name)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
        start_new_session=True,
    )
    lines = []
    for line in process.stdout:  # type: ignore[union-attr]
        lines.append(line)
        if line.startswith("Waiting for SSH to be available"):
            assert lock_files(world), "the engine holds the stack's lock while it provisions"
            stop(process)
            break
    try:
        rest = process.communicate(timeout=300)[0]
    except ValueError:  # its output pipe was closed
        rest = ""
    return "".join(lines) + (rest or "")


def usable_afterwards(world, host, name: str) -> None:
    # The engine finishes the step under way, saves the state and unlocks; nothing of it stays behind.
    wait_until(lambda: not engine_processes(world), 120, "pulumi or plugin processes of the killed command running")
    assert not lock_files(world), "the stack's lock was released"
    ls = machine(world, "ls", "--format", "{{.Name}} {{.State}}")
    assert ls.returncode == 0, ls.stdout + ls.stderr
    again = machine(world, *generic_create_args(host, name))
    assert again.returncode == 0, again.stdout + again.stderr
    assert "Docker is up and running!" in again.stdout
    ls = machine(world, "ls", "--format", "{{.Name}} {{.State}}")
    assert ls.stdout.strip() == f"{name} Running", ls.stdout + ls.stderr
    assert shell(world, f"docker $(docker-machine config {name}) version").returncode == 0
    removed = machine(world, "rm", "-y", name)
    assert removed.returncode == 0, removed.stdout + removed.stderr
    assert not engine_processes(world) and not lock_files(world)


def test_sigkill_while_provisioning_leaves_a_usable_machine(world, host, pulumi_engine):
    def kill(process):
        process.kill()  # SIGKILL of docker-machine alone: nothing of it runs to clean up
        process.stdout.close()

    start_create_and_stop_it_while_provisioning(world, host, "killed", kill)
    usable_afterwards(world, host, "killed")


def test_hangup_while_provisioning_cancels_like_ctrl_c(world, host, pulumi_engine):
    # A closed terminal: SIGHUP to the command's process group, and nobody reads its output any more.
    def hang_up(process):
        os.killpg(process.pid, signal.SIGHUP)
        process.stdout.close()

    start_create_and_stop_it_while_provisioning(world, host, "hungup", hang_up)
    usable_afterwards(world, host, "hungup")


def test_sigterm_while_provisioning_is_reported_as_an_interrupt(world, host, pulumi_engine):
    out = start_create_and_stop_it_while_provisioning(
        world, host, "termed", lambda process: process.send_signal(signal.SIGTERM)
    )
    assert "Interrupted: the update of 'termed' was cancelled" in out, out
    usable_afterwards(world, host, "termed")


def dead_pid() -> int:
    process = subprocess.Popen(["true"])
    process.wait()
    return process.pid


def plant_lock(world, name: str, hostname: str, pid: int) -> Path:
    """A lock as the file backend writes it (pid, user, host, time), for a stack that exists."""
    folder = world.root / "state" / ".pulumi" / "locks" / "organization" / "docker-machine" / name
    assert folder.parent.is_dir() or lock_files(world) == [], "the backend's lock layout is as expected"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "0f0f0f0f-dead-4bad-8bad-0f0f0f0f0f0f.json"
    path.write_text(
        json.dumps(
            {
                "pid": pid,
                "username": "root",
                "hostname": hostname,
                "timestamp": datetime.now(timezone.utc).isoformat().replace("+00:00", "Z"),
            }
        )
    )
    return path


@pytest.fixture(scope="module")
def locked(host, built_engine, tmp_path_factory):
    """Machine 'held', made once, for the tests of locks planted beside it and of the user's environment; the
    last of them removes it."""
    world, settings = engine_world(tmp_path_factory, built_engine, "locked")
    with environment(settings):
        created = create_generic(world, host, "held")
    yield world, created
    if (world.root / "machines" / "held").exists():
        with environment(settings):
            machine(world, "rm", "-f", "-y", "--force-unlock", "held")


def test_a_dead_lock_is_removed_with_one_line_and_a_stale_agent_socket_does_not_fail_provisioning(
    locked, host, pulumi_engine, tmp_path, monkeypatch
):
    world, created = locked
    assert created.returncode == 0, created.stdout + created.stderr
    pid = dead_pid()
    planted = plant_lock(world, "held", socket.gethostname(), pid)
    # A closed SSH session leaves SSH_AUTH_SOCK naming a socket nobody answers; pulumi-command v1.2.1 (and
    # the stand-in) would fail every step on it at once. Machines are reached with their own keys.
    monkeypatch.setenv("SSH_AUTH_SOCK", str(tmp_path / "agent.gone"))
    host.output("rm /etc/docker/daemon.json")
    provisioned = machine(world, "provision", "held")
    assert provisioned.returncode == 0, provisioned.stdout + provisioned.stderr
    said = [line for line in provisioned.stdout.splitlines() if "stale lock" in line]
    assert said == [f"Removed a stale lock of 'held' left by a command that was killed (pid {pid} is gone)"], (
        provisioned.stdout
    )
    assert not planted.exists()
    assert not lock_files(world)
    assert '"tlsverify": true' in host.output("cat /etc/docker/daemon.json"), "the provisioning step ran over SSH"


def test_a_live_or_foreign_lock_is_busy_until_force_unlock(locked, pulumi_engine):
    world, created = locked
    assert created.returncode == 0, created.stdout + created.stderr
    live = plant_lock(world, "held", socket.gethostname(), os.getpid())  # a process that runs: not stale
    busy = machine(world, "provision", "held")
    assert busy.returncode == 1
    assert "machine 'held' is busy" in busy.stderr and "--force-unlock" in busy.stderr, busy.stdout + busy.stderr
    assert live.exists()
    live.unlink()
    foreign = plant_lock(world, "held", "another-host.example", dead_pid())  # not ours to judge
    assert machine(world, "provision", "held").returncode == 1
    assert foreign.exists()
    unlocked = machine(world, "rm", "-y", "--force-unlock", "held")
    assert unlocked.returncode == 0, unlocked.stdout + unlocked.stderr
    assert "Unlocked the stack of 'held' (--force-unlock)" in unlocked.stdout
    assert not lock_files(world) and not (world.root / "machines" / "held").exists()

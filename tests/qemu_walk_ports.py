"""Issue #23 §2 on test_qemu_real's VM: published ports reach 127.0.0.1 through the host agent. Plain functions
the walkthrough calls at its steps (one VM, one stop/start for every topic)."""

from __future__ import annotations

import json
import random
import socket
import time
import urllib.error
import urllib.request
from pathlib import Path

from pulumi_docker_machine.components.drivers.localvm import free_local_port, local_port_free
from pulumi_docker_machine.components.drivers.qemu import hostagent
from tests.test_engine_cli import machine, shell

ANSWER_WITHIN = 5.0
# busybox's httpd serving one page; the image (tests/dockertools.busybox_image) holds busybox, sh and echo only.
# As PID 1 it ignores SIGTERM: --stop-timeout 1 spares a dockerd restart or a VM stop Docker's 10 s wait.
HTTPD = "sh -c 'busybox mkdir -p /www && echo served > /www/index.html && exec busybox httpd -f -p 80 -h /www'"


def static_port() -> int:
    """A free port for --qemu-forward below the ephemeral range, where create picks the SSH and Docker ports."""
    for candidate in random.sample(range(20000, 32000), 200):
        if local_port_free(candidate):
            return candidate
    raise AssertionError("no free port from 20000 to 32000")


def create_flags(static: int) -> list[str]:
    return ["--qemu-forward", f"{static}:22"]


def get(port: int) -> str | None:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2) as response:
            return response.read().decode()
    except (OSError, urllib.error.URLError):
        return None


def closed(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) != 0


def within(seconds: float, condition) -> float | None:
    """Seconds until ``condition()`` held, None when it did not within ``seconds``."""
    started = time.monotonic()
    while time.monotonic() - started < seconds:
        if condition():
            return time.monotonic() - started
        time.sleep(0.1)
    return None


def listening_addresses(pid: int) -> set[tuple[str, int]]:
    """(address as /proc/net shows it, port) of every TCP socket process ``pid`` listens on."""
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = str(fd.readlink())
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            words = line.split()
            if words[3] == "0A" and words[9] in inodes:  # LISTEN
                address, port = words[1].split(":")
                found.add((address, int(port, 16)))
    return found


def docker(world, command: str, timeout: float = 300):
    return shell(world, f'eval "$(docker-machine env dev)" && {command}', timeout=timeout)


def after_create(world, folder: Path, static: int) -> int:
    """The agent runs and forwards a published port to 127.0.0.1 only; it survives a restart of dockerd and
    follows the new one: a port published then answers within 5 s and closes within 5 s of ``docker rm -f``.
    Leaves a --restart=always container publishing a port for the stop/start; returns that port."""
    agent = hostagent.agent_pid(folder)
    assert agent is not None, "the host agent runs beside the VM"
    kept, port = free_local_port(), free_local_port()
    run = docker(
        world, f"docker run -d --name kept --restart=always --stop-timeout 1 -p {kept}:80 dmtest/busybox {HTTPD}"
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert within(ANSWER_WITHIN, lambda: get(kept) == "served\n") is not None, (folder / hostagent.LOG).read_text()
    qemu = int((folder / "qemu.pid").read_text())
    addresses = listening_addresses(qemu)
    assert ("0100007F", kept) in addresses and {a for a, _ in addresses} == {"0100007F"}, addresses
    assert ssh_banner(static), f"--qemu-forward {static}:22 reaches the guest's sshd"

    connected = (folder / hostagent.LOG).read_text().count("engine: connected")
    restarted = machine(world, "ssh", "dev", "sudo", "systemctl", "restart", "docker", timeout=300)
    assert restarted.returncode == 0, restarted.stderr
    assert within(60, lambda: (folder / hostagent.LOG).read_text().count("engine: connected") > connected)
    assert hostagent.agent_pid(folder) == agent, "the same agent, reconnected after dockerd restarted"
    assert within(60, lambda: get(kept) == "served\n") is not None, (folder / hostagent.LOG).read_text()

    run = docker(world, f"docker run -d --name web -p {port}:80 dmtest/busybox {HTTPD}")
    assert run.returncode == 0, run.stdout + run.stderr
    took = within(ANSWER_WITHIN, lambda: get(port) == "served\n")
    assert took is not None, f"127.0.0.1:{port} did not answer within 5 s: " + (folder / hostagent.LOG).read_text()
    removed = docker(world, "docker rm -f web")
    assert removed.returncode == 0, removed.stderr
    assert within(ANSWER_WITHIN, lambda: closed(port)) is not None, f"127.0.0.1:{port} still open 5 s after rm -f"
    return kept


def while_stopped(folder: Path, kept: int) -> None:
    assert hostagent.agent_pid(folder) is None and not (folder / hostagent.STATUS).exists()
    assert closed(kept)


def after_start(world, folder: Path, kept: int, static: int) -> int:
    """The agent is back and forwards the --restart=always container's port and the static one again; returns
    the agent's pid."""
    agent = hostagent.agent_pid(folder)
    assert agent is not None, "the host agent started with the VM"
    assert within(60, lambda: get(kept) == "served\n") is not None, (folder / hostagent.LOG).read_text()
    assert ssh_banner(static), f"--qemu-forward {static}:22 reaches the guest's sshd"
    shown = machine(world, "inspect", "--format", "{{json .HostAgent.Forwarded}}", "dev")
    forwarded = {(f["HostPort"], f["GuestPort"], f["For"]) for f in json.loads(shown.stdout)}
    assert forwarded == {(kept, kept, "container kept"), (static, 22, f"--qemu-forward {static}:22")}, forwarded
    return agent


def ssh_banner(port: int) -> bool:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as conn:
        return conn.recv(64).startswith(b"SSH-2.0-")


def after_rm(agent: int) -> None:
    try:
        cmdline = Path(f"/proc/{agent}/cmdline").read_bytes()  # empty for a process that ended, not yet reaped
    except OSError:
        cmdline = b""
    assert hostagent.MODULE.encode() not in cmdline, "the host agent ended with the machine"

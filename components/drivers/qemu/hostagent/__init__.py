"""The host agent of a local qemu machine: one small process per running VM that keeps QEMU's user-net
forwards from this computer's 127.0.0.1 equal to the TCP ports the VM's running containers publish (plus the
static ``--qemu-forward`` ones). It follows the engine's events over the machine's mutual TLS and changes the
forwards through QMP (``hostfwd_add``/``hostfwd_remove``); the data path stays in QEMU.

This module is what the provider uses: start the agent detached (its own session, a small environment), stop
it, find it through its pidfile. The agent itself (``__main__``) imports the standard library and the few
light modules beside it only: no Pulumi, no CLI.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

PIDFILE, LOG, STATUS = "hostagent.pid", "hostagent.log", "hostagent.json"
MODULE = __name__  # run as ``python -m`` this package
LOG_LIMIT = 1 << 20  # a log larger than this is started afresh at the next start
ENVIRONMENT = ("PATH", "HOME", "LANG", "LC_ALL", "PYTHONPATH", "SYSTEMROOT", "TMPDIR")  # nothing else: no secrets
STOP_WAIT = 5.0


def running_pid(pidfile: Path) -> int | None:
    """The pid ``pidfile`` holds while that process still runs with ``pidfile`` among its arguments (else a
    pid reused by another process, or a stale file): None otherwise."""
    try:
        pid = int(pidfile.read_text().strip())
    except (OSError, ValueError):
        return None
    return pid if runs_with(pid, pidfile) else None


def runs_with(pid: int, pidfile: Path) -> bool:
    """Whether process ``pid`` runs with ``pidfile`` among its arguments (a zombie's are empty: it does not)."""
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as handle:
            return b"\0" + str(pidfile).encode() + b"\0" in handle.read()
    except OSError:
        return False


def agent_pid(machine_dir: Path) -> int | None:
    return running_pid(machine_dir / PIDFILE)


def command(machine_dir: Path, docker_port: int, keep: list[int], forwards: list[tuple[int, int]]) -> list[str]:
    """The agent's command line: ports only (checked ints), and its pidfile's path."""
    from .portsync import port

    ports = [docker_port, *keep, *(p for pair in forwards for p in pair)]
    if any(port(p) is None for p in ports):
        raise ValueError(f"the host agent takes ports from 1 to 65535, not {ports!r}")
    args = [sys.executable, "-m", MODULE, "--pidfile", str(machine_dir / PIDFILE), "--docker-port", str(docker_port)]
    for kept in keep:
        args += ["--keep", str(kept)]
    for host, guest in forwards:
        args += ["--forward", f"{host}:{guest}"]
    return args


def start_agent(machine_dir: Path, docker_port: int, keep: list[int], forwards: list[tuple[int, int]]) -> int:
    """Start the machine's agent (an earlier one is stopped first), detached: it outlives the command that
    started it and ends when the VM does. Returns its pid."""
    stop_agent(machine_dir)
    args = command(machine_dir, docker_port, keep, forwards)
    log_path = machine_dir / LOG
    mode = "ab" if not log_path.exists() or log_path.stat().st_size < LOG_LIMIT else "wb"
    environment = {key: os.environ[key] for key in ENVIRONMENT if key in os.environ}
    with open(log_path, mode) as log:
        os.chmod(log_path, 0o600)
        process = subprocess.Popen(
            args,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=machine_dir,
            env=environment,
            start_new_session=True,  # not killed with the command's process group or terminal
        )
    (machine_dir / PIDFILE).write_text(f"{process.pid}\n")
    deadline = time.monotonic() + STOP_WAIT  # until its command line shows (empty for a moment after exec)
    while agent_pid(machine_dir) is None and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    return process.pid


def stop_agent(machine_dir: Path) -> None:
    """SIGTERM, a short wait, then SIGKILL; its pidfile and status go."""
    pid = agent_pid(machine_dir)
    if pid is not None:
        try:
            os.kill(pid, signal.SIGTERM)
            deadline = time.monotonic() + STOP_WAIT
            # Until the process is gone, not its pidfile: it removes that file before it has exited.
            while runs_with(pid, machine_dir / PIDFILE) and time.monotonic() < deadline:
                time.sleep(0.05)
            if runs_with(pid, machine_dir / PIDFILE):
                os.kill(pid, getattr(signal, "SIGKILL", signal.SIGTERM))
        except ProcessLookupError:
            pass
    for name in (PIDFILE, STATUS):
        (machine_dir / name).unlink(missing_ok=True)

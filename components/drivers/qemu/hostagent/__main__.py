"""The host agent's process (``python -m`` this package; started by ``start_agent``): connect to the engine
(waiting for the client certificate and for dockerd), sync the forwards, then sync again at every container
start, die or stop, and every POLL seconds (a missed event, a port that was taken and is free now); reconnect
when the engine restarts; end when the VM's QEMU is gone or at SIGTERM. Its log is its standard output."""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import time
from pathlib import Path
from typing import Any

from ..launch import PIDFILE as QEMU_PIDFILE
from ..launch import QMP_SOCKET
from ..qmp import QMPError, qmp
from . import STATUS, running_pid
from .engine import Engine, EngineUnreachable, tls_context
from .portsync import LOOPBACK, Outcome, parse_forward, port, sync, wanted

POLL = 30.0  # seconds without an event before a full sync anyway (a missed event, a port freed since)
TIMEOUT = 5.0  # seconds for connecting to the engine and for each request
RETRY = 1.0  # seconds between attempts to reach the engine
WAITING_LOG = 60.0


def log(text: str) -> None:
    sys.stdout.write(time.strftime("%Y-%m-%dT%H:%M:%S ") + text + "\n")
    sys.stdout.flush()


class Agent:
    def __init__(self, pidfile: Path, docker_port: int, keep: list[int], static: list[tuple[int, int]]) -> None:
        self.pidfile, self.machine_dir = pidfile, pidfile.parent
        self.docker_port, self.keep, self.static = docker_port, keep, static
        self.engine_state = "starting"
        self.waiting_logged = -WAITING_LOG
        self.gone: set[str] = set()  # containers whose die or stop came while the engine still lists them
        self.last: Outcome = Outcome()

    def monitor(self, line: str) -> str:
        answer = qmp(self.machine_dir / QMP_SOCKET, "human-monitor-command", {"command-line": line})
        if not isinstance(answer, str):
            raise QMPError(f"QEMU answered {line.split()[0]} with {type(answer).__name__}, not text")
        return answer

    def vm_running(self) -> bool:
        return running_pid(self.machine_dir / QEMU_PIDFILE) is not None

    def engine(self, state: str) -> None:
        """The engine's state in the status file; in the log when it changes, but a new reason to wait at most
        once a minute (a restarting engine fails in several ways in turn)."""
        if state == self.engine_state:
            return
        still_waiting = state.startswith("waiting") and self.engine_state.startswith("waiting")
        if not still_waiting or time.monotonic() - self.waiting_logged > WAITING_LOG:
            log(f"engine: {state}")
            self.waiting_logged = time.monotonic() if state.startswith("waiting") else self.waiting_logged
        self.engine_state = state
        self.write_status()

    def sync(self, engine: Engine) -> None:
        containers = engine.containers()
        outcome = sync(self.monitor, wanted(containers, self.static, self.gone), self.keep)
        listed = {c.get("Id") for c in containers if isinstance(c, dict)} if isinstance(containers, list) else set()
        self.gone &= listed  # once the engine no longer lists it, its die event has done its job
        for host in outcome.removed:
            log(f"stopped forwarding {LOOPBACK}:{host}")
        for host in outcome.added:
            guest, who = outcome.forwarded[host]
            log(f"forwarding {LOOPBACK}:{host} to the VM's port {guest} ({who})")
        for host, (guest, who, why) in outcome.skipped.items():
            if self.last.skipped.get(host) != (guest, who, why):
                log(f"not forwarding {LOOPBACK}:{host} to the VM's port {guest} ({who}): {why}")
        for error in outcome.errors:
            log(error)
        changed = (outcome.forwarded, outcome.skipped) != (self.last.forwarded, self.last.skipped)
        self.last = outcome
        if changed:
            self.write_status()

    def write_status(self) -> None:
        """hostagent.json, which ``inspect`` shows as HostAgent: written whole, then renamed into place."""
        status: dict[str, Any] = {
            "Pid": os.getpid(),
            "Engine": self.engine_state,
            "Forwarded": [
                {"HostIP": LOOPBACK, "HostPort": host, "GuestPort": guest, "For": who}
                for host, (guest, who) in sorted(self.last.forwarded.items())
            ],
            "Skipped": [
                {"HostIP": LOOPBACK, "HostPort": host, "GuestPort": guest, "For": who, "Reason": why}
                for host, (guest, who, why) in sorted(self.last.skipped.items())
            ],
        }
        temporary = self.machine_dir / (STATUS + ".tmp")
        temporary.write_text(json.dumps(status, indent=4) + "\n")
        os.replace(temporary, self.machine_dir / STATUS)

    def run(self) -> None:
        while self.vm_running():
            try:
                engine = Engine(self.docker_port, tls_context(self.machine_dir), TIMEOUT, POLL)
                events = engine.events()  # opened before the sync: nothing between the two is missed
                self.gone.clear()  # a start while disconnected came with no event: the list says it now
                self.sync(engine)
                self.engine("connected")
                for action, container in events:
                    if action == "start":
                        self.gone.discard(container)
                    else:
                        self.gone.add(container)
                    self.sync(engine)
                self.engine("the event stream ended (the engine restarts?)")
            except TimeoutError:
                continue  # no event for POLL seconds: reconnect, which syncs
            except EngineUnreachable as err:
                self.engine(f"waiting: {err}")
            except (QMPError, OSError) as err:
                if not self.vm_running():
                    break
                self.engine(f"waiting: {err}")
            time.sleep(RETRY)
        log("the VM is not running: the agent ends")

    def cleanup(self) -> None:
        if running_pid(self.pidfile) == os.getpid():
            for path in (self.pidfile, self.machine_dir / STATUS):
                path.unlink(missing_ok=True)


def arguments(argv: list[str] | None) -> tuple[Path, int, list[int], list[tuple[int, int]]]:
    parser = argparse.ArgumentParser(prog="hostagent")
    parser.add_argument("--pidfile", required=True, type=Path)
    parser.add_argument("--docker-port", required=True, type=int)
    parser.add_argument("--keep", action="append", type=int, default=[])
    parser.add_argument("--forward", action="append", default=[])
    args = parser.parse_args(argv)
    ports = [args.docker_port, *args.keep]
    if any(port(p) is None for p in ports):
        parser.error(f"ports must be from 1 to 65535: {ports}")
    try:
        static = [parse_forward(value) for value in args.forward]
    except ValueError as err:
        parser.error(str(err))
    return args.pidfile.absolute(), args.docker_port, args.keep, static


def main(argv: list[str] | None = None) -> int:
    agent = Agent(*arguments(argv))

    def terminate(_signum: int, _frame: Any) -> None:
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, terminate)
    log(
        f"started (pid {os.getpid()}): engine 127.0.0.1:{agent.docker_port}, "
        f"static forwards {[f'{h}:{g}' for h, g in agent.static]}"
    )
    try:
        agent.run()
    except SystemExit:
        log("stopped")
    finally:
        agent.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())

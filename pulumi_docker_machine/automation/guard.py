"""Runs one pulumi CLI command so that no end of ours can leave its stack locked or its plugins behind.

Started by ``guarded.GuardedCommand`` as ``python -I -S guard.py PARENT_PID PULUMI ARGS...`` in a session
of its own (stdlib only: it imports nothing of the project). It

- relays pulumi's output to ours, and once nobody reads ours any more (the docker-machine process died)
  goes on reading and drops it: pulumi never writes into a broken pipe, where it would die of SIGPIPE
  still holding the stack's lock;
- turns SIGINT, SIGTERM, SIGHUP and the death of the docker-machine process (PR_SET_PDEATHSIG) into one
  SIGINT for pulumi, which cancels: it finishes the steps under way, saves the state and unlocks;
- is a child subreaper: the plugins pulumi leaves behind become its children, and are ended before it exits.
"""

import ctypes
import os
import signal
import subprocess
import sys
import threading
import time

PR_SET_PDEATHSIG = 1
PR_SET_CHILD_SUBREAPER = 36
CHUNK = 65536
GRACE = 5.0  # seconds a leftover plugin gets to end after SIGTERM


LINUX = sys.platform.startswith("linux")


def prctl(option: int, value: int) -> None:
    """Linux only; elsewhere the guard still relays, drains and forwards, but learns of our death only
    from its output pipe and leaves pulumi's own plugins to pulumi."""
    if LINUX:
        ctypes.CDLL(None, use_errno=True).prctl(option, value, 0, 0, 0)


def relay(source: int, target: int, reader_gone) -> None:
    """Copy until EOF; past a failed write (the reader, docker-machine, is gone) call ``reader_gone`` and
    read on, dropping what comes."""
    alive = True
    while True:
        try:
            data = os.read(source, CHUNK)
        except OSError:
            return
        if not data:
            return
        while alive and data:
            try:
                data = data[os.write(target, data) :]
            except OSError:
                alive = False
                reader_gone()


def children() -> list[int]:
    """Our children, by the parent field of /proc/PID/stat (after ``comm``, which may hold spaces)."""
    me, session = os.getpid(), os.getsid(0)
    found: list[int] = []
    if not LINUX:
        return found
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat", "rb") as stat:
                    fields = stat.read().rsplit(b")", 1)[1].split()
            except OSError:
                continue
            # Only those in our session: a process that made a session of its own (a daemonized local VM,
            # qemu -daemonize) is meant to outlive the command.
            if int(fields[1]) == me and int(fields[3]) == session:
                found.append(int(entry))
    return found


def reap() -> bool:
    """Wait for the children that have ended; False once there is no child left at all."""
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return False
        if pid == 0:
            return True


def end_leftovers() -> None:
    """SIGTERM what pulumi left behind (reparented to us), SIGKILL what is still there after GRACE."""
    deadline = time.monotonic() + GRACE
    signalled: set = set()
    while True:
        if not reap():
            return  # nothing left behind: no /proc sweep (~1.5 ms of CPU beside 85 processes)
        left = children()
        if not left:
            return
        late = time.monotonic() > deadline
        for pid in left:
            if late or pid not in signalled:
                try:
                    os.kill(pid, signal.SIGKILL if late else signal.SIGTERM)
                except ProcessLookupError:
                    pass
                signalled.add(pid)
        time.sleep(0.05)


def main(argv: list) -> int:
    parent, command = int(argv[1]), argv[2:]
    cancelled, once = threading.Event(), threading.Lock()
    state: dict[str, subprocess.Popen[bytes] | None] = {"child": None}

    def deliver() -> None:
        # One SIGINT at the most: a second one would make pulumi terminate without saving.
        child = state["child"]
        if child is not None and cancelled.is_set() and once.acquire(blocking=False):
            child.send_signal(signal.SIGINT)

    def cancel(signum=None, frame=None) -> None:
        cancelled.set()
        deliver()

    for name in ("SIGINT", "SIGTERM", "SIGHUP"):  # no SIGHUP on Windows
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), cancel)
    prctl(PR_SET_CHILD_SUBREAPER, 1)
    prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    if os.getppid() != parent:  # it died before the line above
        cancel()
    if cancelled.is_set():
        return 130
    child = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    state["child"] = child
    deliver()  # a signal that came while it was starting
    assert child.stdout is not None and child.stderr is not None  # both are PIPE
    relays = [
        threading.Thread(target=relay, args=(stream.fileno(), fd, cancel), daemon=True)
        for stream, fd in ((child.stdout, 1), (child.stderr, 2))
    ]
    for thread in relays:
        thread.start()
    code = child.wait()
    end_leftovers()
    for thread in relays:
        thread.join(timeout=GRACE)
    return code if code >= 0 else 128 - code


if __name__ == "__main__":
    sys.exit(main(sys.argv))

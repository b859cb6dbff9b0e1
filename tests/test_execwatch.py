"""tests/execwatch.py, which the no-secret-in-argv tests rely on: it sees a program that was running when it started
and one that a process started while it watched replaced itself with (exec)."""

from __future__ import annotations

import secrets
import subprocess
import sys

from tests.conftest import require
from tests.execwatch import ExecWatch, unavailable


def test_the_watch_sees_programs_already_running_and_each_one_executed():
    require(unavailable(), "watching every process's command line")
    marker = secrets.token_hex(6)
    waiting = [sys.executable, "-c", "import sys; sys.stdin.read()", f"before-{marker}"]
    before = subprocess.Popen(waiting, stdin=subprocess.PIPE)
    try:
        with ExecWatch() as watch:
            subprocess.run(["sh", "-c", f"sleep 0.1; exec sh -c 'sleep 0.2' exec-{marker}"], check=True)
    finally:
        before.communicate(b"")
    seen = " | ".join(sorted(watch.seen))
    assert f"before-{marker}" in seen, "a program that was running when the watch started"
    assert f"sh -c sleep 0.2 exec-{marker}" in seen, "the program a shell replaced itself with"
    assert watch.execs >= 3, "sh, sleep, then sh and sleep again: each exec announced"

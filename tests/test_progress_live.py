"""Live progress through the installed ``docker-machine`` script and the real engine: on a terminal (a pty) each
step is a line updating in place that ends done or failed with its time; piped, the plain lines. No test host: a
generic machine whose SSH port is closed gets its key and certificate, then fails to be reached."""

from __future__ import annotations

import os
import pty
import re
import select
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.engine

SCRIPT = str(Path(sys.executable).parent / "docker-machine")
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
SPINNER = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏"
AUTHORIZING = "Authorizing the machine's SSH key on the host (with your --generic-ssh-key)..."


def on_terminal(*args: str, timeout: float = 120) -> tuple[int, str]:
    """``docker-machine ARGS`` with a pty as its standard output and error: (exit code, what it wrote)."""
    pid, fd = pty.fork()
    if pid == 0:  # the child: exec at once (nothing of pytest's runs here)
        os.execv(SCRIPT, [SCRIPT, *args])
    written = b""
    try:
        while select.select([fd], [], [], timeout)[0]:
            try:
                chunk = os.read(fd, 65536)
            except OSError:  # EIO: the child closed the terminal
                break
            if not chunk:
                break
            written += chunk
    finally:
        os.close(fd)
        _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status), written.decode()


def lines(text: str) -> list[str]:
    """What stays on the screen, line by line: the in-place redraws are what comes before a carriage return."""
    shown = []
    for line in ANSI.sub("", text).split("\n"):
        shown.append(line.rstrip("\r").split("\r")[-1].rstrip())
    return [line for line in shown if line]


@pytest.fixture
def machine(pulumi_engine, tmp_path, monkeypatch, ssh_keygen):
    monkeypatch.setenv("MACHINE_STORAGE_PATH", str(tmp_path / "store"))
    monkeypatch.setenv("PDM_TEST_STANDIN_BACKOFF_SCALE", "0.01")  # the closed port is given up on at once
    monkeypatch.setenv("TERM", "xterm")
    key = tmp_path / "id_ed25519"
    subprocess.run([ssh_keygen, "-q", "-t", "ed25519", "-N", "", "-f", str(key)], check=True)
    args = ["--generic-ip-address", "127.0.0.1", "--generic-ssh-port", "9", "--generic-ssh-key", str(key)]
    created = subprocess.run(
        [SCRIPT, "create", "-d", "generic", *args, "dev"], capture_output=True, text=True, stdin=subprocess.DEVNULL
    )
    return created


def test_steps_live_on_a_terminal_plain_when_piped(machine):
    # Piped: the plain lines, as CI logs keep them; no terminal control, no spinner.
    assert machine.returncode == 1
    steps = machine.stdout.splitlines()[2:]
    assert sorted(steps[:2]) == ["Copying certs to the local machine directory...", "Creating SSH key..."]
    assert steps[2:] == [AUTHORIZING]  # the key and certificate are made at once, in either order
    assert "\x1b" not in machine.stdout + machine.stderr and not set(SPINNER) & set(machine.stdout)

    # On a terminal: the step that runs updates in place (spinner, seconds) and ends marked failed, with its time.
    code, written = on_terminal("provision", "dev")
    assert code == 1
    redraws = [line for line in ANSI.sub("", written).replace("\n", "\r").split("\r") if AUTHORIZING[:40] in line]
    assert len({line[0] for line in redraws if line[0] in SPINNER}) > 1, "the spinner turns"
    assert all(re.match(rf"[{SPINNER}] +\d+s Authorizing", line) for line in redraws if line[0] in SPINNER)
    shown = lines(written)
    assert shown[0] == 'Provisioning "dev"...'
    assert re.fullmatch(re.escape(f"✘ {AUTHORIZING}") + r" \(\d+\.\ds\) failed", shown[1]), shown
    assert shown[2].startswith("Error provisioning machine: the update failed while authorizing"), shown
    assert AUTHORIZING not in shown, "no plain line besides the live one"

    # Done steps, then the command's own last line after them; -q would have said none of the steps.
    code, written = on_terminal("rm", "-y", "dev")
    assert code == 0
    shown = lines(written)
    removed = [line.rsplit(" (", 1)[0] for line in shown if line.startswith("✔")]
    assert sorted(removed) == ["✔ Removing SSH key...", "✔ Removing server certificate..."], shown
    assert shown[-1] == "Successfully removed dev" and "\x1b[?25h" in written, "the cursor is given back"

"""pulumi_docker_machine/automation/guard.py with a stand-in for pulumi that behaves as it does on SIGINT (it cancels, writes a
line, saves and exits) and starts a plugin of its own, as pulumi starts its providers."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from pulumi_docker_machine.automation.guarded import GUARD

# SIGINT: say so, "unlock" (a file), exit 255. Its "plugin" is a grandchild that ignores SIGTERM's absence.
FAKE_PULUMI = textwrap.dedent("""
    import os, signal, subprocess, sys, time
    folder = sys.argv[1]
    plugin = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
    open(os.path.join(folder, "plugin.pid"), "w").write(str(plugin.pid))
    open(os.path.join(folder, "lock"), "w").close()
    def cancel(signum, frame):
        for n in range(50000):  # past a pipe buffer: a broken pipe kills it (SIGPIPE), a full one stalls it
            print("cancelling", n, flush=True)
        os.unlink(os.path.join(folder, "lock"))
        sys.exit(255)
    signal.signal(signal.SIGINT, cancel)
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)  # as a Go program on fd 1
    print("started", flush=True)
    while True:
        time.sleep(0.05)
""")


def guard(tmp_path: Path, parent: int, **kwargs) -> subprocess.Popen:
    script = tmp_path / "pulumi.py"
    script.write_text(FAKE_PULUMI)
    return subprocess.Popen(
        [sys.executable, "-I", "-S", str(GUARD), str(parent), sys.executable, str(script), str(tmp_path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
        **kwargs,
    )


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def wait_for(check, timeout: float = 20) -> bool:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def test_sigterm_becomes_one_sigint_and_leftover_plugins_end(tmp_path):
    process = guard(tmp_path, os.getpid())
    assert process.stdout.readline() == "started\n"
    plugin = int((tmp_path / "plugin.pid").read_text())
    process.send_signal(signal.SIGTERM)
    out, _ = process.communicate(timeout=30)
    assert process.returncode == 255
    assert "cancelling 49999" in out, "its output is relayed to the end"
    assert not (tmp_path / "lock").exists(), "it cancelled and unlocked"
    assert wait_for(lambda: not alive(plugin), 10), "the plugin it left behind was ended"


def test_the_death_of_docker_machine_cancels_and_nothing_dies_of_sigpipe(tmp_path):
    # docker-machine is a process between us and the guard; SIGKILL it, and close the pipe it read.
    middle = subprocess.Popen(
        [
            sys.executable,
            "-c",
            textwrap.dedent(f"""
        import os, subprocess, sys
        proc = subprocess.Popen([sys.executable, "-I", "-S", {str(GUARD)!r}, str(os.getpid()), sys.executable,
                                 {str(tmp_path / "pulumi.py")!r}, {str(tmp_path)!r}], stdout=subprocess.PIPE,
                                start_new_session=True)
        print(proc.pid, flush=True)
        print(proc.stdout.readline().decode().strip(), flush=True)
        import time; time.sleep(600)
    """),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    (tmp_path / "pulumi.py").write_text(FAKE_PULUMI)
    guard_pid = int(middle.stdout.readline())
    assert middle.stdout.readline() == "started\n"
    plugin = int((tmp_path / "plugin.pid").read_text())
    middle.kill()
    middle.wait()
    assert wait_for(lambda: not (tmp_path / "lock").exists()), "pulumi was told to cancel, and finished it"
    assert wait_for(lambda: not alive(guard_pid) and not alive(plugin)), "the guard and the plugin are gone"


def test_a_cancel_before_pulumi_starts_starts_nothing(tmp_path):
    gone = subprocess.Popen(["true"])
    gone.wait()
    process = guard(tmp_path, gone.pid)  # its parent is not who it was told: docker-machine is gone
    out, _ = process.communicate(timeout=30)
    assert process.returncode == 130 and out == ""
    assert not (tmp_path / "plugin.pid").exists()

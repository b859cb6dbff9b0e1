"""The guard (pulumi_docker_machine/automation/guard.py) ends the plugins pulumi leaves behind, but not a process that made a
session of its own on purpose: a local VM daemonized by its driver (qemu -daemonize double-forks and calls
setsid) must outlive the command that started it. Found by the real-VM test: the VM was ended after create."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

from pulumi_docker_machine.automation.guarded import GUARD
from tests.test_guard import alive, wait_for

# A "pulumi" whose plugin stays in its session, and whose provider daemonizes a "VM" as qemu does, then exits.
FAKE_PULUMI = textwrap.dedent("""
    import os, subprocess, sys
    folder = sys.argv[1]
    plugin = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
    open(os.path.join(folder, "plugin.pid"), "w").write(str(plugin.pid))
    if os.fork() == 0:
        os.setsid()
        if os.fork() == 0:
            open(os.path.join(folder, "vm.pid"), "w").write(str(os.getpid()))
            import time; time.sleep(600)
        os._exit(0)
    os.wait()
    while not os.path.exists(os.path.join(folder, "vm.pid")):
        pass
    sys.exit(0)
""")


def test_a_daemonized_vm_outlives_the_command_and_the_plugins_do_not(tmp_path: Path):
    (tmp_path / "pulumi.py").write_text(FAKE_PULUMI)
    done = subprocess.run(
        [
            sys.executable,
            "-I",
            "-S",
            str(GUARD),
            str(os.getpid()),
            sys.executable,
            str(tmp_path / "pulumi.py"),
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        timeout=60,
        start_new_session=True,
    )
    assert done.returncode == 0, done.stderr
    plugin, vm = (int((tmp_path / f"{name}.pid").read_text()) for name in ("plugin", "vm"))
    try:
        assert wait_for(lambda: not alive(plugin), 10), "the plugin left behind was ended"
        assert alive(vm), "the daemonized VM was left running"
    finally:
        os.kill(vm, signal.SIGKILL)

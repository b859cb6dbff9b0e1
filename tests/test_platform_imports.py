"""The CLI and components import nothing Linux-only at start-up: every module imports with sys.platform set to
darwin and to win32 (where fcntl, termios and the other Unix-only modules are refused, and SIGHUP, SIGKILL,
SIGPIPE... do not exist). See tests/fixtures/platform_import.py."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).parent / "fixtures" / "platform_import.py"
ROOT = Path(__file__).parent.parent


@pytest.mark.parametrize("platform", ["win32", "darwin"])
def test_every_module_imports_on_another_platform(platform):
    done = subprocess.run(
        [sys.executable, str(SCRIPT), platform], capture_output=True, text=True, cwd=ROOT, timeout=120
    )
    last = done.stdout.strip().splitlines()[-1] if done.stdout.strip() else ""
    assert done.returncode == 0 and last.startswith("0 failed of "), done.stdout + done.stderr
    assert int(last.split()[-1]) > 150, "the walk reached every module: " + last


def test_the_check_finds_a_module_level_unix_import(tmp_path):
    """The sandbox itself: a module importing fcntl at its top fails the win32 walk, not the darwin one."""
    (tmp_path / "zz_probe.py").write_text("import fcntl\n")
    for platform, fails in (("win32", True), ("darwin", False)):
        done = subprocess.run(
            [sys.executable, str(SCRIPT), platform, str(tmp_path)],
            capture_output=True,
            text=True,
            cwd=ROOT,
            timeout=120,
        )
        assert (done.returncode == 1) is fails, done.stdout + done.stderr
        assert ("pulumi_docker_machine.zz_probe: ModuleNotFoundError" in done.stdout) is fails, done.stdout

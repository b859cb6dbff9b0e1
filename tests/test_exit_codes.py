"""One table maps the Automation API's errors to docker-machine's exit codes (automation/errors.py); the
commands that change machines and swarms ask it for whatever they raised."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from pulumi_docker_machine.automation import MachineBusy, MachineError, PreCreateCheckFailed, PulumiUnavailable
from pulumi_docker_machine.automation.errors import ExitStatus, exit_status
from pulumi_docker_machine.store import BrokenMachine, MachineNotFound

SCRIPT = str(Path(sys.executable).parent / "docker-machine")


def test_one_table_gives_every_error_its_code():
    class NarrowerCheck(PreCreateCheckFailed):
        pass

    assert exit_status(PreCreateCheckFailed("x")) == exit_status(NarrowerCheck("x")) == ExitStatus.PRE_CREATE_CHECK == 3
    for error in (
        MachineError("x"),
        MachineBusy("x"),
        PulumiUnavailable("x"),
        MachineNotFound("dev"),
        BrokenMachine("dev", "config.json is not valid JSON"),
        OSError("disk"),
    ):
        assert exit_status(error) == ExitStatus.ERROR == 1, error
    assert (MachineError("x").exit_code, PreCreateCheckFailed("x").exit_code) == (1, 3), "the API's attribute agrees"


def test_swarm_create_exits_3_when_the_pre_create_check_fails(tmp_path):
    """As create does (tests/test_cli_app.py): the swarm's driver (VirtualBox, the default) is not installed."""
    env = {**os.environ, "MACHINE_STORAGE_PATH": str(tmp_path / "store"), "PATH": str(Path(sys.executable).parent)}
    result = subprocess.run([SCRIPT, "swarm", "create", "lab"], capture_output=True, text=True, timeout=120, env=env)
    assert (result.returncode, result.stderr.strip().splitlines()[-1]) == (
        3,
        'Error with pre-create check: "VirtualBox is not installed; install it or pick another --driver"',
    ), result.stderr
    assert "Running pre-create checks..." in result.stdout and not (tmp_path / "store" / "machines").exists()

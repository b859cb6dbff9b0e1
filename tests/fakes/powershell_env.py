"""The PowerShell simulator (tests/fakes/powershell.py) first on PATH as ``powershell.exe``, with its state."""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from pulumi_docker_machine.components.drivers.hyperv.powershell import PRELUDE, encoded

ROOT = Path(__file__).parent.parent.parent
SIMULATOR = Path(__file__).parent / "powershell.py"


class PowerShellSim:
    def __init__(self, folder: Path, state_file: Path) -> None:
        self.folder = folder
        self.state_file = state_file

    def state(self) -> dict:
        return json.loads(self.state_file.read_text()) if self.state_file.exists() else {}

    def set(self, **fields) -> None:
        """Hyper-V's side before a test: switches, the user's roles, the module."""
        self.state_file.write_text(json.dumps({**self.state(), **fields}))

    def run(self, script: str, values: dict | None = None) -> subprocess.CompletedProcess:
        """A script as the driver runs it (its prelude added, values on standard input)."""
        return subprocess.run(
            [str(self.folder / "powershell.exe"), "-NoProfile", "-NonInteractive", "-EncodedCommand", encoded(script)],
            input=json.dumps(values or {}),
            capture_output=True,
            text=True,
            timeout=60,
        )

    def vms(self) -> list[dict]:
        return list(self.state().get("vms", {}).values())


assert PRELUDE.endswith("\n")


def install(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> PowerShellSim:
    """For a test module's ``powershell`` fixture."""
    folder = tmp_path / "ps-bin"
    folder.mkdir()
    wrapper = folder / "powershell.exe"
    wrapper.write_text(
        f"#!/bin/sh\nPYTHONPATH={shlex.quote(str(ROOT))} "
        f'exec {shlex.quote(sys.executable)} {shlex.quote(str(SIMULATOR))} "$@"\n'
    )
    wrapper.chmod(0o755)
    sim = PowerShellSim(folder, tmp_path / "pssim.json")
    sim.set(switches=[{"name": "External Switch", "type": "External"}, {"name": "Default Switch", "type": "Internal"}])
    monkeypatch.setenv("PATH", f"{folder}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv("PSSIM_STATE", str(sim.state_file))
    for name in ("PSSIM_GUEST_ADDRESS", "PSSIM_AUTHORIZED_KEYS", "PSSIM_ADDRESSES"):
        monkeypatch.delenv(name, raising=False)
    return sim

"""``ls`` asks a shared backend whether a machine's stack is gone (cli/ls/backend.py) within ``-t``.

A backend that does not answer must not hold ``ls`` past its timeout: the machine keeps the state its
probe found, and the pulumi still asking is cancelled once ``ls`` has exited (its guard sees it gone).
The backend here is a `pulumi` on PATH whose ``stack ls`` never answers.
"""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import time
from pathlib import Path

from tests.conftest import add_machine

BACKEND = "s3://team-machines?endpoint=http%3A%2F%2F127.0.0.1%3A9&region=us-east-1&use_path_style=true"


def test_ls_does_not_wait_for_a_backend_past_its_timeout(tmp_path):
    store, bin_dir = tmp_path / "store", tmp_path / "bin"
    bin_dir.mkdir()
    asked = tmp_path / "asked"
    fake = bin_dir / "pulumi"
    fake.write_text(f'#!/bin/sh\ncase "$*" in *"stack ls"*) echo $$ >"{asked}"; exec sleep 60;; esac\necho v3.260.0\n')
    fake.chmod(fake.stat().st_mode | stat.S_IXUSR)
    add_machine(
        store,
        "shared",
        ip="127.0.0.2",
        engine_port=1,  # nothing listens: not Running
        pulumi_extra={"Backend": BACKEND},
    )
    env = {
        **os.environ,
        "MACHINE_STORAGE_PATH": str(store),
        "PULUMI_BACKEND_URL": BACKEND,
        "PATH": f"{bin_dir}:{os.environ['PATH']}",
        "PULUMI_CONFIG_PASSPHRASE": "test",
        "HOME": str(tmp_path),
    }
    started = time.monotonic()
    done = subprocess.run(
        [str(Path(sys.executable).parent / "docker-machine"), "ls", "-t", "2"],
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
    )
    took = time.monotonic() - started
    assert done.returncode == 0, done.stderr
    assert asked.exists(), "the backend was asked (the machine is not Running and names the shared backend)"
    assert took < 2 + 15, f"ls took {took:.1f} s with -t 2 (the backend never answers: 60 s)"
    (row,) = [line for line in done.stdout.splitlines() if line.startswith("shared ")]
    assert "does not exist in the backend" not in row and "Running" not in row, row
    pid = int(asked.read_text())
    deadline = time.monotonic() + 10
    while (
        time.monotonic() < deadline
        and Path(f"/proc/{pid}").exists()
        and "Z" not in Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[-1].split()[:1]
    ):
        time.sleep(0.1)
    assert (
        not Path(f"/proc/{pid}").exists() or Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[-1].split()[0] == "Z"
    ), "the pulumi still asking the backend is cancelled after ls exits"

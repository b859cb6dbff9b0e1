"""The own-program example under mocks (the automation app and its program: test_examples_engine.py, real engine)."""

from __future__ import annotations

import runpy
import subprocess
import sys
from pathlib import Path

import pulumi
import pytest

from tests.conftest import MachineMocks, run_program

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def test_own_program_example_under_mocks(monkeypatch):
    monkeypatch.setenv("DIGITALOCEAN_ACCESS_TOKEN", "dop_v1_example")
    exported = {}
    monkeypatch.setattr(pulumi, "export", lambda name, value: exported.__setitem__(name, value))
    mocks = MachineMocks()

    def program():
        runpy.run_path(str(EXAMPLES / "own-program" / "__main__.py"))
        return {name: pulumi.Output.from_input(value) for name, value in exported.items()}

    out = run_program(mocks, program)
    assert len(mocks.of_type("digitalocean:index/droplet:Droplet")) == 2
    assert len(mocks.of_type("pulumi-python:dynamic/docker-machine:CertificateAuthority")) == 1
    assert out["web_env"][0]["DOCKER_MACHINE_NAME"] == "web"
    assert out["client_key_pem"][1] is True


BAD_ARGUMENTS = [
    ([], "give the host's address and the path of your private key"),
    (["203.0.113.5"], "give the host's address and the path of your private key"),
    (["bad_address!", "{key}"], "is neither an IP address nor a host name"),
    (["203.0.113.5", "{missing}"], "no private key at"),
    (["--work-dir", "{empty}", "203.0.113.5", "{key}"], "no Pulumi.yaml in"),
    (["--destroy", "--work-dir", "{empty}"], "no Pulumi.yaml in"),
]


@pytest.mark.parametrize("args,problem", BAD_ARGUMENTS)
def test_automation_app_refuses_bad_arguments_in_one_line(args, problem, tmp_path):
    key = tmp_path / "id_ed25519"
    key.write_text("not checked before the engine runs\n")
    (tmp_path / "empty").mkdir()
    names = {"key": key, "missing": tmp_path / "missing", "empty": tmp_path / "empty"}
    state = tmp_path / "state"
    run = subprocess.run(
        [
            sys.executable,
            str(EXAMPLES / "automation_app.py"),
            "--state",
            str(state),
            *(arg.format(**names) for arg in args),
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert run.returncode == 1 and run.stdout == "", run.stdout + run.stderr
    assert run.stderr.startswith("automation_app: ") and run.stderr.count("\n") == 1 and problem in run.stderr
    assert not state.exists(), "nothing was created"


def test_automation_app_without_pulumi_says_how_to_get_it(tmp_path):
    key = tmp_path / "id_ed25519"
    key.write_text("unused\n")
    run = subprocess.run(
        [
            sys.executable,
            str(EXAMPLES / "automation_app.py"),
            "--state",
            str(tmp_path / "state"),
            "203.0.113.5",
            str(key),
        ],
        capture_output=True,
        text=True,
        env={"PATH": str(tmp_path)},
    )
    assert run.returncode == 1 and run.stderr == (
        "automation_app: no pulumi on PATH: install the Pulumi CLI (in a checkout of this project: . .engine/env)\n"
    )

"""The own-program example under mocks (the automation app and its program: test_examples_engine.py, real engine)."""

from __future__ import annotations

import runpy
from pathlib import Path

import pulumi

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

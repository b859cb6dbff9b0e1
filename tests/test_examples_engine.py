"""examples/automation_app.py through the real engine on one test host, its program run both ways.

Inline (the program runs in this process) and as a ``work_dir`` project (examples/app-program: its
own Pulumi.yaml, run by the Python language host that make engine builds): each creates one generic
machine on the test host, the real docker client runs busybox with only the returned docker env, and
the app's ``down`` destroys it. Only the pulumi-command provider is a stand-in (tests/fakes/).
"""

from __future__ import annotations

import importlib.util
import shutil
from pathlib import Path

import pytest

from tests.dockerenv import busybox_hello

pytestmark = [pytest.mark.remote_host, pytest.mark.engine]

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


@pytest.fixture(scope="module")
def app():
    spec = importlib.util.spec_from_file_location("automation_app", EXAMPLES / "automation_app.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def host_undone(host) -> bool:
    return host.output("ls /etc/docker/server.pem 2>/dev/null || true") == ""


@pytest.mark.parametrize("mode", ["inline", "work_dir"])
def test_automation_app_makes_uses_and_destroys_a_host(mode, app, remote_host, pulumi_engine, tmp_path, monkeypatch):
    monkeypatch.setenv("PULUMI_CONFIG_PASSPHRASE", "app passphrase")
    state = tmp_path / "state"
    work_dir = None
    if mode == "work_dir":
        # A copy of the project: Pulumi writes the stack's settings (Pulumi.dev.yaml) beside its Pulumi.yaml.
        work_dir = tmp_path / "app-program"
        shutil.copytree(app.PROGRAM, work_dir, ignore=shutil.ignore_patterns("Pulumi.*.yaml", "__pycache__"))

        def not_inline() -> None:
            raise AssertionError("the work_dir program ran in the app's process")

        monkeypatch.setattr(app, "inline_program", not_inline)
    assert host_undone(remote_host), "the test host starts without a machine"

    env = app.up(remote_host.address, str(remote_host.ssh_key), state, work_dir=work_dir)
    try:
        assert env["DOCKER_HOST"] == f"tcp://{remote_host.address}:2376"
        assert env["DOCKER_MACHINE_NAME"] == "app-host"
        if work_dir is not None:
            settings = (work_dir / "Pulumi.dev.yaml").read_text()
            assert "docker-app:address" in settings, "the stack's config is the project's own"
        busybox_hello(remote_host, env, tmp_path / "client")
    finally:
        shutil.rmtree(env["DOCKER_CERT_PATH"])

    app.down(state, work_dir=work_dir)
    assert host_undone(remote_host), "destroy undid the host's TLS setup"
    assert not list((state / ".pulumi" / "stacks").rglob("*.json")), "the stack is removed from the backend"

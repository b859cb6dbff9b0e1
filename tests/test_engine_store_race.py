"""Many docker-machine processes on one new store at once, through the real Pulumi CLI (make engine).

Each process opens its own machine's stack and sets its config, as the first step of ``create``
does: the store's CA, client certificate and passphrase must come into being exactly once, and
every stack must open with the stored passphrase afterwards.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from pulumi_docker_machine.components.cert import KeyAndCertificate, chains_to, create_ca, issue_client_certificate

pytestmark = pytest.mark.engine

ROOT = Path(__file__).resolve().parent.parent
OPEN_STACK = """
import sys
from pulumi_docker_machine.automation.settings import MachineSpec, to_config
from pulumi_docker_machine.automation.certs import ensure_shared_certs
from pulumi_docker_machine.automation.stackconfig import set_stack_config
from pulumi_docker_machine.automation.runner import machine_program
from pulumi_docker_machine.automation.workspace import MachineWorkspace
from pulumi_docker_machine.store import Store
name = sys.argv[1]
workspace = MachineWorkspace(Store(), program=machine_program)
stack, _ = workspace.new_stack(name)
set_stack_config(workspace, stack, to_config(MachineSpec(driver="generic"), ensure_shared_certs(workspace.store)))
"""


def test_parallel_first_commands_share_one_ca_and_one_passphrase(world, pulumi_engine):
    names = [f"race{i}" for i in range(8)]
    env = {**os.environ, **world.env, "PYTHONPATH": str(ROOT)}
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", OPEN_STACK, name],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for name in names
    ]
    for process in processes:
        out, _ = process.communicate(timeout=300)
        assert process.returncode == 0, out

    certs = world.root / "certs"
    ca = KeyAndCertificate((certs / "ca.pem").read_text(), (certs / "ca-key.pem").read_text())
    assert chains_to((certs / "cert.pem").read_text(), ca.cert_pem)
    # The CA key signs for this CA certificate: a certificate it issues chains to it.
    assert chains_to(issue_client_certificate(ca, "probe").cert_pem, ca.cert_pem)
    assert not chains_to((certs / "cert.pem").read_text(), create_ca("other").cert_pem), "the check can fail"
    passphrase_file = world.root / "pulumi" / "passphrase"
    for name in names:
        shown = subprocess.run(
            ["pulumi", "config", "--show-secrets", "--json", "--stack", name],
            cwd=world.root / "pulumi",
            capture_output=True,
            text=True,
            env={
                **os.environ,
                "PULUMI_CONFIG_PASSPHRASE_FILE": str(passphrase_file),
                "PULUMI_BACKEND_URL": (world.root / "state").as_uri(),
            },
        )
        assert shown.returncode == 0, f"{name}: {shown.stderr}"
        config = json.loads(shown.stdout)
        assert config["docker-machine:caCert"]["value"] == ca.cert_pem
        assert json.loads(config["docker-machine:certKeys"]["value"])["caKey"] == ca.key_pem
    assert not (world.root / ".certs.new").exists() and not (world.root / ".certs.old").exists()

"""A Python app that makes a Docker host through the Automation API and then uses it.

Inline program, local file backend, no Pulumi account: the machine's ``docker_env`` and
certificates come back as stack outputs, and the app runs ``docker`` against the new engine.

    .venv/bin/python examples/automation_app.py 203.0.113.5 ~/.ssh/id_ed25519
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Optional

import pulumi
from pulumi import automation as auto

from components import DockerMachine, DockerMachineArgs, GenericDriver

PROJECT = "docker-app"


def program_for(address: str, key_path: str):
    def program() -> None:
        machine = DockerMachine("app-host", DockerMachineArgs(driver=GenericDriver(ip_address=address, ssh_key=key_path)))
        pulumi.export("docker_env", machine.docker_env)
        pulumi.export("ca_pem", machine.ca_pem)
        pulumi.export("client_cert_pem", machine.client_cert_pem)
        pulumi.export("client_key_pem", machine.client_key_pem)

    return program


def up(address: str, key_path: str, state_dir: Path, pulumi_command: Optional[auto.PulumiCommand] = None) -> dict:
    """Create (or update) the host; returns the environment that points docker at it."""
    state_dir.mkdir(parents=True, exist_ok=True)
    stack = auto.create_or_select_stack(
        stack_name="dev",
        project_name=PROJECT,
        program=program_for(address, key_path),
        opts=auto.LocalWorkspaceOptions(
            work_dir=str(state_dir),
            project_settings=auto.ProjectSettings(name=PROJECT, runtime="python",
                                                  backend=auto.ProjectBackend(url=state_dir.as_uri())),
            secrets_provider="passphrase",
            env_vars={"PULUMI_CONFIG_PASSPHRASE": os.environ.get("PULUMI_CONFIG_PASSPHRASE", "app-passphrase"),
                      "PULUMI_PYTHON_CMD": sys.executable},
            pulumi_command=pulumi_command,
        ),
    )
    outputs = stack.up(on_output=print).outputs
    cert_dir = Path(tempfile.mkdtemp(prefix="docker-certs-"))
    for key, file in (("ca_pem", "ca.pem"), ("client_cert_pem", "cert.pem"), ("client_key_pem", "key.pem")):
        (cert_dir / file).write_text(outputs[key].value)
    (cert_dir / "key.pem").chmod(0o600)
    return {**outputs["docker_env"].value, "DOCKER_CERT_PATH": str(cert_dir)}


def main() -> None:
    address, key_path = sys.argv[1], sys.argv[2]
    env = up(address, key_path, Path.home() / ".docker-app-state")
    subprocess.run(["docker", "version"], env={**os.environ, **env}, check=True)


if __name__ == "__main__":
    main()

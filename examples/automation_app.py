"""A Python app that makes a Docker host through the Automation API and then uses it.

Local file backend, no Pulumi account. The program is examples/app-program/__main__.py, run either
inline (in this process) or, with ``--work-dir``, as a project of its own (its Pulumi.yaml beside it)
through Pulumi's Python language host. The machine's ``docker_env`` and certificates come back as
stack outputs, and the app runs ``docker`` against the new engine; ``--destroy`` undoes the host.

    .venv/bin/python examples/automation_app.py 203.0.113.5 ~/.ssh/id_ed25519
    .venv/bin/python examples/automation_app.py --work-dir examples/app-program 203.0.113.5 ~/.ssh/id_ed25519
    .venv/bin/python examples/automation_app.py --destroy
"""

from __future__ import annotations

import argparse
import os
import runpy
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Optional

from pulumi import automation as auto

from pulumi_docker_machine import DriverArgumentError, GenericDriver, write_client_certs

PROJECT = "docker-app"  # the name in app-program/Pulumi.yaml: its config keys are docker-app:address, ...
PROGRAM = Path(__file__).resolve().parent / "app-program"
STACK = "dev"


def inline_program() -> None:
    """The app-program, run in this process."""
    runpy.run_path(str(PROGRAM / "__main__.py"))


def stack_for(
    state_dir: Path, work_dir: Optional[Path] = None, pulumi_command: Optional[auto.PulumiCommand] = None
) -> auto.Stack:
    """The stack 'dev' with its state in ``state_dir``: inline, or the project in ``work_dir``."""
    state_dir.mkdir(mode=0o700, parents=True, exist_ok=True)  # 0700 when new: the state holds the stack's secrets
    env_vars = {
        "PULUMI_CONFIG_PASSPHRASE": os.environ.get("PULUMI_CONFIG_PASSPHRASE", "app-passphrase"),
        # The language host and the dynamic providers run this python, which has pulumi-docker-machine.
        "PULUMI_PYTHON_CMD": sys.executable,
    }
    if work_dir is not None:
        # The project's own Pulumi.yaml is left as it is: the backend comes from the environment.
        opts = auto.LocalWorkspaceOptions(
            secrets_provider="passphrase",
            pulumi_command=pulumi_command,
            env_vars={**env_vars, "PULUMI_BACKEND_URL": state_dir.as_uri()},
        )
        return auto.create_or_select_stack(stack_name=STACK, work_dir=str(work_dir), opts=opts)
    opts = auto.LocalWorkspaceOptions(
        work_dir=str(state_dir),
        project_settings=auto.ProjectSettings(
            name=PROJECT, runtime="python", backend=auto.ProjectBackend(url=state_dir.as_uri())
        ),
        secrets_provider="passphrase",
        env_vars=env_vars,
        pulumi_command=pulumi_command,
    )
    return auto.create_or_select_stack(stack_name=STACK, project_name=PROJECT, program=inline_program, opts=opts)


def up(
    address: str,
    key_path: str,
    state_dir: Path,
    pulumi_command: Optional[auto.PulumiCommand] = None,
    work_dir: Optional[Path] = None,
) -> dict:
    """Create (or update) the host; returns the environment that points docker at it."""
    stack = stack_for(state_dir, work_dir, pulumi_command)
    stack.set_all_config({"address": auto.ConfigValue(address), "ssh_key": auto.ConfigValue(key_path)})
    outputs = stack.up(on_output=print).outputs
    cert_dir = write_client_certs(
        tempfile.mkdtemp(prefix="docker-certs-"),
        outputs["ca_pem"].value,
        outputs["client_cert_pem"].value,
        outputs["client_key_pem"].value,
    )
    return {**outputs["docker_env"].value, "DOCKER_CERT_PATH": str(cert_dir)}


def down(state_dir: Path, pulumi_command: Optional[auto.PulumiCommand] = None, work_dir: Optional[Path] = None) -> None:
    """Undo the host (Docker's TLS setup on it) and remove the stack."""
    stack = stack_for(state_dir, work_dir, pulumi_command)
    stack.destroy(on_output=print)
    stack.workspace.remove_stack(STACK)


def input_problem(args: argparse.Namespace) -> Optional[str]:
    """What is wrong with the arguments, in one line that says how to fix it; None when nothing is."""
    if args.work_dir is not None and not (args.work_dir / "Pulumi.yaml").is_file():
        return f"no Pulumi.yaml in {args.work_dir}: give --work-dir a Pulumi project folder, e.g. examples/app-program"
    if not args.destroy:
        problem = host_problem(args.address, args.ssh_key)
        if problem:
            return problem
    if shutil.which("pulumi") is None:
        return "no pulumi on PATH: install the Pulumi CLI (in a checkout of this project: . .engine/env)"
    return None


def host_problem(address: Optional[str], key_path: Optional[str]) -> Optional[str]:
    if address is None or key_path is None:
        return "give the host's address and the path of your private key for root on it"
    try:
        GenericDriver(ip_address=address, ssh_key=None).validate("app-host")
    except DriverArgumentError as err:
        return f"{err}"
    if not Path(key_path).expanduser().is_file():
        return f"no private key at {key_path}: give the path of your key for root on the host"
    return None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("address", nargs="?", help="the host's address (its sshd lets root in with the key)")
    parser.add_argument("ssh_key", nargs="?", help="the path of your private key for root on that host")
    parser.add_argument(
        "--work-dir",
        type=Path,
        help="run the program in this project folder through the language host (e.g. examples/app-program), not inline",
    )
    parser.add_argument("--state", type=Path, default=Path.home() / ".docker-app-state", help="the state folder")
    parser.add_argument("--destroy", action="store_true", help="undo the host (no address or key needed)")
    args = parser.parse_args()
    problem = input_problem(args)
    if problem:
        sys.exit(f"automation_app: {problem}")
    work_dir = args.work_dir.resolve() if args.work_dir else None
    if args.destroy:
        down(args.state, work_dir=work_dir)
        return
    env = up(args.address, args.ssh_key, args.state, work_dir=work_dir)
    subprocess.run(["docker", "version"], env={**os.environ, **env}, check=True)


if __name__ == "__main__":
    main()

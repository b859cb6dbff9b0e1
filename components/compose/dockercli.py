"""The local ``docker`` CLI against a machine over TLS: what ComposeApp's provider and the CLI share.

No Pulumi here: the ``docker-machine compose`` and ``stack`` commands import this module too.
Secrets (the client key, env files' values) go into files in a private folder or the child's
environment, never into a command line or a message.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any, Mapping, Optional, Sequence

MISSING_DOCKER = (
    "the docker CLI is not on PATH: install Docker's CLI (docker-ce-cli from Docker's packages, or Debian's docker.io)"
)
MISSING_PLUGIN = (
    "the Docker Compose v2 plugin is missing: install docker-compose-plugin (Docker's packages) "
    "or put the docker-compose binary in ~/.docker/cli-plugins/"
)
# What the docker CLI reads that would point it anywhere but the machine we name.
CLEARED = ("DOCKER_HOST", "DOCKER_CONTEXT", "DOCKER_TLS_VERIFY", "DOCKER_CERT_PATH", "DOCKER_TLS")
STACK_LABEL = "com.docker.stack.namespace"
# A Compose project or stack name: what docker compose accepts (stack names are a subset of names that work).
PROJECT_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,62}$")
RESOLVE_IMAGE = ("always", "changed", "never")
ERROR_TAIL = 2000  # characters of a failed command's output kept in an error


class DockerCLIError(RuntimeError):
    """A docker command failed or cannot run; the message is one line for the user, then docker's output."""


def project_name_problem(name: Any) -> Optional[str]:
    if not isinstance(name, str) or not PROJECT_NAME.match(name):
        return (
            f"project name {str(name)[:80]!r} must be 1 to 63 lowercase letters, digits, '-' or '_', starting "
            "with a letter or digit (what docker compose and docker stack accept)"
        )
    return None


def docker_binary() -> str:
    path = shutil.which("docker")
    if not path:
        raise DockerCLIError(MISSING_DOCKER)
    return path


def compose_missing(docker: str, env: Mapping[str, str]) -> bool:
    """True when ``docker compose`` is not there (the CLI says "unknown command" / "not a docker command")."""
    try:
        result = subprocess.run([docker, "compose", "version"], env=dict(env), capture_output=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        return True
    return result.returncode != 0


def machine_env(base: Mapping[str, str], docker_host: str, cert_path: str | Path) -> dict[str, str]:
    """``base`` with the docker CLI pointed at ``docker_host`` over mutual TLS with the certificates in ``cert_path``."""
    env = {k: v for k, v in base.items() if k not in CLEARED}
    env.update(DOCKER_HOST=docker_host, DOCKER_TLS_VERIFY="1", DOCKER_CERT_PATH=str(cert_path))
    return env


def run(
    args: Sequence[str],
    env: Mapping[str, str],
    *,
    stdin: str | None = None,
    cwd: str | Path | None = None,
    timeout: float = 900,
    what: str = "",
) -> subprocess.CompletedProcess:
    """Run a docker command; a failure raises DockerCLIError naming the command and the end of its output."""
    try:
        result = subprocess.run(
            list(args), env=dict(env), input=stdin, capture_output=True, text=True, cwd=cwd, timeout=timeout
        )
    except subprocess.TimeoutExpired:
        raise DockerCLIError(f"{what or shown(args)} did not finish within {timeout:g}s") from None
    except OSError as err:
        raise DockerCLIError(f"{what or shown(args)} could not run: {err.strerror or err}") from None
    if result.returncode != 0:
        output = (result.stderr or result.stdout).strip()
        raise DockerCLIError(f"{what or shown(args)} failed (exit {result.returncode}): {output[-ERROR_TAIL:]}")
    return result


def shown(args: Sequence[str]) -> str:
    """A command line for a message: the binary's name, not its path (argv never holds a secret)."""
    return " ".join([Path(args[0]).name, *args[1:]]) if args else ""


# ----- env files --------------------------------------------------------------------------------------------------

ENV_LINE = re.compile(r"^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_.-]*)\s*=\s*(.*)$")


def parse_env_file(text: str) -> dict[str, str]:
    """KEY=VALUE lines as docker compose reads an env file: comments, blank lines, ``export``, quotes."""
    values: dict[str, str] = {}
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        match = ENV_LINE.match(line)
        if not match:
            continue
        key, value = match.group(1), match.group(2).strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            quote, value = value[0], value[1:-1]
            if quote == '"':
                value = value.replace("\\n", "\n").replace('\\"', '"').replace("\\\\", "\\")
        else:
            value = re.split(r"\s+#", value, maxsplit=1)[0].rstrip()
        values[key] = value
    return values


# ----- what a deployment consists of -------------------------------------------------------------------------------


def port_text(published: Any, target: Any, protocol: Any) -> str:
    return f"{int(published)}->{int(target)}/{str(protocol or 'tcp').lower()}"


def _json_records(text: str) -> list[dict]:
    """``--format json`` output: one object per line (newer CLIs) or one array (older ones)."""
    text = text.strip()
    if not text:
        return []
    if text.startswith("["):
        return [r for r in json.loads(text) if isinstance(r, dict)]
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def compose_ps_summary(text: str) -> tuple[list[str], dict[str, list[str]]]:
    """Services and published ports from ``docker compose ps --all --format json``."""
    services: set[str] = set()
    ports: dict[str, list[str]] = {}
    for record in _json_records(text):
        service = record.get("Service") or record.get("Name")
        if not service:
            continue
        services.add(service)
        for publisher in record.get("Publishers") or []:
            if int(publisher.get("PublishedPort") or 0) <= 0:
                continue  # exposed, not published
            entry = port_text(publisher["PublishedPort"], publisher.get("TargetPort", 0), publisher.get("Protocol"))
            if entry not in ports.setdefault(service, []):  # IPv4 and IPv6 bindings are one port
                ports[service].append(entry)
    return sorted(services), {k: sorted(v) for k, v in sorted(ports.items())}


def service_inspect_summary(text: str, stack: str) -> tuple[list[str], dict[str, list[str]]]:
    """Services (their names in the file) and published ports from ``docker service inspect`` of a stack's services."""
    services: set[str] = set()
    ports: dict[str, list[str]] = {}
    for record in _json_records(text):
        spec = record.get("Spec") or {}
        full = str(spec.get("Name") or "")
        name = full[len(stack) + 1 :] if full.startswith(f"{stack}_") else full
        if not name:
            continue
        services.add(name)
        for port in (spec.get("EndpointSpec") or {}).get("Ports") or []:
            if int(port.get("PublishedPort") or 0) > 0:
                entry = port_text(port["PublishedPort"], port.get("TargetPort", 0), port.get("Protocol"))
                if entry not in ports.setdefault(name, []):
                    ports[name].append(entry)
    return sorted(services), {k: sorted(v) for k, v in sorted(ports.items())}

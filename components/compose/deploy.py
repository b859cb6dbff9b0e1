"""One Compose application on one Docker engine: ``docker compose`` on a machine, ``docker stack`` on a swarm.

Plain functions over the resource's properties (no Pulumi): ComposeAppProvider calls them, tests too.
Every call writes the TLS material (and env files) into a private temporary folder, runs the local
``docker`` CLI against the machine and removes the folder. The Compose file goes on standard input
(``-f -`` / ``-c -``), so relative paths in it resolve against ``project_directory`` (or the working
directory), as when the file is used in place.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import time
from pathlib import Path
from typing import Any, Iterator, Mapping, Optional

from ..files import PrivateTempFolder, write_client_certs, write_private
from .dockercli import (
    MISSING_PLUGIN,
    RESOLVE_IMAGE,
    STACK_LABEL,
    DockerCLIError,
    compose_missing,
    compose_ps_summary,
    docker_binary,
    machine_env,
    parse_env_file,
    project_name_problem,
    run,
    service_inspect_summary,
)
from .interpolate import interpolate

MODES = ("compose", "stack")
STACK_RM_TIMEOUT = 120.0  # seconds: a stack's tasks stop before its networks can go
CREDENTIALS = ("docker_host", "ca_pem", "client_cert_pem", "client_key_pem")


def content_sha256(content: str) -> str:
    return hashlib.sha256(content.encode()).hexdigest()


def problems(props: Mapping[str, Any], unknown: object = None) -> list[tuple[str, str]]:
    """(property, reason) for each input that cannot work; values not known yet (preview) pass."""

    def known(key: str) -> bool:
        return props.get(key) is not None and props.get(key) != unknown

    found: list[tuple[str, str]] = []
    project_problem = project_name_problem(props["project_name"]) if known("project_name") else None
    if project_problem:
        found.append(("project_name", project_problem))
    if props.get("mode") not in MODES:
        found.append(("mode", f"mode must be one of {', '.join(MODES)}, not {props.get('mode')!r}"))
    if known("content") and (not isinstance(props["content"], str) or not props["content"].strip()):
        found.append(("content", "the Compose file is empty"))
    if props.get("resolve_image") not in RESOLVE_IMAGE:
        found.append(
            (
                "resolve_image",
                f"resolve_image must be one of {', '.join(RESOLVE_IMAGE)}, not {props.get('resolve_image')!r}",
            )
        )
    if known("docker_host") and not str(props["docker_host"]).startswith("tcp://"):
        found.append(("docker_host", f"docker_host must be a tcp:// URL, not {str(props['docker_host'])[:100]!r}"))
    env_files = props.get("env_files")
    if env_files is not None and env_files != unknown:
        if not isinstance(env_files, list) or not all(
            isinstance(f, dict) and isinstance(f.get("content"), str) for f in env_files
        ):
            found.append(("env_files", "env_files must be a list of {name, content}"))
    project_directory = props.get("project_directory") or ""
    if project_directory and project_directory != unknown and not Path(project_directory).is_dir():
        found.append(("project_directory", f"project_directory {project_directory!r} is not a folder"))
    return found


class Session:
    """The docker CLI pointed at the resource's engine, with its files in a private folder."""

    def __init__(self, props: Mapping[str, Any], folder: Path) -> None:
        self.props = props
        self.project = str(props["project_name"])
        self.docker = docker_binary()
        tls = folder / "tls"
        tls.mkdir(mode=0o700)
        write_client_certs(tls, props["ca_pem"], props["client_cert_pem"], props["client_key_pem"])
        self.env_paths: list[Path] = []
        env_values: dict[str, str] = {}
        for index, env_file in enumerate(props.get("env_files") or []):
            self.env_paths.append(write_private(folder / f"env-{index}", env_file["content"]))
            env_values.update(parse_env_file(env_file["content"]))
        # docker stack deploy reads no env file, and an env file's variables must never become the local docker
        # process's environment (LD_PRELOAD=, HTTPS_PROXY=...): the file is substituted here, as docker compose
        # would (this process's environment wins over the env files), and docker gets nothing to substitute.
        self.variables = {**env_values, **os.environ}
        self.env = machine_env(os.environ, str(props["docker_host"]), tls)
        self.cwd = props.get("project_directory") or None

    def run(self, args: list[str], what: str, stdin: Optional[str] = None, **kwargs):
        return run([self.docker, *args], self.env, stdin=stdin, cwd=self.cwd, what=what, **kwargs)

    # ----- docker compose (a machine) -------------------------------------------------------------------------

    def compose(self, *args: str, what: str):
        options = ["compose", "--project-name", self.project, "--file", "-"]
        if self.props.get("project_directory"):
            options += ["--project-directory", self.props["project_directory"]]
        for path in self.env_paths:
            options += ["--env-file", str(path)]
        return self.run([*options, *args], what=what, stdin=self.props["content"])

    def check_compose(self) -> None:
        if compose_missing(self.docker, self.env):
            raise DockerCLIError(MISSING_PLUGIN)

    # ----- docker stack (a swarm manager) ---------------------------------------------------------------------

    def stack_service_ids(self) -> list[str]:
        listed = self.run(
            ["service", "ls", "--quiet", "--filter", f"label={STACK_LABEL}={self.project}"],
            what=f"listing the services of stack {self.project}",
        )
        return listed.stdout.split()


def _what(props: Mapping[str, Any], action: str) -> str:
    kind = "docker stack" if props["mode"] == "stack" else "docker compose"
    return f"{kind} {action} of {props['project_name']} on {props['docker_host']}"


@contextlib.contextmanager
def session(props: Mapping[str, Any]) -> Iterator[Session]:
    with PrivateTempFolder("docker-machine-compose-") as folder:
        yield Session(props, folder)


def deploy(props: Mapping[str, Any]) -> dict[str, Any]:
    """Bring the application to what the file says; returns its services and published ports."""
    with session(props) as s:
        if props["mode"] == "stack":
            content = interpolate(props["content"], s.variables)  # before anything runs: a bad file deploys nothing
            s.run(
                [
                    "stack",
                    "deploy",
                    "--compose-file",
                    "-",
                    "--prune",
                    "--resolve-image",
                    props["resolve_image"],
                    s.project,
                ],
                what=_what(props, "deploy"),
                stdin=content,
            )
        else:
            s.check_compose()
            s.compose("up", "--detach", "--remove-orphans", what=_what(props, "up"))
        return _summary(props, s)


def summary(props: Mapping[str, Any]) -> dict[str, Any]:
    """The services and published ports as the engine reports them now."""
    with session(props) as s:
        if props["mode"] != "stack":
            s.check_compose()
        return _summary(props, s)


def _summary(props: Mapping[str, Any], s: Session) -> dict[str, Any]:
    if props["mode"] == "stack":
        ids = s.stack_service_ids()
        text = s.run(["service", "inspect", *ids], what=_what(props, "service inspect")).stdout if ids else ""
        services, ports = service_inspect_summary(text, s.project)
    else:
        text = s.compose("ps", "--all", "--format", "json", what=_what(props, "ps")).stdout
        services, ports = compose_ps_summary(text)
    return {"services": services, "published_ports": ports}


def remove(props: Mapping[str, Any]) -> None:
    """``docker compose down`` / ``docker stack rm``; an application already gone is no error."""
    with session(props) as s:
        if props["mode"] == "stack":
            remove_stack(s, props)
        else:
            s.check_compose()
            args = ["down", "--remove-orphans"] + (["--volumes"] if props.get("remove_volumes") else [])
            s.compose(*args, what=_what(props, "down"))


def remove_stack(s: Session, props: Mapping[str, Any], timeout: float = STACK_RM_TIMEOUT) -> None:
    """``docker stack rm``, again until it succeeds: the stack's networks go only once its tasks have stopped."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            s.run(["stack", "rm", s.project], what=_what(props, "rm"))
            return
        except DockerCLIError:
            if time.monotonic() > deadline:
                raise
        time.sleep(2)

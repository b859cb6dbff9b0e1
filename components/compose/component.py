"""ComposeApp: a Compose file deployed onto a DockerMachine (docker compose) or a swarm (docker stack deploy)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional, Sequence

import pulumi
from pulumi.dynamic import Resource

from .dockercli import RESOLVE_IMAGE, project_name_problem
from .provider import ComposeDeploymentProvider

TYPE = "docker-machine:index:ComposeApp"
MODULE = "docker-machine"
TARGET_ATTRIBUTES = ("docker_host", "ca_pem", "client_cert_pem", "client_key_pem")


class ComposeArgumentError(ValueError):
    """Bad ComposeApp arguments: one line naming the fix, raised before anything is registered."""


@dataclass
class ComposeAppArgs:
    # A DockerMachine, or anything with docker_host, ca_pem, client_cert_pem, client_key_pem (Inputs) and
    # is_swarm = True (a swarm's manager): then the file is deployed with docker stack deploy.
    target: Any
    file: Optional[str | os.PathLike] = None  # a Compose file's path, read when the program runs
    content: Optional[pulumi.Input[str]] = None  # or its text
    env_files: Sequence[str | os.PathLike] = ()  # read when the program runs; their values stay secret
    project_name: Optional[str] = None  # default: the resource's name
    # Where the file's relative paths resolve: default the file's folder (file=) or the working directory (content=).
    project_directory: Optional[str | os.PathLike] = None
    resolve_image: str = "always"  # docker stack deploy --resolve-image: always, changed or never
    remove_volumes: bool = False  # destroy runs docker compose down --volumes
    is_swarm: Optional[bool] = None  # default: the target's is_swarm


def default_project_name(name: str) -> str:
    """The resource's name as a Compose project name: lowercase, other characters as '-'."""
    cleaned = "".join(c if c.isalnum() or c in "_-" else "-" for c in name.lower()).lstrip("_-")
    return cleaned[:63]


class ComposeDeployment(Resource, module=MODULE, name="ComposeDeployment"):
    services: pulumi.Output[list]
    published_ports: pulumi.Output[dict]
    content_sha256: pulumi.Output[str]

    def __init__(self, name: str, props: dict, opts: Optional[pulumi.ResourceOptions] = None) -> None:
        outputs = dict.fromkeys(("services", "published_ports", "content_sha256"))
        opts = pulumi.ResourceOptions.merge(
            opts, pulumi.ResourceOptions(additional_secret_outputs=["client_key_pem", "env_files"])
        )
        super().__init__(ComposeDeploymentProvider(), name, {**outputs, **props}, opts)


def _read(path: str | os.PathLike, what: str) -> str:
    try:
        return Path(path).read_text()
    except OSError as err:
        raise ComposeArgumentError(f"cannot read the {what} {str(path)!r}: {err.strerror or err}") from None


def build_props(name: str, args: ComposeAppArgs) -> dict[str, Any]:
    """The deployment's inputs from the arguments; bad arguments raise ComposeArgumentError."""
    if (args.file is None) == (args.content is None):
        raise ComposeArgumentError(f"compose app {name!r}: give either file= (a path) or content= (the text)")
    missing = [a for a in TARGET_ATTRIBUTES if getattr(args.target, a, None) is None]
    if missing:
        raise ComposeArgumentError(
            f"compose app {name!r}: target must be a DockerMachine or a swarm (it has no {', '.join(missing)})"
        )
    project = args.project_name if args.project_name is not None else default_project_name(name)
    problem = project_name_problem(project)
    if problem:
        raise ComposeArgumentError(f"compose app {name!r}: {problem}")
    if args.resolve_image not in RESOLVE_IMAGE:
        raise ComposeArgumentError(f"compose app {name!r}: resolve_image must be one of {', '.join(RESOLVE_IMAGE)}")
    if args.file is not None:
        content: Any = _read(args.file, "Compose file")
        directory = args.project_directory if args.project_directory is not None else Path(args.file).resolve().parent
    else:
        content = args.content
        directory = args.project_directory if args.project_directory is not None else ""
    if directory and not Path(directory).is_dir():
        raise ComposeArgumentError(f"compose app {name!r}: project_directory {str(directory)!r} is not a folder")
    env_files = [{"name": Path(p).name, "content": _read(p, "env file")} for p in args.env_files]
    swarm = args.is_swarm if args.is_swarm is not None else bool(getattr(args.target, "is_swarm", False))
    return {
        "project_name": project,
        "mode": "stack" if swarm else "compose",
        "docker_host": args.target.docker_host,
        "ca_pem": args.target.ca_pem,
        "client_cert_pem": args.target.client_cert_pem,
        "client_key_pem": pulumi.Output.secret(args.target.client_key_pem),
        "content": content,
        "env_files": pulumi.Output.secret(env_files),
        "project_directory": str(Path(directory).resolve()) if directory else "",
        "resolve_image": args.resolve_image,
        "remove_volumes": bool(args.remove_volumes),
    }


class ComposeApp(pulumi.ComponentResource):
    """Outputs: ``project_name``, ``services`` (names in the file), ``published_ports`` (service -> list of
    "published->target/proto"), ``content_sha256``."""

    project_name: pulumi.Output[str]
    services: pulumi.Output[list]
    published_ports: pulumi.Output[dict]
    content_sha256: pulumi.Output[str]

    def __init__(self, name: str, args: ComposeAppArgs, opts: Optional[pulumi.ResourceOptions] = None) -> None:
        props = build_props(name, args)  # before registering anything
        super().__init__(TYPE, name, None, opts)
        depends = [args.target] if isinstance(args.target, pulumi.Resource) else []
        deployment = ComposeDeployment(
            f"{name}-deployment", props, pulumi.ResourceOptions(parent=self, depends_on=depends)
        )
        self.project_name = pulumi.Output.from_input(props["project_name"])
        self.services = deployment.services
        self.published_ports = deployment.published_ports
        self.content_sha256 = deployment.content_sha256
        self.register_outputs(
            {
                "project_name": self.project_name,
                "services": self.services,
                "published_ports": self.published_ports,
                "content_sha256": self.content_sha256,
            }
        )

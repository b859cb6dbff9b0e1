"""The program side of a machine adopted from docker-machine 0.16 (``docker-machine adopt``; adopt.py is the
command side): what its stack's config says, and how its program differs from a machine we made.

- Its own SSH key (the 0.16 folder's, secret config ``adoptedSshKey``) is the machine's key: none is generated
  or authorized, and a cloud VM is given its public half.
- The cloud resources docker-machine made (``adopted``: ``[{"type": TOKEN, "id": ID}]``) are imported by ID
  once, in the adopting update, and keep ``ignore_changes=["*"]`` ever after: the program describes a VM it
  did not create, so a difference between the two must never update or replace it.
- The adopting update registers the provisioning step without its ``create`` command, so nothing runs on the
  VM; the next update that runs the step (``provision``, ``regenerate-certs``, ``start``) configures it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Optional, Sequence

from .settings import NAMESPACE

ADOPTED_KEY = "adopted"
SSH_KEY_KEY = "adoptedSshKey"
PROVISIONING_TYPE = "command:remote:Command"


@dataclass(frozen=True)
class Imported:
    """A cloud resource docker-machine made, by its Pulumi type token and the ID its provider imports."""

    type: str
    id: str


def adoption_config(imports: Sequence[Imported], ssh_private_key: Optional[str]) -> dict[str, tuple[str, bool]]:
    """The stack config that marks a machine adopted (``{key: (value, secret)}``, as settings.to_config)."""
    values = {f"{NAMESPACE}:{ADOPTED_KEY}": (json.dumps([{"type": i.type, "id": i.id} for i in imports]), False)}
    if ssh_private_key:
        values[f"{NAMESPACE}:{SSH_KEY_KEY}"] = (ssh_private_key, True)
    return values


def imports_of(raw: Optional[str]) -> Optional[list[Imported]]:
    """The imports the config names; None for a machine that was not adopted. Anything but the list adopt
    writes is refused (a stack's config is read back here)."""
    if not raw:
        return None
    found = json.loads(raw)
    if not isinstance(found, list) or not all(
        isinstance(i, dict) and isinstance(i.get("type"), str) and isinstance(i.get("id"), str) for i in found
    ):
        raise ValueError(f"{NAMESPACE}:{ADOPTED_KEY} is not a list of {{type, id}}: run 'docker-machine adopt' again")
    return [Imported(i["type"], i["id"]) for i in found]


def transformation(imports: Sequence[Imported], adopting: bool):
    """The stack transformation of an adopted machine's program (imports pulumi)."""
    import pulumi

    ids = {i.type: i.id for i in imports}

    def transform(args: pulumi.ResourceTransformationArgs) -> Optional[pulumi.ResourceTransformationResult]:
        if args.type_ in ids:
            kept = pulumi.ResourceOptions(ignore_changes=["*"], import_=ids[args.type_] if adopting else None)
            return pulumi.ResourceTransformationResult(args.props, pulumi.ResourceOptions.merge(args.opts, kept))
        if adopting and args.type_ == PROVISIONING_TYPE:
            return pulumi.ResourceTransformationResult({**args.props, "create": None}, args.opts)
        return None

    return transform


def build(name: str, spec: Any, component: dict, imports: Sequence[Imported], ssh_private_key: Any, adopting: bool):
    """The adopted machine's DockerMachine (``spec`` and ``component`` as settings.program_config gives them)."""
    import pulumi

    from pulumi_docker_machine.components.machine import DockerMachine

    from .settings import machine_args

    return DockerMachine(
        name,
        machine_args(spec, **component, ssh_private_key=ssh_private_key),
        pulumi.ResourceOptions(transformations=[transformation(imports, adopting)]),  # its children inherit it
    )


def _program(adopting: bool) -> None:
    import pulumi

    from pulumi_docker_machine.components.machine import OUTPUTS

    from ..programs.inline import machine_program as made_here
    from .settings import program_config

    config = pulumi.Config(NAMESPACE)
    imports = imports_of(config.get(ADOPTED_KEY))
    if imports is None:
        made_here()
        return
    spec, component = program_config(config)
    machine = build(pulumi.get_stack(), spec, component, imports, config.get_secret(SSH_KEY_KEY), adopting)
    for output in OUTPUTS:
        pulumi.export(output, getattr(machine, output))


def machine_program() -> None:
    """Every machine's stack's program: the inline one, or an adopted machine's."""
    _program(adopting=False)


def adopting_program() -> None:
    """The adopting update's program."""
    _program(adopting=True)

"""The program side of a machine adopted from docker-machine 0.16 (``docker-machine adopt``; adopt.py is the
command side): what its stack's config says, and how its program differs from a machine we made.

- Its own SSH key (the 0.16 folder's, secret config ``adoptedSshKey``) is the machine's key: none is generated
  or authorized, and a cloud VM is given its public half.
- The cloud resources docker-machine made (``adopted``: ``[{"type": TOKEN, "id": ID}]``) are imported by ID
  once, in the adopting update, and keep ``ignore_changes=["*"]`` ever after: the program describes a VM it
  did not create, so a difference between the two must never update or replace it.
- The adopting update registers the provisioning step without its ``create`` command, so nothing runs on the
  VM; the next update that runs the step (``provision``, ``regenerate-certs``, ``start``) configures it.

The stack exports the imports (output ``adopted``), so the store's record keeps them: every later update sets
this config again from the record (``kept_config``), in the store that adopted the machine or in a teammate's
that imported it (a stack's config lives in each store's workspace; its state and outputs are shared).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Optional, Sequence

from .settings import NAMESPACE

if TYPE_CHECKING:
    from ..store import HostConfig, Store

ADOPTED_KEY = "adopted"  # the config key, and the stack output
SSH_KEY_KEY = "adoptedSshKey"
PROVISIONING_TYPE = "command:remote:Command"
# Resources a driver makes beside a new VM that would change an adopted VM's network: kept inert. A DigitalOcean
# firewall attached to a droplet blocks every inbound port it does not list (the services the droplet already
# serves), so an adopted droplet's is made with no droplet.
DETACHED = {"digitalocean:index/firewall:Firewall": "droplet_ids"}
_TYPE = re.compile(r"[a-z][a-z0-9-]*:[A-Za-z0-9/._-]*:[A-Za-z][A-Za-z0-9]*")
_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9/._:-]{0,500}")


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


def imports_of(raw: Any) -> Optional[list[Imported]]:
    """The imports a stack's config (JSON text) or a machine's record (a list) names; None for a machine that was
    not adopted. Anything but the list adopt writes is refused: these come back from a stack, untrusted."""
    if raw is None or raw == "":
        return None
    found = json.loads(raw) if isinstance(raw, str) else raw
    if not isinstance(found, list) or not all(
        isinstance(i, dict)
        and isinstance(i.get("type"), str)
        and _TYPE.fullmatch(i["type"])
        and isinstance(i.get("id"), str)
        and _ID.fullmatch(i["id"])
        for i in found
    ):
        raise ValueError(f"the machine's {ADOPTED_KEY!r} is not a list of {{type, id}}: adopt it again")
    return [Imported(i["type"], i["id"]) for i in found]


def read_private_key(path: Path) -> str:
    """A machine's own key file: a regular file (no link), an unencrypted private key; ValueError names why not."""
    from pulumi_docker_machine.components.drivers.userkey import key_pair_text

    if path.is_symlink() or not path.is_file():
        raise ValueError(f"{path} is not a file")
    try:
        text, _ = key_pair_text(str(path))
    except ValueError:
        raise ValueError(f"{path} is not an unencrypted SSH private key") from None
    return text


def kept_config(store: Store, host: Optional[HostConfig]) -> dict[str, tuple[str, bool]]:
    """An adopted machine's config again, from its record in ``store`` (its stack's outputs and its key file);
    empty for any other machine. For every update: a teammate's store has no config of the adopting store's."""
    from .errors import MachineError

    outputs = host.pulumi.get("Outputs") if host is not None else None
    if host is None or not isinstance(outputs, dict) or outputs.get(ADOPTED_KEY) is None:
        return {}  # [] is a machine adopted as generic: nothing imported
    try:
        imports = imports_of(outputs[ADOPTED_KEY]) or []
        folder = store.machine_dir(host.name)
        key = read_private_key(folder / Path(host.ssh_key_path).name) if host.ssh_key_path else None
    except ValueError as err:
        raise MachineError(f"Error: machine {host.name!r} was adopted from docker-machine, but {err}") from None
    return adoption_config(imports, key)


def transformation(imports: Sequence[Imported], adopting: bool):
    """The stack transformation of an adopted machine's program (imports pulumi)."""
    import pulumi

    ids = {i.type: i.id for i in imports}

    def transform(args: pulumi.ResourceTransformationArgs) -> Optional[pulumi.ResourceTransformationResult]:
        if args.type_ in ids:
            kept = pulumi.ResourceOptions(ignore_changes=["*"], import_=ids[args.type_] if adopting else None)
            return pulumi.ResourceTransformationResult(args.props, pulumi.ResourceOptions.merge(args.opts, kept))
        if args.type_ in DETACHED:
            return pulumi.ResourceTransformationResult({**args.props, DETACHED[args.type_]: []}, args.opts)
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
    pulumi.export(ADOPTED_KEY, [{"type": i.type, "id": i.id} for i in imports])


def machine_program() -> None:
    """Every machine's stack's program: the inline one, or an adopted machine's."""
    _program(adopting=False)


def adopting_program() -> None:
    """The adopting update's program."""
    _program(adopting=True)

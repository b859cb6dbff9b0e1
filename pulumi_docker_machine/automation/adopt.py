"""``docker-machine adopt NAME [--name NEW]``: a machine docker-machine 0.16 made, taken under Pulumi without
touching its VM. The store's CA and client certificate stay as they are (the machine's server certificate, signed
by that CA, stays valid: the VM keeps serving it until the next provisioning uploads the stack's); its cloud
resource is imported by ID (adoptsource.py says which), else it becomes a generic machine at its address with its
own SSH key. Afterwards it is a machine like any other (adoption.py: how its program differs).

    from pulumi_docker_machine.automation.adopt import adopt_machine
    adopt_machine("dev")
"""

from __future__ import annotations

import dataclasses
from contextlib import nullcontext
from typing import Optional

from pulumi_docker_machine.components.names import name_problem

from ..store import HostConfig, Store
from .adoption import adopting_program, adoption_config
from .adoptsource import Adoption, adoption_of
from .certs import FILES
from .errors import MachineError
from .machines import check_configuration
from .runner import MACHINES, Say, locked, quiet, up_stack, workspace_for
from .settings import to_config
from .storesync import write_machine
from .workspace import MachineWorkspace

ADOPTING = dataclasses.replace(MACHINES, program=adopting_program)


def _shared_certs(store: Store, host: HostConfig) -> dict[str, str]:
    """STORE/certs as docker-machine left them, never made anew here: a new CA would lock every client out."""
    folder = store.certs_dir
    missing = [name for name in FILES.values() if not (folder / name).is_file()]
    if missing:
        raise MachineError(
            f"Error: can't adopt {host.name!r}: {folder} lacks {', '.join(missing)}: adopt from the store "
            "docker-machine made it in (its certs/ folder holds the CA the machine trusts)"
        )
    certs = {key: (folder / name).read_text() for key, name in FILES.items()}
    own_ca = store.machine_dir(host.name) / "ca.pem"
    if own_ca.is_file() and own_ca.read_text().strip() != certs["ca_pem"].strip():
        raise MachineError(
            f"Error: can't adopt {host.name!r}: its ca.pem is not {folder / 'ca.pem'}: it was made with another "
            "store's CA; adopt it from that store"
        )
    return certs


def _source(store: Store, name: str) -> HostConfig:
    host = store.load(name)  # MachineNotFound, BrokenMachine: the CLI's own messages
    if host.pulumi:
        raise MachineError(f"Error: machine {name!r} is already managed through Pulumi: nothing to adopt")
    return host


def adopt_machine(
    name: str,
    new_name: Optional[str] = None,
    *,
    store: Optional[Store] = None,
    workspace: Optional[MachineWorkspace] = None,
    say: Say = quiet,
) -> HostConfig:
    """Adopt the 0.16 machine ``name`` (as ``new_name``: its 0.16 record is then replaced by the new one)."""
    workspace = workspace_for(ADOPTING, workspace, store, say)
    store = workspace.store
    target = new_name or name
    for given in (name, target):
        if name_problem(given):
            raise MachineError(f"Error: {name_problem(given)}")
    host = _source(store, name)
    if target != name and target in store.names():
        raise MachineError(f'Docker machine "{target}" already exists')
    adoption = adoption_of(store, host)
    check_configuration(target, adoption.spec)
    certs = _shared_certs(store, host)
    with locked(MACHINES, store, name), locked(MACHINES, store, target) if target != name else nullcontext():
        _source(store, name)  # again, under the lock: another adopt may have finished first
        if target != name and target in store.names():
            raise MachineError(f'Docker machine "{target}" already exists')
        say(f'Adopting "{name}"' + (f' as "{target}"' if target != name else "") + "...")
        adopted = _update(workspace, target, adoption, certs, say)
        if target != name:
            _forget_source(store, name, say)
    say(f'"{target}" is managed through Pulumi now; its VM was not touched.')
    return adopted


def _update(
    workspace: MachineWorkspace, target: str, adoption: Adoption, certs: dict[str, str], say: Say
) -> HostConfig:
    store = workspace.store
    values = {
        **to_config(adoption.spec, certs),
        **adoption_config(adoption.imports, adoption.ssh_private_key or None),
    }

    def failed(_message: str) -> None:  # the 0.16 record stays as it was: adopt again to finish
        return None

    try:
        result = up_stack(workspace, ADOPTING, target, values, say, "adopting machine", failed, new=True)
    except MachineError as err:
        raise MachineError(
            f"{err} (the docker-machine record is unchanged: fix that and run 'docker-machine adopt' again)"
        ) from None
    try:
        return write_machine(store, target, adoption.spec, result.outputs, workspace.backend)
    except (OSError, ValueError, KeyError) as err:
        raise MachineError(
            f"Error: {target!r} was adopted, but writing it into the store failed ({err}); "
            f"fix that, then run 'docker-machine import {target}'"
        ) from None


def _forget_source(store: Store, name: str, say: Say) -> None:
    try:
        note = store.remove(name)
    except OSError as err:
        raise MachineError(f"Error removing the docker-machine record {name!r}: {err}") from None
    if note:
        say(f"WARNING: {note}")

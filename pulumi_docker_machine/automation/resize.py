"""``docker-machine set`` (Podman machine's verb): a machine's CPUs, memory, disk or cloud size changed in place,
through the same Pulumi update as every other change.

What a driver can change, and how, is its own answer (DriverInfo.changes): a local VM restarts for new CPUs or
memory and only grows its disk; a cloud changes what its provider changes in place, and a change that needs a
new VM is refused unless ``replace`` is given. Every refusal happens before anything runs: nothing changed.
"""

from __future__ import annotations

import dataclasses
from typing import Any, Mapping, Optional

from pulumi_docker_machine.components.drivers.info import GROW, IN_PLACE, REPLACE, RESTART, DriverInfo

from ..store import HostConfig, Store
from .errors import MachineError
from .machines import _run_update, _workspace, check_settings, driver_info, spec_of
from .runner import Say, quiet
from .settings import MachineSpec, driver_of
from .workspace import MachineWorkspace

KINDS = (RESTART, GROW, IN_PLACE, REPLACE)


def change_kind(info: DriverInfo, option: str, old: Any, new: Any) -> str:
    how = info.changes[option]
    kind = how(old, new) if callable(how) else how
    if kind not in KINDS:
        raise AssertionError(f"{info.name}: set's kind {kind!r} for {option} is none of {KINDS}")
    return kind


def settable(info: DriverInfo) -> str:
    """The flags that change a machine of this driver, for a refusal's fix."""
    return ", ".join(info.flag_of(option) for option in info.changes)


def planned(
    info: DriverInfo, spec: MachineSpec, options: dict[str, Any], replace: bool, flags: Mapping[str, str]
) -> dict[str, str]:
    """The options that change -> how; a change the driver does not make, a shrink, or a new VM without
    ``replace``: one line, nothing done. ``flags``: the flag each option was given as, for the messages."""
    if not info.changes:
        raise MachineError(f"Error: set changes nothing of a {info.name} machine: its driver changes nothing in place")
    kinds = {}
    current = driver_of(spec) if options else None  # the machine's options, defaults included
    for option, value in options.items():
        flag = flags.get(option) or info.flag_of(option)
        if option not in info.changes:
            raise MachineError(f"Error: set can't change {flag} of a {info.name} machine: it changes {settable(info)}")
        old = getattr(current, option)
        if value == old:
            continue
        kind = change_kind(info, option, old, value)
        if kind == GROW and isinstance(old, int) and isinstance(value, int) and value < old:
            raise MachineError(
                f"Error: invalid value for {flag}: {value} is less than the machine's {old}; "
                "a disk only grows (a smaller one needs a new machine)"
            )
        if kind == REPLACE and not replace:
            raise MachineError(
                f"Error: {flag} {value} needs a new VM for this {info.name} machine (its disk and "
                "data lost, a new address): give --replace to do that"
            )
        kinds[option] = kind
    return kinds


def set_machine(
    name: str,
    options: dict[str, Any],
    *,
    replace: bool = False,
    flags: Optional[Mapping[str, str]] = None,
    store: Optional[Store] = None,
    workspace: Optional[MachineWorkspace] = None,
    say: Say = quiet,
) -> Optional[HostConfig]:
    """Change driver ``options`` of machine ``name`` (``{"memory": 4096}``); None when nothing changes. ``flags``:
    the flag each option was given as (``{"memory": "--memory"}``), for the messages; default the driver's."""
    workspace = _workspace(workspace, store, say)
    spec = spec_of(workspace.store.load(name))
    info = driver_info(spec.driver)
    kinds = planned(info, spec, options, replace, flags or {})
    if not kinds:
        say(f'Nothing to change: "{name}" has these settings already.')
        return None
    changed = dataclasses.replace(spec, driver_options={**spec.driver_options, **{k: options[k] for k in kinds}})
    check_settings(name, changed)
    running = spec.power == "running"
    if running and {RESTART, GROW} & set(kinds.values()):
        say(f'Stopping "{name}", changing it, and starting it again...')
    new_vm = REPLACE in kinds.values()
    if new_vm:
        say(f'Replacing the VM of "{name}" (a new disk and address)...')
    return _run_update(workspace, name, changed, say, "changing machine", new_vm=new_vm)

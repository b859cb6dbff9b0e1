"""``STORE/swarms/NAME/config.json``: the swarms made with ``docker-machine swarm create``.

A swarm's machines are ordinary machines of the store (``NAME-manager-1``, ``NAME-worker-2``...),
each marked with its swarm and role in its Pulumi section; this record holds the swarm's own view:
its driver, its node names by role and the spec it was made with. Read without Pulumi.
"""

from __future__ import annotations

import json
from pathlib import Path

from pulumi_docker_machine.components.files import ensure_private_dir, remove_tree, write_public
from pulumi_docker_machine.components.names import valid_machine_name

from . import checks
from .hostconfig import BrokenMachine, HostConfig
from .layout import MachineNotFound, Store

TYPE_CHECKING = False  # typing stays unimported at run time (start-up time)
if TYPE_CHECKING:
    from typing import Any, Optional

MAX_RECORD_BYTES = 1 << 20


class SwarmNotFound(LookupError):
    def __init__(self, name: str) -> None:
        super().__init__(
            f'Docker swarm "{name}" does not exist. Use "docker-machine swarm ls" to list swarms. '
            'Use "docker-machine swarm create" to add a new one.'
        )


class BrokenSwarm(ValueError):
    def __init__(self, name: str, reason: str) -> None:
        super().__init__(
            f"Error: swarm {name!r} has a broken record ({reason}): run 'docker-machine swarm rm -f "
            f"{name}' to forget it"
        )


class SwarmRecord:
    """A swarm's record (a plain class: ls imports this module and must start fast)."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.data = data

    @property
    def name(self) -> str:
        return self.data["Name"]

    @property
    def driver(self) -> str:
        return self.data.get("Driver", "")

    @property
    def managers(self) -> list[str]:
        return list(self.data.get("Managers") or [])

    @property
    def workers(self) -> list[str]:
        return list(self.data.get("Workers") or [])

    @property
    def spec(self) -> dict[str, Any]:
        return dict(self.data.get("Spec") or {})

    @property
    def state(self) -> str:
        return self.data.get("State", "")


def swarms_dir(store: Store) -> Path:
    return store.root / "swarms"


def swarm_names(store: Store) -> list[str]:
    folder = swarms_dir(store)
    if not folder.is_dir():
        return []
    return sorted(d.name for d in folder.iterdir() if (d / "config.json").is_file())


# A record's Spec as SwarmSpec (pulumi_docker_machine/automation/swarm.py) takes it, each field's type when present.
_SPEC_FIELDS = {
    "driver": str,
    "managers": int,
    "workers": int,
    "driver_options": dict,
    "engine": dict,
    "manager_options": list,
    "worker_options": list,
}
_KINDS = {str: "a string", int: "a number", dict: "an object", list: "a list"}


def _spec_problem(spec: Any) -> Optional[str]:
    if not isinstance(spec, dict):
        return "Spec is not an object"
    for key, kind in _SPEC_FIELDS.items():
        value = spec.get(key)
        if value is not None and (not isinstance(value, kind) or isinstance(value, bool)):
            return f"Spec.{key} is not {_KINDS[kind]}"
    for key in ("manager_options", "worker_options"):
        if not all(isinstance(node, dict) for node in spec.get(key) or []):
            return f"Spec.{key} is not a list of objects"
        for node in spec.get(key) or []:
            if not isinstance(node.get("driver_options", {}), dict) or not isinstance(node.get("labels", {}), dict):
                return f"Spec.{key} has a node whose driver_options or labels are not an object"
    return None


def _shape_problem(data: Any, name: str) -> Optional[str]:
    if not isinstance(data, dict):
        return "not a JSON object"
    if checks.too_deep(data):
        return f"nested more than {checks.MAX_DEPTH} levels deep"
    if data.get("Name") != name:
        return f"its Name is not {name!r}"
    for key in ("Managers", "Workers"):
        value = data.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) and valid_machine_name(v) for v in value):
            return f"{key} is not a list of machine names"
    for key in ("Driver", "State", "LastError", "Backend"):
        value = data.get(key, "")
        if not isinstance(value, str):
            return f"{key} is not a string"
        problem = checks.text_problem(value, lines_allowed=key == "LastError")
        if problem:
            return f"{key} {checks.shown(value)} {problem}"
    return _spec_problem(data.get("Spec", {}))


def load_swarm(store: Store, name: str) -> SwarmRecord:
    if not valid_machine_name(name):
        raise SwarmNotFound(name)
    path = swarms_dir(store) / name / "config.json"
    if not path.is_file():
        raise SwarmNotFound(name)
    try:
        with open(path, "rb") as handle:
            raw = handle.read(MAX_RECORD_BYTES + 1)
    except OSError as err:
        raise BrokenSwarm(name, f"unreadable: {err.strerror or err}") from None
    if len(raw) > MAX_RECORD_BYTES:
        raise BrokenSwarm(name, "larger than 1 MiB")
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as err:
        where = f" at line {err.lineno}" if isinstance(err, json.JSONDecodeError) else ""
        raise BrokenSwarm(name, f"not valid JSON{where}") from None
    except RecursionError:  # [[[[... : Python's parser recurses per level
        raise BrokenSwarm(name, f"nested more than {checks.MAX_DEPTH} levels deep") from None
    problem = _shape_problem(data, name)
    if problem:
        raise BrokenSwarm(name, problem)
    return SwarmRecord(data)


def save_swarm(store: Store, record: SwarmRecord) -> None:
    folder = swarms_dir(store) / record.name
    ensure_private_dir(swarms_dir(store))
    ensure_private_dir(folder)
    write_public(folder / "config.json", json.dumps(record.data, indent=4) + "\n")


def forget_swarm(store: Store, name: str) -> None:
    if valid_machine_name(name):
        remove_tree(swarms_dir(store) / name)


def swarm_manager(store: Store, name: str) -> HostConfig:
    """A manager of swarm ``name`` to run swarm commands against (the first that the store has)."""
    record = load_swarm(store, name)
    broken = None
    for machine in record.managers:
        try:
            return store.load(machine)
        except MachineNotFound:
            continue
        except BrokenMachine as err:  # another manager may still serve; else say which one is broken
            broken = broken or err
    if broken is not None:
        raise BrokenSwarm(name, f"its manager {broken.name!r} can't be used: {broken.reason}")
    raise SwarmNotFound(name)


def swarm_membership(host: HostConfig) -> Optional[tuple[str, str]]:
    """(swarm, role) of a machine made as a swarm node; config.json is untrusted, so shapes are checked."""
    value = host.pulumi.get("Swarm")
    if not isinstance(value, dict):
        return None
    swarm, role = value.get("Name"), value.get("Role")
    if isinstance(swarm, str) and valid_machine_name(swarm) and role in ("manager", "worker"):
        return swarm, role
    return None

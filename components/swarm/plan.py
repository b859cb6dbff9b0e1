"""What a swarm's declaration must satisfy, without Pulumi: node names, roles, counts and the quorum rule."""

from __future__ import annotations

import re
from typing import Any, Iterable, Mapping, Optional

from ..names import MAX_NAME_LENGTH, name_problem

ROLES = ("manager", "worker")
AVAILABILITIES = ("active", "pause", "drain")
MAX_NODES = 99
# Docker's label keys: no spaces or '='; values any text without newlines.
LABEL_KEY = re.compile(r"[A-Za-z0-9][A-Za-z0-9._/-]{0,127}")


def node_name(swarm: str, role: str, index: int) -> str:
    """``dev-manager-1``, ``dev-worker-3``: stable, so scaling down removes the highest numbers."""
    return f"{swarm}-{role}-{index}"


def swarm_name_problem(name: str) -> Optional[str]:
    """A swarm name makes machine names: it must leave room for ``-manager-NN``."""
    problem = name_problem(name)
    if problem:
        return problem
    longest = node_name(name, "manager", MAX_NODES)
    if len(longest) > MAX_NAME_LENGTH:
        return (
            f"swarm name {name[:80]!r} is too long: its machines are named like {longest[:40]}..., "
            f"so use at most {MAX_NAME_LENGTH - len(longest) + len(name)} characters"
        )
    return None


def machine_names_problem(names: Iterable[str]) -> Optional[str]:
    """The nodes' machine names: each a machine name, none twice."""
    seen: set[str] = set()
    for machine in names:
        problem = name_problem(machine) if isinstance(machine, str) else "a node's machine name must be a string"
        if problem:
            return problem
        if machine in seen:
            return f"two nodes are named {machine!r}: give each node its own machine name"
        seen.add(machine)
    return None


def count_problem(managers: Any, workers: Any) -> Optional[str]:
    if not isinstance(managers, int) or isinstance(managers, bool) or managers < 1:
        return f"a swarm needs at least one manager (got {managers!r}): give --managers 1 or more"
    if not isinstance(workers, int) or isinstance(workers, bool) or workers < 0:
        return f"the worker count must be 0 or more (got {workers!r})"
    if managers > MAX_NODES or workers > MAX_NODES:
        return f"at most {MAX_NODES} managers and {MAX_NODES} workers"
    return None


def quorum_problem(old: Any, new: Any, swarm: str = "") -> Optional[str]:
    """Removing managers must leave a majority of the current ones, or the raft quorum is lost."""
    if not isinstance(new, int) or new < 1:
        return f"a swarm needs at least one manager (got {new!r})"
    if not isinstance(old, int) or new >= old:
        return None
    majority = old // 2 + 1
    if new < majority:
        how = (
            f"remove at most {old - majority} at a time"
            if old > majority
            else f"with {old} managers none can go: add one first, then remove managers while {old // 2 + 1} or "
            "more stay"
        )
        return (
            f"scaling swarm {swarm!r} from {old} to {new} managers would break its quorum: a majority "
            f"({majority}) of the {old} managers must stay; {how}"
        )
    return None


def labels_problem(labels: Any) -> Optional[str]:
    if not isinstance(labels, Mapping):
        return f"node labels must be a map of strings, not {type(labels).__name__}"
    for key, value in labels.items():
        if not isinstance(key, str) or not LABEL_KEY.fullmatch(key):
            return f"node label key {str(key)[:80]!r} is not a label key such as zone or com.example.zone"
        if not isinstance(value, str) or "\n" in value or len(value) > 1024:
            return f"node label {key!r} must have a one-line string value"
    return None


def availability_problem(value: Any) -> Optional[str]:
    if value not in AVAILABILITIES:
        return f"node availability {str(value)[:40]!r} is not one of {', '.join(AVAILABILITIES)}"
    return None

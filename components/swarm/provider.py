"""Swarm membership as Pulumi dynamic providers, driving each node's Docker Engine API over mutual TLS.

The engine stores these providers pickled *by reference*: the module path ``pulumi_docker_machine.components.swarm.provider``
and the class names are a contract with every existing stack's state. The providers hold no state.

- ``SwarmClusterProvider``: ``swarm init`` on the first manager; outputs the join tokens (secret).
- ``SwarmNodeProvider``: one node: joins (all but the first manager), then its role, labels and
  availability through a manager. Deleting it demotes a manager, drains the node, waits (bounded) for
  its tasks to stop, makes it leave and removes it from the node list: all before its VM goes.
- ``SwarmQuorumProvider``: refuses a change of the manager count that would break the raft quorum.
"""

from __future__ import annotations

import time
from typing import Any, Callable

from pulumi.dynamic import CheckFailure, CheckResult, CreateResult, DiffResult, ResourceProvider, UpdateResult

from .engine_api import EngineAPI, EngineAPIError
from .plan import AVAILABILITIES, ROLES, quorum_problem

SWARM_PORT = 2377
# Set on the swarms this project makes: a host already managing a swarm is adopted (an interrupted create
# resumes) only when it is ours, never someone else's swarm, which destroy would force-leave.
OWNER_LABEL = "io.pulumi-docker-machine.swarm"
DRAIN_TIMEOUT = 120.0
LEAVE_TIMEOUT = 60.0
NOT_IN_SWARM = 503  # the engine's answer on a node that is not part of a swarm


def _api(props: dict[str, Any], host_key: str = "docker_host") -> EngineAPI:
    return EngineAPI(props[host_key], props["ca_pem"], props["client_cert_pem"], props["client_key_pem"])


def _wait(condition: Callable[[], bool], timeout: float, what: str, interval: float = 1.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out after {timeout:g}s waiting for {what}")
        time.sleep(interval)


def _swarm_state(info: dict) -> tuple[str, str, bool]:
    swarm = info.get("Swarm") or {}
    return str(swarm.get("LocalNodeState") or ""), str(swarm.get("NodeID") or ""), bool(swarm.get("ControlAvailable"))


class SwarmClusterProvider(ResourceProvider):
    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        replaces = [key for key in ("docker_host", "advertise_addr") if olds.get(key) != news.get(key)]
        changes = replaces or [k for k in ("ca_pem", "client_cert_pem", "client_key_pem") if olds.get(k) != news.get(k)]
        return DiffResult(changes=bool(changes), replaces=replaces, delete_before_replace=True)

    def create(self, props: dict[str, Any]) -> CreateResult:
        api = _api(props)
        state, _, manager = _swarm_state(api.info())
        owner = str(props.get("swarm_name") or "")
        if state == "active" and not manager:
            raise RuntimeError(
                f"the first manager ({props['docker_host']}) is already a worker of another swarm: "
                "run 'docker swarm leave' on it first"
            )
        if state != "active":
            api.request(
                "POST",
                "/swarm/init",
                {
                    "ListenAddr": f"0.0.0.0:{SWARM_PORT}",
                    "AdvertiseAddr": f"{props['advertise_addr']}:{SWARM_PORT}",
                    "Spec": {"Labels": {OWNER_LABEL: owner}},
                },
            )
        swarm = api.swarm()
        labels = (swarm.get("Spec") or {}).get("Labels") or {}
        if labels.get(OWNER_LABEL) != owner:
            raise RuntimeError(
                f"the first manager ({props['docker_host']}) already manages swarm {swarm.get('ID')} "
                f"that is not this stack's swarm {owner!r}: leave it first ('docker swarm leave "
                "--force' on that host) or give another host"
            )
        tokens = swarm.get("JoinTokens") or {}
        outs = {
            **props,
            "swarm_id": swarm["ID"],
            "manager_addr": f"{props['advertise_addr']}:{SWARM_PORT}",
            "worker_token": tokens["Worker"],
            "manager_token": tokens["Manager"],
        }
        return CreateResult(id_=swarm["ID"], outs=outs)

    def update(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        keep = {k: olds[k] for k in ("swarm_id", "manager_addr", "worker_token", "manager_token")}
        return UpdateResult(outs={**news, **keep})

    def delete(self, _id: str, props: dict[str, Any]) -> None:
        try:
            _api(props).leave(force=True)  # the last manager: the swarm ends with it
        except EngineAPIError as err:
            if err.status != NOT_IN_SWARM:
                raise


def _node_spec(node: dict, props: dict[str, Any]) -> dict:
    spec = dict(node.get("Spec") or {})
    spec["Role"] = props["role"]
    spec["Availability"] = props["availability"]
    spec["Labels"] = dict(props.get("labels") or {})
    return spec


def _apply_spec(manager: EngineAPI, node_id: str, change: Callable[[dict], dict], attempts: int = 10) -> None:
    """A node update, retried when another update got in between (the version moved on)."""
    for attempt in range(attempts):
        node = manager.node(node_id)
        try:
            manager.update_node(node_id, node["Version"]["Index"], change(node))
            return
        except EngineAPIError as err:
            if "out of sequence" not in str(err) or attempt == attempts - 1:
                raise
            time.sleep(0.5)


class SwarmNodeProvider(ResourceProvider):
    def check(self, _olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        failures = []
        if news.get("role") not in ROLES:
            failures.append(CheckFailure("role", f"role must be one of {', '.join(ROLES)}"))
        if news.get("availability") not in AVAILABILITIES:
            failures.append(CheckFailure("availability", f"availability must be one of {', '.join(AVAILABILITIES)}"))
        return CheckResult(news, failures)

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        # A rotated join token does not move a node that has joined.
        replaces = [k for k in ("docker_host", "manager_host", "advertise_addr", "joins") if olds.get(k) != news.get(k)]
        changes = replaces or [
            k
            for k in (
                "role",
                "labels",
                "availability",
                "ca_pem",
                "client_cert_pem",
                "client_key_pem",
                "join_token",
                "remote_addr",
            )
            if olds.get(k) != news.get(k)
        ]
        return DiffResult(changes=bool(changes), replaces=replaces, delete_before_replace=True)

    def create(self, props: dict[str, Any]) -> CreateResult:
        node, manager = _api(props), _api(props, "manager_host")
        state, node_id, _ = _swarm_state(node.info())
        if props["joins"] and state != "active":
            node.request(
                "POST",
                "/swarm/join",
                {
                    "ListenAddr": f"0.0.0.0:{SWARM_PORT}",
                    "AdvertiseAddr": f"{props['advertise_addr']}:{SWARM_PORT}",
                    "RemoteAddrs": [props["remote_addr"]],
                    "JoinToken": props["join_token"],
                },
            )
            _wait(lambda: _swarm_state(node.info())[0] == "active", LEAVE_TIMEOUT, "the node to join")
            node_id = _swarm_state(node.info())[1]
        elif state != "active":
            raise RuntimeError(f"{props['docker_host']} is not part of the swarm it should manage")
        _apply_spec(manager, node_id, lambda current: _node_spec(current, props))
        return CreateResult(id_=node_id, outs={**props, "node_id": node_id})

    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        _apply_spec(_api(news, "manager_host"), id_, lambda current: _node_spec(current, news))
        return UpdateResult(outs={**news, "node_id": id_})

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        if not props["joins"]:
            return  # the first manager leaves with the swarm itself (SwarmClusterProvider.delete)
        manager, node = _api(props, "manager_host"), _api(props)
        try:
            current = manager.node(id_)
        except EngineAPIError as err:
            if err.status == 404:
                return  # already gone from the swarm
            raise
        if (current.get("Spec") or {}).get("Role") == "manager":
            _apply_spec(manager, id_, lambda n: {**n["Spec"], "Role": "worker"})
            _wait(lambda: not manager.node(id_).get("ManagerStatus"), LEAVE_TIMEOUT, "the demotion")
        _apply_spec(manager, id_, lambda n: {**n["Spec"], "Availability": "drain"})
        _wait(lambda: not manager.running_tasks(id_), DRAIN_TIMEOUT, "the node's tasks to move away")
        try:
            node.leave(force=False)
        except EngineAPIError as err:
            if err.status not in (NOT_IN_SWARM, 0):  # 0: the node is unreachable; the manager forgets it below
                raise
        _wait(
            lambda: (manager.node(id_).get("Status") or {}).get("State") == "down", LEAVE_TIMEOUT, "the node to leave"
        )
        manager.remove_node(id_, force=True)


def _count(value: Any) -> Any:
    """The engine hands numbers back as floats."""
    return int(value) if isinstance(value, float) and value.is_integer() else value


class SwarmQuorumProvider(ResourceProvider):
    """Holds the manager count; its check sees the old count beside the new one."""

    def check(self, olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        problem = quorum_problem(
            _count(olds.get("managers")), _count(news.get("managers")), str(news.get("swarm") or "")
        )
        return CheckResult(news, [CheckFailure("managers", problem)] if problem else [])

    def create(self, props: dict[str, Any]) -> CreateResult:
        return CreateResult(id_=str(props.get("swarm") or "swarm"), outs=props)

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        return DiffResult(changes=olds.get("managers") != news.get("managers"))

    def update(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        return UpdateResult(outs=news)

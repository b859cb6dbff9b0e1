"""Swarms made from the CLI or a Python app: one stack per swarm (project ``docker-machine-swarm``).

    from pulumi_docker_machine.automation.swarm import SwarmSpec, create_swarm, scale_swarm, remove_swarm, swarm_env
    create_swarm("lab", SwarmSpec(driver="digitalocean", managers=3, workers=2,
                                  driver_options={"region": "fra1", "access_token": token}))
    scale_swarm("lab", workers=4)
    swarm_env("lab")  # a manager's DOCKER_HOST, DOCKER_CERT_PATH...

Every node is also a machine of the store (``lab-manager-1``...), so ls, env, ssh and scp work on it;
the swarm's own stack changes it, so machine commands that would change a node refuse.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any, Optional

from pulumi_docker_machine.components.swarm.plan import (
    count_problem,
    machine_names_problem,
    node_name,
    quorum_problem,
    swarm_name_problem,
)

from ..store import Store
from ..store.swarms import (
    SwarmNotFound,
    SwarmRecord,
    forget_swarm,
    load_swarm,
    save_swarm,
    swarm_manager,
    swarm_membership,
    swarm_names,
)
from .certs import ensure_shared_certs
from .errors import MachineError
from .machines import check_configuration, driver_info, pre_create_checks
from .runner import SWARMS, Say, destroy_stack, locked, quiet, up_stack, workspace_for
from .settings import NAMESPACE, MachineSpec, engine_of, to_config
from .storesync import outputs_plain, write_machine
from .workspace import SWARM_PROJECT, MachineWorkspace


def members_in_store(store: Store, swarm: str) -> list[str]:
    """The store's machines that are nodes of ``swarm`` (a broken machine folder is no node)."""
    found = []
    for machine, entry in store.entries():
        membership = swarm_membership(entry) if not isinstance(entry, ValueError) else None
        if membership and membership[0] == swarm:
            found.append(machine)
    return found


@dataclass
class SwarmSpec:
    """A swarm as ``swarm create`` takes it: one driver; options shared by every node, and per node
    (``manager_options``/``worker_options``: the generic driver's address of each host, labels...)."""

    driver: str
    managers: int = 1
    workers: int = 0
    driver_options: dict[str, Any] = field(default_factory=dict)
    engine: dict[str, Any] = field(default_factory=dict)
    manager_options: list[dict[str, Any]] = field(default_factory=list)
    worker_options: list[dict[str, Any]] = field(default_factory=list)
    # create --swarm-master --swarm-discovery URL: a later create --swarm --swarm-discovery URL joins this swarm.
    discovery: str = ""

    def nodes(self, role: str) -> list[dict[str, Any]]:
        """Each node's own settings: ``{"driver_options": {...}, "labels": {...}, "name": machine}`` (name: when
        not SWARM-ROLE-N), padded to the count."""
        count, given = (
            (self.managers, self.manager_options) if role == "manager" else (self.workers, self.worker_options)
        )
        return [dict(given[i]) if i < len(given) else {} for i in range(count)]

    def machine_names(self, swarm: str, role: str) -> list[str]:
        """The machine of each node of ``role``: its own name, else ``SWARM-ROLE-N``."""
        return [node.get("name") or node_name(swarm, role, i + 1) for i, node in enumerate(self.nodes(role))]

    def machine_spec(self, role: str, index: int) -> MachineSpec:
        node = self.nodes(role)[index]
        return MachineSpec(
            driver=self.driver,
            driver_options={**self.driver_options, **node.get("driver_options", {})},
            engine=dict(self.engine),
        )

    def public_dict(self) -> dict[str, Any]:
        common = MachineSpec(driver=self.driver, driver_options=self.driver_options).public_options()
        return {**dataclasses.asdict(self), "driver_options": common}


def swarm_workspace(
    store: Optional[Store] = None, workspace: Optional[MachineWorkspace] = None, say: Say = quiet
) -> MachineWorkspace:
    return workspace_for(SWARMS, workspace, store, say)


def check_swarm(name: str, spec: SwarmSpec, store: Store, existing: Optional[SwarmRecord] = None) -> None:
    """Name, counts, each node's driver flags, and no machine of another owner in the way. Exit 1."""
    problem = swarm_name_problem(name) or count_problem(spec.managers, spec.workers)
    problem = problem or machine_names_problem(spec.machine_names(name, "manager") + spec.machine_names(name, "worker"))
    if problem:
        raise MachineError(f"Error creating swarm: {problem}")
    info = driver_info(spec.driver)
    for option in info.per_node:  # what differs per node: the generic driver's address of each host
        for role in ("manager", "worker"):
            missing = [
                i + 1 for i, node in enumerate(spec.nodes(role)) if not node.get("driver_options", {}).get(option)
            ]
            if missing:
                raise MachineError(
                    f"Error creating swarm: the {spec.driver} driver needs one {info.flag_of(option)} "
                    f"per node: {len(missing)} {role}(s) have none (give them for the managers first, "
                    "then the workers)"
                )
    for role in ("manager", "worker"):
        for index, machine in enumerate(spec.machine_names(name, role)):
            if store.exists(machine):
                membership = swarm_membership(store.load(machine))
                if not (existing and membership and membership[0] == name):
                    raise MachineError(
                        f'Docker machine "{machine}" already exists: the swarm {name!r} needs that name '
                        "for a node; choose another swarm name"
                    )
            check_configuration(machine, spec.machine_spec(role, index))


def _swarm_config(spec: SwarmSpec, certs: dict) -> dict:
    import json

    common = MachineSpec(driver=spec.driver, driver_options=spec.driver_options, engine=spec.engine)
    values = to_config(common, certs)
    layout = {"managers": spec.nodes("manager"), "workers": spec.nodes("worker")}
    values[f"{NAMESPACE}:swarm"] = (json.dumps(layout), False)
    return values


def _update(workspace: MachineWorkspace, name: str, spec: SwarmSpec, say: Say, doing: str) -> SwarmRecord:
    store = workspace.store
    with locked(SWARMS, store, name):
        result = up_stack(
            workspace,
            SWARMS,
            name,
            _swarm_config(spec, ensure_shared_certs(store)),
            say,
            doing,
            lambda message: _save_record(store, name, spec, workspace.backend, state="Error", error=message),
        )
        return _write_nodes(store, name, spec, result.outputs, workspace.backend)


def _save_record(store: Store, name: str, spec: SwarmSpec, backend: str, state: str, error: str = "") -> SwarmRecord:
    try:
        previous = load_swarm(store, name).data
    except (SwarmNotFound, ValueError):
        previous = {}
    record = SwarmRecord(
        {
            "Name": name,
            "Driver": spec.driver,
            "Managers": previous.get("Managers", []) if state == "Error" else spec.machine_names(name, "manager"),
            "Workers": previous.get("Workers", []) if state == "Error" else spec.machine_names(name, "worker"),
            "Spec": spec.public_dict(),
            "Backend": backend,
            "Project": SWARM_PROJECT,
            "Stack": name,
            "State": state,
            **({"LastError": error} if error else {}),
        }
    )
    save_swarm(store, record)
    return record


def _write_nodes(store: Store, name: str, spec: SwarmSpec, outputs: Any, backend: str) -> SwarmRecord:
    """Each node into the store as a machine of this swarm; nodes scaled away leave the store."""
    out = outputs_plain(outputs)
    machines = out.get("machines") or {}
    wanted = {
        machine: (role, i) for role in ("manager", "worker") for i, machine in enumerate(spec.machine_names(name, role))
    }
    if not isinstance(machines, dict) or set(machines) != set(wanted):
        raise MachineError(
            f"Error: swarm {name!r} was updated, but its stack's outputs do not list its nodes; "
            f"run 'docker-machine swarm scale {name}' again"
        )
    try:
        for machine, (role, index) in wanted.items():
            host = write_machine(store, machine, spec.machine_spec(role, index), machines[machine], backend)
            host.data["Pulumi"].update({"Project": SWARM_PROJECT, "Stack": name, "Swarm": {"Name": name, "Role": role}})
            mark_swarm_options(host, role)
            store.save(host)
    except (OSError, ValueError, KeyError) as err:
        raise MachineError(
            f"Error: swarm {name!r} was updated, but writing its nodes into the store failed ({err})"
        ) from None
    for machine in members_in_store(store, name):
        if machine not in wanted:
            store.remove(machine)
    return _save_record(store, name, spec, backend, state="Running")


def mark_swarm_options(host: Any, role: str) -> None:
    """docker-machine's HostOptions.SwarmOptions (and its drivers' Driver.SwarmMaster) of a node, as inspect shows
    them: every node is in the swarm (IsSwarm, Agent), a manager is its master."""
    options = host.data.setdefault("HostOptions", {}).setdefault("SwarmOptions", {})
    if isinstance(options, dict):
        options.update({"IsSwarm": True, "Agent": True, "Master": role == "manager"})
    if isinstance(host.data.get("Driver"), dict):
        host.data["Driver"]["SwarmMaster"] = role == "manager"


def create_swarm(
    name: str,
    spec: SwarmSpec,
    *,
    store: Optional[Store] = None,
    workspace: Optional[MachineWorkspace] = None,
    say: Say = quiet,
) -> SwarmRecord:
    creating = f"Creating swarm {name} ({spec.managers} manager(s), {spec.workers} worker(s))..."
    done = [
        f"Swarm {name} is up and running!",
        f"To point your Docker client at a manager, run: docker-machine swarm env {name}",
    ]
    return _create(name, spec, swarm_workspace(store, workspace, say), say, creating, done)


def create_swarm_master(
    name: str,
    spec: MachineSpec,
    discovery: str = "",
    *,
    store: Optional[Store] = None,
    workspace: Optional[MachineWorkspace] = None,
    say: Say = quiet,
) -> SwarmRecord:
    """``docker-machine create NAME --swarm-master``: machine NAME made as the one manager of a new swarm-mode
    swarm also named NAME (its own stack: ``swarm scale NAME`` adds workers, ``swarm rm NAME`` removes both)."""
    workspace = swarm_workspace(store, workspace, say)
    if workspace.store.exists(name):
        raise MachineError(f'Docker machine "{name}" already exists')
    check_configuration(name, spec)  # the user's mistakes in a machine's words first, as create says them
    taken = swarm_of_discovery(workspace.store, discovery) if discovery else None
    if taken:
        raise MachineError(
            f"Error: --swarm-discovery {discovery} is swarm {taken!r}'s already: add managers to it with "
            f"'docker-machine swarm scale {taken} --managers N', or give another"
        )
    per_node = driver_info(spec.driver).per_node  # the generic driver's address: a node's own, not the swarm's
    swarm = SwarmSpec(
        discovery=discovery,
        driver=spec.driver,
        driver_options={k: v for k, v in spec.driver_options.items() if k not in per_node},
        engine=dict(spec.engine),
        manager_options=[
            {"name": name, "driver_options": {k: v for k, v in spec.driver_options.items() if k in per_node}}
        ],
    )
    done = [
        "Docker is up and running!",
        f"{name} is the manager of the swarm-mode swarm {name}: 'docker-machine swarm scale {name} --workers N' "
        "adds workers, 'docker-machine swarm rm' removes it",
        "To see how to connect your Docker Client to the Docker Engine running on this virtual machine, run: "
        f"docker-machine env {name}",
    ]
    return _create(name, swarm, workspace, say, "Creating machine...", done)


def swarm_of_discovery(store: Store, discovery: str) -> Optional[str]:
    """The swarm of this store a --swarm-discovery URL names: ``swarm://NAME``, or the URL its master was created
    with (as 0.16.2's agents found their master through the discovery service)."""
    for swarm in swarm_names(store):
        try:
            record = load_swarm(store, swarm)
        except ValueError:  # a broken record: swarm ls shows it
            continue
        if discovery in (f"swarm://{swarm}", record.spec.get("discovery")):
            return swarm
    return None


def _join_problem(swarm: str, current: SwarmSpec, spec: MachineSpec) -> Optional[str]:
    """Why machine ``spec`` can't be a node of ``swarm``: its nodes share one driver and its settings (but the
    per-node ones, such as the generic driver's address), and one engine configuration."""
    if spec.driver != current.driver:
        return f"swarm {swarm!r}'s nodes are made with the {current.driver} driver: give -d {current.driver}"
    info = driver_info(spec.driver)
    for key, value in spec.public_options().items():
        theirs = current.driver_options.get(key)
        if key not in info.per_node and theirs is not None and theirs != value:
            return (
                f"{info.flag_of(key)} {str(value)[:80]!r} is not swarm {swarm!r}'s ({str(theirs)[:80]!r}): its nodes "
                "share its driver settings; leave the flag out"
            )
    try:
        same_engine = engine_of(spec.engine) == engine_of(current.engine)
    except (TypeError, ValueError):
        same_engine = False
    if not same_engine:
        return (
            f"the --engine-* flags are not swarm {swarm!r}'s: its nodes share one engine configuration; leave them out"
        )
    return None


def join_swarm(
    name: str,
    spec: MachineSpec,
    discovery: str,
    *,
    store: Optional[Store] = None,
    workspace: Optional[MachineWorkspace] = None,
    say: Say = quiet,
) -> SwarmRecord:
    """``docker-machine create NAME --swarm --swarm-discovery URL``: machine NAME made as a new worker of the swarm
    the URL names (swarm_of_discovery), by that swarm's stack."""
    workspace = swarm_workspace(store, workspace, say)
    store = workspace.store
    if store.exists(name):
        raise MachineError(f'Docker machine "{name}" already exists')
    check_configuration(name, spec)
    swarm = swarm_of_discovery(store, discovery)
    if swarm is None:
        raise MachineError(
            f"Error: --swarm-discovery {discovery} names no swarm of this store (classic Swarm's discovery service "
            "is gone): create its manager first with --swarm-master and this --swarm-discovery, or give "
            "swarm://NAME of a swarm 'docker-machine swarm ls' lists (made with 'docker-machine swarm create')"
        )
    record = load_swarm(store, swarm)
    current = spec_of_swarm(record)
    problem = _join_problem(swarm, current, spec)
    if problem:
        raise MachineError(f"Error: {problem}")
    per_node = driver_info(spec.driver).per_node
    own = {k: v for k, v in spec.driver_options.items() if k in per_node}
    new = dataclasses.replace(
        current,
        workers=current.workers + 1,
        worker_options=[*current.nodes("worker"), {"name": name, "driver_options": own}],
    )
    check_swarm(swarm, new, store, existing=record)
    say("Running pre-create checks...")
    pre_create_checks(spec)
    workspace.command()  # a missing Pulumi CLI: said after the driver's checks, before anything is being created
    say("Creating machine...")
    record = _update(workspace, swarm, new, say, "creating machine")
    say("Docker is up and running!")
    say(f"{name} joined the swarm-mode swarm {swarm} as a worker")
    say(
        "To see how to connect your Docker Client to the Docker Engine running on this virtual machine, run: "
        f"docker-machine env {name}"
    )
    return record


def _create(
    name: str, spec: SwarmSpec, workspace: MachineWorkspace, say: Say, creating: str, done: list[str]
) -> SwarmRecord:
    store = workspace.store
    existing = None
    try:
        existing = load_swarm(store, name)
    except SwarmNotFound:
        pass
    if existing is not None and existing.state != "Error":
        raise MachineError(f'Docker swarm "{name}" already exists')
    check_swarm(name, spec, store, existing)
    say("Running pre-create checks...")
    checked = pre_create_checks(MachineSpec(driver=spec.driver, driver_options=spec.driver_options))
    spec = dataclasses.replace(spec, driver_options=checked.driver_options)
    workspace.command()  # a missing Pulumi CLI: said after the driver's checks, before anything is being created
    say(creating)
    record = _update(workspace, name, spec, say, "creating swarm")
    for line in done:
        say(line)
    return record


def spec_of_swarm(record: SwarmRecord) -> SwarmSpec:
    try:
        spec = SwarmSpec(**record.spec)
    except TypeError:
        spec = None
    if spec is None or not isinstance(spec.discovery, str):
        raise MachineError(f"Error: swarm {record.name!r}: its record's Spec is not a swarm spec")
    return spec


def scale_swarm(
    name: str,
    *,
    managers: Optional[int] = None,
    workers: Optional[int] = None,
    new_node_options: Optional[list[dict[str, Any]]] = None,
    store: Optional[Store] = None,
    workspace: Optional[MachineWorkspace] = None,
    say: Say = quiet,
) -> SwarmRecord:
    """New counts; removed nodes (the highest numbers) are drained and leave before their VMs go.
    ``new_node_options``: the settings of the nodes added, new managers first (generic: their addresses)."""
    workspace = swarm_workspace(store, workspace, say)
    record = load_swarm(workspace.store, name)
    spec = spec_of_swarm(record)
    new_managers = spec.managers if managers is None else managers
    new_workers = spec.workers if workers is None else workers
    problem = count_problem(new_managers, new_workers) or quorum_problem(spec.managers, new_managers, name)
    if problem:
        raise MachineError(f"Error: {problem}")
    added = list(new_node_options or [])
    manager_options = spec.nodes("manager")[:new_managers]
    while len(manager_options) < new_managers:
        manager_options.append(added.pop(0) if added else {})
    worker_options = spec.nodes("worker")[:new_workers]
    while len(worker_options) < new_workers:
        worker_options.append(added.pop(0) if added else {})
    if added:
        raise MachineError(f"Error: {len(added)} more node setting(s) given than nodes added")
    new = dataclasses.replace(
        spec, managers=new_managers, workers=new_workers, manager_options=manager_options, worker_options=worker_options
    )
    check_swarm(name, new, workspace.store, existing=record)
    say(f"Scaling swarm {name} to {new_managers} manager(s) and {new_workers} worker(s)...")
    return _update(workspace, name, new, say, "scaling swarm")


def remove_swarm(
    name: str,
    *,
    force: bool = False,
    store: Optional[Store] = None,
    workspace: Optional[MachineWorkspace] = None,
    say: Say = quiet,
) -> None:
    workspace = swarm_workspace(store, workspace, say)
    store = workspace.store
    try:
        record = load_swarm(store, name)
    except ValueError:
        if not force:
            raise
        record = None
    with locked(SWARMS, store, name):
        if record is not None:
            destroy_stack(workspace, SWARMS, name, force, say)
        for machine in members_in_store(store, name):
            store.remove(machine)
        forget_swarm(store, name)


def swarm_env(name: str, *, store: Optional[Store] = None) -> dict[str, str]:
    """What ``docker-machine swarm env`` sets: a manager's environment, for a Python app's subprocesses."""
    return swarm_manager(store or Store(), name).docker_env()

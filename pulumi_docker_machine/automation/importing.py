"""Machines made elsewhere into this store: a backend's stacks (a team's shared machines) and a declarative
stack's machines. What a backend or a stack hands back is untrusted: every machine is rehearsed in a scratch
store first, and nothing is written unless all of them check out."""

from __future__ import annotations

import functools
from typing import Optional

from pulumi_docker_machine.components.names import valid_machine_name

from ..store import INVALID_NAME, Store
from .errors import MachineError, last_line
from .runner import MACHINES, Say, quiet, workspace_for
from .settings import NAMESPACE, from_config, from_outputs
from .storesync import outputs_plain, write_machine
from .workspace import MachineWorkspace


def import_machines(
    names: Optional[list[str]] = None,
    *,
    store: Optional[Store] = None,
    workspace: Optional[MachineWorkspace] = None,
    say: Say = quiet,
) -> list[str]:
    """Rebuild the local store from the backend's stacks (a team's shared machines)."""
    workspace = workspace_for(MACHINES, workspace, store, say)
    from pulumi_docker_machine.components.drivers import is_driver

    wanted = names or workspace.stack_names()
    bad = [name for name in wanted if not valid_machine_name(name)]
    if bad:
        raise MachineError(
            f"Error: the backend has stacks that are not machine names: {', '.join(map(repr, bad))} "
            f"({INVALID_NAME}); import the others by name"
        )
    from .untrusted import rehearse

    prepared, problems = {}, []
    for name in wanted:
        stack = workspace.stack(name)
        config = {key: value.value for key, value in stack.get_all_config().items()}
        outputs = stack.outputs()
        # A stack made from another store has its config in that store's workspace.
        try:
            spec = from_config(config) if f"{NAMESPACE}:driver" in config else from_outputs(outputs_plain(outputs))
        except (ValueError, TypeError, KeyError, AttributeError):  # the backend's config is untrusted too
            problems.append(f"{name}: its stack's config is not a machine's")
            continue
        if not isinstance(spec.driver, str) or not is_driver(spec.driver):
            problems.append(f"{name}: unknown driver {str(spec.driver)[:40]!r}")
            continue
        prepared[name] = (spec, outputs)
    problems += rehearse(
        {
            name: functools.partial(
                write_machine, name=name, spec=spec, outputs=outputs, backend=workspace.backend, docker_context=False
            )
            for name, (spec, outputs) in prepared.items()
        }
    )
    if problems:  # nothing is written unless every machine checks out
        raise MachineError(
            "Error: the backend has machines this store can't take (nothing was imported):\n" + "\n".join(problems)
        )
    for name, (spec, outputs) in prepared.items():
        write_machine(workspace.store, name, spec, outputs, workspace.backend, imported=True)
        say(f"Imported {name}")
    return list(prepared)


def import_stack(
    stack_name: str, project_dir: str, *, store: Optional[Store] = None, pulumi_command=None, say: Say = quiet
) -> list[str]:
    """A declarative stack's machines (stacks/, ``pulumi up``) into the local store, so env/ssh/ls work."""
    from pulumi.automation import LocalWorkspaceOptions, errors, select_stack

    from pulumi_docker_machine.components.drivers import is_driver

    from .untrusted import machine_problems, rehearse

    store = store or Store()
    try:
        stack = select_stack(
            stack_name=stack_name, work_dir=project_dir, opts=LocalWorkspaceOptions(pulumi_command=pulumi_command)
        )
        out = outputs_plain(stack.outputs())
    except errors.CommandError as err:
        raise MachineError(f"Error reading stack {stack_name!r} in {project_dir}: {last_line(err)}") from None
    machines = out.get("machines") or {}
    if not machines:
        raise MachineError(f"stack {stack_name!r} exports no machines: is it a docker-machine stack, and up to date?")
    keys = out.get("machine_ssh_keys") or {}
    if not isinstance(machines, dict) or not isinstance(keys, dict):
        raise MachineError(f"stack {stack_name!r}: its 'machines' output is not a map of machine names")
    shared = {key: out.get(key) for key in ("ca_pem", "client_cert_pem", "client_key_pem")}
    imports = {}
    for name, machine in machines.items():
        outputs = {**(machine if isinstance(machine, dict) else {}), **shared, "ssh_private_key": keys.get(name, "")}
        imports[name] = outputs
    problems, specs = [], {}
    for name, outputs in imports.items():
        found = machine_problems(name, outputs)
        if not is_driver(outputs.get("driver")):
            found.append(f"{name}: unknown driver {str(outputs.get('driver'))[:40]!r}")
        if not found:
            specs[name] = from_outputs(outputs)
        problems += found
    declared_in = f"{project_dir} (stack {stack_name})"
    problems += rehearse(
        {
            name: functools.partial(
                write_machine,
                name=name,
                spec=specs[name],
                outputs=imports[name],
                backend="",
                docker_context=False,
                declared_in=declared_in,
            )
            for name in specs
        }
    )
    if problems:  # a stack's outputs are untrusted: nothing is written unless every machine checks out
        raise MachineError(
            f"Error: stack {stack_name!r} exports machines this store can't take "
            "(nothing was imported):\n" + "\n".join(problems)
        )
    for name in sorted(imports):
        write_machine(store, name, specs[name], imports[name], backend="", declared_in=declared_in)
        say(f"Imported {name}")
    return sorted(imports)

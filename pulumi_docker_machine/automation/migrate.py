"""State written before the pulumi_docker_machine namespace, moved onto its module paths (issue #21).

Stacks made up to commit c7a701e hold their dynamic providers pickled under ``components...``
(providerpaths.MOVED). Each stack is exported (secrets shown), its ``__provider`` values rewritten without
unpickling (staterewrite.py), the export kept as a backup (0600, in STORE/state-backups, 0700) and the
result imported; a stack with nothing to rewrite is left as it is.

- The store's own stacks (its machines and swarms on the backend in use) are migrated by the first command
  that meets them (``migrate_store_once``: ls, and every command that opens a stack), under the store's
  lock, once per backend (store/migrated.py keeps the mark), saying so in one line.
- ``docker-machine migrate-state`` does it again on demand; ``--stack NAME --cwd DIR`` (``migrate_project_stack``)
  does it for a stack of one's own project (stacks/ through pulumi up, or one's own program);
  ``migrate_stack`` for an Automation API ``Stack`` in one's own code.
"""

from __future__ import annotations

import dataclasses
import json
import re
import time
from pathlib import Path
from typing import Callable, Optional

from pulumi_docker_machine.components.files import ensure_private_dir, write_private

from ..store import Store
from ..store.lock import store_lock
from ..store.migrated import DONE, EVERY_BACKEND, MARKER, NEW, migrated_backends, migration_state
from ..store.swarms import load_swarm, swarm_membership, swarm_names
from .picklerewrite import Refused
from .staterewrite import migrate_deployment
from .workspace import PROJECT, SWARM_PROJECT, MachineWorkspace, PulumiUnavailable

Say = Callable[[str], None]
COMMAND = "docker-machine migrate-state"
BACKUPS = "state-backups"


class MigrationRefused(RuntimeError):
    """A stack's state holds a provider that is not one this project wrote: nothing was changed."""


def migrate_stack(stack, backups: Optional[Path] = None) -> int:
    """Migrate one ``pulumi.automation.Stack``; the number of resources rewritten (0: nothing to do, nothing
    imported). The export before it goes to ``backups`` (default: the default store's state-backups)."""
    from pulumi.automation import Deployment

    exported = stack.export_stack()  # with its secrets shown: a provider is a secret
    try:
        deployment, changed = migrate_deployment(exported.deployment)
    except Refused as err:
        raise MigrationRefused(
            f"Error: the state of stack {stack.name!r} was not migrated, nothing was changed: {err}"
        ) from None
    if changed:
        project = stack.workspace.project_settings().name
        _backup(backups or Store().root / BACKUPS, f"{project}.{stack.name}", exported)
        stack.import_stack(Deployment(version=exported.version, deployment=deployment))
    return len(changed)


def _backup(folder: Path, label: str, exported) -> Path:
    ensure_private_dir(folder)
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    name = re.sub(r"[^A-Za-z0-9._-]", "_", f"{label}.{stamp}") + ".json"
    return write_private(folder / name, json.dumps({"version": exported.version, "deployment": exported.deployment}))


def needs_migration(stack) -> bool:
    """True when the stack's state names a moved module path (read only; nothing is changed)."""
    try:
        return bool(migrate_deployment(stack.export_stack().deployment)[1])
    except Refused:
        return True


# ----- the store's stacks -------------------------------------------------------------------------------------------


def store_stacks(workspace: MachineWorkspace) -> list[tuple[str, str]]:
    """(project, stack) of every stack the store records on the workspace's backend: its machines (not those
    declared in a project of their own, nor swarm nodes) and its swarms. Records are untrusted: only their
    names, already checked by the store, name stacks."""
    store, backend = workspace.store, workspace.backend
    found = [
        (PROJECT, host.name)
        for host in store.hosts()
        if host.pulumi
        and not host.pulumi.get("DeclaredIn")
        and not swarm_membership(host)
        and host.pulumi.get("Backend", backend) == backend
    ]
    for name in swarm_names(store):
        try:
            record = load_swarm(store, name)
        except (ValueError, LookupError):
            continue  # a broken record: swarm rm -f forgets it
        if record.data.get("Backend", backend) == backend:
            found.append((SWARM_PROJECT, name))
    return found


def migrate_store_once(workspace: MachineWorkspace, say: Optional[Say] = None) -> None:
    """The store's stacks on this backend, migrated once; a store made by this version is only marked."""
    root, backend = workspace.store.root, workspace.backend
    state = migration_state(root, backend)
    if state == DONE:
        return
    if state == NEW:
        _mark(root, EVERY_BACKEND)
        return
    with store_lock(root, "state-migration"):
        if migration_state(root, backend) != DONE:  # another command may have done it while this one waited
            _migrate_store(workspace, say or workspace.say)


def migrate_store(workspace: MachineWorkspace, say: Say) -> int:
    """``docker-machine migrate-state``: every stack of ``store_stacks`` again; the resources rewritten."""
    with store_lock(workspace.store.root, "state-migration"):
        return _migrate_store(workspace, say)


def migrate_imported(workspace: MachineWorkspace, names: list[str], say: Say) -> int:
    """Machines just imported from the backend (a teammate's stacks, which may predate the namespace)."""
    with store_lock(workspace.store.root, "state-migration"):
        return _migrate(workspace, [(PROJECT, name) for name in names], say)[0]


def _migrate_store(workspace: MachineWorkspace, say: Say) -> int:
    """Marks the backend done unless a stack could not be read or written (the next command tries again)."""
    total, retry = _migrate(workspace, store_stacks(workspace), say)
    if not retry:
        _mark(workspace.store.root, workspace.backend)
    return total


def _migrate(workspace: MachineWorkspace, stacks: list[tuple[str, str]], say: Say) -> tuple[int, bool]:
    """(resources rewritten, whether a stack is left to try again); one line for what was done."""
    from pulumi.automation import errors, select_stack

    from .errors import last_line
    from .stalelock import remove_stale_locks

    backups = workspace.store.root / BACKUPS
    total, migrated, retry = 0, 0, False
    for project, name in stacks:
        space = dataclasses.replace(workspace, project=project)
        try:
            for line in remove_stale_locks(space.backend, project, name):
                say(line)
            stack = select_stack(stack_name=name, project_name=project, program=_no_program, opts=space._options())
            count = migrate_stack(stack, backups)
        except errors.StackNotFoundError:
            continue  # nothing in the backend (a create that never got that far, a kept record)
        except MigrationRefused as err:
            say(str(err))
            continue
        except (errors.CommandError, PulumiUnavailable) as err:
            say(
                f"Could not migrate the state of {name!r} to the pulumi_docker_machine module paths yet "
                f"({last_line(err)}): the next command tries again, or run '{COMMAND}'"
            )
            retry = True
            continue
        total += count
        migrated += bool(count)
    if total:
        say(
            f"Migrated the state of {migrated} stack{'s' if migrated != 1 else ''} ({total} resources) to the "
            f"pulumi_docker_machine module paths, once; the state before is in {backups}"
        )
    return total, retry


def _mark(root: Path, backend: str) -> None:
    with store_lock(root, "state-migration-mark"):
        done = migrated_backends(root)
        if backend not in done:
            ensure_private_dir((root / MARKER).parent)
            write_private(root / MARKER, json.dumps({"backends": [*done, backend]}) + "\n")


def _no_program() -> None:
    raise RuntimeError("the migration runs no program")


# ----- a stack of one's own project ---------------------------------------------------------------------------------


def migrate_project_stack(
    stack_name: str,
    project_dir: str,
    *,
    store: Optional[Store] = None,
    pulumi_command=None,
    say: Say = lambda text: None,
) -> int:
    """A stack of the Pulumi project in ``project_dir`` (its Pulumi.yaml; the backend and passphrase from the
    environment, as ``pulumi`` itself takes them)."""
    from pulumi.automation import LocalWorkspaceOptions, select_stack

    stack = select_stack(
        stack_name=stack_name, work_dir=project_dir, opts=LocalWorkspaceOptions(pulumi_command=pulumi_command)
    )
    backups = (store or Store()).root / BACKUPS
    count = migrate_stack(stack, backups)
    if count:
        say(
            f"Migrated the state of stack {stack_name!r} ({count} resources) to the pulumi_docker_machine module "
            f"paths; the state before is in {backups}"
        )
    else:
        say(
            f"Stack {stack_name!r} needs no migration: its state names no module path from before pulumi_docker_machine"
        )
    return count


def unmigrated_note(stack_name: str, project_dir: str, *, pulumi_command=None) -> Optional[str]:
    """The one line for a project's stack that still names the old module paths (None when it does not, or
    when its state can't be read: the caller has said what went wrong already)."""
    from pulumi.automation import LocalWorkspaceOptions, errors, select_stack

    try:
        stack = select_stack(
            stack_name=stack_name, work_dir=project_dir, opts=LocalWorkspaceOptions(pulumi_command=pulumi_command)
        )
        due = needs_migration(stack)
    except errors.CommandError:
        return None
    if not due:
        return None
    return (
        f"Warning: stack {stack_name!r} was written before the pulumi_docker_machine module paths: until "
        f"'{COMMAND} --stack {stack_name} --cwd {project_dir}' is run, pulumi refresh and destroy fail on its "
        "machines, and so does an up that deletes or replaces one"
    )

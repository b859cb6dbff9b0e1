"""One stack run for a machine or a swarm: its workspace and program, the store's lock on it, one update of its
stack (config set, progress lines) or its removal, and each failure as one message (busy, interrupted, the
backend out of reach, the step that failed)."""

from __future__ import annotations

import dataclasses
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Callable, Iterator, Optional

from ..store import Store
from ..store.lock import LockBusy, store_lock
from . import update
from .backenderrors import unreachable
from .errors import MachineError, busy, last_line
from .interrupt import interrupted
from .progress import Progress
from .stackconfig import set_stack_config
from .stalelock import release_stale_locks
from .workspace import PROJECT, SWARM_PROJECT, MachineWorkspace, PulumiUnavailable

Say = Callable[[str], None]


def quiet(_: str) -> None:
    pass


def machine_program() -> None:
    """A machine's stack's inline program, imported when the engine runs it (it imports Pulumi); a machine
    adopted from docker-machine 0.16 has its own (adoption.py)."""
    from .adoption import machine_program as program

    program()


def swarm_program() -> None:
    """A swarm's stack's inline program, imported when the engine runs it (it imports Pulumi)."""
    from ..programs.inline import swarm_program as program

    program()


@dataclass(frozen=True)
class StackKind:
    """Machines or swarms: the project and program of their stacks, their lock's and messages' noun."""

    noun: str
    project: str
    program: Callable[[], None]
    remove_command: str  # what finishes an interrupted removal, or removes what an interrupted create made
    removing: str  # docker-machine's word in "Error removing host ..."
    kept: str  # what a stack whose resources could not be destroyed is kept for ("": nothing here retries it)


MACHINES = StackKind(
    "machine",
    PROJECT,
    machine_program,
    "docker-machine rm",
    "host",
    ", so 'docker-machine import' can bring it back to retry",
)
SWARMS = StackKind("swarm", SWARM_PROJECT, swarm_program, "docker-machine swarm rm", "swarm", "")


def workspace_for(
    kind: StackKind, workspace: Optional[MachineWorkspace], store: Optional[Store], say: Say
) -> MachineWorkspace:
    """The store's workspace for ``kind``'s stacks; ``workspace``: the caller's, for its backend and CLI."""
    base = workspace or MachineWorkspace(store or Store(), say=say)
    return dataclasses.replace(base, project=kind.project, program=kind.program, pulumi_command=base.pulumi_command)


@contextmanager
def locked(kind: StackKind, store: Store, name: str) -> Iterator[None]:
    """One process at a time changes a machine or a swarm (its store lock); a second one is busy at once."""
    try:
        with store_lock(store.root, f"{kind.noun}.{name}", wait=False):
            yield
    except LockBusy:
        raise busy(kind.noun, name) from None


def _interrupted(kind: StackKind, name: str) -> MachineError:
    return MachineError(
        f"Interrupted: the update of {name!r} was cancelled; run the command again to finish it, "
        f"or '{kind.remove_command} {name}' to remove what was made"
    )


def _configured(workspace: MachineWorkspace, name: str, values: dict, new: bool) -> Any:
    """The stack, its config set. One the store knows is opened without a pulumi command and its config set at
    once; when the backend has no such stack (removed behind the store's back), that first command says so and the
    stack is made, as create_or_select_stack would have."""
    from pulumi.automation import errors

    if not new:
        try:
            stack = workspace.stack(name)
            set_stack_config(workspace, stack, values)
            return stack
        except errors.StackNotFoundError:
            pass
    stack, fresh = workspace.new_stack(name)
    set_stack_config(workspace, stack, values, fresh=fresh)
    return stack


def up_stack(
    workspace: MachineWorkspace,
    kind: StackKind,
    name: str,
    values: dict,
    say: Say,
    doing: str,
    on_failure: Callable[[str], object],
    replace: Optional[list[str]] = None,
    new: bool = False,
) -> Any:
    """Set the stack's config and run one update with progress; a failure is one message, handed to
    ``on_failure`` (to keep the machine or swarm listed as Error) and raised as MachineError. ``new``: the
    store does not know it, so its stack most likely does not exist yet (made first, not selected)."""
    from pulumi.automation import errors

    progress = Progress(say)
    stack = None
    try:
        stack = _configured(workspace, name, values, new)
        if interrupted():  # Ctrl-C came before the engine started: start nothing
            raise _interrupted(kind, name)
        return update.up(stack, on_event=progress, color="never", replace=replace, **workspace.pulumi_log_options())
    except errors.ConcurrentUpdateError as err:
        if not release_stale_locks(stack, name, str(err), say):
            raise busy(kind.noun, name) from None
        return up_stack(workspace, kind, name, values, say, doing, on_failure, replace)  # the dead lock is gone
    except errors.CommandError as err:
        if interrupted():
            raise _interrupted(kind, name) from None
        if unreachable(str(err), workspace.backend):  # not the machine's failure: its record stays as it was
            raise MachineError(unreachable(str(err), workspace.backend)) from None
        message = progress.failure(last_line(err), doing=doing)
        on_failure(message)
        raise MachineError(message) from None
    except KeyboardInterrupt:  # from Python code that did not defer Ctrl-C to the engine
        raise _interrupted(kind, name) from None


def destroy_stack(
    workspace: MachineWorkspace, kind: StackKind, name: str, force: bool, say: Say, run_program: bool = False
) -> None:
    """Destroy what the stack made and remove the stack, in one ``pulumi destroy --remove`` (none: nothing to do).
    ``force``: a failure is a warning and the stack is kept, for a later retry; the caller forgets the machine or
    swarm either way. ``run_program``: the program runs again (``--run-program``), its providers configured afresh."""
    from pulumi.automation import errors

    try:
        stack = workspace.stack(name)  # opened unchecked: destroy's "no stack named" is the same
        rerun = {"run_program": True} if run_program else {}
        update.destroy(stack, on_event=Progress(say), color="never", **rerun, **workspace.pulumi_log_options())
    except PulumiUnavailable as err:
        if not force:
            raise
        say(f"WARNING: {name!r} could not be destroyed ({err}); its stack is kept{kind.kept}")
    except errors.StackNotFoundError:
        pass  # never got as far as a stack
    except errors.ConcurrentUpdateError:
        raise busy(kind.noun, name) from None
    except errors.CommandError as err:
        if interrupted():
            raise MachineError(
                f"Interrupted: the removal of {name!r} was cancelled; run '{kind.remove_command} "
                f"{name}' again to finish it"
            ) from None
        if unreachable(str(err), workspace.backend):
            raise MachineError(unreachable(str(err), workspace.backend)) from None
        if not force:
            raise MachineError(f"Error removing {kind.removing} {name!r}: {last_line(err)}") from None
        say(
            f"WARNING: the cloud side of {name!r} could not be removed ({last_line(err)}); its stack is kept{kind.kept}"
        )

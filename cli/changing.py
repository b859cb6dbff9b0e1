"""What the commands that change machines share: the workspace, several names at once, errors."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Callable, Optional, Sequence

import click

from .application import Application, CommandError

_backend_url_option = click.option(
    "--backend-url",
    envvar="PULUMI_BACKEND_URL",
    help="Pulumi backend for the machines' stacks (default: file://STORE/state)",
)


def _note_force_unlock(ctx: click.Context, param: click.Parameter, value: bool) -> bool:
    app = ctx.find_object(Application)
    if value and app is not None:
        app.force_unlock = True
    return value


_force_unlock_option = click.option(
    "--force-unlock",
    is_flag=True,
    expose_value=False,
    callback=_note_force_unlock,
    help="Remove the lock of each machine's stack first (what 'pulumi cancel' does): for a lock left by a command "
    "killed on another host or in a shared backend; only when no command is running on it",
)


def backend_option(command: Callable) -> Callable:
    """--backend-url and --force-unlock, on every command that runs the engine."""
    return _backend_url_option(_force_unlock_option(command))


def workspace(app: Application, backend_url: Optional[str]):
    from pulumi_docker_machine.automation import MachineWorkspace
    from pulumi_docker_machine.automation.interrupt import defer_ctrl_c_to_pulumi

    if app.store.root.exists() and not app.store.root.is_dir():
        app.abort(
            f"Error: the storage path {app.store.root} is not a folder: give -s/--storage-path "
            "(or MACHINE_STORAGE_PATH) a folder"
        )
    defer_ctrl_c_to_pulumi()

    debug = (lambda text: click.echo(text, err=True)) if app.debug else None
    return MachineWorkspace(
        app.store, backend_url=backend_url, say=app.echo, debug=debug, force_unlock=app.force_unlock
    )


def for_each(app: Application, names: Sequence[str], action: Callable[[str, Callable[[str], None]], object]) -> None:
    """Run ``action`` for every machine at once; errors are collected and reported together."""
    from pulumi_docker_machine.automation import MachineError, PulumiUnavailable
    from pulumi_docker_machine.automation.errors import exit_status
    from pulumi_docker_machine.store import BrokenMachine, MachineNotFound

    names = app.names_or_default(names)
    lock = threading.Lock()
    errors: list[tuple[str, int]] = []

    def say_for(name: str) -> Callable[[str], None]:
        prefix = f"({name}) " if len(names) > 1 else ""

        def say(text: str) -> None:
            with lock:
                for line in text.splitlines():
                    click.echo(prefix + line)

        return say

    def run(name: str) -> None:
        try:
            action(name, say_for(name))
        except (MachineNotFound, BrokenMachine, MachineError, PulumiUnavailable) as err:
            errors.append((str(err), exit_status(err)))

    if len(names) == 1:
        run(names[0])
    else:
        with ThreadPoolExecutor(max_workers=min(8, len(names))) as pool:
            list(pool.map(run, names))
    if errors:
        error = CommandError("\n".join(message for message, _ in errors))
        error.exit_code = max(code for _, code in errors)
        raise error


def machine_command(
    name: str, short_help: str, before: str, after: str, action: Callable[..., object]
) -> click.Command:
    """A command over machine names that runs one operation per machine, between two of its messages.

    ``action(name, workspace=..., say=...)``; ``before``/``after`` may use ``{name}``.
    """

    @click.command(name, short_help=short_help, help=f"{short_help}.")
    @click.argument("names", nargs=-1)
    @backend_option
    @click.pass_obj
    def command(app: Application, names, backend_url) -> None:
        names = app.names_or_default(names)
        for machine in names:  # docker-machine loads every machine before it acts on any (runAction)
            app.host(machine)
        space = workspace(app, backend_url)

        def run(machine: str, say: Callable[[str], None]) -> None:
            say(before.format(name=machine))
            action(machine, workspace=space, say=say)
            say(after.format(name=machine))

        for_each(app, names, run)

    return command


def operations():
    """``pulumi_docker_machine.automation``, imported when a command runs (it imports Pulumi)."""
    from pulumi_docker_machine import automation as ops

    return ops

"""The one object every command gets: the store, terminal output and aborts (as hatch's Application)."""

from __future__ import annotations

import sys
from pathlib import Path

from pulumi_docker_machine.components.names import name_problem

from pulumi_docker_machine.store import BrokenMachine, HostConfig, MachineNotFound, Store

NO_DEFAULT = 'Error: No machine name(s) specified and no "default" machine exists'
EXPECTED_ONE = "Error: Expected one machine name as an argument"
TOO_MANY = "Error: Too many arguments given"
HOST_NOT_RUNNING = "Host is not running"


TYPE_CHECKING = False  # typing is not imported at run time: the read commands start without it
if TYPE_CHECKING:
    from typing import NoReturn, Optional, Sequence


class CommandError(Exception):
    """Printed as it is on standard error (docker-machine's messages carry their own prefix); exit 1.
    Not a click exception: the read commands run without click (cli/fast.py); cli/app.py wraps it."""

    exit_code = 1

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def show(self, file=None) -> None:
        stream = file or sys.stderr
        stream.write(self.message + "\n")
        stream.flush()


class Application:
    def __init__(self, storage_path: Optional[Path] = None, debug: bool = False, native_ssh: bool = False) -> None:
        self.store = Store(storage_path)
        self.debug = debug
        self.native_ssh = native_ssh  # --native-ssh / MACHINE_NATIVE_SSH: paramiko, not the ssh program
        self.force_unlock = False  # --force-unlock (cli/changing.py)

    def echo(self, text: str = "", nl: bool = True) -> None:
        sys.stdout.write(text + "\n" if nl else text)
        sys.stdout.flush()

    def confirm(self, question: str) -> bool:
        """docker-machine's ``question (y/n): `` prompt; only y or yes goes ahead."""
        import click

        answer = click.prompt(f"{question} (y/n)", prompt_suffix=": ", default="", show_default=False)
        return answer.strip().lower() in ("y", "yes")

    def say_debug(self, text: str) -> None:
        """A line on standard error with -D/--debug (MACHINE_DEBUG); nothing otherwise."""
        if self.debug:
            sys.stderr.write(f"[debug] {text}\n")
            sys.stderr.flush()

    def abort(self, message: str) -> NoReturn:
        raise CommandError(message)

    def host(self, name: str) -> HostConfig:
        problem = name_problem(name)
        if problem:
            self.abort(problem)
        try:
            return self.store.load(name)
        except (MachineNotFound, BrokenMachine) as err:
            self.abort(str(err))

    def names_or_default(self, names: Sequence[str]) -> list[str]:
        """The names given, or docker-machine's machine named ``default``."""
        if names:
            return list(names)
        if self.store.exists("default"):
            return ["default"]
        self.abort(NO_DEFAULT)

    def one_host(self, names: Sequence[str]) -> HostConfig:
        if len(names) > 1:
            self.abort(EXPECTED_ONE)
        return self.host(self.names_or_default(names)[0])

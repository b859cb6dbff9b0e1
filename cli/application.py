"""The one object every command gets: the store, terminal output and aborts (as hatch's Application)."""

from __future__ import annotations

from pathlib import Path
from typing import NoReturn, Optional, Sequence

import click

from components.names import name_problem

from .store import BrokenMachine, HostConfig, MachineNotFound, Store

NO_DEFAULT = 'Error: No machine name(s) specified and no "default" machine exists'
EXPECTED_ONE = "Error: Expected one machine name as an argument"
TOO_MANY = "Error: Too many arguments given"
HOST_NOT_RUNNING = "Host is not running"


class CommandError(click.ClickException):
    """Printed as it is on standard error (docker-machine's messages carry their own prefix); exit 1."""

    exit_code = 1

    def show(self, file=None) -> None:
        click.echo(self.message, err=True)


class Application:
    def __init__(self, storage_path: Optional[Path] = None, debug: bool = False) -> None:
        self.store = Store(storage_path)
        self.debug = debug

    def echo(self, text: str = "", nl: bool = True) -> None:
        click.echo(text, nl=nl)

    def confirm(self, question: str) -> bool:
        """docker-machine's ``question (y/n): `` prompt; only y or yes goes ahead."""
        answer = click.prompt(f"{question} (y/n)", prompt_suffix=": ", default="", show_default=False)
        return answer.strip().lower() in ("y", "yes")

    def abort(self, message: str) -> NoReturn:
        raise CommandError(message)

    def host(self, name: str) -> HostConfig:
        if name_problem(name):
            self.abort(name_problem(name))
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

"""Entry point of the ``docker-machine`` command.

Each command is a package of its own (``cli/<command>/``). None of them imports
Pulumi or a provider SDK at import time: the read-only commands must start
instantly; the commands that change machines import them inside their bodies.
"""

from __future__ import annotations

import os
import sys
from importlib import import_module
from pathlib import Path
from typing import Optional, Sequence

import click

from . import __version__, version_line
from .application import Application, CommandError
from .commands import (
    ALIASES,
    COMMANDS,
    DEBUG_HELP,
    DESCRIPTION,
    NATIVE_SSH_HELP,
    STORAGE_HELP,
    TLS_OPTIONS,
    TOKEN_OPTIONS,
    VERSION_HELP,
)
from .pipes import end_if_closed

# The commands that make or update machines, and so take the CA and client certificate: they check given
# --tls-* files before anything is made.
CERT_COMMANDS = {
    "adopt",
    "create",
    "kill",
    "provision",
    "regenerate-certs",
    "restart",
    "start",
    "stop",
    "swarm",
    "upgrade",
}


def tool_version() -> str:
    return __version__


class ClickCommandError(click.ClickException):
    """A CommandError raised inside click: shown as it is, with its exit code (click's runner sees it too)."""

    def __init__(self, error: CommandError) -> None:
        super().__init__(error.message)
        self.exit_code = error.exit_code  # type: ignore[misc]  # click types it as a ClassVar; it reads the instance's

    def show(self, file=None) -> None:
        click.echo(self.message, err=True)


def machine_error(err: Exception) -> bool:
    """An automation MachineError (its module is loaded when one can have been raised)."""
    errors = sys.modules.get("pulumi_docker_machine.automation.errors")
    return errors is not None and isinstance(err, errors.MachineError)


class LazyGroup(click.Group):
    def make_context(self, *args, **kwargs) -> click.Context:
        try:  # --help is written while the context is made
            return super().make_context(*args, **kwargs)
        except BrokenPipeError as err:
            end_if_closed(err)
            raise

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except CommandError as err:
            raise ClickCommandError(err) from None
        except BrokenPipeError as err:
            end_if_closed(err)
            raise
        except Exception as err:
            if machine_error(err):  # one a command did not catch itself: its line and docker-machine's exit code
                wrapped = CommandError(str(err))
                wrapped.exit_code = err.exit_code  # type: ignore[attr-defined]  # MachineError's, from its table
                raise ClickCommandError(wrapped) from None
            raise

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*COMMANDS, *self.commands})

    def get_command(self, ctx: click.Context, name: str) -> Optional[click.Command]:
        name = ALIASES.get(name, name)
        if name in COMMANDS and name not in self.commands:
            self.add_command(import_module(f".{COMMANDS[name][0]}", __package__).command, name)
        return self.commands.get(name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [
            (name, COMMANDS[name][1] if name in COMMANDS else self.commands[name].get_short_help_str())
            for name in self.list_commands(ctx)
        ]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


def global_options(function):
    """docker-machine 0.16.2's global flags, listed in its order."""
    options = [
        click.option(
            "-s", "--storage-path", envvar="MACHINE_STORAGE_PATH", type=click.Path(path_type=Path), help=STORAGE_HELP
        ),
        click.option("-D", "--debug", envvar="MACHINE_DEBUG", is_flag=True, help=DEBUG_HELP),
        *(
            click.option(flag, envvar=variable, metavar="FILE", help=f"{text}  [env: {variable}]")
            for flag, (variable, text) in TLS_OPTIONS.items()
        ),
        click.option("--native-ssh", envvar="MACHINE_NATIVE_SSH", is_flag=True, help=NATIVE_SSH_HELP),
        *(
            click.option(flag, envvar=variable, metavar="TOKEN", help=f"{text}  [env: {variable}]")
            for flag, (variable, text) in TOKEN_OPTIONS.items()
        ),
    ]
    for option in reversed(options):
        function = option(function)
    return function


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]}, help=DESCRIPTION)
@click.version_option(tool_version(), "-v", "--version", message=version_line())
@global_options
@click.pass_context
def cli(ctx: click.Context, storage_path: Optional[Path], debug: bool, native_ssh: bool, **values) -> None:
    ctx.obj = Application(storage_path, debug, native_ssh)
    if native_ssh:  # for the automation side's own ssh steps (nativessh.asked), as MACHINE_NATIVE_SSH
        os.environ["MACHINE_NATIVE_SSH"] = "true"
    given = False
    for flag, (variable, _) in TLS_OPTIONS.items():
        value = values[flag.lstrip("-").replace("-", "_")]
        if value:  # the automation side reads the variables, as docker-machine's flags fall back on them
            os.environ[variable] = value
            given = True
    if given and ctx.invoked_subcommand in CERT_COMMANDS:
        from pulumi_docker_machine.automation.givencerts import GivenCertsError, read_given_certs

        try:
            read_given_certs(ctx.obj.store)
        except GivenCertsError as err:
            ctx.obj.abort(str(err))


@cli.command("version", short_help=VERSION_HELP)
@click.argument("names", nargs=-1)
@click.pass_obj
def version_command(app: Application, names: Sequence[str]) -> None:
    """Show the docker-machine version or a machine's docker version."""
    if not names:
        app.echo(version_line())
        return
    from .connection import running_url
    from .probe import engine_version

    host = app.one_host(names)
    running_url(app, host)
    try:
        app.echo(engine_version(host, timeout=10))
    except Exception as err:  # noqa: BLE001 - any failure is reported the same way
        app.abort(f"Error: Unable to query docker version: {err}")


# What Go's strconv.ParseBool takes: docker-machine read MACHINE_DEBUG with it, and refused anything else.
GO_BOOLS = {"1", "t", "T", "TRUE", "true", "True", "0", "f", "F", "FALSE", "false", "False"}


def main(argv: Optional[Sequence[str]] = None) -> None:
    """docker-machine exits 1 on every error, usage errors included; click would use 2."""
    debug = os.environ.get("MACHINE_DEBUG", "")
    if debug and debug not in GO_BOOLS:
        click.echo(
            f"Error parsing boolean value from MACHINE_DEBUG: {debug!r} is not a boolean: set it to 1, true, 0 or "
            "false, or unset it",
            err=True,
        )
        sys.exit(1)
    if "_DOCKER_MACHINE_COMPLETE" in os.environ:  # the shell asks for candidates: the store's names too
        from .completion.candidates import install

        install()
    try:
        cli.main(args=list(argv) if argv is not None else None, prog_name="docker-machine", standalone_mode=False)
    except (CommandError, ClickCommandError) as err:
        err.show()
        sys.exit(err.exit_code)
    except click.UsageError as err:  # one line, and where the right usage is (click prints four)
        where = err.ctx.command_path if err.ctx else "docker-machine"
        click.echo(f"Error: {err.format_message().rstrip('.')}: see '{where} --help'", err=True)
        sys.exit(1)
    except click.ClickException as err:
        err.show()
        sys.exit(1)
    except click.exceptions.Abort:
        click.echo("Aborted!", err=True)
        sys.exit(1)
    except click.exceptions.Exit as err:
        sys.exit(err.exit_code)
    except OSError as err:  # the last net: a file-system problem is one line, never a traceback
        click.echo(f"Error: {err.strerror or err}{f': {err.filename}' if err.filename else ''}", err=True)
        sys.exit(1)

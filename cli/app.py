"""Entry point of the ``docker-machine`` command.

Each command is a package of its own (``cli/<command>/``). None of them imports
Pulumi or a provider SDK at import time: the read-only commands must start
instantly; the commands that change machines import them inside their bodies.
"""

from __future__ import annotations

import sys
from importlib import import_module
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Optional, Sequence

import click

from .application import Application, CommandError

DISTRIBUTION = "pulumi-docker-machine"
COMMANDS = ("active", "config", "create", "env", "importing", "inspect", "ip", "kill", "ls", "mount", "provision",
            "regenerate_certs", "restart", "rm", "scp", "ssh", "start", "status", "stop", "upgrade", "url")


def tool_version() -> str:
    try:
        return version(DISTRIBUTION)
    except PackageNotFoundError:
        return "0+unknown"


def version_line() -> str:
    # docker-machine prints "docker-machine version X, build SHA"
    return f"docker-machine version {tool_version()}, build pulumi"


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(tool_version(), "-v", "--version", message=version_line())
@click.option("-s", "--storage-path", envvar="MACHINE_STORAGE_PATH", type=click.Path(path_type=Path),
              help="Configures storage path  [env: MACHINE_STORAGE_PATH; default: ~/.docker/machine]")
@click.option("-D", "--debug", envvar="MACHINE_DEBUG", is_flag=True, help="Enable debug mode")
@click.pass_context
def cli(ctx: click.Context, storage_path: Optional[Path], debug: bool) -> None:
    """Create and manage machines running Docker, as Pulumi resources."""
    ctx.obj = Application(storage_path, debug)


@cli.command("version")
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


for _name in COMMANDS:
    cli.add_command(import_module(f"cli.{_name}").command)


def main(argv: Optional[Sequence[str]] = None) -> None:
    """docker-machine exits 1 on every error, usage errors included; click would use 2."""
    try:
        cli.main(args=list(argv) if argv is not None else None, prog_name="docker-machine", standalone_mode=False)
    except CommandError as err:
        err.show()
        sys.exit(err.exit_code)
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

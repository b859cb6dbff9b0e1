"""Entry point of the ``docker-machine`` command.

Each command is a package of its own (``cli/<command>/``). None of them imports
Pulumi or a provider SDK at import time: the read-only commands must start
instantly; the commands that change machines import them inside their bodies.
"""

from __future__ import annotations

import sys
from importlib import import_module
from pathlib import Path
from typing import Optional, Sequence

import click

from . import __version__
from .application import Application, CommandError

# Each command's module and its one-line help: a command's module is imported only when it runs, and
# --help lists them all from here (click's lazy-loading group pattern: start-up stays small).
COMMANDS = {
    "active": ("active", "Print which machine is active"),
    "compose": ("compose", "Run docker compose against a machine"),
    "config": ("config", "Print the connection config for machine"),
    "create": ("create", "Create a machine"),
    "env": ("env", "Display the commands to set up the environment for the Docker client"),
    "import": ("importing", "Bring machines from the Pulumi backend into the local store"),
    "inspect": ("inspect", "Inspect information about a machine"),
    "ip": ("ip", "Get the IP address of a machine"),
    "kill": ("kill", "Kill a machine"),
    "ls": ("ls", "List machines"),
    "mount": ("mount", "Mount or unmount a directory from a machine with SSHFS."),
    "provision": ("provision", "Re-provision existing machines"),
    "regenerate-certs": ("regenerate_certs", "Regenerate TLS Certificates for a machine"),
    "restart": ("restart", "Restart a machine"),
    "rm": ("rm", "Remove a machine"),
    "scp": ("scp", "Copy files between machines"),
    "ssh": ("ssh", "Log into or run a command on a machine with SSH."),
    "stack": ("stack", "Deploy or remove a Compose stack on a swarm"),
    "start": ("start", "Start a machine"),
    "status": ("status", "Get the status of a machine"),
    "stop": ("stop", "Stop a machine"),
    "swarm": ("swarm", "Manage Swarm mode clusters of machines"),
    "upgrade": ("upgrade", "Upgrade a machine to the latest version of Docker"),
    "url": ("url", "Get the URL of a machine"),
}


def tool_version() -> str:
    return __version__


def version_line() -> str:
    # docker-machine prints "docker-machine version X, build SHA"
    return f"docker-machine version {tool_version()}, build pulumi"


class LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted([*COMMANDS, *self.commands])

    def get_command(self, ctx: click.Context, name: str) -> Optional[click.Command]:
        if name in COMMANDS and name not in self.commands:
            self.add_command(import_module(f"cli.{COMMANDS[name][0]}").command, name)
        return self.commands.get(name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(name, COMMANDS[name][1] if name in COMMANDS else self.commands[name].get_short_help_str())
                for name in self.list_commands(ctx)]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
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

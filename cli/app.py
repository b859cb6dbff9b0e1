"""Entry point of the ``docker-machine`` command.

Heavy imports (pulumi, provider SDKs) belong inside the commands that need
them: the read-only commands must start instantly.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

import click

DISTRIBUTION = "pulumi-docker-machine"


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
def cli() -> None:
    """Create and manage machines running Docker, as Pulumi resources."""


@cli.command("version")
def version_command() -> None:
    """Show the docker-machine version."""
    click.echo(version_line())


def main() -> None:
    cli(prog_name="docker-machine")

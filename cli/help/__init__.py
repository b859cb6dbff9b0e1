"""``docker-machine help [COMMAND]`` (and ``h``): codegangsta cli's built-in help command, which docker-machine
has: the list of commands, or one command's help, exactly as ``--help`` prints them."""

from __future__ import annotations

import click

from ..application import CommandError
from ..commands import ALIASES


@click.command("help", short_help="Shows a list of commands or help for one command")
@click.argument("topic", required=False)
@click.pass_context
def command(ctx: click.Context, topic) -> None:
    """Shows a list of commands or help for one command."""
    group = ctx.parent
    assert group is not None and isinstance(group.command, click.Group)
    if not topic:
        click.echo(group.get_help())
        return
    found = group.command.get_command(group, topic)
    if found is None:  # docker-machine's CommandNotFound line, exit 1
        raise CommandError(f"docker-machine: '{topic}' is not a docker-machine command. See 'docker-machine --help'.")
    # As ``TOPIC --help`` (create's lists its default driver's flags): its own --help prints, then ends the run.
    found.make_context(ALIASES.get(topic, topic), ["--help"], parent=group)

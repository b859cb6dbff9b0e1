"""``docker-machine completion bash|zsh|fish``: print the shell's completion script (click's, for the variable
``_DOCKER_MACHINE_COMPLETE``); the candidates it asks for are cli/completion/candidates.py's."""

from __future__ import annotations

import click

from ..application import CommandError

from .candidates import CLASSES, COMPLETE_VARIABLE, PROG_NAME, SHELLS

INSTALL = """Print the completion script for SHELL. Install it with:

\b
  bash:  echo 'eval "$(docker-machine completion bash)"' >> ~/.bashrc
  zsh:   echo 'eval "$(docker-machine completion zsh)"' >> ~/.zshrc   (after compinit)
  fish:  docker-machine completion fish > ~/.config/fish/completions/docker-machine.fish

It completes commands, flags, driver names after -d, and machine and swarm names from the store (-s or
MACHINE_STORAGE_PATH as typed). Click's own variable works too: eval "$(_DOCKER_MACHINE_COMPLETE=bash_source
docker-machine)"."""


@click.command("completion", short_help="Print the shell completion script for bash, zsh or fish", help=INSTALL)
@click.argument(
    "shell",
    metavar="{bash|zsh|fish}",
    shell_complete=lambda ctx, param, incomplete: [s for s in SHELLS if s.startswith(incomplete)],
)
def command(shell: str) -> None:
    if shell not in CLASSES:
        raise CommandError(f"Error: no completion for the shell {shell!r}: give bash, zsh or fish")
    root = click.get_current_context().find_root().command
    click.echo(CLASSES[shell](root, {}, PROG_NAME, COMPLETE_VARIABLE).source(), nl=False)

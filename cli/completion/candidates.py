"""What the shell is offered, through click's completion protocol (bash, zsh, fish): click's own candidates
(commands, flags, choices such as the drivers after -d) plus the store's names where an argument takes them.

``install()`` registers the three shells' classes under click's names; the entry point calls it when
``_DOCKER_MACHINE_COMPLETE`` is set, before click answers the shell.
"""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import click
from click.shell_completion import (
    BashComplete,
    CompletionItem,
    FishComplete,
    ShellComplete,
    ZshComplete,
    _resolve_context,
    _resolve_incomplete,
    add_completion_class,
)

PROG_NAME = "docker-machine"
COMPLETE_VARIABLE = "_DOCKER_MACHINE_COMPLETE"
SHELLS = ("bash", "zsh", "fish")

MACHINES, SWARMS, MACHINE_PATHS, COMMANDS = "machines", "swarms", "machine:path", "commands"
NEW = {("create",), ("swarm", "create"), ("import",)}  # their NAME is one not made yet (import: the backend's)


def wanted(path: tuple[str, ...], param: click.Parameter) -> Optional[str]:
    """Which of the store's names the argument ``param`` of the command ``path`` takes, if any."""
    if not isinstance(param, click.Argument) or path in NEW:
        return None
    if param.name == "swarm" or (path[:1] == ("swarm",) and param.name in ("name", "names")):
        return SWARMS
    if param.name in ("name", "names"):
        return MACHINES
    if param.name in ("source", "destination"):  # scp and mount: MACHINE:PATH
        return MACHINE_PATHS
    if path == ("help",):
        return COMMANDS
    return None


def _store_root(ctx: click.Context) -> Optional[Path]:
    value = ctx.find_root().params.get("storage_path")  # -s as typed, or MACHINE_STORAGE_PATH
    return Path(value) if value else None


def names(ctx: click.Context, kind: str) -> list[str]:
    """The store's machine or swarm names that are valid names (a folder's name is data, and shells parse lines)."""
    from pulumi_docker_machine.components.names import name_problem
    from pulumi_docker_machine.store import Store
    from pulumi_docker_machine.store.swarms import swarm_names

    try:
        store = Store(_store_root(ctx))
        found = swarm_names(store) if kind == SWARMS else store.names()
    except OSError:
        return []
    return [name for name in found if name_problem(name) is None]


def candidates(ctx: click.Context, param: click.Parameter, incomplete: str) -> Optional[list[CompletionItem]]:
    """The store's names for ``param``, or None when click's own candidates stand."""
    path = tuple(c.info_name or "" for c in reversed(_chain(ctx)))[1:]
    kind = wanted(path, param)
    if kind is None:
        return None
    if kind == COMMANDS:
        root = ctx.find_root().command
        words = root.list_commands(ctx) if isinstance(root, click.Group) else []
    elif kind == MACHINE_PATHS:
        if ":" in incomplete:
            return []  # the path on the machine: nothing here knows it
        words = [f"{name}:" for name in names(ctx, MACHINES)]
    else:
        words = names(ctx, kind)
    return [CompletionItem(word) for word in words if word.startswith(incomplete)]


def _chain(ctx: click.Context) -> list[click.Context]:
    found = []
    current: Optional[click.Context] = ctx
    while current is not None:
        found.append(current)
        current = current.parent
    return found


class _StoreNames(ShellComplete):
    def get_completions(self, args: list[str], incomplete: str) -> list[CompletionItem]:
        ctx = _resolve_context(self.cli, self.ctx_args, self.prog_name, args)
        obj, incomplete = _resolve_incomplete(ctx, args, incomplete)
        found = candidates(ctx, obj, incomplete) if isinstance(obj, click.Parameter) else None
        return obj.shell_complete(ctx, incomplete) if found is None else found


class Bash(_StoreNames, BashComplete):
    pass


class Zsh(_StoreNames, ZshComplete):
    pass


class Fish(_StoreNames, FishComplete):
    pass


CLASSES: dict[str, type[ShellComplete]] = {"bash": Bash, "zsh": Zsh, "fish": Fish}


def install() -> None:
    for name, shell in CLASSES.items():
        add_completion_class(shell, name)

"""``docker-machine --help`` without click: the group's help laid out as click 8 lays it out (usage,
description, Options and Commands as definition lists, wrapped to the terminal). A test compares it
with click's own at many widths, so the two cannot drift apart."""

from __future__ import annotations

import os
import sys
from textwrap import TextWrapper

from .commands import (
    COMMANDS,
    DEBUG_HELP,
    DESCRIPTION,
    NATIVE_SSH_HELP,
    STORAGE_HELP,
    TLS_OPTIONS,
    TOKEN_OPTIONS,
    VERSION_HELP,
)

USAGE = ("docker-machine", "[OPTIONS] COMMAND [ARGS]...")
OPTIONS = [
    ("-v, --version", "Show the version and exit."),
    ("-s, --storage-path PATH", STORAGE_HELP),
    ("-D, --debug", DEBUG_HELP),
    *((f"{flag} FILE", f"{text}  [env: {variable}]") for flag, (variable, text) in TLS_OPTIONS.items()),
    ("--native-ssh", NATIVE_SSH_HELP),
    *((f"{flag} TOKEN", f"{text}  [env: {variable}]") for flag, (variable, text) in TOKEN_OPTIONS.items()),
    ("-h, --help", "Show this message and exit."),
]
INDENT = 2


def terminal_width() -> int:
    """click's width: the terminal's columns as shutil reports them, at most 80, less 2, at least 50."""
    try:
        columns = int(os.environ["COLUMNS"])
    except (KeyError, ValueError):
        columns = 0
    if columns <= 0:
        stdout = sys.__stdout__  # None when Python was started without one
        try:
            columns = (stdout and os.get_terminal_size(stdout.fileno()).columns) or 80
        except (ValueError, OSError):
            columns = 80
    return max(min(columns, 80) - 2, 50)


def _wrap(text: str, width: int, first: str = "", rest: str = "") -> list[str]:
    return TextWrapper(width, initial_indent=first, subsequent_indent=rest, replace_whitespace=False).wrap(text)


def _definition_list(rows: list[tuple[str, str]], width: int) -> list[str]:
    first_col = min(max(len(term) for term, _ in rows), 30) + 2
    lines = []
    for term, text in rows:
        wrapped = _wrap(text, max(width - first_col - 2, 10))
        if len(term) <= first_col - 2:
            lines.append(" " * INDENT + term + " " * (first_col - len(term)) + wrapped[0])
        else:
            lines += [" " * INDENT + term, " " * (first_col + INDENT) + wrapped[0]]
        lines += [" " * (first_col + INDENT) + line for line in wrapped[1:]]
    return lines


def render_help(width: int) -> str:
    prefix = f"Usage: {USAGE[0]} "
    lines = _wrap(USAGE[1], width, prefix, " " * len(prefix))
    lines += ["", *_wrap(DESCRIPTION, width, " " * INDENT, " " * INDENT), "", "Options:"]
    lines += _definition_list(OPTIONS, width)
    commands = {name: text for name, (_module, text) in COMMANDS.items()}
    commands["version"] = VERSION_HELP
    lines += ["", "Commands:", *_definition_list(sorted(commands.items()), width)]
    return "\n".join(lines) + "\n"

"""The ``docker-machine`` entry point. The plain forms of the read commands (``ip dev``, ``env dev``,
``ls``, ``ls -q``, ``version``...) run here without importing click: the interpreter's start-up is
most of their time, and click alone would double it. Every other form — options, ``--help``,
global flags, the commands that change machines — goes to the click application (cli/app.py),
which runs the very same command bodies; tests compare the two paths' output and exit codes.
"""

from __future__ import annotations

import os
import sys

# command: how many names it takes (None: any number), the flags its plain form may carry, and its body's
# arguments (by keyword, as its click command passes them) from the names and flags given.
PLAIN = {
    "ip": (None, (), lambda names, flags: {"names": names}),
    "url": (None, (), lambda names, flags: {"names": names}),
    "status": (None, (), lambda names, flags: {"names": names}),
    "config": (None, (), lambda names, flags: {"names": names, "swarm": False}),
    "inspect": (None, (), lambda names, flags: {"names": names, "template": None}),
    "env": (
        1,
        (),
        lambda names, flags: {
            "name": names[0] if names else None,
            "shell_name": None,
            "unset": False,
            "no_proxy": False,
        },
    ),
    "active": (0, (), lambda names, flags: {"timeout": 10}),
    "ls": (
        0,
        ("-q", "--quiet"),
        lambda names, flags: {"quiet": bool(flags), "filters": (), "timeout": 10, "template": None},
    ),
}


def plain_form(argv: list[str]) -> tuple[str, list[str], list[str]] | None:
    """(command, names, flags) when ``argv`` is a plain read command this module runs; else None."""
    if not argv or os.environ.get("MACHINE_DEBUG"):
        return None
    command, rest = argv[0], argv[1:]
    if command in ("version", "-v", "--version") and not rest:
        return "version", [], []
    if command in ("-h", "--help", "help", "h") and not rest:
        return "help", [], []
    if command not in PLAIN:
        return None
    most, allowed, _ = PLAIN[command]
    flags = [arg for arg in rest if arg.startswith("-")]
    names = [arg for arg in rest if not arg.startswith("-")]
    if any(flag not in allowed for flag in flags) or (most is not None and len(names) > most):
        return None
    return command, names, flags


def run_plain(command: str, names: list[str], flags: list[str]) -> None:
    if command == "version":
        from . import version_line

        sys.stdout.write(version_line() + "\n")
        return
    if command == "help":
        from .helptext import render_help, terminal_width

        sys.stdout.write(render_help(terminal_width()))
        return
    from importlib import import_module
    from pathlib import Path

    from .application import Application

    storage = os.environ.get("MACHINE_STORAGE_PATH")
    app = Application(Path(storage) if storage else None)
    run = import_module(f".{command}", __package__).run
    run(app, **PLAIN[command][2](names, flags))


def main() -> None:
    try:
        run(sys.argv[1:])
        sys.stdout.flush()  # here, not at exit, where a closed pipe is a message Python prints
    except BrokenPipeError as err:
        from .pipes import end_if_closed

        end_if_closed(err)
        raise


def run(argv: list[str]) -> None:
    form = plain_form(argv)
    if form is None:
        from .app import main as click_main

        click_main()
        return
    try:
        run_plain(*form)
    except BrokenPipeError:
        raise
    except OSError as err:  # as cli/app.py: a file-system problem is one line, never a traceback
        sys.stderr.write(f"Error: {err.strerror or err}{f': {err.filename}' if err.filename else ''}\n")
        sys.exit(1)
    except Exception as err:
        from .application import CommandError  # loaded already when a command raised one

        if not isinstance(err, CommandError):
            raise
        err.show()
        sys.exit(err.exit_code)

"""A command's package (cli/<command>/) imports no other command's: what two commands share lives in a module of
its own under cli/ (shells.py, table.py, dockerrun.py, driverflags.py, changing.py...)."""

from __future__ import annotations

import ast
from pathlib import Path

from pulumi_docker_machine.cli.commands import COMMANDS

CLI = Path(__file__).resolve().parent.parent / "cli"


def imported_commands(path: Path, own: str, commands: set[str]) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if not isinstance(node, ast.ImportFrom):
            continue
        module = node.module or ""
        if node.level == 0 and module.startswith("pulumi_docker_machine.cli."):
            found.add(module.split(".")[2])
        elif node.level >= 2:  # from .. import X / from ..X import ...: relative to cli/ from a command's package
            found.update([module.split(".")[0]] if module else [alias.name for alias in node.names])
    return (found & commands) - {own}


def test_no_command_imports_another():
    commands = {module.split(".")[0] for module, _ in COMMANDS.values()}
    packages = {path.name for path in CLI.iterdir() if (path / "__init__.py").is_file()}
    assert packages == commands, "every package under cli/ is a command of the table"
    crossing = {
        f"{path.relative_to(CLI)} imports {', '.join(sorted(names))}"
        for command in commands
        for path in (CLI / command).rglob("*.py")
        if (names := imported_commands(path, command, commands))
    }
    assert crossing == set()


def test_the_check_sees_a_sibling_import(tmp_path):
    sample = tmp_path / "command.py"
    sample.write_text(
        "from ..env import shells\nfrom .. import table\nfrom ..ls.command import x\n"
        "from pulumi_docker_machine.cli.create import y\nfrom . import run\n"
    )
    assert imported_commands(sample, "swarm", {"env", "ls", "create", "swarm", "table"}) == {
        "env",
        "ls",
        "create",
        "table",
    }

"""docs/compatibility.md stays true: every command and flag of docker-machine 0.16.2 (the inventory made from its
source, tests/fixtures/docker-machine-0.16.2-flags.json) has one row, and each row's status is what the installed
``docker-machine`` does. No engine: "same"/"different" rows are looked up in the click command tree and in the help
the installed script prints; "not supported" rows are run (in-process through the script's entry point, and a
sample through the script itself) against a store whose only machine already exists, so nothing can be made."""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import click
import pytest

from tests.conftest import add_legacy_machine

ROOT = Path(__file__).resolve().parent.parent
TABLE = ROOT / "docs" / "compatibility.md"
FIXTURES = Path(__file__).parent / "fixtures"
INVENTORY = json.loads((FIXTURES / "docker-machine-0.16.2-flags.json").read_text())
SCRIPT = Path(sys.executable).parent / "docker-machine"
STATUSES = ("same", "different", "not supported")
NOOP = "Accepted as a no-op"
GLOBAL = "docker-machine"
TAKEN = "legacy"  # the one machine of the store: a create that got past its checks stops at "already exists"
NEW = "compat-new"  # an example's NEW: a flag the driver's own checks refuse (after the store's "already exists")


@dataclass(frozen=True)
class Row:
    command: str  # "docker-machine" (global flags), a command ("help, h"), or "create -d DRIVER"
    flag: str  # "" for the command or driver itself; else docker-machine's names: "--timeout, -t"
    status: str
    notes: str

    @property
    def names(self) -> list[str]:
        return [name.strip() for name in self.flag.split(",")] if self.flag else []

    @property
    def driver(self) -> str:
        return self.command.removeprefix("create -d ") if self.command.startswith("create -d ") else ""

    def __str__(self) -> str:
        return f"{self.command} {self.flag}".strip()


def table_rows() -> list[Row]:
    rows = []
    for line in TABLE.read_text().splitlines():
        if not line.startswith("| `"):
            continue
        cells = [cell.strip() for cell in line.strip().strip("|").split(" | ")]
        assert len(cells) == 4, f"a row has four cells (no '|' in notes): {line}"
        command, flag, status, notes = cells
        rows.append(Row(command.strip("`"), flag.strip("`"), status, notes))
    return rows


ROWS = table_rows()
UNSUPPORTED_DRIVERS = {row.driver for row in ROWS if row.driver and not row.flag and row.status == "not supported"}


def names(flag: dict) -> str:
    return ", ".join([flag["flag"], *flag["aliases"]])


def inventory_keys() -> list[tuple[str, str]]:
    keys = [(GLOBAL, names(flag)) for flag in INVENTORY["global"]]
    for command, entry in INVENTORY["commands"].items():
        keys.append((", ".join([command, *entry.get("aliases", [])]), ""))
        keys += [(command, names(flag)) for flag in entry["flags"]]
    for driver, flags in INVENTORY["drivers"].items():
        keys.append((f"create -d {driver}", ""))
        keys += [(f"create -d {driver}", names(flag)) for flag in flags]
    return keys


def inventory_flag(row: Row) -> dict:
    if row.command == GLOBAL:
        flags = INVENTORY["global"]
    elif row.driver:
        flags = INVENTORY["drivers"][row.driver]
    else:
        flags = INVENTORY["commands"][row.command]["flags"]
    return next(flag for flag in flags if names(flag) == row.flag)


def expected_env(row: Row) -> tuple[bool, str | None]:
    """(stated, env var): a note's "env: NAME"/"env: none" or else docker-machine's own, where it had one."""
    stated = re.search(r"\benv: (none|[A-Z][A-Z0-9_]*)", row.notes)
    if stated:
        return True, None if stated.group(1) == "none" else stated.group(1)
    return False, inventory_flag(row)["env"]


# ----- the table against the inventory ------------------------------------------------------------------------


def test_inventory_covers_docker_machine():
    """The fixture holds what the Go source has: 21 commands and help, 11 global flags, the 15 drivers."""
    assert len(INVENTORY["commands"]) == 22 and INVENTORY["commands"]["help"]["aliases"] == ["h"]
    assert [f["flag"] for f in INVENTORY["global"]][:2] == ["--debug", "--storage-path"]
    assert len(INVENTORY["global"]) == 11
    assert len(INVENTORY["drivers"]) == 15
    assert sum(len(flags) for flags in INVENTORY["drivers"].values()) == 221
    swarm = [f["flag"] for f in INVENTORY["commands"]["create"]["flags"] if f["flag"].startswith("--swarm")]
    assert len(swarm) == 10
    region = next(f for f in INVENTORY["drivers"]["amazonec2"] if f["flag"] == "--amazonec2-region")
    assert (region["env"], region["default"], region["kind"]) == ("AWS_DEFAULT_REGION", "us-east-1", "string")


def test_every_inventory_entry_has_exactly_one_row():
    keys = [(row.command, row.flag) for row in ROWS]
    duplicates = sorted({key for key in keys if keys.count(key) > 1})
    assert not duplicates, f"rows given twice: {duplicates}"
    missing = [key for key in inventory_keys() if key not in set(keys)]
    extra = [key for key in keys if key not in set(inventory_keys())]
    assert not missing, f"docker-machine 0.16.2 entries without a row in {TABLE.name}: {missing}"
    assert not extra, f"rows naming nothing docker-machine 0.16.2 has: {extra}"


def test_every_row_has_a_status_and_says_why():
    bad = [str(row) for row in ROWS if row.status not in STATUSES]
    assert not bad, f"status must be one of {STATUSES}: {bad}"
    silent = [str(row) for row in ROWS if row.status != "same" and not row.notes]
    assert not silent, f"'different' and 'not supported' rows say how or why in their notes: {silent}"


# ----- what the installed command has -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def tree():
    """The click tree the installed script runs: (options by name, help option names) per row command."""
    from pulumi_docker_machine.cli.app import cli

    root = click.Context(cli, info_name="docker-machine", **cli.context_settings)
    cache: dict[str, tuple[dict[str, click.Option], set[str]] | None] = {}

    def options(command: click.Command, ctx: click.Context) -> tuple[dict[str, click.Option], set[str]]:
        found = {
            name: param
            for param in command.params
            if isinstance(param, click.Option)
            for name in [*param.opts, *param.secondary_opts]
        }
        help_option = command.get_help_option(ctx)
        return found, set(help_option.opts) if help_option else set()

    def lookup(row: Row):
        if row.command in cache:
            return cache[row.command]
        if row.command == GLOBAL:
            cache[row.command] = options(cli, root)
        elif row.driver:
            create = cli.get_command(root, "create")
            env = os.environ.pop("MACHINE_DRIVER", None)
            try:
                ctx = create.make_context("create", ["-d", row.driver, TAKEN], parent=root, resilient_parsing=True)
            finally:
                if env is not None:
                    os.environ["MACHINE_DRIVER"] = env
            cache[row.command] = options(create, ctx)
        else:
            try:
                command = cli.get_command(root, row.command.split(",")[0])
            except ImportError:
                command = None
            cache[row.command] = (
                options(command, click.Context(command, info_name=row.command, parent=root, **command.context_settings))
                if command
                else None
            )
        return cache[row.command]

    return lookup


def shown_default(option: click.Option):
    default = option.default
    if default not in (None, (), [], False) and not callable(default) and "UNSET" not in repr(default):
        return ",".join(map(str, default)) if isinstance(default, (list, tuple)) else default
    shown = re.search(r"\[default: ([^\]]+)\]", " ".join((option.help or "").split()))
    return shown.group(1) if shown else None


def literal(default) -> str | None:
    """docker-machine's default as text, where it is a value a user would see (not Go code, not empty)."""
    if default is None or default is False or default in ("", []) or "(" in str(default):
        return None
    return ",".join(default) if isinstance(default, list) else str(default)


def flag_problems(row: Row, found: dict[str, click.Option], help_names: set[str]) -> list[str]:
    if row.names[0] == "--help":
        missing = [name for name in row.names if name not in help_names]
        return [f"{row}: no {missing} (help options: {sorted(help_names)})"] if missing else []
    option = found.get(row.names[0])
    if option is None:
        return [f"{row}: our command has no {row.names[0]}"]
    problems = []
    stated, env = expected_env(row)
    ours = option.envvar if isinstance(option.envvar, (list, tuple)) else [option.envvar] if option.envvar else []
    if env is not None and env not in ours:
        problems.append(f"{row}: reads {ours or 'no env var'}, not {env}")
    if stated and env is None and ours:
        problems.append(f"{row}: the row says no env var, ours reads {ours}")
    if row.status != "same":
        return problems
    missing = [name for name in row.names if found.get(name) is not option]
    if missing:
        problems.append(f"{row}: {missing} are not names of the same option")
    flag = inventory_flag(row)
    kind = {
        "bool": option.is_flag,
        "string-slice": option.multiple,
        "int": isinstance(option.type, click.types.IntParamType),
    }
    if flag["kind"] in kind and not kind[flag["kind"]]:
        problems.append(f"{row}: docker-machine's is a {flag['kind']} flag, ours is not")
    if flag["kind"] != "bool" and option.is_flag:
        problems.append(f"{row}: docker-machine's takes a value, ours is an on/off flag")
    theirs = literal(flag["default"])
    if theirs is not None and str(shown_default(option)) != theirs:
        problems.append(f"{row}: default {shown_default(option)!r}, docker-machine's {theirs!r}")
    return problems


def existence_problems(row: Row, tree) -> list[str]:
    if row.driver and not row.flag:
        from pulumi_docker_machine.cli.driverflags import DRIVERS

        return [] if row.driver in DRIVERS else [f"{row}: not one of our drivers {DRIVERS}"]
    looked_up = tree(row)
    if looked_up is None:
        return [] if row.command == "help, h" else [f"{row}: our CLI has no command {row.command!r}"]
    return flag_problems(row, *looked_up) if row.flag else []


def test_same_and_different_rows_exist_in_the_click_tree(tree):
    problems = [p for row in ROWS if row.status != "not supported" for p in existence_problems(row, tree)]
    assert not problems, "rows the CLI does not bear out:\n" + "\n".join(problems)


def test_no_op_rows_are_accepted(tree):
    problems = [p for row in ROWS if row.notes.startswith(NOOP) for p in existence_problems(row, tree)]
    assert not problems, "rows said to be accepted, not accepted:\n" + "\n".join(problems)


def installed(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([str(SCRIPT), *args], capture_output=True, text=True, timeout=60, env=env)


def installed_all(argvs: list[list[str]], env: dict) -> list[tuple[int, str, str]]:
    """Several runs of the installed script at once: (exit code, stdout, stderr) of each."""
    runs = [
        subprocess.Popen([str(SCRIPT), *argv], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
        for argv in argvs
    ]
    results = []
    for run in runs:
        out, err = run.communicate(timeout=60)
        results.append((run.returncode, out, err))
    return results


def _names(help_text: str) -> set[str]:
    found = set()
    for match in re.finditer(r"(?m)^\s{2,}(-[^\s,]+(?:, -[^\s,]+)*)", help_text):
        found.update(name.strip() for name in match.group(1).split(","))
    return found


def test_help_command(store_env):
    """codegangsta/cli's built-in ``help`` (alias ``h``): the command list, or one command's help."""
    row = next(row for row in ROWS if row.command == "help, h")
    if row.status == "not supported":
        return  # the refusal test runs it
    argvs = [["help"], ["h"], ["help", "ls"]]
    for argv, (code, out, err) in zip(argvs, installed_all(argvs, store_env), strict=True):
        assert code == 0, f"{' '.join(argv)}: {err}"
        assert ("create" if len(argv) == 1 else "--quiet") in out, out


def test_driver_flags_are_in_create_driver_help(store_env):
    """Each of our drivers' same/different flags through the installed script's ``create -d DRIVER --help``."""
    problems = []
    drivers = sorted({row.driver for row in ROWS if row.driver and row.status != "not supported"})
    helps = installed_all([["create", "-d", driver, "--help"] for driver in drivers], store_env)
    for driver, (code, out, err) in zip(drivers, helps, strict=True):
        if code != 0:
            problems.append(f"create -d {driver} --help: exit {code}: {err.strip()}")
            continue
        shown = _names(out)
        for row in ROWS:
            if row.driver == driver and row.flag and row.status != "not supported" and row.names[0] not in shown:
                problems.append(f"{row}: not in 'create -d {driver} --help'")
    assert not problems, "\n".join(problems)


def test_commands_and_global_flags_are_in_the_help(store_env):
    """The top-level ``--help`` of the installed script lists every same/different command and global flag."""
    result = installed("--help", env=store_env)
    assert result.returncode == 0, result.stderr
    commands = set(re.findall(r"(?m)^\s{2}([a-z][\w-]*)", result.stdout))
    flags = _names(result.stdout)
    problems = []
    for row in ROWS:
        if row.status == "not supported" or row.driver:
            continue
        if row.command == GLOBAL and row.names[0] not in flags:
            problems.append(f"{row}: not in 'docker-machine --help'")
        if not row.flag and row.command != GLOBAL and row.command.split(",")[0] not in commands:
            problems.append(f"{row}: not listed by 'docker-machine --help'")
    assert not problems, "\n".join(problems)


def test_our_additions_exist(tree):
    """The page's "Ours only" section names commands, flags and drivers the CLI has."""
    from pulumi_docker_machine.cli.app import cli
    from pulumi_docker_machine.cli.driverflags import DRIVERS

    section = TABLE.read_text().split("## Ours only", 1)[1]
    commands = re.search(r"- Commands: (.*?)(?=\n- )", section, re.S)
    assert commands, "the section lists our commands"
    named = re.findall(r"`([a-z][\w-]*)`", commands.group(1))
    root = click.Context(cli)
    missing = []
    for name in named:
        try:
            found = name in cli.list_commands(root) and cli.get_command(root, name) is not None
        except ImportError:
            found = False
        if not found:
            missing.append(name)
    assert named and not missing, f"commands named but not in the CLI: {missing}"
    drivers = re.findall(r"`([a-z0-9]+)` driver", section)
    assert drivers and not [name for name in drivers if name not in DRIVERS]
    flags = set(re.findall(r"`(--?[a-z0-9-]+)`", section)) - {"--help"}
    known = set()
    for command in [*cli.list_commands(root), *(f"create -d {driver}" for driver in DRIVERS)]:
        known |= set((tree(Row(command, "", "", "")) or ({}, set()))[0])
    assert flags and flags <= known, f"not options of our commands: {sorted(flags - known)}"


# ----- what the installed command refuses ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def store_root(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("compat") / "store"
    add_legacy_machine(root)
    return root


@pytest.fixture
def store_env(store_root, tmp_path, monkeypatch) -> dict:
    """A store whose only machine is TAKEN; no Pulumi CLI can be found or fetched (a lying row makes nothing)."""
    empty = tmp_path / "bin"
    empty.mkdir()
    env = {
        "MACHINE_STORAGE_PATH": str(store_root),
        "DOCKER_MACHINE_PULUMI_INSTALL": "never",
        "PATH": str(empty),
        "HOME": str(tmp_path),
        "DOCKER_CONFIG": str(tmp_path / "docker"),
    }
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    for key in ("MACHINE_DRIVER", "MACHINE_DEBUG", "PULUMI_BACKEND_URL"):
        monkeypatch.delenv(key, raising=False)
    return {**os.environ, **env}


def refusal_argv(row: Row) -> list[str]:
    """A command line using the row's flag (or command, or driver) that would otherwise reach TAKEN: the row's own
    "Example: `docker-machine ... NAME`" where it has one (a flag refused only beside others, or checked after the
    name: NEW), else one built here."""
    example = re.search(r"Example: `docker-machine ([^`]+)`", row.notes)
    if example:
        argv = [{"NAME": TAKEN, "NEW": NEW}.get(word, word) for word in shlex.split(example.group(1))]
        assert row.names[0] in argv, f"{row}: its example does not use it"
        if argv[0] == "create" and "-d" not in argv:
            argv[1:1] = ["-d", "none", "--url", "tcp://127.0.0.21:2376"]
        return argv
    if not row.flag:
        return ["create", "-d", row.driver, TAKEN] if row.driver else [row.command.split(",")[0]]
    kind = inventory_flag(row)["kind"]
    given = [row.names[0]] + ([] if kind == "bool" else ["1" if kind == "int" else "x"])
    if row.command == GLOBAL:
        return [*given, "ls"]
    if row.driver:
        return ["create", "-d", row.driver, *given, TAKEN]
    if row.command == "create":
        return ["create", "-d", "none", "--url", "tcp://127.0.0.21:2376", *given, TAKEN]
    return [row.command, *given, TAKEN]


def run_entry_point(argv: list[str], capsys, monkeypatch) -> tuple[int, str, str]:
    """The installed script's entry point (pyproject's docker-machine = pulumi_docker_machine.cli.fast:main)."""
    from pulumi_docker_machine.cli.fast import main

    monkeypatch.setattr(sys, "argv", ["docker-machine", *argv])
    environment = dict(os.environ)  # a global flag may set a variable for the automation side (--native-ssh)
    try:
        main()
        code = 0
    except SystemExit as exit_:
        code = exit_.code if isinstance(exit_.code, int) else 0 if exit_.code is None else 1
    finally:
        os.environ.clear()
        os.environ.update(environment)
    out, err = capsys.readouterr()
    return code, out, err


def refusal_problem(row: Row, code: int, out: str, err: str, before: list[str], root: Path) -> str | None:
    lines = [line for line in (out + err).splitlines() if line.strip()]
    named = [name.lstrip("-") for name in row.names] + [row.driver or row.command.split(",")[0]]
    after = sorted(p.name for p in (root / "machines").iterdir())
    if after != before:
        return f"{row}: the store changed: {before} -> {after}"
    if code != 1 or len(lines) != 1 or out.strip():
        return f"{row}: exit {code}, {len(lines)} lines: {(out + err).strip()[:300]!r}"
    if not any(name in lines[0] for name in named if name):
        return f"{row}: the refusal names neither of {named}: {lines[0]!r}"
    return None


def test_not_supported_rows_are_refused_in_one_line(store_env, store_root, capsys, monkeypatch):
    before = sorted(p.name for p in (store_root / "machines").iterdir())
    problems = []
    for row in ROWS:
        if row.status != "not supported" or row.notes.startswith(NOOP):
            continue
        problem = refusal_problem(row, *run_entry_point(refusal_argv(row), capsys, monkeypatch), before, store_root)
        if problem:
            problems.append(problem)
    assert not problems, "'not supported' rows not refused in one line with exit 1:\n" + "\n".join(problems)


def test_refusals_through_the_installed_script(store_env, store_root):
    """Two through the script itself (all of them ran in-process above): an unsupported driver, and the first
    refused flag of anything else."""
    before = sorted(p.name for p in (store_root / "machines").iterdir())
    refused = [row for row in ROWS if row.status == "not supported" and not row.notes.startswith(NOOP)]
    sample = [row for row in refused if not row.flag][:1]
    sample += [row for row in refused if row.flag and row.driver not in UNSUPPORTED_DRIVERS][:1]
    problems = []
    for row, result in zip(sample, installed_all([refusal_argv(row) for row in sample], store_env), strict=True):
        problem = refusal_problem(row, *result, before, store_root)
        if problem:
            problems.append(problem)
    assert not problems, "\n".join(problems)


def test_no_op_global_flags_change_nothing(store_env):
    """A global no-op flag, given with a value, leaves ``ls`` as it was."""
    rows = [row for row in ROWS if row.command == GLOBAL and row.notes.startswith(NOOP)]
    (code, plain, _), *results = installed_all(
        [["ls", "-q"]] + [[row.names[0], "x", "ls", "-q"] for row in rows], store_env
    )
    assert code == 0 and plain
    for row, (code, out, err) in zip(rows, results, strict=True):
        assert (code, out) == (0, plain), f"{row}: {err}"


# ----- the inventory's maker ----------------------------------------------------------------------------------


class FakeSource:
    """make_flag_inventory's Source over files in memory."""

    def __init__(self, files: dict[str, str]) -> None:
        self.files_ = files

    def read(self, path: str) -> str:
        return self.files_[path]

    def files(self, folder: str) -> list[str]:
        return [path for path in self.files_ if path.rsplit("/", 1)[0] == folder]


def test_inventory_maker_reads_go_flag_literals():
    """Flags, aliases, kinds, env vars and defaults resolved through constants, here and in another package."""
    sys.path.insert(0, str(FIXTURES))
    try:
        import make_flag_inventory as maker
    finally:
        sys.path.remove(str(FIXTURES))
    code = """package x

import (
	"github.com/docker/machine/libmachine/engine"
)

const (
	defaultSize = 16 // GB
	defaultName = "a,b" /* a comment { */
)

func (d *Driver) GetCreateFlags() []mcnflag.Flag {
	return []mcnflag.Flag{
		mcnflag.IntFlag{Name: "x-size", Usage: "Size {in GB}", Value: defaultSize, EnvVar: "X_SIZE"},
		mcnflag.StringSliceFlag{
			Name:  "x-names",
			Usage: fmt.Sprintf("Names (default %s)", defaultName),
			Value: []string{defaultName, "c"},
		},
		mcnflag.IntFlag{Name: "x-port", Value: engine.DefaultPort},
		mcnflag.BoolFlag{Name: "x-on, o", EnvVar: "X_ON"},
		mcnflag.StringFlag{Name: "x-path", Value: mcndirs.GetBaseDir()},
	}
}
"""
    source = FakeSource({"drivers/x/x.go": code, "libmachine/engine/engine.go": "const (\n\tDefaultPort = 2376\n)\n"})
    constants = maker.Constants(source)
    text = maker.strip_comments(code)
    flags = maker.flag_records(text[text.index("GetCreateFlags") :], "mcnflag", "drivers/x", constants)
    assert [(f["flag"], f["aliases"], f["kind"], f["env"], f["default"]) for f in flags] == [
        ("--x-size", [], "int", "X_SIZE", 16),
        ("--x-names", [], "string-slice", None, ["a,b", "c"]),
        ("--x-port", [], "int", None, 2376),
        ("--x-on", ["-o"], "bool", "X_ON", None),
        ("--x-path", [], "string", None, "mcndirs.GetBaseDir()"),
    ]
    assert flags[0]["usage"] == "Size {in GB}" and flags[1]["usage"] == "Names (default a,b)"

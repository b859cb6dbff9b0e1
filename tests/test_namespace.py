"""Every import name of this project is under ``pulumi_docker_machine`` (issue #21 §1).

- The wheel installs nothing at the top level of site-packages but ``pulumi_docker_machine/`` and its
  dist-info (read from the wheel's RECORD).
- No module of the repository imports the top-level names ``cli``, ``components`` or ``machines_stack``: in a
  checkout the repository's root is on sys.path (the editable install), so such an import would load a second
  copy of a module under another name, and in a user's project it would load the user's own package. Checked
  on the syntax tree of every .py file (imports; names given to import_module, __import__, find_spec,
  monkeypatch.setattr/delattr, mock.patch; ``-m NAME`` and ``-c CODE`` in argument lists), and by importing
  every module of the package, and every name each one exports, from a folder holding a ``cli/`` and a
  ``components/`` package of its own.
- ``import pulumi_docker_machine`` loads nothing but itself; its public names resolve on first use.
"""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import pytest

import pulumi_docker_machine
from pulumi_docker_machine import automation, components
from tests.wheelvenv import ROOT, session_wheel

TOP_LEVEL_NAMES = ("cli", "components", "machines_stack")
SCANNED = ("cli", "components", "pulumi_docker_machine", "stacks", "examples", "bench", "tests")
# Remakes a fixture by running on a checkout of c7a701e, the layout before the namespace: its imports are that layout's.
BEFORE_THE_NAMESPACE = {"tests/fixtures/prerename/make_fixture.py"}
# Calls whose first argument names a module (or, for the patchers, a module's attribute).
NAMING_CALLS = {
    "import_module",
    "__import__",
    "find_spec",
    "run_module",
    "importorskip",
    "setattr",
    "delattr",
    "patch",
    "patch.dict",
    "patch.multiple",
}


def _names_ours(module: str | None) -> bool:
    return module is not None and module.split(".")[0] in TOP_LEVEL_NAMES


def _dotted(node: ast.expr) -> str:
    """``mock.patch.dict`` for that attribute chain; '' for anything else."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        inner = _dotted(node.value)
        return f"{inner}.{node.attr}" if inner else node.attr
    return ""


def _string(node: ast.expr | None) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def _in_arguments(items: list[ast.expr], line: int) -> list[str]:
    """``-m NAME`` and ``-c CODE`` among a command's arguments (a list, a tuple, or a call's own)."""
    found = []
    for flag, value in zip(items, items[1:], strict=False):
        text = _string(value)
        if text is None:
            continue
        if _string(flag) == "-m" and _names_ours(text):
            found.append(f"{line}: -m {text}")
        elif _string(flag) == "-c":
            try:
                found += [f"{line}: -c {finding}" for finding in top_level_imports(text)]
            except SyntaxError:
                pass
    return found


def top_level_imports(source: str) -> list[str]:
    """Where ``source`` imports (or names for importing) one of TOP_LEVEL_NAMES: "LINE: what"."""
    found = []
    for node in ast.walk(ast.parse(source)):
        line = getattr(node, "lineno", 0)
        if isinstance(node, ast.Import):
            found += [f"{line}: import {alias.name}" for alias in node.names if _names_ours(alias.name)]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and _names_ours(node.module):
            found.append(f"{line}: from {node.module} import ...")
        elif isinstance(node, (ast.List, ast.Tuple)):
            found += _in_arguments(node.elts, line)
        elif isinstance(node, ast.Call):
            callee = _dotted(node.func)
            target = _string(node.args[0]) if node.args else None
            if any(callee == name or callee.endswith(f".{name}") for name in NAMING_CALLS) and _names_ours(target):
                found.append(f"{line}: {callee}({target!r})")
            found += _in_arguments(node.args, line)
    return found


def python_files() -> list[Path]:
    """Every .py file of the scanned folders; symlinked folders are not followed (pulumi_docker_machine/cli is
    cli/, scanned once as itself)."""
    files = sorted(ROOT.glob("*.py"))
    for folder in SCANNED:
        for parent, dirs, names in os.walk(ROOT / folder):
            dirs[:] = [d for d in dirs if d != "__pycache__"]
            files += [Path(parent) / name for name in names if name.endswith(".py")]
    return files


def test_the_wheel_installs_only_the_namespace(tmp_path_factory):
    with zipfile.ZipFile(session_wheel(tmp_path_factory)) as wheel:
        (record,) = [name for name in wheel.namelist() if name.endswith(".dist-info/RECORD")]
        listed = [line.split(",")[0] for line in wheel.read(record).decode().splitlines() if line]
        names = set(wheel.namelist())
    assert set(listed) == names, "RECORD lists the wheel's files"
    tops = {path.split("/")[0] for path in listed}
    assert tops == {"pulumi_docker_machine", record.split("/")[0]}, sorted(tops)
    # The folders linked into the package are in it, under its name.
    for inside in (
        "pulumi_docker_machine/__init__.py",
        "pulumi_docker_machine/cli/fast.py",
        "pulumi_docker_machine/components/machine.py",
        "pulumi_docker_machine/automation/machines.py",
        "pulumi_docker_machine/programs/declarative.py",
        "pulumi_docker_machine/store/__init__.py",
    ):
        assert inside in listed, f"{inside} missing from the wheel"


def test_no_module_imports_a_top_level_name_of_ours():
    files = python_files()
    relative = {path.relative_to(ROOT).as_posix() for path in files}
    for expected in (
        "cli/fast.py",
        "components/machine.py",
        "pulumi_docker_machine/__init__.py",
        "pulumi_docker_machine/automation/machines.py",
        "stacks/__main__.py",
        "examples/automation_app.py",
        "examples/app-program/__main__.py",
        "bench/cli_read.py",
        "tests/conftest.py",
        *BEFORE_THE_NAMESPACE,
    ):
        assert expected in relative, f"the scan missed {expected}"
    assert not any(
        name.startswith(("pulumi_docker_machine/cli/", "pulumi_docker_machine/components/")) for name in relative
    ), "the linked folders are scanned once, as cli/ and components/"
    found = [
        f"{path.relative_to(ROOT)}:{finding}"
        for path in files
        if path.relative_to(ROOT).as_posix() not in BEFORE_THE_NAMESPACE
        for finding in top_level_imports(path.read_text())
    ]
    assert not found, "import these through pulumi_docker_machine (or relatively):\n" + "\n".join(found)
    assert top_level_imports((ROOT / next(iter(BEFORE_THE_NAMESPACE))).read_text()), (
        "the pre-namespace fixture maker still imports the old names; drop it from BEFORE_THE_NAMESPACE"
    )


SCAN_CASES = {
    "import cli": 1,
    "import os, components.cert as cert": 1,
    "import machines_stack": 1,
    "from cli.store import Store": 1,
    "from components import DockerMachine": 1,
    "importlib.import_module('cli.fast')": 1,
    "import_module('components')": 1,
    "__import__('cli')": 1,
    "importlib.util.find_spec('components.machine')": 1,
    "monkeypatch.setattr('cli.operations.api.Store', object)": 1,
    "mock.patch('components.files.os')": 1,
    "patch('cli.app.cli')": 1,
    "mock.patch.dict('components.drivers.DRIVERS', {})": 1,
    "subprocess.run([sys.executable, '-m', 'cli.fast', 'ls'])": 1,
    "_run(python, '-c', 'import sys; from components import x')": 1,
    "subprocess.run((python, '-c', 'import components.cert, cli'))": 2,
    # Allowed: our namespace, relative imports, other packages whose names merely start alike, and attributes.
    "from pulumi_docker_machine import cli, components": 0,
    "from . import cli": 0,
    "from .components import x": 0,
    "import click, clickhouse, cli_helpers, componentsx": 0,
    "import_module(f'.{name}', __package__)": 0,
    "monkeypatch.setattr(module, 'cli', None)": 0,
    "setattr(components, 'x', 1)": 0,
    "subprocess.run([python, '-m', 'pulumi_docker_machine.cli.fast'])": 0,
    "print('cli.fast')": 0,
    "subprocess.run([python, '-c', 'import pulumi_docker_machine.cli'])": 0,
}


@pytest.mark.parametrize("source", sorted(SCAN_CASES))
def test_the_scan_finds_each_form(source):
    assert len(top_level_imports(source)) == SCAN_CASES[source], top_level_imports(source)


def hostile_folder(folder: Path) -> Path:
    """A folder with ``cli/`` and ``components/`` packages of its own, which fail loudly when imported."""
    for name in ("cli", "components"):
        (folder / name).mkdir(parents=True)
        (folder / name / "__init__.py").write_text(f"raise ImportError('the folder\\'s own {name} was imported')\n")
    return folder


THE_FOLDERS_OWN = "import cli"  # on purpose: the folder's own package (the scan above looks at "-c" literals only)
IMPORT_EVERYTHING = textwrap.dedent("""\
    import importlib, json, os, sys
    import pulumi_docker_machine.cli.fast
    fast = sys.modules["pulumi_docker_machine.cli.fast"].__file__
    # Every .py file (pkgutil would skip programs/, a namespace package), through the linked cli/ and components/.
    (package,) = pulumi_docker_machine.__path__
    modules = []
    for parent, dirs, files in os.walk(package, followlinks=True):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        relative = os.path.relpath(parent, package)
        prefix = "pulumi_docker_machine" + ("" if relative == "." else "." + relative.replace(os.sep, "."))
        modules += [prefix if f == "__init__.py" else f"{prefix}.{f[:-3]}" for f in sorted(files)
                    if f.endswith(".py") and f != "__main__.py"]
    exported = 0
    for name in modules:
        module = importlib.import_module(name)
        for attribute in getattr(module, "__all__", ()):
            getattr(module, attribute)
            exported += 1
    print(json.dumps({"fast": fast, "modules": modules, "exported": exported,
                      "top_level": sorted(m for m in sys.modules if m.split(".")[0] in ("cli", "components",
                                                                                       "machines_stack"))}))
""")


def test_the_dev_install_imports_ours_beside_a_users_packages(tmp_path):
    """``python -c`` puts the current folder first on sys.path, before the checkout the editable install adds."""
    folder = hostile_folder(tmp_path / "my-project")
    env = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
    mine = subprocess.run([sys.executable, "-c", THE_FOLDERS_OWN], cwd=folder, env=env, capture_output=True, text=True)
    assert "the folder's own cli was imported" in mine.stderr, "the folder's packages come first on this path"

    done = subprocess.run(
        [sys.executable, "-c", IMPORT_EVERYTHING], cwd=folder, env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    seen = json.loads(done.stdout)
    assert Path(seen["fast"]).resolve() == ROOT / "cli" / "fast.py"
    assert seen["top_level"] == []
    for module in (
        "pulumi_docker_machine.cli.fast",
        "pulumi_docker_machine.components.machine",
        "pulumi_docker_machine.automation.machines",
        "pulumi_docker_machine.programs.inline",
        "pulumi_docker_machine.components.drivers.qemu.provider",
    ):
        assert module in seen["modules"], f"{module} was not imported"
    assert seen["exported"] >= len(pulumi_docker_machine.__all__)


def test_importing_the_package_loads_nothing_else():
    probe = (
        "import sys; before = set(sys.modules); import pulumi_docker_machine as p; "
        "print(sorted(set(sys.modules) - before)); print(sorted(set(p.__all__) - set(dir(p))))"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["['pulumi_docker_machine']", "[]"], done.stdout


def test_the_public_api_is_the_components_and_the_automation_api():
    extras = {"DriverArgumentError", "write_client_certs"}
    assert set(pulumi_docker_machine.__all__) == {*components.__all__, *automation.__all__, *extras}
    for name in components.__all__:
        assert getattr(pulumi_docker_machine, name) is getattr(components, name), name
    for name in automation.__all__:
        assert getattr(pulumi_docker_machine, name) is getattr(automation, name), name
    from pulumi_docker_machine.components.drivers.base import DriverArgumentError
    from pulumi_docker_machine.components.files import write_client_certs

    assert pulumi_docker_machine.DriverArgumentError is DriverArgumentError
    assert pulumi_docker_machine.write_client_certs is write_client_certs
    with pytest.raises(AttributeError, match="has no attribute 'Nothing'"):
        pulumi_docker_machine.Nothing  # noqa: B018
    from pulumi_docker_machine import store  # a subpackage is not taken for a missing export

    assert store.__name__ == "pulumi_docker_machine.store"

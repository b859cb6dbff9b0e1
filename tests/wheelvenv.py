"""This project as a user gets it: a regular wheel, installed (not editable) into a virtualenv of its own.

The wheel is built offline from a copy of its sources (a build in the checkout would write build/
and the egg-info there, under the feet of other runs). The venv holds only the wheel; its dependencies
(pulumi, the providers' SDKs, ...) are reached through one ``.pth`` line naming this environment's
site-packages, which is appended to sys.path as a plain folder: the ``.pth`` files inside it (the
repository's editable install among them) are not processed, so ``pulumi_docker_machine`` comes from
the wheel. Installing the dependencies themselves into the new venv would take minutes.
"""

from __future__ import annotations

import fnmatch
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10: pip's own copy of tomli
    from pip._vendor import tomli as tomllib

ROOT = Path(__file__).resolve().parent.parent


def _run(*args: str, **kwargs) -> subprocess.CompletedProcess:
    done = subprocess.run(args, capture_output=True, text=True, **kwargs)
    assert done.returncode == 0, f"{' '.join(args)}:\n{done.stdout}{done.stderr}"
    return done


def wheel_sources() -> list[str]:
    """pyproject.toml, the readme and the top-level packages its ``packages.find`` includes."""
    settings = tomllib.loads((ROOT / "pyproject.toml").read_text())
    patterns = settings["tool"]["setuptools"]["packages"]["find"]["include"]
    packages = [
        path.name
        for path in ROOT.iterdir()
        if (path / "__init__.py").is_file() and any(fnmatch.fnmatch(path.name, p) for p in patterns)
    ]
    return ["pyproject.toml", settings["project"]["readme"], *sorted(packages)]


def build_wheel(folder: Path) -> Path:
    """``pip wheel --no-deps`` of a copy of the wheel's sources, offline (this venv's setuptools); its path."""
    source = folder / "source"
    source.mkdir()
    for name in wheel_sources():
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, source / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy(ROOT / name, source / name)
    _run(
        sys.executable,
        "-m",
        "pip",
        "wheel",
        "-q",
        "--no-deps",
        "--no-build-isolation",
        "--no-index",
        "-w",
        str(folder / "dist"),
        str(source),
    )
    (wheel,) = (folder / "dist").glob("pulumi_docker_machine-*.whl")
    return wheel


_BUILT: dict[Path, Path] = {}


def session_wheel(tmp_path_factory) -> Path:
    """The wheel built once per pytest process (keyed by its session's base folder): every module that only
    reads it shares one build."""
    base = tmp_path_factory.getbasetemp()
    if base not in _BUILT:
        _BUILT[base] = build_wheel(tmp_path_factory.mktemp("wheel"))
    return _BUILT[base]


def site_packages(python: Path) -> Path:
    return Path(_run(str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])").stdout.strip())


def wheel_venv(wheels: Path, requirements: Path, venv: Path) -> Path:
    """A venv at ``venv`` with ``requirements`` installed from the folder ``wheels`` (no index: nothing is
    downloaded), their dependencies reached through a .pth; returns its python."""
    _run(sys.executable, "-m", "venv", "--without-pip", str(venv))
    python = venv / "bin" / "python"
    _run(
        sys.executable,
        "-m",
        "pip",
        "--python",
        str(python),
        "install",
        "-q",
        "--no-deps",
        "--no-index",
        "--find-links",
        str(wheels),
        "-r",
        str(requirements),
    )
    ours = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    (site_packages(python) / "pulumi-docker-machine-deps.pth").write_text("".join(f"{p}\n" for p in sorted(ours)))
    return python

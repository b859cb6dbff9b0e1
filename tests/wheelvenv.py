"""This project as a user gets it: a regular wheel, installed (not editable) into a virtualenv of its own.

The wheel is built from a copy of the working tree (a build in the checkout would write build/ and
the egg-info there, under the feet of other runs). The venv holds only the wheel; its dependencies
(pulumi, the providers' SDKs, ...) are reached through one ``.pth`` line naming this environment's
site-packages, which is appended to sys.path as a plain folder: the ``.pth`` files inside it (the
repository's editable install among them) are not processed, so ``components`` and ``cli`` come from
the wheel. Installing the dependencies themselves into the new venv would take minutes.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NOT_SOURCE = shutil.ignore_patterns(".git", ".venv", ".engine", ".pytest_cache", "__pycache__", "*.egg-info",
                                    "build", "dist", "tests", "bench")


def _run(*args: str, **kwargs) -> subprocess.CompletedProcess:
    done = subprocess.run(args, capture_output=True, text=True, **kwargs)
    assert done.returncode == 0, f"{' '.join(args)}:\n{done.stdout}{done.stderr}"
    return done


def build_wheel(folder: Path) -> Path:
    """``pip wheel --no-deps`` of a copy of the working tree; returns the wheel's path."""
    source = folder / "source"
    shutil.copytree(ROOT, source, ignore=NOT_SOURCE, symlinks=True)
    _run(sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(folder / "dist"), str(source))
    (wheel,) = (folder / "dist").glob("pulumi_docker_machine-*.whl")
    return wheel


def site_packages(python: Path) -> Path:
    return Path(_run(str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])").stdout.strip())


def wheel_venv(wheel: Path, venv: Path) -> Path:
    """A venv at ``venv`` with ``wheel`` installed, its dependencies reached through a .pth; returns its python."""
    _run(sys.executable, "-m", "venv", "--without-pip", str(venv))
    python = venv / "bin" / "python"
    _run(sys.executable, "-m", "pip", "--python", str(python), "install", "-q", "--no-deps", "--no-index", str(wheel))
    ours = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    (site_packages(python) / "pulumi-docker-machine-deps.pth").write_text("".join(f"{p}\n" for p in sorted(ours)))
    return python

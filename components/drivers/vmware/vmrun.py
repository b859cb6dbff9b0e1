"""Finding and running VMware's ``vmrun`` (Workstation, Player, Fusion). Every call has a timeout; vmrun prints
its errors on stdout as ``Error: ...``, which becomes the exception's message. Arguments are a list (no shell);
each path is checked by the provider before it gets here."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from typing import Optional

PRODUCTS = ("ws", "fusion", "player")  # vmrun -T: Workstation, Fusion, Workstation Player
DEFAULT_TIMEOUT = 120
NOT_INSTALLED = (
    "vmrun is not installed (VMware Workstation, Player or Fusion): install one, put vmrun on PATH, "
    "or pick another --driver"
)


class VmrunError(RuntimeError):
    """vmrun failed, or is missing; the message is what it printed."""


def default_product() -> str:
    return "fusion" if sys.platform == "darwin" else "ws"


def candidate_paths() -> list[str]:
    found = [shutil.which("vmrun"), shutil.which("vmrun.exe")]
    found += [
        "/Applications/VMware Fusion.app/Contents/Library/vmrun",
        r"C:\Program Files (x86)\VMware\VMware Workstation\vmrun.exe",
        r"C:\Program Files\VMware\VMware Workstation\vmrun.exe",
        "/usr/bin/vmrun",
    ]
    return [p for p in found if p]


def locate() -> str:
    for path in candidate_paths():
        if os.path.isfile(path) and os.access(path, os.X_OK):
            return path
    raise VmrunError(NOT_INSTALLED)


class Vmrun:
    """One vmrun binary for one product (-T). Holds only its path, so a provider can make one per call."""

    def __init__(self, product: str, path: Optional[str] = None) -> None:
        if product not in PRODUCTS:
            raise VmrunError(f"VMware product {product!r} is not one of {', '.join(PRODUCTS)}")
        self.product = product
        self.path = path or locate()

    def run(self, command: str, *args: str, timeout: float = DEFAULT_TIMEOUT) -> str:
        try:
            result = subprocess.run(
                [self.path, "-T", self.product, command, *args],
                capture_output=True,
                text=True,
                timeout=timeout,
                stdin=subprocess.DEVNULL,
            )
        except subprocess.TimeoutExpired:
            raise VmrunError(f"vmrun {command} did not finish within {timeout:.0f}s") from None
        except OSError as err:
            raise VmrunError(f"{NOT_INSTALLED} ({err.strerror}: {self.path})") from None
        if result.returncode != 0 or result.stdout.startswith("Error:"):
            message = (result.stdout.strip() or result.stderr.strip() or f"exit {result.returncode}").splitlines()[0]
            raise VmrunError(f"vmrun {command} failed: {message}")
        return result.stdout

    def running(self) -> list[str]:
        """The .vmx paths of the running VMs (``vmrun list``: a count line, then one path a line)."""
        return [line.strip() for line in self.run("list").splitlines()[1:] if line.strip()]

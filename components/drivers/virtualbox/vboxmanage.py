"""Finding and running VBoxManage: every call has a timeout, and its stderr goes into the error."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Optional

MIN_VERSION = (6, 1)
HOSTONLY_RANGE_CHECK_VERSION = (6, 1, 28)  # from here on, host-only ranges are restricted
DEFAULT_TIMEOUT = 120
NOT_INSTALLED = "VirtualBox is not installed; install it or pick another --driver"


class VBoxManageError(RuntimeError):
    """VBoxManage failed, or is missing; the message says what it printed."""


class VMNotFound(VBoxManageError):
    """The VM is not registered (deleted outside Pulumi, or never made)."""


def candidate_paths() -> list[str]:
    """Where VBoxManage lives: PATH first, then the installers' usual folders."""
    found = [shutil.which("VBoxManage"), shutil.which("VBoxManage.exe")]
    for variable in ("VBOX_MSI_INSTALL_PATH", "VBOX_INSTALL_PATH"):
        folder = os.environ.get(variable)
        if folder:
            found += [os.path.join(folder, "VBoxManage.exe"), os.path.join(folder, "VBoxManage")]
    found += [
        r"C:\Program Files\Oracle\VirtualBox\VBoxManage.exe",
        "/Applications/VirtualBox.app/Contents/MacOS/VBoxManage",
        "/usr/local/bin/VBoxManage",
        "/usr/bin/VBoxManage",
    ]
    return [p for p in found if p]


def locate() -> str:
    for path in candidate_paths():
        if os.path.isfile(path) and os.access(path, os.X_OK):
            return path
    raise VBoxManageError(NOT_INSTALLED)


def parse_version(text: str) -> tuple[int, ...]:
    """``7.0.14r161095`` (or ``6.1.50_Ubuntur161033``) -> (7, 0, 14)."""
    match = re.match(r"^\s*(\d+)\.(\d+)\.(\d+)", text)
    if not match:
        raise VBoxManageError(f"could not read the VirtualBox version from {text.strip()!r}")
    return tuple(int(part) for part in match.groups())


class VBoxManage:
    """One VBoxManage binary. Holds only its path, so a provider can make one per call."""

    def __init__(self, path: Optional[str] = None) -> None:
        self.path = path or locate()

    def run(self, *args: str, timeout: float = DEFAULT_TIMEOUT) -> str:
        try:
            result = subprocess.run(
                [self.path, *args], capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL
            )
        except subprocess.TimeoutExpired:
            raise VBoxManageError(f"VBoxManage {args[0]} did not finish within {timeout:.0f}s") from None
        except OSError as err:
            raise VBoxManageError(f"{NOT_INSTALLED} ({err.strerror}: {self.path})") from None
        if result.returncode != 0:
            message = (result.stderr or result.stdout).strip()
            if "Could not find a registered machine" in message:
                raise VMNotFound(message)
            raise VBoxManageError(f"VBoxManage {' '.join(args[:2])} failed: {message}")
        return result.stdout

    def version(self) -> tuple[int, ...]:
        version = parse_version(self.run("--version", timeout=30))
        if version[:2] < MIN_VERSION:
            found = ".".join(map(str, version))
            raise VBoxManageError(f"VirtualBox {found} is too old: install 6.1 or newer, or pick another --driver")
        return version

    def vm_info(self, vm: str) -> dict[str, str]:
        """``showvminfo --machinereadable`` as a dict; VMNotFound when the VM is gone."""
        return parse_machinereadable(self.run("showvminfo", vm, "--machinereadable"))

    def hostonly_interfaces(self) -> list[dict[str, str]]:
        return parse_blocks(self.run("list", "hostonlyifs"))


def parse_machinereadable(text: str) -> dict[str, str]:
    info: dict[str, str] = {}
    for line in text.splitlines():
        key, sep, value = line.partition("=")
        if not sep:
            continue
        info[key.strip().strip('"')] = value.strip().strip('"')
    return info


def parse_blocks(text: str) -> list[dict[str, str]]:
    """``list`` output: blank-line separated blocks of ``Key:   value`` lines."""
    blocks: list[dict[str, str]] = []
    current: dict[str, str] = {}
    for line in text.splitlines():
        if not line.strip():
            if current:
                blocks.append(current)
                current = {}
            continue
        key, _, value = line.partition(":")
        current[key.strip()] = value.strip()
    if current:
        blocks.append(current)
    return blocks


def networks_conf_ranges(path: Path = Path("/etc/vbox/networks.conf")) -> Optional[list[str]]:
    """The host-only ranges ``/etc/vbox/networks.conf`` allows (``* 10.0.0.0/8 ...`` lines), None without it."""
    try:
        text = path.read_text()
    except OSError:
        return None
    ranges: list[str] = []
    for line in text.splitlines():
        words = line.split()
        if words and words[0] == "*":
            ranges += words[1:]
    return ranges

"""The Pulumi CLI's version, checked once per binary rather than once per command.

``PulumiCommand()`` runs ``pulumi version`` every time it is made (a Go start: ~0.2 s of CPU, a
sixth of a create's ``pulumi`` processes). Here the version the SDK accepted is remembered against
the binary's identity (real path, inode, size, modification time); a command whose binary is the
same one gets a ``PulumiCommand`` with that version and runs nothing. Any change to the binary, or a
remembered entry that does not parse, means a real check again. The file is a cache, not trusted:
only a version string is read from it, and only for the binary it names.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Optional

from pulumi_docker_machine.components.files import write_public

CACHE_FILE = "pulumi-cli-version.json"


def binary_identity(command: str) -> Optional[str]:
    """``realpath:inode:size:mtime_ns`` of the executable ``command`` names (a path, or a name on PATH)."""
    found = command if os.path.isabs(command) else shutil.which(command)
    if not found:
        return None
    real = os.path.realpath(found)
    try:
        stat = os.stat(real)
    except OSError:
        return None
    return f"{real}:{stat.st_ino}:{stat.st_size}:{stat.st_mtime_ns}"


def _remembered(cache: Path, identity: str) -> Optional[str]:
    try:
        entry = json.loads(cache.read_text())
    except (OSError, ValueError):
        return None
    if not isinstance(entry, dict) or entry.get("binary") != identity or not isinstance(entry.get("version"), str):
        return None
    return entry["version"]


def pulumi_command(cache: Path, root: Optional[str] = None):
    """A ``PulumiCommand`` for ``root``'s CLI (or the one on PATH), its version check made once per binary."""
    from pulumi.automation import PulumiCommand
    from pulumi.automation._cmd import _MINIMUM_VERSION
    from semver import VersionInfo

    name = os.path.join(root, "bin", "pulumi") if root else "pulumi"
    identity = binary_identity(name)
    version = _remembered(cache, identity) if identity else None
    if version is not None:
        try:
            parsed = VersionInfo.parse(version)
        except ValueError:
            parsed = None
        if parsed is not None and parsed.compare(_MINIMUM_VERSION) >= 0:
            command = PulumiCommand.__new__(PulumiCommand)
            command.command, command.version = name, parsed
            return command
    command = PulumiCommand(root=root)  # runs `pulumi version` and refuses a CLI older than the SDK's minimum
    if identity and command.version is not None and binary_identity(name) == identity:
        try:
            write_public(cache, json.dumps({"binary": identity, "version": str(command.version)}))
        except OSError:
            pass  # a read-only store still works, checking every time
    return command

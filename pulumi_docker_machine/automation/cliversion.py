"""The Pulumi CLI's version, checked once per binary per user rather than once per command or per store.

``PulumiCommand()`` runs ``pulumi version`` every time it is made (a Go start: ~0.25 s of CPU, a
sixth of a create's ``pulumi`` processes). Here the version the SDK accepted is remembered against
the binary's identity (real path, inode, size, modification time) in the user's cache
(``$XDG_CACHE_HOME`` or ``~/.cache``, ``pulumi-docker-machine/pulumi-cli-version.json``), or in the
store's file when that folder cannot be written; a command whose binary is the same one gets a
``PulumiCommand`` with that version and runs nothing. Any change to the binary, or a remembered entry
that does not parse, means a real check again. The file is a cache, not trusted: only a version
string is read from it, and only for the binary it names.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Optional

from pulumi_docker_machine.components.files import ensure_dir, write_public

CACHE_FILE = "pulumi-cli-version.json"
CACHE_FOLDER = "pulumi-docker-machine"  # beside the engine and image caches of make engine and the qemu tests
KEPT = 8  # binaries remembered (a user may have several: on PATH, in a store, a checkout's .engine)


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


def cache_file(fallback: Path) -> Path:
    """The user's cache file when its folder can be made and written (XDG: a relative $XDG_CACHE_HOME is
    ignored), else ``fallback`` (the store's)."""
    base = os.environ.get("XDG_CACHE_HOME", "")
    if not os.path.isabs(base):
        base = os.path.join(os.path.expanduser("~"), ".cache")
    if not os.path.isabs(base):  # no home to expand ~ with
        return fallback
    folder = Path(base) / CACHE_FOLDER
    try:
        ensure_dir(folder)
    except OSError:
        return fallback
    return folder / CACHE_FILE if os.access(folder, os.W_OK | os.X_OK) else fallback


def _entries(cache: Path) -> dict[str, str]:
    try:
        entries = json.loads(cache.read_text())
    except (OSError, ValueError):
        return {}
    if not isinstance(entries, dict):
        return {}
    return {key: value for key, value in entries.items() if isinstance(key, str) and isinstance(value, str)}


def _remember(cache: Path, identity: str, version: str) -> None:
    entries = _entries(cache)
    entries.pop(identity, None)
    entries[identity] = version  # last: the most recent, kept when older ones are dropped
    try:
        write_public(cache, json.dumps(dict(list(entries.items())[-KEPT:])))
    except OSError:
        pass  # a read-only cache still works, checking every time


def pulumi_command(fallback: Path, root: Optional[str] = None):
    """A ``PulumiCommand`` for ``root``'s CLI (or the one on PATH), its version check made once per binary;
    ``fallback``: the store's cache file, for a user whose own cache folder cannot be written."""
    from pulumi.automation import PulumiCommand
    from pulumi.automation._cmd import _MINIMUM_VERSION
    from semver import VersionInfo

    name = os.path.join(root, "bin", "pulumi") if root else "pulumi"
    identity = binary_identity(name)
    cache = cache_file(fallback)
    version = _entries(cache).get(identity) if identity else None
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
        _remember(cache, identity, str(command.version))
    return command

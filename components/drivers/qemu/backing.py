"""A base image's backing chain, checked before any VM uses it (the class of Lima's CVE-2023-32684: a
qcow2 header naming a host file as its backing or data file exposes that file to the guest).

``qemu-img info --output=json --backing-chain`` lists the whole chain. The base image itself may be
anywhere (a cached download, or a local file the user named); every backing file below it must be
inside the store's cache, and no image of the chain may have an external data file. The chain found
is then given to QEMU explicitly (overlays: ``-F``; the VM: ``-blockdev`` with each layer's file
and format and ``backing: null`` at the bottom), so QEMU never follows a header it was not told about.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

from .launch import QEMU_IMG, QemuError

FORMATS = ("qcow2", "raw")
INFO_TIMEOUT = 60


def _inside(path: Path, folder: Path) -> bool:
    try:
        return path.resolve().is_relative_to(folder.resolve())
    except (OSError, RuntimeError):
        return False


def image_info(path: Path, fmt: str | None = "qcow2") -> list[dict[str, Any]]:
    """``qemu-img info --output=json --backing-chain`` of ``path`` (``-U``: a running VM may hold it)."""
    args = [QEMU_IMG, "info", "-U", "--output=json", "--backing-chain", *(["-f", fmt] if fmt else []), str(path)]
    try:
        done = subprocess.run(args, capture_output=True, text=True, timeout=INFO_TIMEOUT)
    except (OSError, subprocess.TimeoutExpired) as err:
        raise QemuError(f"qemu-img info {path} failed: {err}") from None
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["qemu-img failed"])[-1]
        raise QemuError(f"image {path} cannot be used: {last}")
    try:
        chain = json.loads(done.stdout)
    except ValueError:
        raise QemuError(f"qemu-img info {path}: unreadable answer") from None
    if isinstance(chain, dict):
        chain = [chain]
    if not isinstance(chain, list) or not chain or not all(isinstance(layer, dict) for layer in chain):
        raise QemuError(f"qemu-img info {path}: unreadable answer")
    return chain


def checked_chain(base: Path, cache_dir: Path) -> list[dict[str, str]]:
    """The base image's chain, top first, as ``[{"path": ..., "format": ...}, ...]``; a QemuError naming
    the problem when the base is not a qcow2 image, when a backing file lies outside the cache
    (or is not a plain file path), or when an image has an external data file."""
    base = Path(os.path.abspath(base))
    layers = image_info(base)
    chain: list[dict[str, str]] = []
    expected, expected_format = str(base), "qcow2"
    for depth, layer in enumerate(layers):
        name = layer.get("filename")
        fmt = layer.get("format")
        if name != expected or fmt != expected_format or fmt not in FORMATS:
            raise QemuError(
                f"image {base}: layer {depth} is {name!r} ({fmt}), not {expected} ({expected_format}); "
                "give a qcow2 image without a backing file"
            )
        data = (layer.get("format-specific") or {}).get("data") or {}
        if isinstance(data, dict) and data.get("data-file"):
            raise QemuError(
                f"image {base}: {name} keeps its data in another file ({data['data-file']}); "
                "give a qcow2 image without an external data file"
            )
        chain.append({"path": str(Path(name).resolve()), "format": fmt})
        backing = layer.get("full-backing-filename") or layer.get("backing-filename")
        if not backing:
            if depth != len(layers) - 1:
                raise QemuError(f"image {base}: qemu-img listed layers below {name}, which names no backing file")
            return chain
        backing_format = layer.get("backing-filename-format")
        if (
            not isinstance(backing, str)
            or not backing.startswith("/")
            or "\0" in backing
            or not _inside(Path(backing), cache_dir)
        ):
            raise QemuError(
                f"image {base}: its backing file {backing!r} is outside the image cache "
                f"{cache_dir}; give a qcow2 image without a backing file"
            )
        if backing_format not in FORMATS:
            raise QemuError(
                f"image {base}: its backing file {backing} has no explicit format (qcow2 or raw); "
                "give a qcow2 image without a backing file"
            )
        expected, expected_format = backing, backing_format
    raise QemuError(f"image {base}: the backing chain of {expected} could not be read")


def blockdev(overlay: Path, chain: list[dict[str, str]], node_name: str = "disk0") -> str:
    """The ``-blockdev`` JSON for the machine's overlay on ``chain``: every layer's file and format given,
    ``backing: null`` below the last (JSON: no option-string escaping of commas in paths)."""
    below: Any = None
    for layer in reversed(chain):
        node: dict[str, Any] = {
            "driver": layer["format"],
            "read-only": True,
            "file": {"driver": "file", "filename": layer["path"]},
        }
        if layer["format"] == "qcow2":
            node["backing"] = below
        below = node
    top = {
        "node-name": node_name,
        "driver": "qcow2",
        "file": {"driver": "file", "filename": str(overlay)},
        "backing": below,
    }
    return json.dumps(top, separators=(",", ":"))


def valid_chain(value: Any) -> bool:
    """A recorded chain (from the stack's state: untrusted) of the shape checked_chain returns."""
    return (
        isinstance(value, list)
        and bool(value)
        and all(
            isinstance(layer, dict)
            and isinstance(layer.get("path"), str)
            and layer["path"].startswith("/")
            and "\0" not in layer["path"]
            and layer.get("format") in FORMATS
            for layer in value
        )
    )

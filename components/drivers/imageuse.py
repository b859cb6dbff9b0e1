"""Which cached base images the store's machines use, read from the machines' own disks (a qcow2
overlay's backing file, a VirtualBox machine's attached media), never from cache file names; and
pruning the cache down to those.

Every file a machine folder holds is looked at (two levels deep, the depth of VirtualBox's
``machines/NAME/NAME/NAME.vbox``): a qcow2 file's header names its backing file, a ``.vbox`` file's
``location`` attributes name its media. A cached qcow2 used by a machine keeps its own backing file
(in the cache) in use too.
"""

from __future__ import annotations

import html
import os
import re
import struct
from dataclasses import dataclass, field
from pathlib import Path

from .imagecache import TEMP_PREFIX, URL_POINTER_PREFIX, cache_exclusive, digest_in_name

QCOW2_MAGIC = b"QFI\xfb"
MAX_VBOX_BYTES = 4 << 20
_LOCATION = re.compile(rb'\blocation="([^"]{1,4096})"')


@dataclass
class CacheEntry:
    path: Path
    size: int
    used_by: list[str] = field(default_factory=list)


def qcow2_backing(path: Path) -> Path | None:
    """The backing file a qcow2 header names (relative names are relative to the image's folder), or None."""
    try:
        with open(path, "rb") as handle:
            header = handle.read(20)
            if len(header) < 20 or header[:4] != QCOW2_MAGIC:
                return None
            offset, size = struct.unpack(">QI", header[8:20])
            if not offset or not 0 < size <= 1023:
                return None
            handle.seek(offset)
            name = handle.read(size)
    except OSError:
        return None
    text = os.fsdecode(name)
    if "\0" in text or not text:
        return None
    return Path(os.path.normpath(os.path.join(path.parent, text)))


def vbox_media(path: Path) -> list[Path]:
    """The media a VirtualBox machine file attaches (``location`` attributes), made absolute."""
    try:
        with open(path, "rb") as handle:
            data = handle.read(MAX_VBOX_BYTES)
    except OSError:
        return []
    found = []
    for raw in _LOCATION.findall(data):
        text = html.unescape(os.fsdecode(raw))
        if "\0" not in text:
            found.append(Path(os.path.normpath(os.path.join(path.parent, text))))
    return found


def vhdx_parent(path: Path) -> Path | None:
    """The parent a differencing VHDX names (a Hyper-V machine's disk), or None."""
    from .vhdx import parent_path

    parent = parent_path(str(path))
    return Path(parent) if parent else None


def _machine_files(machines: Path):
    """(machine name, file) for every regular file up to two levels inside each machine folder; no links followed."""
    try:
        folders = [entry for entry in os.scandir(machines) if entry.is_dir(follow_symlinks=False)]
    except OSError:
        return
    for folder in folders:
        pending = [(Path(folder.path), 0)]
        while pending:
            current, depth = pending.pop()
            try:
                entries = list(os.scandir(current))
            except OSError:
                continue
            for entry in entries:
                if entry.is_file(follow_symlinks=False):
                    yield folder.name, Path(entry.path)
                elif entry.is_dir(follow_symlinks=False) and depth < 1:
                    pending.append((Path(entry.path), depth + 1))


def _same(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


def cache_entries(store_root: Path) -> list[CacheEntry]:
    """The cache's images, each with the machines that use it (read from their disks and VM files)."""
    cache_dir = Path(store_root) / "cache"
    try:
        files = sorted(
            (
                Path(e.path)
                for e in os.scandir(cache_dir)
                if e.is_file(follow_symlinks=False) and not e.name.startswith(".")
            ),
            key=lambda p: p.name,
        )
    except OSError:
        return []
    entries = {path: CacheEntry(path, path.stat().st_size) for path in files}

    def entry_of(target: Path) -> CacheEntry | None:
        if target in entries:
            return entries[target]
        return next((entry for path, entry in entries.items() if _same(path, target)), None)

    for machine, path in _machine_files(Path(store_root) / "machines"):
        targets: list[Path | None] = (
            [*vbox_media(path)]
            if path.suffix == ".vbox"
            else [vhdx_parent(path)]
            if path.suffix == ".vhdx"
            else [qcow2_backing(path)]
        )
        seen: set[Path] = set()
        while targets:
            target = targets.pop()
            entry = entry_of(target) if target is not None else None
            if entry is None or entry.path in seen:
                continue
            seen.add(entry.path)
            if machine not in entry.used_by:
                entry.used_by.append(machine)
            targets.append(qcow2_backing(entry.path))  # a cached image's own backing file, in the cache
    return list(entries.values())


def prune(store_root: Path, dry_run: bool = False) -> tuple[list[CacheEntry], list[CacheEntry]]:
    """Remove the cached images no machine uses (and leftovers of downloads that did not finish);
    returns (removed, kept). Waits for fetches and overlay creations in progress to end."""
    cache_dir = Path(store_root) / "cache"
    if not cache_dir.is_dir():
        return [], []
    with cache_exclusive(cache_dir):
        entries = cache_entries(store_root)
        removed = [entry for entry in entries if not entry.used_by]
        if not dry_run:
            for entry in removed:
                entry.path.unlink(missing_ok=True)
            _tidy(cache_dir)
    return removed, [entry for entry in entries if entry.used_by]


def _tidy(cache_dir: Path) -> None:
    """Leftovers no fetch is using (prune holds the cache exclusively): temporary downloads, the old
    layout's ``.part`` files, and URL pointers whose image is gone."""
    for entry in os.scandir(cache_dir):
        if not entry.is_file(follow_symlinks=False):
            continue
        path = Path(entry.path)
        if entry.name.startswith(TEMP_PREFIX) or entry.name.endswith(".part"):
            path.unlink(missing_ok=True)
        elif entry.name.startswith(URL_POINTER_PREFIX):
            try:
                digest = path.read_text(errors="replace").strip()[:64]
            except OSError:
                continue
            if not any(digest_in_name(other.name) == digest for other in cache_dir.iterdir()):
                path.unlink(missing_ok=True)

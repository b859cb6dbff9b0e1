"""The parent a differencing VHDX names (MS-VHDX 2.0: region table, metadata region, parent locator), so the image
cache can tell that a machine's disk uses a cached base image (imageuse.py reads qcow2 backing files beside it)."""

from __future__ import annotations

import struct
import uuid
from typing import Optional

SIGNATURE = b"vhdxfile"
REGION_TABLES = (192 << 10, 256 << 10)
METADATA_REGION = uuid.UUID("8B7CA206-4790-4B9A-B8FE-575F050F886E")
PARENT_LOCATOR = uuid.UUID("A8D35F2D-B30B-454D-ABF7-D3D84834AB0C")
VHDX_PARENT_LOCATOR_TYPE = uuid.UUID("B04AEFB7-D19E-4A81-B789-25B8E9445913")
MAX_METADATA = 1 << 20


def parent_locator(path: str) -> dict[str, str]:
    """The parent locator's entries (``absolute_win32_path``, ``relative_path``...), {} for a disk without one or a
    file that is not a VHDX (read as untrusted: every offset is checked against what was read)."""
    try:
        with open(path, "rb") as handle:
            if handle.read(8) != SIGNATURE:
                return {}
            region = _metadata_region(handle)
            if region is None:
                return {}
            offset, length = region
            handle.seek(offset)
            metadata = handle.read(min(length, MAX_METADATA))
    except OSError:
        return {}
    if metadata[:8] != b"metadata" or len(metadata) < 32:
        return {}
    (count,) = struct.unpack_from("<H", metadata, 10)
    for index in range(min(count, 2047)):
        start = 32 + 32 * index
        if start + 32 > len(metadata):
            return {}
        item = uuid.UUID(bytes_le=metadata[start : start + 16])
        item_offset, item_length = struct.unpack_from("<II", metadata, start + 16)
        if item == PARENT_LOCATOR:
            return _entries(metadata[item_offset : item_offset + item_length])
    return {}


def parent_path(path: str) -> Optional[str]:
    """The parent's absolute path (``absolute_win32_path``, which Hyper-V tries first); None when the disk names none."""
    return parent_locator(path).get("absolute_win32_path") or None


def _metadata_region(handle) -> Optional[tuple[int, int]]:
    for table in REGION_TABLES:
        handle.seek(table)
        header = handle.read(16 + 32 * 64)
        if header[:4] != b"regi" or len(header) < 16:
            continue
        (count,) = struct.unpack_from("<I", header, 8)
        for index in range(min(count, 64)):
            start = 16 + 32 * index
            if start + 32 > len(header):
                break
            guid = uuid.UUID(bytes_le=header[start : start + 16])
            offset, length = struct.unpack_from("<QI", header, start + 16)
            if guid == METADATA_REGION:
                return offset, length
    return None


def _entries(locator: bytes) -> dict[str, str]:
    if len(locator) < 20 or uuid.UUID(bytes_le=locator[:16]) != VHDX_PARENT_LOCATOR_TYPE:
        return {}
    (count,) = struct.unpack_from("<H", locator, 18)
    found = {}
    for index in range(count):
        start = 20 + 12 * index
        if start + 12 > len(locator):
            break
        key_offset, value_offset, key_length, value_length = struct.unpack_from("<IIHH", locator, start)
        key, value = locator[key_offset : key_offset + key_length], locator[value_offset : value_offset + value_length]
        if len(key) != key_length or len(value) != value_length:
            continue
        try:
            found[key.decode("utf-16-le")] = value.decode("utf-16-le")
        except UnicodeDecodeError:
            continue
    return found

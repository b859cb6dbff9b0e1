"""A machine's SSH host keys: what its provisioning reports, checked as the untrusted text it is.

The provisioning script (components/provision/provision.sh) ends its output with the public host keys
of the sshd that serves its connection, between two marker lines. Each key is kept as ``TYPE BASE64``
only when its type is one of a fixed list and its blob decodes to a key of that same type; anything
else is dropped. The result is public data (what any client sees on connecting), never secret.
"""

from __future__ import annotations

import base64
import binascii
import re
from typing import Any, Optional

HOST_KEYS_BEGIN = "-----BEGIN DOCKER-MACHINE SSH HOST KEYS-----"
HOST_KEYS_END = "-----END DOCKER-MACHINE SSH HOST KEYS-----"
# Preferred first: the one a provisioning connection pins (pulumi-command takes one key) is the first present.
HOST_KEY_TYPES = ("ssh-ed25519", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521", "ssh-rsa")
MAX_KEYS = len(HOST_KEY_TYPES)
_BLOB = re.compile(r"[A-Za-z0-9+/]{20,4096}={0,2}")


def parse_host_key(text: Any) -> Optional[str]:
    """``TYPE BASE64`` when ``text`` is exactly one public host key of a known type, else None."""
    if not isinstance(text, str):
        return None
    fields = text.split(" ")
    if len(fields) != 2 or fields[0] not in HOST_KEY_TYPES or not _BLOB.fullmatch(fields[1]):
        return None
    try:
        blob = base64.b64decode(fields[1], validate=True)
    except (binascii.Error, ValueError):
        return None
    # The wire format starts with the type as an SSH string: uint32 length, then the name.
    length = int.from_bytes(blob[:4], "big") if len(blob) >= 4 else -1
    if length != len(fields[0]) or blob[4 : 4 + length] != fields[0].encode() or len(blob) <= 4 + length:
        return None
    return text


def host_keys_problem(value: Any) -> Optional[str]:
    """Why ``value`` (an ``ssh_host_keys`` output from a stack: untrusted) is not a list of host keys."""
    if value is None:
        return None
    if not isinstance(value, list) or len(value) > MAX_KEYS:
        return f"is not a list of at most {MAX_KEYS} SSH host keys"
    for item in value:
        if parse_host_key(item) is None:
            return (
                f"holds {str(item)[:60]!r}, which is not an SSH host key (TYPE BASE64, of {', '.join(HOST_KEY_TYPES)})"
            )
    return None


def ordered(keys: list[str]) -> list[str]:
    """Valid keys, one per type, in HOST_KEY_TYPES' order."""
    by_type: dict[str, str] = {}
    for key in keys:
        parsed = parse_host_key(key)
        if parsed is not None:
            by_type.setdefault(parsed.split(" ")[0], parsed)
    return [by_type[kind] for kind in HOST_KEY_TYPES if kind in by_type]


def host_keys_from_output(stdout: Any) -> list[str]:
    """The host keys in the provisioning's output (its last block; lines that are no key are dropped)."""
    if not isinstance(stdout, str):
        return []
    lines = stdout.splitlines()
    ends = [i for i, line in enumerate(lines) if line == HOST_KEYS_END]
    begins = [i for i, line in enumerate(lines[: ends[-1]]) if line == HOST_KEYS_BEGIN] if ends else []
    if not begins:
        return []
    return ordered([" ".join(line.split()[:2]) for line in lines[begins[-1] + 1 : ends[-1]]])


def preferred(keys: list[str]) -> Optional[str]:
    """The key a provisioning connection pins: ed25519 first, then ECDSA, then RSA."""
    found = ordered(keys)
    return found[0] if found else None

"""docker-machine's rule for machine names, and where its machine store lives."""

from __future__ import annotations

import os
import re
from pathlib import Path

DEFAULT_ENGINE_PORT = 2376  # docker-machine's TLS port for the engine

# docker-machine's rule (Go's $ is the end of the text: always fullmatch, never match(...$)).
MACHINE_NAME = re.compile(r"[a-zA-Z0-9][a-zA-Z0-9\-\.]*")
MAX_NAME_LENGTH = 63  # the machine's name is its VM's host name: one DNS label at most
INVALID_NAME = "Invalid hostname specified. Allowed hostname chars are: 0-9a-zA-Z . -"
NAME_TOO_LONG = f"Invalid hostname specified: at most {MAX_NAME_LENGTH} characters"
# A login name (useradd's rule) and a DNS host name: what may stand for an SSH user and host.
USER_NAME = re.compile(r"[a-z_][a-z0-9_.-]{0,31}\$?")
SCOPE_ID = re.compile(r"[A-Za-z0-9_.-]{1,64}")
HOST_NAME = re.compile(r"[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*")


def name_problem(name: object) -> str | None:
    """None for a good machine name; else docker-machine's message (or ours, for a name too long)."""
    if not isinstance(name, str) or MACHINE_NAME.fullmatch(name) is None:
        return INVALID_NAME
    return NAME_TOO_LONG if len(name) > MAX_NAME_LENGTH else None


def valid_machine_name(name: object) -> bool:
    return name_problem(name) is None


def default_store_root() -> Path:
    """``MACHINE_STORAGE_PATH``, else ``~/.docker/machine``."""
    return Path(os.environ.get("MACHINE_STORAGE_PATH") or Path.home() / ".docker" / "machine")


def is_address(value: object) -> bool:
    """An IP address or a DNS host name (never something an ssh option could start with)."""
    if not isinstance(value, str) or value.startswith("-"):
        return False
    import ipaddress  # on use: most commands never check an address

    try:
        ipaddress.ip_address(value)
        # Python takes any text after % as an IPv6 scope id; an interface's name or number is all it may be.
        return "%" not in value or SCOPE_ID.fullmatch(value.partition("%")[2]) is not None
    except ValueError:
        # A name whose last label is all digits is no host name (RFC 3696 2): "300.1.1.1" is a mistyped address.
        return len(value) <= 253 and HOST_NAME.fullmatch(value) is not None and not value.rsplit(".", 1)[-1].isdigit()


def is_port(value: object) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return isinstance(value, int) and 1 <= value <= 65535

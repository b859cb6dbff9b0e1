"""A VMware .vmx file: ``key = "value"`` lines. Every value written is checked first: a quote, a newline or any
control character in a value (or a key outside VMware's own alphabet) could add lines of its own, so it is
refused, never escaped."""

from __future__ import annotations

import re
from pathlib import Path

_KEY = re.compile(r"^\.?[A-Za-z0-9_][A-Za-z0-9_.:-]{0,127}$")
_LINE = re.compile(r'^\s*(\.?[A-Za-z0-9_][A-Za-z0-9_.:-]*)\s*=\s*"([^"]*)"\s*$')
_BAD_VALUE = re.compile(r'["\x00-\x1f\x7f]')
LIMIT = 1 << 20  # a .vmx is a few KiB; a larger one is not a .vmx


class VmxError(ValueError):
    """A .vmx that can't be read, or a setting that can't be written safely."""


def check_setting(key: str, value: str) -> None:
    if not isinstance(key, str) or not _KEY.match(key):
        raise VmxError(f".vmx key {key!r} is not a VMware setting name")
    if not isinstance(value, str) or _BAD_VALUE.search(value):
        raise VmxError(f".vmx value {value!r} for {key} holds a quote or a control character")


def parse(text: str) -> dict[str, str]:
    """Settings by key as written (VMware compares keys without case); comments and blank lines skipped."""
    settings: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        match = _LINE.match(line)
        if not match:
            raise VmxError(f'.vmx line {number} is not key = "value": {line[:80]!r}')
        settings[match.group(1)] = match.group(2)
    return settings


def get(settings: dict[str, str], key: str) -> str | None:
    return next((v for k, v in settings.items() if k.lower() == key.lower()), None)


def read(path: Path) -> dict[str, str]:
    with open(path, "rb") as handle:
        data = handle.read(LIMIT + 1)
    if len(data) > LIMIT:
        raise VmxError(f"{path} is larger than {LIMIT} bytes: not a .vmx")
    try:
        return parse(data.decode())
    except UnicodeDecodeError:
        raise VmxError(f"{path} is not UTF-8 text: not a .vmx") from None


def render(settings: dict[str, str]) -> str:
    lines = []
    for key, value in settings.items():
        check_setting(key, value)
        lines.append(f'{key} = "{value}"\n')
    return "".join(lines)


def update(path: Path, changes: dict[str, str | None]) -> dict[str, str]:
    """The file with ``changes`` applied (None removes a key; a key is matched without case), written whole to a
    temporary file and moved over the old one."""
    for key, value in changes.items():
        if value is not None:
            check_setting(key, value)
    settings = read(path)
    for key, value in changes.items():
        for old in [k for k in settings if k.lower() == key.lower()]:
            del settings[old]
        if value is not None:
            settings[key] = value
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_text(render(settings))
    temporary.replace(path)
    return settings

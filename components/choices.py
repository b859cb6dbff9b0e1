"""Enums parsed from user text with an error that lists the choices."""

from __future__ import annotations

import enum
from typing import TypeVar

E = TypeVar("E", bound=enum.Enum)


def parse_choice(cls: type[E], value: "str | E", what: str) -> E:
    try:
        return cls(value)
    except ValueError:
        choices = ", ".join(str(k.value) for k in cls)
        raise ValueError(f"unknown {what} {value!r}: use one of {choices}") from None

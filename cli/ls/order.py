"""The order of ls's table: docker-machine v0.16.2's sortHostListItemsByName, lower-cased names in the natural order
of the naturalsort package it vendors (github.com/skarademir/naturalsort): node1 node9 node10. ``ls -q`` keeps the
store's byte order."""

from __future__ import annotations

import re

_RUNS = re.compile(r"[^0-9]+|[0-9]+")


def natural_key(name: str) -> tuple:
    """naturalsort's Less as a key. Runs of digits and of anything else are compared run by run: two numbers by
    value (leading zeroes dropped; at equal value the shorter run first), a number before text, text by bytes;
    when one name's runs begin the other's, the shorter first. docker-machine keys the lower-cased name into a map,
    so two names equal when lower-cased both print as one of them; here both are listed, in byte order."""
    lowered = name.lower().replace(" ", "")
    runs = tuple(
        (0, len(run.lstrip("0")), run.lstrip("0"), len(run)) if "0" <= run[0] <= "9" else (1, run)
        for run in _RUNS.findall(lowered)
    )
    return runs, name

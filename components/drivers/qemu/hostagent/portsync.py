"""Which QEMU user-net forwards a VM should have against those it has, and the monitor commands that make them
equal.

Wanted: the static ``--qemu-forward`` pairs, then every TCP port a running container publishes on a guest
address the forward can reach, the same port on this computer's 127.0.0.1. Present: the ``TCP[HOST_FORWARD]``
rows from 127.0.0.1 of ``info usernet``. ``hostfwd_add`` and ``hostfwd_remove`` answer in text, not as QMP
errors: an empty answer is success, anything else is read here. Every rule string is built from checked ints.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

NETDEV = "net0"  # the -netdev id launch.command_line gives the user-mode network
LOOPBACK = "127.0.0.1"
GUEST_LOOPBACKS = ("127.0.0.1", "::1")  # a port published there is not reachable through the forward
ADD_FAILED = "Could not set up host forwarding rule"  # QEMU 7.2's text when it cannot listen on the port
REMOVED, NOT_FOUND = " removed", " not found"  # the endings of hostfwd_remove's two expected answers

Monitor = Callable[[str], str]  # one human monitor command line -> its text


def port(value: Any) -> int | None:
    """``value`` when it is a TCP port number (an int, not a bool, 1-65535), else None."""
    if isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 65535:
        return value
    return None


def parse_forward(text: str) -> tuple[int, int]:
    """``HOST:GUEST`` as two ports; ValueError naming the problem otherwise."""
    host, sep, guest = str(text).partition(":")
    pair = (int(host), int(guest)) if sep and host.isdigit() and guest.isdigit() else (0, 0)
    if port(pair[0]) is None or port(pair[1]) is None:
        raise ValueError(f"--qemu-forward {str(text)[:40]!r} must be HOST:GUEST, two ports from 1 to 65535")
    return pair


def forward_problem(values: Iterable[str]) -> str | None:
    """What is wrong with a list of ``HOST:GUEST`` values, in one line; None when nothing is."""
    seen: set[int] = set()
    for value in values:
        try:
            host, _ = parse_forward(value)
        except ValueError as err:
            return str(err)
        if host in seen:
            return f"--qemu-forward gives host port {host} twice"
        seen.add(host)
    return None


def label(container: Mapping[str, Any]) -> str:
    """``container NAME`` (or its short id) for logs: printable characters only, at most 64."""
    names = container.get("Names")
    name = names[0] if isinstance(names, list) and names and isinstance(names[0], str) else None
    text = (name or str(container.get("Id") or "")[:12]).lstrip("/")
    return "container " + "".join(c if c.isprintable() else "?" for c in text[:64])


def published(containers: Any, gone: Collection[str] = ()) -> dict[int, str]:
    """Host port -> label, for every TCP port the running ``containers`` (``GET /containers/json``) publish on a
    guest address other than its loopback; not those of the ``gone`` ids (their die event came: the engine
    lists a container as running for a moment after it). Malformed entries are left out."""
    found: dict[int, str] = {}
    for container in containers if isinstance(containers, list) else []:
        if not isinstance(container, dict) or not isinstance(container.get("Ports"), list):
            continue
        if container.get("Id") in gone:
            continue
        for entry in container["Ports"]:
            if not isinstance(entry, dict) or entry.get("Type") != "tcp" or entry.get("IP") in GUEST_LOOPBACKS:
                continue
            public = port(entry.get("PublicPort"))
            if public is not None:
                found.setdefault(public, label(container))
    return found


def wanted(
    containers: Any, static: Iterable[tuple[int, int]], gone: Collection[str] = ()
) -> dict[int, tuple[int, str]]:
    """Host port -> (guest port, what wants it): the static forwards first, then the published ports."""
    want = {host: (guest, f"--qemu-forward {host}:{guest}") for host, guest in static}
    for host, who in published(containers, gone).items():
        want.setdefault(host, (host, who))
    return want


def present(usernet: str) -> dict[int, int]:
    """Host port -> guest port of the TCP forwards from 127.0.0.1 that ``info usernet`` lists."""
    found = {}
    for line in usernet.splitlines():
        words = line.split()
        # TCP[HOST_FORWARD]  FD  SOURCE-ADDRESS SOURCE-PORT  DEST-ADDRESS DEST-PORT  RECVQ SENDQ
        if len(words) >= 6 and words[0] == "TCP[HOST_FORWARD]" and words[2] == LOOPBACK:
            host, guest = (port(int(w)) if w.isdigit() else None for w in (words[3], words[5]))
            if host is not None and guest is not None:
                found[host] = guest
    return found


def rule(host: int, guest: int | None = None) -> str:
    """``tcp:127.0.0.1:HOST-:GUEST`` (for hostfwd_add) or ``tcp:127.0.0.1:HOST`` (hostfwd_remove), from ports only."""
    if port(host) is None or (guest is not None and port(guest) is None):
        raise ValueError(f"not a port: {host!r} {guest!r}")
    return f"tcp:{LOOPBACK}:{host}" + ("" if guest is None else f"-:{guest}")


def unprivileged_start() -> int:
    """The lowest port an unprivileged process may listen on here (Linux's sysctl; 1024 elsewhere)."""
    try:
        with open("/proc/sys/net/ipv4/ip_unprivileged_port_start") as handle:
            return int(handle.read().strip())
    except (OSError, ValueError):
        return 1024


def add_problem(answer: str, host: int) -> str:
    """Why hostfwd_add answered ``answer`` (not empty) for ``host``, in words for the log and ``inspect``."""
    text = " ".join(answer.split())
    if text.startswith(ADD_FAILED):
        geteuid = getattr(os, "geteuid", None)
        if host < unprivileged_start() and geteuid is not None and geteuid() != 0:
            return f"{LOOPBACK}:{host} is a privileged port here: QEMU, running as you, cannot listen on it"
        return f"{LOOPBACK}:{host} is already in use on this computer"
    return f"QEMU refused the forward: {text[:200]}"


@dataclass
class Outcome:
    forwarded: dict[int, tuple[int, str]] = field(default_factory=dict)  # host -> (guest, who)
    skipped: dict[int, tuple[int, str, str]] = field(default_factory=dict)  # host -> (guest, who, why)
    added: list[int] = field(default_factory=list)
    removed: list[int] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # a remove QEMU did not confirm


def sync(monitor: Monitor, want: Mapping[int, tuple[int, str]], keep: Iterable[int]) -> Outcome:
    """Make the VM's forwards from 127.0.0.1 the ``want`` ones: remove the others (never a ``keep`` port: the
    machine's SSH and Docker forwards), add the missing ones; a port QEMU cannot listen on is skipped."""
    keep = set(keep)
    have = present(monitor("info usernet"))
    outcome = Outcome()
    for host, guest in sorted(have.items()):
        if host in keep or want.get(host, (None, ""))[0] == guest:
            continue
        answer = " ".join(monitor(f"hostfwd_remove {NETDEV} {rule(host)}").split())
        if answer.endswith((REMOVED, NOT_FOUND)):
            outcome.removed.append(host)
            have.pop(host)
        else:
            outcome.errors.append(f"removing the forward of {LOOPBACK}:{host}: {answer[:200]}")
    for host, (guest, who) in sorted(want.items()):
        if host in keep:
            outcome.skipped[host] = (guest, who, f"{LOOPBACK}:{host} is this machine's own SSH or Docker forward")
        elif have.get(host) == guest:
            outcome.forwarded[host] = (guest, who)
        elif host in have:
            outcome.skipped[host] = (guest, who, f"{LOOPBACK}:{host} still forwards to guest port {have[host]}")
        else:
            answer = monitor(f"hostfwd_add {NETDEV} {rule(host, guest)}")
            if answer.strip():
                outcome.skipped[host] = (guest, who, add_problem(answer, host))
            else:
                outcome.forwarded[host] = (guest, who)
                outcome.added.append(host)
    return outcome

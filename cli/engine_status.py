"""What a probe says of a machine's engine; light enough for commands that never probe (ls -q)."""

from __future__ import annotations

from typing import NamedTuple

UNKNOWN_VERSION = "Unknown"
MAX_TIMEOUT = 86400  # -t: one day at most (a socket takes no more)


class EngineStatus(NamedTuple):
    state: str  # Running, Stopped, Timeout, Error (docker-machine's names)
    docker_version: str = UNKNOWN_VERSION
    error: str = ""
    response_time_ms: float = 0.0

"""What a probe says of a machine's engine; light enough for commands that never probe (ls -q)."""

from __future__ import annotations

from collections import namedtuple

UNKNOWN_VERSION = "Unknown"
MAX_TIMEOUT = 86400  # -t: one day at most (a socket takes no more)

# state: Running, Stopped, Timeout, Error (docker-machine's names). collections' namedtuple, not typing's:
# typing costs the read commands milliseconds at start-up.
EngineStatus = namedtuple(
    "EngineStatus", ("state", "docker_version", "error", "response_time_ms"), defaults=(UNKNOWN_VERSION, "", 0.0)
)

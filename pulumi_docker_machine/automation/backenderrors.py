"""A backend the engine can't reach, in one line: the Pulumi CLI's own text is a page of SDK detail.

One table: what the network library says (in the pulumi CLI's error text, on a line about the backend)
-> what docker-machine says. A line is about the backend when it is gocloud.dev's blob error (the diy
backends: S3, Azure Blob, GCS), an AWS SDK S3 operation, or names the backend's own host (Pulumi
Cloud, or an endpoint given in the URL). A dial error of the machine's SSH step is not one of those.
"""

from __future__ import annotations

import re
import urllib.parse
from typing import Optional

# (what the error text says, the reason shown); the first that matches wins.
UNREACHABLE: tuple[tuple[re.Pattern, str], ...] = (
    (re.compile(r"connect: connection refused"), "connection refused"),
    (re.compile(r"no such host|server misbehaving"), "its host name does not resolve"),
    (re.compile(r"network is unreachable|no route to host"), "no route to it"),
    (re.compile(r"i/o timeout|context deadline exceeded|Client\.Timeout|TLS handshake timeout"), "timed out"),
    (re.compile(r"connection reset by peer|EOF$|broken pipe"), "the connection was dropped"),
)
_BLOB = re.compile(r"blob \((key|code)|operation error S3:|storage\.googleapis\.com|\.blob\.core\.windows\.net")


def where(backend: str) -> str:
    """The backend as the user knows it, without its query (endpoints, options) or any user info."""
    parts = urllib.parse.urlsplit(backend)
    return f"{parts.scheme}://{parts.hostname or ''}{parts.path if parts.scheme == 'file' else ''}"


def _hosts(backend: str) -> list[str]:
    parts = urllib.parse.urlsplit(backend)
    endpoint = urllib.parse.parse_qs(parts.query).get("endpoint", [""])[0]
    hosts = [urllib.parse.urlsplit(endpoint).netloc] if endpoint else []
    if parts.scheme in ("http", "https") and parts.netloc:
        hosts.append(parts.netloc)
    return [host for host in hosts if host]


def unreachable(text: str, backend: str) -> Optional[str]:
    """One line when ``text`` (a pulumi CLI error) says the backend could not be reached; else None."""
    hosts = _hosts(backend)
    for line in text.splitlines():
        if not (_BLOB.search(line) or any(host in line for host in hosts)):
            continue
        for pattern, reason in UNREACHABLE:
            if pattern.search(line):
                return (
                    f"Error: the Pulumi backend {where(backend)} can't be reached ({reason}): check the "
                    "network and --backend-url/PULUMI_BACKEND_URL, then run the command again"
                )
    return None

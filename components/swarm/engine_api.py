"""The Docker Engine API of a machine, over mutual TLS with the swarm's client certificate.

Swarm membership goes through the API rather than ``docker swarm join --token ...`` over SSH:
a join token on a command line is visible to every user of the node in ``ps``.
"""

from __future__ import annotations

import http.client
import json
import ssl
import urllib.parse
from dataclasses import dataclass, field
from typing import Any, Optional

from ..files import PrivateTempFolder, write_client_certs

API_VERSION = "v1.41"  # Docker 20.10, the oldest engine our provisioning installs; newer engines accept it


class EngineAPIError(RuntimeError):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def split_docker_host(docker_host: str) -> tuple[str, int]:
    """``tcp://ADDRESS:PORT`` (IPv6 in brackets) as (address, port); anything else is refused."""
    parsed = urllib.parse.urlsplit(docker_host)
    if parsed.scheme != "tcp" or not parsed.hostname or parsed.path not in ("", "/"):
        raise ValueError(f"docker_host {docker_host[:80]!r} is not tcp://ADDRESS:PORT")
    try:
        port = parsed.port
    except ValueError:
        port = None
    if port is None:
        raise ValueError(f"docker_host {docker_host[:80]!r} has no valid port")
    return parsed.hostname, port


def tls_context(ca_pem: str, cert_pem: str, key_pem: str) -> ssl.SSLContext:
    """A client context from PEM text; the key touches disk only in a private folder, for a moment."""
    context = ssl.create_default_context(cadata=ca_pem)
    context.check_hostname = False  # machines are addressed by IP; the CA is ours alone
    with PrivateTempFolder("dm-tls-") as folder:
        write_client_certs(folder, ca_pem, cert_pem, key_pem)
        context.load_cert_chain(folder / "cert.pem", folder / "key.pem")
    return context


@dataclass
class EngineAPI:
    docker_host: str
    ca_pem: str
    cert_pem: str
    key_pem: str = field(repr=False)
    timeout: float = 30.0
    _context: Optional[ssl.SSLContext] = field(default=None, repr=False)

    def request(self, method: str, path: str, body: Any = None, query: Optional[dict] = None) -> Any:
        address, port = split_docker_host(self.docker_host)
        if self._context is None:
            self._context = tls_context(self.ca_pem, self.cert_pem, self.key_pem)
        url = f"/{API_VERSION}{path}" + (f"?{urllib.parse.urlencode(query)}" if query else "")
        data = json.dumps(body).encode() if body is not None else None
        connection = http.client.HTTPSConnection(address, port, context=self._context, timeout=self.timeout)
        try:
            connection.request(method, url, body=data, headers={"Content-Type": "application/json"} if data else {})
            response = connection.getresponse()
            raw = response.read()
        except OSError as err:
            raise EngineAPIError(0, f"cannot reach the Docker engine at {self.docker_host}: {err}") from None
        finally:
            connection.close()
        try:
            answer = json.loads(raw) if raw.strip() else None
        except ValueError:
            answer = raw.decode(errors="replace")
        if response.status >= 400:
            message = answer.get("message") if isinstance(answer, dict) else str(answer)
            raise EngineAPIError(response.status, f"{method} {path} on {self.docker_host}: {message}")
        return answer

    # The calls a swarm needs.
    def info(self) -> dict:
        return self.request("GET", "/info")

    def swarm(self) -> dict:
        return self.request("GET", "/swarm")

    def node(self, node_id: str) -> dict:
        return self.request("GET", f"/nodes/{urllib.parse.quote(node_id, safe='')}")

    def nodes(self) -> list[dict]:
        return self.request("GET", "/nodes")

    def update_node(self, node_id: str, version: int, spec: dict) -> None:
        self.request("POST", f"/nodes/{urllib.parse.quote(node_id, safe='')}/update", spec, query={"version": version})

    def remove_node(self, node_id: str, force: bool = False) -> None:
        self.request("DELETE", f"/nodes/{urllib.parse.quote(node_id, safe='')}", query={"force": json.dumps(force)})

    def running_tasks(self, node_id: str) -> list[dict]:
        filters = json.dumps({"node": [node_id], "desired-state": ["running"]})
        return [
            t
            for t in self.request("GET", "/tasks", query={"filters": filters})
            if t.get("Status", {}).get("State") in ("running", "starting", "preparing", "assigned", "accepted")
        ]

    def leave(self, force: bool = False) -> None:
        self.request("POST", "/swarm/leave", query={"force": json.dumps(force)})

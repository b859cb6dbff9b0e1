"""The machine's Docker engine as the host agent sees it: its API on 127.0.0.1:PORT over mutual TLS, with the
client certificate the CLI keeps in the machine's folder (ca.pem, cert.pem, key.pem). Standard library only."""

from __future__ import annotations

import http.client
import json
import ssl
import urllib.parse
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ....swarm.engine_api import API_VERSION

CERT_FILES = ("ca.pem", "cert.pem", "key.pem")
EVENT_FILTERS = json.dumps({"type": ["container"], "event": ["start", "die", "stop"]})


class EngineUnreachable(RuntimeError):
    pass


def tls_context(machine_dir: Path) -> ssl.SSLContext:
    """The engine's server certificate checked against the machine's CA (by the CA, not the name: it is ours
    alone), our client certificate presented. EngineUnreachable while the CLI has not written them yet."""
    paths = [machine_dir / name for name in CERT_FILES]
    missing = [path.name for path in paths if not path.is_file()]
    if missing:
        raise EngineUnreachable(f"no client certificate yet ({', '.join(missing)} missing in {machine_dir})")
    try:
        context = ssl.create_default_context(cafile=str(paths[0]))
        context.check_hostname = False
        context.load_cert_chain(paths[1], paths[2])
    except (OSError, ssl.SSLError) as err:
        raise EngineUnreachable(f"the client certificate in {machine_dir} cannot be loaded: {err}") from None
    return context


class Engine:
    def __init__(self, port: int, context: ssl.SSLContext, timeout: float, stream_timeout: float) -> None:
        """``timeout`` for connecting and each request (short: an engine that restarts is retried soon);
        ``stream_timeout`` for the wait between two events."""
        self.port, self.context, self.timeout, self.stream_timeout = port, context, timeout, stream_timeout

    def _open(self, path: str, query: dict[str, str] | None = None) -> tuple[http.client.HTTPSConnection, Any]:
        url = f"/{API_VERSION}{path}" + (f"?{urllib.parse.urlencode(query)}" if query else "")
        connection = http.client.HTTPSConnection("127.0.0.1", self.port, context=self.context, timeout=self.timeout)
        try:
            connection.request("GET", url)
            response = connection.getresponse()
        except (OSError, http.client.HTTPException) as err:
            connection.close()
            raise EngineUnreachable(f"cannot reach the Docker engine at 127.0.0.1:{self.port}: {err}") from None
        if response.status != 200:
            connection.close()
            raise EngineUnreachable(f"GET {path}: the Docker engine answered {response.status}")
        return connection, response

    def containers(self) -> Any:
        """The running containers (``GET /containers/json``), as the engine sent them: checked by the caller."""
        connection, response = self._open("/containers/json")
        try:
            return json.loads(response.read())
        except (OSError, http.client.HTTPException, ValueError) as err:
            raise EngineUnreachable(f"listing containers: {err}") from None
        finally:
            connection.close()

    def events(self) -> Iterator[tuple[str, str]]:
        """(action, container id) per container start, die or stop, from the stream opened now; ends when the
        stream does. socket.timeout (an OSError) when nothing comes for ``timeout``."""
        connection, response = self._open("/events", {"filters": EVENT_FILTERS})
        if connection.sock is not None:
            connection.sock.settimeout(self.stream_timeout)
        return self._lines(connection, response)

    @staticmethod
    def _lines(connection: http.client.HTTPSConnection, response: Any) -> Iterator[tuple[str, str]]:
        try:
            while True:
                line = response.readline()
                if not line:
                    return
                try:
                    event = json.loads(line)
                except ValueError:
                    continue
                action = event.get("Action") if isinstance(event, dict) else None
                actor = event.get("Actor") if isinstance(event, dict) else None
                ident = actor.get("ID") if isinstance(actor, dict) else None
                if isinstance(action, str) and isinstance(ident, str):
                    yield action, ident
        except http.client.HTTPException as err:
            raise EngineUnreachable(f"the engine's event stream broke: {err}") from None
        finally:
            connection.close()

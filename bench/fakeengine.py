"""A stand-in Docker engine on loopback: mutual TLS exactly as dockerd --tlsverify, and GET /version.

For the read commands' figures (bench/cli_read.py) and the CLI tests that need an engine to answer but not a
whole Docker (those run on the test host).
"""

from __future__ import annotations

import http.server
import json
import ssl
import threading
from pathlib import Path


class _Handler(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass

    def do_GET(self) -> None:
        if self.path != "/version":
            self.send_error(404)
            return
        body = json.dumps({"Version": self.server.docker_version, "ApiVersion": "1.41"}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class FakeEngine:
    def __init__(
        self,
        ca: Path,
        server_cert: Path,
        server_key: Path,
        version: str = "24.0.7",
        address: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        assert address.startswith("127."), "a stand-in engine listens on loopback only"
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(server_cert, server_key)
        context.load_verify_locations(ca)
        context.verify_mode = ssl.CERT_REQUIRED  # dockerd --tlsverify
        self.server = http.server.ThreadingHTTPServer((address, port), _Handler)
        self.server.docker_version = version
        self.server.socket = context.wrap_socket(self.server.socket, server_side=True)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def main(argv: list[str]) -> None:
    """One stand-in engine in a process of its own (as every real dockerd is): prints its port, serves
    until its standard input closes. ``python -m bench.fakeengine CA SERVER_CERT SERVER_KEY``"""
    import sys

    engine = FakeEngine(Path(argv[0]), Path(argv[1]), Path(argv[2]))
    print(engine.port, flush=True)
    sys.stdin.read()
    engine.close()


if __name__ == "__main__":
    import sys

    main(sys.argv[1:])

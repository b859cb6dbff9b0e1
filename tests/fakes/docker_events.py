"""A stand-in Docker engine for the qemu host agent: mutual TLS as dockerd --tlsverify, ``GET /containers/json``
(the list a test sets) and ``GET /events`` (a chunked stream of the events a test sends), on loopback."""

from __future__ import annotations

import http.server
import json
import queue
import ssl
import threading
import urllib.parse
from pathlib import Path


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args) -> None:
        pass

    def do_GET(self) -> None:
        fake = self.server.fake  # type: ignore[attr-defined]
        path = urllib.parse.urlsplit(self.path).path
        fake.requests.append(path)
        if path.endswith("/containers/json"):
            body = json.dumps(fake.containers).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        if not path.endswith("/events"):
            self.send_error(404)
            return
        stream: queue.Queue = queue.Queue()
        fake.streams.append(stream)
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        self.wfile.flush()
        while (item := stream.get()) is not None:
            data = json.dumps(item).encode() + b"\n"
            self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
            self.wfile.flush()
        self.wfile.write(b"0\r\n\r\n")
        self.close_connection = True


class FakeDocker:
    def __init__(self, folder: Path, containers: list | None = None, port: int = 0) -> None:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(folder / "server.pem", folder / "server-key.pem")
        context.load_verify_locations(folder / "ca.pem")
        context.verify_mode = ssl.CERT_REQUIRED
        self.containers = containers or []
        self.streams: list[queue.Queue] = []
        self.requests: list[str] = []
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", port), _Handler)
        self.server.daemon_threads = True
        self.server.fake = self  # type: ignore[attr-defined]
        self.server.socket = context.wrap_socket(self.server.socket, server_side=True)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()

    def event(self, action: str, container: str = "0" * 64) -> None:
        for stream in self.streams:
            stream.put({"Type": "container", "Action": action, "Actor": {"ID": container}})

    def close(self) -> None:
        """As dockerd stopping: every event stream ends, the port closes."""
        for stream in self.streams:
            stream.put(None)
        self.server.shutdown()
        self.server.server_close()

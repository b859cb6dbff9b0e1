"""Relay TCP from LISTEN_HOST:LISTEN_PORT to TARGET_HOST:TARGET_PORT (the simulated NAT port forward).

Only ever started by the VBoxManage simulator, pointing at a test host this test run made.
"""

import socket
import sys
import threading


def pipe(source: socket.socket, sink: socket.socket) -> None:
    try:
        while data := source.recv(65536):
            sink.sendall(data)
    except OSError:
        pass
    finally:
        for sock in (source, sink):
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


def main(listen_host: str, listen_port: str, target_host: str, target_port: str) -> None:
    server = socket.create_server((listen_host, int(listen_port)), reuse_port=False)
    while True:
        client, _ = server.accept()
        try:
            upstream = socket.create_connection((target_host, int(target_port)), timeout=10)
            upstream.settimeout(None)
        except OSError:
            client.close()
            continue
        threading.Thread(target=pipe, args=(client, upstream), daemon=True).start()
        threading.Thread(target=pipe, args=(upstream, client), daemon=True).start()


if __name__ == "__main__":
    main(*sys.argv[1:5])

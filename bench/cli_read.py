"""Figures for the read-side CLI: every read command's whole-process time beside the floors, and ls over
1 vs 50 machines.

Floors, measured in the same run: the venv's bare ``python -c pass``, ``python -c "import click"``,
``python -c "import ssl"``, and the least any Python client pays to ask these engines for their version:
a bare script (ssl, one context, a thread per engine) doing the TLS GET /version to 1 and to 50 engines.
Budget (issue 12): each read command within 2.5x the bare floor; ls over 50 machines within 2x ls over
one (ls probes every machine at once). Medians of 21 runs. Engines are stand-ins on loopback
(bench/fakeengine.py, one Python process per machine, sharing this machine's cores with the client)
that answer over mutual TLS. The stores are as create makes them: one CA and client certificate.

Run: .venv/bin/python bench/cli_read.py
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def timed(command: list[str], env: dict, rounds: int = 21) -> float:
    samples = []
    for _ in range(rounds):
        start = time.perf_counter()
        subprocess.run(command, env=env, capture_output=True, check=True)
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples)


def store_with(count: int, folder: Path) -> tuple[dict, list[subprocess.Popen]]:
    """A store of ``count`` machines, written by create's own write path (one CA and one client certificate for
    every machine, each its own server certificate), each engine a process of its own (a shared one would
    serialize the TLS handshakes on its interpreter lock, which no real set of machines does)."""
    from pulumi_docker_machine.automation.settings import MachineSpec
    from pulumi_docker_machine.automation.storesync import write_machine
    from pulumi_docker_machine.components.cert import create_ca, issue_client_certificate, issue_server_certificate
    from pulumi_docker_machine.store import Store

    store = Store(folder / f"store-{count}")
    engines = []
    ca = create_ca("bench")
    client = issue_client_certificate(ca, "bench.client")
    for index in range(count):
        name = f"m{index}"
        server = issue_server_certificate(ca, f"bench.{name}", ["127.0.0.1"], [])
        keys = folder / f"engine-{count}-{name}"  # the engine's own files: the store keeps no server key
        keys.mkdir()
        for file, pem in (("ca.pem", ca.cert_pem), ("server.pem", server.cert_pem), ("server-key.pem", server.key_pem)):
            (keys / file).write_text(pem)
        engine = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "bench.fakeengine",
                str(keys / "ca.pem"),
                str(keys / "server.pem"),
                str(keys / "server-key.pem"),
            ],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            cwd=ROOT,
        )
        port = int(engine.stdout.readline())
        engine.port = port  # type: ignore[attr-defined]
        engines.append(engine)
        outputs = {
            "ca_pem": ca.cert_pem,
            "client_cert_pem": client.cert_pem,
            "client_key_pem": client.key_pem,
            "server_cert_pem": server.cert_pem,
            "ip": "127.0.0.1",
            "docker_host": f"tcp://127.0.0.1:{port}",
        }
        write_machine(store, name, MachineSpec(driver="generic"), outputs, backend="", docker_context=False)
    env = {**os.environ, "MACHINE_STORAGE_PATH": str(store.root), "DOCKER_CONFIG": str(folder / "docker")}
    return env, engines


ROUND_TRIPS = """
import socket, ssl, sys, threading
ca, cert, key = sys.argv[1:4]
context = ssl.create_default_context(cafile=ca)
context.load_cert_chain(cert, key)
def ask(port):
    with socket.create_connection(("127.0.0.1", port)) as raw:
        with context.wrap_socket(raw, server_hostname="127.0.0.1") as tls:
            tls.sendall(b"GET /version HTTP/1.1\\r\\nHost: docker\\r\\nConnection: close\\r\\n\\r\\n")
            while tls.recv(65536):
                pass
threads = [threading.Thread(target=ask, args=(int(port),)) for port in sys.argv[4:]]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
"""


def round_trips(env: dict, engines: list) -> list[str]:
    folder = Path(env["MACHINE_STORAGE_PATH"]) / "machines" / "m0"
    return [
        sys.executable,
        "-c",
        ROUND_TRIPS,
        str(folder / "ca.pem"),
        str(folder / "cert.pem"),
        str(folder / "key.pem"),
        *(str(engine.port) for engine in engines),
    ]


def main() -> None:
    script = str(Path(sys.executable).parent / "docker-machine")
    with tempfile.TemporaryDirectory() as tmp:
        env1, engines1 = store_with(1, Path(tmp))
        env50, engines50 = store_with(50, Path(tmp))
        env1 = {**env1, "DOCKER_HOST": f"tcp://127.0.0.1:{engines1[0].port}"}  # m0 is the active machine
        floor = timed([sys.executable, "-c", "pass"], env1)
        click_floor = timed([sys.executable, "-c", "import click"], env1)
        print(f"{'command':<44} {'median ms':>10} {'x floor':>8}")
        print(f"{'python -c pass (the floor)':<44} {floor:>10.1f} {1.0:>8.2f}")
        ssl_floor = timed([sys.executable, "-c", "import ssl"], env1)
        tls1, tls50 = timed(round_trips(env1, engines1), env1), timed(round_trips(env50, engines50), env50)
        for label, ms in (
            ('python -c "import click"', click_floor),
            ('python -c "import ssl"', ssl_floor),
            ("bare TLS GET /version, 1 engine", tls1),
            ("bare TLS GET /version, 50 engines", tls50),
        ):
            print(f"{label:<44} {ms:>10.1f} {ms / floor:>8.2f}")
        commands = [
            ["version"],
            ["--help"],
            ["ip", "m0"],
            ["url", "m0"],
            ["inspect", "m0"],
            ["status", "m0"],
            ["env", "m0"],
            ["config", "m0"],
            ["active"],
            ["ls", "-q"],
            ["ls"],
        ]
        probing = {"status", "env", "config", "active", "ls"}
        worst, worst_local, worst_probe = 0.0, 0.0, 0.0
        for args in commands:
            ms = timed([script, *args], env1)
            worst = max(worst, ms / floor)
            if args[0] in probing and args != ["ls", "-q"]:
                worst_probe = max(worst_probe, ms / tls1)
                print(
                    f"{'docker-machine ' + ' '.join(args):<44} {ms:>10.1f} {ms / floor:>8.2f}   "
                    f"{ms / tls1:.2f}x the bare TLS floor"
                )
            else:
                worst_local = max(worst_local, ms / floor)
                print(f"{'docker-machine ' + ' '.join(args):<44} {ms:>10.1f} {ms / floor:>8.2f}")
        one, fifty = timed([script, "ls"], env1), timed([script, "ls"], env50)
        print(
            f"{'docker-machine ls, 50 machines':<44} {fifty:>10.1f} {fifty / floor:>8.2f}   "
            f"{fifty / tls50:.2f}x the bare TLS floor"
        )
        print(
            f"worst read command: {worst:.2f}x the floor (budget 2.5x); those that ask no engine: "
            f"{worst_local:.2f}x; those that do: {worst_probe:.2f}x the bare TLS floor"
        )
        print(
            f"ls 50 vs 1 machine: {fifty / one:.2f}x (budget 2x); the bare TLS floor, 50 vs 1 engine: "
            f"{tls50 / tls1:.2f}x"
        )
        for engine in engines1 + engines50:
            engine.stdin.close()
            engine.wait(timeout=30)


if __name__ == "__main__":
    main()

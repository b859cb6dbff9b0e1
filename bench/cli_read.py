"""Figures for the read-side CLI: every read command's whole-process time beside the floors, and ls over
1 vs 50 machines.

Floors, measured in the same run: the venv's bare ``python -c pass``, ``python -c "import click"``,
``python -c "import ssl"``, and the least any Python client pays to ask these engines for their version:
a bare script (ssl, one context, a thread per engine) doing the TLS GET /version to 1 and to 50 engines.
Budget (issue 12): each read command within 2.5x the bare floor; ls over 50 machines within 2x ls over
one (ls probes every machine at once). Medians of 21 runs. Engines are stand-ins on loopback
(bench/fakeengine.py, one Python process per machine, sharing this machine's cores with the client)
that answer over mutual TLS. The stores are as create makes them: one CA and client certificate.

The real-engine rows (issue 22): one real dockerd over mutual TLS on a test host (bench/testbed.py: a network
namespace; root), with the certificates of a store written by create's own path, and the ten read commands
against it. With ``DOCKER_MACHINE_GO`` naming docker-machine v0.16.2's Go binary, each row also runs that
binary on the same store in the same run; the budget: every read command within 2.5x it. The binary builds
offline from its source (it vendors its dependencies), in GOPATH mode:
``GOPATH=$PWD/gopath GO111MODULE=off go build -o docker-machine-0.16.2 github.com/docker/machine/cmd/docker-machine``
with the v0.16.2 tag checked out at gopath/src/github.com/docker/machine.

Run: .venv/bin/python bench/cli_read.py   (as root for the real-engine rows)
"""

from __future__ import annotations

import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def base_env() -> dict:
    """This process's environment, without PYTHONDONTWRITEBYTECODE: with it every run would compile again each
    module changed since its .pyc was written, which no installed command does."""
    return {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}


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
    env = {**base_env(), "MACHINE_STORAGE_PATH": str(store.root), "DOCKER_CONFIG": str(folder / "docker")}
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


REAL_COMMANDS = (
    ["env", "m0"],
    ["config", "m0"],
    ["status", "m0"],
    ["ls"],
    ["ip", "m0"],
    ["url", "m0"],
    ["inspect", "m0"],
    ["ls", "-q"],
    ["--help"],
    ["version"],
)
REAL_ENGINE_PORT = 2376
DOCKERD = (
    'setsid "$(command -v dockerd)" --tlsverify --tlscacert=/etc/docker/ca.pem --tlscert=/etc/docker/server.pem '
    f"--tlskey=/etc/docker/server-key.pem -H tcp://0.0.0.0:{REAL_ENGINE_PORT} -H unix:///run/docker.sock "
    "--iptables=false --bridge=none >/var/log/bench-dockerd.log 2>&1 </dev/null &"
)


def real_engine_store(folder: Path) -> tuple[dict, object] | str:
    """(env, test host): a store with one generic machine ``m0`` whose engine is a real dockerd over mutual TLS on
    a test host, its server certificate signed by the store's CA (STORE/certs, where docker-machine 0.16.2 reads
    it too). A string saying why not when this machine can't make a test host."""
    from bench import testbed
    from pulumi_docker_machine.automation.certs import ensure_shared_certs
    from pulumi_docker_machine.automation.settings import MachineSpec
    from pulumi_docker_machine.automation.storesync import write_machine
    from pulumi_docker_machine.components.cert import KeyAndCertificate, issue_server_certificate
    from pulumi_docker_machine.store import HostConfig, Store

    missing = testbed.missing_prerequisites()
    if missing:
        return "no test host here: " + ", ".join(missing)
    host = testbed.RemoteHost()
    try:
        store = Store(folder / "store-real")
        certs = ensure_shared_certs(store)
        ca = KeyAndCertificate(certs["ca_pem"], certs["ca_key_pem"])
        server = issue_server_certificate(ca, "bench.real", [host.address], [])
        for name, pem in (("ca.pem", ca.cert_pem), ("server.pem", server.cert_pem), ("server-key.pem", server.key_pem)):
            wrote = host.ssh(f"mkdir -p /etc/docker && umask 077 && cat >/etc/docker/{name}", stdin=pem)
            if wrote.returncode != 0:
                raise RuntimeError(f"writing {name} on the test host failed: {wrote.stderr.decode()}")
        host.output(DOCKERD)
        outputs = {
            "ca_pem": ca.cert_pem,
            "client_cert_pem": certs["client_cert_pem"],
            "client_key_pem": certs["client_key_pem"],
            "server_cert_pem": server.cert_pem,
            "ip": host.address,
            "ssh_host": host.address,
            "ssh_user": "root",
            "ssh_port": 22,
            "docker_host": f"tcp://{host.address}:{REAL_ENGINE_PORT}",
        }
        machine: HostConfig = write_machine(
            store, "m0", MachineSpec(driver="generic"), outputs, backend="", docker_context=False
        )
        wait_for_engine(machine, host)
    except BaseException:
        host.close()
        raise
    env = {**base_env(), "MACHINE_STORAGE_PATH": str(store.root), "DOCKER_CONFIG": str(folder / "docker")}
    return env, host


def wait_for_engine(machine, host, limit: float = 120.0) -> None:
    from pulumi_docker_machine.cli.probe import probe

    deadline = time.monotonic() + limit
    while True:
        status = probe(machine, 5.0)
        if status.state == "Running":
            return
        if time.monotonic() > deadline:
            log = host.ssh("tail -5 /var/log/bench-dockerd.log").stdout.decode()
            raise RuntimeError(f"the test host's dockerd did not answer within {limit:g}s: {status.error}\n{log}")
        time.sleep(0.5)


def go_binary() -> str | None:
    path = os.environ.get("DOCKER_MACHINE_GO", "")
    if path and not os.access(path, os.X_OK):
        raise SystemExit(f"DOCKER_MACHINE_GO={path} is not an executable file: give docker-machine v0.16.2's binary")
    return path or None


def paired(commands: list[list[str]], env: dict, rounds: int = 21) -> list[tuple[float, float]]:
    """(median wall ms, median CPU ms) of each command, run in turns round by round so that each meets the same
    load: on a shared machine other processes' work lands on all of them alike. CPU time (user and system, this
    process's waited-for children and theirs) is what a busy machine's scheduling does not stretch."""
    walls: list[list[float]] = [[] for _ in commands]
    cpus: list[list[float]] = [[] for _ in commands]
    for _ in range(rounds):
        for index, command in enumerate(commands):
            before, start = resource.getrusage(resource.RUSAGE_CHILDREN), time.perf_counter()
            subprocess.run(command, env=env, capture_output=True, check=True)
            wall, after = time.perf_counter() - start, resource.getrusage(resource.RUSAGE_CHILDREN)
            walls[index].append(wall * 1000)
            cpus[index].append((after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime) * 1000)
    return [(statistics.median(w), statistics.median(c)) for w, c in zip(walls, cpus, strict=True)]


def real_engine_rows(script: str, folder: Path) -> None:
    """The read commands against one real dockerd, beside the floor and (DOCKER_MACHINE_GO) the Go binary, each
    round running the floor, ours and Go's in turn."""
    made = real_engine_store(folder)
    if isinstance(made, str):
        print(f"real dockerd rows: not run ({made})")
        return
    env, host = made
    go = go_binary()
    try:
        print()
        print("one real dockerd over mutual TLS (test host); wall and CPU ms, medians of 21 runs in turns")
        print(f"{'command':<36} {'wall':>6} {'cpu':>6} {'x floor':>8}", end="")
        print(f" {'Go wall':>8} {'Go cpu':>7} {'x Go':>6} {'cpu x Go':>9}" if go else "")
        floor_wall = floor_cpu = 0.0
        worst_wall = worst_cpu = 0.0
        for args in REAL_COMMANDS:
            commands = [[sys.executable, "-c", "pass"], [script, *args], *([[go, *args]] if go else [])]
            (floor_wall, floor_cpu), (wall, cpu), *theirs = paired(commands, env)
            line = f"{'docker-machine ' + ' '.join(args):<36} {wall:>6.1f} {cpu:>6.1f} {wall / floor_wall:>8.2f}"
            if theirs:
                go_wall, go_cpu = theirs[0]
                worst_wall, worst_cpu = max(worst_wall, wall / go_wall), max(worst_cpu, cpu / go_cpu)
                line += f" {go_wall:>8.1f} {go_cpu:>7.1f} {wall / go_wall:>6.2f} {cpu / go_cpu:>9.2f}"
            print(line)
        print(f"{'python -c pass (the floor, last row)':<36} {floor_wall:>6.1f} {floor_cpu:>6.1f} {1.0:>8.2f}")
        if go:
            print(
                f"worst read command against the real dockerd: {worst_wall:.2f}x the Go binary's wall time, "
                f"{worst_cpu:.2f}x its CPU time (budget 2.5x)"
            )
    finally:
        host.close()


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
        go = go_binary()
        if go:
            go_quiet = timed([go, "ls", "-q"], env50)
            print(f"{'Go 0.16.2 ls -q, 50 machines':<44} {go_quiet:>10.1f} {go_quiet / floor:>8.2f}")
            print(f"{'docker-machine ls -q, 50 machines':<44} {timed([script, 'ls', '-q'], env50):>10.1f}")
        for engine in engines1 + engines50:
            engine.stdin.close()
            engine.wait(timeout=30)
        real_engine_rows(script, Path(tmp))


if __name__ == "__main__":
    main()

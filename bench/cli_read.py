"""Figures for the read-side CLI: start-up of a read command, and ls over 1 vs 50 machines.

ls probes every machine at once, so 50 machines should take about as long as one.
Engines are stand-ins on loopback (tests/fakes/engine.py) that answer over mutual TLS.

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

from tests.conftest import add_machine  # noqa: E402
from tests.fakes.engine import FakeEngine  # noqa: E402


def timed(command: list[str], env: dict, rounds: int = 5) -> float:
    samples = []
    for _ in range(rounds):
        start = time.perf_counter()
        subprocess.run(command, env=env, capture_output=True, check=True)
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples)


def store_with(count: int, folder: Path) -> tuple[dict, list[FakeEngine]]:
    root = folder / f"store-{count}"
    engines = []
    for index in range(count):
        name = f"m{index}"
        machine = add_machine(root, name, ip="127.0.0.1", engine_port=0, docker_context=False)
        engine = FakeEngine(machine / "ca.pem", machine / "server.pem", machine / "server-key.pem")
        engines.append(engine)
        config = machine / "config.json"
        config.write_text(config.read_text().replace('"EnginePort": 0', f'"EnginePort": {engine.port}'))
    env = {**os.environ, "MACHINE_STORAGE_PATH": str(root), "DOCKER_CONFIG": str(folder / "docker")}
    return env, engines


def main() -> None:
    script = str(Path(sys.executable).parent / "docker-machine")
    with tempfile.TemporaryDirectory() as tmp:
        env1, engines1 = store_with(1, Path(tmp))
        env50, engines50 = store_with(50, Path(tmp))
        print(f"{'command':<40} {'median ms':>10}")
        print(f"{'docker-machine version':<40} {timed([script, 'version'], env1):>10.1f}")
        print(f"{'docker-machine ip m0':<40} {timed([script, 'ip', 'm0'], env1):>10.1f}")
        print(f"{'docker-machine env m0 (TLS check)':<40} {timed([script, 'env', 'm0'], env1):>10.1f}")
        print(f"{'docker-machine ls, 1 machine':<40} {timed([script, 'ls'], env1):>10.1f}")
        print(f"{'docker-machine ls, 50 machines':<40} {timed([script, 'ls'], env50):>10.1f}")
        for engine in engines1 + engines50:
            engine.close()


if __name__ == "__main__":
    main()

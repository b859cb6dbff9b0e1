"""Time to form a three-node swarm on the test bed: ``docker-machine swarm create -d generic`` with one
manager and two workers, until ``docker node ls`` shows all three Ready; then a scale-down by one worker.

Through the real engine (make engine) with the stand-in command provider, on three network-namespace
hosts on one bridge (root needed). The floors beside the figures are measured in the same run:
- one machine, ``create -d generic`` on one of the same hosts (the per-node cost, run alone);
- an empty inline program's ``up`` (the Automation API's fixed cost per update).

Run: .venv/bin/python bench/swarm_form.py
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.create_engine import PULUMI_BIN, empty_update, pulumi_env, timed_lines  # noqa: E402
from bench.testbed import RemoteHost, TestNetwork, missing_prerequisites  # noqa: E402


def ready_nodes(script: str, env: dict) -> list[str]:
    done = subprocess.run(
        ["bash", "-c", f"eval \"$({script} swarm env bench)\" && docker node ls --format '{{{{.Status}}}}'"],
        env=env,
        capture_output=True,
        text=True,
    )
    return done.stdout.split()


def main() -> None:
    missing = missing_prerequisites() + ([] if (PULUMI_BIN / "pulumi").exists() else ["make engine"])
    if missing:
        raise SystemExit(f"bench/swarm_form.py needs: {', '.join(missing)}")
    script = str(Path(sys.executable).parent / "docker-machine")
    with tempfile.TemporaryDirectory() as tmp, TestNetwork() as network:
        hosts = [RemoteHost(network=network, hostname=f"bench-node{i}") for i in range(3)]
        try:
            key = Path(f"{hosts[0].ssh_key}.pub").read_text()
            for host in hosts[1:]:
                host.authorize(key)
            folder = Path(tmp)
            env = pulumi_env(folder)
            (folder / "empty").mkdir()
            empty = empty_update(env, folder / "empty")
            common = ["--generic-ssh-key", str(hosts[0].ssh_key), "--engine-install-url", "none"]
            _, single = timed_lines(
                [script, "create", "-d", "generic", "--generic-ip-address", hosts[0].address, *common, "single"], env
            )
            subprocess.run([script, "rm", "-y", "single"], env=env, capture_output=True, check=True)

            addresses = [arg for h in hosts for arg in ("--generic-ip-address", h.address)]
            _, create = timed_lines(
                [script, "swarm", "create", "-d", "generic", "--workers", "2", *addresses, *common, "bench"], env
            )
            start = time.perf_counter()
            while ready_nodes(script, env) != ["Ready"] * 3:
                if time.perf_counter() - start > 120:
                    raise SystemExit("the swarm's nodes did not all become Ready within 120 s")
                time.sleep(0.2)
            ready = time.perf_counter() - start
            _, scale = timed_lines([script, "swarm", "scale", "bench", "--workers", "1"], env)
            _, remove = timed_lines([script, "swarm", "rm", "-y", "bench"], env)

            print(f"{'three-node swarm (1 manager, 2 workers), generic driver':<64} {'seconds':>8}")
            print(f"{'swarm create, in all':<64} {create:>8.2f}")
            print(f"{'then until docker node ls shows 3 Ready':<64} {ready:>8.2f}")
            print(f"{'swarm scale --workers 1 (drain, leave, undo the host)':<64} {scale:>8.2f}")
            print(f"{'swarm rm':<64} {remove:>8.2f}")
            print()
            print(f"{'floor, same run':<64} {'seconds':>8}")
            print(f"{'one machine: create -d generic on one of these hosts':<64} {single:>8.2f}")
            print(f"{'empty inline up':<64} {empty:>8.2f}")
            print(
                f"swarm create / one machine's create: {create / single:.2f}x (three machines, provisioned in "
                "parallel, then init and two joins)"
            )
        finally:
            for host in hosts:
                host.close()


if __name__ == "__main__":
    main()

"""How long key material takes to make: the figures behind ECDSA P-256 as the default TLS key.

Run: .venv/bin/python bench/keygen.py [ROUNDS]
"""

from __future__ import annotations

import functools
import statistics
import sys
import time

from pulumi_docker_machine.components.cert import KeyType, create_ca, issue_server_certificate
from pulumi_docker_machine.components.ssh import SSHKeyType, generate_ssh_key


def timed(fn, rounds: int) -> tuple[float, float]:
    samples = []
    for _ in range(rounds):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples), max(samples)


def main() -> None:
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 20
    print(f"{'what':<42} {'median ms':>10} {'max ms':>10}  ({rounds} rounds)")
    for key_type in KeyType:
        ca = create_ca("bench", key_type=key_type)
        rows = {
            f"CA certificate, {key_type.value}": functools.partial(create_ca, "bench", key_type=key_type),
            f"server certificate, {key_type.value}": functools.partial(
                issue_server_certificate, ca, "bench.m", ["203.0.113.1"], key_type=key_type
            ),
        }
        for name, fn in rows.items():
            median, worst = timed(fn, rounds)
            print(f"{name:<42} {median:>10.2f} {worst:>10.2f}")
    for ssh_type in SSHKeyType:
        median, worst = timed(functools.partial(generate_ssh_key, ssh_type), rounds)
        print(f"{'SSH key, ' + ssh_type.value:<42} {median:>10.2f} {worst:>10.2f}")


if __name__ == "__main__":
    main()

"""The CPU one pulumi CLI process costs: `pulumi version` and `pulumi stack output --show-secrets` on a small
passphrase stack, beside a floor measured in the same run (a Go hello-world, built once into a temporary folder).

Run: . .engine/env && .venv/bin/python bench/pulumi_start.py [ROUNDS] [--pulumi OTHER/pulumi ...]
(--pulumi adds another build of the CLI to compare, e.g. one made without engine/patches.)
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

HELLO = 'package main\n\nimport "fmt"\n\nfunc main() { fmt.Println("hello") }\n'
PROGRAM = 'import pulumi\n\npulumi.export("plain", "x")\npulumi.export("secret", pulumi.Output.secret("s3cr3t"))\n'


def cpu_seconds(argv: list[str], cwd: Path, env: dict[str, str]) -> float:
    """User+system CPU of one run of argv, its waited-for children included."""
    with tempfile.TemporaryFile() as stderr:
        proc = subprocess.Popen(argv, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=stderr)
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode != 0:
            stderr.seek(0)
            sys.exit(f"{' '.join(argv)} exited {proc.returncode}: {stderr.read().decode(errors='replace')[-500:]}")
    return usage.ru_utime + usage.ru_stime


def mean_ms(argv: list[str], cwd: Path, env: dict[str, str], rounds: int) -> tuple[float, float]:
    samples = [cpu_seconds(argv, cwd, env) * 1000 for _ in range(rounds)]
    return statistics.mean(samples), statistics.stdev(samples) if rounds > 1 else 0.0


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("rounds", nargs="?", type=int, default=20)
    parser.add_argument("--pulumi", action="append", default=[], type=Path, help="another pulumi CLI to compare")
    args = parser.parse_args()
    engine = shutil.which("pulumi")
    if engine is None or shutil.which("go") is None:
        sys.exit("bench/pulumi_start.py: needs the engine and Go on PATH: run '. .engine/env' first (make engine)")
    clis = [Path(engine).resolve(), *(path.resolve() for path in args.pulumi)]

    with tempfile.TemporaryDirectory(prefix="pulumi-start-") as folder:
        tmp = Path(folder)
        (tmp / "hello").mkdir()
        (tmp / "hello" / "main.go").write_text(HELLO)
        (tmp / "hello" / "go.mod").write_text("module hello\n\ngo 1.21\n")
        subprocess.run(["go", "build", "-o", str(tmp / "hello-go"), "."], cwd=tmp / "hello", check=True)

        project, state = tmp / "project", tmp / "state"
        project.mkdir()
        state.mkdir()
        (project / "Pulumi.yaml").write_text("name: start-bench\nruntime: python\n")
        (project / "__main__.py").write_text(PROGRAM)
        env = {
            **os.environ,
            "PULUMI_HOME": str(tmp / "home"),
            "PULUMI_BACKEND_URL": f"file://{state}",
            "PULUMI_CONFIG_PASSPHRASE": "bench passphrase",
            "PULUMI_SKIP_UPDATE_CHECK": "true",
            "PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION": "true",
            "PULUMI_PYTHON_CMD": os.environ.get("PULUMI_PYTHON_CMD", sys.executable),
        }
        for setup in (["stack", "init", "bench"], ["up", "--yes", "--skip-preview"]):
            subprocess.run([str(clis[0]), *setup], cwd=project, env=env, check=True, capture_output=True)

        print(f"{'what':<44} {'mean CPU ms':>11} {'stdev':>7}  ({args.rounds} rounds)")
        floor, spread = mean_ms([str(tmp / "hello-go")], tmp, env, args.rounds)
        print(f"{'floor: a Go hello-world':<44} {floor:>11.1f} {spread:>7.1f}")
        for cli in clis:
            print(cli)
            for command in (["version"], ["stack", "output", "--show-secrets"]):
                mean, spread = mean_ms([str(cli), *command], project, env, args.rounds)
                print(f"{'  pulumi ' + ' '.join(command):<44} {mean:>11.1f} {spread:>7.1f}")


if __name__ == "__main__":
    main()

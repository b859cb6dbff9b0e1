"""bench/parallel_create.py at sizes 1 and 2, so that it cannot rot: real creates through the engine on real
test hosts, every machine usable through ``docker-machine env`` and the docker client, then removed."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import require
from tests.dockertools import static_busybox
from bench.testbed import missing_prerequisites

BENCH = Path(__file__).resolve().parent.parent / "bench" / "parallel_create.py"


@pytest.mark.engine
@pytest.mark.remote_host
def test_parallel_create_bench_at_sizes_one_and_two(pulumi_engine, tmp_path):
    require(missing_prerequisites(), "the parallel-create bench")
    static_busybox()
    figures = tmp_path / "figures.json"
    run = subprocess.run(
        [sys.executable, str(BENCH), "--sizes", "1,2", "--json", str(figures)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert "N=2 / N=1: " in run.stdout and " cores " in run.stdout
    report = json.loads(figures.read_text())
    assert [batch["size"] for batch in report["batches"]] == [1, 2]
    for batch in report["batches"]:
        size = batch["size"]
        assert batch["failures"] == [] and batch["usable"] == [f"m{i}" for i in range(size)]
        assert len(batch["creates"]) == size and 0 < max(batch["creates"]) <= batch["wall"] + 0.5
        assert batch["peak_rss"] > size * 50 * 2**20, "the engines and their plugins were sampled"
        assert batch["cpu_ours"] > 0 and batch["cpu_machine"] >= batch["cpu_ours"] * 0.5
        # the steps were seen in order: the engine started, dockerd started on the host, the create ended
        marks = batch["phases"]
        assert (
            0
            < marks["pulumi up started (config set before it)"]
            < marks["dockerd started on the test host"]
            < marks["create exited (outputs read, store written)"]
            <= batch["wall"] + 0.5
        ), marks


def test_bench_refuses_bad_sizes_in_one_line():
    run = subprocess.run([sys.executable, str(BENCH), "--sizes", "1,x"], capture_output=True, text=True, timeout=60)
    assert run.returncode == 2 and run.stderr.strip().splitlines()[-1].endswith(
        "--sizes '1,x': give whole numbers from 1 to 50 separated by commas, e.g. 1,5,10"
    )

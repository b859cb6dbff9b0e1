"""How ``make test`` spreads test files over pytest-xdist workers (tests/hosts.py), on a stand-in suite.

The stand-in files carry the real files' names (the schedule goes by name); each test notes which
worker ran it and when.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).parent.parent

TEST = textwrap.dedent("""
    import os, time

    def note(seconds):
        with open(os.environ["SCHEDULE_LOG"], "a") as log:
            log.write(f"{os.environ['PYTEST_XDIST_WORKER']} {__name__} {time.monotonic()}\\n")
        time.sleep(seconds)
""")


def stand_in_suite(folder: Path, slow_small: float = 0.1) -> Path:
    (folder / "pytest.ini").write_text("[pytest]\ntestpaths = tests\n")
    (folder / "conftest.py").write_text(
        f"import sys\nsys.path.insert(0, {str(ROOT)!r})\npytest_plugins = ('tests.hosts',)\n"
    )
    tests = folder / "tests"
    tests.mkdir()
    files = {
        "test_qemu_real": (1, 3.0),
        "test_engine_cli": (3, 0.3),
        "test_swarm_engine": (1, 0.3),
        "test_swarm_cli": (2, 0.3),
        **{f"test_small_{c}": (2, 0.1) for c in "abcdef"},
        "test_small_z": (2, slow_small),
    }
    for name, (count, seconds) in files.items():
        body = "".join(f"\ndef test_{i}():\n    note({seconds})\n" for i in range(count))
        (tests / f"{name}.py").write_text(TEST + body)
    return folder / "schedule.log"


def run_stand_in_suite(folder: Path, log: Path, *options: str) -> dict[str, list[str]]:
    """Which modules each worker ran, in order."""
    log.unlink(missing_ok=True)
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-n", "2", "--dist", "loadfile", "-q", *options],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=300,
        env={"PATH": "/usr/bin:/bin", "SCHEDULE_LOG": str(log)},
    )
    assert done.returncode == 0, done.stdout + done.stderr
    runs = [line.split() for line in log.read_text().splitlines()]
    assert len(runs) == 1 + 3 + 1 + 2 + 7 * 2
    by_worker: dict[str, list[str]] = {}
    for worker, module, _ in sorted(runs, key=lambda run: float(run[2])):
        by_worker.setdefault(worker, []).append(module)
    return by_worker


def test_the_longest_file_starts_first_shares_its_worker_with_short_ones_and_swarm_files_share_one(tmp_path):
    log = stand_in_suite(tmp_path)
    by_worker = run_stand_in_suite(tmp_path, log, "-p", "no:cacheprovider")
    qemu_worker = next(w for w, modules in by_worker.items() if "test_qemu_real" in modules)
    other = next(w for w in by_worker if w != qemu_worker)
    assert by_worker[qemu_worker][0] == "test_qemu_real", f"the real VM's file starts first: {by_worker}"
    # The other worker takes the long files meanwhile; only short files wait behind the real VM.
    assert by_worker[qemu_worker][1].startswith("test_small_"), by_worker
    assert "test_engine_cli" in by_worker[other], by_worker
    swarm = {w for w, modules in by_worker.items() for m in modules if m.startswith("test_swarm_")}
    assert len(swarm) == 1, f"the swarm files share one worker (and its cluster): {by_worker}"


def test_the_next_run_orders_the_files_by_what_they_took_in_the_last(tmp_path):
    log = stand_in_suite(tmp_path, slow_small=1.0)  # a "small" file that takes 2 s: longer than any but the VM's
    first = run_stand_in_suite(tmp_path, log)
    assert all(modules[0] != "test_small_z" for modules in first.values()), first  # unknown: a default 5 s
    second = run_stand_in_suite(tmp_path, log)
    other = next(modules for modules in second.values() if "test_qemu_real" not in modules[:1])
    assert other[0] == "test_small_z", f"the recorded 2 s put it first beside the VM's file: {second}"

"""Test hosts shared between test files, and how test files are spread over pytest-xdist workers.

Loaded by tests/conftest.py as a plugin. ``make test`` runs ``pytest -n auto --dist loadfile``:
every file runs whole on one worker (its module-scoped hosts are built once), and with this
plugin

- files that share a session-scoped cluster (``SAME_WORKER``) form one unit, so one worker
  builds the cluster once and both files use it;
- the longest files start first (longest processing time first: the seconds each file took in
  the last such run on this machine, else those measured in ``FILE_SECONDS``, else a default), and a worker busy with a unit of minutes (the real
  VM) gets the shortest units queued behind it, not the next long one (an xdist worker always
  holds one queued unit besides the one it runs).

Test hosts are built by bench/testbed.py; the subnets and the guard route are claimed under a
machine-wide lock there, so workers (and two pytest runs) build hosts side by side.
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

import pytest

# Seconds each file took here in a clean clone's whole `make test` (2 cores, four workers, warm caches; slower
# than alone): they order the files when no run on this machine has recorded its own (pytest's cache, key
# CACHE_KEY, written after each run). Only the order matters. test_qemu_real needs ~2 min more when its image
# is built first (a cold cache); most of test_team_s3 is idle (the engine retrying against a stopped S3 server).
# Last measured: 2026-12-06, the clean-clone run of 7 min 1 s (#19).
FILE_SECONDS = {
    "tests/test_qemu_real.py": 280,  # with the shares, ports and set checks (#23); ~200 before
    "tests/test_libvirt_real.py": 275,
    "tests/test_team_s3.py": 145,
    "tests/test_engine_cli.py": 116,
    "tests/test_stacks_pulumi_up.py": 86,
    "tests/test_swarm_cli.py": 68,
    "tests/test_engine_killed.py": 63,
    "tests/test_swarm_engine.py": 52,
    "tests/test_compose_real.py": 52,
    "tests/test_state_migration_engine.py": 41,
    "tests/test_remote_provisioning.py": 40,
    "tests/test_user_project.py": 31,
    "tests/test_ssh_host_keys.py": 31,
    "tests/test_virtualbox_provider.py": 29,
    "tests/test_cli_write.py": 29,
    "tests/test_examples_engine.py": 28,
    "tests/test_bench_parallel.py": 28,
    "tests/test_engine_programs.py": 27,
    "tests/test_command_standin.py": 27,
    "tests/test_create_swarm_flags.py": 25,
    "tests/test_host_key_pinning.py": 24,
    "tests/test_generic_key.py": 24,
    "tests/test_engine_env_secret.py": 22,
    "tests/test_cli_real_host.py": 22,
    "tests/test_cli_fast.py": 22,
    "tests/test_adopt_real.py": 20,
    "tests/test_xdist_schedule.py": 16,
    "tests/test_adopt_mocks.py": 15,
    "tests/test_engine_untrusted.py": 14,
    "tests/test_cli_broken_store.py": 14,
    "tests/test_testbed.py": 12,
    "tests/test_machine_real_host.py": 11,
    "tests/test_engine_store_race.py": 11,
    "tests/test_store_fuzz.py": 10,
    "tests/test_guard_daemons.py": 10,
    "tests/test_set_command.py": 20,
    "tests/test_qemu_aarch64_boot.py": 15,
    "tests/test_qemu_hostagent.py": 10,
    "tests/test_vmware_driver.py": 8,
    "tests/test_vsphere_driver.py": 6,
    "tests/test_plugin_drivers.py": 12,
}
DEFAULT_SECONDS = 5
CACHE_KEY = "pulumi-docker-machine/file-seconds"
# A unit this long runs alone on its worker: what waits behind it should be short.
LONG_SECONDS = 180
# Files that share a session-scoped fixture run on one worker, as one unit.
SAME_WORKER = {
    "tests/test_swarm_engine.py": "swarm cluster",
    "tests/test_swarm_cli.py": "swarm cluster",
}


def file_of(nodeid: str) -> str:
    return nodeid.split("::", 1)[0]


def unit_of(nodeid: str) -> str:
    return SAME_WORKER.get(file_of(nodeid), file_of(nodeid))


def seconds_of(unit: str, known: dict | None = None) -> float:
    seconds = {**FILE_SECONDS, **(known or {})}
    files = [path for path, group in SAME_WORKER.items() if group == unit] or [unit]
    return sum(seconds.get(path, DEFAULT_SECONDS) for path in files)


def recorded_seconds(config) -> dict:
    cache = getattr(config, "cache", None)
    found = cache.get(CACHE_KEY, {}) if cache is not None else {}
    return (
        {path: float(value) for path, value in found.items() if isinstance(value, (int, float))}
        if isinstance(found, dict)
        else {}
    )


class FileTimer:
    """In the process that reports (the controller under xdist): each file's time, kept for the next run."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}

    def pytest_runtest_logreport(self, report) -> None:
        self.seconds[file_of(report.nodeid)] = self.seconds.get(file_of(report.nodeid), 0.0) + report.duration

    def pytest_sessionfinish(self, session) -> None:
        cache = getattr(session.config, "cache", None)
        if cache is not None and self.seconds:
            cache.set(
                CACHE_KEY, {**recorded_seconds(session.config), **{k: round(v, 1) for k, v in self.seconds.items()}}
            )


def pytest_configure(config) -> None:
    # Recorded by the controller of a loadfile run (it gets every report) that ran files whole: no
    # selection by keyword, marker or last failures, nothing deselected by node id.
    whole_files = not (
        config.getoption("keyword", "")
        or config.getoption("markexpr", "")
        or config.getoption("lf", False)
        or config.getoption("deselect", None)
    )
    if not hasattr(config, "workerinput") and config.getoption("dist", "no") == "loadfile" and whole_files:
        config.pluginmanager.register(FileTimer(), "pdm-file-timer")


def _file_scheduling():
    from xdist.scheduler import LoadScopeScheduling

    class FileScheduling(LoadScopeScheduling):
        """xdist's loadfile, with shared-fixture units and the longest units first."""

        def _split_scope(self, nodeid: str) -> str:
            return unit_of(nodeid)

        def schedule(self) -> None:
            if self.collection is None and self.collection_is_completed:
                self.config.option.loadscopereorder = False  # our order, not xdist's by test count
                self._order_units = True
            super().schedule()

        def _assign_work_unit(self, node) -> None:
            if getattr(self, "_order_units", False):
                # The queue is built by now (the first assignment follows it): longest first.
                known = recorded_seconds(self.config)
                self._known = known
                ordered = sorted(self.workqueue.items(), key=lambda item: -seconds_of(item[0], known))
                self.workqueue.clear()
                self.workqueue.update(ordered)
                self._order_units = False
            busy = [scope for scope, work in self.assigned_work.get(node, {}).items() if not all(work.values())]
            if (
                sum(seconds_of(scope, getattr(self, "_known", {})) for scope in busy) >= LONG_SECONDS
                and len(self.workqueue) > 1
            ):
                shortest = next(reversed(self.workqueue))
                self.workqueue.move_to_end(shortest, last=False)
            super()._assign_work_unit(node)

    return FileScheduling


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config, log):
    if config.getvalue("dist") == "loadfile":
        return _file_scheduling()(config, log)
    return None


# ----- shared hosts ------------------------------------------------------------------------------------------------

# What a swarm test file must leave on each host for the next one: no TLS setup and no swarm membership.
LEFT_OVER = (
    "test ! -e /etc/docker/server.pem || echo 'a TLS setup'; "
    "if [ -S /var/run/docker.sock ]; then state=$(docker info --format '{{.Swarm.LocalNodeState}}' 2>&1); "
    '[ "$state" = inactive ] || echo "swarm state $state"; fi'
)


class SwarmHosts:
    """One cluster of three test hosts for the swarm files of this process, rebuilt only when one left it dirty."""

    def __init__(self) -> None:
        self._cluster = None
        self.hosts: list = []

    def clean(self) -> list:
        if self.hosts and any(self.left_over(host) for host in self.hosts):
            self.close()  # a failed test left a swarm or a TLS setup behind: the next file gets new hosts
        if not self.hosts:
            from tests.swarmbed import cluster_hosts

            self._cluster = cluster_hosts(3)
            self.hosts = self._cluster.__enter__()
            key = Path(f"{self.hosts[0].ssh_key}.pub").read_text()
            for host in self.hosts[1:]:
                host.authorize(key)  # one key reaches every host, as one admin's key would
        return self.hosts

    @staticmethod
    def left_over(host) -> str:
        result = host.ssh(LEFT_OVER, timeout=60)
        return result.stdout.decode().strip() if result.returncode == 0 else f"unreachable: {result.stderr.decode()}"

    def close(self) -> None:
        if self._cluster is not None:
            cluster, self._cluster, self.hosts = self._cluster, None, []
            cluster.__exit__(None, None, None)


@pytest.fixture(scope="session")
def _swarm_cluster() -> Iterator[SwarmHosts]:
    shared = SwarmHosts()
    try:
        yield shared
    finally:
        shared.close()


@pytest.fixture(scope="module")
def swarm_hosts(_swarm_cluster) -> list:
    """Three test hosts on one test network (tests/swarmbed.py), shared by the swarm test files.

    Each file gets them as a new cluster's would be for what it checks: no TLS setup and no node in a
    swarm (a file leaves them so: its swarm removed, its machines undone); when a file leaves anything
    behind, the next gets new hosts. hosts[0]'s key is authorized on all three.
    """
    return _swarm_cluster.clean()

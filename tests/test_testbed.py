"""The test bed itself, as many processes use it at once (pytest-xdist workers, two pytest runs)."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import require
from bench.testbed import GUARD_ROUTE, RemoteHost, _alive, missing_prerequisites

pytestmark = pytest.mark.remote_host

ROOT = Path(__file__).parent.parent

# A process holding one test host: it prints the host's address and what the host says its name is,
# closes the host when a line arrives on stdin, and says so.
HOLDER = """
import sys
from bench.testbed import RemoteHost
with RemoteHost(hostname=sys.argv[1]) as host:
    print(host.address, host.output("hostname").strip(), flush=True)
    sys.stdin.readline()
print("closed", flush=True)
"""


class Holder:
    def __init__(self, hostname: str) -> None:
        self.hostname = hostname
        self.process = subprocess.Popen(
            [sys.executable, "-c", HOLDER, hostname],
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

    def ready(self) -> tuple[str, str]:
        line = self.process.stdout.readline()
        assert line, f"the holder of {self.hostname} failed: {self.process.stderr.read()}"
        address, answered = line.split()
        return address, answered

    def release(self) -> None:
        self.process.stdin.write("\n")
        self.process.stdin.flush()
        assert self.process.stdout.readline() == "closed\n", self.process.stderr.read()
        assert self.process.wait(timeout=30) == 0

    def end(self) -> None:
        """Whatever happened: stdin closed, the holder closes its host (killed only if it hangs)."""
        if self.process.poll() is None:
            self.process.stdin.close()
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def guard_route() -> str:
    return subprocess.run(["ip", "route", "show", GUARD_ROUTE], capture_output=True, text=True).stdout.strip()


@pytest.fixture
def holders():
    require(missing_prerequisites(), "the test bed's own tests")
    made: list[Holder] = []
    yield made
    for holder in made:
        holder.end()


def test_processes_building_hosts_at_once_each_get_their_own_subnet(holders):
    names = [f"dmtest-par{i}" for i in range(6)]
    holders.extend(Holder(name) for name in names)  # all six start together
    answers = [holder.ready() for holder in holders]
    addresses = [address for address, _ in answers]
    assert len(set(addresses)) == len(addresses), f"two processes took one subnet: {addresses}"
    # Each address reaches the host its own process built, nobody else's.
    assert [answered for _, answered in answers] == names
    for holder in holders:
        holder.release()


def test_the_guard_route_stays_while_any_process_has_a_host(holders):
    first = Holder("dmtest-first")
    holders.append(first)
    first.ready()
    assert guard_route().startswith("unreachable"), "the first host added the guard route"
    second = Holder("dmtest-second")
    holders.append(second)
    second.ready()
    first.release()  # whoever added the route is gone; the second process still has a host
    assert guard_route().startswith("unreachable"), "the guard route went while another process had a host"
    second.release()


def test_teardown_waits_only_as_long_as_the_processes_take():
    require(missing_prerequisites(), "the test bed's own tests")
    host = RemoteHost()
    try:
        host.output("sleep 300 </dev/null >/dev/null 2>&1 & echo started")
    except BaseException:
        host.close()
        raise
    pids = host.pids()
    started = time.monotonic()
    host.close()
    took = time.monotonic() - started
    # sshd (this process's child) ended at once on SIGTERM: nothing waits out the 5 s grace any more.
    assert took < 3, f"closing an idle test host took {took:.1f} s"
    assert not any(_alive(pid) for pid in pids), "a test host's process outlived it"
    assert not Path("/run/netns", host.name).exists()


def test_shared_swarm_hosts_stay_while_clean_and_are_rebuilt_when_a_file_left_something_behind():
    from tests.hosts import SwarmHosts

    require(missing_prerequisites(), "the test bed's own tests")
    shared = SwarmHosts()
    try:
        first = shared.clean()
        names = [host.name for host in first]
        assert [host.name for host in shared.clean()] == names, "clean hosts are kept for the next file"
        key = Path(f"{first[0].ssh_key}.pub").read_text().strip()
        assert all(key in host.authorized_keys.read_text() for host in first), "hosts[0]'s key reaches all three"
        first[1].output("mkdir -p /etc/docker && touch /etc/docker/server.pem")  # as a failed test would leave it
        assert shared.left_over(first[1]) == "a TLS setup"
        second = shared.clean()
        assert not {host.name for host in second} & set(names), "the next file gets new hosts"
        assert not any(Path("/run/netns", name).exists() for name in names), "the dirty ones are gone"
        assert all(shared.left_over(host) == "" for host in second)
    finally:
        shared.close()


def test_hosts_of_a_killed_run_are_removed_by_the_next_host_made(holders):
    """A run killed with SIGKILL tears nothing down: its namespaces, their processes and subnets would stay for
    good. The next process that makes a host removes those of owners that are gone, and only those."""
    killed = Holder("killed")
    holders.append(killed)
    address, _ = killed.ready()
    namespace = next(p.name for p in Path("/run/netns").glob(f"dmtest-{killed.process.pid}-*"))
    inside = subprocess.run(["ip", "netns", "pids", namespace], capture_output=True, text=True).stdout.split()
    assert inside, "the host runs sshd in its namespace"
    gateway = f" {address.rsplit('.', 1)[0]}.1/"
    claims = subprocess.run(["ip", "-o", "-4", "addr", "show"], capture_output=True, text=True).stdout
    claim = next(line.split()[1] for line in claims.splitlines() if gateway in line)  # the interface holding it
    live = Holder("live")
    holders.append(live)
    live.ready()
    killed.process.kill()
    killed.process.wait()
    assert Path("/run/netns", namespace).exists(), "nothing tore it down"
    later = Holder("later")
    holders.append(later)
    later.ready()
    assert not Path("/run/netns", namespace).exists()
    assert not any(_alive(int(pid)) for pid in inside)
    # Its claim on the subnet (the gateway address on its veth) is gone with the veth; another worker's host may
    # already hold the same subnet on a veth of its own.
    assert not Path("/sys/class/net", claim).exists(), "the killed host's subnet is free again"
    assert list(Path("/run/netns").glob(f"dmtest-{live.process.pid}-*")), "a live owner's host stays"
    live.release()
    later.release()

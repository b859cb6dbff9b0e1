"""The qemu host agent (components/drivers/qemu/hostagent/): which forwards a VM should have against those it
has, QEMU 7.2's text answers (a fake QMP server, checked against the real program), the Docker API's data
checked before it becomes a rule, and the agent process (detached, found by its pidfile, stopped, light)."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from pulumi_docker_machine.components.drivers.localvm import free_local_port
from pulumi_docker_machine.components.drivers.qemu import hostagent
from pulumi_docker_machine.components.drivers.qemu.hostagent import portsync
from pulumi_docker_machine.components.drivers.qemu.hostagent.portsync import (
    forward_problem,
    parse_forward,
    present,
    published,
    sync,
    wanted,
)
from pulumi_docker_machine.components.drivers.qemu.qmp import qmp
from tests.conftest import require
from tests.fakes.qmp_hostfwd import FakeQMP, forwards

SCRIPT = str(Path(sys.executable).parent / "docker-machine")


@pytest.fixture
def fake(tmp_path):
    server = FakeQMP(tmp_path / "qmp.sock")
    yield server
    server.close()


def monitor_of(path: Path):
    return lambda line: qmp(path, "human-monitor-command", {"command-line": line})


def container(name: str, *ports: dict) -> dict:
    return {"Id": ident(name), "Names": [f"/{name}"], "Ports": list(ports)}


def ident(name: str) -> str:
    return name.encode().hex().ljust(64, "0")[:64]


def tcp(public, private=80, ip="0.0.0.0", kind="tcp") -> dict:
    return {"IP": ip, "PrivatePort": private, "PublicPort": public, "Type": kind}


def refused(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) != 0


def hold(port: int) -> socket.socket:
    sock = socket.socket()
    sock.bind(("0.0.0.0", port))  # anything listening on the port, on any address of this computer
    sock.listen(1)
    return sock


def test_the_fake_answers_hostfwd_as_qemu_7_2_does(tmp_path):
    require([] if shutil.which("qemu-system-x86_64") else ["qemu-system-x86_64"], "QEMU's monitor wording")
    good, taken, kept = free_local_port(), free_local_port(), free_local_port()
    script = [
        f"hostfwd_add net0 tcp:127.0.0.1:{good}-:80",
        f"hostfwd_add net0 tcp:127.0.0.1:{good}-:80",  # its own port, already forwarded
        f"hostfwd_add net0 tcp:127.0.0.1:{taken}-:80",
        f"hostfwd_add nope tcp:127.0.0.1:{good}-:80",
        "hostfwd_add net0 tcp:127.0.0.1:99999-:80",
        "hostfwd_add net0 bogus",
        "info usernet",
        f"hostfwd_remove net0 tcp:127.0.0.1:{good}",
        f"hostfwd_remove net0 tcp:127.0.0.1:{good}",
        f"hostfwd_remove nope tcp:127.0.0.1:{good}",
        f"hostfwd_add tcp:127.0.0.1:{good}-:81",  # without the netdev id
        "info usernet",
    ]

    def normal(answer: str) -> list:  # the FD column and the rows' order are QEMU's own business
        lines = [line.split() for line in answer.splitlines()]
        return sorted(words[:1] + words[2:] if words[0].startswith("TCP[") else words for words in lines if words)

    real = tmp_path / "real"
    real.mkdir()
    squatter = hold(taken)
    try:
        subprocess.run(
            ["qemu-system-x86_64", "-S", "-display", "none", "-machine", "q35", "-accel", "tcg", "-nodefaults"]
            + ["-netdev", f"user,id=net0,hostfwd=tcp:127.0.0.1:{kept}-:22", "-device", "virtio-net-pci,netdev=net0"]
            + ["-chardev", "socket,id=qmp0,path=qmp.sock,server=on,wait=off", "-mon", "chardev=qmp0,mode=control"]
            + ["-daemonize", "-pidfile", str(real / "qemu.pid")],
            cwd=real,
            check=True,
            timeout=30,
        )
        try:
            qemu = [monitor_of(real / "qmp.sock")(line) for line in script]
        finally:
            qmp(real / "qmp.sock", "quit")
        deadline = time.monotonic() + 10
        while not refused(kept) and time.monotonic() < deadline:
            time.sleep(0.05)
        server = FakeQMP(tmp_path / "fake.sock", {kept: 22})
        try:
            ours = [monitor_of(tmp_path / "fake.sock")(line) for line in script]
        finally:
            server.close()
    finally:
        squatter.close()
    assert [normal(a) for a in ours] == [normal(a) for a in qemu], (ours, qemu)
    assert qemu[0] == "" and qemu[1].startswith(portsync.ADD_FAILED) and qemu[7].strip().endswith("removed")


def test_sync_forwards_published_ports_and_static_ones_removes_the_rest_and_never_the_machines_own(fake, tmp_path):
    ssh, docker, stale, web, static, taken, inside = (free_local_port() for _ in range(7))
    for host, guest in ((ssh, 22), (docker, 2376), (stale, 9000)):
        assert fake.hostfwd_add(f"tcp:127.0.0.1:{host}-:{guest}") == ""
    containers = [
        container("web", tcp(web, ip="0.0.0.0"), tcp(web, ip="::"), tcp(web, ip="", kind="udp")),
        container("local-only", tcp(inside, ip="127.0.0.1")),  # the guest's loopback: no forward reaches it
        container("busy", tcp(taken)),
        container("own", tcp(ssh)),
    ]
    squatter = hold(taken)
    try:
        outcome = sync(monitor_of(fake.path), wanted(containers, [(static, 8443)]), keep=[ssh, docker])
        assert forwards(fake) == {ssh: 22, docker: 2376, web: web, static: 8443}
        assert outcome.forwarded == {web: (web, "container web"), static: (8443, f"--qemu-forward {static}:8443")}
        assert outcome.skipped == {
            taken: (taken, "container busy", f"127.0.0.1:{taken} is already in use on this computer"),
            ssh: (ssh, "container own", f"127.0.0.1:{ssh} is this machine's own SSH or Docker forward"),
        }
        assert sorted(outcome.added) == sorted([web, static]) and outcome.removed == [stale] and not outcome.errors
        assert not refused(web) and refused(stale) and refused(inside)

        # Nothing changed: nothing is done but reading the table (the taken port is tried again).
        fake.commands.clear()
        again = sync(monitor_of(fake.path), wanted(containers, [(static, 8443)]), keep=[ssh, docker])
        assert fake.commands == ["info usernet", f"hostfwd_add net0 tcp:127.0.0.1:{taken}-:{taken}"]
        assert again.forwarded == outcome.forwarded and not again.added and not again.removed
    finally:
        squatter.close()
    # The squatter went: the port is forwarded at the next sync. The web container died: its port closes.
    outcome = sync(monitor_of(fake.path), wanted([container("busy", tcp(taken))], [(static, 8443)]), [ssh, docker])
    assert forwards(fake) == {ssh: 22, docker: 2376, static: 8443, taken: taken}
    assert outcome.removed == [web] and outcome.added == [taken] and refused(web)


def test_a_forward_to_another_guest_port_is_replaced_and_a_remove_qemu_does_not_confirm_is_reported(fake):
    host, other = free_local_port(), free_local_port()
    fake.hostfwd_add(f"tcp:127.0.0.1:{host}-:9999")
    fake.hostfwd_add(f"tcp:127.0.0.1:{other}-:1")
    fake.answers[f"hostfwd_remove net0 tcp:127.0.0.1:{other}"] = "Error: something new\r\n"
    outcome = sync(monitor_of(fake.path), wanted([container("a", tcp(host))], []), keep=[])
    assert forwards(fake) == {host: host, other: 1}
    assert outcome.errors == [f"removing the forward of 127.0.0.1:{other}: Error: something new"]


def test_privileged_ports_and_unexpected_answers_are_told_apart(monkeypatch):
    answer = "Could not set up host forwarding rule 'tcp:127.0.0.1:80-:80'\r\n"
    monkeypatch.setattr(os, "geteuid", lambda: 1000)
    monkeypatch.setattr(portsync, "unprivileged_start", lambda: 1024)
    assert portsync.add_problem(answer, 80) == (
        "127.0.0.1:80 is a privileged port here: QEMU, running as you, cannot listen on it"
    )
    assert portsync.add_problem(answer, 8080) == "127.0.0.1:8080 is already in use on this computer"
    assert portsync.add_problem("Some\r\nnew  text", 8080) == "QEMU refused the forward: Some new text"


def test_what_the_engine_sends_becomes_a_rule_only_as_checked_ports():
    junk = [
        "not a container",
        {"Names": ["/x"], "Ports": "80"},
        container(
            "odd\x1b[31mname",
            tcp("8080"),
            tcp(True),
            tcp(0),
            tcp(70000),
            tcp(-1),
            tcp(8081.0),
            {"PrivatePort": 80, "PublicPort": 8082},
            tcp(8083, ip="::1"),
            tcp(8084),
        ),
        {"Id": "f" * 64, "Ports": [tcp(8085)]},
    ]
    assert published(junk) == {8084: "container odd?[31mname", 8085: "container ffffffffffff"}
    assert published(junk, gone={"f" * 64}) == {8084: "container odd?[31mname"}
    assert published({"Ports": []}) == {} and published(None) == {}
    assert wanted([container("a", tcp(8080))], [(8080, 80)]) == {8080: (80, "--qemu-forward 8080:80")}
    for bad in ("8080", True, 0, None):
        with pytest.raises(ValueError):
            portsync.rule(bad)  # type: ignore[arg-type]
    assert portsync.rule(8080, 80) == "tcp:127.0.0.1:8080-:80"
    # info usernet: only TCP forwards from 127.0.0.1 with sane ports count.
    table = (
        "Hub -1 (net0):\r\n  Protocol[State]    FD  Source Address  Port   Dest. Address  Port RecvQ SendQ\r\n"
        "  TCP[HOST_FORWARD]  15       127.0.0.1  8080       10.0.2.15    80     0     0\r\n"
        "  UDP[HOST_FORWARD]  16       127.0.0.1  5353       10.0.2.15    53     0     0\r\n"
        "  TCP[HOST_FORWARD]  17         0.0.0.0  9090       10.0.2.15    90     0     0\r\n"
        "  TCP[ESTABLISHED]   18       10.0.2.15 40000   93.184.216.34   443     0     0\r\n"
        "  TCP[HOST_FORWARD]  19       127.0.0.1 99999       10.0.2.15    80     0     0\r\n"
    )
    assert present(table) == {8080: 80}


@pytest.mark.parametrize(
    "values, problem",
    [
        (["8080:80", "8443:443"], None),
        (["8080"], "--qemu-forward '8080' must be HOST:GUEST, two ports from 1 to 65535"),
        (["0:80"], "--qemu-forward '0:80' must be HOST:GUEST, two ports from 1 to 65535"),
        (["8080:70000"], "--qemu-forward '8080:70000' must be HOST:GUEST, two ports from 1 to 65535"),
        (["8080:80:1"], "--qemu-forward '8080:80:1' must be HOST:GUEST, two ports from 1 to 65535"),
        (["-1:80"], "--qemu-forward '-1:80' must be HOST:GUEST, two ports from 1 to 65535"),
        (["8080:80", "8080:81"], "--qemu-forward gives host port 8080 twice"),
    ],
)
def test_qemu_forward_values(values, problem):
    assert forward_problem(values) == problem
    if problem is None:
        assert [parse_forward(v) for v in values] == [(8080, 80), (8443, 443)]


def fake_vm(folder: Path) -> subprocess.Popen:
    """A process that passes for the VM's QEMU: its pidfile's path among its arguments, as QEMU's is."""
    process = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)", str(folder / "qemu.pid")])
    (folder / "qemu.pid").write_text(f"{process.pid}\n")
    assert wait_for(lambda: hostagent.running_pid(folder / "qemu.pid") == process.pid)
    return process


def wait_for(condition, timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.05)
    return bool(condition())


def test_the_agent_runs_detached_waits_for_the_certificates_and_ends_with_the_vm(tmp_path):
    folder = tmp_path / "machine"
    folder.mkdir()
    server = FakeQMP(folder / "qmp.sock")
    vm = fake_vm(folder)
    try:
        pid = hostagent.start_agent(folder, 2376, [2222, 2376], [(8080, 80)])
        assert hostagent.agent_pid(folder) == pid
        assert os.getsid(pid) == pid, "its own session: not ended with the command's process group or terminal"
        assert wait_for(lambda: (folder / hostagent.STATUS).exists())
        status = json.loads((folder / hostagent.STATUS).read_text())
        assert status["Pid"] == pid and status["Engine"].startswith("waiting: no client certificate yet"), status
        environ = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
        assert {entry.split(b"=")[0] for entry in environ if entry} <= {k.encode() for k in hostagent.ENVIRONMENT}

        hostagent.stop_agent(folder)
        assert hostagent.agent_pid(folder) is None and not (folder / hostagent.PIDFILE).exists()
        assert not (folder / hostagent.STATUS).exists()
        log = (folder / hostagent.LOG).read_text()
        assert "static forwards ['8080:80']" in log and "engine: waiting: no client certificate yet" in log, log
        assert log.rstrip().endswith("stopped"), log
        assert (folder / hostagent.LOG).stat().st_mode & 0o777 == 0o600

        # Started again, it ends by itself once the VM's QEMU is gone.
        pid = hostagent.start_agent(folder, 2376, [2222, 2376], [])
        vm.kill()
        vm.wait()
        assert wait_for(lambda: hostagent.agent_pid(folder) is None)
        assert not (folder / hostagent.PIDFILE).exists()
        assert (folder / hostagent.LOG).read_text().rstrip().endswith("the VM is not running: the agent ends")
    finally:
        hostagent.stop_agent(folder)
        vm.kill()
        server.close()


def test_a_stale_agent_pidfile_is_not_taken_for_the_agent(tmp_path):
    (tmp_path / hostagent.PIDFILE).write_text(f"{os.getpid()}\n")  # a pid reused by another process
    assert hostagent.agent_pid(tmp_path) is None
    (tmp_path / hostagent.PIDFILE).write_text("not a pid\n")
    assert hostagent.agent_pid(tmp_path) is None
    hostagent.stop_agent(tmp_path)  # kills nothing; clears the stale file
    assert not (tmp_path / hostagent.PIDFILE).exists()
    with pytest.raises(ValueError, match="ports from 1 to 65535"):
        hostagent.command(tmp_path, 2376, [0], [])


def test_the_agent_imports_neither_pulumi_nor_the_cli():
    probe = (
        "import runpy, sys\n"
        "sys.argv = ['hostagent', '--help']\n"
        "try:\n"
        f"    runpy.run_module({hostagent.MODULE!r}, run_name='__main__')\n"
        "except SystemExit:\n"
        "    pass\n"
        "print(' '.join(sorted(sys.modules)))\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    loaded = done.stdout.split()
    assert "pulumi_docker_machine.components.drivers.qemu.hostagent.portsync" in loaded
    heavy = [m for m in loaded if m.split(".")[0] in ("pulumi", "click", "cryptography", "rich", "dill", "grpc")]
    assert heavy == [] and not [m for m in loaded if m.startswith("pulumi_docker_machine.cli")], heavy


@pytest.mark.parametrize(
    "flags, message",
    [
        (["--qemu-forward", "8080"], "qemu --qemu-forward '8080' must be HOST:GUEST, two ports from 1 to 65535"),
        (["--qemu-forward", "8080:80", "--qemu-forward", "8080:81"], "qemu --qemu-forward gives host port 8080 twice"),
    ],
)
def test_the_installed_command_refuses_a_bad_forward_in_one_line_and_makes_nothing(tmp_path, flags, message):
    store = tmp_path / "store"
    (tmp_path / "x.qcow2").write_bytes(b"")
    args = [SCRIPT, "create", "-d", "qemu", "--qemu-accel", "tcg", "--qemu-image", str(tmp_path / "x.qcow2")]
    env = {**os.environ, "MACHINE_STORAGE_PATH": str(store)}
    done = subprocess.run([*args, "--qemu-no-share", *flags, "dev"], capture_output=True, text=True, env=env)
    assert done.returncode == 1 and message in done.stderr and "Traceback" not in done.stderr, done.stderr
    assert len(done.stderr.strip().splitlines()) <= 2, done.stderr
    assert not (store / "machines" / "dev").exists()


def test_the_agent_follows_the_engines_events_reports_taken_ports_and_reconnects_after_a_restart(tmp_path):
    from tests.conftest import add_machine
    from tests.fakes.docker_events import FakeDocker

    store = tmp_path / "store"
    folder = add_machine(store, "dev", ip="127.0.0.1", engine_port=0)
    web, later, busy, static = (free_local_port() for _ in range(4))
    server = FakeQMP(folder / "qmp.sock")
    vm = fake_vm(folder)
    engine = FakeDocker(folder, [container("web", tcp(web))])
    squatter = hold(busy)
    try:
        started = time.monotonic()
        hostagent.start_agent(folder, engine.port, [engine.port], [(static, 80)])
        assert wait_for(lambda: forwards(server) == {web: web, static: 80}, 5), forwards(server)
        assert wait_for(lambda: engine.streams, 5) and time.monotonic() - started < 5

        # A container starts: forwarded at its event, well before the agent's periodic sync.
        engine.containers = [container("web", tcp(web)), container("later", tcp(later)), container("busy", tcp(busy))]
        engine.event("start")
        assert wait_for(lambda: forwards(server) == {web: web, static: 80, later: later}, 3), forwards(server)
        assert not refused(later)
        assert wait_for(lambda: "Skipped" in (folder / hostagent.STATUS).read_text(), 3)
        env = {**os.environ, "MACHINE_STORAGE_PATH": str(store)}
        shown = subprocess.run(
            [SCRIPT, "inspect", "--format", "{{json .HostAgent}}", "dev"], capture_output=True, text=True, env=env
        )
        status = json.loads(shown.stdout)
        assert status["Engine"] == "connected" and status["Skipped"] == [
            {
                "HostIP": "127.0.0.1",
                "HostPort": busy,
                "GuestPort": busy,
                "For": "container busy",
                "Reason": f"127.0.0.1:{busy} is already in use on this computer",
            }
        ]
        assert {(f["HostPort"], f["GuestPort"], f["For"]) for f in status["Forwarded"]} == {
            (web, web, "container web"),
            (later, later, "container later"),
            (static, 80, f"--qemu-forward {static}:80"),
        }

        # A container dies: its port closes at the event, while the engine still lists it as running for a moment
        # (as Docker 20.10 does at ``docker rm -f``, whose events are kill, die, destroy).
        engine.event("die", ident("web"))
        assert wait_for(lambda: web not in forwards(server), 3) and refused(web)
        engine.event("start", ident("web"))  # started again (a restart policy): forwarded again
        assert wait_for(lambda: web in forwards(server), 3)

        # dockerd restarts: its containers die (events), one comes back under the same id while the agent is
        # disconnected (no start event reaches it); the agent reconnects and syncs.
        engine.event("die", ident("later"))
        assert wait_for(lambda: later not in forwards(server), 3)
        engine.close()
        time.sleep(0.5)
        engine = FakeDocker(folder, [container("later", tcp(later))], port=engine.port)
        assert wait_for(lambda: forwards(server) == {static: 80, later: later}, 5), forwards(server)
        assert refused(web)
        log = (folder / hostagent.LOG).read_text()
        assert f"not forwarding 127.0.0.1:{busy} to the VM's port {busy} (container busy): " in log, log
        assert "engine: the event stream ended" in log and log.count("engine: connected") == 2, log
    finally:
        hostagent.stop_agent(folder)
        squatter.close()
        engine.close()
        vm.kill()
        server.close()

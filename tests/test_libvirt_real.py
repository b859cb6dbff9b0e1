"""Docker Machine's walkthrough on a real libvirt host: libvirtd started by the test (no systemd), QEMU under TCG
(domain type qemu) on the cached test image (tests/images/build-qemu-image.sh, direct kernel boot), an isolated
network and a storage pool made by the test. create -> env -> docker run -> stop/start -> rm, through the real
Pulumi engine; nothing is left in libvirt, its pool or the firewall. One boot and one start."""

from __future__ import annotations

import contextlib
import dataclasses
import ipaddress
import os
import resource
import shutil
import signal
import subprocess
import tempfile
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import require
from tests.test_engine_cli import machine, shell
from bench.testbed import claim_subnet, release_subnet
from tests import test_qemu_real

pytestmark = [pytest.mark.engine, pytest.mark.qemu]
qemu_image = test_qemu_real.qemu_image  # the session fixture: the cached image, built once
SYSTEM_URI = "qemu:///system"
LIBVIRT_CHAINS = ("LIBVIRT_INP", "LIBVIRT_OUT", "LIBVIRT_FWO", "LIBVIRT_FWI", "LIBVIRT_FWX", "LIBVIRT_PRT")


@dataclass(frozen=True)
class LibvirtHost:
    uri: str
    pool: str
    network: str
    bridge: str
    subnet: ipaddress.IPv4Network
    folder: Path  # world-traversable (QEMU runs as libvirt-qemu): the pool and the test's image links live here

    def virsh(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        done = subprocess.run(["virsh", "--quiet", "--connect", self.uri, *args], capture_output=True, text=True)
        assert not check or done.returncode == 0, f"virsh {' '.join(args)}: {done.stderr}"
        return done


def missing() -> list[str]:
    found = [f"command {tool}" for tool in ("libvirtd", "virtlogd", "virsh", "iptables-save") if not shutil.which(tool)]
    return found + ([] if os.geteuid() == 0 else ["root (libvirtd's system mode)"])


def firewall() -> list[str]:
    """The rules (no counters) of every table, IPv4 and IPv6, as iptables-save prints them."""
    lines = []
    for program in ("iptables-save", "ip6tables-save"):
        done = subprocess.run([program], capture_output=True, text=True)
        lines += [line for line in done.stdout.splitlines() if not line.startswith("#") and not line.startswith(":")]
        lines += [line.split()[0] for line in done.stdout.splitlines() if line.startswith(":")]  # chain names
    return lines


def _answers(uri: str) -> bool:
    return subprocess.run(["virsh", "--connect", uri, "uri"], capture_output=True, timeout=30).returncode == 0


def _pid(pidfile: Path) -> int | None:
    with contextlib.suppress(OSError, ValueError):
        return int(pidfile.read_text().strip())
    return None


def _stop(pidfile: Path) -> None:
    pid = _pid(pidfile)
    if pid is None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and Path(f"/proc/{pid}").exists():
        time.sleep(0.1)
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)


def network_xml(name: str, bridge: str, subnet: ipaddress.IPv4Network) -> str:
    hosts = list(subnet.hosts())
    root = ET.Element("network")
    ET.SubElement(root, "name").text = name
    ET.SubElement(root, "bridge", name=bridge, stp="on", delay="0")
    ip = ET.SubElement(root, "ip", address=str(hosts[0]), netmask=str(subnet.netmask))
    dhcp = ET.SubElement(ip, "dhcp")
    ET.SubElement(dhcp, "range", start=str(hosts[9]), end=str(hosts[99]))
    return ET.tostring(root, encoding="unicode")  # no <forward>: isolated


def _libvirt_rules(rules: list[str], host: LibvirtHost) -> list[str]:
    marks = (*LIBVIRT_CHAINS, host.bridge, str(host.subnet))
    return [rule for rule in rules if any(mark in rule for mark in marks)]


def _drop_libvirt_chains() -> None:
    """The top-level chains libvirtd makes at its start (and leaves at its exit), with the jumps to them."""
    for program in ("iptables", "ip6tables"):
        for table, builtins in (
            ("filter", ("INPUT", "OUTPUT", "FORWARD")),
            ("nat", ("POSTROUTING",)),
            ("mangle", ("POSTROUTING",)),
        ):
            for builtin in builtins:
                for chain in LIBVIRT_CHAINS:
                    while (
                        subprocess.run(
                            [program, "-w", "-t", table, "-D", builtin, "-j", chain], capture_output=True
                        ).returncode
                        == 0
                    ):
                        pass
            for chain in LIBVIRT_CHAINS:
                subprocess.run([program, "-w", "-t", table, "-F", chain], capture_output=True)
                subprocess.run([program, "-w", "-t", table, "-X", chain], capture_output=True)


@contextlib.contextmanager
def libvirt_host() -> Iterator[LibvirtHost]:
    before = firewall()
    runtime, logs = Path("/run/libvirt"), Path("/var/log/libvirt/qemu")
    fresh_runtime = not runtime.exists()
    old_logs = set(logs.iterdir()) if logs.is_dir() else set()
    folder = Path(tempfile.mkdtemp(prefix="pdm-libvirt-", dir="/var/tmp"))
    folder.chmod(0o755)
    started: list[Path] = []
    tag = f"{os.getpid() % 100000:05d}"
    try:
        if _answers(SYSTEM_URI):
            uri = SYSTEM_URI
        else:
            run = folder / "run"
            run.mkdir()
            conf = folder / "libvirtd.conf"
            conf.write_text(f'unix_sock_dir = "{run}"\nunix_sock_rw_perms = "0700"\nauth_unix_rw = "none"\n')
            if not Path("/run/libvirt/virtlogd-sock").exists():
                subprocess.run(["virtlogd", "-d", "-p", str(folder / "virtlogd.pid")], check=True, timeout=30)
                started.append(folder / "virtlogd.pid")
            subprocess.run(
                ["libvirtd", "-d", "-p", str(folder / "libvirtd.pid"), "-f", str(conf)], check=True, timeout=60
            )
            started.append(folder / "libvirtd.pid")
            uri = f"qemu:///system?socket={run}/libvirt-sock"
            deadline = time.monotonic() + 60
            while not _answers(uri):
                assert time.monotonic() < deadline, "libvirtd did not answer within 60 s"
                time.sleep(0.5)
        host = LibvirtHost(
            uri, f"pdmtest-{tag}", f"pdmtest-{tag}", f"pdmbr{tag}", ipaddress.IPv4Network("0.0.0.0/32"), folder
        )
        # libvirt's default network NATs to the outside: the test never uses it, nor leaves it running.
        active = host.virsh("net-list", "--name").stdout.split()
        if "default" in active and started:
            host.virsh("net-destroy", "--network", "default")
        (folder / "pool").mkdir(mode=0o755)
        host.virsh("pool-create-as", "--name", host.pool, "--type", "dir", "--target", str(folder / "pool"))
        net = folder / "network.xml"

        def claim(n: int) -> None:
            # The test hosts' range (bench/testbed.py: claimed under its lock, behind its guard route), which the
            # stand-in command provider lets the tests reach; libvirt puts 10.213.N.1 on the bridge it makes.
            net.write_text(network_xml(host.network, host.bridge, ipaddress.IPv4Network(f"10.213.{n}.0/24")))
            host.virsh("net-create", "--file", str(net))

        host = dataclasses.replace(host, subnet=ipaddress.IPv4Network(f"10.213.{claim_subnet(claim)}.0/24"))
        try:
            yield host
        finally:
            release_subnet(lambda: host.virsh("net-destroy", "--network", host.network, check=False))
            host.virsh("pool-destroy", "--pool", host.pool, check=False)
        left = _libvirt_rules(firewall(), host)
        assert not [rule for rule in left if host.bridge in rule or str(host.subnet) in rule], left
    finally:
        for pidfile in reversed(started):
            _stop(pidfile)
        if started:
            _drop_libvirt_chains()
            if fresh_runtime:
                shutil.rmtree(runtime, ignore_errors=True)  # the daemons' runtime state, made by their start
        for log in (set(logs.iterdir()) if logs.is_dir() else set()) - old_logs:
            log.unlink(missing_ok=True)  # the domain's QEMU log (printed by the test when the create failed)
        shutil.rmtree(folder, ignore_errors=True)
    related = (*LIBVIRT_CHAINS, f"pdmbr{tag}")
    after = [rule for rule in firewall() if any(mark in rule for mark in related)]
    assert after == [rule for rule in before if any(mark in rule for mark in related)], after


@pytest.fixture
def libvirt(qemu_image) -> Iterator[LibvirtHost]:
    require(missing(), "the real libvirt test")
    with libvirt_host() as host:
        yield host


def linked(source: Path, folder: Path) -> Path:
    """``source`` in ``folder`` (QEMU runs as libvirt-qemu, which cannot pass root's 0700 home): a hard link, a copy
    where the file system refuses one."""
    target = folder / source.name
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)
    return target


def qemu_cpu(name: str) -> float:
    """CPU seconds the domain's running QEMU has used (libvirt's pidfile; 0 when it runs no more)."""
    try:
        pid = int(Path(f"/run/libvirt/qemu/{name}.pid").read_text().strip())
        stat = Path(f"/proc/{pid}/stat").read_text()
    except (OSError, ValueError):
        return 0.0
    fields = stat[stat.rindex(")") + 2 :].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def test_create_env_run_stop_start_rm_on_libvirt(world, pulumi_engine, qemu_image, libvirt, tmp_path):
    images = libvirt.folder / "image"
    images.mkdir(mode=0o755)
    disk, kernel, initrd = (linked(qemu_image / name, images) for name in ("disk.qcow2", "vmlinuz", "initrd.img"))
    started, cpu, guest = time.monotonic(), resource.getrusage(resource.RUSAGE_CHILDREN), 0.0
    created = machine(
        world,
        "create",
        "-d",
        "libvirt",
        "--libvirt-uri",
        libvirt.uri,
        "--libvirt-network",
        libvirt.network,
        "--libvirt-storage-pool",
        libvirt.pool,
        "--libvirt-domain-type",
        "qemu",
        "--libvirt-image",
        str(disk),
        "--libvirt-kernel",
        str(kernel),
        "--libvirt-initrd",
        str(initrd),
        "--libvirt-append",
        test_qemu_real.APPEND,
        "--libvirt-memory",
        "1024",
        "--libvirt-cpu-count",
        "1",
        "--libvirt-disk-size",
        "4000",
        "--engine-install-url",
        "none",
        "dev",
        timeout=1800,
    )
    try:
        assert created.returncode == 0, created.stdout + created.stderr
        domain = ET.fromstring(libvirt.virsh("dumpxml", "--domain", "dev").stdout)
        assert domain.get("type") == "qemu" and domain.findtext("./os/kernel") == str(kernel)
        assert domain.find("./devices/interface/source").get("network") == libvirt.network
        address = ipaddress.ip_address(machine(world, "ip", "dev").stdout.strip())
        assert address in libvirt.subnet, f"{address} is on the test's isolated network {libvirt.subnet}"
        assert machine(world, "url", "dev").stdout.strip() == f"tcp://{address}:2376"

        test_qemu_real.env_import_busybox_and_say_hello(world, tmp_path)
        assert machine(world, "ssh", "dev", "hostname").stdout.strip() == "dev", "cloud-init applied the seed"

        guest += qemu_cpu("dev")  # the first boot's QEMU
        stopped = machine(world, "stop", "dev", timeout=600)
        assert stopped.returncode == 0, stopped.stdout + stopped.stderr
        assert machine(world, "status", "dev").stdout.strip() == "Stopped"
        assert libvirt.virsh("domstate", "--domain", "dev").stdout.strip() == "shut off"

        again = machine(world, "start", "dev", timeout=1800)
        assert again.returncode == 0, again.stdout + again.stderr
        assert libvirt.virsh("domstate", "--domain", "dev").stdout.strip() == "running"
        run = shell(world, "docker $(docker-machine config dev) run --rm dmtest/busybox echo again", timeout=600)
        assert run.stdout == "again\n", "the same certificates and disk after a restart: " + run.stderr
    finally:
        if created.returncode != 0:
            log = Path("/var/log/libvirt/qemu/dev.log")
            print(log.read_text(errors="replace")[-3000:] if log.exists() else "(no QEMU log)")
        guest += qemu_cpu("dev")
        removed = machine(world, "rm", "-y", "dev", timeout=600)
        wall, after = time.monotonic() - started, resource.getrusage(resource.RUSAGE_CHILDREN)
        print(
            f"libvirt walkthrough: {wall:.0f} s wall, {after.ru_utime + after.ru_stime - cpu.ru_utime - cpu.ru_stime:.0f} s CPU of our commands, {guest:.0f} s CPU of QEMU (both boots)"
        )
    assert removed.returncode == 0, removed.stdout + removed.stderr
    assert libvirt.virsh("list", "--all", "--name").stdout.split() == []
    assert libvirt.virsh("vol-list", "--pool", libvirt.pool).stdout.strip() == ""
    assert disk.exists() and (qemu_image / "disk.qcow2").exists(), "the base image stays"

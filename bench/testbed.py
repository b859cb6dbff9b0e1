"""A real "remote host" on this machine: a network namespace with its own sshd (and later dockerd). The
tests (tests/conftest.py's ``remote_host``...) and the benchmarks that create machines run on these hosts.

The host is joined to this machine by a veth pair with a 10.213.N.0/30 subnet
and no other route, so it reaches nothing but this machine's side of the pair.
Hosts made on one ``TestNetwork`` share a bridge and a 10.213.N.0/24 subnet
instead: they reach each other and this machine's side of the bridge, nothing else
(a swarm's nodes talk to each other on 2377, 7946 and 4789).
Its sshd runs in private mount and UTS namespaces: /etc, /var and /usr are
copy-on-write overlays and /run is a fresh tmpfs, so provisioning can write
/etc/docker, set the hostname or install dockerd without touching this
machine's files. /var/lib/docker is a plain folder (overlay2 can't sit on an
overlay). Everything is torn down afterwards, processes ended by PID, each waited
for only as long as it takes to end.

Many processes may build test hosts at once (pytest-xdist workers, two pytest runs):
a subnet is claimed, and the guard route added or removed, only under one file lock
shared by every process on this machine. The kernel's own state is the record: a
subnet is taken while an interface here holds a 10.213.N.x address (it is put there
under the lock), and the guard route stays while any such address exists.
"""

from __future__ import annotations

import contextlib
import fcntl
import functools
import http.server
import io
import os
import shutil
import signal
import struct
import subprocess
import tarfile
import tempfile
import threading
import time
from pathlib import Path
from typing import Callable, Iterator

GUARD_ROUTE = "10.213.0.0/16"
# Never handed out by claim_subnet: a fixture recorded at a fixed address (tests/fixtures/prerename) claims
# its own subnet from these, so its test hosts can be made again where the fixture's state expects them.
FIXED_SUBNETS = range(240, 255)
FIXED_WAIT = 900.0  # another run's test of the same fixture holds the subnet: wait for it this long
# Copy-on-write inside the test host (/root too: a generic machine's key goes into ~/.ssh/authorized_keys).
OVERLAYS = ("etc", "var", "usr", "home", "root")
REQUIRED_COMMANDS = (
    "ip",
    "nsenter",
    "unshare",
    "mount",
    "ssh",
    "ssh-keygen",
    "dockerd",
    "docker",
    "containerd",
    "openssl",
    "sudo",
    "useradd",
)
SSHD = "/usr/sbin/sshd"


def missing_prerequisites() -> list[str]:
    """What this machine lacks to build a test host (empty when it can)."""
    missing = []
    if os.geteuid() != 0:
        missing.append("root (network namespaces and mounts need it)")
    missing += [f"command {c}" for c in REQUIRED_COMMANDS if shutil.which(c) is None]
    if not os.access(SSHD, os.X_OK):
        missing.append(SSHD)
    if "overlay" not in Path("/proc/filesystems").read_text():
        missing.append("overlay filesystem in the kernel")
    return missing


def _run(*args: str, check: bool = True, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(args, check=check, capture_output=True, text=True, **kwargs)


LOCK_FILE = Path("/run/lock" if Path("/run/lock").is_dir() else tempfile.gettempdir(), "dmtest-testbed.lock")
# Present while the guard route is one this test bed added (a route someone set up by hand is left alone).
GUARD_MARK = LOCK_FILE.with_name("dmtest-testbed.guard-route")


@contextlib.contextmanager
def machine_lock() -> Iterator[None]:
    """Held by one thread of one process on this machine at a time (flock: each open is its own holder)."""
    with open(LOCK_FILE, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _used_subnets() -> set[int]:
    used = set()
    for word in _run("ip", "-o", "-4", "addr", "show").stdout.split():
        if word.startswith("10.213."):
            used.add(int(word.split(".")[2]))
    return used


def _ensure_guard_route() -> None:
    """Should a namespace vanish mid-test, 10.213.x traffic must fail here, not leave the machine."""
    if _run("ip", "route", "show", GUARD_ROUTE).stdout.strip() == "":
        _run("ip", "route", "add", "unreachable", GUARD_ROUTE)
        GUARD_MARK.touch()


def reap_orphans() -> list[str]:
    """Remove the test hosts of test processes that are gone (a run killed with SIGKILL never tears down): their
    processes, their namespace (and with it both ends of its veth pair), and bridges no live process of the
    same pid tag holds. Called under the machine-wide lock before subnets are scanned; returns what it removed."""
    removed = []
    netns = Path("/run/netns")
    for path in sorted(netns.glob("dmtest-*")) if netns.is_dir() else []:
        owner = path.name.split("-")[1]
        if not owner.isdigit() or _alive(int(owner)):
            continue
        for pid in _run("ip", "netns", "pids", path.name, check=False).stdout.split():
            with contextlib.suppress(ProcessLookupError):
                os.kill(int(pid), signal.SIGKILL)
        _run("ip", "netns", "del", path.name, check=False)
        removed.append(path.name)
    live_tags = {str(int(p.name) % 10000) for p in Path("/proc").iterdir() if p.name.isdigit()}
    for link in Path("/sys/class/net").glob("dmb*n*"):
        tag = link.name[3:].split("n", 1)[0]
        if tag not in live_tags and not any((link / "brif").iterdir()):
            _run("ip", "link", "del", link.name, check=False)
            removed.append(link.name)
    return removed


def claim_subnet(claim: Callable[[int], None], fixed: int | None = None) -> int:
    """A free 10.213.N.0 subnet: ``claim(n)`` must put 10.213.N.1 on an interface of this machine.

    Scanning and claiming happen under the machine-wide lock, so no two processes take one subnet;
    the guard route is in place before the subnet is used. ``fixed`` (one of FIXED_SUBNETS) claims that
    subnet, waiting while another process holds it.
    """
    if fixed is not None:
        return _claim_fixed(claim, fixed)
    with machine_lock():
        reap_orphans()
        _ensure_guard_route()
        used = _used_subnets()
        for n in range(1, FIXED_SUBNETS.start):
            if n not in used:
                claim(n)
                return n
    raise RuntimeError("no free 10.213.N.0 subnet for a test host")


def _claim_fixed(claim: Callable[[int], None], n: int) -> int:
    if n not in FIXED_SUBNETS:
        raise ValueError(f"subnet {n} is not one of the fixed subnets {FIXED_SUBNETS.start}-{FIXED_SUBNETS.stop - 1}")
    deadline = time.monotonic() + FIXED_WAIT
    while True:
        with machine_lock():
            _ensure_guard_route()
            if n not in _used_subnets():
                claim(n)
                return n
        if time.monotonic() > deadline:
            raise RuntimeError(f"subnet 10.213.{n}.0 stayed in use for {FIXED_WAIT:g} s")
        time.sleep(1)


def release_subnet(undo: Callable[[], None]) -> None:
    """Run ``undo`` (which removes this holder's 10.213 addresses); the last holder on the machine drops the guard route."""
    with machine_lock():
        try:
            undo()
        finally:
            if not _used_subnets() and GUARD_MARK.exists():
                _run("ip", "route", "del", "unreachable", GUARD_ROUTE, check=False)
                GUARD_MARK.unlink(missing_ok=True)


def _alive(pid: int) -> bool:
    """Running (a zombie has ended: only its parent's wait is missing)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return False
    return stat[stat.rindex(")") + 2 :].split(" ", 1)[0] not in ("Z", "X")


class TestNetwork:
    """A bridge on this machine with a 10.213.N.0/24 subnet: the hosts made on it reach each other."""

    __test__ = False  # not a pytest class

    def __init__(self, subnet: int | None = None) -> None:
        """``subnet``: one of FIXED_SUBNETS (10.213.``subnet``.0/24) instead of a free one."""

        def claim(n: int) -> None:
            self.bridge = f"dmb{os.getpid() % 10000}n{n}"[:15]
            _run("ip", "link", "add", self.bridge, "type", "bridge")
            try:
                _run("ip", "addr", "add", f"10.213.{n}.1/24", "dev", self.bridge)
            except BaseException:
                _run("ip", "link", "del", self.bridge, check=False)
                raise

        self.n = claim_subnet(claim, fixed=subnet)
        self.gateway = f"10.213.{self.n}.1"
        self._closed = False
        try:
            _run("ip", "link", "set", self.bridge, "up")
        except BaseException:
            self.close()
            raise
        self._next = 2

    def allocate(self) -> str:
        if self._next > 254:
            raise RuntimeError("the test network is full")
        address = f"10.213.{self.n}.{self._next}"
        self._next += 1
        return address

    def skip_to(self, host_number: int) -> "TestNetwork":
        """The next host gets 10.213.N.``host_number`` (a driver's first guest address, e.g. VirtualBox's .100)."""
        if not self._next <= host_number <= 254:
            raise ValueError(f"host number {host_number} is taken or outside the subnet")
        self._next = host_number
        return self

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            release_subnet(lambda: _run("ip", "link", "del", self.bridge, check=False))

    def __enter__(self) -> "TestNetwork":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:  # keep pytest output clean
        pass


class RemoteHost:
    """A test host reachable at ``address`` over SSH as root with ``ssh_key``."""

    def __init__(
        self,
        hide_dockerd: bool = False,
        hostname: str = "dmtest-host",
        network: TestNetwork | None = None,
        subnet: int | None = None,
        host_key: Path | None = None,
        client_key: Path | None = None,
        upper: Path | None = None,
    ) -> None:
        """A host made again where a recorded fixture expects it: ``subnet`` (one of FIXED_SUBNETS) is its
        /30 when it has no ``network``; ``host_key`` and ``client_key`` are ed25519 private keys (with
        ``client_key``.pub) used instead of new ones; ``upper`` holds files laid into its copy-on-write
        layers before it starts (``upper``/etc/..., ``upper``/root/...: what it had written then)."""
        self._fixed = {"subnet": subnet, "host_key": host_key, "client_key": client_key, "upper": upper}
        self.workdir = Path(tempfile.mkdtemp(prefix="dmtest-", dir="/tmp"))
        # sshd reads authorized_keys as the user logging in, and /tmp may be closed to others (0700 here).
        self.keys_dir = Path(tempfile.mkdtemp(prefix="dmtest-keys-", dir="/dev/shm"))
        self.keys_dir.chmod(0o755)
        self.name = f"dmtest-{os.getpid()}-{self.workdir.name[-6:]}"
        self.network = network
        self._claimed = False
        self._http: http.server.ThreadingHTTPServer | None = None
        self._sshd: subprocess.Popen | None = None
        self.ssh_key = self.workdir / "client_ed25519"
        self.www = self.workdir / "www"
        try:
            self._link()
            self._network()
            self._start_sshd(hide_dockerd, hostname)
            self._wait_for_ssh()
        except BaseException:
            self.close()
            raise

    # ----- set-up -------------------------------------------------------------

    def _link(self) -> None:
        """The veth pair; on its own subnet, claimed machine-wide by putting the gateway address on it."""

        def make(tag: str) -> None:
            self._veth_host, self._veth_remote = f"dmh{tag}"[:15], f"dmr{tag}"[:15]
            _run("ip", "link", "add", self._veth_host, "type", "veth", "peer", "name", self._veth_remote)

        if self.network is not None:
            self.gateway, self.address, self._prefix = self.network.gateway, self.network.allocate(), 24
            make(f"{os.getpid() % 1000}n{self.network.n}x{self.address.rsplit('.', 1)[1]}")
            return

        def claim(n: int) -> None:
            make(f"{os.getpid() % 10000}n{n}")
            self._claimed = True
            _run("ip", "addr", "add", f"10.213.{n}.1/30", "dev", self._veth_host)

        n = claim_subnet(claim, fixed=self._fixed["subnet"])
        self.gateway, self.address, self._prefix = f"10.213.{n}.1", f"10.213.{n}.2", 30

    def _network(self) -> None:
        _run("ip", "netns", "add", self.name)
        _run("ip", "link", "set", self._veth_remote, "netns", self.name)
        if self.network is not None:
            _run("ip", "link", "set", self._veth_host, "master", self.network.bridge)
        _run("ip", "link", "set", self._veth_host, "up")
        _run("ip", "-n", self.name, "addr", "add", f"{self.address}/{self._prefix}", "dev", self._veth_remote)
        _run("ip", "-n", self.name, "link", "set", self._veth_remote, "up")
        _run("ip", "-n", self.name, "link", "set", "lo", "up")

    def _start_sshd(self, hide_dockerd: bool, hostname: str) -> None:
        w = self.workdir
        for key, path, comment in (
            (self._fixed["host_key"], w / "host_ed25519", ""),
            (self._fixed["client_key"], self.ssh_key, "dmtest-client"),
        ):
            if key is None:
                _run("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", comment, "-f", str(path))
            else:
                shutil.copy(key, path)
                path.chmod(0o600)
                path.with_name(f"{path.name}.pub").write_text(_run("ssh-keygen", "-y", "-f", str(path)).stdout)
        shutil.copy(f"{self.ssh_key}.pub", self.authorized_keys)
        self.authorized_keys.chmod(0o644)
        (w / "sshd_config").write_text(
            f"ListenAddress {self.address}\n"
            f"HostKey {w / 'host_ed25519'}\n"
            f"AuthorizedKeysFile {self.authorized_keys} .ssh/authorized_keys\n"
            "StrictModes no\nUsePAM no\nPermitRootLogin prohibit-password\nPasswordAuthentication no\n"
            "PidFile none\nSubsystem sftp internal-sftp\n"
        )
        for layer in OVERLAYS:
            (w / f"{layer}.up").mkdir()
            (w / f"{layer}.work").mkdir()
        (w / "docker-data").mkdir()
        # sshd's bash sources root's ~/.bashrc even for `ssh host cmd`; this machine's (pyenv init, whose
        # rehash lock, left by a killed session, made every later command wait 60 s) is not a remote host's.
        (w / "root.up" / ".bashrc").write_text("# a test host's root: nothing of this machine's shell setup\n")
        if self._fixed["upper"] is not None:
            for layer in OVERLAYS:
                if (self._fixed["upper"] / layer).is_dir():
                    _run("cp", "-a", "--", f"{self._fixed['upper'] / layer}/.", str(w / f"{layer}.up"))
        if hide_dockerd:
            # An overlay whiteout: inside the test host, dockerd is simply not installed.
            for path in ("sbin/dockerd", "bin/dockerd"):
                if Path("/usr", path).exists():
                    (w / "usr.up" / path).parent.mkdir(parents=True, exist_ok=True)
                    os.mknod(w / "usr.up" / path, 0o600 | 0o020000, os.makedev(0, 0))
        boot = [
            "set -e",
            "mount -t tmpfs -o mode=755 tmpfs /run",
            "mkdir -p /run/sshd /run/lock",
            *(
                f"mount -t overlay overlay -o lowerdir=/{d},upperdir={w}/{d}.up,workdir={w}/{d}.work /{d}"
                for d in OVERLAYS
            ),
            f"mkdir -p /var/lib/docker && mount --bind {w}/docker-data /var/lib/docker",
            f"hostname {hostname}",
            f"exec {SSHD} -D -e -f {w}/sshd_config",
        ]
        (w / "boot.sh").write_text("\n".join(boot) + "\n")
        log = open(w / "sshd.log", "wb")
        self._sshd = subprocess.Popen(
            [
                "nsenter",
                f"--net=/run/netns/{self.name}",
                "unshare",
                "--mount",
                "--uts",
                "--propagation",
                "private",
                "sh",
                str(w / "boot.sh"),
            ],
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def _wait_for_ssh(self) -> None:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if self._sshd and self._sshd.poll() is not None:
                raise RuntimeError(f"the test host's sshd exited: {(self.workdir / 'sshd.log').read_text()}")
            if self.ssh("true", timeout=5).returncode == 0:
                return
            time.sleep(0.2)
        raise RuntimeError(f"the test host's sshd did not answer: {(self.workdir / 'sshd.log').read_text()}")

    # ----- use ----------------------------------------------------------------

    def ssh_options(self) -> list[str]:
        return [
            "-F",
            "/dev/null",
            "-i",
            str(self.ssh_key),
            "-o",
            "IdentitiesOnly=yes",
            "-o",
            "StrictHostKeyChecking=no",
            "-o",
            "UserKnownHostsFile=/dev/null",
            "-o",
            "LogLevel=error",
            "-o",
            "BatchMode=yes",
            "-o",
            "ConnectTimeout=5",
            # The test bed's own access, not code under test: OpenSSH 9.2's first choice, the post-quantum
            # sntrup761x25519, costs the client ~70 ms of CPU per connection, curve25519 ~8 ms.
            "-o",
            "KexAlgorithms=curve25519-sha256",
        ]

    def assert_up(self) -> None:
        """Refuse to send anything to 10.213.x unless our namespace is there to receive it."""
        if not Path("/run/netns", self.name).exists() or self._sshd is None or self._sshd.poll() is not None:
            raise RuntimeError(f"test host {self.name} is down: refusing to send traffic to {self.address}")

    def ssh(self, command: str, stdin: str | bytes = b"", timeout: float = 300) -> subprocess.CompletedProcess:
        """Run ``command`` as root on the host, exactly as an SSH exec request (what remote.Command sends)."""
        self.assert_up()
        data = stdin.encode() if isinstance(stdin, str) else stdin
        return subprocess.run(
            ["ssh", *self.ssh_options(), f"root@{self.address}", command],
            input=data,
            capture_output=True,
            timeout=timeout,
        )

    def output(self, command: str) -> str:
        result = self.ssh(command)
        if result.returncode != 0:
            raise RuntimeError(f"{command!r} failed on the test host: {result.stderr.decode()}")
        return result.stdout.decode()

    def add_user(self, name: str) -> None:
        """A login user with passwordless sudo (what cloud-init makes on a cloud image), inside the host only."""
        self.output(
            f"useradd -m -N -p '*' -s /bin/sh {name} && printf '%s ALL=(ALL) NOPASSWD:ALL\\n' {name} "
            f">/etc/sudoers.d/{name} && chmod 0440 /etc/sudoers.d/{name}"
        )

    @property
    def authorized_keys(self) -> Path:
        """The one authorized_keys file the host's sshd reads, for every user."""
        return self.keys_dir / "authorized_keys"

    def authorize(self, public_key: str) -> None:
        """Accept ``public_key`` for root, as a cloud's agent installs a droplet's or instance's key."""
        with open(self.authorized_keys, "a") as keys:
            keys.write(public_key.strip() + "\n")

    def serve(self, name: str, content: str | bytes | Path, mode: int = 0o644) -> str:
        """Serve a file over HTTP from this machine's side of the veth; returns its URL."""
        self.assert_up()
        self.www.mkdir(exist_ok=True)
        target = self.www / name
        if isinstance(content, Path):
            shutil.copy(content, target)
        else:
            target.write_bytes(content.encode() if isinstance(content, str) else content)
        target.chmod(mode)
        if self._http is None:
            handler = functools.partial(_QuietHandler, directory=str(self.www))
            self._http = http.server.ThreadingHTTPServer((self.gateway, 0), handler)
            threading.Thread(target=self._http.serve_forever, daemon=True).start()
        return f"http://{self.gateway}:{self._http.server_address[1]}/{name}"

    def pids(self) -> list[int]:
        out = _run("ip", "netns", "pids", self.name, check=False).stdout
        return [int(p) for p in out.split()]

    def pid_of(self, comm: str) -> int | None:
        for pid in self.pids():
            try:
                if Path(f"/proc/{pid}/comm").read_text().strip() == comm:
                    return pid
            except FileNotFoundError:
                continue
        return None

    # ----- tear-down ----------------------------------------------------------

    def _end(self, pids: list[int], grace: float) -> None:
        """SIGTERM, then wait as long as they take (up to ``grace``), then SIGKILL what is left."""
        for pid in pids:
            try:
                os.kill(pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
        deadline = time.monotonic() + grace
        while any(self._running(p) for p in pids) and time.monotonic() < deadline:
            time.sleep(0.02)
        for pid in pids:
            if self._running(pid):
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass

    def _running(self, pid: int) -> bool:
        # sshd is our own child: it stays a zombie until reaped, so reap it (any other ended
        # process is reaped by its parent, or is a zombie that has ended all the same).
        if self._sshd is not None and pid == self._sshd.pid:
            return self._sshd.poll() is None
        return _alive(pid)

    def close(self) -> None:
        if self._http is not None:
            self._http.shutdown()
            self._http.server_close()
            self._http = None
        if Path("/run/netns", self.name).exists():
            dockerd = [p for p in self.pids() if self._comm(p) == "dockerd"]
            self._end(dockerd, grace=20)  # lets dockerd stop its containers
            self._end(self.pids(), grace=5)
        if self._sshd is not None:
            self._sshd.wait(timeout=10)
        _run("ip", "netns", "del", self.name, check=False)

        def undo() -> None:
            _run("ip", "link", "del", self._veth_host, check=False)  # made, but the namespace never was
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline and Path("/sys/class/net", self._veth_host).exists():
                time.sleep(0.02)

        if self._claimed:
            release_subnet(undo)  # the last host on the machine takes the guard route with it
            self._claimed = False
        elif hasattr(self, "_veth_host"):
            undo()
        shutil.rmtree(self.workdir, ignore_errors=True)
        shutil.rmtree(self.keys_dir, ignore_errors=True)

    @staticmethod
    def _comm(pid: int) -> str:
        try:
            return Path(f"/proc/{pid}/comm").read_text().strip()
        except FileNotFoundError:
            return ""

    def __enter__(self) -> "RemoteHost":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


# ----- the busybox image the test hosts' dockerd runs (no registry is reachable) -------------------------------


def is_static_elf(binary: Path) -> bool:
    """True when the 64-bit ELF file has no PT_INTERP program header (needs no dynamic loader)."""
    data = binary.read_bytes()
    if data[:4] != b"\x7fELF" or data[4] != 2:
        return False
    (phoff,) = struct.unpack_from("<Q", data, 0x20)
    phentsize, phnum = struct.unpack_from("<HH", data, 0x36)
    return all(struct.unpack_from("<I", data, phoff + i * phentsize)[0] != 3 for i in range(phnum))


def busybox_image(busybox: Path) -> bytes:
    """A root filesystem tarball for ``docker import``: busybox with sh and echo."""
    image = io.BytesIO()
    with tarfile.open(fileobj=image, mode="w") as tar:
        tar.add(busybox, arcname="bin/busybox")
        for applet in ("sh", "echo"):
            link = tarfile.TarInfo(f"bin/{applet}")
            link.type, link.linkname = tarfile.SYMTYPE, "busybox"
            tar.addfile(link)
    return image.getvalue()

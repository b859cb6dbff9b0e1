"""Many creates at once: N ``docker-machine create -d generic`` processes started together on N test hosts.

Through the real engine (make engine) with the stand-in command provider, on network-namespace test hosts
(bench/testbed.py; root needed). For each N (default 1, 5, 10): N fresh test hosts, one fresh store (a user
has one store, ~/.docker/machine, and each machine is its own stack in it), N creates started at the same
moment, each machine checked usable afterwards (``docker-machine env`` evaluated by bash, then the real
``docker`` client's ``version``, ``import`` of a busybox image and ``run``), then one ``docker-machine rm -y``
of them all.

Printed per N: wall time (the last create to exit), each create's own time, failures, peak memory (the sum
of the resident sets of every process under the N creates, sampled every 0.1 s from /proc: the pulumi
engines, their plugins, the guards, the dynamic-provider Pythons, ssh; the test hosts' sshd and dockerd
are not counted), the CPU seconds those processes used beside the machine's CPU seconds in that time, and
where the time went: per create, when its processes started (read from /proc/PID/stat's start time, so
exact for any process the sampler saw at least once), each progress line, and the dockerd start inside its
test host. Then the ratio N=max / N=1 beside the machine's core count (goal: N=10 within 4x one create on
2 cores). Floors, same run: ``pulumi version``, an empty inline ``up``, ``ssh HOST true``.

Run (as root, after make engine):
    .venv/bin/python bench/parallel_create.py [--sizes 1,5,10] [--json FILE]
Exit status: 1 when any create or usability check failed (the figures are printed all the same).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import resource
import shlex
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.create_engine import PULUMI_BIN, empty_update, pulumi_env, seconds  # noqa: E402
from bench.testbed import RemoteHost, missing_prerequisites  # noqa: E402

TICKS = os.sysconf("SC_CLK_TCK")
PAGE = os.sysconf("SC_PAGE_SIZE")
SAMPLE_SECONDS = 0.1
SUBCOMMANDS = ("select", "init", "output", "history", "rm", "ls", "set", "set-all", "get", "export", "import")


def boottime() -> float:
    """The clock /proc/PID/stat's start times count on (seconds since boot, suspend included)."""
    return time.clock_gettime(time.CLOCK_BOOTTIME)


def machine_cpu_seconds() -> float:
    """Busy CPU seconds of the whole machine so far (all cores; every process, ours or not)."""
    fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]
    values = [int(v) for v in fields]
    idle = values[3] + values[4]  # idle, iowait
    return (sum(values[:8]) - idle) / TICKS


# ----- the process sampler -------------------------------------------------------------------------------------


@dataclass
class Seen:
    """A process seen under one create: what it is, when it started and when it was last seen (bench seconds)."""

    label: str
    started: float
    last_seen: float
    cpu: float = 0.0
    comm: str = ""


def label_of(pid: int, comm: str) -> str:
    """What a process is, from its command line (read once per process; never run or parsed beyond this)."""
    try:
        argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return comm
    words = [w.decode(errors="replace") for w in argv if w]
    if not words:
        return comm
    name = Path(words[0]).name
    if name == "pulumi":
        plain = [w for w in words[1:] if not w.startswith("-")]
        if plain[:1] in (["stack"], ["config"]) and len(plain) > 1 and plain[1] in SUBCOMMANDS:
            return f"pulumi {plain[0]} {plain[1]}"
        return f"pulumi {plain[0]}" if plain else "pulumi"
    if name.startswith("pulumi-"):
        return name
    if any(w.endswith("command_provider.py") for w in words):
        return "pulumi-resource-command (stand-in)"
    if any(w.endswith("guard.py") for w in words):
        return "guard"
    if name in ("ssh", "sh", "bash"):
        return name
    if "docker-machine" in " ".join(words[:2]):
        return "docker-machine"
    return f"{name} {Path(words[1]).name if len(words) > 1 else ''}".strip()


class Sampler:
    """Every SAMPLE_SECONDS: the process tree under each root pid (its RSS sum, its processes), and the
    processes inside each test host's network namespace (dockerd's start)."""

    def __init__(self, origin: float, roots: dict[str, int], hosts: dict[str, RemoteHost]) -> None:
        self.origin = origin  # boottime() at the batch's start
        self.roots = roots
        self.netns = {name: os.stat(f"/run/netns/{host.name}").st_ino for name, host in hosts.items()}
        self.seen: dict[str, dict[int, Seen]] = {name: {} for name in roots}
        self.in_host: dict[str, dict[int, Seen]] = {name: {} for name in hosts}
        self.peak_rss = 0
        self.peak_processes = 0
        self._labels: dict[tuple[int, float, str], str] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> "Sampler":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.is_set():
            self.sample()
            self._stop.wait(SAMPLE_SECONDS)

    def sample(self) -> None:
        now = boottime() - self.origin
        stats: dict[int, tuple[int, str, float, int, float]] = {}  # pid -> ppid, comm, start, rss, cpu
        for entry in os.scandir("/proc"):
            if not entry.name.isdigit():
                continue
            try:
                raw = Path(f"/proc/{entry.name}/stat").read_text()
            except OSError:
                continue
            comm = raw[raw.index("(") + 1 : raw.rindex(")")]
            rest = raw[raw.rindex(")") + 2 :].split()
            if rest[0] in ("Z", "X"):
                continue
            # fields after comm: state(0) ppid(1) ... utime(11) stime(12) ... starttime(19) vsize(20) rss(21)
            stats[int(entry.name)] = (
                int(rest[1]),
                comm,
                int(rest[19]) / TICKS - self.origin,
                int(rest[21]) * PAGE,
                (int(rest[11]) + int(rest[12])) / TICKS,
            )
        children: dict[int, list[int]] = {}
        for pid, (ppid, *_rest) in stats.items():
            children.setdefault(ppid, []).append(pid)
        total, count = 0, 0
        for name, root in self.roots.items():
            stack, tree = [root], []
            while stack:
                pid = stack.pop()
                if pid in stats:
                    tree.append(pid)
                    stack.extend(children.get(pid, []))
            for pid in tree:
                ppid, comm, start, rss, cpu = stats[pid]
                total += rss
                count += 1
                self._note(self.seen[name], pid, comm, start, now, cpu)
        self.peak_rss = max(self.peak_rss, total)
        self.peak_processes = max(self.peak_processes, count)
        for pid, (_, comm, start, _, cpu) in stats.items():
            try:
                inode = os.stat(f"/proc/{pid}/ns/net").st_ino
            except OSError:
                continue
            for name, ns in self.netns.items():
                if ns == inode:
                    self._note(self.in_host[name], pid, comm, start, now, cpu)

    def _note(self, table: dict[int, Seen], pid: int, comm: str, start: float, now: float, cpu: float) -> None:
        seen = table.get(pid)
        if seen is None or abs(seen.started - start) > 0.05 or seen.comm != comm:  # new, a reused pid, or exec'd
            key = (pid, start, comm)
            if key not in self._labels:
                self._labels[key] = label_of(pid, comm)
            table[pid] = seen = Seen(self._labels[key], start, now, comm=comm)
        seen.last_seen, seen.cpu = now, cpu


# ----- one batch -----------------------------------------------------------------------------------------------


@dataclass
class Create:
    name: str
    host: RemoteHost
    process: subprocess.Popen | None = None
    lines: list[tuple[float, str]] = field(default_factory=list)
    seconds: float = 0.0
    code: int | None = None
    usable: str = ""  # empty: usable; else what failed


def follow(create: Create, origin: float) -> None:
    """Its output lines, timed; then its exit, timed (one thread per create: each its own end)."""
    for line in create.process.stdout:  # type: ignore[union-attr]
        create.lines.append((boottime() - origin, line.rstrip("\n")))
    create.code = create.process.wait()  # type: ignore[union-attr]
    create.seconds = boottime() - origin


def script() -> str:
    return str(Path(sys.executable).parent / "docker-machine")


def create_command(create: Create) -> list[str]:
    return [
        script(),
        "create",
        "-d",
        "generic",
        "--generic-ip-address",
        create.host.address,
        "--generic-ssh-key",
        str(create.host.ssh_key),
        "--engine-install-url",
        "none",
        create.name,
    ]


def usable(create: Create, env: dict, image: Path) -> str:
    """Empty when ``docker-machine env`` + the real docker client work against the machine; else why not."""
    create.host.assert_up()
    check = (
        f'eval "$({shlex.quote(script())} env {shlex.quote(create.name)})" && '
        f'case "$DOCKER_HOST" in tcp://{create.host.address}:*) ;; *) echo "DOCKER_HOST=$DOCKER_HOST" >&2; '
        'exit 9;; esac && docker version --format "{{.Server.Version}}" && '
        f"docker import - dmbench/busybox:latest < {shlex.quote(str(image))} >/dev/null && "
        "docker run --rm dmbench/busybox echo hello world"
    )
    result = subprocess.run(["bash", "-c", check], env=env, capture_output=True, text=True, timeout=180)
    lines = result.stdout.splitlines()
    if result.returncode != 0 or not lines or lines[-1] != "hello world":
        return (result.stderr.strip() or result.stdout.strip() or f"exit {result.returncode}").splitlines()[-1]
    return ""


def dockerd_started(create: Create, sampler: Sampler) -> float | None:
    starts = [
        seen.started
        for seen in sampler.in_host[create.name].values()
        if seen.label.startswith("dockerd") and seen.label != "dockerd --version"
    ]
    return min(starts) if starts else None


@dataclass
class Batch:
    size: int
    wall: float
    creates: list[Create]
    peak_rss: int
    peak_processes: int
    cpu_ours: float
    cpu_hosts: float
    cpu_machine: float
    rm_seconds: float
    rm_failed: str
    phases: dict[str, float]
    sampler: Sampler

    @property
    def failures(self) -> list[str]:
        failed = [
            f"{c.name}: create exit {c.code}: {c.lines[-1][1] if c.lines else ''}" for c in self.creates if c.code != 0
        ]
        failed += [f"{c.name}: not usable: {c.usable}" for c in self.creates if c.code == 0 and c.usable]
        return failed + ([f"rm: {self.rm_failed}"] if self.rm_failed else [])


def build_hosts(count: int, stack: contextlib.ExitStack) -> list[RemoteHost]:
    with ThreadPoolExecutor(max_workers=min(count, 4)) as pool:
        futures = [pool.submit(RemoteHost) for _ in range(count)]
        hosts = []
        errors = []
        for future in futures:
            try:
                hosts.append(stack.enter_context(future.result()))
            except Exception as err:  # noqa: BLE001 - every built host is still closed by the stack
                errors.append(err)
        if errors:
            raise errors[0]
    return hosts


def first(create: Create, sampler: Sampler, prefix: str) -> Seen | None:
    found = [s for s in sampler.seen[create.name].values() if s.label.startswith(prefix)]
    return min(found, key=lambda s: s.started) if found else None


def line_at(create: Create, text: str) -> float | None:
    return next((at for at, line in create.lines if line.startswith(text)), None)


def marks_of(create: Create, sampler: Sampler) -> dict[str, float]:
    """When each step of one create began (seconds since the batch started; only the marks that were seen)."""
    up = first(create, sampler, "pulumi up")
    marks = {
        "pulumi up started (config set before it)": up.started if up else None,
        "SSH key step shown (engine, plugins and CA done)": line_at(create, "Creating SSH key"),
        "provisioning step shown (key, certificate done)": line_at(create, "Waiting for SSH"),
        "dockerd started on the test host": dockerd_started(create, sampler),
        "provisioning done (dockerd answered)": line_at(create, "Checking connection to Docker"),
        "pulumi up ended": up.last_seen if up else None,
        "create exited (outputs read, store written)": create.seconds,
    }
    return {name: at for name, at in marks.items() if at is not None}


def run_batch(size: int, folder: Path, image: Path) -> Batch:
    with contextlib.ExitStack() as stack:
        hosts = build_hosts(size, stack)
        env = pulumi_env(folder)
        env.pop("SSH_AUTH_SOCK", None)
        creates = [Create(f"m{index}", host) for index, host in enumerate(hosts)]
        cpu_before = resource.getrusage(resource.RUSAGE_CHILDREN)
        machine_before = machine_cpu_seconds()
        origin = boottime()
        for create in creates:
            create.process = subprocess.Popen(
                create_command(create), env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
            )
        readers = [threading.Thread(target=follow, args=(c, origin), daemon=True) for c in creates]
        for reader in readers:
            reader.start()
        roots = {c.name: c.process.pid for c in creates}  # type: ignore[union-attr]
        with Sampler(origin, roots, {c.name: c.host for c in creates}) as sampler:
            for reader in readers:
                reader.join()
        wall = boottime() - origin
        machine_cpu = machine_cpu_seconds() - machine_before
        cpu_after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu_ours = (cpu_after.ru_utime - cpu_before.ru_utime) + (cpu_after.ru_stime - cpu_before.ru_stime)
        with ThreadPoolExecutor(max_workers=size) as pool:
            results = list(pool.map(lambda c: usable(c, env, image) if c.code == 0 else "", creates))
        for create, problem in zip(creates, results, strict=True):
            create.usable = problem
        start = time.perf_counter()
        removed = subprocess.run(
            [script(), "rm", "-y", *(c.name for c in creates)], env=env, capture_output=True, text=True, timeout=600
        )
        rm_seconds = time.perf_counter() - start
        rm_failed = "" if removed.returncode == 0 else (removed.stderr.strip() or removed.stdout.strip())
        phases: dict[str, list[float]] = {}
        for create in creates:
            for name, value in marks_of(create, sampler).items():
                phases.setdefault(name, []).append(value)
        cpu_hosts = sum(
            seen.cpu for table in sampler.in_host.values() for seen in table.values() if seen.started >= 0
        )  # the hosts' own sshd ran before
        return Batch(
            size,
            wall,
            creates,
            sampler.peak_rss,
            sampler.peak_processes,
            cpu_ours,
            cpu_hosts,
            machine_cpu,
            rm_seconds,
            rm_failed,
            {k: statistics.median(v) for k, v in phases.items()},
            sampler,
        )


# ----- report --------------------------------------------------------------------------------------------------


def print_batch(batch: Batch) -> None:
    times = sorted(c.seconds for c in batch.creates)
    print(
        f"\nN={batch.size}: wall {batch.wall:.2f} s (each create: min {times[0]:.2f}, median "
        f"{statistics.median(times):.2f}, max {times[-1]:.2f}); failures {len(batch.failures)}"
    )
    print(
        f"  peak memory {batch.peak_rss / 2**20:.0f} MiB (sampled RSS sum of {batch.peak_processes} processes "
        f"at most), {batch.peak_rss / 2**20 / batch.size:.0f} MiB per create"
    )
    cores = os.cpu_count() or 1
    print(
        f"  CPU: the creates' processes {batch.cpu_ours:.1f} s, their test hosts' (sshd sessions, provisioning, "
        f"dockerd) {batch.cpu_hosts:.1f} s, anything else on this machine "
        f"{max(0.0, batch.cpu_machine - batch.cpu_ours - batch.cpu_hosts):.1f} s; busy {batch.cpu_machine:.1f} s of "
        f"{batch.wall * cores:.1f} s ({cores} cores x wall)"
    )
    print(
        f"  on this machine alone the CPU floor would be {(batch.cpu_ours + batch.cpu_hosts) / cores:.1f} s "
        f"(the creates' and hosts' CPU / {cores} cores)"
    )
    print(f"  rm -y of all {batch.size}: {batch.rm_seconds:.2f} s")
    for failure in batch.failures:
        print(f"  FAILED {failure}")
    print(f"  {'when (median over the creates; seconds since they started)':<64} {'at':>8} {'step':>6}")
    before = 0.0
    for name, value in sorted(batch.phases.items(), key=lambda item: item[1]):
        print(f"  {name:<64} {value:>8.2f} {value - before:>6.2f}")
        before = value
    # The processes of the slowest create, by start: what ran, when, for how long, with how much CPU.
    slowest = max(batch.creates, key=lambda c: c.seconds)
    print(f"  processes of the slowest create ({slowest.name}, {slowest.seconds:.2f} s): start .. last seen, CPU s")
    for seen in sorted(batch.sampler.seen[slowest.name].values(), key=lambda s: s.started):
        print(f"    {seen.started:7.2f} .. {seen.last_seen:7.2f}  {seen.cpu:6.2f}  {seen.label}")
    for seen in sorted(batch.sampler.in_host[slowest.name].values(), key=lambda s: s.started):
        if not seen.label.startswith(("dockerd", "containerd")):
            continue
        print(f"    {seen.started:7.2f} .. {seen.last_seen:7.2f}  {seen.cpu:6.2f}  {seen.label} (in its test host)")
    print("  its progress lines: " + "; ".join(f"{at:.2f} {text[:40]}" for at, text in slowest.lines))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--sizes", default="1,5,10", help="how many creates at once, comma-separated (1,5,10)")
    parser.add_argument("--json", help="also write the figures to this file")
    options = parser.parse_args(argv)
    try:
        sizes = [int(word) for word in options.sizes.split(",")]
        if not sizes or min(sizes) < 1 or max(sizes) > 50:
            raise ValueError
    except ValueError:
        parser.error(f"--sizes {options.sizes!r}: give whole numbers from 1 to 50 separated by commas, e.g. 1,5,10")
    missing = missing_prerequisites() + ([] if (PULUMI_BIN / "pulumi").exists() else ["make engine"])
    from bench.testbed import busybox_image, is_static_elf
    import shutil

    busybox = shutil.which("busybox")
    if not busybox or not is_static_elf(Path(busybox)):
        missing.append("a static busybox (Debian package busybox-static)")
    if missing:
        raise SystemExit(f"bench/parallel_create.py needs: {', '.join(missing)}")
    batches = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        image = folder / "busybox.tar"
        image.write_bytes(busybox_image(Path(busybox)))
        with RemoteHost() as host:
            (folder / "floor").mkdir()
            env = pulumi_env(folder / "floor")
            (folder / "floor" / "empty").mkdir()
            floors = {
                "pulumi version": seconds(["pulumi", "version"], env),
                "empty inline up": empty_update(env, folder / "floor" / "empty"),
                "ssh HOST true": seconds(["ssh", *host.ssh_options(), f"root@{host.address}", "true"], env),
            }
        for size in sizes:
            (folder / f"n{size}").mkdir()
            batch = run_batch(size, folder / f"n{size}", image)
            batches.append(batch)
            print_batch(batch)
            sys.stdout.flush()
    print(f"\n{'floor, same run':<64} {'seconds':>8}")
    for name, value in floors.items():
        print(f"{name:<64} {value:>8.2f}")
    one = next((b for b in batches if b.size == 1), None)
    print(f"\n{'N':>4} {'wall s':>8} {'x N=1':>7} {'peak MiB':>9} {'failures':>9}")
    for batch in batches:
        ratio = f"{batch.wall / one.wall:7.2f}" if one else f"{'-':>7}"
        print(f"{batch.size:>4} {batch.wall:>8.2f} {ratio} {batch.peak_rss / 2**20:>9.0f} {len(batch.failures):>9}")
    largest = max(batches, key=lambda b: b.size)
    if one and largest.size > 1:
        print(
            f"N={largest.size} / N=1: {largest.wall / one.wall:.2f}x on {os.cpu_count()} cores "
            f"(goal for N=10 on 2 cores: within 4x, zero failures)"
        )
        floor = (largest.cpu_ours + largest.cpu_hosts) / (os.cpu_count() or 1)
        others = max(0.0, largest.cpu_machine - largest.cpu_ours - largest.cpu_hosts)
        print(
            f"N={largest.size}'s CPU floor on an otherwise idle machine: {floor:.1f} s, {floor / one.wall:.2f}x N=1 "
            f"(this run's other processes used {others:.1f} CPU s meanwhile)"
        )
    if options.json:
        Path(options.json).write_text(
            json.dumps(
                {
                    "cores": os.cpu_count(),
                    "floors": floors,
                    "batches": [
                        {
                            "size": b.size,
                            "wall": b.wall,
                            "creates": [c.seconds for c in b.creates],
                            "peak_rss": b.peak_rss,
                            "cpu_ours": b.cpu_ours,
                            "cpu_hosts": b.cpu_hosts,
                            "cpu_machine": b.cpu_machine,
                            "rm_seconds": b.rm_seconds,
                            "failures": b.failures,
                            "phases": b.phases,
                            "usable": [c.name for c in b.creates if c.code == 0 and not c.usable],
                        }
                        for b in batches
                    ],
                },
                indent=1,
            )
        )
    return 1 if any(b.failures for b in batches) else 0


if __name__ == "__main__":
    sys.exit(main())

"""Where the CPU of one command goes: per kind of process it starts (the pulumi CLI by subcommand, the Python
ones by script or module: the docker-machine CLI, guard.py, dynamic providers, the command stand-in, the
language host's program; ssh...) and per thread (Go's threads of a pulumi process, gRPC's named threads of a
Python one), with each thread's voluntary context switches, which give away one that wakes up to poll.

The command's descendants are found in /proc every INTERVAL seconds while it runs, and each thread's CPU read
from /proc/PID/task/TID/schedstat (nanoseconds), so a process shorter than INTERVAL can be missed: the
total beside the samples is the command's own rusage (its children waited for, the exact figure).

Run (Linux): .venv/bin/python bench/command_cpu.py [--interval 0.01] [--json FILE] -- docker-machine create ...
(with the engine's environment, as for the tests: . .engine/env).
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import resource
import subprocess
import sys
import time
from dataclasses import asdict, dataclass

PYTHON_THREADS = ("event_engine", "grpc_global_tim", "lifeguard")  # grpcio's own threads, by name


@dataclass
class Thread:
    pid: int
    tid: int
    kind: str  # the process's kind (label)
    name: str  # the thread's comm
    cpu_ns: int = 0
    wakeups: int = 0  # voluntary context switches


def label(pid: int) -> str | None:
    """What a process is, from its command line."""
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as handle:
            argv = [arg.decode(errors="replace") for arg in handle.read().split(b"\0") if arg]
    except OSError:
        return None
    if not argv:
        return None
    program = os.path.basename(argv[0])
    if program.startswith("python"):
        rest = argv[1:]
        while rest and rest[0].startswith("-") and rest[0] not in ("-m", "-c"):
            rest = rest[1:]
        if rest[:1] == ["-m"] and len(rest) > 1:
            return f"python -m {rest[1]}"
        return "python " + (os.path.basename(rest[0]) if rest and rest[0] != "-c" else "-c")
    if program == "pulumi":
        words = [arg for arg in argv[1:] if not arg.startswith("-")][:2]
        return "pulumi " + " ".join(words if words[:1] in (["config"], ["stack"], ["plugin"]) else words[:1])
    return program


def descendants(root: int) -> list[int]:
    children: dict[int, list[int]] = collections.defaultdict(list)
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as handle:
                    stat = handle.read()
            except OSError:
                continue
            children[int(stat[stat.rfind(")") + 2 :].split()[1])].append(int(entry))
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo.extend(children.get(pid, []))
    return found


def sample(pid: int, kind: str, threads: dict[tuple[int, int], Thread]) -> None:
    try:
        tids = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return
    for tid in tids:
        base = f"/proc/{pid}/task/{tid}"
        try:
            with open(f"{base}/schedstat") as schedstat, open(f"{base}/comm") as comm, open(f"{base}/status") as st:
                cpu_ns, name, status = int(schedstat.read().split()[0]), comm.read().strip(), st.read()
        except (OSError, ValueError):
            continue
        wakeups = int(status.split("voluntary_ctxt_switches:")[1].split()[0])
        thread = threads.setdefault((pid, int(tid)), Thread(pid, int(tid), kind, name))
        thread.cpu_ns, thread.wakeups, thread.name = cpu_ns, wakeups, name


def thread_group(thread: Thread) -> str:
    if thread.tid == thread.pid:
        return "main"
    return thread.name if thread.name in PYTHON_THREADS else "other threads"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--interval", type=float, default=0.01, help="seconds between two samples of /proc")
    parser.add_argument("--json", help="write every thread's figures to this file")
    parser.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args()
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        parser.error("no command given (after --)")

    threads: dict[tuple[int, int], Thread] = {}
    kinds: dict[int, str] = {}
    start = time.monotonic()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL)
    while process.poll() is None:
        for pid in descendants(process.pid):
            kind = kinds.get(pid) or label(pid)
            if kind:
                kinds[pid] = kind
                sample(pid, kind, threads)
        time.sleep(args.interval)
    wall = time.monotonic() - start
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    if args.json:
        with open(args.json, "w") as handle:
            json.dump(
                {
                    "wall": wall,
                    "rusage": usage.ru_utime + usage.ru_stime,
                    "threads": [asdict(t) for t in threads.values()],
                },
                handle,
            )

    per_kind: dict[str, dict[str, float]] = collections.defaultdict(lambda: collections.defaultdict(float))
    processes: dict[str, set[int]] = collections.defaultdict(set)
    for thread in threads.values():
        per_kind[thread.kind][thread_group(thread)] += thread.cpu_ns / 1e9
        per_kind[thread.kind]["wakeups"] += thread.wakeups
        processes[thread.kind].add(thread.pid)
    sampled = sum(thread.cpu_ns for thread in threads.values()) / 1e9
    print(
        f"exit {process.returncode}, {wall:.2f} s wall, CPU {usage.ru_utime + usage.ru_stime:.3f} s (rusage), {sampled:.3f} s sampled"
    )
    print(f"{'CPU s':>7} {'procs':>5}  {'main':>6} {'others':>6} {'gRPC':>6} {'wakeups':>7}  kind")
    for kind, groups in sorted(
        per_kind.items(), key=lambda item: -sum(v for k, v in item[1].items() if k != "wakeups")
    ):
        grpc = sum(groups.get(name, 0.0) for name in PYTHON_THREADS)
        total = groups.get("main", 0.0) + groups.get("other threads", 0.0) + grpc
        print(
            f"{total:7.3f} {len(processes[kind]):5d}  {groups.get('main', 0.0):6.3f} {groups.get('other threads', 0.0):6.3f}"
            f" {grpc:6.3f} {int(groups['wakeups']):7d}  {kind}"
        )
    sys.exit(process.returncode)


if __name__ == "__main__":
    main()

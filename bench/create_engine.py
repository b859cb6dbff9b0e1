"""Time from ``docker-machine create -d generic`` to a usable engine on a test host, by step.

Through the Pulumi engine built by make engine, with the stand-in command provider, on a network-namespace
test host (root needed). Each step is the time from one progress line to the next, as the user sees
them; the floors beside them are measured in the same run on the same host:
- ``pulumi version``: starting the Go CLI once;
- an empty inline program's ``up``: the Automation API's fixed cost per update (workspace, stack,
  engine, plugins) with no resource;
- ``ssh HOST true``: one SSH connection to the host.

Run: .venv/bin/python bench/create_engine.py
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.testbed import RemoteHost, missing_prerequisites  # noqa: E402

PULUMI_BIN = ROOT / ".engine" / "bin"


def pulumi_env(folder: Path) -> dict:
    plugins = folder / "plugins"
    plugins.mkdir()
    wrapper = plugins / "pulumi-resource-command"
    wrapper.write_text(
        f'#!/bin/sh\nPYTHONPATH={ROOT} exec {sys.executable} {ROOT / "tests" / "fakes" / "command_provider.py"} "$@"\n'
    )
    wrapper.chmod(0o755)
    return {
        **os.environ,
        "PATH": f"{PULUMI_BIN}:{plugins}:{os.environ['PATH']}",
        "PULUMI_HOME": str(folder / "home"),
        "PULUMI_SKIP_UPDATE_CHECK": "true",
        "PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION": "true",
        "MACHINE_STORAGE_PATH": str(folder / "store"),
        "DOCKER_CONFIG": str(folder / "docker"),
    }


def seconds(command: list[str], env: dict) -> float:
    start = time.perf_counter()
    subprocess.run(command, env=env, capture_output=True, check=True)
    return time.perf_counter() - start


def empty_update(env: dict, folder: Path) -> float:
    code = (
        "import pulumi.automation as a, sys\n"
        f"s = a.create_or_select_stack('bench', project_name='bench', program=lambda: None, "
        f"opts=a.LocalWorkspaceOptions(work_dir={str(folder)!r}, env_vars={{'PULUMI_CONFIG_PASSPHRASE': 'x', "
        f"'PULUMI_BACKEND_URL': {folder.as_uri()!r}}}))\n"
        "s.up()\n"
    )
    return seconds([sys.executable, "-c", code], env)


def timed_lines(command: list[str], env: dict) -> tuple[list[tuple[float, str]], float]:
    start = time.perf_counter()
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    lines = [(time.perf_counter() - start, line.rstrip()) for line in process.stdout]  # type: ignore[union-attr]
    if process.wait() != 0:
        raise SystemExit("create failed:\n" + "\n".join(text for _, text in lines))
    return lines, time.perf_counter() - start


def main() -> None:
    missing = missing_prerequisites() + ([] if (PULUMI_BIN / "pulumi").exists() else ["make engine"])
    if missing:
        raise SystemExit(f"bench/create_engine.py needs: {', '.join(missing)}")
    script = str(Path(sys.executable).parent / "docker-machine")
    with tempfile.TemporaryDirectory() as tmp, RemoteHost() as host:
        folder = Path(tmp)
        env = pulumi_env(folder)
        (folder / "empty").mkdir()
        floors = {
            "pulumi version": seconds(["pulumi", "version"], env),
            "empty inline up": empty_update(env, folder / "empty"),
            "ssh HOST true": seconds(["ssh", *host.ssh_options(), f"root@{host.address}", "true"], env),
        }
        lines, total = timed_lines(
            [
                script,
                "create",
                "-d",
                "generic",
                "--generic-ip-address",
                host.address,
                "--generic-ssh-key",
                str(host.ssh_key),
                "--engine-install-url",
                "none",
                "bench",
            ],
            env,
        )
        start = time.perf_counter()
        subprocess.run(
            ["bash", "-c", f"docker $({script} config bench) version"], env=env, capture_output=True, check=True
        )
        usable = time.perf_counter() - start

        print(f"{'step (create -d generic, until the next line)':<70} {'seconds':>8}")
        for (at, text), (after, _) in zip(lines, [*lines[1:], (total, "")], strict=True):
            print(f"{text[:70]:<70} {after - at:>8.2f}")
        print(f"{'create, in all':<70} {total:>8.2f}")
        print(f"{'then docker $(docker-machine config) version':<70} {usable:>8.2f}")
        print()
        print(f"{'floor, same run':<70} {'seconds':>8}")
        for name, value in floors.items():
            print(f"{name:<70} {value:>8.2f}")
        subprocess.run([script, "rm", "-y", "bench"], env=env, capture_output=True, check=True)


if __name__ == "__main__":
    main()

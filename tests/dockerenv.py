"""The real docker client set up only by a machine's docker env (DOCKER_HOST, DOCKER_TLS_VERIFY, DOCKER_CERT_PATH)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from tests.dockertools import busybox_image, static_busybox

DOCKER_ENV = ("DOCKER_HOST", "DOCKER_TLS_VERIFY", "DOCKER_CERT_PATH", "DOCKER_MACHINE_NAME")


def docker_in_env(
    host, env: dict[str, str], home: Path, *args: str, stdin: bytes | None = None, timeout: float = 120
) -> subprocess.CompletedProcess:
    """``docker ARGS`` with no flag of ours: the client finds the engine and its TLS files in ``env`` alone."""
    host.assert_up()
    assert env["DOCKER_HOST"].startswith(f"tcp://{host.address}:"), f"refusing to reach {env['DOCKER_HOST']}"
    assert set(env) <= set(DOCKER_ENV), f"not a docker env: {sorted(env)}"
    home.mkdir(parents=True, exist_ok=True, mode=0o700)
    clean = {"PATH": os.environ["PATH"], "HOME": str(home), "DOCKER_CONFIG": str(home / "docker-config"), **env}
    return subprocess.run(["docker", *args], input=stdin, capture_output=True, timeout=timeout, env=clean)


def busybox_hello(host, env: dict[str, str], home: Path) -> None:
    """With only the docker env: the engine is mutual TLS (DOCKER_TLS_VERIFY=1), and busybox says hello world."""
    assert env["DOCKER_TLS_VERIFY"] == "1"
    for name in ("ca.pem", "cert.pem", "key.pem"):
        assert (Path(env["DOCKER_CERT_PATH"]) / name).is_file(), f"{name} missing from DOCKER_CERT_PATH"
    assert (Path(env["DOCKER_CERT_PATH"]) / "key.pem").stat().st_mode & 0o777 == 0o600
    image = busybox_image(static_busybox())
    imported = docker_in_env(host, env, home, "import", "-", "dmtest/busybox:latest", stdin=image)
    assert imported.returncode == 0, imported.stderr
    run = docker_in_env(host, env, home, "run", "--rm", "dmtest/busybox", "echo", "hello", "world")
    assert run.returncode == 0, run.stderr
    assert run.stdout.decode() == "hello world\n"

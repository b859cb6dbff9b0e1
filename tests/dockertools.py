"""The real docker client against a test host, and the busybox image made without a registry."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from bench.testbed import busybox_image, is_static_elf
from pulumi_docker_machine.components import files
from tests.conftest import require

__all__ = ["busybox_image", "docker", "hello_world", "is_static_elf", "static_busybox", "write_client_certs"]


def static_busybox() -> Path:
    path = shutil.which("busybox")
    require(
        [] if path and is_static_elf(Path(path)) else ["a static busybox (Debian package busybox-static)"],
        "the busybox test image",
    )
    return Path(path)  # type: ignore[arg-type]


def write_client_certs(folder: Path, ca_pem: str, cert_pem: str, key_pem: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    return files.write_client_certs(folder, ca_pem, cert_pem, key_pem)


def docker(
    host,
    docker_host: str,
    certs: Path,
    *args: str,
    cert: str | None = "cert",
    key: str = "key",
    stdin: bytes | None = None,
    timeout: float = 120,
) -> subprocess.CompletedProcess:
    """The real docker client with --tlsverify against ``docker_host`` (on the test host only)."""
    host.assert_up()
    assert docker_host.startswith(f"tcp://{host.address}:"), f"refusing to reach {docker_host}"
    tls = ["--tlsverify", f"--tlscacert={certs / 'ca.pem'}"]
    if cert:
        tls += [f"--tlscert={certs / f'{cert}.pem'}", f"--tlskey={certs / f'{key}.pem'}"]
    env = {"PATH": os.environ["PATH"], "DOCKER_CONFIG": str(certs / "docker-config"), "HOME": str(certs)}
    return subprocess.run(
        ["docker", *tls, "-H", docker_host, *args], input=stdin, capture_output=True, timeout=timeout, env=env
    )


def hello_world(host, out: dict, folder: Path) -> None:
    """With only a machine's outputs: the server version, then busybox says hello world."""
    certs = write_client_certs(folder, out["ca_pem"], out["client_cert_pem"], out["client_key_pem"])
    version = docker(host, out["docker_host"], certs, "version", "--format", "{{.Server.Version}}")
    assert version.returncode == 0, version.stderr
    assert version.stdout.decode().strip() in host.output("dockerd --version")
    imported = docker(
        host, out["docker_host"], certs, "import", "-", "dmtest/busybox:latest", stdin=busybox_image(static_busybox())
    )
    assert imported.returncode == 0, imported.stderr
    run = docker(host, out["docker_host"], certs, "run", "--rm", "dmtest/busybox", "echo", "hello", "world")
    assert run.returncode == 0, run.stderr
    assert run.stdout.decode() == "hello world\n"

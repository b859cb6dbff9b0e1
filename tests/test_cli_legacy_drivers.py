"""Machines that docker-machine 0.16 made with each of its built-in drivers, read by every read command.

Each fixture in tests/fixtures/docker-machine-0.16/drivers/ is the ``Driver`` object that driver writes
to config.json (field names from v0.16.2's structs; addresses changed to loopback). A stand-in engine
answers over mutual TLS where the driver's own GetURL would point; the installed script is run.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from pulumi_docker_machine.components.cert import create_ca, issue_client_certificate, issue_server_certificate
from bench.fakeengine import FakeEngine

FIXTURES = Path(__file__).parent / "fixtures" / "docker-machine-0.16"
SCRIPT = Path(sys.executable).parent / "docker-machine"
DRIVERS = sorted(p.stem for p in (FIXTURES / "drivers").glob("*.json"))
# Drivers that store no address (docker-machine asks the cloud every time).
NO_ADDRESS = {"azure", "google"}


def expected(name: str, driver: dict) -> tuple[str, str]:
    """(IP, URL) as the driver's GetIP/GetURL would give them for the stored fields."""
    if name == "none":  # GetIP answers IPAddress, net/url's Host of the URL: port included
        return driver["IPAddress"], driver["URL"]
    ip = driver["PublicIP"] if name == "vmwarevcloudair" else driver["IPAddress"]
    port = driver.get("EnginePort") or driver.get("DockerPort") or 2376
    return ip, f"tcp://{ip}:{port}"


def legacy_machine(root: Path, driver_name: str) -> tuple[str, dict]:
    driver = json.loads((FIXTURES / "drivers" / f"{driver_name}.json").read_text().replace("STORE", str(root)))
    name = driver["MachineName"]
    template = json.loads((FIXTURES / "machines" / "legacy" / "config.json").read_text().replace("STORE", str(root)))
    folder = root / "machines" / name
    folder.mkdir(parents=True, mode=0o700)
    auth = template["HostOptions"]["AuthOptions"]
    for key, value in list(auth.items()):
        if isinstance(value, str):
            auth[key] = value.replace("/machines/legacy", f"/machines/{name}")
    config = {**template, "Driver": driver, "DriverName": driver_name, "Name": name}
    (folder / "config.json").write_text(json.dumps(config, indent=4))
    return name, driver


def dm(root: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "MACHINE_STORAGE_PATH": str(root), "DOCKER_CONFIG": str(root / "docker-config")}
    return subprocess.run([str(SCRIPT), *args], capture_output=True, text=True, env=env, timeout=60)


@pytest.mark.parametrize("driver_name", DRIVERS)
def test_every_read_command_on_a_machine_the_driver_made(driver_name, tmp_path):
    root = tmp_path / "store"
    name, driver = legacy_machine(root, driver_name)
    folder = root / "machines" / name
    if driver_name in NO_ADDRESS:
        for command in ("url", "ip", "env"):
            result = dm(root, command, name)
            assert result.returncode == 1, result.stdout
            assert f"docker-machine asks {driver_name} for it" in result.stderr, result.stderr
        ls = dm(root, "ls", "--format", "{{.Name}}|{{.State}}|{{.Error}}")
        assert ls.stdout.strip().startswith(f"{name}|Error|no IP address"), ls.stdout + ls.stderr
        return

    ip, url = expected(driver_name, driver)
    address = url.removeprefix("tcp://").rsplit(":", 1)[0]
    ca = create_ca("legacy")
    client = issue_client_certificate(ca, "legacy.client")
    server = issue_server_certificate(ca, f"legacy.{name}", [address])
    for file, text in (
        ("ca.pem", ca.cert_pem),
        ("cert.pem", client.cert_pem),
        ("key.pem", client.key_pem),
        ("server.pem", server.cert_pem),
        ("server-key.pem", server.key_pem),
    ):
        (folder / file).write_text(text)
    engine = FakeEngine(
        folder / "ca.pem",
        folder / "server.pem",
        folder / "server-key.pem",
        address=address,
        port=int(url.rsplit(":", 1)[1]),
    )
    try:
        assert dm(root, "ip", name).stdout == f"{ip}\n"
        assert dm(root, "url", name).stdout == f"{url}\n"
        env = dm(root, "env", name)
        assert env.returncode == 0, env.stderr
        assert f'export DOCKER_HOST="{url}"' in env.stdout
        config = dm(root, "config", name)
        assert config.returncode == 0 and f"-H={url}" in config.stdout, config.stderr
        assert dm(root, "status", name).stdout == "Running\n"
        ls = dm(root, "ls", "--format", "{{.Name}}|{{.DriverName}}|{{.State}}|{{.URL}}")
        assert ls.stdout == f"{name}|{driver_name}|Running|{url}\n", ls.stdout + ls.stderr
    finally:
        engine.close()

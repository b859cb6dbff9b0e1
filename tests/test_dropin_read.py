"""Issue #22 §1, the read outputs: what a docker-machine 0.16.2 user's scripts see, through the installed script, on
stores written as 0.16.2 writes them (tests/fixtures/docker-machine-0.16: its virtualbox machine's config.json and
its none driver's ``Driver`` object)."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bench.fakeengine import FakeEngine
from pulumi_docker_machine.components.cert import create_ca, issue_client_certificate, issue_server_certificate

FIXTURES = Path(__file__).parent / "fixtures" / "docker-machine-0.16"
SCRIPT = Path(sys.executable).parent / "docker-machine"
REFUSED = "Unable to query docker version: Cannot connect to the docker engine endpoint"


def write_machine(root: Path, name: str, driver: dict | None = None, driver_name: str = "virtualbox") -> Path:
    """A machine folder as docker-machine 0.16.2 leaves it: the fixture's config.json under ``name``."""
    text = (FIXTURES / "machines" / "legacy" / "config.json").read_text().replace("STORE", str(root))
    config = json.loads(text.replace("/machines/legacy", f"/machines/{name}"))
    config["Name"] = name
    config["Driver"] = {**(driver or config["Driver"]), "MachineName": name}
    config["DriverName"] = driver_name
    folder = root / "machines" / name
    folder.mkdir(parents=True, mode=0o700)
    (folder / "config.json").write_text(json.dumps(config, indent=4))
    return folder


def none_machine(root: Path, name: str, address: str, port: int) -> Path:
    """docker-machine create -d none --url tcp://ADDRESS:PORT NAME, as 0.16.2 stores it (IPAddress: net/url's Host)."""
    driver = json.loads((FIXTURES / "drivers" / "none.json").read_text().replace("STORE", str(root)))
    driver.update(IPAddress=f"{address}:{port}", URL=f"tcp://{address}:{port}")
    return none_certs(write_machine(root, name, driver, "none"), address)


def none_certs(folder: Path, address: str) -> Path:
    ca = create_ca("dropin")
    client = issue_client_certificate(ca, "dropin.client")
    server = issue_server_certificate(ca, "dropin.engine", [address])
    for file, text in (
        ("ca.pem", ca.cert_pem),
        ("cert.pem", client.cert_pem),
        ("key.pem", client.key_pem),
        ("server.pem", server.cert_pem),
        ("server-key.pem", server.key_pem),
    ):
        (folder / file).write_text(text)
    return folder


def dm(root: Path, *args: str, **env: str) -> subprocess.CompletedProcess:
    variables = {"PATH": os.environ["PATH"], "HOME": str(root.parent), "MACHINE_STORAGE_PATH": str(root), **env}
    return subprocess.run([str(SCRIPT), *args], capture_output=True, text=True, env=variables, timeout=60)


@pytest.fixture
def refusing():
    """A port on loopback that refuses connections for the test's length: bound, never listening."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        yield sock.getsockname()[1]


# ----- §1: ls's order ---------------------------------------------------------------------------------------------


def test_ls_table_is_natural_and_case_insensitive_while_ls_q_keeps_byte_order(tmp_path):
    root = tmp_path / "store"
    for name in ("node10", "beta", "node9", "Alpha", "node1", "Node2", "web-01", "web-1", "web1a", "web1"):
        write_machine(root, name)
    broken = root / "machines" / "node5"  # a machine 0.16.2 can't load is sorted in with the others
    broken.mkdir(mode=0o700)
    (broken / "config.json").write_text("{")
    byte_order = ["Alpha", "Node2", "beta", "node1", "node10", "node9", "web-01", "web-1", "web1", "web1a"]
    natural = ["Alpha", "beta", "node1", "Node2", "node5", "node9", "node10", "web1", "web1a", "web-1", "web-01"]

    assert dm(root, "ls", "-q").stdout.split() == byte_order, "the machines that load, as 0.16.2's -q"
    table = dm(root, "ls", "--format", "table {{.Name}}\t{{.DriverName}}").stdout.splitlines()
    assert [line.split()[0] for line in table] == ["NAME", *natural]
    assert table[natural.index("node5") + 1].split() == ["node5", "not", "found"], "0.16.2's driver of a broken host"
    plain = dm(root, "ls", "--format", "{{.Name}}").stdout.split()
    assert plain == natural, "a format without table is sorted too, as 0.16.2 sorts the items"
    default = dm(root, "ls", "-t", "2").stdout.splitlines()
    assert [line.split()[0] for line in default[1:]] == natural

    assert dm(root, "ls", "-q", "--filter", "name=^node").stdout.split() == ["node1", "node10", "node9"]
    filtered = dm(root, "ls", "--filter", "name=^node", "--format", "{{.Name}}").stdout.split()
    assert filtered == ["node1", "node5", "node9", "node10"]
    assert dm(root, "ls", "--filter", "driver=VirtualBox", "--format", "{{.Name}}").stdout.split() == [
        n for n in natural if n != "node5"
    ]


# ----- §1: a none machine -----------------------------------------------------------------------------------------


def test_a_none_machine_whose_engine_refuses_is_running_with_its_url_and_the_error(tmp_path, refusing):
    root = tmp_path / "store"
    none_machine(root, "remote", "127.0.0.1", refusing)
    url = f"tcp://127.0.0.1:{refusing}"

    ls = dm(root, "ls")
    assert ls.returncode == 0, ls.stderr
    row = ls.stdout.splitlines()[1]
    assert row.split()[:6] == ["remote", "-", "none", "Running", url, "Unknown"] and row.endswith(f"   {REFUSED}")
    fields = dm(root, "ls", "--format", "{{.State}}|{{.URL}}|{{.DockerVersion}}|{{.Error}}").stdout
    assert fields == f"Running|{url}|Unknown|{REFUSED}\n"
    assert re.fullmatch(r"([1-9][0-9]*ms|0s)\n", dm(root, "ls", "--format", "{{.ResponseTime}}").stdout)
    assert dm(root, "ls", "-q", "--filter", "state=Running").stdout == "remote\n", "its driver says Running"
    assert dm(root, "active", DOCKER_HOST=url).stdout == "remote\n", "active as 0.16.2's (Running, URL matches)"
    assert dm(root, "status", "remote").stdout == "Running\n"
    assert dm(root, "ip", "remote").stdout == f"127.0.0.1:{refusing}\n", "the stored IPAddress, port included"
    assert dm(root, "url", "remote").stdout == f"{url}\n"

    env = dm(root, "env", "remote")  # env checks the TLS connection first, as 0.16.2 does
    assert env.returncode == 1 and not env.stdout
    assert env.stderr.startswith(
        "Error checking TLS connection: Error checking and/or regenerating the certs: There was an error validating "
        f'certificates for host "127.0.0.1:{refusing}": {REFUSED}\n'
    ), env.stderr


def test_status_of_a_none_machine_asks_nothing(tmp_path):
    """An engine that accepts and never answers would hold a probe for 10 s; status answers at once."""
    root = tmp_path / "store"
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        none_machine(root, "remote", "127.0.0.1", silent.getsockname()[1])
        start = time.monotonic()
        status = dm(root, "status", "remote")
        assert (status.returncode, status.stdout) == (0, "Running\n")
        assert time.monotonic() - start < 5, "status probed the engine"
        ls = dm(root, "ls", "-t", "1", "--format", "{{.State}}|{{.URL}}|{{.ResponseTime}}")
        assert ls.stdout == "Timeout||1s\n", "0.16.2's ls gives up on it after -t; RESPONSE as Go prints a Duration"


def test_a_none_machine_with_its_engine_ip_env_no_proxy_and_json(tmp_path):
    root = tmp_path / "store"
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    folder = none_machine(root, "remote", "127.0.0.1", port)
    engine = FakeEngine(folder / "ca.pem", folder / "server.pem", folder / "server-key.pem", port=port)
    try:
        url = f"tcp://127.0.0.1:{port}"
        row = dm(root, "ls").stdout.splitlines()[1].split()
        assert row == ["remote", "-", "none", "Running", url, "v24.0.7"]

        assert dm(root, "ip", "remote").stdout == f"127.0.0.1:{port}\n"
        env = dm(root, "env", "--no-proxy", "remote", NO_PROXY="example.com")
        assert env.returncode == 0, env.stderr
        assert f'export NO_PROXY="example.com,127.0.0.1:{port}"\n' in env.stdout, "env adds what ip prints"

        listed = json.loads(dm(root, "ls", "--format", "{{json .}}").stdout)
        assert (listed["Name"], listed["State"], listed["URL"], listed["DockerVersion"], listed["Error"]) == (
            "remote",
            "Running",
            url,
            "v24.0.7",
            "",
        ), "json . probes as a named field does"
        assert listed["EngineOptions"]["Labels"] == ["env=legacy"] and listed["SwarmOptions"]["Image"] == "swarm:latest"
    finally:
        engine.close()


# ----- §1: template fields ----------------------------------------------------------------------------------------


def test_ls_and_inspect_template_fields_as_0_16_2(tmp_path):
    root = tmp_path / "store"
    write_machine(root, "legacy")
    options = dm(
        root, "ls", "--format", "{{.EngineOptions.Labels}} {{.SwarmOptions.Host}} {{.EngineOptions.InstallURL}}"
    )
    assert options.stdout == "[env=legacy] tcp://0.0.0.0:3376 https://get.docker.com\n", options.stderr
    header = dm(root, "ls", "--format", "table {{.Name}}\t{{.EngineOptions}}\t{{.SwarmOptions}}").stdout
    assert header.splitlines()[0].split() == ["NAME", "ENGINE_OPTIONS", "SWARM_OPTIONS"]

    inspect = dm(
        root,
        "inspect",
        "-f",
        "{{.HostOptions.EngineOptions.Labels}}|{{.Nope}}|{{.Driver.Nope.Deeper}}|"
        "{{.HostOptions.EngineOptions.Dns}}|{{json .Nope}}",
        "legacy",
    )
    assert inspect.stdout == "[env=legacy]|<no value>|<no value>|<no value>|null\n", "Go's template on a map"
    wrong = dm(root, "inspect", "-f", "{{.Name.Nope}}", "legacy")
    assert wrong.returncode == 1 and "can't evaluate field Nope" in wrong.stderr
    unknown = dm(root, "ls", "--format", "{{.Nope}}")
    assert unknown.returncode == 1 and "can't evaluate field Nope" in unknown.stderr, "ls's items are structs"


def test_status_is_the_machines_state_without_tls(tmp_path, refusing):
    """0.16.2's status is the driver's GetState (generic: its SSH port answers), not a TLS round trip: an engine
    port that accepts and never speaks TLS is Running at once; an engine refusing with SSH answering is Running
    (ls, which asks Docker, says Error); nothing answering is Stopped."""
    root = tmp_path / "store"
    folder = write_machine(root, "box", driver_name="generic")
    config = json.loads((folder / "config.json").read_text())
    with socket.socket() as silent, socket.socket() as ssh:
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        ssh.bind(("127.0.0.1", 0))
        driver = {"IPAddress": "127.0.0.1", "SSHUser": "root", "SSHPort": ssh.getsockname()[1]}
        config["Driver"].update(driver, EnginePort=silent.getsockname()[1])
        (folder / "config.json").write_text(json.dumps(config))
        start = time.monotonic()
        assert dm(root, "status", "box").stdout == "Running\n"
        assert time.monotonic() - start < 5, "status waited for TLS"

        config["Driver"]["EnginePort"] = refusing
        (folder / "config.json").write_text(json.dumps(config))
        assert dm(root, "status", "box").stdout == "Stopped\n", "nothing answers"
        ssh.listen(8)
        assert dm(root, "status", "box").stdout == "Running\n", "its SSH port answers"
        assert dm(root, "ls", "--format", "{{.State}}").stdout == "Error\n"

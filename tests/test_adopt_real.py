"""Adopting a generic machine docker-machine 0.16 made, for real: a store written as docker-machine writes it
(its CA and client certificate in certs/, the machine's server certificate and key in its folder), on a test host
whose dockerd already serves TLS with those certificates. adopt touches nothing on the host (the same dockerd,
serving the same certificate, reached with the store's certificates), then provision, docker run and rm work on it,
through the installed script and the real Pulumi engine."""

from __future__ import annotations

import json
import shutil

import pytest

from pulumi_docker_machine.components.cert import KeyFormat, KeyType, create_ca, issue_client_certificate
from pulumi_docker_machine.components.cert import issue_server_certificate
from pulumi_docker_machine.components.engine import EngineOptions
from pulumi_docker_machine.components.provision import provisioning
from tests.conftest import LEGACY_FIXTURE
from tests.dockertools import busybox_image, static_busybox
from tests.test_engine_cli import machine, served_certificate, shell, state_resources

pytestmark = [pytest.mark.remote_host, pytest.mark.engine]

NAME = "old"
NEW = "web"  # adopted under a name of its own: the 0.16 record is replaced


def write_legacy_machine(root, host) -> dict:
    """The store docker-machine 0.16's ``create -d generic`` leaves (RSA keys in its PKCS#1 format)."""
    rsa = {"key_type": KeyType.RSA_2048, "key_format": KeyFormat.TRADITIONAL}
    ca = create_ca("legacy", **rsa)
    client = issue_client_certificate(ca, "legacy.client", **rsa)
    server = issue_server_certificate(ca, f"legacy.{NAME}", [host.address], [], **rsa)
    certs, folder = root / "certs", root / "machines" / NAME
    certs.mkdir(parents=True, mode=0o700)
    folder.mkdir(parents=True, mode=0o700)
    files = {
        certs / "ca.pem": ca.cert_pem,
        certs / "ca-key.pem": ca.key_pem,
        certs / "cert.pem": client.cert_pem,
        certs / "key.pem": client.key_pem,
        folder / "ca.pem": ca.cert_pem,
        folder / "cert.pem": client.cert_pem,
        folder / "key.pem": client.key_pem,
        folder / "server.pem": server.cert_pem,
        folder / "server-key.pem": server.key_pem,
    }
    for path, text in files.items():
        path.write_text(text)
    shutil.copy(host.ssh_key, folder / "id_rsa")  # generic copies the key it was given into the folder
    (folder / "id_rsa").chmod(0o600)
    config = json.loads((LEGACY_FIXTURE / "machines" / "legacy" / "config.json").read_text())
    config = json.loads(json.dumps(config).replace("STORE", str(root)).replace("/machines/legacy", f"/machines/{NAME}"))
    config.update(Name=NAME, DriverName="generic")
    config["Driver"] = {
        "IPAddress": host.address,
        "MachineName": NAME,
        "SSHUser": "root",
        "SSHPort": 22,
        "SSHKeyPath": str(folder / "id_rsa"),
        "StorePath": str(root),
        "SwarmMaster": False,
        "SwarmHost": "",
        "SwarmDiscovery": "",
        "EnginePort": 2376,
        "SSHKey": str(host.ssh_key),
    }
    config["HostOptions"]["EngineOptions"].update(InstallURL="none", Labels=["from=0.16"])
    (folder / "config.json").write_text(json.dumps(config, indent=4))
    return {"ca": ca, "server": server}


def test_adopt_then_provision_run_and_rm(world, remote_host, pulumi_engine, openssl, tmp_path):
    host = remote_host
    pki = write_legacy_machine(world.root, host)
    # The host as docker-machine's provisioning left it: dockerd behind TLS with the machine's server certificate.
    plan = provisioning(
        EngineOptions(install_url="none", labels=["from=0.16"]),
        "generic",
        ca_pem=pki["ca"].cert_pem,
        server_cert_pem=pki["server"].cert_pem,
        server_key_pem=pki["server"].key_pem,
        hostname=NAME,
        daemon_timeout=60,
    )
    done = host.ssh(plan.command, plan.stdin)
    assert done.returncode == 0, done.stderr.decode()
    dockerd = host.pid_of("dockerd")
    assert dockerd and served_certificate(host, openssl) == pki["server"].cert_pem.strip()

    adopted = machine(world, "adopt", NAME, "--name", NEW)
    assert adopted.returncode == 0, adopted.stdout + adopted.stderr
    assert f'"{NEW}" is managed through Pulumi now; its VM was not touched.' in adopted.stdout
    # Untouched: the same dockerd, serving the 0.16 certificate; the store's CA and client certificate reach it.
    assert host.pid_of("dockerd") == dockerd
    assert served_certificate(host, openssl) == pki["server"].cert_pem.strip()
    assert (world.root / "certs" / "ca.pem").read_text() == pki["ca"].cert_pem
    version = shell(world, f'eval "$(docker-machine env {NEW})" && docker version --format {{{{.Server.Os}}}}')
    assert version.returncode == 0 and version.stdout == "linux\n", version.stderr
    ls = machine(world, "ls", "--format", "{{.Name}} {{.DriverName}} {{.State}} {{.URL}}")
    assert ls.stdout.strip() == f"{NEW} generic Running tcp://{host.address}:2376", ls.stdout + ls.stderr
    record = json.loads((world.root / "machines" / NEW / "config.json").read_text())
    assert record["Pulumi"]["Outputs"]["adopted"] == [], "kept in the record: later updates set it again"
    # The machine's key is in state only as a secret (the store's file backend: its checkpoint in plaintext).
    key_body = host.ssh_key.read_text().splitlines()[1]
    assert all(key_body not in json.dumps(resource) for resource in state_resources(world))

    provisioned = machine(world, "provision", NEW)
    assert provisioned.returncode == 0, provisioned.stdout + provisioned.stderr
    assert served_certificate(host, openssl) == (world.root / "machines" / NEW / "server.pem").read_text().strip()
    image = tmp_path / "busybox.tar"
    image.write_bytes(busybox_image(static_busybox()))
    imported = shell(world, f"docker $(docker-machine config {NEW}) import - busybox:latest < {image}")
    assert imported.returncode == 0, imported.stderr
    run = shell(world, f'eval "$(docker-machine env {NEW})" && docker run --rm busybox echo hello world')
    assert run.returncode == 0 and run.stdout == "hello world\n", run.stderr
    labels = shell(world, f"docker $(docker-machine config {NEW}) info --format '{{{{json .Labels}}}}'")
    assert "from=0.16" in labels.stdout, "the 0.16 engine options are kept"

    removed = machine(world, "rm", "-y", NEW)
    assert removed.returncode == 0, removed.stdout + removed.stderr
    assert not (world.root / "machines" / NEW).exists() and not (world.root / "machines" / NAME).exists()
    assert machine(world, "ls", "-q").stdout == ""

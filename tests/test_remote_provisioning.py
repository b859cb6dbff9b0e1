"""Provisioning over real SSH against a real test host, then the real docker client over mutual TLS.

The tests share one host but not an order: each that needs Docker running asks for ``provisioned``,
which provisions the host with the module's options (a no-op when nothing changed), so whatever a
test before it did, it starts from the same engine. The first-install test has a host of its own.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from pulumi_docker_machine.components.cert import create_ca, issue_client_certificate, issue_server_certificate
from pulumi_docker_machine.components.engine import EngineOptions
from pulumi_docker_machine.components.provision import provisioning
from tests import dockertools
from tests.conftest import require
from tests.dockertools import busybox_image, static_busybox
from bench.testbed import RemoteHost, missing_prerequisites

pytestmark = pytest.mark.remote_host

HOSTNAME = "dmtest-dev"
EXTRA_SANS = ["docker.dmtest.example", "192.0.2.77"]

FAKE_CLOUD_INIT = """#!/bin/sh
# Stands in for cloud-init on the test host; accepts only what provisioning is documented to call.
if [ "$*" = "status --wait" ]; then
    echo "$*" >>/var/log/fake-cloud-init.log
    echo "status: done"
    exit 0
fi
echo "cloud-init: error: unrecognized arguments: $*" >&2
exit 2
"""

INSTALLER = """#!/bin/sh
# Test double for get.docker.com, served over HTTP from the test machine: it installs
# dockerd the way a real installer installs packages, by downloading it.
set -eu
echo "test installer: downloading dockerd"
curl -fsSL -o /usr/sbin/.dockerd.download {binary_url}
chmod 0755 /usr/sbin/.dockerd.download
mv /usr/sbin/.dockerd.download /usr/sbin/dockerd
echo installed >>/var/log/test-installer.log
"""


@pytest.fixture(scope="module")
def busybox() -> Path:
    return static_busybox()


@pytest.fixture(scope="module")
def host():
    require(missing_prerequisites() + ([] if shutil.which("curl") else ["command curl"]), "the real remote-host tests")
    with RemoteHost(hide_dockerd=True) as remote:
        result = remote.ssh("cat >/usr/local/bin/cloud-init && chmod 755 /usr/local/bin/cloud-init", FAKE_CLOUD_INIT)
        assert result.returncode == 0, result.stderr
        yield remote


@pytest.fixture(scope="module")
def pki(host, tmp_path_factory):
    folder = tmp_path_factory.mktemp("pki")
    ca = create_ca("dmtest")
    ca.save(folder / "ca.pem", folder / "ca-key.pem")
    issue_client_certificate(ca, "dmtest.client").save(folder / "cert.pem", folder / "key.pem")
    server = issue_server_certificate(ca, f"dmtest.{HOSTNAME}", [host.address], EXTRA_SANS)
    rogue_ca = create_ca("rogue")
    issue_client_certificate(rogue_ca, "rogue.client").save(folder / "rogue-cert.pem", folder / "rogue-key.pem")
    return {"dir": folder, "ca": ca, "server": server}


@pytest.fixture(scope="module")
def engine(host) -> EngineOptions:
    installer = host.serve(
        "install.sh", INSTALLER.format(binary_url=host.serve("dockerd", Path(shutil.which("dockerd"))))
    )
    return EngineOptions(install_url=installer, labels=["role=test"], env=["DMTEST_MARKER=yes"])


def provision(host, pki, engine, *, stdin=None, hostname=HOSTNAME):
    plan = provisioning(
        engine,
        "generic",
        ca_pem=pki["ca"].cert_pem,
        server_cert_pem=pki["server"].cert_pem,
        server_key_pem=pki["server"].key_pem,
        hostname=hostname,
        ssh_user="root",
        daemon_timeout=60,
        cloud_init_timeout=30,
    )
    result = host.ssh(plan.command, plan.stdin if stdin is None else stdin)
    return result.returncode, result.stdout.decode(), result.stderr.decode()


@pytest.fixture
def provisioned(host, pki, engine):
    """The host as the module's engine options leave it, whatever the test before did."""
    code, out, err = provision(host, pki, engine)
    assert code == 0, out + err


def served_certificate(host, openssl) -> str:
    host.assert_up()
    handshake = subprocess.run(
        [openssl, "s_client", "-connect", f"{host.address}:2376", "-showcerts"],
        input=b"",
        capture_output=True,
        timeout=30,
    ).stdout.decode()
    served = re.search(r"-----BEGIN CERTIFICATE-----.*?-----END CERTIFICATE-----", handshake, re.S)
    assert served, handshake
    return served.group(0)


def docker(host, pki, *args, cert="cert", key="key", stdin=None):
    return dockertools.docker(host, f"tcp://{host.address}:2376", pki["dir"], *args, cert=cert, key=key, stdin=stdin)


def test_first_run_installs_docker_and_starts_it_behind_tls(tmp_path):
    with RemoteHost(hide_dockerd=True) as fresh:
        result = fresh.ssh("cat >/usr/local/bin/cloud-init && chmod 755 /usr/local/bin/cloud-init", FAKE_CLOUD_INIT)
        assert result.returncode == 0, result.stderr
        assert fresh.ssh("command -v dockerd").returncode != 0, "the test host must start without Docker"
        installer = fresh.serve(
            "install.sh", INSTALLER.format(binary_url=fresh.serve("dockerd", Path(shutil.which("dockerd"))))
        )
        engine = EngineOptions(install_url=installer, labels=["role=test"])
        ca = create_ca("dmtest")
        server = issue_server_certificate(ca, f"dmtest.{HOSTNAME}", [fresh.address], EXTRA_SANS)
        plan = provisioning(
            engine,
            "generic",
            ca_pem=ca.cert_pem,
            server_cert_pem=server.cert_pem,
            server_key_pem=server.key_pem,
            hostname=HOSTNAME,
            ssh_user="root",
            daemon_timeout=60,
            cloud_init_timeout=30,
        )
        result = fresh.ssh(plan.command, plan.stdin)
        out = result.stdout.decode()
        assert result.returncode == 0, out + result.stderr.decode()
        assert "Waiting for cloud-init to finish..." in out
        assert fresh.output("cat /var/log/fake-cloud-init.log").splitlines() == ["status --wait"]
        assert "Provisioning with Debian" in out
        assert f"Installing Docker from {engine.install_url}..." in out
        assert "test installer: downloading dockerd" in out
        assert fresh.output("cat /var/log/test-installer.log").splitlines() == ["installed"]
        assert "Docker is up and running on port 2376!" in out
        assert fresh.output("hostname").strip() == HOSTNAME
        client = issue_client_certificate(ca, "dmtest.client")
        certs = dockertools.write_client_certs(tmp_path / "certs", ca.cert_pem, client.cert_pem, client.key_pem)
        version = dockertools.docker(fresh, f"tcp://{fresh.address}:2376", certs, "version")
        assert version.returncode == 0, version.stderr


def test_docker_client_with_the_client_certificate_gets_the_server_version(host, pki, provisioned):
    result = docker(host, pki, "version", "--format", "{{.Server.Version}}")
    assert result.returncode == 0, result.stderr
    dockerd_version = host.output("dockerd --version")
    assert result.stdout.decode().strip() in dockerd_version


def test_engine_options_reach_the_daemon(host, pki, provisioned):
    result = docker(host, pki, "info", "--format", "{{json .Labels}} {{.Driver}}")
    assert result.returncode == 0, result.stderr
    labels, driver = result.stdout.decode().rsplit(" ", 1)
    assert "provider=generic" in labels and "role=test" in labels
    assert driver.strip() == "overlay2"
    pid = host.pid_of("dockerd")
    environ = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
    assert b"DMTEST_MARKER=yes" in environ


def test_busybox_container_says_hello_world(host, pki, busybox, provisioned):
    imported = docker(host, pki, "import", "-", "dmtest/busybox:latest", stdin=busybox_image(busybox))
    assert imported.returncode == 0, imported.stderr
    result = docker(host, pki, "run", "--rm", "dmtest/busybox", "echo", "hello", "world")
    assert result.returncode == 0, result.stderr
    assert result.stdout.decode() == "hello world\n"


def test_client_without_a_certificate_is_refused(host, pki, provisioned):
    result = docker(host, pki, "version", "--format", "{{.Server.Version}}", cert=None)
    assert result.returncode != 0
    assert re.search(r"certificate|tls", result.stderr.decode(), re.I), result.stderr


def test_client_with_a_certificate_from_another_ca_is_refused(host, pki, provisioned):
    result = docker(host, pki, "version", "--format", "{{.Server.Version}}", cert="rogue-cert", key="rogue-key")
    assert result.returncode != 0
    assert re.search(r"certificate|tls", result.stderr.decode(), re.I), result.stderr


def test_served_certificate_has_the_machine_sans(host, openssl, provisioned):
    sans = subprocess.run(
        [openssl, "x509", "-noout", "-ext", "subjectAltName"],
        input=served_certificate(host, openssl).encode(),
        capture_output=True,
        check=True,
    ).stdout.decode()
    assert f"IP Address:{host.address}" in sans
    assert "DNS:localhost" in sans and "DNS:docker.dmtest.example" in sans and "IP Address:192.0.2.77" in sans


def test_server_key_is_private_on_the_host(host, provisioned):
    modes = host.output("stat -c '%a %n' /etc/docker/server-key.pem /etc/docker/server.pem /etc/docker/ca.pem")
    assert modes.split("\n")[:3] == [
        "600 /etc/docker/server-key.pem",
        "644 /etc/docker/server.pem",
        "644 /etc/docker/ca.pem",
    ]


def test_second_run_changes_nothing_and_keeps_the_daemon_up(host, pki, engine, provisioned):
    before = host.pid_of("dockerd")
    code, out, err = provision(host, pki, engine)
    assert code == 0, out + err
    assert "Docker is already installed" in out
    assert "not restarting it" in out
    assert host.pid_of("dockerd") == before
    assert host.output("cat /var/log/test-installer.log").splitlines() == ["installed"]
    assert docker(host, pki, "version").returncode == 0


def test_wrong_stdin_is_refused_and_changes_nothing(host, pki, engine, provisioned):
    before = host.output("sha256sum /etc/docker/ca.pem /etc/docker/server.pem /etc/docker/server-key.pem")
    code, _, err = provision(host, pki, engine, stdin=pki["ca"].cert_pem)
    assert code == 1
    assert "standard input must hold the CA certificate, the server certificate and the server key" in err
    assert host.output("sha256sum /etc/docker/ca.pem /etc/docker/server.pem /etc/docker/server-key.pem") == before
    assert host.output("find /etc/docker -name '*.new'") == ""


def test_unrecognized_os_is_fine_when_docker_is_there_and_an_error_when_not(host, pki, engine, provisioned):
    host.output("rm -f /etc/os-release && printf 'ID=plan9\\nPRETTY_NAME=\"Plan 9\"\\n' >/etc/os-release")
    try:
        code, out, err = provision(host, pki, engine)
        assert code == 0, out + err
        assert "Provisioning with Plan 9 (not a recognized OS; Docker is already installed" in out
        pid = host.pid_of("dockerd")
        host.output("mv /usr/sbin/dockerd /usr/sbin/dockerd.aside")
        try:
            code, out, err = provision(host, pki, engine)
        finally:
            host.output("mv /usr/sbin/dockerd.aside /usr/sbin/dockerd")
        assert code == 1
        assert "Error detecting OS: OS type not recognized (ID=plan9)" in err
        assert host.pid_of("dockerd") == pid
    finally:
        host.output("rm -f /etc/os-release && ln -s ../usr/lib/os-release /etc/os-release")


def test_bad_engine_option_fails_with_the_daemons_own_error_and_a_good_run_repairs(
    host, pki, engine, provisioned, busybox
):
    broken = EngineOptions(**{**engine.to_dict(), "opts": ["no-such-flag=1"]})
    code, out, err = provision(host, pki, broken)
    assert code == 1, out
    assert "Docker exited while starting" in err
    assert "unknown flag: --no-such-flag" in err
    code, out, err = provision(host, pki, engine)
    assert code == 0, out + err
    assert "Restarting Docker..." in out
    imported = docker(host, pki, "import", "-", "dmtest/busybox:latest", stdin=busybox_image(busybox))
    assert imported.returncode == 0, imported.stderr
    result = docker(host, pki, "run", "--rm", "dmtest/busybox", "echo", "back")
    assert result.returncode == 0, result.stderr
    assert result.stdout.decode() == "back\n"


def test_a_label_holding_the_dockerd_placeholder_is_kept_as_written(host, pki, engine, provisioned):
    labelled = EngineOptions(**{**engine.to_dict(), "labels": ["path=@DOCKERD@"]})
    code, out, err = provision(host, pki, labelled)
    assert code == 0, out + err
    assert '"path=@DOCKERD@"' in host.output("cat /etc/docker/daemon.json")
    assert host.output("grep -c '^exec /' /etc/docker/docker-machine-dockerd.sh").strip() == "1", "dockerd's path"


def test_new_server_certificate_restarts_the_daemon_and_is_served(host, pki, engine, openssl, provisioned):
    ca = pki["ca"]
    renewed = issue_server_certificate(ca, f"dmtest.{HOSTNAME}", [host.address], ["renewed.dmtest.example"])
    assert served_certificate(host, openssl).strip() == pki["server"].cert_pem.strip()
    before = host.pid_of("dockerd")
    plan = provisioning(
        engine,
        "generic",
        ca_pem=ca.cert_pem,
        server_cert_pem=renewed.cert_pem,
        server_key_pem=renewed.key_pem,
        hostname=HOSTNAME,
        daemon_timeout=60,
    )
    result = host.ssh(plan.command, plan.stdin)
    assert result.returncode == 0, result.stderr
    assert host.pid_of("dockerd") != before
    assert served_certificate(host, openssl).strip() == renewed.cert_pem.strip(), "dockerd serves the new one"
    assert docker(host, pki, "version").returncode == 0

"""Machines shared by a team on a real S3-compatible backend (issue #20 §3).

Two stores (two HOMEs, two MACHINE_STORAGE_PATHs: teammates A and B) point at one ``s3://`` backend
URL and one passphrase. The backend is moto's S3 server on 127.0.0.1 (tests/s3server.py); the
engine, its gocloud.dev blob backend and its lock objects, SSH and dockerd on the test host are real.
One machine, made by A, is shared by the checks in file order.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import require
from tests.dockertools import busybox_image, static_busybox
from tests.s3server import S3Server, aws_env

pytestmark = [pytest.mark.remote_host, pytest.mark.engine]

SCRIPTS = Path(sys.executable).parent
BUCKET = "team-machines"
NAME = "shared"
PASSPHRASE = "team passphrase kept out of any bucket"
LOCKS = f".pulumi/locks/organization/docker-machine/{NAME}/"
UNREACHABLE = (
    f"Error: the Pulumi backend s3://{BUCKET} can't be reached (connection refused): check the network "
    "and --backend-url/PULUMI_BACKEND_URL, then run the command again"
)
# moto answers without the response checksums real S3 sends; the AWS SDK would warn on every read.
MOTO_ONLY = {"AWS_RESPONSE_CHECKSUM_VALIDATION": "when_required"}


@dataclass
class Teammate:
    root: Path
    env: dict

    def run(self, *args: str, timeout: float = 300) -> subprocess.CompletedProcess:
        return subprocess.run(
            [str(SCRIPTS / "docker-machine"), *args], capture_output=True, text=True, env=self.env, timeout=timeout
        )

    def start(self, *args: str, extra_env: dict | None = None) -> subprocess.Popen:
        return subprocess.Popen(
            [str(SCRIPTS / "docker-machine"), *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={**self.env, **(extra_env or {})},
        )

    def shell(self, command: str, timeout: float = 120) -> subprocess.CompletedProcess:
        return subprocess.run(
            ["bash", "-c", command],
            capture_output=True,
            text=True,
            timeout=timeout,
            env={**self.env, "PATH": f"{SCRIPTS}:{self.env['PATH']}"},
        )

    def record(self) -> bytes:
        return (self.root / "machines" / NAME / "config.json").read_bytes()


def teammate(base: Path, who: str, backend: str, engine) -> Teammate:
    home = base / f"home-{who}"
    home.mkdir(mode=0o700)
    env = aws_env({**os.environ, **engine.env(), **MOTO_ONLY})
    for key in (
        "PULUMI_CONFIG_PASSPHRASE_FILE",
        "PULUMI_ACCESS_TOKEN",
        "DOCKER_HOST",
        "DOCKER_TLS_VERIFY",
        "DOCKER_CERT_PATH",
        "DOCKER_CONTEXT",
        "NO_PROXY",
        "no_proxy",
    ):
        env.pop(key, None)
    env.update(
        {
            "HOME": str(home),
            "MACHINE_STORAGE_PATH": str(home / ".docker" / "machine"),
            "DOCKER_CONFIG": str(home / ".docker"),
            "SHELL": "/bin/bash",
            "PULUMI_BACKEND_URL": backend,
            "PULUMI_CONFIG_PASSPHRASE": PASSPHRASE,
        }
    )
    return Teammate(home / ".docker" / "machine", env)


@pytest.fixture(scope="module")
def s3():
    with S3Server() as server:
        server.client().create_bucket(Bucket=BUCKET)
        yield server


@pytest.fixture(scope="module")
def team(s3, remote_host, built_engine, tmp_path_factory):
    """A has made the machine on the test host; B has imported it."""
    require([] if (SCRIPTS / "docker-machine").exists() else ["the installed docker-machine script"], "team tests")
    base = tmp_path_factory.mktemp("team")
    backend = s3.backend_url(BUCKET)
    a, b = (teammate(base, who, backend, built_engine) for who in "ab")
    created = a.run(
        "create",
        "-d",
        "generic",
        "--generic-ip-address",
        remote_host.address,
        "--generic-ssh-key",
        str(remote_host.ssh_key),
        "--engine-install-url",
        "none",
        NAME,
    )
    assert created.returncode == 0, created.stdout + created.stderr
    imported = b.run("import")
    assert imported.returncode == 0 and imported.stdout.strip() == f"Imported {NAME}", imported.stdout + imported.stderr
    return a, b


def stack_export(who: Teammate) -> dict:
    exported = subprocess.run(
        ["pulumi", "stack", "export", "--stack", NAME],
        capture_output=True,
        text=True,
        cwd=who.root / "pulumi",
        env=who.env,
        timeout=120,
    )
    assert exported.returncode == 0, exported.stderr
    return json.loads(exported.stdout)


def machines_in(deployment: dict) -> list[str]:
    return [
        r["urn"]
        for r in deployment["deployment"].get("resources") or []
        if r["type"] == "docker-machine:index:DockerMachine"
    ]


def test_the_s3_server_listens_on_loopback_only(s3):
    listening = [line.split() for line in Path("/proc/net/tcp").read_text().splitlines()[1:]]
    ours = [fields[1] for fields in listening if fields[3] == "0A" and int(fields[1].split(":")[1], 16) == s3.port]
    assert ours == [f"0100007F:{s3.port:04X}"], ours  # 127.0.0.1 only, in /proc's byte order
    assert not Path("/proc/net/tcp6").exists() or not any(
        int(line.split()[1].split(":")[1], 16) == s3.port and line.split()[3] == "0A"
        for line in Path("/proc/net/tcp6").read_text().splitlines()[1:]
    )


def test_b_imports_and_runs_busybox_through_env(team, remote_host, tmp_path):
    _, b = team
    image = tmp_path / "busybox.tar"
    image.write_bytes(busybox_image(static_busybox()))
    loaded = b.shell(f'eval "$(docker-machine env {NAME})" && docker import - busybox:latest < {image}')
    assert loaded.returncode == 0, loaded.stderr
    ran = b.shell(f'eval "$(docker-machine env {NAME})" && docker run --rm busybox echo hello from B')
    assert ran.returncode == 0 and ran.stdout == "hello from B\n", ran.stdout + ran.stderr
    listed = b.run("ls", "--format", "{{.Name}} {{.State}} {{.URL}}")
    assert listed.stdout.strip() == f"{NAME} Running tcp://{remote_host.address}:2376", listed.stdout + listed.stderr


def test_the_bucket_holds_no_plaintext_secret(team, s3, remote_host):
    a, _ = team
    objects = s3.objects(BUCKET)
    checkpoint = objects.get(f".pulumi/stacks/docker-machine/{NAME}.json")
    assert checkpoint is not None and b"ServerCertificate" in checkpoint, sorted(objects)
    secrets = [(a.root / "certs" / name).read_text() for name in ("ca-key.pem", "key.pem")]
    secrets += [
        (a.root / "machines" / NAME / "id_rsa").read_text(),
        remote_host.ssh_key.read_text(),
        remote_host.output("cat /etc/docker/server-key.pem"),
    ]
    bodies = ["".join(key.strip().splitlines()[1:-1])[:64] for key in secrets]
    assert all(len(body) == 64 for body in bodies)
    for key, data in objects.items():
        text = data.decode("utf-8", "replace")
        flat = text.replace("\\n", "").replace("\n", "")
        assert not re.search(r"-----BEGIN [A-Z ]*PRIVATE KEY-----\s+[A-Za-z0-9+/=]{16}", text.replace("\\n", "\n")), key
        assert not any(body in flat for body in bodies), f"a private key's body in plaintext in {key}"
        assert PASSPHRASE not in text, key


def test_b_without_the_teams_ca_may_not_change_it_then_takes_it(team, s3):
    """B's update would sign a new server certificate with B's own CA and lock A out: refused before the engine
    runs. A team shares one CA (A's certs/ folder); once B has it, B may change the machine."""
    a, b = team
    before = b.record()
    refused = b.run("provision", NAME)
    assert refused.returncode == 1, refused.stdout + refused.stderr
    lines = refused.stderr.strip().splitlines()
    assert len(lines) == 1 and "imported from a store with another CA" in lines[0] and "certs/" in lines[0], lines
    assert b.record() == before, "nothing changed in B's store"
    assert not any(key.startswith(LOCKS) for key in s3.keys(BUCKET)), "the engine never ran"
    served = a.shell(f'eval "$(docker-machine env {NAME})" && docker version --format "{{{{.Server.Version}}}}"')
    assert served.returncode == 0, "A still reaches its machine: " + served.stderr
    shutil.copytree(a.root / "certs", b.root / "certs", dirs_exist_ok=True)


def test_a_and_b_change_it_at_once_one_is_busy(team, s3):
    a, b = team
    first = a.start("provision", NAME)
    deadline = time.monotonic() + 60
    while not any(key.startswith(LOCKS) for key in s3.keys(BUCKET)) and time.monotonic() < deadline:
        assert first.poll() is None, first.communicate()
        time.sleep(0.05)
    second = b.run("provision", NAME)
    out, err = first.communicate(timeout=300)
    assert first.returncode == 0, out + err
    assert second.returncode == 1, second.stdout + second.stderr
    lines = second.stderr.strip().splitlines()
    assert len(lines) == 1 and f"machine {NAME!r} is busy" in lines[0], second.stderr
    assert "Traceback" not in second.stderr
    deployment = stack_export(a)
    assert len(machines_in(deployment)) == 1, "the state is intact: the one machine in it"
    for who in (a, b):
        listed = who.run("ls", "--format", "{{.Name}} {{.State}}")
        assert listed.stdout.strip() == f"{NAME} Running", listed.stdout + listed.stderr
    assert not any(key.startswith(LOCKS) for key in s3.keys(BUCKET)), "no lock left behind"


def test_backend_unreachable_mid_command_then_retry(team, s3):
    a, b = team
    before, b_before = a.record(), b.record()
    # The engine retries each snapshot write 11 times (1 s, x1.2: about 26 s; a shorter outage is ridden out),
    # then its final snapshot and its unlock: the command gives up about 95 s after the server stopped.
    running = a.start("provision", NAME)
    deadline = time.monotonic() + 60
    while not any(key.startswith(LOCKS) for key in s3.keys(BUCKET)) and time.monotonic() < deadline:
        assert running.poll() is None, running.communicate()
        time.sleep(0.05)
    s3.stop()
    try:
        b_import = b.run("import", NAME)  # meanwhile: B reads the backend that is gone
        out, err = running.communicate(timeout=300)
    finally:
        s3.start()
    assert b_import.returncode == 1 and b_import.stderr.strip() == UNREACHABLE, b_import.stdout + b_import.stderr
    assert b.record() == b_before
    assert running.returncode == 1, out + err
    lines = err.strip().splitlines()
    assert lines == [UNREACHABLE], err
    assert "Traceback" not in err
    assert a.record() == before, "no local record changed"
    retried = a.run("provision", NAME)
    assert retried.returncode == 0, retried.stdout + retried.stderr
    # the failed pulumi could not delete its lock object: this host's, its pid gone, so it is removed
    assert f"Removed a stale lock of {NAME!r} left by a command that could not release it (pid " in retried.stdout
    listed = a.run("ls", "--format", "{{.Name}} {{.State}}")
    assert listed.stdout.strip() == f"{NAME} Running", listed.stdout + listed.stderr


def test_b_removes_it_a_is_told_and_forgets_it(team, s3, remote_host):
    a, b = team
    removed = b.run("rm", "-y", NAME)
    assert removed.returncode == 0, removed.stdout + removed.stderr
    assert remote_host.output("ls /etc/docker/server.pem 2>/dev/null || true") == "", "B's rm undid the host"
    left = set(s3.keys(BUCKET))
    checkpoints = {f".pulumi/stacks/docker-machine/{NAME}.json", f".pulumi/stacks/docker-machine/{NAME}.json.gz"}
    assert not left & checkpoints, left
    listed = a.run("ls", "--format", "{{.Name}}|{{.State}}|{{.Error}}")
    name, state, error = listed.stdout.strip().split("|")
    assert (name, state) == (NAME, "Error"), listed.stdout + listed.stderr
    assert "does not exist in the backend" in error and f"docker-machine rm -f {NAME}" in error, error
    forgotten = a.run("rm", "-f", NAME)
    assert forgotten.returncode == 0, forgotten.stdout + forgotten.stderr
    assert a.run("ls", "-q").stdout == ""

"""docker-machine through the real Pulumi engine (make engine) against a network-namespace test host.

The engine, state, secrets, the dynamic-provider process, SSH and dockerd are real; only the
pulumi-command provider is a stand-in (tests/fakes/command_provider.py: its Go module is not served
here). Each test drives the installed ``docker-machine`` script, as a user types it.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import StoreWorld, require
from tests.dockertools import busybox_image, static_busybox
from tests.execwatch import ExecWatch
from tests.execwatch import unavailable as execwatch_unavailable
from tests.test_remote_provisioning import INSTALLER

pytestmark = [pytest.mark.remote_host, pytest.mark.engine]

SCRIPTS = Path(sys.executable).parent


@pytest.fixture(scope="module")
def host(remote_host):
    return remote_host


def machine(world, *args: str, input: str | None = None, timeout: float = 300) -> subprocess.CompletedProcess:
    """The installed docker-machine script with the test's environment (real engine first on PATH)."""
    require([] if (SCRIPTS / "docker-machine").exists() else ["the installed docker-machine script"], "engine tests")
    env = {**os.environ, **world.env, "DOCKER_CONFIG": str(world.docker_config)}
    return subprocess.run(
        [str(SCRIPTS / "docker-machine"), *args], capture_output=True, text=True, input=input, env=env, timeout=timeout
    )


def shell(world, command: str, timeout: float = 120) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        **world.env,
        "PATH": f"{SCRIPTS}:{os.environ['PATH']}",
        "DOCKER_CONFIG": str(world.docker_config),
    }
    return subprocess.run(["bash", "-c", command], capture_output=True, text=True, env=env, timeout=timeout)


def generic_create_args(host, *extra: str) -> list[str]:
    """create's words for a generic machine on a test host whose Docker is installed; ``extra`` (flags, the name) last."""
    return [
        "create",
        "-d",
        "generic",
        "--generic-ip-address",
        host.address,
        "--generic-ssh-key",
        str(host.ssh_key),
        "--engine-install-url",
        "none",
        *extra,
    ]


def create_generic(world, host, name: str, *extra: str) -> subprocess.CompletedProcess:
    return machine(world, *generic_create_args(host, *extra, name))


def engine_world(tmp_path_factory, built_engine, name: str) -> tuple[StoreWorld, dict]:
    """A store of a module's own (for a machine its tests share), and the environment the ``world`` and
    ``pulumi_engine`` fixtures give a test, to make that machine with."""
    base = tmp_path_factory.mktemp(name)
    world = StoreWorld(
        base / "machine-store",
        base / "docker-config",
        {
            "MACHINE_STORAGE_PATH": str(base / "machine-store"),
            "DOCKER_CONFIG": str(base / "docker-config"),
            "SHELL": "/bin/bash",
        },
    )
    unset = (
        "DOCKER_HOST",
        "NO_PROXY",
        "no_proxy",
        "DOCKER_TLS_VERIFY",
        "DOCKER_CERT_PATH",
        "PULUMI_CONFIG_PASSPHRASE",
        "PULUMI_CONFIG_PASSPHRASE_FILE",
        "PULUMI_BACKEND_URL",
        "PULUMI_ACCESS_TOKEN",
    )
    return world, {"set": {**world.env, **built_engine.env()}, "unset": unset}


@contextlib.contextmanager
def environment(settings: dict):
    with pytest.MonkeyPatch.context() as patch:
        for key, value in settings["set"].items():
            patch.setenv(key, value)
        for key in settings["unset"]:
            patch.delenv(key, raising=False)
        yield


@pytest.fixture(scope="module")
def made(host, built_engine, tmp_path_factory):
    """Machine 'cycle', made once through the engine (with the test installer, which ``upgrade`` runs, and a
    label), for the tests that read it or leave it as they found it; the last test of the file removes it.
    Tests whose subject is create or rm itself make their own machines."""
    world, settings = engine_world(tmp_path_factory, built_engine, "made")
    installer = host.serve(
        "install.sh", INSTALLER.format(binary_url=host.serve("dockerd", Path(shutil.which("dockerd"))))
    )
    with environment(settings):
        created = create_generic(
            world, host, "cycle", "--engine-install-url", installer, "--engine-label", "via=engine"
        )
    yield world, created
    if (world.root / "machines" / "cycle").exists():  # its rm test did not run or failed: leave the host clean
        with environment(settings):
            machine(world, "rm", "-f", "-y", "cycle")


def test_create_env_run_through_the_engine(made, host, pulumi_engine, tmp_path):
    world, created = made
    assert created.returncode == 0, created.stdout + created.stderr
    assert "Docker is up and running!" in created.stdout

    ls = machine(world, "ls", "--format", "{{.Name}} {{.DriverName}} {{.State}} {{.URL}}")
    assert ls.stdout.strip() == f"cycle generic Running tcp://{host.address}:2376", ls.stdout + ls.stderr
    inspect = machine(world, "inspect", "--format", "{{.Driver.IPAddress}}", "cycle")
    assert inspect.stdout.strip() == host.address

    image = tmp_path / "busybox.tar"
    image.write_bytes(busybox_image(static_busybox()))
    imported = shell(world, f"docker $(docker-machine config cycle) import - busybox:latest < {image}")
    assert imported.returncode == 0, imported.stderr
    by_config = shell(world, "docker $(docker-machine config cycle) run --rm busybox echo hello world")
    assert by_config.returncode == 0 and by_config.stdout == "hello world\n", by_config.stderr
    by_env = shell(world, 'eval "$(docker-machine env cycle)" && docker run --rm busybox echo hello world')
    assert by_env.returncode == 0 and by_env.stdout == "hello world\n", by_env.stderr
    labels = shell(world, "docker $(docker-machine config cycle) info --format '{{json .Labels}}'")
    assert "via=engine" in labels.stdout


def served_certificate(host, openssl: str) -> str:
    host.assert_up()
    handshake = subprocess.run(
        [openssl, "s_client", "-connect", f"{host.address}:2376"], input=b"", capture_output=True, timeout=30
    ).stdout.decode()
    served = re.search(r"-----BEGIN CERTIFICATE-----.*?-----END CERTIFICATE-----", handshake, re.S)
    assert served, handshake
    return served.group(0).strip()


def state_resources(world) -> list[dict]:
    """Every resource of every stack in the store's file backend, read from the checkpoint files."""
    found = []
    for path in (world.root / "state").rglob("*.json"):
        if "/stacks/" in str(path):
            checkpoint = json.loads(path.read_text())
            found += (checkpoint.get("checkpoint", {}).get("latest") or {}).get("resources") or []
    return found


PEM_KEY = re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----\s+[A-Za-z0-9+/=]{16}")


def test_state_holds_no_plaintext_secret(made, host, pulumi_engine):
    world, created = made
    assert created.returncode == 0, created.stdout + created.stderr
    passphrase = (world.root / "pulumi" / "passphrase").read_text().strip()
    keys = [(world.root / "certs" / name).read_text() for name in ("ca-key.pem", "key.pem")]
    keys += [host.output("cat /etc/docker/server-key.pem"), host.ssh_key.read_text()]
    bodies = ["".join(key.strip().splitlines()[1:-1])[:64] for key in keys]
    texts = [p.read_text() for p in (world.root / "state").rglob("*") if p.is_file()]
    texts += [p.read_text() for p in (world.root / "pulumi").glob("Pulumi.*.yaml")]
    assert any("ServerCertificate" in t for t in texts), "the state was found"
    for text in texts:
        flat = text.replace("\\n", "").replace("\n", "")
        assert not PEM_KEY.search(text.replace("\\n", "\n")), "a PEM private key in plaintext"
        assert not any(body in flat for body in bodies), "a private key's body in plaintext"
        assert passphrase not in text


def test_provision_reruns_the_setup_and_a_second_command_at_once_is_busy(made, host, pulumi_engine):
    world, created = made
    assert created.returncode == 0, created.stdout + created.stderr
    host.output("rm /etc/docker/daemon.json")
    env = {**os.environ, **world.env, "DOCKER_CONFIG": str(world.docker_config)}
    first = subprocess.Popen(
        [str(SCRIPTS / "docker-machine"), "provision", "cycle"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
    )
    deadline = time.monotonic() + 60
    while not list((world.root / "state").rglob("locks/**/*.json")) and time.monotonic() < deadline:
        time.sleep(0.05)
    second = machine(world, "provision", "cycle")
    out, _ = first.communicate(timeout=300)
    assert first.returncode == 0, out
    assert '"tlsverify": true' in host.output("cat /etc/docker/daemon.json"), "provision re-ran the setup"
    assert second.returncode == 1
    assert "machine 'cycle' is busy" in second.stderr, second.stdout + second.stderr
    ls = machine(world, "ls", "--format", "{{.Name}} {{.State}}")
    assert ls.stdout.strip() == "cycle Running", "the state stayed intact"
    assert not list((world.root / "state").rglob("locks/**/*.json")), "the lock was released"


def test_regenerate_certs_and_upgrade(made, host, pulumi_engine, openssl):
    world, created = made
    assert created.returncode == 0, created.stdout + created.stderr
    before = served_certificate(host, openssl)
    assert before == (world.root / "machines" / "cycle" / "server.pem").read_text().strip()

    declined = machine(world, "regenerate-certs", "cycle", input="n\n")
    assert "Regenerate TLS machine certs?  Warning: this is irreversible. (y/n): " in declined.stdout
    assert served_certificate(host, openssl) == before, "declined: nothing changed"
    regenerated = machine(world, "regenerate-certs", "-f", "cycle")
    assert regenerated.returncode == 0, regenerated.stdout + regenerated.stderr
    after = served_certificate(host, openssl)
    assert after != before, "dockerd serves a new certificate"
    assert after == (world.root / "machines" / "cycle" / "server.pem").read_text().strip()

    host.output("rm -f /var/log/test-installer.log")
    upgraded = machine(world, "upgrade", "cycle")
    assert upgraded.returncode == 0, upgraded.stdout + upgraded.stderr
    assert host.output("cat /var/log/test-installer.log").strip() == "installed", "upgrade ran the installer"
    assert shell(world, "docker $(docker-machine config cycle) version").returncode == 0


def test_none_driver_names_an_existing_engine(made, host, pulumi_engine, tmp_path):
    """docker-machine's ``create -d none --url``: the engine 'cycle' serves (a certificate of this store's CA), under
    a second name. Nothing is made or changed on the host, and rm leaves it serving."""
    world, created = made
    assert created.returncode == 0, created.stdout + created.stderr
    url = f"tcp://{host.address}:2376"
    named = machine(world, "create", "-d", "none", "--url", url, "alias")
    assert named.returncode == 0, named.stdout + named.stderr
    ls = machine(world, "ls", "--filter", "name=alias", "--format", "{{.Name}} {{.DriverName}} {{.State}} {{.URL}}")
    assert ls.stdout == f"alias none Running {url}\n", ls.stdout + ls.stderr
    image = tmp_path / "busybox.tar"
    image.write_bytes(busybox_image(static_busybox()))
    imported = shell(
        world, f'eval "$(docker-machine env alias)" && docker import - busybox:latest < {image} >/dev/null'
    )
    assert imported.returncode == 0, imported.stderr
    ran = shell(world, "docker $(docker-machine config alias) run --rm busybox echo hello world")
    assert ran.returncode == 0 and ran.stdout == "hello world\n", ran.stderr
    ids = [
        shell(world, f"docker $(docker-machine config {name}) info --format '{{{{.ID}}}}'").stdout
        for name in ("alias", "cycle")
    ]
    assert ids[0].strip() and ids[0] == ids[1], "the same engine under both names"
    stop = machine(world, "stop", "alias")
    assert (stop.returncode, stop.stderr.strip().splitlines()[-1]) == (1, "hosts without a driver cannot be stopped")

    removed = machine(world, "rm", "-y", "alias")
    assert removed.returncode == 0, removed.stdout + removed.stderr
    assert not (world.root / "machines" / "alias").exists()
    assert not [r for r in state_resources(world) if r.get("urn", "").startswith("urn:pulumi:alias::")]
    assert shell(world, "docker $(docker-machine config cycle) version").returncode == 0, "the engine still serves"


def test_rm_asks_then_removes_the_machine_its_stack_and_the_hosts_setup(made, host, pulumi_engine):
    world, created = made
    assert created.returncode == 0, created.stdout + created.stderr
    declined = machine(world, "rm", "cycle", input="n\n")
    assert "Are you sure? (y/n): " in declined.stdout and (world.root / "machines" / "cycle").exists()
    removed = machine(world, "rm", "cycle", input="y\n")
    assert removed.returncode == 0, removed.stdout + removed.stderr
    assert removed.stdout.startswith(
        "About to remove cycle\nWARNING: This action will delete both local reference "
        "and remote instance.\nAre you sure? (y/n): "
    )
    assert removed.stdout.endswith("Successfully removed cycle\n")
    assert not (world.root / "machines" / "cycle").exists()
    assert state_resources(world) == [], "the state holds no resource"
    stacks = subprocess.run(
        ["pulumi", "stack", "ls", "--json"],
        cwd=world.root / "pulumi",
        capture_output=True,
        text=True,
        env={
            **os.environ,
            "PULUMI_BACKEND_URL": (world.root / "state").as_uri(),
            "PULUMI_CONFIG_PASSPHRASE_FILE": str(world.root / "pulumi" / "passphrase"),
        },
    )
    assert stacks.returncode == 0 and json.loads(stacks.stdout) == [], stacks.stdout + stacks.stderr
    assert host.output("ls /etc/docker/server.pem 2>/dev/null || true") == "", "the host's TLS setup is undone"
    assert host.ssh("command -v dockerd").returncode == 0, "Docker stays installed on a lent host"


def test_second_store_imports_reaches_and_removes(world, host, pulumi_engine, tmp_path, monkeypatch):
    backend = (tmp_path / "team-backend").as_uri()
    monkeypatch.setenv("PULUMI_CONFIG_PASSPHRASE", "team secret passphrase")
    created = create_generic(world, host, "shared", "--backend-url", backend)
    assert created.returncode == 0, created.stdout + created.stderr

    other = dataclasses.replace(
        world,
        root=tmp_path / "colleague-store",
        env={**world.env, "MACHINE_STORAGE_PATH": str(tmp_path / "colleague-store")},
    )
    imported = machine(other, "import", "--backend-url", backend)
    assert imported.returncode == 0 and "Imported shared" in imported.stdout, imported.stdout + imported.stderr
    ls = machine(other, "ls", "--format", "{{.Name}} {{.State}}")
    assert ls.stdout.strip() == "shared Running", ls.stdout + ls.stderr
    version = shell(other, "docker $(docker-machine config shared) version --format '{{.Server.Version}}'")
    assert version.returncode == 0 and version.stdout.strip() in host.output("dockerd --version"), version.stderr

    removed = machine(other, "rm", "-y", "--backend-url", backend, "shared")
    assert removed.returncode == 0, removed.stdout + removed.stderr
    assert host.output("ls /etc/docker/server.pem 2>/dev/null || true") == "", "the colleague's rm undid the host"


def test_ctrl_c_during_provisioning_then_create_again(world, host, pulumi_engine):
    env = {**os.environ, **world.env, "DOCKER_CONFIG": str(world.docker_config)}
    args = generic_create_args(host, "interrupted")
    process = subprocess.Popen(
        [str(SCRIPTS / "docker-machine"), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
        start_new_session=True,
    )
    lines = []
    for line in process.stdout:  # type: ignore[union-attr]
        lines.append(line)
        if line.startswith("Waiting for SSH to be available"):
            os.killpg(process.pid, signal.SIGINT)  # what Ctrl-C sends to the terminal's process group
            break
    out = "".join(lines) + process.communicate(timeout=300)[0]
    assert process.returncode == 1, out
    assert "Interrupted: the update of 'interrupted' was cancelled" in out
    again = machine(world, *args)
    assert again.returncode == 0, again.stdout + again.stderr
    ls = machine(world, "ls", "--format", "{{.Name}} {{.State}}")
    assert ls.stdout.strip() == "interrupted Running", ls.stdout + ls.stderr
    assert shell(world, "docker $(docker-machine config interrupted) version").returncode == 0
    assert machine(world, "rm", "-y", "interrupted").returncode == 0


def test_provisioning_failure_names_the_step_and_the_daemons_error(world, host, pulumi_engine):
    failed = create_generic(world, host, "broken", "--engine-opt", "dmtest-no-such-flag=1")
    assert failed.returncode == 1
    assert "Error creating machine: the update failed while waiting for ssh to be available" in failed.stderr, (
        failed.stdout + failed.stderr
    )
    assert "unknown flag: --dmtest-no-such-flag" in failed.stderr
    assert "Process exited with status 1\n" in failed.stderr and "#!/bin/sh" not in failed.stderr, "no script dump"
    assert not failed.stderr.rstrip().endswith("update failed")
    ls = machine(world, "ls", "--format", "{{.Name}} {{.State}} {{.Error}}")
    assert ls.stdout.strip() == "broken Error Error: Docker exited while starting. The end of the Docker daemon's log:"
    removed = machine(world, "rm", "-y", "broken")
    assert removed.returncode == 0, removed.stdout + removed.stderr
    assert not (world.root / "machines" / "broken").exists()
    assert state_resources(world) == []

    # Failed again, then resumed: create on a machine in Error finishes it (and repairs the host's engine).
    assert create_generic(world, host, "resumed", "--engine-opt", "dmtest-no-such-flag=1").returncode == 1
    resumed = create_generic(world, host, "resumed")
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    assert machine(world, "ls", "--format", "{{.Name}} {{.State}}").stdout.strip() == "resumed Running"
    assert machine(world, "rm", "-y", "resumed").returncode == 0


def test_no_secret_in_any_process_arguments_and_debug_shows_the_commands_run(
    world, host, pulumi_engine, tmp_path, monkeypatch
):
    # Every pulumi invocation goes through a wrapper that records its arguments (none is missed);
    # everything else (plugins, ssh) is read at its exec (tests/execwatch.py). The create runs with -D
    # (the engine's log on stderr): what it shows must hold no secret either.
    recorded = tmp_path / "pulumi-argv.log"
    wrappers = tmp_path / "argv-bin"
    wrappers.mkdir()
    (wrappers / "pulumi").write_text(
        f'#!/bin/sh\nprintf "%s " "$@" >>{recorded}\necho >>{recorded}\nexec {pulumi_engine.bin / "pulumi"} "$@"\n'
    )
    (wrappers / "pulumi").chmod(0o755)
    monkeypatch.setenv("PATH", f"{wrappers}:{os.environ['PATH']}")

    def secrets() -> list[str]:
        keys = [(world.root / "certs" / name).read_text() for name in ("ca-key.pem", "key.pem")]
        bodies = ["".join(key.strip().splitlines()[1:-1])[:48] for key in keys]
        return bodies + [(world.root / "pulumi" / "passphrase").read_text().strip()]

    require(execwatch_unavailable(), "watching every process's command line")
    with ExecWatch() as watch:
        created = machine(world, "-D", *generic_create_args(host, "quiet"))
        assert created.returncode == 0, created.stdout + created.stderr
        first = secrets()
        regenerated = machine(world, "regenerate-certs", "-f", "--client-certs", "quiet")
        assert regenerated.returncode == 0, regenerated.stdout + regenerated.stderr
        second = secrets()
        removed = machine(world, "rm", "-y", "quiet")
        assert removed.returncode == 0 and "[debug]" not in removed.stderr + removed.stdout, "no -D, no debug"
    invocations = recorded.read_text().splitlines()
    assert any(
        line.startswith("--non-interactive config set --secret --raw --stack quiet docker-machine:certKeys")
        for line in invocations
    ), "the CA key went through config set's standard input"
    assert len([line for line in invocations if line.startswith("--non-interactive up ")]) == 2
    everything = invocations + sorted(watch.seen)
    assert any("command_provider.py" in line for line in watch.seen), "the watch saw the engine's plugins"
    for secret in first + second:
        assert not [line for line in everything if secret in line], "a secret in a process's arguments"
    assert not [line for line in everything if PEM_KEY.search(line)], "a PEM private key in a process's arguments"

    lines = created.stderr.splitlines()
    assert any(line.startswith("[debug] pulumi up --yes ") and "--logtostderr" in line for line in lines)
    assert any(
        line.startswith("[debug] pulumi config set --secret --raw --stack quiet docker-machine:certKeys ")
        and line.endswith("(the value on standard input)")
        for line in lines
    )
    engine_log = [line for line in lines if line.startswith('[pulumi] {"time":')]
    assert len(engine_log) > 10, "the engine's own log (JSON lines on stderr)"
    assert first[0] not in created.stderr and not PEM_KEY.search(created.stderr), "no CA key in the debug output"

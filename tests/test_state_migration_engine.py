"""State written before the pulumi_docker_machine namespace, through the real engine (make engine).

tests/fixtures/prerename holds what commit c7a701e wrote (README.txt there): a store with a generic machine,
a one-node swarm and a VirtualBox machine (the VBoxManage simulator), a declarative stack's export and an own
program's (a generic machine and a ComposeApp). Its test hosts are made again at the same addresses with the
same sshd host keys, authorized key and written files (bench/testbed.py's fixed subnets), dockerd started
as the machines left it where a deletion needs it. Every process the engine starts finds a top-level
``components`` that cannot be imported (as in an installed wheel, where only pulumi_docker_machine is on
the path; a checkout would find the old folder), so state that still names the old paths fails as it would
for a user. In order, one step per test:

- ``docker-machine ls`` migrates the store's three stacks, saying so in one line; the backups are 0600 in a
  0700 folder; the next ls says nothing;
- ``rm -y`` of the generic machine undoes its TLS setup on the host and its key in root's authorized_keys,
  and leaves no stack; ``swarm rm -y`` and the VirtualBox machine's ``rm -y`` likewise;
- the declarative stack, imported into a backend of its own: ``pulumi refresh`` fails on it, ``docker-machine
  import --stack`` says in one line which command migrates it; ``docker-machine migrate-state --stack``
  does; then ``pulumi refresh`` and ``pulumi destroy`` work;
- the own program's stack: ``migrate_stack`` from the Python API, then ``destroy`` (docker compose down on the
  host, then the machine's TLS setup undone).
"""

from __future__ import annotations

import dataclasses
import gzip
import json
import os
import shutil
import subprocess
import sys
import tarfile
import time
from pathlib import Path

import pytest

from tests.conftest import require
from tests.test_compose_real import link_compose_plugin
from bench.testbed import RemoteHost, missing_prerequisites

pytestmark = [pytest.mark.remote_host, pytest.mark.engine]

ROOT = Path(__file__).resolve().parent.parent
FIXTURE = ROOT / "tests" / "fixtures" / "prerename"
MANIFEST = json.loads((FIXTURE / "manifest.json").read_text())
SCRIPTS = Path(sys.executable).parent
OLD_PROVIDER = "pulumi-python:dynamic/docker-machine:"
# What the dynamic-provider processes find for the old top-level package: nothing, as in an installed wheel.
POISON = "raise ModuleNotFoundError(\"No module named 'components'\", name='components')\n"
MIGRATED_LINE = (
    "Migrated the state of 3 stacks (12 resources) to the pulumi_docker_machine module paths, once; "
    "the state before is in {backups}"
)


@dataclasses.dataclass
class Prerename:
    work: Path  # the fixture's @WORK@
    env: dict
    hosts: dict
    done: list = dataclasses.field(default_factory=list)

    @property
    def store(self) -> Path:
        return self.work / "store"

    def machine(self, *args: str, timeout: float = 600) -> subprocess.CompletedProcess:
        return subprocess.run(
            [str(SCRIPTS / "docker-machine"), *args], capture_output=True, text=True, env=self.env, timeout=timeout
        )

    def after(self, step: str) -> None:
        assert step in self.done, f"this step follows {step!r}, which did not run or failed: run the whole file"


def unpack(work: Path) -> None:
    """The fixture's files with @WORK@ made ``work``, its keys where the state expects them (0600)."""
    for name in ("store.tar.gz", "hosts.tar.gz"):
        with tarfile.open(FIXTURE / name) as tar:
            tar.extractall(work, filter="tar")
    for path in [
        *work.rglob("*"),
        *(FIXTURE / n for n in ("vboxsim-state.json", "Pulumi.decl.yaml", "Pulumi.own.yaml")),
    ]:
        if path.is_file() and not path.is_symlink() and path.suffix != ".iso":
            data = path.read_bytes()
            target = path if path.is_relative_to(work) else work / path.name
            target.write_bytes(data.replace(MANIFEST["placeholder"].encode(), str(work).encode()))
    keys = work / "keys"
    keys.mkdir()
    for name in ("client_ed25519", "client_ed25519.pub"):
        shutil.copy(FIXTURE / "keys" / name, keys / name)
    (keys / "client_ed25519").chmod(0o600)


def export_text(name: str, work: Path) -> str:
    return gzip.decompress((FIXTURE / name).read_bytes()).decode().replace(MANIFEST["placeholder"], str(work))


def make_host(name: str, work: Path) -> RemoteHost:
    spec = MANIFEST["hosts"][name]
    return RemoteHost(
        hostname=spec["hostname"],
        subnet=spec["subnet"],
        host_key=FIXTURE / spec["host_key"],
        client_key=FIXTURE / MANIFEST["client_key"],
        upper=work / "hosts" / name,
    )


def start_dockerd(host: RemoteHost) -> None:
    """dockerd as the provisioning left it running (its launcher, detached), answering on its socket."""
    host.output("setsid /etc/docker/docker-machine-dockerd.sh >>/var/log/docker.log 2>&1 </dev/null &")
    deadline = time.monotonic() + 60
    while host.ssh("docker -H unix:///var/run/docker.sock version", timeout=30).returncode != 0:
        assert time.monotonic() < deadline, host.output("tail -n 20 /var/log/docker.log")
        time.sleep(0.5)


# What the provisioning puts into /etc/docker and deprovisioning takes away (dockerd's own key.json stays).
MACHINE_FILES = (
    ".docker-machine",
    "ca.pem",
    "daemon.json",
    "docker-machine-dockerd.sh",
    "server-key.pem",
    "server.pem",
)


def tls_setup(host: RemoteHost) -> list[str]:
    """Which of MACHINE_FILES the host has."""
    present = host.output("ls -A /etc/docker").split()
    return [name for name in MACHINE_FILES if name in present]


@pytest.fixture(scope="module")
def prerename(built_engine, tmp_path_factory):
    require(missing_prerequisites(), "the pre-namespace state fixture's test hosts")
    work = tmp_path_factory.mktemp("prerename")
    unpack(work)
    poison = work / "poison" / "components"
    poison.mkdir(parents=True)
    (poison / "__init__.py").write_text(POISON)
    sim = work / "vbox-bin"
    sim.mkdir()
    (sim / "VBoxManage").write_text(
        f'#!/bin/sh\nPYTHONPATH={ROOT} exec {sys.executable} {ROOT}/tests/fakes/vboxmanage_sim.py "$@"\n'
    )
    (sim / "VBoxManage").chmod(0o755)
    env = {
        k: v
        for k, v in os.environ.items()
        if k
        not in (
            "PULUMI_CONFIG_PASSPHRASE",
            "PULUMI_CONFIG_PASSPHRASE_FILE",
            "PULUMI_BACKEND_URL",
            "PULUMI_ACCESS_TOKEN",
            "SSH_AUTH_SOCK",
            "DOCKER_HOST",
            "DOCKER_CERT_PATH",
            "DOCKER_TLS_VERIFY",
            "PYTHONPATH",
        )
    }
    env.update(built_engine.env())
    env.update(
        PATH=f"{sim}:{SCRIPTS}:{env['PATH']}",
        PYTHONPATH=str(poison.parent),
        SHELL="/bin/bash",
        MACHINE_STORAGE_PATH=str(work / "store"),
        DOCKER_CONFIG=str(link_compose_plugin(work / "docker-config")),
        VBOXSIM_STATE=str(work / "vboxsim-state.json"),
        VBOXSIM_VERSION="6.1.26r145957",
        PULUMI_PYTHON_CMD=sys.executable,
    )
    hosts: dict = {}
    try:
        for name in ("gen", "swarm", "decl", "own"):
            hosts[name] = make_host(name, work)
        for name in ("gen", "swarm"):
            start_dockerd(hosts[name])  # as the store's machines left them (the others' when a deletion asks it)
        yield Prerename(work, env, hosts)
    finally:
        for host in hosts.values():
            host.close()


def store_export(prerename: Prerename, project: str, stack: str) -> dict:
    """``pulumi stack export --show-secrets`` of one of the store's stacks, with the store's passphrase."""
    env = {
        **prerename.env,
        "PULUMI_BACKEND_URL": (prerename.store / "state").as_uri(),
        "PULUMI_CONFIG_PASSPHRASE_FILE": str(prerename.store / "pulumi" / "passphrase"),
    }
    done = subprocess.run(
        ["pulumi", "stack", "export", "--show-secrets", "--stack", f"organization/{project}/{stack}"],
        capture_output=True,
        text=True,
        env=env,
        cwd=prerename.work,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)["deployment"]


def provider_modules(deployment: dict) -> set[str]:
    from pulumi_docker_machine.automation.picklerewrite import provider_class
    import base64

    modules = set()
    for resource in deployment.get("resources") or []:
        for section in ("inputs", "outputs"):
            value = (resource.get(section) or {}).get("__provider")
            if value is not None:
                modules.add(provider_class(base64.b64decode(json.loads(value["plaintext"])))[0])
    return modules


STORE_STACKS = (("docker-machine", "gen"), ("docker-machine", "vbox"), ("docker-machine-swarm", "sw"))


def test_ls_migrates_the_store_once_in_one_line(prerename):
    before = set().union(*(provider_modules(store_export(prerename, *s)) for s in STORE_STACKS))
    assert before == {
        "components.material.providers",
        "components.drivers.virtualbox.provider",
        "components.swarm.provider",
    }, "the fixture's state names the old paths"
    ls = prerename.machine("ls", "--format", "{{.Name}} {{.DriverName}} {{.State}}")
    assert ls.returncode == 0, ls.stderr
    backups = prerename.store / "state-backups"
    assert ls.stderr.splitlines() == [MIGRATED_LINE.format(backups=backups)], ls.stderr
    assert ls.stdout.splitlines() == [
        "gen generic Running",
        "sw-manager-1 generic Running",
        "vbox virtualbox Stopped",
    ], "the fixture's machines answer with the fixture's certificates"
    after = set().union(*(provider_modules(store_export(prerename, *s)) for s in STORE_STACKS))
    assert after == {f"pulumi_docker_machine.{module}" for module in before}
    assert backups.stat().st_mode & 0o777 == 0o700
    saved = sorted(backups.iterdir())
    assert [p.name.rsplit(".", 2)[0] for p in saved] == [
        "docker-machine-swarm.sw",
        "docker-machine.gen",
        "docker-machine.vbox",
    ]
    assert all(p.stat().st_mode & 0o777 == 0o600 for p in saved)
    assert provider_modules(json.loads(saved[1].read_text())["deployment"]) == {"components.material.providers"}
    again = prerename.machine("ls", "-q")
    assert again.returncode == 0 and again.stderr == "" and again.stdout.split() == ["gen", "sw-manager-1", "vbox"]
    prerename.done.append("ls")


def test_rm_removes_the_generic_machine_made_before(prerename):
    prerename.after("ls")
    host = prerename.hosts["gen"]
    machine_key = (prerename.store / "machines" / "gen" / "id_rsa.pub").read_text().split()[1]
    assert tls_setup(host) == list(MACHINE_FILES) and machine_key in host.output("cat /root/.ssh/authorized_keys")
    removed = prerename.machine("rm", "-y", "gen")
    assert removed.returncode == 0, removed.stdout + removed.stderr
    assert "Successfully removed gen" in removed.stdout
    assert tls_setup(host) == [], "the TLS setup and the launcher are gone"
    assert machine_key not in host.output("cat /root/.ssh/authorized_keys"), "the machine's own key taken out"
    assert not (prerename.store / "machines" / "gen").exists()
    assert not (prerename.store / "state" / ".pulumi" / "stacks" / "docker-machine" / "gen.json").exists()


def test_swarm_rm_and_the_virtualbox_machine(prerename):
    prerename.after("ls")
    host = prerename.hosts["swarm"]
    assert tls_setup(host) == list(MACHINE_FILES)
    removed = prerename.machine("swarm", "rm", "-y", "sw")
    assert removed.returncode == 0, removed.stdout + removed.stderr
    assert tls_setup(host) == []
    assert (
        not (prerename.store / "swarms" / "sw").exists()
        and not (prerename.store / "machines" / "sw-manager-1").exists()
    )

    vms = json.loads((prerename.work / "vboxsim-state.json").read_text())["vms"]
    assert [vm["name"] for vm in vms.values()] == ["vbox"]
    removed = prerename.machine("rm", "-y", "vbox")
    assert removed.returncode == 0, removed.stdout + removed.stderr
    assert json.loads((prerename.work / "vboxsim-state.json").read_text())["vms"] == {}, "the VM was unregistered"
    assert prerename.machine("ls", "-q").stdout == ""
    left = list((prerename.store / "state" / ".pulumi" / "stacks").rglob("*.json"))
    assert left == [], f"no stack left: {left}"


@pytest.fixture(scope="module")
def declarative(prerename):
    """stacks/ of this version beside the fixture's stack settings, the fixture's export imported into a backend
    of its own, the venv activated (as tests/test_stacks_pulumi_up.py runs pulumi up)."""
    folder = prerename.work / "declarative"
    shutil.copytree(ROOT / "stacks", folder / "stacks", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "Pulumi.yaml", folder / "Pulumi.yaml")
    shutil.copy(prerename.work / "Pulumi.decl.yaml", folder / "stacks" / "Pulumi.decl.yaml")
    backend = prerename.work / "declarative-backend"
    backend.mkdir()
    (prerename.work / "declarative-export.json").write_text(export_text("declarative-export.json.gz", prerename.work))
    env = {
        **prerename.env,
        "VIRTUAL_ENV": sys.prefix,
        "PULUMI_BACKEND_URL": backend.as_uri(),
        "PULUMI_CONFIG_PASSPHRASE": MANIFEST["declarative"]["passphrase"],
    }
    env.pop("PULUMI_PYTHON_CMD")
    return folder, env


def pulumi(folder: Path, env: dict, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["pulumi", *args, "--stack", "decl", "--non-interactive"],
        cwd=folder,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )


def test_a_declarative_stack_never_migrated_gets_one_line_then_migrate_state(prerename, declarative):
    folder, env = declarative
    for args in (("stack", "init"), ("stack", "import", "--file", str(prerename.work / "declarative-export.json"))):
        done = pulumi(folder, env, *args)
        assert done.returncode == 0, done.stdout + done.stderr
    refresh = pulumi(folder, env, "refresh", "--yes")
    assert refresh.returncode != 0 and "No module named 'components'" in refresh.stdout + refresh.stderr, (
        "what a user of the old state sees"
    )

    importing = subprocess.run(
        [str(SCRIPTS / "docker-machine"), "import", "--stack", "decl", "--cwd", str(folder)],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert importing.returncode == 0, importing.stdout + importing.stderr
    note = [line for line in importing.stdout.splitlines() if "migrate-state" in line]
    assert note == [
        f"Warning: stack 'decl' was written before the pulumi_docker_machine module paths: until "
        f"'docker-machine migrate-state --stack decl --cwd {folder}' is run, pulumi refresh and destroy "
        "fail on its machines, and so does an up that deletes or replaces one"
    ], importing.stdout

    migrated = subprocess.run(
        [str(SCRIPTS / "docker-machine"), "migrate-state", "--stack", "decl", "--cwd", str(folder)],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert migrated.returncode == 0, migrated.stdout + migrated.stderr
    backups = prerename.store / "state-backups"
    assert migrated.stdout.splitlines() == [
        f"Migrated the state of stack 'decl' (5 resources) to the pulumi_docker_machine module paths; the state "
        f"before is in {backups}"
    ]
    assert len(list(backups.glob("docker-machine.decl.*.json"))) == 1
    again = subprocess.run(
        [str(SCRIPTS / "docker-machine"), "migrate-state", "--stack", "decl", "--cwd", str(folder)],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert again.returncode == 0 and "needs no migration" in again.stdout, again.stdout + again.stderr
    prerename.done.append("declarative migrated")


def test_refresh_and_destroy_the_declarative_stack_after_migration(prerename, declarative):
    prerename.after("declarative migrated")
    folder, env = declarative
    host = prerename.hosts["decl"]
    refresh = pulumi(folder, env, "refresh", "--yes")
    assert refresh.returncode == 0, refresh.stdout + refresh.stderr
    assert tls_setup(host) == list(MACHINE_FILES)
    destroy = pulumi(folder, env, "destroy", "--yes")
    assert destroy.returncode == 0, destroy.stdout + destroy.stderr
    assert tls_setup(host) == []
    exported = json.loads(pulumi(folder, env, "stack", "export").stdout)["deployment"]
    assert not exported.get("resources"), "no resource left"


def test_an_own_program_stack_through_the_python_api(prerename, monkeypatch):
    """A program of one's own (Automation API): migrate_stack on its Stack, then destroy, which runs docker
    compose down for its ComposeApp and undoes the machine's setup."""
    from pulumi import automation as auto

    from pulumi_docker_machine.automation.migrate import migrate_stack

    for key, value in prerename.env.items():
        monkeypatch.setenv(key, value)  # the engine and its provider processes take this process's environment
    own = MANIFEST["own"]
    work_dir = prerename.work / "own-program"
    work_dir.mkdir()
    shutil.copy(prerename.work / "Pulumi.own.yaml", work_dir / "Pulumi.own.yaml")
    backend = prerename.work / "own-backend"
    backend.mkdir()
    opts = auto.LocalWorkspaceOptions(
        work_dir=str(work_dir),
        secrets_provider="passphrase",
        project_settings=auto.ProjectSettings(
            name=own["project"], runtime="python", backend=auto.ProjectBackend(url=backend.as_uri())
        ),
        env_vars={"PULUMI_CONFIG_PASSPHRASE": own["passphrase"]},
    )
    stack = auto.create_stack(own["stack"], project_name=own["project"], program=lambda: None, opts=opts)
    exported = json.loads(export_text("own-export.json.gz", prerename.work))
    stack.import_stack(auto.Deployment(version=exported["version"], deployment=exported["deployment"]))

    backups = prerename.work / "own-backups"
    assert migrate_stack(stack, backups) == 6
    assert migrate_stack(stack, backups) == 0, "once"
    assert len(list(backups.iterdir())) == 1
    host = prerename.hosts["own"]
    assert tls_setup(host) == list(MACHINE_FILES)
    start_dockerd(host)  # docker compose down asks it
    stack.destroy()
    assert tls_setup(host) == []
    assert not stack.export_stack().deployment.get("resources")

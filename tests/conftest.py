"""Shared fixtures. Real-host tests skip outside CI when a prerequisite is missing, and fail in CI."""

from __future__ import annotations

import asyncio
import base64
import json
import os
import shlex
import shutil
import subprocess
import sys
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Optional

import dill
import pulumi
import pytest
from pulumi.runtime import rpc

from pulumi_docker_machine.components.ssh import md5_fingerprint

NOT_CI = ("", "0", "false", "no", "off")


def ci_requested(value: Optional[str]) -> bool:
    """CI is on for any value of ``CI`` (true, 1, yes, a CI system's own name) except empty, 0, false, no, off."""
    return (value or "").strip().lower() not in NOT_CI


IN_CI = ci_requested(os.environ.get("CI"))
# No test may download the Pulumi CLI (it would reach outside this machine): every process it starts
# inherits this, and a test that wants the CLI uses the one make engine built.
os.environ["DOCKER_MACHINE_PULUMI_INSTALL"] = "never"
pytest_plugins = ("tests.hosts",)  # shared test hosts, and how files spread over xdist workers


def require(missing: list[str], what: str) -> None:
    """Skip (or, in CI, fail) a test whose prerequisites this machine lacks."""
    if not missing:
        return
    reason = f"{what} needs: {', '.join(missing)}"
    if IN_CI:
        pytest.fail(f"CI={os.environ.get('CI', '')} and a prerequisite is missing: {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def shellcheck() -> str:
    path = shutil.which("shellcheck")
    require([] if path else ["shellcheck (Debian package shellcheck)"], "checking the provisioning script")
    return path  # type: ignore[return-value]


@pytest.fixture(scope="session")
def openssl() -> str:
    path = shutil.which("openssl")
    require([] if path else ["openssl"], "cross-checking certificates")
    return path  # type: ignore[return-value]


@pytest.fixture(scope="session")
def ssh_keygen() -> str:
    path = shutil.which("ssh-keygen")
    require([] if path else ["ssh-keygen (Debian package openssh-client)"], "cross-checking SSH keys")
    return path  # type: ignore[return-value]


# ----- Pulumi mocks ---------------------------------------------------------------------------------------------


DEFAULT_VM_ADDRESS = "127.0.0.2"  # loopback: a probe of a mocked VM never leaves this machine
AMI_ID = "ami-0abcdef1234567890"


@dataclass
class Registered:
    typ: str
    name: str
    inputs: dict
    state: dict
    provider: Optional[str] = None
    id: str = ""


@dataclass
class MachineMocks(pulumi.runtime.Mocks):
    """The one Mocks class of the test suite: stands in for the Pulumi engine and the clouds.

    - Cloud VMs (Droplet, EC2 Instance) resolve to ``vm_address``: point it at a test host and
      the component provisions a real machine.
    - Dynamic providers (this project's key material) really run: the provider is dill-loaded
      from ``__provider`` and its ``create`` called, as the engine's dynamic-provider host does.
    - With ``ssh_host`` set, ``remote.Command`` really runs its ``create`` with its ``stdin`` over
      SSH, using the connection the component built (host, port, user, private key); connecting
      anywhere but ``ssh_host.address`` is refused. Otherwise commands only record their inputs.
    - ``on_public_key`` sees each SSH public key a cloud would install (DigitalOcean SshKey,
      EC2 KeyPair), so a test host can authorize it the way cloud-init would.
    """

    vm_address: str = DEFAULT_VM_ADDRESS
    private_address: str = "127.0.0.3"  # loopback too: nothing ever reaches it
    ssh_host: Any = None
    # Dynamic providers that really run; others (DropletPower, which calls a cloud API) only record.
    run_dynamic: tuple = ("CertificateAuthority", "ClientCertificate", "ServerCertificate", "SSHKey", "VirtualBoxVM")
    on_public_key: Optional[Callable[[str], None]] = None
    resources: list = field(default_factory=list)
    calls: list = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    monitor: Any = None  # the MockMonitor of the last run_program: its URNs show each resource's parent type

    def urns(self) -> list[str]:
        return list(self.monitor.get_registered_resources())

    def of_type(self, typ: str) -> list[Registered]:
        return [r for r in self.resources if r.typ == typ]

    def one(self, typ: str) -> Registered:
        found = self.of_type(typ)
        assert len(found) == 1, f"expected one {typ}, got {[r.name for r in found]}"
        return found[0]

    def new_resource(self, args: pulumi.runtime.MockResourceArgs):
        inputs = unwrap_secrets(dict(args.inputs))
        typ, name = args.typ, args.name
        id_ = f"{name}-id"
        state = dict(inputs)
        if typ.startswith("pulumi-python:dynamic/") and typ.rsplit(":", 1)[1] in self.run_dynamic:
            blob = inputs.pop("__provider")
            provider = dill.loads(base64.b64decode(blob))
            checked = provider.check({}, inputs)  # the engine checks, then creates
            if checked.failures:
                raise RuntimeError("; ".join(f"{f.property}: {f.reason}" for f in checked.failures))
            result = provider.create(checked.inputs)
            id_, state = result.id, {**(result.outs or {}), "__provider": blob}
        elif typ == "digitalocean:index/sshKey:SshKey":
            state["fingerprint"] = md5_fingerprint(inputs["publicKey"])
            self._public_key(inputs["publicKey"])
        elif typ == "digitalocean:index/droplet:Droplet":
            with self._lock:
                id_ = str(412345678 + len(self.of_type(typ)))  # the first droplet is 412345678
            state.update(
                ipv4Address=self.vm_address,
                ipv4AddressPrivate=self.private_address,
                status="active",
                urn=f"do:droplet:{id_}",
            )
        elif typ == "aws:ec2/keyPair:KeyPair":
            state["keyName"] = inputs.get("keyName") or f"{inputs.get('keyNamePrefix', '')}20261125"
            self._public_key(inputs["publicKey"])
        elif typ == "aws:ec2/securityGroup:SecurityGroup":
            id_ = "sg-0123456789abcdef0"
        elif typ == "aws:ec2/instance:Instance":
            id_ = "i-0123456789abcdef0"
            id_ = f"i-0123456789abcdef{len(self.of_type(typ))}"
            state.update(
                publicIp=self.vm_address, privateIp=self.private_address, primaryNetworkInterfaceId=f"eni-{name}"
            )
        elif typ == "aws:ec2transitgateway/instanceState:InstanceState":
            id_ = inputs["instanceId"]
        elif typ == "command:remote:Command":
            state.update(self._run_command(inputs))
        with self._lock:
            self.resources.append(Registered(typ, name, inputs, state, args.provider, id_))
        return id_, state

    def call(self, args: pulumi.runtime.MockCallArgs):
        with self._lock:
            self.calls.append((args.token, dict(args.args)))
        if args.token == "aws:ec2/getAmi:getAmi":
            return {"id": AMI_ID, "name": "ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-amd64-server-20261101"}
        if args.token == "aws:ec2/getInstance:getInstance":
            return {"id": args.args["instanceId"], "publicIp": self.vm_address, "privateIp": self.private_address}
        return {}

    def _public_key(self, key: str) -> None:
        if self.on_public_key is not None:
            self.on_public_key(key)

    def _run_command(self, inputs: dict) -> dict:
        """The step run as the stand-in plugin runs it (tests/fakes/remote_command.py), allowed only to the test host."""
        if self.ssh_host is None:
            return {"stdout": "", "stderr": ""}
        from tests.fakes.remote_command import run

        host = self.ssh_host
        host.assert_up()
        if inputs.get("create") is None:
            return {"stdout": "", "stderr": ""}
        stdout, stderr = run(
            inputs["connection"],
            inputs["create"],
            inputs.get("stdin"),
            allowed=lambda address: address in (host.address, "127.0.0.1"),
        )
        return {"stdout": stdout, "stderr": stderr}


def unwrap_secrets(value: Any) -> Any:
    """Inputs reach mocks with secrets still wrapped; a provider sees them plain, as the engine sends them."""
    if isinstance(value, dict):
        if value.get(rpc._special_sig_key) == rpc._special_secret_sig:
            return unwrap_secrets(value["value"])
        return {k: unwrap_secrets(v) for k, v in value.items()}
    if isinstance(value, list):
        return [unwrap_secrets(v) for v in value]
    return value


class RecordingMonitor(pulumi.runtime.mocks.MockMonitor):
    """The mock monitor, also keeping the resource options the mocks API leaves out."""

    def __init__(self, mocks) -> None:
        super().__init__(mocks)
        self.delete_before_replace: dict[str, bool] = {}
        self.dependencies: dict[str, list[str]] = {}  # "TYPE::NAME": the URNs it waits for

    def RegisterResource(self, request):
        self.delete_before_replace[request.name] = request.deleteBeforeReplace
        self.dependencies[f"{request.type}::{request.name}"] = list(request.dependencies)
        return super().RegisterResource(request)


def run_program(mocks: MachineMocks, program: Callable[[], dict], stack: str = "test") -> dict:
    """Run ``program`` under ``mocks``; it returns named Outputs, resolved here to (value, is_secret)."""
    mocks.monitor = RecordingMonitor(mocks)
    pulumi.runtime.set_mocks(mocks, project="docker-machine", stack=stack, preview=False, monitor=mocks.monitor)
    resolved: dict = {}

    async def settle(outputs: dict) -> None:
        for key, output in outputs.items():
            resolved[key] = (await output.future(), await output.is_secret())

    @pulumi.runtime.test
    def run():
        return asyncio.ensure_future(settle(program()))

    run()
    return resolved


def build_machine(mocks: MachineMocks, name: str, args) -> dict:
    """One DockerMachine under ``mocks``; its outputs' values."""
    from pulumi_docker_machine.components import DockerMachine
    from pulumi_docker_machine.components.machine import OUTPUTS

    def program():
        machine = DockerMachine(name, args)
        return {key: getattr(machine, key) for key in OUTPUTS}

    values = run_program(mocks, program)
    assert len(mocks.of_type("command:remote:Command")) == 1
    return {key: value for key, (value, _) in values.items()}


# ----- the VBoxManage simulator ----------------------------------------------------------------------------------

FAKES = Path(__file__).parent / "fakes"


@dataclass
class VBoxSim:
    folder: Path
    state_file: Path

    def state(self) -> dict:
        return json.loads(self.state_file.read_text()) if self.state_file.exists() else {"vms": {}, "hostonlyifs": []}

    def run(self, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run([str(self.folder / "VBoxManage"), *args], capture_output=True, text=True)

    def stop_forwarders(self) -> None:
        for vm in self.state().get("vms", {}).values():
            for pid in vm.get("forwarders", []):
                try:
                    os.kill(pid, 15)
                except ProcessLookupError:
                    pass


@pytest.fixture
def vboxmanage(tmp_path, monkeypatch):
    """The VBoxManage simulator first on PATH (see tests/fakes/vboxmanage_sim.py)."""
    folder = tmp_path / "vbox-bin"
    folder.mkdir()
    wrapper = folder / "VBoxManage"
    wrapper.write_text(
        f"#!/bin/sh\nPYTHONPATH={shlex.quote(str(Path(__file__).parent.parent))} "
        f'exec {shlex.quote(sys.executable)} {shlex.quote(str(FAKES / "vboxmanage_sim.py"))} "$@"\n'
    )
    wrapper.chmod(0o755)
    sim = VBoxSim(folder, tmp_path / "vbox-state.json")
    monkeypatch.setenv("PATH", f"{folder}:{os.environ['PATH']}")
    monkeypatch.setenv("VBOXSIM_STATE", str(sim.state_file))
    for variable in ("VBOX_MSI_INSTALL_PATH", "VBOX_INSTALL_PATH", "VBOXSIM_GUEST_ADDRESS", "VBOXSIM_AUTHORIZED_KEYS"):
        monkeypatch.delenv(variable, raising=False)
    yield sim
    sim.stop_forwarders()


# ----- a machine store for the CLI ---------------------------------------------------------------------------

LEGACY_FIXTURE = Path(__file__).parent / "fixtures" / "docker-machine-0.16"


@dataclass
class StoreWorld:
    """A store with machines whose engines answer on loopback (or, with a test host, on it)."""

    root: Path
    docker_config: Path
    env: dict

    def store(self):
        from pulumi_docker_machine.store import Store

        return Store(self.root)


def add_machine(
    root: Path,
    name: str,
    *,
    ip: str,
    engine_port: int,
    driver: str = "generic",
    ssh_key: Path | None = None,
    ssh_user: str = "root",
    ssh_port: int = 22,
    labels: tuple = (),
    ca=None,
    server_sans=(),
    pulumi_extra: dict | None = None,
    docker_context: bool = True,
    client=None,
) -> Path:
    """A machine as the write side will store it: certificates, config.json, Docker context."""
    from pulumi_docker_machine.store import Store, new_host_config
    from pulumi_docker_machine.components.cert import create_ca, issue_client_certificate, issue_server_certificate

    store = Store(root)
    ca = ca or create_ca("tester")
    client = client or issue_client_certificate(ca, "tester.client")
    server = issue_server_certificate(ca, f"tester.{name}", [ip], list(server_sans))
    folder = store.write_machine_files(
        name,
        ca_pem=ca.cert_pem,
        client_cert_pem=client.cert_pem,
        client_key_pem=client.key_pem,
        server_cert_pem=server.cert_pem,
        server_key_pem=server.key_pem,
    )
    key_path = None
    if ssh_key is not None:
        key_path = folder / "id_ed25519"
        shutil.copy(ssh_key, key_path)
        key_path.chmod(0o600)
    host = new_host_config(
        name=name,
        driver_name=driver,
        store_root=root,
        ip=ip,
        ssh_user=ssh_user,
        ssh_port=ssh_port,
        ssh_key_path=key_path,
        engine={"labels": list(labels)},
        pulumi={"Project": "docker-machine", "Stack": name, "EnginePort": engine_port, **(pulumi_extra or {})},
    )
    store.save(host, docker_context=docker_context)
    return folder


def add_legacy_machine(root: Path) -> Path:
    """A machine as docker-machine 0.16 left it: its config.json (IP pointed at loopback) and its certificates."""
    from pulumi_docker_machine.components.cert import KeyFormat, KeyType, create_ca, issue_client_certificate

    source = (LEGACY_FIXTURE / "machines" / "legacy" / "config.json").read_text().replace("STORE", str(root))
    source = source.replace("192.168.99.100", "127.0.0.2")  # a test never reaches beyond this machine
    folder = root / "machines" / "legacy"
    folder.mkdir(parents=True, mode=0o700)
    (folder / "config.json").write_text(source)
    ca = create_ca("legacy", key_type=KeyType.RSA_2048, key_format=KeyFormat.TRADITIONAL)
    client = issue_client_certificate(ca, "legacy.client", key_type=KeyType.RSA_2048, key_format=KeyFormat.TRADITIONAL)
    (folder / "ca.pem").write_text(ca.cert_pem)
    (folder / "cert.pem").write_text(client.cert_pem)
    (folder / "key.pem").write_text(client.key_pem)
    return folder


@pytest.fixture
def world(tmp_path, monkeypatch) -> StoreWorld:
    root = tmp_path / "machine-store"
    docker_config = tmp_path / "docker-config"
    env = {"MACHINE_STORAGE_PATH": str(root), "DOCKER_CONFIG": str(docker_config), "SHELL": "/bin/bash"}
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    for key in ("DOCKER_HOST", "NO_PROXY", "no_proxy", "DOCKER_TLS_VERIFY", "DOCKER_CERT_PATH"):
        monkeypatch.delenv(key, raising=False)
    return StoreWorld(root, docker_config, env)


@pytest.fixture
def engine(world):
    """A machine 'dev' whose (stand-in) engine answers over mutual TLS on 127.0.0.1."""
    from bench.fakeengine import FakeEngine

    folder = add_machine(world.root, "dev", ip="127.0.0.1", engine_port=0, labels=("env=test",))
    fake = FakeEngine(folder / "ca.pem", folder / "server.pem", folder / "server-key.pem")
    host = world.store().load("dev")
    host.data["Pulumi"]["EnginePort"] = fake.port
    world.store().save(host)
    yield fake
    fake.close()


@pytest.fixture(scope="module")
def remote_host():
    """A test host with Docker installed (see bench/testbed.py), one per test module."""
    from bench.testbed import RemoteHost, missing_prerequisites

    require(missing_prerequisites(), "the real remote-host tests")
    with RemoteHost() as host:
        yield host


# ----- the real Pulumi engine (make engine) ---------------------------------------------------------------------

ROOT = Path(__file__).parent.parent
ENGINE_BIN = ROOT / ".engine" / "bin"


@dataclass
class Engine:
    """The pulumi CLI built by ``make engine``, with the stand-in command provider as an ambient plugin."""

    bin: Path
    plugins: Path
    home: Path

    def env(self) -> dict[str, str]:
        return {
            "PATH": f"{self.bin}:{self.plugins}:{os.environ['PATH']}",
            "PULUMI_HOME": str(self.home),
            "PULUMI_SKIP_UPDATE_CHECK": "true",
            "PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION": "true",
        }


@pytest.fixture(scope="session")
def built_engine(tmp_path_factory) -> Engine:
    missing = [] if (ENGINE_BIN / "pulumi").exists() else ["the Pulumi engine in .engine/ (run 'make engine')"]
    require(missing, "the real-engine tests")
    plugins = tmp_path_factory.mktemp("engine-plugins")
    wrapper = plugins / "pulumi-resource-command"
    wrapper.write_text(
        f"#!/bin/sh\nPYTHONPATH={shlex.quote(str(ROOT))} "
        f'exec {shlex.quote(sys.executable)} {shlex.quote(str(FAKES / "command_provider.py"))} "$@"\n'
    )
    wrapper.chmod(0o755)
    return Engine(ENGINE_BIN, plugins, tmp_path_factory.mktemp("pulumi-home"))


@pytest.fixture
def pulumi_engine(built_engine, monkeypatch) -> Engine:
    """The real engine for this test: first on PATH, its own PULUMI_HOME, no plugin downloads."""
    for key, value in built_engine.env().items():
        monkeypatch.setenv(key, value)
    for key in (
        "PULUMI_CONFIG_PASSPHRASE",
        "PULUMI_CONFIG_PASSPHRASE_FILE",
        "PULUMI_BACKEND_URL",
        "PULUMI_ACCESS_TOKEN",
    ):
        monkeypatch.delenv(key, raising=False)
    return built_engine

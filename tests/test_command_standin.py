"""The stand-in command plugin behaves as pulumi-command v1.2.1's remote.Command, behaviour by behaviour.

Each test drives the stand-in as the engine does (its gRPC interface, tests/fakes/command_provider.py
started as a plugin) against an sshd of its own on 127.0.0.1, or through the real engine, or the
executing mocks, which share its one implementation (tests/fakes/remote_command.py).
"""

from __future__ import annotations

import getpass
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import grpc
import pytest
from google.protobuf import json_format, struct_pb2
from pulumi.runtime import proto
from pulumi.runtime.proto import provider_pb2_grpc

from tests.conftest import FAKES, ROOT, MachineMocks, require

UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
URN = "urn:pulumi:test::docker-machine::command:remote:Command::step"
BACKOFF_VARIABLE = "PDM_TEST_STANDIN_BACKOFF_SCALE"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class LocalSshd:
    """An sshd of this test's own on 127.0.0.1 (the current user may log in with ``key``)."""

    def __init__(self, folder: Path) -> None:
        self.folder, self.address, self.port, self.user = folder, "127.0.0.1", free_port(), getpass.getuser()
        for name in ("host_key", "key"):
            subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(folder / name)], check=True)
        self.key = (folder / "key").read_text()
        (folder / "authorized_keys").write_text((folder / "key.pub").read_text())
        (folder / "authorized_keys").chmod(0o600)
        (folder / "sshd_config").write_text(
            f"Port {self.port}\nListenAddress 127.0.0.1\nHostKey {folder / 'host_key'}\n"
            f"AuthorizedKeysFile {folder / 'authorized_keys'}\nStrictModes no\nPermitRootLogin prohibit-password\n"
            "PasswordAuthentication no\nKbdInteractiveAuthentication no\nUsePAM no\nPidFile none\n"
        )
        if os.geteuid() == 0:
            os.makedirs("/run/sshd", mode=0o755, exist_ok=True)  # sshd's privilege-separation folder
        self.process = subprocess.Popen(
            ["/usr/sbin/sshd", "-D", "-e", "-f", str(folder / "sshd_config")],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=open(folder / "sshd.log", "wb"),
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                with socket.create_connection((self.address, self.port), timeout=1) as conn:
                    if conn.recv(4).startswith(b"SSH-"):
                        return
            except OSError:
                time.sleep(0.05)
        self.close()
        raise RuntimeError(f"the test's sshd did not start: {(folder / 'sshd.log').read_text()}")

    def connection(self, **changes) -> dict:
        return {"host": self.address, "port": self.port, "user": self.user, "privateKey": self.key, **changes}

    def assert_up(self) -> None:  # what MachineMocks asks of its ssh_host
        assert self.process.poll() is None, "the test's sshd is down"

    def close(self) -> None:
        self.process.terminate()
        self.process.wait(10)


@pytest.fixture(scope="module")
def sshd(tmp_path_factory):
    missing = [tool for tool in ("ssh", "ssh-keygen", "ssh-agent", "ssh-add") if shutil.which(tool) is None]
    missing += [] if os.access("/usr/sbin/sshd", os.X_OK) else ["/usr/sbin/sshd (Debian package openssh-server)"]
    require(missing, "the stand-in command plugin's tests")
    server = LocalSshd(tmp_path_factory.mktemp("sshd"))
    yield server
    server.close()


class Plugin:
    """The stand-in plugin, started and spoken to as the engine does."""

    def __init__(self, env: dict) -> None:
        self.process = subprocess.Popen(
            [sys.executable, str(FAKES / "command_provider.py")],
            env={**env, "PYTHONPATH": str(ROOT)},
            stdout=subprocess.PIPE,
            stdin=subprocess.DEVNULL,
        )
        port = int(self.process.stdout.readline())  # type: ignore[union-attr]
        self.channel = grpc.insecure_channel(f"127.0.0.1:{port}")
        self.stub = provider_pb2_grpc.ResourceProviderStub(self.channel)
        self.configured = self.stub.Configure(proto.ConfigureRequest())

    def check(self, news: dict) -> proto.CheckResponse:
        return self.stub.Check(proto.CheckRequest(urn=URN, news=struct(news), olds=struct({})))

    def create(self, props: dict, preview: bool = False) -> dict:
        checked = self.check(props)
        assert not checked.failures, checked.failures
        response = self.stub.Create(proto.CreateRequest(urn=URN, properties=checked.inputs, preview=preview))
        return json_format.MessageToDict(response.properties)

    def close(self) -> None:
        self.channel.close()
        self.process.terminate()
        self.process.wait(10)


def struct(props: dict) -> struct_pb2.Struct:
    value = struct_pb2.Struct()
    value.update(props)
    return value


@pytest.fixture
def plugin(monkeypatch):
    started: list[Plugin] = []

    def start(**env) -> Plugin:
        base = {key: value for key, value in os.environ.items() if key not in ("SSH_AUTH_SOCK", BACKOFF_VARIABLE)}
        started.append(Plugin({**base, **env}))
        return started[-1]

    yield start
    for one in started:
        one.close()


def failure(call) -> grpc.RpcError:
    with pytest.raises(grpc.RpcError) as raised:
        call()
    return raised.value


# ----- the command runs once ---------------------------------------------------------------------------------


def test_exit_255_with_a_connection_like_message_runs_once(sshd, plugin, tmp_path):
    runs = tmp_path / "runs"
    command = f"echo ran >> {runs}; echo 'ssh: connect to host 10.213.9.9 port 22: Connection refused' >&2; exit 255"
    err = failure(lambda: plugin().create({"connection": sshd.connection(), "create": command}))
    assert runs.read_text() == "ran\n", "v1.2.1 runs the command once, whatever it exits with"
    assert err.details() == (
        f"Process exited with status 255: running \"echo ran >> {runs}; echo 'ssh: connect to "
        "host 10.213.9.9 port 22: Connection refused' >&2; exit 255\":\n"
        "ssh: connect to host 10.213.9.9 port 22: Connection refused\n"
    )


def test_outputs_keep_all_but_one_trailing_newline_and_the_failure_quotes_as_go(sshd, plugin):
    started = plugin()
    outs = started.create({"connection": sshd.connection(), "create": "cat; printf 'b\\n\\n' >&2", "stdin": "a\n\n"})
    assert (outs["stdout"], outs["stderr"]) == ("a\n", "b\n")
    err = failure(lambda: started.create({"connection": sshd.connection(), "create": "echo é\tx; exit 3"}))
    assert err.details() == 'Process exited with status 3: running "echo é\\tx; exit 3":\né x\n'


def test_a_host_name_is_dialled_as_given(sshd, plugin):
    outs = plugin().create({"connection": sshd.connection(host="localhost"), "create": "echo hello"})
    assert outs["stdout"] == "hello"


def test_an_address_beyond_the_tests_reach_is_refused_before_any_dial(plugin):
    err = failure(lambda: plugin().create({"connection": {"host": "192.0.2.1", "privateKey": ""}, "create": "true"}))
    assert "ssh: no key found" == err.details()  # the key is parsed first, as in v1.2.1
    err = failure(lambda: plugin().create({"connection": {"host": "192.0.2.1"}, "create": "true"}))
    assert err.details().startswith("the stand-in command provider refuses 192.0.2.1")


# ----- what fails at once ------------------------------------------------------------------------------------

BROKEN_PEM = "-----BEGIN RSA PRIVATE KEY-----\nAAAA\n-----END RSA PRIVATE KEY-----\n"


@pytest.mark.parametrize("key", ["", "not a key", BROKEN_PEM])
def test_an_empty_or_bad_private_key_fails_at_once(sshd, plugin, key):
    started = plugin()
    began = time.monotonic()
    err = failure(lambda: started.create({"connection": sshd.connection(privateKey=key), "create": "true"}))
    # retrying the dial would take the machine's ~111 s (30 attempts); 15 s leaves room for a loaded machine
    assert time.monotonic() - began < 15, "v1.2.1 parses the key before dialling: no retries"
    assert err.details().startswith("ssh: ") and "attempts" not in err.details()
    if not key.startswith("-----"):
        assert err.details() == "ssh: no key found"


def test_a_stale_agent_socket_fails_at_once(sshd, plugin, tmp_path):
    stale = tmp_path / "agent.sock"
    began = time.monotonic()
    err = failure(lambda: plugin(SSH_AUTH_SOCK=str(stale)).create({"connection": sshd.connection(), "create": "true"}))
    assert err.details() == f"dial unix {stale}: connect: no such file or directory"
    assert time.monotonic() - began < 15, "no retries (they would take ~111 s), only the plugin's start"


def test_the_agent_authenticates_when_no_private_key_is_given(sshd, plugin, tmp_path):
    sock = tmp_path / "agent.sock"
    agent = subprocess.Popen(["ssh-agent", "-D", "-a", str(sock)], stdout=subprocess.DEVNULL)
    try:
        while not sock.exists():
            time.sleep(0.05)
        subprocess.run(
            ["ssh-add", "-q", str(sshd.folder / "key")],
            env={**os.environ, "SSH_AUTH_SOCK": str(sock)},
            check=True,
            capture_output=True,
        )
        connection = {k: v for k, v in sshd.connection().items() if k != "privateKey"}
        assert (
            plugin(SSH_AUTH_SOCK=str(sock)).create({"connection": connection, "create": "echo via agent"})["stdout"]
            == "via agent"
        )
        err = failure(lambda: plugin().create({"connection": {**connection, "dialErrorLimit": 0}, "create": "true"}))
        assert err.details() == (
            "after 0 failed attempts: ssh: handshake failed: ssh: unable to authenticate, "
            "attempted methods [none], no supported methods remain"
        )
    finally:
        agent.terminate()
        agent.wait(10)


# ----- output ---------------------------------------------------------------------------------------------


def test_output_that_is_not_utf8_fails_the_step_as_grpc_does(sshd, plugin, tmp_path):
    ran = tmp_path / "ran"
    err = failure(
        lambda: plugin().create({"connection": sshd.connection(), "create": f"touch {ran}; printf 'ok\\377\\n'"})
    )
    assert err.code() == grpc.StatusCode.INTERNAL
    assert err.details() == "grpc: error while marshaling: string field contains invalid UTF-8"
    assert ran.exists(), "the command ran; only its result could not be returned"


# ----- dial retries and their back-off -----------------------------------------------------------------------


class ClosingListener:
    """Accepts TCP connections, closed once the client has spoken (its handshake fails with EOF), noting when."""

    def __init__(self) -> None:
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        self.times: list[float] = []
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.server.accept()
            except OSError:
                return
            self.times.append(time.monotonic())
            conn.settimeout(5)
            try:
                conn.recv(256)  # the client's banner, read so that closing sends no reset
            except OSError:
                pass
            conn.close()

    def gaps(self) -> list[float]:
        return [b - a for a, b in zip(self.times, self.times[1:], strict=False)]

    def close(self) -> None:
        self.server.close()


@pytest.fixture
def listener():
    server = ClosingListener()
    yield server
    server.close()


def test_dial_errors_are_retried_with_v121s_back_off(sshd, plugin, listener):
    err = failure(
        lambda: plugin().create({"connection": sshd.connection(port=listener.port, dialErrorLimit=3), "create": "true"})
    )
    assert err.details() == "after 3 failed attempts: ssh: handshake failed: EOF"
    assert len(listener.times) == 4, "dialErrorLimit 3: four dials"
    for gap, delay in zip(listener.gaps(), (0.1, 0.15, 0.225), strict=True):
        assert delay <= gap < delay + 0.5, listener.gaps()


def test_the_default_limit_waits_as_v121_does(sshd, plugin, listener):
    """No shortening: the default dialErrorLimit (10) makes 11 dials over 11.3 s of waits."""
    began = time.monotonic()
    err = failure(lambda: plugin().create({"connection": sshd.connection(port=listener.port), "create": "true"}))
    assert err.details() == "after 10 failed attempts: ssh: handshake failed: EOF"
    assert len(listener.times) == 11
    waited = listener.times[-1] - listener.times[0]
    assert 11.33 <= waited < 11.33 + 4, waited
    assert time.monotonic() - began < 11.33 + 8


def test_the_machines_limit_of_30_waits_111_seconds_unless_a_test_shortens_it(sshd, plugin, listener):
    from tests.fakes.remote_command import backoff_delays

    waits = list(backoff_delays(30, {}))
    assert len(waits) == 30 and round(sum(waits), 2) == 111.33 and max(waits) == 5.0
    began = time.monotonic()
    err = failure(
        lambda: plugin(**{BACKOFF_VARIABLE: "0.01"}).create(
            {"connection": sshd.connection(port=listener.port, dialErrorLimit=30), "create": "true"}
        )
    )
    assert err.details() == "after 30 failed attempts: ssh: handshake failed: EOF" and len(listener.times) == 31
    assert time.monotonic() - began < 30


def test_a_refused_port_reads_as_gos_dial_error(sshd, plugin):
    port = free_port()
    err = failure(
        lambda: plugin().create({"connection": sshd.connection(port=port, dialErrorLimit=1), "create": "true"})
    )
    assert err.details() == f"after 1 failed attempts: dial tcp 127.0.0.1:{port}: connect: connection refused"


# ----- previews ---------------------------------------------------------------------------------------------


def test_a_preview_accepts_unknown_inputs_and_runs_nothing(sshd, plugin, tmp_path):
    started = plugin()
    assert started.configured.supportsPreview
    ran = tmp_path / "ran"
    props = {"connection": {**sshd.connection(), "host": UNKNOWN}, "create": f"touch {ran}", "stdin": UNKNOWN}
    checked = started.check(props)
    assert not checked.failures, checked.failures
    outs = started.create(props, preview=True)
    assert (outs["stdout"], outs["stderr"], outs["stdin"]) == (UNKNOWN, UNKNOWN, UNKNOWN)
    assert not ran.exists()


@pytest.mark.engine
def test_preview_and_up_of_a_stack_whose_stdin_comes_from_another_resource(sshd, pulumi_engine, tmp_path):
    import pulumi
    from pulumi import automation as auto
    from pulumi_command import remote

    written = tmp_path / "written"

    def program() -> None:
        connection = remote.ConnectionArgs(
            host=sshd.address, port=sshd.port, user=sshd.user, private_key=pulumi.Output.secret(sshd.key)
        )
        first = remote.Command("first", connection=connection, create="echo hello")
        second = remote.Command(
            "second",
            connection=connection,
            create=f"cat > {written}; echo done",
            stdin=first.stdout.apply(lambda out: f"{out} again"),
        )
        pulumi.export("second", second.stdout)

    work = tmp_path / "work"
    work.mkdir()
    stack = auto.create_stack(
        "standin",
        project_name="standin",
        program=program,
        opts=auto.LocalWorkspaceOptions(
            work_dir=str(work), env_vars={"PULUMI_CONFIG_PASSPHRASE": "x", "PULUMI_BACKEND_URL": f"file://{work}"}
        ),
    )
    preview = stack.preview()
    assert preview.change_summary == {"create": 3}
    assert not written.exists()
    result = stack.up()
    assert result.outputs["second"].value == "done" and written.read_text() == "hello again"
    stack.destroy()


# ----- the executing mocks run the same implementation ---------------------------------------------------------


def test_the_mocks_run_the_step_as_the_plugin_does(sshd, plugin):
    from tests.fakes.remote_command import RemoteCommandError

    mocks = MachineMocks(ssh_host=sshd)
    assert mocks._run_command({"connection": sshd.connection(), "create": "cat", "stdin": "x\n"}) == {
        "stdout": "x",
        "stderr": "",
    }
    step = {"connection": sshd.connection(), "create": "echo out; exit 4"}
    with pytest.raises(RemoteCommandError) as raised:
        mocks._run_command(step)
    assert str(raised.value) == failure(lambda: plugin().create(step)).details()
    with pytest.raises(RemoteCommandError, match=r"^ssh: no key found$"):
        mocks._run_command({"connection": sshd.connection(privateKey=""), "create": "true"})

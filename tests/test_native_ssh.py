"""ssh and scp against a real test host through the installed ``docker-machine``: paramiko (--native-ssh, and by
itself without an ssh program) with the machine's pinned host key, and OpenSSH reading the options typed after
the machine's name (``ssh NAME -L ...``) as docker-machine's users typed them. No Docker engine is needed."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from tests.conftest import add_machine, require

pytestmark = pytest.mark.remote_host

SCRIPTS = Path(sys.executable).parent


@pytest.fixture(scope="module")
def host(remote_host):
    return remote_host


@pytest.fixture
def bed(world, host):
    """Machine 'bed' (the test host, root with its key) in this test's store; its pin file."""
    add_machine(world.root, "bed", ip=host.address, engine_port=2376, ssh_key=host.ssh_key, docker_context=False)
    return world.root / "machines" / "bed" / "known_hosts"


def machine(world, *args: str, stdin: str = "", path: str | None = None, timeout: float = 60):
    require([] if (SCRIPTS / "docker-machine").exists() else ["the installed docker-machine script"], "these tests")
    env = {**os.environ, **world.env, "HOME": str(world.root.parent), "PATH": path or os.environ["PATH"]}
    env.pop("SSH_AUTH_SOCK", None)
    return subprocess.run(
        [str(SCRIPTS / "docker-machine"), *args], input=stdin, capture_output=True, text=True, env=env, timeout=timeout
    )


def host_key(host) -> str:
    return " ".join((host.workdir / "host_ed25519.pub").read_text().split()[:2])


def test_native_runs_the_command_pins_the_key_and_openssh_takes_the_same_pin(world, host, bed):
    ran = machine(world, "--native-ssh", "ssh", "bed", "--", "echo out; echo err >&2; exit 3")
    assert (ran.returncode, ran.stdout) == (3, "out\n"), ran.stderr
    assert "err" in ran.stderr and "out" not in ran.stderr, "no terminal: the streams stay apart"
    assert bed.read_text() == f"bed {host_key(host)}\n", "pinned under the machine's name, as OpenSSH pins"
    assert oct(bed.stat().st_mode & 0o777) == "0o600"
    piped = machine(world, "--native-ssh", "ssh", "bed", "cat", stdin="through stdin\n")
    assert (piped.returncode, piped.stdout) == (0, "through stdin\n"), piped.stderr
    openssh = machine(world, "ssh", "bed", "echo", "openssh")  # StrictHostKeyChecking=yes on the pin paramiko wrote
    assert (openssh.returncode, openssh.stdout) == (0, "openssh\n"), openssh.stderr


def test_without_an_ssh_program_paramiko_is_used(world, host, bed, tmp_path):
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    ran = machine(world, "ssh", "bed", "echo", "no ssh here", path=str(empty))
    assert (ran.returncode, ran.stdout) == (0, "no ssh here\n"), ran.stderr
    source = tmp_path / "up.txt"
    source.write_text("sftp\n")
    copied = machine(world, "scp", str(source), "bed:/tmp/dmtest-native-noscp.txt", path=str(empty))
    assert copied.returncode == 0, copied.stderr
    assert host.output("cat /tmp/dmtest-native-noscp.txt; rm -f /tmp/dmtest-native-noscp.txt") == "sftp\n"


def test_a_host_showing_another_key_than_the_pinned_one_is_refused(world, host, bed, tmp_path):
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(tmp_path / "other")], check=True)
    other = " ".join((tmp_path / "other.pub").read_text().split()[:2])
    bed.write_text(f"bed {other}\n")
    message = (
        f'Error: the SSH host key of machine "bed" is not the one pinned in {bed}: the machine was rebuilt, or '
        "someone is intercepting the connection; if you know it was rebuilt, delete that file and connect again "
        "to pin the new key"
    )
    for args in (["ssh", "bed", "true"], ["scp", "bed:/etc/hostname", str(tmp_path / "h")]):
        refused = machine(world, "--native-ssh", *args)
        assert (refused.returncode, refused.stderr) == (1, message + "\n"), args
    assert bed.read_text() == f"bed {other}\n", "a pin is never replaced"
    assert not (tmp_path / "h").exists()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def banner_through(port: int, deadline: float) -> bytes:
    """The first bytes read from 127.0.0.1:port, once something listens there."""
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
                return sock.recv(64)
        except ConnectionRefusedError:
            time.sleep(0.1)
    return b""


@pytest.mark.parametrize("client", [[], ["--native-ssh"]], ids=["openssh", "native"])
def test_ssh_name_then_L_forwards_a_port(world, host, bed, client):
    """docker-machine ssh NAME -L 8080:localhost:80 CMD: the option after the name is ssh's (docker-machine 0.16.2
    passed it so, and OpenSSH reads options after the destination); here to the host's own sshd (which listens on
    the host's address only)."""
    port = free_port()
    env = {**os.environ, **world.env, "HOME": str(world.root.parent)}
    session = subprocess.Popen(
        [str(SCRIPTS / "docker-machine"), *client, "ssh", "bed", "-L", f"{port}:{host.address}:22", "sleep", "8"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        assert banner_through(port, time.monotonic() + 8).startswith(b"SSH-2.0-"), session.stderr
    finally:
        session.kill()
        session.wait()


def test_native_R_forwards_a_port_of_the_machine_to_here(world, host, bed):
    server = socket.create_server(("127.0.0.1", 0))
    port = server.getsockname()[1]

    def answer() -> None:
        conn, _ = server.accept()
        with conn:
            conn.recv(64)
            conn.sendall(b"pong\n")

    threading.Thread(target=answer, daemon=True).start()
    remote = 40000 + port % 20000
    ran = machine(
        world,
        "--native-ssh",
        "ssh",
        "bed",
        "-R",
        f"{remote}:127.0.0.1:{port}",
        f"bash -c 'exec 3<>/dev/tcp/127.0.0.1/{remote}; echo ping >&3; head -1 <&3'",
    )
    server.close()
    assert (ran.returncode, ran.stdout) == (0, "pong\n"), ran.stderr


def test_native_scp_files_folders_and_machine_to_machine(world, host, bed, tmp_path):
    add_machine(world.root, "twin", ip=host.address, engine_port=2376, ssh_key=host.ssh_key, docker_context=False)
    folder = tmp_path / "tree"
    (folder / "sub").mkdir(parents=True)
    (folder / "a.txt").write_text("a\n")
    (folder / "sub" / "b.sh").write_text("echo b\n")
    (folder / "sub" / "b.sh").chmod(0o750)
    host.output("rm -rf /tmp/dmtest-native && mkdir /tmp/dmtest-native")
    refused = machine(world, "--native-ssh", "scp", str(folder), "bed:/tmp/dmtest-native/")
    assert (refused.returncode, refused.stderr) == (1, f"scp: {folder}: not a regular file\n")
    up = machine(world, "--native-ssh", "scp", "-r", str(folder), "bed:/tmp/dmtest-native/")
    assert up.returncode == 0, up.stderr
    listing = host.output("cd /tmp/dmtest-native && find . -type f | sort && stat -c %a tree/sub/b.sh")
    assert listing == "./tree/a.txt\n./tree/sub/b.sh\n750\n"
    across = machine(world, "--native-ssh", "scp", "bed:/tmp/dmtest-native/tree/a.txt", "twin:/tmp/dmtest-native/c")
    assert across.returncode == 0, across.stderr
    down = machine(world, "--native-ssh", "scp", "-r", "twin:/tmp/dmtest-native", str(tmp_path / "back"))
    assert down.returncode == 0, down.stderr
    assert (tmp_path / "back" / "c").read_text() == "a\n"
    assert (tmp_path / "back" / "tree" / "sub" / "b.sh").read_text() == "echo b\n"
    host.output("rm -rf /tmp/dmtest-native")


def test_the_clis_own_ssh_steps_take_paramiko_when_asked(world, host, bed, monkeypatch):
    """sshargs.run_ssh (generic restart's reboot): paramiko with MACHINE_NATIVE_SSH (which --native-ssh sets),
    the ssh program otherwise; both give what subprocess.run would, both on the machine's pin."""
    from pulumi_docker_machine.sshargs import run_ssh

    machine_config = world.store().load("bed")
    for value in ("1", "0"):
        monkeypatch.setenv("MACHINE_NATIVE_SSH", value)
        done = run_ssh(machine_config, ["echo", "hi;", "echo", "oops", ">&2;", "exit", "3"])
        assert (done.returncode, done.stdout, done.stderr) == (3, "hi\n", "oops\n"), value
        assert bed.read_text() == f"bed {host_key(host)}\n"


def test_native_login_shell_on_a_terminal(world, host, bed):
    """No command and a terminal: a login shell on a remote terminal, keys passed raw, its exit code back."""
    import pty

    main, sub = pty.openpty()
    env = {**os.environ, **world.env, "HOME": str(world.root.parent), "TERM": "dumb"}
    session = subprocess.Popen(
        [str(SCRIPTS / "docker-machine"), "--native-ssh", "ssh", "bed"],
        stdin=sub,
        stdout=sub,
        stderr=sub,
        env=env,
        start_new_session=True,
    )
    os.close(sub)
    seen = b""

    def read_until(marker: bytes, deadline: float) -> None:
        nonlocal seen
        while marker not in seen and time.monotonic() < deadline:
            try:
                seen += os.read(main, 4096)
            except OSError:  # the terminal closed: the session ended
                return

    try:
        read_until(b"# ", time.monotonic() + 20)  # root's prompt: the shell reads the terminal now
        os.write(main, b"tty; echo $((40+2)); exit 4\r")
        read_until(b"logout", time.monotonic() + 20)
        assert session.wait(timeout=20) == 4, seen
    finally:
        session.kill()
        os.close(main)
    assert b"/dev/pts/" in seen and b"\r\n42\r\n" in seen, seen

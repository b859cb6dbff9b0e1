"""The read-side commands: output and error texts as docker-machine 0.16, exit codes, speed rules."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from pulumi_docker_machine.cli.app import cli
from tests.conftest import add_legacy_machine, add_machine, require

NOT_FOUND = (
    'Docker machine "nope" does not exist. Use "docker-machine ls" to list machines. '
    'Use "docker-machine create" to add a new one.\n'
)


def run(*args: str, env: dict | None = None):
    return CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)


def script() -> Path:
    path = Path(sys.executable).parent / "docker-machine"
    require([] if path.exists() else ["the installed docker-machine script (pip install -e .)"], "script tests")
    return path


def run_script(world, *args: str, extra_env: dict | None = None) -> subprocess.CompletedProcess:
    env = {"PATH": os.environ["PATH"], "HOME": str(world.root.parent), **world.env, **(extra_env or {})}
    return subprocess.run([str(script()), *args], capture_output=True, text=True, env=env, timeout=60)


# ----- env ------------------------------------------------------------------------------------------------------


def expected_env(world, shell: str, port: int, name: str = "dev") -> dict[str, str]:
    cert_path = world.root / "machines" / name
    url = f"tcp://127.0.0.1:{port}"
    return {
        "bash": f'export DOCKER_TLS_VERIFY="1"\nexport DOCKER_HOST="{url}"\nexport DOCKER_CERT_PATH="{cert_path}"\n'
        f'export DOCKER_MACHINE_NAME="{name}"\n# Run this command to configure your shell: \n'
        f"# eval $(docker-machine env {name})\n",
        "fish": f'set -gx DOCKER_TLS_VERIFY "1";\nset -gx DOCKER_HOST "{url}";\nset -gx DOCKER_CERT_PATH "{cert_path}";\n'
        f'set -gx DOCKER_MACHINE_NAME "{name}";\n# Run this command to configure your shell: \n'
        f"# eval (docker-machine env --shell fish {name})\n",
        "powershell": f'$Env:DOCKER_TLS_VERIFY = "1"\n$Env:DOCKER_HOST = "{url}"\n$Env:DOCKER_CERT_PATH = "{cert_path}"\n'
        f'$Env:DOCKER_MACHINE_NAME = "{name}"\n# Run this command to configure your shell: \n'
        f"# & docker-machine env --shell powershell {name} | Invoke-Expression\n",
        "cmd": f"SET DOCKER_TLS_VERIFY=1\nSET DOCKER_HOST={url}\nSET DOCKER_CERT_PATH={cert_path}\n"
        f"SET DOCKER_MACHINE_NAME={name}\nREM Run this command to configure your shell: \n"
        f"REM \t@FOR /f \"tokens=*\" %i IN ('docker-machine env --shell cmd {name}') DO @%i\n",
        "tcsh": f'setenv DOCKER_TLS_VERIFY "1";\nsetenv DOCKER_HOST "{url}";\nsetenv DOCKER_CERT_PATH "{cert_path}";\n'
        f'setenv DOCKER_MACHINE_NAME "{name}";\n: Run this command to configure your shell: \n'
        f": eval `docker-machine env --shell tcsh {name}`\n",
        "emacs": f'(setenv "DOCKER_TLS_VERIFY" "1")\n(setenv "DOCKER_HOST" "{url}")\n'
        f'(setenv "DOCKER_CERT_PATH" "{cert_path}")\n(setenv "DOCKER_MACHINE_NAME" "{name}")\n'
        f";; Run this command to configure your shell: \n"
        f';; (with-temp-buffer (shell-command "docker-machine env --shell emacs {name}" (current-buffer)) '
        f"(eval-buffer))\n",
    }[shell]


@pytest.mark.parametrize("shell", ["bash", "fish", "powershell", "cmd", "tcsh", "emacs"])
def test_env_for_every_shell(world, engine, shell):
    args = ["env", "dev"] if shell == "bash" else ["env", "--shell", shell, "dev"]
    result = run(*args)
    assert result.exit_code == 0, result.output
    assert result.output == expected_env(world, shell, engine.port)


@pytest.mark.parametrize(
    ("login_shell", "syntax"), [("/usr/bin/fish", "set -gx "), ("/bin/zsh", "export "), ("/usr/bin/nushell", "export ")]
)
def test_env_shell_comes_from_SHELL(world, engine, login_shell, syntax):
    result = run("env", "dev", env={"SHELL": login_shell})
    assert result.output.startswith(f"{syntax}DOCKER_TLS_VERIFY")


@pytest.mark.parametrize(
    ("shell", "expected"),
    [
        (
            "bash",
            "unset DOCKER_TLS_VERIFY\nunset DOCKER_HOST\nunset DOCKER_CERT_PATH\nunset DOCKER_MACHINE_NAME\n"
            "# Run this command to configure your shell: \n# eval $(docker-machine env -u)\n",
        ),
        (
            "fish",
            "set -e DOCKER_TLS_VERIFY;\nset -e DOCKER_HOST;\nset -e DOCKER_CERT_PATH;\nset -e DOCKER_MACHINE_NAME;\n"
            "# Run this command to configure your shell: \n# eval (docker-machine env --shell fish -u)\n",
        ),
        (
            "powershell",
            "Remove-Item Env:\\\\DOCKER_TLS_VERIFY\nRemove-Item Env:\\\\DOCKER_HOST\n"
            "Remove-Item Env:\\\\DOCKER_CERT_PATH\nRemove-Item Env:\\\\DOCKER_MACHINE_NAME\n"
            "# Run this command to configure your shell: \n"
            "# & docker-machine env --shell powershell -u | Invoke-Expression\n",
        ),
        (
            "cmd",
            "SET DOCKER_TLS_VERIFY=\nSET DOCKER_HOST=\nSET DOCKER_CERT_PATH=\nSET DOCKER_MACHINE_NAME=\n"
            "REM Run this command to configure your shell: \n"
            "REM \t@FOR /f \"tokens=*\" %i IN ('docker-machine env --shell cmd -u') DO @%i\n",
        ),
        (
            "tcsh",
            "unsetenv DOCKER_TLS_VERIFY;\nunsetenv DOCKER_HOST;\nunsetenv DOCKER_CERT_PATH;\n"
            "unsetenv DOCKER_MACHINE_NAME;\n: Run this command to configure your shell: \n"
            ": eval `docker-machine env --shell tcsh -u`\n",
        ),
        (
            "emacs",
            '(setenv "DOCKER_TLS_VERIFY" nil)\n(setenv "DOCKER_HOST" nil)\n(setenv "DOCKER_CERT_PATH" nil)\n'
            '(setenv "DOCKER_MACHINE_NAME" nil)\n;; Run this command to configure your shell: \n'
            ';; (with-temp-buffer (shell-command "docker-machine env --shell emacs -u" (current-buffer)) '
            "(eval-buffer))\n",
        ),
    ],
)
def test_env_unset(world, shell, expected):
    args = ["env", "-u"] if shell == "bash" else ["env", "--shell", shell, "-u"]
    result = run(*args)
    assert result.exit_code == 0
    assert result.output == expected


def test_env_unset_refuses_a_name(world):
    result = run("env", "-u", "dev")
    assert (result.exit_code, result.output) == (1, "Error: Expected no machine name when the -u flag is present\n")


@pytest.mark.parametrize(
    ("existing", "variable", "value"),
    [
        ({}, "NO_PROXY", "127.0.0.1"),
        ({"NO_PROXY": "example.com"}, "NO_PROXY", "example.com,127.0.0.1"),
        ({"no_proxy": "a,b"}, "no_proxy", "a,b,127.0.0.1"),
        ({"NO_PROXY": "x,127.0.0.1"}, "NO_PROXY", "x,127.0.0.1"),
        ({"no_proxy": "localhost", "NO_PROXY": "other"}, "no_proxy", "localhost,127.0.0.1"),
        ({"no_proxy": "", "NO_PROXY": "other"}, "NO_PROXY", "other,127.0.0.1"),
    ],
)
def test_env_no_proxy_adds_the_ip_once(world, engine, existing, variable, value):
    result = run("env", "--no-proxy", "dev", env=existing)
    lines = result.output.splitlines()
    assert lines[4] == f'export {variable}="{value}"'
    assert lines[-1] == "# eval $(docker-machine env --no-proxy dev)"


def test_env_without_a_name_uses_default(world, engine):
    add_machine(world.root, "default", ip="127.0.0.1", engine_port=engine.port)
    assert run("env").exit_code == 1, "the default machine's certificates are not the engine's: TLS refuses them"
    world.store().remove("default")
    missing = run("env")
    assert missing.output == 'Error: No machine name(s) specified and no "default" machine exists\n'


def test_env_on_a_stopped_machine(world, engine):
    host = world.store().load("dev")
    host.data["Pulumi"]["State"] = "Stopped"
    world.store().save(host)
    result = run("env", "dev")
    assert (result.exit_code, result.output) == (1, "Error checking TLS connection: Host is not running\n")
    result = run("config", "dev")
    assert (result.exit_code, result.output) == (1, "Error running connection boilerplate: Host is not running\n")
    assert (run("url", "dev").exit_code, run("url", "dev").output) == (1, "Host is not running\n")


def test_env_reports_a_certificate_that_does_not_fit(world, engine):
    host = world.store().load("dev")
    from pulumi_docker_machine.components.cert import create_ca, issue_client_certificate

    other = create_ca("mallory")
    rogue = issue_client_certificate(other, "mallory.client")
    (host.machine_dir / "cert.pem").write_text(rogue.cert_pem)
    (host.machine_dir / "key.pem").write_text(rogue.key_pem)
    result = run("env", "dev")
    assert result.exit_code == 1
    assert result.output.startswith(
        "Error checking TLS connection: Error checking and/or regenerating the certs: "
        f'There was an error validating certificates for host "127.0.0.1:{engine.port}": '
    )
    assert "certificate is not signed by the machine's CA" in result.output
    assert "docker-machine regenerate-certs dev" in result.output


# ----- config, url, ip, status, inspect, active, version ----------------------------------------------------------


def test_config(world, engine):
    folder = world.root / "machines" / "dev"
    result = run("config", "dev")
    assert result.exit_code == 0
    assert result.output == (
        f'--tlsverify\n--tlscacert="{folder}/ca.pem"\n--tlscert="{folder}/cert.pem"\n'
        f'--tlskey="{folder}/key.pem"\n-H=tcp://127.0.0.1:{engine.port}\n'
    )


def test_one_name_only(world, engine):
    for command in ("config", "url", "status", "inspect"):
        result = run(command, "dev", "other")
        assert (result.exit_code, result.output) == (1, "Error: Expected one machine name as an argument\n"), command


def test_missing_certificates_are_named(world, engine):
    (world.root / "machines" / "dev" / "key.pem").unlink()
    assert run("status", "dev").output == "Running\n", "status is the machine's state (0.16.2's GetState), no TLS"
    row = run("ls").output.splitlines()[1]
    assert "cannot read the machine's certificates: No such file or directory" in row and "key.pem" in row


def closed_port(address: str) -> int:
    """A port on ``address`` that nothing listens on: bound here (so it was free), then closed."""
    with socket.socket() as sock:
        sock.bind((address, 0))
        return sock.getsockname()[1]


def address_with_closed(port: int) -> str:
    """A loopback address whose ``port`` nothing listens on (binding it succeeds, wildcard listeners included)."""
    for last in range(2, 255):
        address = f"127.0.0.{last}"
        with socket.socket() as sock:
            try:
                sock.bind((address, port))
            except OSError:
                continue
            return address
    raise AssertionError(f"every 127.0.0.x:{port} is taken on this machine")


def add_stopped_legacy_machine(root: Path) -> tuple[str, int]:
    """docker-machine 0.16's VirtualBox machine, its engine (IP:2376) and SSH forward (127.0.0.1:SSHPort) closed."""
    folder = add_legacy_machine(root)
    config = json.loads((folder / "config.json").read_text())
    address, ssh_port = address_with_closed(2376), closed_port("127.0.0.1")
    config["Driver"].update(IPAddress=address, SSHPort=ssh_port)
    (folder / "config.json").write_text(json.dumps(config, indent=4))
    return address, ssh_port


def test_url_ip_status(world, engine):
    legacy_ip, legacy_ssh_port = add_stopped_legacy_machine(world.root)
    assert run("url", "dev").output == f"tcp://127.0.0.1:{engine.port}\n"
    assert run("ip", "dev", "legacy").output == f"127.0.0.1\n{legacy_ip}\n"
    assert run("status", "dev").output == "Running\n"
    assert run("status", "legacy").output == "Stopped\n", "nothing answers on its engine port nor on its SSH port"
    with socket.create_server(("127.0.0.1", legacy_ssh_port)):  # its SSH answers, its engine does not
        assert run("status", "legacy").output == "Running\n", "the machine runs (0.16.2: its driver's GetState)"
        assert run("ls", "--format", "{{.State}}", "--filter", "name=legacy").output == "Error\n", "ls asks Docker"


def test_unknown_machine(world):
    for command in ("env", "config", "url", "ip", "status", "inspect", "ssh"):
        result = run(command, "nope")
        assert (result.exit_code, result.output) == (1, NOT_FOUND), command


def test_invalid_name(world):
    result = run("ip", "bad_name")
    assert (result.exit_code, result.output) == (
        1,
        "Invalid hostname specified. Allowed hostname chars are: 0-9a-zA-Z . -\n",
    )


def test_inspect(world, engine):
    whole = json.loads(run("inspect", "dev").output)
    assert whole["Name"] == "dev" and whole["Driver"]["IPAddress"] == "127.0.0.1"
    assert run("inspect", "dev").output.startswith('{\n    "ConfigVersion": 3')
    assert run("inspect", "-f", "{{.DriverName}}", "dev").output == "generic\n"
    assert run("inspect", "--format", "{{ .Driver.IPAddress }}", "dev").output == "127.0.0.1\n"
    assert json.loads(run("inspect", "-f", "{{json .HostOptions}}", "dev").output)["EngineOptions"]["Labels"] == [
        "env=test"
    ]
    pretty = run("inspect", "-f", "{{prettyjson .Driver}}", "dev").output
    assert pretty.startswith('{\n    "IPAddress": "127.0.0.1"')
    assert run("inspect", "-f", "{{.HostOptions.EngineOptions.Labels}}", "dev").output == "[env=test]\n"


@pytest.mark.parametrize("template", ["{{range .Driver}}x{{end}}", "{{.Name.Nope}}", "{{index .Driver 1}}", "{{.Name"])
def test_inspect_refuses_templates_it_does_not_support(world, engine, template):
    result = run("inspect", "-f", template, "dev")
    assert result.exit_code == 1
    assert result.output.startswith("Error: ")
    assert len(result.output.splitlines()) == 1


def test_active(world, engine):
    assert (run("active").exit_code, run("active").output) == (1, "No active host found\n")
    result = run("active", env={"DOCKER_HOST": f"tcp://127.0.0.1:{engine.port}"})
    assert result.output == "dev\n"
    host = world.store().load("dev")
    host.data["Pulumi"]["State"] = "Stopped"
    world.store().save(host)
    stopped = run("active", env={"DOCKER_HOST": f"tcp://127.0.0.1:{engine.port}"})
    assert stopped.output == "No active host found\n", "a stopped machine is not active, as in docker-machine"
    row = run("ls", env={"DOCKER_HOST": f"tcp://127.0.0.1:{engine.port}"}).output.splitlines()[1]
    assert row.split()[:2] == ["dev", "-"]


def test_version(world, engine):
    assert run("version").output.startswith("docker-machine version ")
    assert run("version", "dev").output == "24.0.7\n"


# ----- ls ---------------------------------------------------------------------------------------------------------


def test_ls(world, engine):
    add_stopped_legacy_machine(world.root)
    add_machine(
        world.root,
        "node10",
        ip="127.0.0.4",
        engine_port=engine.port,
        driver="digitalocean",
        pulumi_extra={"State": "Stopped"},
    )
    add_machine(
        world.root,
        "node9",
        ip="127.0.0.3",
        engine_port=closed_port("127.0.0.3"),
        driver="amazonec2",
        ssh_port=closed_port("127.0.0.3"),
    )
    result = run("ls", env={"DOCKER_HOST": f"tcp://127.0.0.1:{engine.port}"})
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert lines[0].split() == ["NAME", "ACTIVE", "DRIVER", "STATE", "URL", "SWARM", "DOCKER", "ERRORS"]
    assert lines[0].startswith("NAME     ACTIVE   DRIVER         STATE     URL")
    rows = {line.split()[0]: line for line in lines[1:]}
    assert [line.split()[0] for line in lines[1:]] == ["dev", "legacy", "node9", "node10"], "natural order"
    assert run("ls", "-q").output.split() == ["dev", "legacy", "node10", "node9"], "-q: the store's byte order"
    assert rows["dev"].split() == ["dev", "*", "generic", "Running", f"tcp://127.0.0.1:{engine.port}", "v24.0.7"]
    assert rows["legacy"].split() == ["legacy", "-", "virtualbox", "Stopped", "Unknown"]
    assert rows["node10"].split() == ["node10", "-", "digitalocean", "Stopped", "Unknown"], "stopped by us: no probe"
    assert rows["node9"].split() == ["node9", "-", "amazonec2", "Stopped", "Unknown"]
    assert lines[1].index("generic") == lines[0].index("DRIVER"), "columns line up"


def test_ls_quiet_filter_and_format(world, engine):
    add_stopped_legacy_machine(world.root)
    add_machine(
        world.root, "web1", ip="127.0.0.1", engine_port=engine.port, driver="digitalocean", labels=("role=web",)
    )
    assert run("ls", "-q").output == "dev\nlegacy\nweb1\n"
    assert run("ls", "-q", "--filter", "driver=virtualbox").output == "legacy\n"
    assert run("ls", "-q", "--filter", "driver=virtualbox", "--filter", "driver=generic").output == "dev\nlegacy\n"
    assert run("ls", "-q", "--filter", "name=^web").output == "web1\n"
    assert run("ls", "-q", "--filter", "state=running").output == "dev\n", "web1's server cert is not the engine's"
    assert run("ls", "-q", "--filter", "state=stopped", "--filter", "driver=virtualbox").output == "legacy\n"
    assert run("ls", "-q", "--filter", "label=role=web").output == "web1\n"
    assert run("ls", "-q", "--filter", "swarm=anything").output == ""
    regex = run("ls", "--filter", "name=[")
    assert regex.exit_code == 1 and regex.output.startswith("Error: invalid name filter '[': ")
    bad = run("ls", "--filter", "color=red")
    assert (bad.exit_code, bad.output) == (1, "Unsupported filter key 'color'\n")
    assert run("ls", "-f", "{{.Name}} {{.DriverName}}").output == "dev generic\nlegacy virtualbox\nweb1 digitalocean\n"
    table = run("ls", "--format", "table {{.Name}}\\t{{.State}}", "--filter", "name=dev").output
    assert table == "NAME   STATE\ndev    Running\n"


def test_ls_shows_certificate_problems_in_errors(world, engine):
    host = world.store().load("dev")
    from pulumi_docker_machine.components.cert import create_ca, issue_server_certificate

    # The machine's copy of the server certificate names another address: the IP changed.
    server = issue_server_certificate(create_ca("x"), "x.dev", ["203.0.113.9"])
    (host.machine_dir / "server.pem").write_text(server.cert_pem)
    (host.machine_dir / "ca.pem").write_text(create_ca("y").cert_pem)
    row = run("ls").output.splitlines()[1]
    assert row.split()[:4] == ["dev", "-", "generic", "Error"]
    assert "Unable to query docker version:" in row


# ----- through the installed script; no Pulumi imported --------------------------------------------------------------


def test_installed_script_exit_codes(world, engine):
    assert run_script(world, "ls", "-q").stdout == "dev\n"
    missing = run_script(world, "env", "nope")
    assert (missing.returncode, missing.stderr) == (1, NOT_FOUND)
    usage = run_script(world, "ls", "--bogus")
    assert usage.returncode == 1 and "No such option" in usage.stderr and "--bogus" in usage.stderr
    assert run_script(world, "env", "dev").stdout == expected_env(world, "bash", engine.port)
    assert run_script(world, "--help").returncode == 0
    for command in (
        "active",
        "config",
        "env",
        "inspect",
        "ip",
        "ls",
        "mount",
        "scp",
        "ssh",
        "status",
        "url",
        "version",
    ):
        helped = run_script(world, command, "--help")
        assert helped.returncode == 0 and helped.stdout.startswith(f"Usage: docker-machine {command}"), command


def test_shell_completion_is_offered(world):
    result = run_script(world, extra_env={"_DOCKER_MACHINE_COMPLETE": "bash_source"})
    assert result.returncode == 0 and "_docker_machine_completion" in result.stdout


@pytest.mark.parametrize(
    "args",
    [
        ["ls"],
        ["env", "dev"],
        ["config", "dev"],
        ["ip", "dev"],
        ["url", "dev"],
        ["inspect", "dev"],
        ["status", "dev"],
        ["active"],
        ["version", "dev"],
    ],
)
def test_read_commands_import_no_pulumi(world, engine, args):
    code = (
        "import sys\nfrom pulumi_docker_machine.cli.app import main\n"
        f"try:\n    main({args!r})\nexcept SystemExit:\n    pass\n"
        "heavy = sorted({m.split('.')[0] for m in sys.modules} & "
        "{'pulumi', 'pulumi_aws', 'pulumi_digitalocean', 'pulumi_command', 'grpc', 'dill'})\n"
        "print('HEAVY=' + ','.join(heavy), file=sys.stderr)\n"
    )
    env = {**os.environ, **world.env}
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=60)
    assert "HEAVY=\n" in result.stderr, result.stderr


def test_mount_without_sshfs_says_so(world, engine, tmp_path):
    result = run("mount", "dev:/srv", str(tmp_path / "srv"), env={"PATH": str(tmp_path)})
    assert (result.exit_code, result.output) == (
        1,
        "Error: You must have a copy of the sshfs binary locally to use the mount feature\n",
    )


def test_ssh_builds_docker_machines_arguments(world, engine, tmp_path, monkeypatch):
    from pulumi_docker_machine.sshargs import ssh_command

    host = world.store().load("dev")
    host.driver["SSHKeyPath"] = "/keys/id"
    known_hosts = world.root / "machines" / "dev" / "known_hosts"
    assert ssh_command(host, ["ls", "/"]) == [
        "ssh",
        "-F",
        "/dev/null",
        "-o",
        "ConnectionAttempts=3",
        "-o",
        "ConnectTimeout=10",
        "-o",
        "ControlMaster=no",
        "-o",
        "ControlPath=none",
        "-o",
        "LogLevel=quiet",
        "-o",
        "PasswordAuthentication=no",
        "-o",
        "ServerAliveInterval=60",
        # The machine's pinned host key (pulumi_docker_machine/knownhosts.py) where docker-machine checked none.
        "-o",
        "HostKeyAlias=dev",
        "-o",
        f'UserKnownHostsFile="{known_hosts}"',
        "-o",
        "GlobalKnownHostsFile=/dev/null",
        "-o",
        "StrictHostKeyChecking=accept-new",
        "-o",
        "UpdateHostKeys=no",
        "-o",
        "CheckHostIP=no",
        "-o",
        "IdentitiesOnly=yes",
        "-i",
        "/keys/id",
        # The store's address is an option's value; the destination is the machine's name (#22).
        "-o",
        "HostName=127.0.0.1",
        "-p",
        "22",
        "-l",
        "root",
        "dev",
        "--",
        "ls",
        "/",
    ]


# ----- the probe's HTTP reading (no http.client: its imports cost start-up) ---------------------------------------


class Replies:
    def __init__(self, *chunks: bytes) -> None:
        self.chunks = list(chunks)

    def recv(self, _size: int) -> bytes:
        return self.chunks.pop(0) if self.chunks else b""


@pytest.mark.parametrize(
    "chunks, expected",
    [
        (
            [b"HTTP/1.1 200 OK\r\nContent-Length: 17\r\n\r\n", b'{"Version":"2"}\r\nextra'],
            (200, "OK", b'{"Version":"2"}\r\n'),
        ),
        (
            [b'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n{"Ver\r\n', b'a\r\nsion":"3"}\r\n0\r\n\r\n'],
            (200, "OK", b'{"Version":"3"}'),
        ),
        ([b"HTTP/1.0 404 Not Found\r\n\r\nnope"], (404, "Not Found", b"nope")),
    ],
)
def test_probe_reads_plain_and_chunked_answers(chunks, expected):
    from pulumi_docker_machine.cli.probe import read_response

    assert read_response(Replies(*chunks)) == expected


@pytest.mark.parametrize(
    "chunks",
    [
        [b"SSH-2.0-OpenSSH_9.2\r\n"],
        [b""],
        [b"HTTP/1.1 abc\r\n\r\n"],
        [b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"],
    ],
)
def test_probe_refuses_what_is_not_http(chunks):
    from pulumi_docker_machine.cli.probe import EngineError, read_response

    with pytest.raises(EngineError, match="Unable to query docker version"):
        read_response(Replies(*chunks))

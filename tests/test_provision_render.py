import json
import shlex
import subprocess
from pathlib import Path

import pytest

from pulumi_docker_machine.components.cert import create_ca, issue_server_certificate
from pulumi_docker_machine.components.engine import EngineOptions
from pulumi_docker_machine.components.provision import (
    ENGINE_ENV_PATH,
    certificate_bundle,
    daemon_config,
    engine_environment,
    provisioning,
    remote_command,
    render_script,
)
from pulumi_docker_machine.components.provision.render import body, launcher, systemd_dropin

OS_RELEASES = Path(__file__).parent / "fixtures" / "os-release"
WEIRD = EngineOptions(
    labels=["role=web", 'quote=\'"x"'],
    registry_mirrors=["https://mirror.example.com"],
    insecure_registries=["10.0.0.5:5000"],
    opts=["log-level=debug", "debug", "default-ulimit=nofile=1024:2048", "dns-search=a b"],
    env=["HTTP_PROXY=http://proxy:3128", "ODD=a\"b%c$d 'e' \\f"],
)
# --engine-env values are secrets (proxy passwords): they must appear in no command line.
SECRET = "pr0xy-S3cret"
SECRET_ENV = [
    "HTTPS_PROXY=http://user:" + SECRET + "@proxy:3128",
    "PLAIN=" + SECRET + "2",
    "ODD=" + SECRET + "3\"`$(id)`\\n%h $HOME 'q'",
]


@pytest.mark.parametrize(
    "engine",
    [EngineOptions(), WEIRD, EngineOptions(install_url="none", storage_driver="")],
    ids=["default", "weird", "none"],
)
@pytest.mark.parametrize("user", ["root", "ubuntu"])
def test_rendered_script_passes_shellcheck(engine, user, shellcheck, tmp_path):
    script = tmp_path / "provision.sh"
    script.write_text(render_script(engine, "digitalocean", hostname="dev", ssh_user=user))
    result = subprocess.run([shellcheck, "-s", "sh", str(script)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout


@pytest.mark.parametrize("shell", ["sh", "bash"])
def test_rendered_command_parses_in_posix_shells(shell):
    command = remote_command(render_script(WEIRD, "generic"), "root")
    # the login shell unwraps `sh -c '<script>'`; the script itself must parse too
    script = shlex.split(command)[2]
    assert subprocess.run([shell, "-n", "-c", script]).returncode == 0


def test_daemon_json_listens_on_socket_and_tls_port():
    config = daemon_config(WEIRD, "amazonec2")
    assert config["hosts"] == ["unix:///var/run/docker.sock", "tcp://0.0.0.0:2376"]
    assert config["tls"] is True and config["tlsverify"] is True
    assert (config["tlscacert"], config["tlscert"], config["tlskey"]) == (
        "/etc/docker/ca.pem",
        "/etc/docker/server.pem",
        "/etc/docker/server-key.pem",
    )
    assert config["labels"] == ["provider=amazonec2", "role=web", 'quote=\'"x"']
    assert config["registry-mirrors"] == ["https://mirror.example.com"]
    assert config["insecure-registries"] == ["10.0.0.5:5000"]
    assert config["storage-driver"] == "overlay2"
    assert "storage-driver" not in daemon_config(EngineOptions(storage_driver=""), "generic")
    assert daemon_config(EngineOptions(port=12376), "generic")["hosts"][1] == "tcp://0.0.0.0:12376"


def test_daemon_json_in_the_script_is_the_rendered_config():
    script = render_script(WEIRD, "generic")
    start = script.index("daemon_json() {\n    cat <<'DOCKER_MACHINE_EOF'\n") + len(
        "daemon_json() {\n    cat <<'DOCKER_MACHINE_EOF'\n"
    )
    end = script.index("\nDOCKER_MACHINE_EOF", start)
    assert json.loads(script[start:end]) == daemon_config(WEIRD, "generic")


def test_systemd_dropin_clears_exec_start_and_escapes_values():
    dropin = systemd_dropin(WEIRD).splitlines()
    assert dropin == [
        "[Service]",
        "EnvironmentFile=/etc/docker/docker-machine.env",
        "ExecStart=",
        'ExecStart=@DOCKERD@ --config-file=/etc/docker/daemon.json "--log-level=debug" "--debug" '
        '"--default-ulimit=nofile=1024:2048" "--dns-search=a b"',
    ], "no Environment= line: no value here"


def test_launcher_passes_flags_and_env_exactly(tmp_path):
    fake = tmp_path / "dockerd"
    fake.write_text('#!/bin/sh\nprintf "%s\\n" "$@"\nprintf "ODD=%s\\n" "$ODD"\n')
    fake.chmod(0o755)
    env_file = tmp_path / "docker-machine.env"
    env_file.write_text(env_file_of(WEIRD))
    script = tmp_path / "launch.sh"
    script.write_text(launcher(WEIRD).replace("@DOCKERD@", str(fake)).replace(ENGINE_ENV_PATH, str(env_file)))
    assert "ODD" not in launcher(WEIRD), "the launcher holds no value"
    out = subprocess.run(["sh", str(script)], capture_output=True, text=True, check=True).stdout.splitlines()
    assert out == [
        "--config-file=/etc/docker/daemon.json",
        "--log-level=debug",
        "--debug",
        "--default-ulimit=nofile=1024:2048",
        "--dns-search=a b",
        "ODD=a\"b%c$d 'e' \\f",
    ]


def test_certificates_travel_on_stdin_never_in_the_command():
    ca = create_ca("x")
    server = issue_server_certificate(ca, "x.dev", ["192.0.2.4"])
    plan = provisioning(
        EngineOptions(),
        "generic",
        ca_pem=ca.cert_pem,
        server_cert_pem=server.cert_pem,
        server_key_pem=server.key_pem,
        ssh_user="ubuntu",
    )
    assert server.key_pem.strip() not in plan.command
    assert "PRIVATE KEY-----\n" not in plan.command
    assert plan.stdin == certificate_bundle(ca.cert_pem, server.cert_pem, server.key_pem) + engine_environment(
        EngineOptions()
    )
    assert plan.stdin.count("-----BEGIN ") == 4
    assert (
        plan.stdin.index(ca.cert_pem.strip())
        < plan.stdin.index(server.cert_pem.strip())
        < plan.stdin.index(server.key_pem.strip())
    )


def test_root_runs_sh_directly_and_others_use_passwordless_sudo():
    script = render_script(EngineOptions(), "generic")
    assert remote_command(script, "root") == f"sh -c {shlex.quote(script)}"
    assert remote_command(script, "ubuntu") == f"sudo -n sh -c {shlex.quote(script)}"


def test_settings_are_shell_quoted():
    script = render_script(EngineOptions(install_url="https://example.com/install?x=1&y='2'"), "generic")
    assert "ENGINE_INSTALL_URL='https://example.com/install?x=1&y='\"'\"'2'\"'\"''" in script


@pytest.mark.parametrize("hostname", ["bad name", "-dash", "under_score"])
def test_bad_hostname_is_refused(hostname):
    with pytest.raises(ValueError, match=r"allowed hostname chars are 0-9a-zA-Z \. -"):
        render_script(EngineOptions(), "generic", hostname=hostname)


def run_body(snippet: str, env: dict | None = None, stdin: str | None = None, cwd=None) -> subprocess.CompletedProcess:
    """Run provision.sh's functions (not main) with a snippet in plain sh."""
    return subprocess.run(
        ["/bin/sh", "-c", body() + "\n" + snippet], capture_output=True, text=True, env=env, input=stdin, cwd=cwd
    )


@pytest.mark.parametrize(
    ("release", "family", "os_id"),
    [
        ("ubuntu-24.04", "debian", "ubuntu"),
        ("debian-12", "debian", "debian"),
        ("linuxmint-22", "debian", "linuxmint"),
        ("centos-stream-9", "rhel", "centos"),
        ("rhel-9", "rhel", "rhel"),
        ("rocky-9", "rhel", "rocky"),
        ("almalinux-9", "rhel", "almalinux"),
        ("fedora-40", "fedora", "fedora"),
        ("amzn-2023", "amzn", "amzn"),
        ("amzn-2", "amzn", "amzn"),
    ],
)
def test_os_detection(release, family, os_id):
    result = run_body(f'detect_os {OS_RELEASES / release}; printf "%s|%s|%s" "$OS_FAMILY" "$OS_ID" "$OS_NAME"')
    assert result.returncode == 0, result.stderr
    got_family, got_id, name = result.stdout.split("|")
    assert (got_family, got_id) == (family, os_id)
    assert name  # the PRETTY_NAME shown in "Provisioning with ..."


def test_unknown_os_fails_with_a_clear_message():
    result = run_body(f"detect_os {OS_RELEASES / 'arch'}; require_known_os; echo unreachable")
    assert result.returncode == 1
    assert "unreachable" not in result.stdout
    assert result.stderr.startswith("Error: Error detecting OS: OS type not recognized (ID=arch)")
    assert "--engine-install-url none" in result.stderr


@pytest.mark.parametrize(("release", "package"), [("amzn-2023", True), ("rocky-9", True), ("ubuntu-24.04", False)])
def test_get_docker_com_is_bypassed_where_it_refuses_the_distribution(release, package):
    result = run_body(f"detect_os {OS_RELEASES / release}; prefers_package && echo package || echo script")
    assert result.stdout.strip() == ("package" if package else "script")


def test_missing_engine_with_install_url_none_fails_clearly(tmp_path):
    result = run_body("ENGINE_INSTALL_URL=none; install_engine", env={"PATH": str(tmp_path)})
    assert result.returncode == 1
    assert "Docker is not installed on this host and --engine-install-url is none" in result.stderr


def test_reinstall_runs_the_installer_over_an_installed_engine(tmp_path):
    fake = tmp_path / "dockerd"
    fake.write_text("#!/bin/sh\necho 'Docker version 1.0'\n")
    fake.chmod(0o755)
    snippet = "ENGINE_REINSTALL=yes; ENGINE_INSTALL_URL=none; install_engine"
    result = run_body(snippet, env={"PATH": f"{tmp_path}:/usr/bin:/bin"})
    assert result.returncode == 1
    assert "cannot upgrade Docker with --engine-install-url none" in result.stderr
    kept = run_body(
        "ENGINE_REINSTALL=no; ENGINE_INSTALL_URL=none; install_engine", env={"PATH": f"{tmp_path}:/usr/bin:/bin"}
    )
    assert kept.returncode == 0 and "not reinstalling" in kept.stdout
    assert "ENGINE_REINSTALL=yes" in render_script(EngineOptions(), "generic", reinstall=True)


# ----- --engine-env: on standard input only ----------------------------------------------------------------------


def env_file_of(engine: EngineOptions) -> str:
    block = engine_environment(engine).splitlines()
    assert (
        block[0] == "-----BEGIN DOCKER-MACHINE ENGINE ENV-----"
        and block[-1] == "-----END DOCKER-MACHINE ENGINE ENV-----"
    )
    return "".join(line + "\n" for line in block[1:-1])


def test_engine_env_values_are_in_no_command_line_only_on_stdin():
    engine = EngineOptions(env=SECRET_ENV)
    ca = create_ca("x")
    server = issue_server_certificate(ca, "x.dev", ["192.0.2.4"])
    for user in ("root", "ubuntu"):
        plan = provisioning(
            engine,
            "generic",
            ca_pem=ca.cert_pem,
            server_cert_pem=server.cert_pem,
            server_key_pem=server.key_pem,
            ssh_user=user,
        )
        assert SECRET not in plan.command, "an --engine-env value in the remote command line (ps shows it)"
        assert plan.stdin.count(SECRET) == 3
        assert plan.stdin.index(server.key_pem.strip()) < plan.stdin.index(SECRET)
    assert SECRET not in render_script(engine, "generic") and SECRET not in systemd_dropin(engine)
    assert SECRET not in launcher(engine)


def install_from_stdin(tmp_path, stdin: str) -> subprocess.CompletedProcess:
    """provision.sh's install_certificates run for real, with /etc/docker moved into tmp_path."""
    docker_dir = tmp_path / "etc-docker"
    return run_body(
        f"DOCKER_DIR={docker_dir}; ENGINE_ENV=$DOCKER_DIR/docker-machine.env; "
        'read_certificate_bundle; install_certificates; echo "CHANGED=$CHANGED"',
        stdin=stdin,
        cwd=tmp_path,
    )


def test_the_script_writes_the_environment_to_a_private_file_that_sh_reads_back_exactly(tmp_path):
    engine = EngineOptions(env=SECRET_ENV + ["EMPTY="])
    ca = create_ca("x")
    server = issue_server_certificate(ca, "x.dev", ["192.0.2.4"])
    stdin = provisioning(
        engine, "generic", ca_pem=ca.cert_pem, server_cert_pem=server.cert_pem, server_key_pem=server.key_pem
    ).stdin
    result = install_from_stdin(tmp_path, stdin)
    assert result.returncode == 0, result.stderr
    env_file = tmp_path / "etc-docker" / "docker-machine.env"
    assert oct(env_file.stat().st_mode & 0o777) == "0o600"
    assert env_file.read_text() == env_file_of(engine)
    assert not (tmp_path / "marker").exists()
    read = subprocess.run(
        ["sh", "-c", f"set -a; . {env_file}; set +a; exec env -0"],
        capture_output=True,
        env={"PATH": "/usr/bin:/bin"},
        cwd=tmp_path,
    )
    environ = dict(item.split("=", 1) for item in read.stdout.decode().split("\0") if "=" in item)
    for name, value in engine.env_pairs():
        assert environ[name] == value, name
    assert (tmp_path / "etc-docker" / "ca.pem").read_text().strip() == ca.cert_pem.strip()

    again = install_from_stdin(tmp_path, stdin)
    assert again.stdout.strip().endswith("CHANGED=no"), "the same environment again changes nothing"
    cleared = install_from_stdin(tmp_path, certificate_bundle(ca.cert_pem, server.cert_pem, server.key_pem))
    assert cleared.returncode == 0 and cleared.stdout.strip().endswith("CHANGED=yes")
    assert env_file.read_text() == "", "no environment block: the old values are gone"


@pytest.mark.parametrize(
    "block",
    [
        'A="$(touch marker)"\n',  # unescaped: would run when sourced
        'A="x"; touch marker\n',
        "touch marker\n",
        "A=plain\n",
        'A="x"\n-----END DOCKER-MACHINE ENGINE ENV-----\nB="y"\n',  # something after the block
        'A="x"\n',  # no end marker (cut below)
    ],
)
def test_an_environment_block_that_is_not_name_quoted_value_is_refused_and_nothing_written(tmp_path, block):
    ca = create_ca("x")
    server = issue_server_certificate(ca, "x.dev", ["192.0.2.4"])
    end = "" if block == 'A="x"\n' else "-----END DOCKER-MACHINE ENGINE ENV-----\n"
    stdin = (
        certificate_bundle(ca.cert_pem, server.cert_pem, server.key_pem)
        + "-----BEGIN DOCKER-MACHINE ENGINE ENV-----\n"
        + block
        + end
    )
    result = install_from_stdin(tmp_path, stdin)
    assert result.returncode == 1
    assert "then the engine's environment" in result.stderr
    assert list((tmp_path / "etc-docker").iterdir()) == [], "nothing written"
    assert not (tmp_path / "marker").exists()


def test_what_the_script_prints_is_plain_ascii_whatever_the_daemons_log_holds(tmp_path):
    # pulumi-command v1.2.1 cannot return output that is not UTF-8 (gRPC refuses to marshal it): the step
    # would fail after the work was done. The script runs in the C locale and masks the log it quotes.
    log = tmp_path / "docker.log"
    log.write_bytes(b'level=fatal msg="bad \xff\xfe bytes" caf\xc3\xa9\tok\n')
    snippet = f"DAEMON_LOG={log}; uses_systemd() {{ return 1; }}; printf 'LC_ALL=%s\\n' \"$LC_ALL\"; daemon_log_tail"
    out = subprocess.run(["/bin/sh", "-c", body() + "\n" + snippet], capture_output=True).stdout
    assert out == b'LC_ALL=C\nlevel=fatal msg="bad ?? bytes" caf??\tok\n'

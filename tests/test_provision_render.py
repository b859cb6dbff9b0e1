import json
import shlex
import subprocess
from pathlib import Path

import pytest

from components.cert import create_ca, issue_server_certificate
from components.engine import EngineOptions
from components.provision import certificate_bundle, daemon_config, provisioning, remote_command, render_script
from components.provision.render import body, launcher, systemd_dropin

OS_RELEASES = Path(__file__).parent / "fixtures" / "os-release"
WEIRD = EngineOptions(
    labels=["role=web", "quote='\"x\""],
    registry_mirrors=["https://mirror.example.com"],
    insecure_registries=["10.0.0.5:5000"],
    opts=["log-level=debug", "debug", "default-ulimit=nofile=1024:2048", "dns-search=a b"],
    env=["HTTP_PROXY=http://proxy:3128", "ODD=a\"b%c$d 'e' \\f"],
)


@pytest.mark.parametrize(
    "engine", [EngineOptions(), WEIRD, EngineOptions(install_url="none", storage_driver="")], ids=["default", "weird", "none"]
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
        "/etc/docker/ca.pem", "/etc/docker/server.pem", "/etc/docker/server-key.pem")
    assert config["labels"] == ["provider=amazonec2", "role=web", "quote='\"x\""]
    assert config["registry-mirrors"] == ["https://mirror.example.com"]
    assert config["insecure-registries"] == ["10.0.0.5:5000"]
    assert config["storage-driver"] == "overlay2"
    assert "storage-driver" not in daemon_config(EngineOptions(storage_driver=""), "generic")
    assert daemon_config(EngineOptions(port=12376), "generic")["hosts"][1] == "tcp://0.0.0.0:12376"


def test_daemon_json_in_the_script_is_the_rendered_config():
    script = render_script(WEIRD, "generic")
    start = script.index("daemon_json() {\n    cat <<'DOCKER_MACHINE_EOF'\n") + len("daemon_json() {\n    cat <<'DOCKER_MACHINE_EOF'\n")
    end = script.index("\nDOCKER_MACHINE_EOF", start)
    assert json.loads(script[start:end]) == daemon_config(WEIRD, "generic")


def test_systemd_dropin_clears_exec_start_and_escapes_values():
    dropin = systemd_dropin(WEIRD).splitlines()
    assert dropin[:2] == ["[Service]", "ExecStart="]
    assert dropin[2] == (
        'ExecStart=@DOCKERD@ --config-file=/etc/docker/daemon.json "--log-level=debug" "--debug" '
        '"--default-ulimit=nofile=1024:2048" "--dns-search=a b"'
    )
    assert 'Environment="HTTP_PROXY=http://proxy:3128"' in dropin
    assert 'Environment="ODD=a\\"b%%c$d \'e\' \\\\f"' in dropin
    assert "fd://" not in "\n".join(dropin)


def test_launcher_passes_flags_and_env_exactly(tmp_path):
    fake = tmp_path / "dockerd"
    fake.write_text('#!/bin/sh\nprintf "%s\\n" "$@"\nprintf "ODD=%s\\n" "$ODD"\n')
    fake.chmod(0o755)
    script = tmp_path / "launch.sh"
    script.write_text(launcher(WEIRD).replace("@DOCKERD@", str(fake)))
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
    plan = provisioning(EngineOptions(), "generic", ca_pem=ca.cert_pem, server_cert_pem=server.cert_pem,
                        server_key_pem=server.key_pem, ssh_user="ubuntu")
    assert server.key_pem.strip() not in plan.command
    assert "PRIVATE KEY-----\n" not in plan.command
    assert plan.stdin == certificate_bundle(ca.cert_pem, server.cert_pem, server.key_pem)
    assert plan.stdin.count("-----BEGIN ") == 3
    assert plan.stdin.index(ca.cert_pem.strip()) < plan.stdin.index(server.cert_pem.strip()) < plan.stdin.index(
        server.key_pem.strip())


def test_root_runs_sh_directly_and_others_use_passwordless_sudo():
    script = render_script(EngineOptions(), "generic")
    assert remote_command(script, "root") == f"sh -c {shlex.quote(script)}"
    assert remote_command(script, "ubuntu") == f"sudo -n sh -c {shlex.quote(script)}"


def test_settings_are_shell_quoted():
    script = render_script(EngineOptions(install_url="https://example.com/install?x=1&y='2'"), "generic")
    assert "ENGINE_INSTALL_URL='https://example.com/install?x=1&y='\"'\"'2'\"'\"''" in script


@pytest.mark.parametrize("hostname", ["bad name", "-dash", "under_score"])
def test_bad_hostname_is_refused(hostname):
    with pytest.raises(ValueError, match="allowed hostname chars are 0-9a-zA-Z . -"):
        render_script(EngineOptions(), "generic", hostname=hostname)


def run_body(snippet: str, env: dict | None = None) -> subprocess.CompletedProcess:
    """Run provision.sh's functions (not main) with a snippet in plain sh."""
    return subprocess.run(["/bin/sh", "-c", body() + "\n" + snippet], capture_output=True, text=True, env=env)


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
    snippet = ("ENGINE_REINSTALL=yes; ENGINE_INSTALL_URL=none; install_engine")
    result = run_body(snippet, env={"PATH": f"{tmp_path}:/usr/bin:/bin"})
    assert result.returncode == 1
    assert "cannot upgrade Docker with --engine-install-url none" in result.stderr
    kept = run_body("ENGINE_REINSTALL=no; ENGINE_INSTALL_URL=none; install_engine", env={"PATH": f"{tmp_path}:/usr/bin:/bin"})
    assert kept.returncode == 0 and "not reinstalling" in kept.stdout
    assert "ENGINE_REINSTALL=yes" in render_script(EngineOptions(), "generic", reinstall=True)

"""docker-machine 0.16.2's global flags, its built-in help command and what ends a command quietly, through the
installed ``docker-machine`` on a store written by the test (no engine, no host; the real-host half of ssh and
--native-ssh is tests/test_native_ssh.py)."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from pulumi_docker_machine.components.cert import create_ca, issue_client_certificate
from tests.conftest import add_machine, require
from tests.test_cli_write import fake, run  # noqa: F401 - the fake Pulumi CLI fixture

SCRIPTS = Path(sys.executable).parent
NOT_A_COMMAND = "docker-machine: 'nosuch' is not a docker-machine command. See 'docker-machine --help'.\n"


def machine(world, *args: str, env: dict | None = None, stdout=subprocess.PIPE) -> subprocess.CompletedProcess:
    require([] if (SCRIPTS / "docker-machine").exists() else ["the installed docker-machine script"], "these tests")
    full = {**os.environ, **world.env, "HOME": str(world.root.parent), **(env or {})}
    for key in [key for key in full if key.startswith("MACHINE_") and key not in (env or {})]:
        if key != "MACHINE_STORAGE_PATH":
            del full[key]
    return subprocess.run(
        [str(SCRIPTS / "docker-machine"), *args], stdout=stdout, stderr=subprocess.PIPE, text=True, env=full
    )


@pytest.fixture
def dev(world):
    add_machine(world.root, "dev", ip="127.0.0.7", engine_port=2376, ssh_user="docker", ssh_port=2222)
    return world.root / "machines" / "dev"


# ----- help, h --------------------------------------------------------------------------------------------------


def test_help_and_h_print_what_dash_dash_help_prints_on_both_paths(world):
    listing = machine(world, "--help").stdout
    assert "  help              Shows a list of commands or help for one command\n" in listing
    for env in ({}, {"MACHINE_DEBUG": "0"}):  # MACHINE_DEBUG set: the click application, not cli/fast.py
        for word in ("help", "h"):
            shown = machine(world, word, env=env)
            assert (shown.returncode, shown.stdout, shown.stderr) == (0, listing, ""), (word, env)


def test_help_command_is_that_commands_help_and_an_unknown_one_is_docker_machines_line(world):
    for word, command in (("help", "create"), ("h", "ls")):  # create's --help lists its default driver's flags
        shown, own = machine(world, word, command), machine(world, command, "--help")
        assert (shown.returncode, shown.stdout) == (0, own.stdout), (word, command)
    unknown = machine(world, "help", "nosuch")
    assert (unknown.returncode, unknown.stdout, unknown.stderr) == (1, "", NOT_A_COMMAND)


# ----- -D/--debug and the other global flags -----------------------------------------------------------------------


@pytest.fixture
def ssh_echo(tmp_path):
    """A stand-in ``ssh`` on PATH that prints its arguments one a line."""
    folder = tmp_path / "bin"
    folder.mkdir()
    (folder / "ssh").write_text('#!/bin/sh\nfor a in "$@"; do printf \'%s\\n\' "$a"; done\n')
    (folder / "ssh").chmod(0o755)
    return {"PATH": f"{folder}:{os.environ['PATH']}"}


def test_debug_is_a_global_flag_and_prints_the_ssh_line(world, dev, ssh_echo):
    plain = machine(world, "ssh", "dev", "true", env=ssh_echo)
    assert plain.returncode == 0 and plain.stderr == ""
    for flags, env in ((["-D"], {}), (["--debug"], {}), ([], {"MACHINE_DEBUG": "1"})):
        shown = machine(world, *flags, "ssh", "dev", "true", env={**ssh_echo, **env})
        assert shown.returncode == 0 and shown.stdout == plain.stdout
        assert shown.stderr.startswith("[debug] ssh: ssh -F /dev/null ") and shown.stderr.endswith(" dev true\n")
        assert machine(world, *flags, "ls", "-q", env=env).stdout == "dev\n"
    bad = machine(world, "ls", env={"MACHINE_DEBUG": "yes"})  # docker-machine took what Go's ParseBool takes
    assert (bad.returncode, bad.stdout, bad.stderr) == (
        1,
        "",
        "Error parsing boolean value from MACHINE_DEBUG: 'yes' is not a boolean: set it to 1, true, 0 or false, or "
        "unset it\n",
    )


def test_the_other_global_flags_and_their_variables_are_accepted(world, dev):
    listed = machine(world, "ls", "-q").stdout
    flags = ["--github-api-token", "gh", "--bugsnag-api-token", "bs", "--native-ssh"]
    assert machine(world, *flags, "ls", "-q").stdout == listed
    env = {"MACHINE_GITHUB_API_TOKEN": "gh", "MACHINE_BUGSNAG_API_TOKEN": "bs", "MACHINE_NATIVE_SSH": "true"}
    assert machine(world, "ls", "-q", env=env).stdout == listed
    help_text = machine(world, "--help").stdout
    for variable in ("MACHINE_TLS_CA_CERT", "MACHINE_TLS_CLIENT_KEY", "MACHINE_NATIVE_SSH", "MACHINE_GITHUB_API_TOKEN"):
        assert variable in help_text


# ----- ssh: the words after the name are the user's ------------------------------------------------------------------


def test_ssh_options_after_the_name_reach_ssh_and_the_stores_values_are_option_values(world, dev, ssh_echo):
    shown = machine(world, "ssh", "dev", "-L", "8080:localhost:80", "-oProxyCommand=x", "ls", "-l", env=ssh_echo)
    words = shown.stdout.splitlines()
    assert shown.returncode == 0, shown.stderr
    at = words.index("dev")
    assert words[at - 6 :] == [
        "-o",
        "HostName=127.0.0.7",
        "-p",
        "2222",
        "-l",
        "docker",
        "dev",
        "-L",
        "8080:localhost:80",
        "-oProxyCommand=x",
        "ls",
        "-l",
    ], "as docker-machine: what the user typed after the name follows the destination as typed"
    dashed = machine(world, "ssh", "dev", "--", "-x", env=ssh_echo).stdout.splitlines()
    assert dashed[dashed.index("dev") :] == ["dev", "--", "-x"]


def test_native_ssh_names_the_options_it_takes_and_scp_d_and_a_missing_paramiko(world, dev, tmp_path):
    other = machine(world, "--native-ssh", "ssh", "dev", "-X", "true")
    assert (other.returncode, other.stderr) == (
        1,
        "Error: the native SSH client takes -L, -R, -N, -t and -T before the command, not -X: run docker-machine "
        "ssh without --native-ssh (OpenSSH's ssh) for it\n",
    )
    delta = machine(world, "--native-ssh", "scp", "-d", str(tmp_path), "dev:/tmp/")
    assert (delta.returncode, delta.stderr) == (
        1,
        "Error: scp -d runs rsync over OpenSSH's ssh, which the native SSH client can't stand in for\n",
    )
    shim = tmp_path / "shim" / "paramiko"
    shim.mkdir(parents=True)
    (shim / "__init__.py").write_text("raise ImportError('No module named paramiko')\n")
    no_paramiko = {"PYTHONPATH": str(shim.parent)}
    missing = machine(world, "--native-ssh", "ssh", "dev", "true", env=no_paramiko)
    assert (missing.returncode, missing.stderr) == (
        1,
        "Error: --native-ssh needs paramiko: pip install 'pulumi-docker-machine[native-ssh]'\n",
    )
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    without = machine(world, "ssh", "dev", "true", env={**no_paramiko, "PATH": str(empty)})
    assert (without.returncode, without.stderr) == (
        1,
        "Error: no ssh program found, and the SSH client in Python needs paramiko: pip install "
        "'pulumi-docker-machine[native-ssh]' (or install OpenSSH's client: the openssh-client package)\n",
    )


# ----- a closed pipe ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "args",
    [
        ["ls"],
        ["ls", "-q"],
        ["ls", "--format", "{{.Name}}"],
        ["--help"],
        ["help", "ls"],
        ["version"],
        ["inspect", "dev"],
    ],
)
def test_a_closed_pipe_ends_the_command_quietly_by_sigpipe_as_a_go_binary(world, dev, args):
    read, write = os.pipe()
    os.close(read)  # the reader is gone before the first write: docker-machine ls | head -0
    try:
        ended = machine(world, *args, stdout=write)
    finally:
        os.close(write)
    assert (ended.returncode, ended.stderr) == (-signal.SIGPIPE, ""), "a shell sees 141, as with docker-machine"


# ----- --tls-ca-cert... -------------------------------------------------------------------------------------------


def tls_files(folder: Path, ca=None, client_ca=None) -> dict[str, str]:
    """A CA and a client certificate (signed by ``client_ca``, default the CA) as files; flag -> path."""
    folder.mkdir(parents=True, exist_ok=True)
    ca = ca or create_ca("org")
    client = issue_client_certificate(client_ca or ca, "org.client")
    files = {
        "--tls-ca-cert": ca.cert_pem,
        "--tls-ca-key": ca.key_pem,
        "--tls-client-cert": client.cert_pem,
        "--tls-client-key": client.key_pem,
    }
    paths = {}
    for flag, text in files.items():
        path = folder / f"{flag.strip('-')}.pem"
        path.write_text(text)
        paths[flag] = str(path)
    return paths


def flags_of(paths: dict[str, str]) -> list[str]:
    return [word for flag, path in paths.items() for word in (flag, path)]


def test_given_tls_files_that_do_not_belong_together_are_refused_before_anything_is_made(world, tmp_path):
    good = tls_files(tmp_path / "good")
    other = tls_files(tmp_path / "other")
    create = ["create", "-d", "none", "--url", "tcp://127.0.0.9:2376", "dev"]
    cases = [
        (
            {**good, "--tls-ca-cert": str(tmp_path / "nothing.pem")},
            f"Error: --tls-ca-cert (MACHINE_TLS_CA_CERT) {tmp_path / 'nothing.pem'}: No such file or directory: "
            "give a readable PEM file",
        ),
        (
            {**good, "--tls-ca-key": other["--tls-ca-key"]},
            f"Error: --tls-ca-key {other['--tls-ca-key']} is not the key of --tls-ca-cert {good['--tls-ca-cert']}: "
            "give the CA's own key",
        ),
        (
            {**good, "--tls-client-cert": other["--tls-client-cert"], "--tls-client-key": other["--tls-client-key"]},
            f"Error: --tls-client-cert {other['--tls-client-cert']}: certificate is not signed by the machine's CA: "
            f"give a client certificate that the CA of --tls-ca-cert {good['--tls-ca-cert']} signed",
        ),
        (
            {"--tls-ca-cert": good["--tls-ca-cert"]},
            "Error: other --tls-* files were given, but not --tls-ca-key, and its default "
            f"{world.root / 'certs' / 'ca-key.pem'} can't be read (No such file or directory): give --tls-ca-key "
            "(MACHINE_TLS_CA_KEY) too",
        ),
    ]
    for paths, line in cases:
        refused = machine(world, *flags_of(paths), *create)
        assert (refused.returncode, refused.stderr) == (1, line + "\n")
        assert not world.root.exists() or sorted(p.name for p in world.root.iterdir()) == []
    variables = {
        "MACHINE_TLS_CA_CERT": good["--tls-ca-cert"],
        "MACHINE_TLS_CA_KEY": other["--tls-ca-key"],
        "MACHINE_TLS_CLIENT_CERT": good["--tls-client-cert"],
        "MACHINE_TLS_CLIENT_KEY": good["--tls-client-key"],
    }
    by_variable = machine(world, *create, env=variables)
    assert (by_variable.returncode, by_variable.stderr) == (1, cases[1][1] + "\n")
    assert machine(world, *flags_of({**good, "--tls-ca-key": "/nothing"}), "ls", "-q").returncode == 0, (
        "read commands take no certificate: they don't look"
    )


def test_regenerating_the_ca_is_refused_while_the_ca_is_given(world, dev, tmp_path):
    given = tls_files(tmp_path / "given")
    refused = machine(world, *flags_of(given), "regenerate-certs", "-f", "--client-certs", "dev")
    assert (refused.returncode, refused.stderr) == (
        1,
        "Error: --client-certs would make a new CA, but the CA is given by --tls-ca-cert... (MACHINE_TLS_*): make "
        "new files yourself and give them, or drop the flags to renew STORE/certs\n",
    )
    assert (tmp_path / "given" / "tls-ca-cert.pem").read_text().startswith("-----BEGIN CERTIFICATE-----")


def test_a_machine_is_made_with_the_given_files_and_store_certs_is_left_alone(world, fake, tmp_path, monkeypatch):  # noqa: F811
    for variable in ("MACHINE_TLS_CA_CERT", "MACHINE_TLS_CA_KEY", "MACHINE_TLS_CLIENT_CERT", "MACHINE_TLS_CLIENT_KEY"):
        monkeypatch.setenv(variable, "")  # the flags put their values here, in this process: undone after the test
    given = tls_files(tmp_path / "given")
    made = run(*flags_of(given), "create", "-d", "none", "--url", "tcp://127.0.0.9:2376", "dev")
    assert made.exit_code == 0, made.output
    config = fake.stacks["dev"].config
    texts = {flag: Path(path).read_text() for flag, path in given.items()}
    assert [config[key]["value"] for key in sorted(config) if key.endswith(":caCert")] == [texts["--tls-ca-cert"]]
    assert [config[key]["value"] for key in sorted(config) if key.endswith(":clientCert")] == [
        texts["--tls-client-cert"]
    ]
    folder = world.root / "machines" / "dev"
    assert (folder / "ca.pem").read_text() == texts["--tls-ca-cert"]
    assert (folder / "cert.pem").read_text() == texts["--tls-client-cert"]
    assert not (world.root / "certs").exists(), "STORE/certs is neither made nor read"


def test_mount_without_an_ssh_program_says_so(world, dev, tmp_path):
    require([] if shutil.which("sshfs") else ["sshfs (Debian package sshfs)"], "mount's check")
    empty = tmp_path / "bin"
    empty.mkdir()
    (empty / "sshfs").symlink_to(shutil.which("sshfs"))
    refused = machine(world, "mount", "dev:/tmp", str(tmp_path / "mnt"), env={"PATH": str(empty)})
    assert (refused.returncode, refused.stderr) == (
        1,
        "Error: mount runs sshfs, which runs OpenSSH's ssh: install it (the openssh-client package)\n",
    )


def test_the_other_mismatches_each_name_the_flag(world, tmp_path):
    from pulumi_docker_machine.automation.givencerts import GivenCertsError, read_given_certs

    good, other = tls_files(tmp_path / "good"), tls_files(tmp_path / "other")
    variables = {
        "--tls-ca-cert": "MACHINE_TLS_CA_CERT",
        "--tls-ca-key": "MACHINE_TLS_CA_KEY",
        "--tls-client-cert": "MACHINE_TLS_CLIENT_CERT",
        "--tls-client-key": "MACHINE_TLS_CLIENT_KEY",
    }
    store = world.store()
    assert read_given_certs(store, {}) is None, "nothing given: STORE/certs, as before"
    given = read_given_certs(store, {variables[flag]: path for flag, path in good.items()})
    assert given is not None and given["ca_pem"] == Path(good["--tls-ca-cert"]).read_text()
    for changed, line in (
        (
            {"--tls-client-key": other["--tls-client-key"]},
            f"Error: --tls-client-key {other['--tls-client-key']} is not the key of --tls-client-cert "
            f"{good['--tls-client-cert']}: give the client certificate's own key",
        ),
        (
            {"--tls-ca-cert": good["--tls-ca-key"]},
            f"Error: --tls-ca-cert {good['--tls-ca-key']} is not a PEM certificate: give the CA's certificate",
        ),
    ):
        with pytest.raises(GivenCertsError) as raised:
            read_given_certs(store, {variables[flag]: path for flag, path in {**good, **changed}.items()})
        assert str(raised.value) == line

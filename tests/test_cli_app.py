import os
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from pulumi_docker_machine.cli.app import cli, tool_version


def test_version_command_prints_docker_machine_style_line():
    result = CliRunner().invoke(cli, ["version"])
    assert result.exit_code == 0
    assert result.output == f"docker-machine version {tool_version()}, build pulumi\n"


def test_version_flags():
    for flag in ("-v", "--version"):
        result = CliRunner().invoke(cli, [flag])
        assert result.exit_code == 0
        assert result.output.startswith("docker-machine version ")


SCRIPT = str(Path(sys.executable).parent / "docker-machine")


def installed(*args: str) -> subprocess.CompletedProcess:
    """The installed script: its exit codes are docker-machine's (1 for every error, usage errors too)."""
    return subprocess.run([SCRIPT, *args], capture_output=True, text=True, timeout=60)


def test_unknown_command_exits_1_with_one_clear_line():
    result = installed("frobnicate")
    assert result.returncode == 1
    assert "No such command 'frobnicate'" in result.stderr and "Traceback" not in result.stderr


def test_an_unknown_flag_of_another_driver_exits_1():
    result = installed("create", "-d", "digitalocean", "--amazonec2-region", "x", "dev")
    assert result.returncode == 1 and "No such option '--amazonec2-region'" in result.stderr


def test_absurd_timeouts_are_usage_errors(tmp_path):
    for args in (["ls", "-t", "99999999999999999999"], ["active", "-t", "0"], ["ls", "-t", "0"]):
        result = subprocess.run(
            [SCRIPT, *args],
            capture_output=True,
            text=True,
            timeout=60,
            env={**os.environ, "MACHINE_STORAGE_PATH": str(tmp_path)},
        )
        assert result.returncode == 1, args
        assert "is not in the range 1<=x<=86400" in result.stderr and "Traceback" not in result.stderr, result.stderr


def test_a_crashing_probe_is_an_error_not_a_timeout(monkeypatch):
    from pulumi_docker_machine.cli import probe
    from pulumi_docker_machine.store import HostConfig

    def crash(host, timeout):
        raise RuntimeError("boom")

    monkeypatch.setattr(probe, "probe", crash)
    status = probe.probe_all([HostConfig({"Name": "m"})], timeout=5)["m"]
    assert (status.state, status.error) == ("Error", "the probe failed: RuntimeError: boom")


def test_cli_and_foundation_modules_do_not_import_pulumi():
    """The read-only commands must start fast: nothing below them may pull in the Pulumi SDKs."""
    code = (
        "import sys, pulumi_docker_machine.cli.app, components, pulumi_docker_machine.components.cert, pulumi_docker_machine.components.ssh, pulumi_docker_machine.components.provision, pulumi_docker_machine.components.engine;"
        "heavy = sorted(m for m in sys.modules if m.split('.')[0] in "
        "('pulumi', 'pulumi_aws', 'pulumi_digitalocean', 'pulumi_command', 'grpc'));"
        "print(','.join(heavy))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == ""


def test_create_exit_codes_are_docker_machines(tmp_path):
    """1 for a bad name or flag (before "Running pre-create checks..."), 3 for a failed pre-create check."""
    env = {**os.environ, "MACHINE_STORAGE_PATH": str(tmp_path / "store"), "PATH": str(Path(sys.executable).parent)}
    cases = [
        (
            ["create", "-d", "generic", "bad_name"],
            1,
            "Error creating machine: Invalid hostname specified. Allowed hostname chars are: 0-9a-zA-Z . -",
        ),
        (
            ["create", "-d", "digitalocean", "dev"],
            1,
            "Error setting machine configuration from flags provided: digitalocean driver requires the "
            "--digitalocean-access-token option: pass access_token, set the digitalocean:token config or "
            "DIGITALOCEAN_ACCESS_TOKEN",
        ),
        (
            ["create", "-d", "generic", "dev"],
            1,
            "Error setting machine configuration from flags provided: generic driver requires the "
            "--generic-ip-address option: give the host's address",
        ),
        (
            ["create", "dev"],
            3,
            'Error with pre-create check: "VirtualBox is not installed; install it or pick another --driver"',
        ),
    ]
    for args, code, message in cases:
        result = subprocess.run(
            [SCRIPT, *args],
            capture_output=True,
            text=True,
            timeout=120,
            env={k: v for k, v in env.items() if k != "DIGITALOCEAN_ACCESS_TOKEN"},
        )
        assert (result.returncode, result.stderr.strip().splitlines()[-1]) == (code, message), result.stderr
        assert ("Running pre-create checks..." in result.stdout) == (code == 3)


def test_help_and_version_load_no_command_module():
    """click's lazy group: a command's module is imported only when it runs, and the help lists them all."""
    code = (
        "import sys, io, contextlib\nfrom pulumi_docker_machine.cli.app import main\nout = io.StringIO()\n"
        "with contextlib.redirect_stdout(out):\n"
        "    try:\n        main(sys.argv[1:])\n    except SystemExit:\n        pass\n"
        "loaded = sorted(m for m in sys.modules if m.startswith('pulumi_docker_machine.cli.') and m.count('.') == 2)\n"
        "print(','.join(loaded), file=sys.stderr)\nprint(out.getvalue())\n"
    )
    from pulumi_docker_machine.cli.app import COMMANDS, cli as group

    command_modules = {
        f"pulumi_docker_machine.cli.{module.split('.')[0]}" for module, _ in COMMANDS.values()
    }  # the package
    for args in (["--help"], ["version"]):
        result = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, timeout=60)
        loaded = set(result.stderr.strip().split(","))
        assert "pulumi_docker_machine.cli.app" in loaded and not loaded & command_modules, result.stderr
    listed = subprocess.run([sys.executable, "-c", code, "--help"], capture_output=True, text=True).stdout
    ip = subprocess.run([sys.executable, "-c", code, "ip", "nosuch"], capture_output=True, text=True).stderr
    assert set(ip.strip().split(",")) & command_modules == {"pulumi_docker_machine.cli.ip"}, (
        "only the command that runs"
    )

    for name, (_module, short_help) in COMMANDS.items():
        assert f"  {name} " in listed
        command = group.get_command(None, name)
        assert command.get_short_help_str(limit=200) == short_help, f"{name}: the table's help is the command's"

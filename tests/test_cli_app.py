import subprocess
import sys

from click.testing import CliRunner

from cli.app import cli, tool_version


def test_version_command_prints_docker_machine_style_line():
    result = CliRunner().invoke(cli, ["version"])
    assert result.exit_code == 0
    assert result.output == f"docker-machine version {tool_version()}, build pulumi\n"


def test_version_flags():
    for flag in ("-v", "--version"):
        result = CliRunner().invoke(cli, [flag])
        assert result.exit_code == 0
        assert result.output.startswith("docker-machine version ")


def test_unknown_command_exits_nonzero_with_one_clear_line():
    result = CliRunner().invoke(cli, ["frobnicate"])
    assert result.exit_code == 2
    assert "No such command 'frobnicate'" in result.output


def test_cli_and_foundation_modules_do_not_import_pulumi():
    """The read-only commands must start fast: nothing below them may pull in the Pulumi SDKs."""
    code = (
        "import sys, cli.app, components, components.cert, components.ssh, components.provision, components.engine;"
        "heavy = sorted(m for m in sys.modules if m.split('.')[0] in "
        "('pulumi', 'pulumi_aws', 'pulumi_digitalocean', 'pulumi_command', 'grpc'));"
        "print(','.join(heavy))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == ""

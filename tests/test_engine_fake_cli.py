"""The fake Pulumi CLI against the real one built by make engine: same version, no flag the real one lacks."""

from __future__ import annotations

import os
import subprocess

import pytest

from tests.fakes.pulumi_cli import ACCEPTED_FLAGS, GLOBAL_FLAGS, FakePulumiCommand

pytestmark = pytest.mark.engine


def test_the_fake_reports_the_built_cli_version(pulumi_engine):
    built = subprocess.run(["pulumi", "version"], capture_output=True, text=True, check=True).stdout.strip()
    assert built == f"v{FakePulumiCommand().version}"


# The SDK runs the CLI with PULUMI_DEBUG_COMMANDS=true, which adds --event-log to up and destroy.
SDK_ENV = {"PULUMI_DEBUG_COMMANDS": "true", "PULUMI_AUTOMATION_API": "true"}


def accepts(command: tuple[str, ...], flag: str) -> bool:
    """The built CLI parses ``flag`` (hidden ones too): ``--help`` after it stops before anything runs."""
    done = subprocess.run(["pulumi", *command, f"{flag}=1", "--help"], capture_output=True, text=True,
                          env={**os.environ, **SDK_ENV})
    return done.returncode == 0


@pytest.mark.parametrize("command", sorted(ACCEPTED_FLAGS), ids=" ".join)
def test_every_flag_the_fake_accepts_is_the_real_clis(pulumi_engine, command):
    assert not accepts(command, "--no-such-flag"), "the check can fail"
    for flag in ACCEPTED_FLAGS[command] + GLOBAL_FLAGS:
        assert accepts(command, flag), f"pulumi {' '.join(command)} does not take {flag}"


def test_the_fake_refuses_a_flag(pulumi_engine, tmp_path):
    from pulumi.automation.errors import CommandError

    with pytest.raises(CommandError, match="unknown flag: --no-such-flag"):
        FakePulumiCommand().run(["stack", "ls", "--no-such-flag"], str(tmp_path), {})

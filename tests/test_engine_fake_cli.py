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


def accepts(command: tuple[str, ...], *flags: str) -> bool:
    """The built CLI parses every one of ``flags`` (hidden ones too): ``--help`` after them stops before anything runs."""
    done = subprocess.run(
        ["pulumi", *command, *(f"{flag}=1" for flag in flags), "--help"],
        capture_output=True,
        text=True,
        env={**os.environ, **SDK_ENV},
    )
    return done.returncode == 0


@pytest.mark.parametrize("command", sorted(ACCEPTED_FLAGS), ids=" ".join)
def test_every_flag_the_fake_accepts_is_the_real_clis(pulumi_engine, command):
    assert not accepts(command, "--no-such-flag"), "the check can fail"
    flags = ACCEPTED_FLAGS[command] + GLOBAL_FLAGS
    # One call for all of a command's flags (any one unknown fails it); only then one per flag, to name it.
    if not accepts(command, *flags):
        refused = [flag for flag in flags if not accepts(command, flag)]
        pytest.fail(f"pulumi {' '.join(command)} does not take {', '.join(refused) or 'these flags together'}")


def test_one_unknown_flag_among_known_ones_fails_the_batched_check(pulumi_engine):
    command = ("up",)
    assert accepts(command, *ACCEPTED_FLAGS[command])
    assert not accepts(command, *ACCEPTED_FLAGS[command], "--no-such-flag")
    assert not accepts(command, "--no-such-flag", *ACCEPTED_FLAGS[command])


def test_the_fake_refuses_a_flag(pulumi_engine, tmp_path):
    from pulumi.automation.errors import CommandError

    with pytest.raises(CommandError, match="unknown flag: --no-such-flag"):
        FakePulumiCommand().run(["stack", "ls", "--no-such-flag"], str(tmp_path), {})

"""The Pulumi CLI's version is checked once per binary (pulumi_docker_machine/automation/cliversion.py), not per command."""

from __future__ import annotations

import json
import os
import stat

import pytest
from pulumi.automation import PulumiCommand

from pulumi_docker_machine.automation.cliversion import pulumi_command


@pytest.fixture
def fake_cli(tmp_path, monkeypatch):
    """A `pulumi` on PATH that records each run and prints the version in its VERSION file."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    log, version = tmp_path / "runs", tmp_path / "VERSION"
    version.write_text("v3.260.0")
    script = bin_dir / "pulumi"
    script.write_text(f'#!/bin/sh\necho "$*" >>"{log}"\ncat "{version}"\n')
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("PATH", f"{bin_dir}:{os.environ['PATH']}")
    monkeypatch.delenv("PULUMI_AUTOMATION_API_SKIP_VERSION_CHECK", raising=False)

    class Fake:
        path, cache = script, tmp_path / "store" / "pulumi-cli-version.json"

        @staticmethod
        def runs() -> int:
            return len(log.read_text().splitlines()) if log.exists() else 0

        @staticmethod
        def prints(text: str) -> None:
            version.write_text(text)

    (tmp_path / "store").mkdir()
    return Fake


def test_the_version_is_asked_once_per_binary(fake_cli):
    first = pulumi_command(fake_cli.cache)
    assert fake_cli.runs() == 1 and str(first.version) == "3.260.0"
    second = pulumi_command(fake_cli.cache)
    assert fake_cli.runs() == 1, "the same binary: no second `pulumi version`"
    assert type(second) is PulumiCommand and second.command == "pulumi" and second.version == first.version


def test_a_changed_binary_is_checked_again(fake_cli):
    pulumi_command(fake_cli.cache)
    fake_cli.prints("v3.261.0")
    text = fake_cli.path.read_text()
    fake_cli.path.write_text(text + "# upgraded\n")  # a new size and modification time
    again = pulumi_command(fake_cli.cache)
    assert fake_cli.runs() == 2 and str(again.version) == "3.261.0"


def test_an_old_cli_is_still_refused_and_not_remembered(fake_cli):
    fake_cli.prints("v3.0.9")
    with pytest.raises(Exception, match=r"(?i)minimum|version"):
        pulumi_command(fake_cli.cache)
    assert not fake_cli.cache.exists()


@pytest.mark.parametrize(
    "content",
    [
        "not json",
        "[]",
        '{"binary": "elsewhere", "version": "3.260.0"}',
        None,
        '{"version": 3}',
        '{"version": "3.0.9"}',  # below the SDK's minimum: checked again, never trusted
    ],
)
def test_a_cache_that_is_not_this_binarys_is_not_trusted(fake_cli, content):
    pulumi_command(fake_cli.cache)
    entry = json.loads(fake_cli.cache.read_text())
    if content is None:
        fake_cli.cache.write_text(json.dumps({**entry, "version": "not a version"}))
    elif content.startswith('{"version"'):
        fake_cli.cache.write_text(json.dumps({**entry, **json.loads(content)}))
    else:
        fake_cli.cache.write_text(content)
    command = pulumi_command(fake_cli.cache)
    assert fake_cli.runs() == 2 and str(command.version) == "3.260.0"

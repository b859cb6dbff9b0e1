"""The Pulumi CLI's version is checked once per binary per user (pulumi_docker_machine/automation/cliversion.py), not
per command or per store."""

from __future__ import annotations

import json
import os
import stat

import pytest
from pulumi.automation import PulumiCommand

from pulumi_docker_machine.automation.cliversion import pulumi_command


@pytest.fixture
def fake_cli(tmp_path, monkeypatch):
    """A `pulumi` on PATH that records each run and prints the version in its VERSION file; the user's cache in
    tmp_path/cache."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    log, version = tmp_path / "runs", tmp_path / "VERSION"
    version.write_text("v3.260.0")
    script = bin_dir / "pulumi"
    script.write_text(f'#!/bin/sh\necho "$*" >>"{log}"\ncat "{version}"\n')
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("PATH", f"{bin_dir}:{os.environ['PATH']}")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.delenv("PULUMI_AUTOMATION_API_SKIP_VERSION_CHECK", raising=False)

    class Fake:
        path = script
        cache = tmp_path / "cache" / "pulumi-docker-machine" / "pulumi-cli-version.json"
        store_file = tmp_path / "store" / "pulumi-cli-version.json"  # a store's own, the fallback

        @staticmethod
        def runs() -> int:
            return len(log.read_text().splitlines()) if log.exists() else 0

        @staticmethod
        def prints(text: str) -> None:
            version.write_text(text)

    (tmp_path / "store").mkdir()
    return Fake


def test_the_version_is_asked_once_per_binary(fake_cli):
    first = pulumi_command(fake_cli.store_file)
    assert fake_cli.runs() == 1 and str(first.version) == "3.260.0"
    second = pulumi_command(fake_cli.store_file)
    assert fake_cli.runs() == 1, "the same binary: no second `pulumi version`"
    assert type(second) is PulumiCommand and second.command == "pulumi" and second.version == first.version


def test_the_version_is_asked_once_per_user_not_per_store(fake_cli, tmp_path):
    pulumi_command(fake_cli.store_file)
    other_store = tmp_path / "other-store" / "pulumi-cli-version.json"
    other_store.parent.mkdir()
    again = pulumi_command(other_store)
    assert fake_cli.runs() == 1, "another store, the same user and binary: no second `pulumi version`"
    assert str(again.version) == "3.260.0"
    assert fake_cli.cache.exists() and not fake_cli.store_file.exists() and not other_store.exists()


def test_an_unwritable_user_cache_falls_back_to_the_stores_file(fake_cli, tmp_path, monkeypatch):
    if os.geteuid() == 0:  # root writes anywhere: a cache "folder" that is a file cannot be made by anyone
        (tmp_path / "cache").write_text("a file where the cache folder would be")
    else:
        (tmp_path / "cache").mkdir(mode=0o500)
    pulumi_command(fake_cli.store_file)
    pulumi_command(fake_cli.store_file)
    assert fake_cli.runs() == 1 and fake_cli.store_file.exists()


def test_a_relative_xdg_cache_home_is_ignored(fake_cli, tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", "relative")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.chdir(tmp_path)
    pulumi_command(fake_cli.store_file)
    assert (tmp_path / "home" / ".cache" / "pulumi-docker-machine" / "pulumi-cli-version.json").exists()
    assert not (tmp_path / "relative").exists()


def test_a_changed_binary_is_checked_again(fake_cli):
    pulumi_command(fake_cli.store_file)
    fake_cli.prints("v3.261.0")
    text = fake_cli.path.read_text()
    fake_cli.path.write_text(text + "# upgraded\n")  # a new size and modification time
    again = pulumi_command(fake_cli.store_file)
    assert fake_cli.runs() == 2 and str(again.version) == "3.261.0"
    assert list(json.loads(fake_cli.cache.read_text()).values()) == ["3.260.0", "3.261.0"]


def test_an_old_cli_is_still_refused_and_not_remembered(fake_cli):
    fake_cli.prints("v3.0.9")
    with pytest.raises(Exception, match=r"(?i)minimum|version"):
        pulumi_command(fake_cli.store_file)
    assert not fake_cli.cache.exists()


@pytest.mark.parametrize(
    "content",
    [
        "not json",
        "[]",
        '{"elsewhere": "3.260.0"}',
        "not a version",
        "3",
        "3.0.9",  # below the SDK's minimum: checked again, never trusted
    ],
)
def test_a_cache_that_is_not_this_binarys_is_not_trusted(fake_cli, content):
    pulumi_command(fake_cli.store_file)
    (identity,) = json.loads(fake_cli.cache.read_text())
    if content.startswith(("not json", "[", "{")):
        fake_cli.cache.write_text(content)
    else:
        fake_cli.cache.write_text(json.dumps({identity: json.loads(content) if content == "3" else content}))
    command = pulumi_command(fake_cli.store_file)
    assert fake_cli.runs() == 2 and str(command.version) == "3.260.0"

"""The fake Pulumi CLI's config subcommands and refusals against the CLI make engine built: same output, same
first error line, same exit code."""

from __future__ import annotations

import os
import re
import subprocess

import pytest
from pulumi.automation.errors import CommandError

from tests.fakes.pulumi_cli import FakePulumiCommand

pytestmark = pytest.mark.engine

CASES = [
    ["config", "bogus", "--stack", "s"],
    ["stack", "frob"],
    ["frob"],
    ["config", "get", "a", "b", "--stack", "s"],
    ["config", "set", "--no-such-flag", "a", "b", "--stack", "s"],
    ["config", "get", "nokey", "--json", "--stack", "s"],
    ["config", "--json", "--stack", "nosuch"],
    ["stack", "select", "--stack", "nosuch"],
    ["destroy", "--yes", "--skip-preview", "--remove", "--stack", "nosuch"],
    ["config", "refresh", "--force", "--stack", "s"],
    ["config", "set", "a", "--plaintext", "--stack", "s", "--non-interactive", "--", "--1"],
    ["config", "set-all", "--stack", "s", "--plaintext", "b=x=y", "--secret", "docker-machine:c=z"],
    ["config", "get", "a", "--json", "--stack", "s"],
    ["config", "--json", "--stack", "s"],
    ["config", "--show-secrets", "--json", "--stack", "s"],
    ["config", "rm", "nothing", "--stack", "s"],
    ["config", "rm", "a", "--stack", "s"],
    ["config", "rm-all", "--stack", "s", "b"],
    ["config", "--show-secrets", "--json", "--stack", "s"],
]


def test_the_fake_answers_config_and_refusals_as_the_built_cli(pulumi_engine, tmp_path):
    real_dir, fake_dir = tmp_path / "real", tmp_path / "fake"
    for folder in (real_dir, fake_dir):
        folder.mkdir()
        (folder / "Pulumi.yaml").write_text("name: docker-machine\nruntime: python\n")
    (tmp_path / "state").mkdir()
    env = {**os.environ, "PULUMI_BACKEND_URL": (tmp_path / "state").as_uri(), "PULUMI_CONFIG_PASSPHRASE": "x"}
    subprocess.run(
        ["pulumi", "--non-interactive", "stack", "init", "s"], cwd=real_dir, env=env, check=True, capture_output=True
    )
    fake = FakePulumiCommand()
    fake.run(["stack", "init", "s"], str(fake_dir), {"PULUMI_CONFIG_PASSPHRASE": "x"})
    for args in CASES:
        real = subprocess.run(
            ["pulumi", "--non-interactive", *args], cwd=real_dir, env=env, capture_output=True, text=True
        )
        try:
            done = fake.run(args, str(fake_dir), {})
            faked = (done.code, done.stdout.strip(), "")
        except CommandError as err:  # its text: " code: N\n stdout: ...\n stderr: ..."
            text = str(err)
            code = int(re.search(r"^ code: (-?\d+)$", text, re.M).group(1))
            faked = (code, "", text.split("\n stderr: ", 1)[1].strip().splitlines()[0])
        expected = (
            real.returncode,
            real.stdout.strip() if real.returncode == 0 else "",
            real.stderr.strip().splitlines()[-1] if real.returncode else "",
        )
        if real.returncode and "Usage:" in real.stderr:  # cobra prints the usage first, the error last
            expected = (
                real.returncode,
                "",
                next(line for line in real.stderr.splitlines() if line.startswith("error:")),
            )
        elif real.returncode:
            expected = (real.returncode, "", real.stderr.strip().splitlines()[0])
        assert faked == expected, args

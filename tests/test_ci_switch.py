"""In CI a missing prerequisite fails the test; elsewhere it skips. Every CI system's value of CI counts."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ci_requested

ROOT = Path(__file__).parent.parent


@pytest.mark.parametrize("value", ["true", "TRUE", "1", "yes", "woodpecker", " true\n"])
def test_any_ci_value_counts(value):
    assert ci_requested(value)


@pytest.mark.parametrize("value", [None, "", "0", "false", "False", "no", "off", " "])
def test_unset_or_a_no_is_not_ci(value):
    assert not ci_requested(value)


def outcome_of_a_missing_prerequisite(tmp_path: Path, ci: str | None) -> subprocess.CompletedProcess:
    test = tmp_path / "test_needs_a_thing.py"
    test.write_text(
        "from tests.conftest import require\n\n\n"
        "def test_it():\n    require(['the thing (Debian package thing)'], 'this test')\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "CI"}
    if ci is not None:
        env["CI"] = ci
    env["PYTHONPATH"] = str(ROOT)
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-rs", "-p", "no:cacheprovider", "--rootdir", str(tmp_path), str(test)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        timeout=120,
    )


def test_ci_1_fails_on_a_missing_prerequisite(tmp_path):
    done = outcome_of_a_missing_prerequisite(tmp_path, "1")
    assert done.returncode == 1, done.stdout
    assert "CI=1 and a prerequisite is missing: this test needs: the thing (Debian package thing)" in done.stdout


def test_without_ci_a_missing_prerequisite_skips(tmp_path):
    done = outcome_of_a_missing_prerequisite(tmp_path, None)
    assert done.returncode == 0, done.stdout
    assert "1 skipped" in done.stdout and "this test needs: the thing" in done.stdout

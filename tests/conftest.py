"""Shared fixtures. Real-host tests skip outside CI when a prerequisite is missing, and fail in CI."""

from __future__ import annotations

import os
import shutil

import pytest

IN_CI = os.environ.get("CI", "").lower() == "true"


def require(missing: list[str], what: str) -> None:
    """Skip (or, when CI=true, fail) a test whose prerequisites this machine lacks."""
    if not missing:
        return
    reason = f"{what} needs: {', '.join(missing)}"
    if IN_CI:
        pytest.fail(f"CI=true and a prerequisite is missing: {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def shellcheck() -> str:
    path = shutil.which("shellcheck")
    require([] if path else ["shellcheck (Debian package shellcheck)"], "checking the provisioning script")
    return path  # type: ignore[return-value]


@pytest.fixture(scope="session")
def openssl() -> str:
    path = shutil.which("openssl")
    require([] if path else ["openssl"], "cross-checking certificates")
    return path  # type: ignore[return-value]


@pytest.fixture(scope="session")
def ssh_keygen() -> str:
    path = shutil.which("ssh-keygen")
    require([] if path else ["ssh-keygen (Debian package openssh-client)"], "cross-checking SSH keys")
    return path  # type: ignore[return-value]

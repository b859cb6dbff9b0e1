"""docker-machine 0.16.2's --google-use-existing (drivers/google/google.go): refused in one line, naming what to use
instead, before anything is made (by create with its flags; by the driver for a stack or the Python API)."""

from __future__ import annotations

import pytest

from pulumi_docker_machine.components.drivers.google.driver import GoogleDriver
from pulumi_docker_machine.components.drivers.info import DriverArgumentError
from tests.test_driver_flags_helpers import refused

GOOGLE = ("-d", "google", "--google-project", "my-project-123")


def test_use_existing_is_refused_naming_the_alternatives(monkeypatch, tmp_path):
    for args, env in ((("--google-use-existing",), None), ((), {"GOOGLE_USE_EXISTING": "true"})):
        line = refused(monkeypatch, tmp_path, *GOOGLE, *args, "m", env=env)
        assert "--google-use-existing is not supported" in line
        assert "use -d generic --generic-ip-address ADDRESS" in line and "docker-machine adopt" in line
    with pytest.raises(DriverArgumentError, match="--google-use-existing is not supported"):
        GoogleDriver(project="my-project-123", use_existing=True).validate("m")

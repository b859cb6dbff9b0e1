"""docker-machine 0.16.2's --google-use-existing (drivers/google/google.go): refused in one line, naming what to use
instead, before anything is made."""

from __future__ import annotations

from tests.test_driver_flags_helpers import refused

GOOGLE = ("-d", "google", "--google-project", "my-project-123")


def test_use_existing_is_refused_naming_the_alternatives(monkeypatch, tmp_path):
    for args, env in ((("--google-use-existing",), None), ((), {"GOOGLE_USE_EXISTING": "true"})):
        line = refused(monkeypatch, tmp_path, *GOOGLE, *args, "m", env=env)
        assert "--google-use-existing is not supported" in line
        assert "use -d generic --generic-ip-address ADDRESS" in line and "docker-machine adopt" in line

"""The wheel ships ``pulumi_docker_machine/pulumi-plugin.json`` saying it is no resource plugin.

Pulumi's Python language host lists the installed distributions (``python -m pip list -v --format json``)
and, for each one named ``pulumi-*``, reads ``<location>/<name with _>/pulumi-plugin.json``; without that
file it guesses a resource plugin named after the distribution ("docker-machine 0.1.0"), which a user's
Pulumi would try to download. Checked on the wheel itself (built offline from a copy of the sources) and
through the language host v3.79.0 of ``make engine`` in a fresh virtualenv holding that wheel.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from pulumi_docker_machine.cli import __version__
from tests.wheelvenv import build_wheel

PLUGIN_JSON = "pulumi_docker_machine/pulumi-plugin.json"


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """The project's wheel, built offline from a copy of what the wheel is made of."""
    return build_wheel(tmp_path_factory.mktemp("wheel"))


def test_the_wheel_says_it_is_no_resource_plugin(wheel):
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        assert PLUGIN_JSON in names, f"the wheel lacks {PLUGIN_JSON}: {sorted(n for n in names if '/' not in n)}"
        assert json.loads(archive.read(PLUGIN_JSON)) == {"resource": False}
        assert "pulumi_docker_machine/components/provision/provision.sh" in names, "the other package data stays"


@pytest.mark.engine
def test_the_language_host_asks_for_no_docker_machine_plugin(wheel, pulumi_engine, tmp_path):
    """``pulumi about`` lists the plugins the language host says the project needs (GetRequiredPlugins)."""
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, capture_output=True)
    installed = subprocess.run(
        [str(venv / "bin" / "pip"), "install", "-q", "--no-deps", "--no-index", str(wheel)],
        capture_output=True,
        text=True,
    )
    assert installed.returncode == 0, installed.stderr
    project = tmp_path / "project"
    project.mkdir()
    (project / "Pulumi.yaml").write_text("name: plugin-check\nruntime: python\n")
    (project / "__main__.py").write_text("")
    (tmp_path / "state").mkdir()
    env = {
        **os.environ,
        "PULUMI_PYTHON_CMD": str(venv / "bin" / "python"),
        "PULUMI_BACKEND_URL": (tmp_path / "state").as_uri(),
        "PULUMI_CONFIG_PASSPHRASE": "unused",
    }

    def plugins() -> list[tuple[str, str, str]]:
        about = subprocess.run(["pulumi", "about", "--json"], cwd=project, env=env, capture_output=True, text=True)
        assert about.returncode == 0, about.stderr
        return sorted((p["kind"], p["name"], p.get("version") or "") for p in json.loads(about.stdout)["plugins"])

    assert plugins() == [("language", "python", "3.79.0")], "the host of make engine, and no resource plugin"
    # The same venv without the file: the host guesses the plugin that a user's Pulumi would try to download.
    site = next(venv.glob("lib/python*/site-packages"))
    (site / PLUGIN_JSON).unlink()
    assert ("resource", "docker-machine", __version__) in plugins()

"""The click-free entry point (cli/fast.py) against the click application: for every plain read form it
takes, the same standard output, standard error and exit code; everything else is handed to click."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from pulumi_docker_machine.cli.fast import plain_form
from tests.conftest import add_legacy_machine, add_machine

CLICK_MAIN = "import sys; from pulumi_docker_machine.cli.app import main; sys.argv[0] = 'docker-machine'; main()"
FAST_MAIN = (
    "import sys; from pulumi_docker_machine.cli.fast import main; sys.argv[0] = 'docker-machine'\n"
    "try:\n    main()\nfinally:\n    print('CLICK-LOADED' if 'click' in sys.modules else '', file=sys.stderr)"
)


def both(world, args: list[str], extra_env: dict | None = None) -> tuple[subprocess.CompletedProcess, ...]:
    env = {"PATH": os.environ["PATH"], "HOME": str(world.root.parent), **world.env, **(extra_env or {})}
    runs = [
        subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, env=env, timeout=60)
        for code in (CLICK_MAIN, FAST_MAIN)
    ]
    return runs[0], runs[1]


@pytest.fixture
def store(world, engine):
    """dev (its engine answers), off (stopped by us), legacy (docker-machine 0.16's, engine unreachable)."""
    add_machine(world.root, "off", ip="127.0.0.2", engine_port=1, pulumi_extra={"State": "Stopped"})
    add_legacy_machine(world.root)
    return world


PLAIN = [
    ["ip", "dev"],
    ["ip", "dev", "off"],
    ["ip"],
    ["ip", "nope"],
    ["ip", "bad/name"],
    ["url", "dev"],
    ["url", "off"],
    ["url", "dev", "off"],
    ["url"],
    ["status", "dev"],
    ["status", "off"],
    ["status", "legacy"],
    ["config", "dev"],
    ["config", "off"],
    ["config", "nope"],
    ["inspect", "dev"],
    ["inspect", "nope"],
    ["env", "dev"],
    ["env", "off"],
    ["env"],
    ["env", "nope"],
    ["active"],
    ["ls"],
    ["ls", "-q"],
    ["ls", "--quiet"],
    ["version"],
    ["-v"],
    ["--version"],
    ["--help"],
    ["-h"],
]


@pytest.mark.parametrize("args", PLAIN, ids=" ".join)
def test_plain_read_forms_match_the_click_application_without_loading_click(store, args):
    assert plain_form(args) is not None, "a form this module runs"
    clicked, fast = both(store, args, {"SHELL": "/bin/bash"})
    assert fast.returncode == clicked.returncode, (fast.stderr, clicked.stderr)
    assert fast.stdout == clicked.stdout
    assert fast.stderr.removesuffix("\n").removesuffix("\n") == clicked.stderr.removesuffix("\n"), fast.stderr
    assert "CLICK-LOADED" not in fast.stderr


def test_active_matches_with_docker_host_set(store):
    url = store.store().load("dev").url
    clicked, fast = both(store, ["active"], {"DOCKER_HOST": url})
    assert (fast.returncode, fast.stdout) == (clicked.returncode, clicked.stdout) == (0, "dev\n")


@pytest.mark.parametrize(
    "args",
    [
        [],
        ["--help", "ls"],
        ["ip", "--help"],
        ["ls", "--filter", "name=dev"],
        ["ls", "-t", "5"],
        ["ls", "-qq"],
        ["env", "--shell", "fish", "dev"],
        ["env", "a", "b"],
        ["inspect", "-f", "{{.Name}}", "dev"],
        ["active", "-t", "3"],
        ["-s", "/tmp/x", "ls"],
        ["-D", "ls"],
        ["version", "dev"],
        ["create", "x"],
        ["ip", "--", "dev"],
        ["nosuch"],
    ],
)
def test_every_other_form_goes_to_click(args):
    assert plain_form(args) is None


def test_machine_debug_goes_to_click(monkeypatch):
    monkeypatch.setenv("MACHINE_DEBUG", "1")
    assert plain_form(["ls"]) is None


def test_a_form_handed_to_click_behaves_as_click(store):
    clicked, fast = both(store, ["ls", "--filter", "name=^de", "-q"])
    assert (fast.returncode, fast.stdout, fast.stderr.strip()) == (
        clicked.returncode,
        clicked.stdout,
        "CLICK-LOADED",
    ) and fast.stdout == "dev\n"


@pytest.mark.parametrize("columns", ["30", "50", "61", "72", "79", "80", "200", "", "junk"])
def test_help_is_laid_out_as_click_lays_it_out_at_every_width(world, columns):
    clicked, fast = both(world, ["--help"], {"COLUMNS": columns})
    assert fast.stdout == clicked.stdout and fast.returncode == clicked.returncode == 0
    assert "CLICK-LOADED" not in fast.stderr

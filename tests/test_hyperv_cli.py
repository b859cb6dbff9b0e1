"""``docker-machine create -d hyperv`` through the installed script, against the PowerShell simulator: docker-machine
0.16.2's flags and environment variables in ``--help``, its pre-create checks (exit 3, its words), and the refusals
(exit 1, nothing made). No engine: each case stops before Pulumi runs."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.fakes import powershell_env


@pytest.fixture
def powershell(tmp_path, monkeypatch):
    """The PowerShell simulator as powershell.exe (tests/fakes/powershell_env.py)."""
    return powershell_env.install(tmp_path, monkeypatch)


SCRIPT = str(Path(sys.executable).parent / "docker-machine")
FLAGS = {
    "--hyperv-boot2docker-url": "HYPERV_BOOT2DOCKER_URL",
    "--hyperv-virtual-switch": "HYPERV_VIRTUAL_SWITCH",
    "--hyperv-disk-size": "HYPERV_DISK_SIZE",
    "--hyperv-memory": "HYPERV_MEMORY",
    "--hyperv-cpu-count": "HYPERV_CPU_COUNT",
    "--hyperv-static-macaddress": "HYPERV_STATIC_MACADDRESS",
    "--hyperv-vlan-id": "HYPERV_VLAN_ID",
    "--hyperv-disable-dynamic-memory": "HYPERV_DISABLE_DYNAMIC_MEMORY",
}


def machine(tmp_path, *args, **env) -> subprocess.CompletedProcess:
    environment = {
        **{k: v for k, v in os.environ.items() if not k.startswith("HYPERV_")},
        "MACHINE_STORAGE_PATH": str(tmp_path / "store"),
        "DOCKER_MACHINE_PULUMI_INSTALL": "never",
        **env,
    }
    return subprocess.run([SCRIPT, *args], capture_output=True, text=True, timeout=120, env=environment)


def last_line(result) -> str:
    return result.stderr.strip().splitlines()[-1]


def test_help_lists_docker_machines_flags_and_variables(tmp_path):
    shown = machine(tmp_path, "create", "-d", "hyperv", "--help")
    assert shown.returncode == 0, shown.stderr
    text = " ".join(shown.stdout.split())
    for flag, variable in FLAGS.items():
        assert flag in text and f"[env var: {variable}]" in text, flag


@pytest.mark.parametrize(
    ("hyperv", "message"),
    [
        ({"module": False}, "Hyper-V PowerShell Module is not available"),
        ({"windows_admin": False, "hyperv_admin": False}, "Hyper-v commands have to be run as an Administrator"),
        (
            {"switches": [{"name": "Default Switch", "type": "Internal"}]},
            "no External vswitch found. A valid vswitch must be available for this command to run. "
            "Check https://docs.docker.com/machine/drivers/hyper-v/",
        ),
    ],
)
def test_pre_create_checks_are_docker_machines(powershell, tmp_path, hyperv, message):
    powershell.set(**hyperv)
    result = machine(tmp_path, "create", "-d", "hyperv", "--hyperv-image-url", "file:///base.vhdx", "dev")
    assert (result.returncode, last_line(result)) == (3, f'Error with pre-create check: "{message}"'), result.stderr
    assert powershell.vms() == [] and not (tmp_path / "store" / "machines" / "dev").exists()


def test_a_named_switch_that_is_not_there(powershell, tmp_path):
    result = machine(
        tmp_path, "create", "-d", "hyperv", "--hyperv-image-url", "file:///b.vhdx", "dev", HYPERV_VIRTUAL_SWITCH="lan"
    )
    assert result.returncode == 3 and last_line(result).startswith("Error with pre-create check: ")
    assert 'vswitch "lan" not found' in last_line(result), "chooseVirtualSwitch's words (Go's %q around the name)"


def test_a_member_of_hyperv_administrators_passes(powershell, tmp_path):
    """Not elevated, but in Hyper-V Administrators (S-1-5-32-578): docker-machine's isAdministrator is true."""
    powershell.set(windows_admin=False, hyperv_admin=True)
    from pulumi_docker_machine.components.drivers.hyperv import check

    assert check({"image_url": "file:///b.vhdx"})["virtual_switch"] == "External Switch", "the first external switch"


def test_without_powershell(tmp_path):
    result = machine(
        tmp_path,
        "create",
        "-d",
        "hyperv",
        "--hyperv-image-url",
        "file:///b.vhdx",
        "dev",
        PATH=str(Path(sys.executable).parent),
    )
    assert (result.returncode, last_line(result)) == (
        3,
        'Error with pre-create check: "Powershell was not found in the path"',
    )


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (("--hyperv-boot2docker-url", "https://example.com/b2d.iso"), "--hyperv-boot2docker-url"),
        ((), "--hyperv-image-url"),
        (("--hyperv-image-url", "file:///b.vhdx", "--hyperv-vlan-id", "5000"), "vlan_id"),
        (("--hyperv-image-url", "file:///b.vhdx", "--hyperv-static-macaddress", "xyz"), "static_macaddress"),
    ],
)
def test_refusals_are_one_line_and_exit_1(powershell, tmp_path, args, words):
    result = machine(tmp_path, "create", "-d", "hyperv", *args, "dev")
    lines = [line for line in (result.stdout + result.stderr).splitlines() if line.strip()]
    assert result.returncode == 1 and len(lines) == 1 and words in lines[0], result.stdout + result.stderr
    assert not powershell.state().get("calls") and not (tmp_path / "store" / "machines" / "dev").exists()

"""One bad machine folder spoils no other: ls lists it with its reason, every command gives one line and exit 1,
and rm -f removes it. Run through the installed docker-machine script (its exit codes are the user's)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import add_machine

SCRIPT = Path(sys.executable).parent / "docker-machine"


def dm(world, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(SCRIPT), *args], capture_output=True, text=True, timeout=60, env={**os.environ, **world.env}
    )


@pytest.fixture
def broken_store(world):
    add_machine(world.root, "good", ip="127.0.0.1", engine_port=1)
    machines = world.root / "machines"
    for name, text in {
        "truncated": '{"ConfigVersion": 3, "Driver": {',
        "wrongtypes": json.dumps({"Name": "wrongtypes", "Driver": "not an object"}),
        "badport": json.dumps(
            {"Name": "badport", "DriverName": "generic", "Driver": {"IPAddress": "127.0.0.1", "SSHPort": "22"}}
        ),
        "baduser": json.dumps(
            {
                "Name": "baduser",
                "DriverName": "generic",
                "Driver": {"IPAddress": "127.0.0.1", "SSHUser": "-oProxyCommand=x"},
            }
        ),
        "bad_name": json.dumps({"Name": "bad_name", "DriverName": "generic"}),
    }.items():
        (machines / name).mkdir(mode=0o700)
        (machines / name / "config.json").write_text(text)
    return world


def test_ls_lists_every_machine_with_the_broken_ones_reasons(broken_store):
    result = dm(broken_store, "ls", "--format", "{{.Name}}|{{.State}}|{{.Error}}")
    assert result.returncode == 0, result.stderr
    rows = dict(line.split("|", 1) for line in result.stdout.splitlines())
    assert set(rows) == {"good", "truncated", "wrongtypes", "badport", "baduser", "bad_name"}
    assert rows["good"].startswith("Stopped|") or rows["good"].startswith("Error|")
    assert rows["truncated"] == "Error|config.json is not valid JSON at line 1"
    assert rows["wrongtypes"] == "Error|config.json's Driver is not an object"
    assert rows["badport"] == "Error|config.json's Driver.SSHPort is not a number"
    assert rows["baduser"] == "Error|config.json's Driver.SSHUser '-oProxyCommand=x' is not a user name"
    assert rows["bad_name"] == "Error|its folder's name is not a machine name"
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    "command", [["inspect"], ["env"], ["ip"], ["url"], ["config"], ["ssh"], ["rm", "-y"], ["stop"], ["provision"]]
)
def test_every_command_gives_one_line_and_exit_1(broken_store, command):
    result = dm(broken_store, *command, "truncated")
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        'Error loading host "truncated": config.json is not valid JSON at line 1: fix its config.json, '
        'or remove it with "docker-machine rm -f truncated"'
    ], result.stderr


def test_rm_force_removes_broken_machines_and_leaves_the_rest(broken_store):
    result = dm(broken_store, "rm", "-f", "truncated", "bad_name", "baduser")
    assert result.returncode == 0, result.stderr
    machines = broken_store.root / "machines"
    assert sorted(p.name for p in machines.iterdir()) == ["badport", "good", "wrongtypes"]


@pytest.mark.engine
def test_rm_of_a_symlinked_machine_folder_says_what_it_did(world, pulumi_engine, tmp_path):
    elsewhere = tmp_path / "elsewhere"
    add_machine(elsewhere, "linked", ip="127.0.0.1", engine_port=1)
    (world.root / "machines").mkdir(parents=True)
    (world.root / "machines" / "linked").symlink_to(elsewhere / "machines" / "linked")
    result = dm(world, "rm", "-f", "linked")
    assert result.returncode == 0, result.stderr
    assert "was a symbolic link to" in result.stdout and "left what it points to" in result.stdout
    assert not (world.root / "machines" / "linked").is_symlink()
    assert (elsewhere / "machines" / "linked" / "config.json").exists()


def test_an_oversized_or_odd_config_is_refused_without_reading_it_all(world):
    add_machine(world.root, "huge", ip="127.0.0.1", engine_port=1)
    config = world.root / "machines" / "huge" / "config.json"
    os.truncate(config, 4 << 20)  # 4 MiB, sparse
    result = dm(world, "ip", "huge")
    assert result.returncode == 1 and "config.json is larger than 1048576 bytes" in result.stderr, result.stderr
    config.unlink()
    config.symlink_to("/dev/zero")
    result = dm(world, "ip", "huge")
    assert result.returncode == 1 and "config.json is not a regular file" in result.stderr, result.stderr


def test_a_spec_with_unknown_fields_is_one_line(world):
    add_machine(world.root, "odd", ip="127.0.0.1", engine_port=1, pulumi_extra={"Spec": {"driver": "x", "evil": 1}})
    result = dm(world, "provision", "odd")
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        "Error: machine 'odd': config.json's Pulumi.Spec is not a machine spec: run 'docker-machine import odd' "
        "to rebuild it from the backend"
    ]


LEGACY = Path(__file__).parent / "fixtures" / "docker-machine-0.16" / "machines" / "legacy" / "config.json"


def legacy_config(world, change) -> str:
    data = json.loads(LEGACY.read_text().replace("STORE", str(world.root)).replace("192.168.99.100", "127.0.0.2"))
    data["Name"] = data["Driver"]["MachineName"] = "m"
    change(data)
    return json.dumps(data)


# Each crashed with a traceback before issue #19 (or, for the last four, passed a value on to ssh or a shell).
CORRUPT = {
    "config.json nests more than 32 levels deep": lambda world: "[" * 150_000,
    "config.json's Driver is not an object": lambda world: legacy_config(world, lambda d: d.update(Driver=None)),
    "config.json's Driver.URL 'tcp://[::1' is not tcp://ADDRESS:PORT": lambda world: legacy_config(
        world, lambda d: (d.update(DriverName="none"), d["Driver"].update(URL="tcp://[::1"))
    ),
    "config.json's HostOptions is not an object": lambda world: legacy_config(
        world, lambda d: d.update(HostOptions=None)
    ),
    "config.json's HostOptions.EngineOptions is not an object": lambda world: legacy_config(
        world, lambda d: d["HostOptions"].update(EngineOptions=None)
    ),
    "config.json's Pulumi.Spec.driver_options is not an object": lambda world: legacy_config(
        world, lambda d: d.update(Pulumi={"Spec": {"driver": "generic", "driver_options": "x"}})
    ),
    "config.json's Driver.SSHKeyPath '/k\",ProxyCommand=touch /tmp/x' holds a double quote": lambda world: (
        legacy_config(world, lambda d: d["Driver"].update(SSHKeyPath='/k",ProxyCommand=touch /tmp/x'))
    ),
    "config.json's Driver.SSHKeyPath 'id_rsa' is not an absolute path": lambda world: legacy_config(
        world, lambda d: d["Driver"].update(SSHKeyPath="id_rsa")
    ),
    "config.json's HostOptions.AuthOptions.StorePath '/x\\n;id' holds a control character ('\\n')": lambda world: (
        legacy_config(world, lambda d: d["HostOptions"]["AuthOptions"].update(StorePath="/x\n;id"))
    ),
    "config.json's address 'fe80::1%$(id)' is neither an IP address nor a host name": lambda world: legacy_config(
        world, lambda d: d["Driver"].update(IPAddress="fe80::1%$(id)")
    ),
}


@pytest.mark.parametrize("reason", sorted(CORRUPT))
def test_corrupt_configs_are_one_line_listed_and_removable(world, reason):
    (world.root / "machines" / "m").mkdir(parents=True, mode=0o700)
    (world.root / "machines" / "m" / "config.json").write_text(CORRUPT[reason](world))
    result = dm(world, "ip", "m")
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        f'Error loading host "m": {reason}: fix its config.json, or remove it with "docker-machine rm -f m"'
    ]
    listed = dm(world, "ls", "--format", "{{.Name}}|{{.State}}|{{.Error}}")
    assert listed.returncode == 0 and listed.stdout == f"m|Error|{reason}\n", listed.stderr
    removed = dm(world, "rm", "-f", "m")
    assert removed.returncode == 0 and not (world.root / "machines" / "m").exists(), removed.stderr

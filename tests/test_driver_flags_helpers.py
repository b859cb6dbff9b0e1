"""What the tests of docker-machine 0.16.2's driver flags share (tests/test_driver_flags_*.py).

A flag is given to the real ``create`` command (click, its environment variable, create's own translation into
the driver's options, the checks create runs before "Running pre-create checks..."); the create itself is
captured there, and the machine it would make is built under the suite's mocks in this process, so each test
sees the resources and inputs the flag produced."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Optional

import pytest
from click.testing import CliRunner

from tests.conftest import MachineMocks, RecordingMonitor, run_program

SECURITY_GROUP_IDS = {"xxxxx": "sg-0aaaa0000aaaa0000", "shared": "sg-0bbbb0000bbbb0000"}
IPV6_ADDRESS = "2001:db8::10"


class TimeoutsMonitor(RecordingMonitor):
    """The suite's monitor, also keeping each resource's custom create timeout."""

    def __init__(self, mocks) -> None:
        super().__init__(mocks)
        self.custom_timeouts: dict[str, str] = {}

    def RegisterResource(self, request):
        if request.HasField("customTimeouts") and request.customTimeouts.create:
            self.custom_timeouts[request.name] = request.customTimeouts.create
        return super().RegisterResource(request)


@dataclass
class FlagMocks(MachineMocks):
    """The suite's mocks, answering the lookups the 0.16.2 flags add: EC2 security groups by name (those of
    ``SECURITY_GROUP_IDS`` exist), an AMI's root device."""

    root_device: str = "/dev/sda1"
    asked: list = field(default_factory=list)

    def new_resource(self, args):
        id_, state = super().new_resource(args)
        if args.typ == "openstack:compute/instance:Instance":  # what Nova reports of a new server
            state = {**state, "accessIpV4": self.vm_address, "accessIpV6": IPV6_ADDRESS}
            with self._lock:
                next(r for r in self.resources if (r.typ, r.name) == (args.typ, args.name)).state.update(state)
        elif args.typ in ("openstack:compute/keypair:Keypair", "openstack:networking/secGroup:SecGroup"):
            state = {**state, "name": state.get("name") or f"{args.name}-4f2a9c1"}  # Pulumi's auto-name
        return id_, state

    def call(self, args):
        if args.token == "aws:ec2/getSecurityGroups:getSecurityGroups":
            with self._lock:
                self.calls.append((args.token, dict(args.args)))
            names = next(f["values"] for f in args.args["filters"] if f["name"] == "group-name")
            return {"id": "groups", "ids": [SECURITY_GROUP_IDS[n] for n in names if n in SECURITY_GROUP_IDS]}
        answer = super().call(args)
        if args.token == "aws:ec2/getAmi:getAmi":
            answer = {**answer, "rootDeviceName": self.root_device}
        return answer


@dataclass
class Created:
    name: str
    spec: Any


def create(monkeypatch, tmp_path, *args: str, env: Optional[dict] = None) -> Created:
    """``docker-machine create ARGS`` up to the machine's update: the flags parsed and checked as create does;
    fails the test with create's output when it refuses them."""
    import pulumi_docker_machine.automation as automation
    from pulumi_docker_machine.automation.machines import check_configuration
    from pulumi_docker_machine.cli.app import cli

    captured: list[Created] = []

    def capture(name, spec, **_kwargs):
        check_configuration(name, spec)
        captured.append(Created(name, spec))

    monkeypatch.setattr(automation, "create_machine", capture)
    monkeypatch.setenv("MACHINE_STORAGE_PATH", str(tmp_path / "store"))
    result = CliRunner().invoke(cli, ["create", *args], env=env, catch_exceptions=False)
    assert result.exit_code == 0 and captured, result.output
    return captured[0]


def refused(monkeypatch, tmp_path, *args: str, env: Optional[dict] = None) -> str:
    """``docker-machine create ARGS`` through the installed script's entry point: its one-line refusal (exit 1,
    nothing made)."""
    import contextlib
    import io
    import sys

    import pulumi_docker_machine.automation as automation
    from pulumi_docker_machine.automation.machines import check_configuration
    from pulumi_docker_machine.cli.fast import main

    made: list = []
    monkeypatch.setattr(
        automation, "create_machine", lambda name, spec, **_: (check_configuration(name, spec), made.append(name))
    )
    monkeypatch.setenv("MACHINE_STORAGE_PATH", str(tmp_path / "store"))
    for key, value in (env or {}).items():
        monkeypatch.setenv(key, value)
    monkeypatch.setattr(sys, "argv", ["docker-machine", "create", *args])
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            main()
            code = 0
        except SystemExit as exit_:
            code = exit_.code if isinstance(exit_.code, int) else 1
    for key in env or {}:
        monkeypatch.delenv(key)
    lines = [line for line in (out.getvalue() + err.getvalue()).splitlines() if line.strip()]
    assert code == 1 and not made and len(lines) == 1, (code, out.getvalue() + err.getvalue())
    return lines[0]


def build(created: Created, mocks: Optional[MachineMocks] = None) -> MachineMocks:
    """The machine ``created`` would make, under ``mocks`` (FlagMocks by default)."""
    from pulumi_docker_machine.automation.settings import machine_args
    from pulumi_docker_machine.components import DockerMachine

    mocks = mocks or FlagMocks()

    def program() -> dict:
        machine = DockerMachine(created.name, machine_args(created.spec))
        return {"ip": machine.ip, "ssh_private_key": machine.ssh_private_key, "ssh_port": machine.ssh_port}

    import tests.conftest as conftest

    conftest.RecordingMonitor = TimeoutsMonitor  # run_program's monitor, keeping custom timeouts too
    try:
        mocks.outputs = run_program(mocks, program)
    finally:
        conftest.RecordingMonitor = RecordingMonitor
    return mocks


def test_the_helpers_see_a_refusal_and_a_create(monkeypatch, tmp_path):
    assert "generic driver requires the --generic-ip-address option" in refused(
        monkeypatch, tmp_path, "-d", "generic", "box"
    )
    with pytest.raises(AssertionError):
        create(monkeypatch, tmp_path, "-d", "generic", "box")

"""A driver whose provider is configured with something that expires (Rackspace: a token made at each run) has
``rm`` run its program again (``pulumi destroy --run-program``), so the provider logs in afresh instead of using
the day-old token kept in state; every other driver's rm destroys from state alone. Through the fake Pulumi CLI."""

from __future__ import annotations

from pulumi_docker_machine.components.drivers import describe
from tests.test_cli_write import create_do, fake, run  # noqa: F401 - fake: the fixture


def destroys(fake) -> list[list[str]]:  # noqa: F811
    return [command for command in fake.commands() if command[:1] == ["destroy"]]


def test_rm_runs_the_program_only_for_a_driver_that_asks(world, fake, monkeypatch):  # noqa: F811
    assert describe("rackspace").destroy_runs_program
    assert not describe("digitalocean").destroy_runs_program
    assert create_do("plain").exit_code == 0
    assert run("rm", "-y", "plain").exit_code == 0
    [plain] = destroys(fake)
    assert "--remove" in plain and not any(word.startswith("--run-program") for word in plain)

    fake.calls.clear()
    monkeypatch.setattr(describe("digitalocean"), "destroy_runs_program", True)
    assert create_do("fresh").exit_code == 0
    removed = run("rm", "-y", "fresh")
    assert removed.exit_code == 0, removed.output
    [fresh] = destroys(fake)
    assert "--remove" in fresh and "--run-program=true" in fresh
    assert "fresh" not in fake.stacks and not world.store().exists("fresh")

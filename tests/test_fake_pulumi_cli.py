"""The fake Pulumi CLI (tests/fakes/pulumi_cli.py) does what the real one does with what the CLI sends it: config
subcommands by name (an unknown one refused), and each update step with the engine's op against the stack's state.
Its texts and codes are compared with the built CLI in tests/test_engine_fake_cli_config.py."""

from __future__ import annotations

import pytest
from pulumi.automation.errors import CommandError

from tests.fakes.pulumi_cli import FakePulumiCommand
from tests.test_cli_write import create_do, fake, run  # noqa: F401 - the fixture and helpers of the CLI tests

MACHINE = "docker-machine:index:DockerMachine"


def ops(steps: list) -> dict:
    return {(type_.rsplit(":", 1)[-1], name): op for op, type_, name in steps}


def test_a_second_update_reports_same_update_and_delete_as_the_engine_would(world, fake):  # noqa: F811
    assert create_do().exit_code == 0
    assert set(ops(fake.steps).values()) == {"create"}, "a new stack: every resource is created"
    created = len(fake.steps)
    fake.steps.clear()
    stopped = run("stop", "dev")
    assert stopped.exit_code == 0, stopped.output
    second = ops(fake.steps)
    assert second.pop(("DropletPower", "dev-power")) == "update", "the power input changed"
    assert second.pop(("Command", "dev-provision")) == "delete", "a stopped machine's program has no provisioning"
    assert set(second.values()) == {"same"} and len(second) == created - 2, second
    fake.steps.clear()
    assert run("rm", "-y", "dev").exit_code == 0
    assert [op for op, _, _ in fake.steps] == ["delete"] * (created - 1)
    assert fake.steps[-1][1:] == (MACHINE, "dev"), "deleted in reverse order: the component last"


@pytest.fixture
def stack(tmp_path):
    pulumi = FakePulumiCommand()
    (tmp_path / "Pulumi.yaml").write_text("name: docker-machine\nruntime: python\n")
    pulumi.run(["stack", "init", "s"], str(tmp_path), {"PULUMI_CONFIG_PASSPHRASE": "x"})
    return lambda *args: pulumi.run(list(args), str(tmp_path), {}), pulumi


def test_config_subcommands(stack):
    run_, pulumi = stack
    run_("config", "set", "a", "--plaintext", "--stack", "s", "--non-interactive", "--", "--1")
    assert pulumi.stacks["s"].config == {"docker-machine:a": {"value": "--1", "secret": False}}, (
        "a key without namespace is the project's; after -- a value may start with dashes"
    )
    assert run_("config", "get", "a", "--json", "--stack", "s").stdout == '{\n  "value": "--1",\n  "secret": false\n}'
    run_("config", "set-all", "--stack", "s", "--secret", "docker-machine:b=x=y")
    shown = run_("config", "--json", "--stack", "s").stdout
    assert '"docker-machine:b": {\n    "secret": true\n  }' in shown, "a secret is listed without its value"
    run_("config", "rm", "a", "--stack", "s")
    run_("config", "rm", "nothing", "--stack", "s")
    assert list(pulumi.stacks["s"].config) == ["docker-machine:b"]
    with pytest.raises(CommandError, match="configuration key 'a' not found for stack 's'"):
        run_("config", "get", "a", "--json", "--stack", "s")
    with pytest.raises(CommandError, match="no previous deployment"):
        run_("config", "refresh", "--force", "--stack", "s")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["config", "bogus", "--stack", "s"], 'unknown command "bogus" for "pulumi config"'),
        (["stack", "frob"], 'unknown command "frob" for "pulumi stack"'),
        (["frob"], 'unknown command "frob" for "pulumi"'),
        (["config", "get", "a", "b", "--stack", "s"], "accepts 1 arg(s), received 2"),
        (["config", "set", "--no-such-flag", "a", "b", "--stack", "s"], "unknown flag: --no-such-flag"),
        (["config", "set-all", "--stack"], "flag needs an argument: --stack"),
        (["config", "--json", "--stack", "nosuch"], "no stack named 'nosuch' found"),
    ],
)
def test_what_the_real_cli_refuses_is_refused(stack, args, message):
    run_, _ = stack
    with pytest.raises(CommandError) as raised:
        run_(*args)
    assert message in str(raised.value)

"""An update's outputs are taken from its inline program as it exports them (automation/captured.py), not from a
``pulumi stack output`` process afterwards: through the real engine (make engine), what update.up hands back equals
``pulumi stack output --json --show-secrets`` exactly, and a create runs no ``stack output``."""

from __future__ import annotations

import json

import pulumi
import pytest
from pulumi import automation as auto

from pulumi_docker_machine.automation import stackconfig, update
from pulumi_docker_machine.automation.guarded import GuardedCommand
from tests.test_cli_write import run
from tests.test_pulumi_commands import brief

pytestmark = [pytest.mark.engine]


@pytest.fixture
def recorded(monkeypatch):
    """Every pulumi command any workspace runs (its words), and every fallback to ``stack output``."""
    commands: list[list[str]] = []
    fallbacks: list[str] = []
    original_outputs = update.outputs

    def recording(original):
        def recording_run(self, args, *rest, **kwargs):
            commands.append(list(args))
            return original(self, args, *rest, **kwargs)

        return recording_run

    def recording_outputs(stack):
        fallbacks.append(stack.name)
        return original_outputs(stack)

    monkeypatch.setattr(auto.PulumiCommand, "run", recording(auto.PulumiCommand.run))  # the test's own stacks
    monkeypatch.setattr(GuardedCommand, "run", recording(GuardedCommand.run))  # the commands' (it runs them itself)

    def recording_with_input(workspace, args, text):
        commands.append(list(args))
        return original_with_input(workspace, args, text)

    original_with_input = stackconfig.run_with_input  # secrets on standard input: a process of its own
    monkeypatch.setattr(stackconfig, "run_with_input", recording_with_input)
    monkeypatch.setattr(update, "outputs", recording_outputs)
    return commands, fallbacks


def stack_output(stack) -> dict:
    return json.loads(stack.workspace._run_pulumi_cmd_sync(["stack", "output", "--json", "--show-secrets"]).stdout)


def plain(result) -> dict:
    return {key: value.value for key, value in result.outputs.items()}


def test_an_inline_programs_outputs_are_what_stack_output_gives(pulumi_engine, tmp_path, monkeypatch, recorded):
    """Outputs of every shape the programs export (the swarm's nested dicts of outputs, secrets, ints, bools,
    lists, empty ones, None inside and at the top): the same keys, values and types as the CLI's."""
    commands, fallbacks = recorded
    (tmp_path / "backend").mkdir()
    monkeypatch.setenv("PULUMI_CONFIG_PASSPHRASE", "captured")
    monkeypatch.setenv("PULUMI_BACKEND_URL", (tmp_path / "backend").as_uri())

    def program() -> None:
        port = pulumi.Output.from_input(2376)
        pulumi.export("docker_host", port.apply(lambda p: f"tcp://10.0.0.5:{p}"))
        pulumi.export("ssh_port", pulumi.Output.from_input(22))
        pulumi.export("ratio", 0.5)
        pulumi.export("client_key_pem", pulumi.Output.secret("-----BEGIN PRIVATE KEY-----\nx\n"))
        pulumi.export(
            "machines",
            {
                "node-1": {"ip": pulumi.Output.from_input("10.0.0.5"), "ssh_port": port, "labels": {}},
                "node-2": {"ip": pulumi.Output.secret("10.0.0.6"), "tags": ["a", 1, True, None], "gone": None},
            },
        )
        pulumi.export("empty", [])
        pulumi.export("enabled", False)
        pulumi.export("nothing", None)

    project = tmp_path / "project"
    project.mkdir()
    stack = auto.create_stack(
        "captured",
        project_name="captured",
        program=program,
        opts=auto.LocalWorkspaceOptions(
            work_dir=str(project), pulumi_command=auto.PulumiCommand(root=str(pulumi_engine.bin.parent))
        ),
    )
    commands.clear()
    result = update.up(stack, color="never")
    assert [c[0] for c in commands] == ["up"] and fallbacks == [], "no `stack output` process"
    expected = stack_output(stack)
    assert plain(result) == expected and "nothing" not in expected
    assert json.dumps(plain(result), sort_keys=True) == json.dumps(expected, sort_keys=True), "the same types"
    assert all(value.secret for value in result.outputs.values())

    # A program that exports nothing hands nothing over: the CLI is asked.
    commands.clear()
    result = update.up(stack, color="never", program=lambda: None)
    assert plain(result) == {} and fallbacks == ["captured"]
    assert [c[:2] for c in commands] == [["up", "--yes"], ["stack", "output"]]


def test_create_and_provision_take_the_machines_outputs_from_its_program(world, pulumi_engine, recorded):
    """A real create (driver none: nothing to reach) runs four pulumi commands and a provision three, none of them
    `stack output`; the outputs the store is written from equal the CLI's."""
    commands, fallbacks = recorded
    created = run("create", "-d", "none", "--url", "tcp://10.0.0.5:2376", "alias")
    assert created.exit_code == 0, created.output
    assert [brief(c) for c in commands if c[:1] != ["version"]] == [
        ("stack", "init", "alias"),
        ("config", "set-all"),
        ("config", "set", "docker-machine:certKeys"),
        ("up",),
    ]
    commands.clear()
    compared: list[tuple] = []
    original = update.up

    def comparing(stack, **kwargs):
        result = original(stack, **kwargs)
        compared.append(([brief(c) for c in commands], plain(result), stack_output(stack)))
        return result

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(update, "up", comparing)
        provisioned = run("provision", "alias")
    assert provisioned.exit_code == 0, provisioned.output
    [(ran, taken, expected)] = compared
    assert ran == [("config", "set-all"), ("config",), ("up",)] and fallbacks == []
    assert taken == expected and json.dumps(taken, sort_keys=True) == json.dumps(expected, sort_keys=True)
    assert taken["docker_host"] == "tcp://10.0.0.5:2376" and taken["client_key_pem"].startswith("-----BEGIN")

"""The pulumi commands a create, a provision and an rm run, pinned: each is a process (a Go start, ~0.25 s of CPU;
with PBKDF2 of the passphrase when it decrypts, more), so one added later must be a decision, not an accident.
Through the CLI with the fake Pulumi CLI (tests/fakes/pulumi_cli.py), which records every command. The fake runs the
inline program in a process of its own, so an update's outputs come from update.py's fallback, a `stack output`; the
real engine runs it in this process, which hands them over: tests/test_captured_outputs.py pins the commands of a
create (4) and a provision (3) through it."""

from __future__ import annotations

from tests.test_cli_write import TOKEN, create_do, fake, run  # noqa: F401 - fake: the fixture

NAME = "dev"


def brief(command: list[str]) -> tuple[str, ...]:
    """A command's words before its first flag; a ``config set``'s key; ``destroy``'s --remove."""
    words = []
    for word in command:
        if word.startswith("-"):
            break
        words.append(word)
    if words[:2] == ["config", "set"]:
        return ("config", "set", command[-1])
    if words == ["destroy"] and "--remove" in command:
        return ("destroy", "--remove")
    return tuple(words)


def ran(fake) -> list[tuple[str, ...]]:  # noqa: F811 - the fixture's value
    commands = [brief(command) for command in fake.commands()]
    fake.calls.clear()
    return commands


def test_create_provision_and_rm_run_only_these_pulumi_commands(world, fake):  # noqa: F811
    created = create_do(NAME)
    assert created.exit_code == 0, created.output
    assert ran(fake) == [
        ("stack", "init", NAME),  # the store does not know it: made, not selected first
        ("config", "set-all"),
        ("config", "set", "docker-machine:certKeys"),  # secrets on standard input, one process each; both
        ("config", "set", "docker-machine:driverSecret.access_token"),  # private keys are one secret
        ("up",),
        ("stack", "output"),  # the fake's only: the program ran out of this process (see above)
    ]
    provisioned = run("provision", NAME)
    assert provisioned.exit_code == 0, provisioned.output
    assert ran(fake) == [
        ("config", "set-all"),  # a stack the store knows: no `stack select` to open it
        ("config",),  # its secrets read to set only those that changed (none here)
        ("up",),
        ("stack", "output"),  # the fake's only
    ]
    removed = run("rm", "-y", NAME)
    assert removed.exit_code == 0, removed.output
    assert ran(fake) == [("destroy", "--remove")], "destroyed and removed by one process, no select"
    assert NAME not in fake.stacks


def test_rm_of_a_machine_whose_stack_is_gone_is_one_command_and_succeeds(world, fake):  # noqa: F811
    assert create_do(NAME).exit_code == 0
    del fake.stacks[NAME]  # removed from the backend behind the store's back
    ran(fake)
    removed = run("rm", "-y", NAME)
    assert removed.exit_code == 0, removed.output
    assert ran(fake) == [("destroy", "--remove")] and not world.store().exists(NAME)


def test_an_update_of_a_machine_whose_stack_is_gone_makes_it_again(world, fake):  # noqa: F811
    assert create_do(NAME).exit_code == 0
    del fake.stacks[NAME]
    ran(fake)
    provisioned = run("provision", NAME, env={"DIGITALOCEAN_ACCESS_TOKEN": TOKEN})  # the token went with the stack
    assert provisioned.exit_code == 0, provisioned.output
    commands = ran(fake)
    assert commands[:2] == [("config", "set-all"), ("stack", "init", NAME)], "its first command said it is gone"
    assert ("up",) in commands and NAME in fake.stacks

"""A stand-in for the Pulumi CLI, injected into the Automation API's LocalWorkspace.

Kept only for what the real engine (make engine, tests/test_engine_*.py) cannot be made to do here:
DigitalOcean and EC2 machines (their APIs are out of reach) and a cloud side that refuses a destroy.
To stay honest it:
- reports the version of the CLI that ``make engine`` builds (the pip SDK's, pinned), so the SDK
  drives it exactly as it drives that CLI, events included: they stream over gRPC to the
  ``--event-log tcp://...`` address, as CLIs after 3.205 send them;
- answers ``up`` by running the stack's own inline program under the suite's mocks in a separate
  process (tests/fakes/program_under_mocks.py): its outputs and resources, not fixed ones;
- accepts only the flags in ``ACCEPTED_FLAGS``, each checked against the built CLI's ``--help``
  (tests/test_engine_fake_cli.py), and refuses any other;
- records every call with its environment, and answers errors with the real CLI's texts, so the
  SDK's own error mapping (StackNotFoundError, ConcurrentUpdateError, CommandError) runs unchanged.
"""

from __future__ import annotations

import importlib.metadata
import json
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

import grpc
from pulumi.automation import CommandResult, PulumiCommand
from pulumi.automation.errors import create_command_error
from pulumi.runtime.proto import events_pb2, events_pb2_grpc
from semver import VersionInfo

ROOT = Path(__file__).resolve().parent.parent.parent
HISTORY_TIME = "2026-11-25T18:00:00.000000Z"

# What the commands the workspace and stack objects issue take, as the built CLI (v3.260.0) parses them
# (tests/test_engine_fake_cli.py checks each flag against it): each flag takes a value (True) or is a switch
# (False), and a command takes from `args[0]` to `args[1]` positional arguments. Anything else is refused with
# the real CLI's cobra error and exit code 1.
VALUE, SWITCH = True, False
GLOBAL_FLAGS = ("--non-interactive",)
GLOBAL_SPEC = {"--non-interactive": SWITCH, "--color": VALUE, "--stack": VALUE}


@dataclass(frozen=True)
class Spec:
    flags: dict
    args: tuple = (0, 0)


UP_FLAGS = {
    "--yes": SWITCH,
    "--skip-preview": SWITCH,
    "--client": VALUE,
    "--exec-kind": VALUE,
    "--replace": VALUE,
    "--event-log": VALUE,
    "--exec-agent": VALUE,
}
COMMANDS: dict[tuple[str, ...], Spec] = {
    ("stack", "select"): Spec({"--create": SWITCH, "--secrets-provider": VALUE}, (0, 1)),
    ("stack", "init"): Spec({"--secrets-provider": VALUE}, (0, 1)),
    ("stack", "rm"): Spec({"--yes": SWITCH, "--force": SWITCH, "--preserve-config": SWITCH}, (0, 1)),
    ("stack", "ls"): Spec({"--json": SWITCH, "--all": SWITCH}),
    ("stack", "output"): Spec({"--json": SWITCH, "--show-secrets": SWITCH}, (0, 1)),
    ("stack", "history"): Spec({"--json": SWITCH, "--show-secrets": SWITCH, "--page-size": VALUE, "--page": VALUE}),
    ("config",): Spec({"--show-secrets": SWITCH, "--json": SWITCH}),
    ("config", "get"): Spec({"--json": SWITCH, "--path": SWITCH}, (1, 1)),
    ("config", "set"): Spec({"--secret": SWITCH, "--plaintext": SWITCH, "--raw": SWITCH, "--path": SWITCH}, (0, 2)),
    ("config", "set-all"): Spec({"--plaintext": VALUE, "--secret": VALUE, "--path": SWITCH, "--json": VALUE}),
    ("config", "rm"): Spec({"--path": SWITCH}, (1, 1)),
    ("config", "rm-all"): Spec({"--path": SWITCH}, (0, 1 << 16)),
    ("config", "refresh"): Spec({"--force": SWITCH}),
    ("up",): Spec(UP_FLAGS),
    ("destroy",): Spec(
        {
            **{
                key: UP_FLAGS[key]
                for key in ("--yes", "--skip-preview", "--event-log", "--exec-kind", "--exec-agent", "--client")
            },
            "--run-program": SWITCH,
            "--remove": SWITCH,
            "--continue-on-error": SWITCH,
        }
    ),
}
GROUPS = {"stack", "config"}  # commands with subcommands: an unknown word after them is an unknown command
# Every flag the fake takes for each command, global ones included (what tests/test_engine_fake_cli.py checks).
ACCEPTED_FLAGS: dict[tuple[str, ...], tuple[str, ...]] = {
    command: tuple(spec.flags) + tuple(f for f in GLOBAL_SPEC if f not in GLOBAL_FLAGS)
    for command, spec in COMMANDS.items()
}
NO_STACK_CODE = 6  # the built CLI's exit code for "no stack named ... found"


class Usage(Exception):
    """A command line the real CLI refuses while parsing it (cobra's text, exit code 1)."""


@dataclass
class Parsed:
    command: tuple[str, ...]
    args: list
    flags: dict  # flag -> value (a switch: True); a repeatable one (set-all's) -> a list of values
    pairs: list  # (flag, value) in order, for set-all's --plaintext/--secret


# The built CLI's other commands (`pulumi --help`, `pulumi config --help`, `pulumi stack --help`, aliases
# included): the fake names them as not modelled, where a word that is none of them is an unknown command.
REAL_COMMANDS = {
    "": {
        "new",
        "config",
        "stack",
        "console",
        "import",
        "refresh",
        "state",
        "install",
        "up",
        "destroy",
        "preview",
        "cancel",
        "env",
        "login",
        "logout",
        "whoami",
        "org",
        "project",
        "deployment",
        "api",
        "insights",
        "do",
        "policy",
        "plugin",
        "schema",
        "package",
        "version",
        "about",
        "gen-completion",
        "convert",
        "watch",
        "logs",
        "template",
        "neo",
        "update",
    },
    "config": {
        "copy",
        "cp",
        "env",
        "get",
        "refresh",
        "remove",
        "rm",
        "delete",
        "remove-all",
        "rm-all",
        "set",
        "set-all",
    },
    "stack": {
        "change-secrets-provider",
        "drift",
        "export",
        "get",
        "graph",
        "history",
        "import",
        "list",
        "ls",
        "migrate",
        "new",
        "init",
        "output",
        "remove",
        "rm",
        "rename",
        "schedule",
        "select",
        "tag",
        "unselect",
        "webhook",
    },
}


def unknown(word: str, where: str) -> Usage:
    return Usage(f'unknown command "{word}" for "{where}"\nRun \'{where} --help\' for usage.')


def command_path(rest: list[str]) -> tuple[str, ...]:
    """The command words at the front of ``rest`` (removed from it), as cobra resolves them."""
    if not rest or rest[0].startswith("-"):
        raise Usage("the fake Pulumi CLI does not model 'pulumi' without a command")
    first = rest.pop(0)
    if first not in REAL_COMMANDS[""]:
        raise unknown(first, "pulumi")
    if first in GROUPS and rest and not rest[0].startswith("-"):
        if (first, rest[0]) in COMMANDS:
            return first, rest.pop(0)
        if first == "stack" or rest[0] in REAL_COMMANDS[first]:
            if rest[0] not in REAL_COMMANDS[first]:
                raise unknown(rest[0], f"pulumi {first}")
            raise Usage(f"the fake Pulumi CLI does not model 'pulumi {first} {rest[0]}'")
    if (first,) not in COMMANDS:
        raise Usage(f"the fake Pulumi CLI does not model 'pulumi {first}'")
    return (first,)


def parse(words: list[str]) -> Parsed:
    """``words`` as the built CLI's cobra parses them: command path, flags (``--f v`` / ``--f=v``), ``--``."""
    rest, front = list(words), []
    while rest and rest[0].startswith("--") and rest[0].partition("=")[0] in GLOBAL_SPEC:  # global flags first
        front.append(rest.pop(0))
        if GLOBAL_SPEC[front[-1]] is VALUE and rest:
            front.append(rest.pop(0))
    command = command_path(rest)
    rest = front + rest
    spec = {**GLOBAL_SPEC, **COMMANDS[command].flags}
    args: list[str] = []
    flags: dict = {}
    pairs: list = []
    index = 0
    while index < len(rest):
        word = rest[index]
        if word == "--":
            args += rest[index + 1 :]
            break
        if word.startswith("--"):
            name, eq, inline = word.partition("=")
            if name not in spec:
                raise Usage(f"unknown flag: {name}")
            if spec[name] is VALUE:
                if not eq:
                    index += 1
                    if index >= len(rest):
                        raise Usage(f"flag needs an argument: {name}")
                    inline = rest[index]
                pairs.append((name, inline))
                flags[name] = inline
            else:
                if eq and inline not in ("true", "false", "1", "0"):
                    raise Usage(
                        f'invalid argument "{inline}" for "{name}" flag: strconv.ParseBool: parsing '
                        f'"{inline}": invalid syntax'
                    )
                flags[name] = inline in ("", "true", "1")
        elif word.startswith("-") and word != "-":
            raise Usage(f"unknown shorthand flag: '{word[1]}' in {word}")
        else:
            args.append(word)
        index += 1
    low, high = COMMANDS[command].args
    if not low <= len(args) <= high:
        if high == 0:
            raise Usage(
                f'unknown command "{args[0]}" for "pulumi {" ".join(command)}"\n'
                f"Run 'pulumi {' '.join(command)} --help' for usage."
                if command == ("config",)
                else f"accepts 0 arg(s), received {len(args)}"
            )
        raise Usage(
            f"accepts {low} arg(s), received {len(args)}"
            if low == high
            else f"accepts between {low} and {high} arg(s), received {len(args)}"
        )
    return Parsed(command, args, flags, pairs)


def pinned_version() -> str:
    """The CLI version make engine builds: the pip SDK's, which .ci/build-engine pins it to."""
    return importlib.metadata.version("pulumi")


def step(kind: str, op: str, type_: str, name: str, stack: str) -> dict:
    urn = f"urn:pulumi:{stack}::docker-machine::docker-machine:index:DockerMachine${type_}::{name}"
    return {kind: {"metadata": {"op": op, "urn": urn, "type": type_, "provider": ""}}}


@dataclass
class FakeStack:
    config: dict = field(default_factory=dict)  # full key -> {"value": str, "secret": bool}
    outputs: dict = field(default_factory=dict)
    secret_outputs: set = field(default_factory=set)
    # What the engine keeps in state: per resource its type, name, inputs, id and outputs, in creation order.
    resources: list = field(default_factory=list)
    deployed: bool = False
    deployed_config: Optional[dict] = None  # the config of the last update (what `config refresh` restores)


def full_key(key: str, cwd) -> str:
    """A key without a namespace is the project's, as the real CLI reads it (``a`` is ``PROJECT:a``)."""
    if ":" in key:
        return key
    project = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path(cwd, "Pulumi.yaml").read_text().splitlines()
            if line.startswith("name:")
        ),
        "",
    )
    return f"{project}:{key}"


@dataclass
class FakePulumiCommand(PulumiCommand):
    fail_up_with: Optional[str] = None  # the engine's error (e.g. a remote command's output)
    fail_destroy_with: Optional[str] = None
    calls: list = field(default_factory=list)
    stacks: dict = field(default_factory=dict)
    stdin_values: list = field(default_factory=list)  # (key, value) set through standard input
    steps: list = field(default_factory=list)  # (op, type, name) of every step of every update, in order

    def __post_init__(self) -> None:
        self.command = "pulumi"
        self.version = VersionInfo.parse(pinned_version())

    # -- what tests look at -------------------------------------------------------------------------

    def commands(self) -> list[list[str]]:
        return [[a for a in args if a != "--non-interactive"] for args, _ in self.calls]

    def env_of(self, first_words: tuple[str, ...]) -> dict:
        for args, env in self.calls:
            words = [a for a in args if a != "--non-interactive"]
            if tuple(words[: len(first_words)]) == first_words:
                return env
        raise AssertionError(f"no call {first_words}")

    # -- the CLI ------------------------------------------------------------------------------------

    @staticmethod
    def _fail(stderr: str, stdout: str = "", code: int = 255):
        raise create_command_error(CommandResult(stdout=stdout, stderr=stderr, code=code))

    @staticmethod
    def _ok(stdout: str = "") -> CommandResult:
        return CommandResult(stdout=stdout, stderr="", code=0)

    def _parse(self, words: list[str]) -> Parsed:
        try:
            return parse(words)
        except Usage as usage:
            self._fail(f"error: {usage}\n", code=1)
            raise  # not reached

    def _stack(self, parsed: Parsed) -> FakeStack:
        name = parsed.flags.get("--stack")
        if name not in self.stacks:
            self._fail(f"error: no stack named '{name}' found", code=NO_STACK_CODE)
        return self.stacks[name]

    def run(self, args, cwd, additional_env, on_output=None, on_error=None) -> CommandResult:
        args = list(args)
        if "--non-interactive" not in args:
            args.insert(0, "--non-interactive")
        self.calls.append((args, dict(additional_env)))
        parsed = self._parse(args)
        command, flags, positional = parsed.command, parsed.flags, parsed.args
        stack = flags.get("--stack")
        if command == ("stack", "select"):
            self._stack(parsed)
            return self._ok()
        if command == ("stack", "init"):
            name = positional[0] if positional else stack
            if (
                "PULUMI_CONFIG_PASSPHRASE" not in additional_env
                and "PULUMI_CONFIG_PASSPHRASE_FILE" not in additional_env
            ):
                self._fail(
                    "error: passphrase must be set with PULUMI_CONFIG_PASSPHRASE or "
                    "PULUMI_CONFIG_PASSPHRASE_FILE environment variables"
                )
            if name in self.stacks:
                self._fail(f"error: stack '{name}' already exists", code=1)
            self.stacks[name] = FakeStack()
            Path(cwd, f"Pulumi.{name}.yaml").write_text("encryptionsalt: v1:fakesalt==:v1:fake:fake==\n")
            return self._ok(f"Created stack '{name}'")
        if command == ("stack", "rm"):
            name = positional[0] if positional else stack
            if name not in self.stacks:
                self._fail(f"error: no stack named '{name}' found", code=NO_STACK_CODE)
            if self.stacks[name].resources and not flags.get("--force"):
                self._fail(
                    f"error: '{name}' still has resources; removal rejected. Possible actions:\n"
                    "- Make sure that 'pulumi destroy' has been run\n"
                    "- To delete the stack and leave the resources, use 'pulumi stack rm --force'",
                    code=1,
                )
            del self.stacks[name]
            return self._ok()
        if command == ("stack", "ls"):
            return self._ok(
                json.dumps(
                    [
                        {"name": n, "current": False, "updateInProgress": False, "resourceCount": len(s.resources)}
                        for n, s in self.stacks.items()
                    ]
                )
            )
        if command == ("stack", "output"):
            current = self._stack(parsed)
            masked = not flags.get("--show-secrets")
            return self._ok(
                json.dumps(
                    {
                        k: ("[secret]" if masked and k in current.secret_outputs else v)
                        for k, v in current.outputs.items()
                    }
                )
            )
        if command == ("stack", "history"):
            self._stack(parsed)
            return self._ok(
                json.dumps(
                    [
                        {
                            "kind": "update",
                            "startTime": HISTORY_TIME,
                            "message": "",
                            "environment": {},
                            "config": {},
                            "result": "succeeded",
                            "endTime": HISTORY_TIME,
                            "version": 1,
                        }
                    ]
                )
            )
        if command[0] == "config":
            return self._config(parsed, cwd)
        self._stack(parsed)  # up and destroy on a stack that does not exist: the real CLI's error
        if command == ("up",):
            return self._up(args, stack)
        return self._destroy(args, stack, remove=bool(flags.get("--remove")))

    def _config(self, parsed: Parsed, cwd) -> CommandResult:
        command, flags, positional = parsed.command, parsed.flags, parsed.args
        current = self._stack(parsed)
        config = current.config
        if command == ("config",):
            shown = {
                key: entry if flags.get("--show-secrets") or not entry["secret"] else {"secret": True}
                for key, entry in sorted(config.items())
            }
            if not flags.get("--json"):
                self._fail("error: the fake Pulumi CLI lists config only as JSON (--json)")
            return self._ok(json.dumps(shown, indent=2))
        if command == ("config", "get"):
            key = full_key(positional[0], cwd)
            if key not in config:
                self._fail(
                    f"error: configuration key '{positional[0]}' not found for stack '{flags['--stack']}'", code=1
                )
            if not flags.get("--json"):
                return self._ok(config[key]["value"] + "\n")
            return self._ok(json.dumps(config[key], indent=2))
        if command == ("config", "set"):
            if flags.get("--secret") and flags.get("--plaintext"):
                self._fail("error: only one of --secret and --plaintext may be specified", code=1)
            if len(positional) != 2:
                self._fail(
                    "error: the fake Pulumi CLI reads a value from standard input only through run_with_input", code=1
                )
            config[full_key(positional[0], cwd)] = {"value": positional[1], "secret": bool(flags.get("--secret"))}
            return self._ok()
        if command == ("config", "set-all"):
            for flag, pair in parsed.pairs:
                if flag in ("--plaintext", "--secret"):
                    key, eq, value = pair.partition("=")
                    if not eq:
                        self._fail(f"error: could not parse {pair} as a configuration key/value pair", code=1)
                    config[full_key(key, cwd)] = {"value": value, "secret": flag == "--secret"}
            return self._ok()
        if command == ("config", "rm"):
            config.pop(full_key(positional[0], cwd), None)  # a key that is not there: nothing to do, exit 0
            return self._ok()
        if command == ("config", "rm-all"):
            for key in positional:
                config.pop(full_key(key, cwd), None)
            return self._ok()
        # config refresh: the config of the last update comes back (--force: over the current file)
        if current.deployed_config is None:
            self._fail("error: getting latest configuration: no previous deployment", code=1)
        if not flags.get("--force"):
            self._fail("error: the fake Pulumi CLI refreshes config only with --force (never overwrites by asking)")
        current.config = {key: dict(entry) for key, entry in current.deployed_config.items()}
        return self._ok()

    def run_with_input(self, args, cwd, additional_env, text: str) -> CommandResult:
        """``config set --secret KEY`` with the value on standard input (pulumi_docker_machine/automation/stackconfig.py)."""
        args = ["--non-interactive", *args]
        self.calls.append((args, dict(additional_env)))
        parsed = self._parse(args)
        if parsed.command != ("config", "set") or not parsed.flags.get("--secret") or len(parsed.args) != 1:
            self._fail(f"error: the fake Pulumi CLI reads standard input only for config set --secret KEY, not {args}")
        current = self._stack(parsed)
        value = text if parsed.flags.get("--raw") else text.rstrip("\n")
        current.config[full_key(parsed.args[0], cwd)] = {"value": value, "secret": True}
        self.stdin_values.append((full_key(parsed.args[0], cwd), value))
        return self._ok()

    # -- updates ------------------------------------------------------------------------------------

    @staticmethod
    def _stream(words: list[str], events: list[dict]) -> None:
        """The engine's events to the SDK's gRPC events server; like the real CLI, a cancelEvent last."""
        address = words[words.index("--event-log") + 1]
        assert address.startswith("tcp://"), f"CLI {pinned_version()} streams events over gRPC, not to {address}"
        requests = [
            events_pb2.EventRequest(event=json.dumps({"sequence": n, "timestamp": 0, **event}))
            for n, event in enumerate([*events, {"cancelEvent": {}}])
        ]
        with grpc.insecure_channel(address.removeprefix("tcp://")) as channel:
            events_pb2_grpc.EventsStub(channel).StreamEvents(iter(requests))

    def _run_program(self, stack: str) -> dict:
        current = self.stacks[stack]
        given = {"config": current.config, "prior": current.resources}
        result = subprocess.run(
            [sys.executable, "-m", "tests.fakes.program_under_mocks", stack],
            input=json.dumps(given),
            capture_output=True,
            text=True,
            cwd=ROOT,
            timeout=120,
        )
        if result.returncode != 0:
            self._fail(f"error: the program failed under mocks:\n{result.stderr}", code=1)
        return json.loads(result.stdout)

    def _up(self, words: list[str], stack: str) -> CommandResult:
        """The program's steps with the ops the engine's would have against this stack's state: create for a new
        resource, same for one whose inputs did not change, update or replace for one whose did, delete for one
        the program no longer registers."""
        current = self.stacks[stack]
        ran = self._run_program(stack)
        events: list[dict] = []
        done: list[dict] = []
        replaced: list[dict] = []
        failed = False
        for resource in ran["resources"]:
            op, type_, name = resource["op"], resource["type"], resource["name"]
            self.steps.append((op, type_, name))
            events.append(step("resourcePreEvent", "create-replacement" if op == "replace" else op, type_, name, stack))
            if self.fail_up_with and type_ == "command:remote:Command":
                events.append(
                    {"diagnosticEvent": {"message": self.fail_up_with, "color": "never", "severity": "error"}}
                )
                events.append({"resOpFailedEvent": {**step("x", op, type_, name, stack)["x"], "status": 1, "steps": 1}})
                failed = True
                break
            if op == "replace":  # the engine's replacement: the new one, the swap, the old one deleted at the end
                events.append(step("resOutputsEvent", "create-replacement", type_, name, stack))
                events += [
                    step("resourcePreEvent", "replace", type_, name, stack),
                    step("resOutputsEvent", "replace", type_, name, stack),
                ]
                replaced.append(resource)
            else:
                events.append(step("resOutputsEvent", op, type_, name, stack))
            done.append(resource)
        registered = {(r["type"], r["name"]) for r in ran["resources"]}
        gone = [r for r in current.resources if (r["type"], r["name"]) not in registered]
        if not failed:
            for resource in replaced:
                events += [
                    step("resourcePreEvent", "delete-replaced", resource["type"], resource["name"], stack),
                    step("resOutputsEvent", "delete-replaced", resource["type"], resource["name"], stack),
                ]
            for resource in reversed(gone):
                self.steps.append(("delete", resource["type"], resource["name"]))
                events.append(step("resourcePreEvent", "delete", resource["type"], resource["name"], stack))
                events.append(step("resOutputsEvent", "delete", resource["type"], resource["name"], stack))
        self._stream(words, events)
        # State: what was done, then what the update did not reach (kept as it was), as the engine saves it.
        kept = {(r["type"], r["name"]) for r in done}
        current.resources = [self._state_of(r) for r in done] + [
            r
            for r in current.resources
            if (r["type"], r["name"]) not in kept and (failed or (r["type"], r["name"]) in registered)
        ]
        if failed:
            self._fail("error: update failed", stdout=f"Diagnostics:\n  {self.fail_up_with}\n")
        current.outputs, current.secret_outputs = ran["outputs"], set(ran["secret"])
        current.deployed = True
        current.deployed_config = {key: dict(entry) for key, entry in current.config.items()}
        counts = {
            op: sum(1 for r in ran["resources"] if r["op"] == op) for op in ("create", "update", "replace", "same")
        }
        summary = [f"    + {counts['create']} created"] if counts["create"] else []
        summary += [f"    ~ {counts['update']} updated"] if counts["update"] else []
        summary += [f"    +-{counts['replace']} replaced"] if counts["replace"] else []
        summary += [f"    - {len(gone)} deleted"] if gone else []
        summary += [f"    {counts['same']} unchanged"] if counts["same"] else []
        return self._ok("Resources:\n" + "\n".join(summary))

    @staticmethod
    def _state_of(resource: dict) -> dict:
        return {key: resource[key] for key in ("type", "name", "inputs", "id", "state")}

    def _destroy(self, words: list[str], stack: str, remove: bool) -> CommandResult:
        if self.fail_destroy_with:
            self._fail(f"error: {self.fail_destroy_with}", stdout=self.fail_destroy_with)
        current = self.stacks[stack]
        events = []
        for resource in reversed(current.resources):
            self.steps.append(("delete", resource["type"], resource["name"]))
            events += [
                step("resourcePreEvent", "delete", resource["type"], resource["name"], stack),
                step("resOutputsEvent", "delete", resource["type"], resource["name"], stack),
            ]
        self._stream(words, events)
        count, current.resources, current.outputs, current.deployed = len(current.resources), [], {}, False
        if remove:  # --remove: the stack and its config go too, as `stack rm` would remove them
            del self.stacks[stack]
            return self._ok(
                f"Resources:\n    - {count} deleted\n\n"
                "The resources in the stack have been deleted, and the history and configuration removed."
            )
        return self._ok(f"Resources:\n    - {count} deleted")

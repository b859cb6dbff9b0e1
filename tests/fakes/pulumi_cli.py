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

# The flags each command the workspace and stack objects issue may carry (global ones included).
GLOBAL_FLAGS = ("--non-interactive",)
ACCEPTED_FLAGS: dict[tuple[str, ...], tuple[str, ...]] = {
    ("stack", "select"): ("--stack",),
    ("stack", "init"): ("--secrets-provider",),
    ("stack", "rm"): ("--yes", "--force"),
    ("stack", "ls"): ("--json",),
    ("stack", "output"): ("--json", "--show-secrets", "--stack"),
    ("stack", "history"): ("--json", "--show-secrets", "--stack", "--page-size", "--page"),
    ("config", "set-all"): ("--stack", "--plaintext", "--secret", "--path"),
    ("config", "set"): ("--stack", "--secret", "--plaintext", "--raw", "--path"),
    ("config",): ("--show-secrets", "--json", "--stack"),
    ("up",): ("--yes", "--skip-preview", "--client", "--exec-kind", "--stack", "--replace", "--color",
              "--event-log", "--exec-agent"),
    ("destroy",): ("--yes", "--skip-preview", "--stack", "--color", "--event-log", "--exec-kind", "--exec-agent"),
}


def pinned_version() -> str:
    """The CLI version make engine builds: the pip SDK's, which .ci/build-engine pins it to."""
    return importlib.metadata.version("pulumi")


def command_of(words: list[str]) -> tuple[str, ...]:
    for length in (2, 1):
        if tuple(words[:length]) in ACCEPTED_FLAGS:
            return tuple(words[:length])
    return tuple(words[:1])


def flags_of(words: list[str]) -> list[str]:
    return [w.split("=", 1)[0] for w in words if w.startswith("--")]


def step(kind: str, op: str, type_: str, name: str, stack: str) -> dict:
    urn = f"urn:pulumi:{stack}::docker-machine::docker-machine:index:DockerMachine${type_}::{name}"
    return {kind: {"metadata": {"op": op, "urn": urn, "type": type_, "provider": ""}}}


@dataclass
class FakeStack:
    config: dict = field(default_factory=dict)  # key -> {"value": str, "secret": bool}
    outputs: dict = field(default_factory=dict)
    secret_outputs: set = field(default_factory=set)
    resources: list = field(default_factory=list)
    deployed: bool = False


@dataclass
class FakePulumiCommand(PulumiCommand):
    fail_up_with: Optional[str] = None  # the engine's error (e.g. a remote command's output)
    fail_destroy_with: Optional[str] = None
    calls: list = field(default_factory=list)
    stacks: dict = field(default_factory=dict)
    stdin_values: list = field(default_factory=list)  # (key, value) set through standard input

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

    def _check_flags(self, words: list[str]) -> None:
        command = command_of(words)
        if command not in ACCEPTED_FLAGS:
            self._fail(f"error: unknown command {' '.join(words)!r} for the fake Pulumi CLI")
        for flag in flags_of(words):
            if flag not in ACCEPTED_FLAGS[command] + GLOBAL_FLAGS:
                self._fail(f"error: unknown flag: {flag}", code=1)

    def run(self, args, cwd, additional_env, on_output=None, on_error=None) -> CommandResult:
        args = list(args)
        if "--non-interactive" not in args:
            args.insert(0, "--non-interactive")
        self.calls.append((args, dict(additional_env)))
        words = [a for a in args if a != "--non-interactive"]
        self._check_flags(words)
        stack = words[words.index("--stack") + 1] if "--stack" in words else None
        head = tuple(words[:2])
        if head == ("stack", "select"):
            if stack not in self.stacks:
                self._fail(f"error: no stack named '{stack}' found")
            return self._ok()
        if head == ("stack", "init"):
            name = words[2]
            if "PULUMI_CONFIG_PASSPHRASE" not in additional_env and "PULUMI_CONFIG_PASSPHRASE_FILE" not in additional_env:
                self._fail("error: passphrase must be set with PULUMI_CONFIG_PASSPHRASE or "
                           "PULUMI_CONFIG_PASSPHRASE_FILE environment variables")
            self.stacks[name] = FakeStack()
            Path(cwd, f"Pulumi.{name}.yaml").write_text("encryptionsalt: v1:fakesalt==:v1:fake:fake==\n")
            return self._ok(f"Created stack '{name}'")
        if head == ("stack", "rm"):
            self.stacks.pop(words[-1], None)
            return self._ok()
        if head == ("stack", "ls"):
            return self._ok(json.dumps([{"name": n, "current": False, "updateInProgress": False,
                                         "resourceCount": len(s.resources)} for n, s in self.stacks.items()]))
        if head == ("stack", "output"):
            current = self.stacks[stack]
            masked = "--show-secrets" not in words
            return self._ok(json.dumps({k: ("[secret]" if masked and k in current.secret_outputs else v)
                                        for k, v in current.outputs.items()}))
        if head == ("stack", "history"):
            return self._ok(json.dumps([{"kind": "update", "startTime": HISTORY_TIME, "message": "",
                                         "environment": {}, "config": {}, "result": "succeeded",
                                         "endTime": HISTORY_TIME, "version": 1}]))
        if head == ("config", "set-all"):
            for index, word in enumerate(words):
                if word in ("--plaintext", "--secret"):
                    key, _, value = words[index + 1].partition("=")
                    self.stacks[stack].config[key] = {"value": value, "secret": word == "--secret"}
            return self._ok()
        if head == ("config", "set"):
            self.stacks[stack].config[words[2]] = {"value": words[-1], "secret": "--secret" in words}
            return self._ok()
        if words[:1] == ["config"]:
            return self._ok(json.dumps(self.stacks[stack].config))
        if words[:1] == ["up"]:
            return self._up(words, stack)
        return self._destroy(words, stack)

    def run_with_input(self, args, cwd, additional_env, text: str) -> CommandResult:
        """``config set --secret KEY`` with the value on standard input (cli/operations/stackconfig.py)."""
        args = ["--non-interactive", *args]
        self.calls.append((args, dict(additional_env)))
        words = args[1:]
        self._check_flags(words)
        if words[:2] != ["config", "set"] or "--secret" not in words:
            self._fail(f"error: the fake Pulumi CLI reads standard input only for config set --secret, not {words}")
        stack = words[words.index("--stack") + 1]
        key = [w for w in words[2:] if not w.startswith("--") and w != stack][0]
        self.stacks[stack].config[key] = {"value": text, "secret": True}
        self.stdin_values.append((key, text))
        return self._ok()

    # -- updates ------------------------------------------------------------------------------------

    @staticmethod
    def _stream(words: list[str], events: list[dict]) -> None:
        """The engine's events to the SDK's gRPC events server; like the real CLI, a cancelEvent last."""
        address = words[words.index("--event-log") + 1]
        assert address.startswith("tcp://"), f"CLI {pinned_version()} streams events over gRPC, not to {address}"
        requests = [events_pb2.EventRequest(event=json.dumps({"sequence": n, "timestamp": 0, **event}))
                    for n, event in enumerate([*events, {"cancelEvent": {}}])]
        with grpc.insecure_channel(address.removeprefix("tcp://")) as channel:
            events_pb2_grpc.EventsStub(channel).StreamEvents(iter(requests))

    def _run_program(self, stack: str) -> dict:
        result = subprocess.run([sys.executable, "-m", "tests.fakes.program_under_mocks", stack],
                                input=json.dumps(self.stacks[stack].config), capture_output=True, text=True,
                                cwd=ROOT, timeout=120)
        if result.returncode != 0:
            self._fail(f"error: the program failed under mocks:\n{result.stderr}", code=1)
        return json.loads(result.stdout)

    def _up(self, words: list[str], stack: str) -> CommandResult:
        ran = self._run_program(stack)
        events: list[dict] = []
        resources = [(typ, name) for typ, name in ran["resources"]]
        for index, (type_, name) in enumerate(resources):
            events.append(step("resourcePreEvent", "create", type_, name, stack))
            if self.fail_up_with and type_ == "command:remote:Command":
                events.append({"diagnosticEvent": {"message": self.fail_up_with, "color": "never",
                                                   "severity": "error"}})
                events.append({"resOpFailedEvent": {**step("x", "create", type_, name, stack)["x"], "status": 1,
                                                    "steps": 1}})
                break
            events.append(step("resOutputsEvent", "create", type_, name, stack))
        self._stream(words, events)
        if self.fail_up_with:
            self._fail("error: update failed", stdout=f"Diagnostics:\n  {self.fail_up_with}\n")
        current = self.stacks[stack]
        current.outputs, current.secret_outputs = ran["outputs"], set(ran["secret"])
        current.resources, current.deployed = resources, True
        return self._ok(f"Resources:\n    + {len(resources)} created")

    def _destroy(self, words: list[str], stack: str) -> CommandResult:
        if self.fail_destroy_with:
            self._fail(f"error: {self.fail_destroy_with}", stdout=self.fail_destroy_with)
        current = self.stacks[stack]
        self._stream(words, [step("resourcePreEvent", "delete", type_, name, stack)
                             for type_, name in reversed(current.resources)])
        count, current.resources, current.outputs, current.deployed = len(current.resources), [], {}, False
        return self._ok(f"Resources:\n    - {count} deleted")

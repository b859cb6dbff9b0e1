"""A stand-in for the Pulumi CLI, injected into the Automation API's LocalWorkspace.

It records every call (arguments and environment) and answers the way the real CLI does for the
commands the workspace and stack objects issue: `stack select/init/rm/ls/output/history`,
`config set-all/set/--json`, `up`, `destroy`. Errors carry the real CLI's texts, so the SDK's own
error mapping (StackNotFoundError, ConcurrentUpdateError, CommandError) runs unchanged. `up` writes
the engine events of a scripted run to the event log the SDK tails.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Optional

from pulumi.automation import CommandResult, PulumiCommand
from pulumi.automation.errors import create_command_error
from semver import VersionInfo

from components.cert import KeyAndCertificate, issue_server_certificate
from components.ssh import generate_ssh_key

HISTORY_TIME = "2026-11-25T18:00:00.000000Z"


def step(kind: str, op: str, type_: str, name: str, stack: str) -> dict:
    urn = f"urn:pulumi:{stack}::docker-machine::docker-machine:index:DockerMachine${type_}::{name}"
    return {kind: {"metadata": {"op": op, "urn": urn, "type": type_, "provider": ""}}}


# The resources of a DigitalOcean machine, in the order the engine creates them.
DROPLET_RUN = [
    ("pulumi-python:dynamic/docker-machine:SSHKey", "ssh-key"),
    ("digitalocean:index/sshKey:SshKey", "ssh-key"),
    ("digitalocean:index/droplet:Droplet", ""),
    ("digitalocean:index/firewall:Firewall", "firewall"),
    ("pulumi-python:dynamic/docker-machine:DropletPower", "power"),
    ("pulumi-python:dynamic/docker-machine:ServerCertificate", "server-cert"),
    ("command:remote:Command", "provision"),
]


@dataclass
class FakeStack:
    config: dict = field(default_factory=dict)  # key -> {"value": str, "secret": bool}
    outputs: dict = field(default_factory=dict)
    secret_outputs: set = field(default_factory=set)
    deployed: bool = False


@dataclass
class FakePulumiCommand(PulumiCommand):
    outputs_for: Optional[Callable[[str, dict], tuple[dict, set]]] = None
    fail_up_with: Optional[str] = None  # the engine's error (e.g. a remote command's output)
    fail_destroy_with: Optional[str] = None
    locked: bool = False
    calls: list = field(default_factory=list)
    stacks: dict = field(default_factory=dict)
    resources: list = field(default_factory=lambda: list(DROPLET_RUN))
    stdin_values: list = field(default_factory=list)  # (key, value) set through standard input

    def __post_init__(self) -> None:
        self.command = "pulumi"
        self.version = VersionInfo.parse("3.200.0")  # before 3.205: events through the event-log file

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

    def run(self, args, cwd, additional_env, on_output=None, on_error=None) -> CommandResult:
        args = list(args)
        if "--non-interactive" not in args:
            args.insert(0, "--non-interactive")
        self.calls.append((args, dict(additional_env)))
        words = [a for a in args if a != "--non-interactive"]
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
                                         "resourceCount": 9} for n in self.stacks]))
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
        if words[:1] == ["destroy"]:
            if self.locked:
                self._fail("error: the stack is currently locked by 1 lock(s). Either wait for the other process(es)")
            if self.fail_destroy_with:
                self._fail(f"error: {self.fail_destroy_with}", stdout=self.fail_destroy_with)
            self._log(words, [step("resourcePreEvent", "delete", type_, f"{stack}-{suffix}" if suffix else stack, stack)
                              for type_, suffix in reversed(self.resources)])
            self.stacks[stack].deployed = False
            self.stacks[stack].outputs = {}
            return self._ok("Resources:\n    9 deleted")
        self._fail(f"error: unknown command {' '.join(words)!r} for the fake Pulumi CLI")

    def run_with_input(self, args, cwd, additional_env, text: str) -> CommandResult:
        """``config set --secret KEY`` with the value on standard input (cli/operations/stackconfig.py)."""
        args = ["--non-interactive", *args]
        self.calls.append((args, dict(additional_env)))
        words = args[1:]
        if words[:2] != ["config", "set"] or "--secret" not in words:
            self._fail(f"error: the fake Pulumi CLI reads standard input only for config set --secret, not {words}")
        stack = words[words.index("--stack") + 1]
        key = [w for w in words[2:] if not w.startswith("--") and w != stack][0]
        self.stacks[stack].config[key] = {"value": text, "secret": True}
        self.stdin_values.append((key, text))
        return self._ok()

    @staticmethod
    def _log(words: list[str], events: list[dict]) -> None:
        """The event log the SDK tails; like the real CLI, it ends with a cancelEvent."""
        if "--event-log" not in words:
            return
        with open(words[words.index("--event-log") + 1], "a") as handle:
            for sequence, event in enumerate([*events, {"cancelEvent": {}}]):
                handle.write(json.dumps({"sequence": sequence, "timestamp": 0, **event}) + "\n")

    def _up(self, words: list[str], stack: str) -> CommandResult:
        if self.locked:
            self._fail("error: the stack is currently locked by 1 lock(s). Either wait for the other process(es) "
                       "to end or delete the lock file with `pulumi cancel`.")
        events: list[dict] = []
        failing = len(self.resources) - 1 if self.fail_up_with else None
        for index, (type_, suffix) in enumerate(self.resources):
            name = f"{stack}-{suffix}" if suffix else stack
            events.append(step("resourcePreEvent", "create", type_, name, stack))
            if index == failing:
                events.append({"diagnosticEvent": {"message": self.fail_up_with, "color": "never",
                                                   "severity": "error"}})
                events.append({"resOpFailedEvent": {**step("x", "create", type_, name, stack)["x"], "status": 1,
                                                    "steps": 1}})
                break
            events.append(step("resOutputsEvent", "create", type_, name, stack))
        self._log(words, events)
        if self.fail_up_with:
            self._fail("error: update failed", stdout=f"Diagnostics:\n  {self.fail_up_with}\n")
        current = self.stacks[stack]
        config = {k: v["value"] for k, v in current.config.items()}
        current.outputs, current.secret_outputs = self.outputs_for(stack, config)
        current.deployed = True
        return self._ok("Resources:\n    + 9 created")


def outputs_for(stack: str, config: dict) -> tuple[dict, set]:
    """What a machine's stack exports after an update, made from the config the CLI set."""
    ca = KeyAndCertificate(config["docker-machine:caCert"], config["docker-machine:caKey"])
    server = issue_server_certificate(ca, f"tester.{stack}", ["203.0.113.30"])
    power = config.get("docker-machine:power", "running")
    url = "tcp://203.0.113.30:2376" if power == "running" else ""
    outputs = {
        "ip": "203.0.113.30", "docker_host": url, "ssh_user": "root", "ssh_host": "203.0.113.30", "ssh_port": 22,
        "ssh_private_key": generate_ssh_key().private_key, "ca_pem": config["docker-machine:caCert"],
        "client_cert_pem": config["docker-machine:clientCert"], "client_key_pem": config["docker-machine:clientKey"],
        "server_cert_pem": server.cert_pem, "driver": config["docker-machine:driver"],
        "driver_options": json.loads(config["docker-machine:driverOptions"]),
        "engine": json.loads(config["docker-machine:engine"]), "power": power,
        "docker_env": {"DOCKER_HOST": url, "DOCKER_TLS_VERIFY": "1", "DOCKER_MACHINE_NAME": stack},
    }
    return outputs, {"ssh_private_key", "client_key_pem"}

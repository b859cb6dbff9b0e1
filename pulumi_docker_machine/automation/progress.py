"""Live progress from the engine's events: one line per step, in docker-machine's voice."""

from __future__ import annotations

import os
import re
import sys
from typing import TYPE_CHECKING, Callable, Optional

if TYPE_CHECKING:
    from .progressview import LiveView

# Resource type -> (line when it starts, line when it is done); None: say nothing. The steps every machine has;
# each driver's own are in its folder (components/drivers/<name>/__init__.py, INFO.steps).
STEPS: dict[str, tuple[Optional[str], Optional[str]]] = {
    "pulumi-python:dynamic/docker-machine:CertificateAuthority": (
        "Creating CA: making the certificate authority...",
        None,
    ),
    "pulumi-python:dynamic/docker-machine:ClientCertificate": ("Creating client certificate...", None),
    "pulumi-python:dynamic/docker-machine:SSHKey": ("Creating SSH key...", None),
    "pulumi-python:dynamic/docker-machine:ServerCertificate": ("Copying certs to the local machine directory...", None),
    "command:remote:Command": (
        "Waiting for SSH to be available...\nProvisioning: installing Docker where needed, "
        "copying certs to the remote machine, setting Docker configuration on the remote "
        "daemon...",
        "Checking connection to Docker...",
    ),
}
# Steps known by the resource's name rather than its type: several remote Commands share command:remote:Command.
NAMED_STEPS = {
    "-authorize-key": ("Authorizing the machine's SSH key on the host (with your ssh-agent)...", None),
    "-deauthorize-key": (None, None),
}
DELETING = "Removing {what}..."
PULUMI_UPDATE_FAILED = "update failed"  # the Pulumi engine's last diagnostic on any failed update: it says nothing more
# pulumi-command's error quotes the whole command (our provisioning script) on one line: keep the status.
_COMMAND_FAILED = re.compile(r'^(Process exited with status \d+): running ".*":$')


# A dynamic provider's failure reaches the engine as the provider process's whole traceback
# (pulumi.dynamic aborts with traceback.format_exc()): the user needs only what was raised.
_TRACEBACK = "Traceback (most recent call last):"
_FRAME = re.compile(r'^  File ".*", line \d+')
_EXCEPTION_TYPE = re.compile(r"^(?:[A-Za-z_]\w*\.)*[A-Za-z_]\w*(?:Error|Exception): ")


def _short(line: str) -> str:
    return _COMMAND_FAILED.sub(r"\1", line)


def _raised(message: str) -> str:
    """``message`` without a Python traceback's frames and the exception's type: the raised text itself."""
    if _TRACEBACK not in message:
        return message
    lines = message.splitlines()
    frames = [i for i, line in enumerate(lines) if _FRAME.match(line)]
    if not frames:
        return message
    after = frames[-1] + 1
    while after < len(lines) and lines[after].startswith("    "):  # the frame's source line and its ^^^ marks
        after += 1
    raised = lines[after:]
    if not raised:
        return message
    raised[0] = _EXCEPTION_TYPE.sub("", raised[0])
    before = message[: message.index(_TRACEBACK)].rstrip()
    return "\n".join(([before] if before else []) + raised)


_WORD_START = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")


def _kind(resource_type: str) -> str:
    """The type's name in words: ``...:SSHKey`` -> ``SSH key``, ``...:ServerCertificate`` -> ``server certificate``."""
    words = _WORD_START.sub(" ", resource_type.rsplit(":", 1)[-1]).split()
    return " ".join(word if word.isupper() and len(word) > 1 else word.lower() for word in words)


PLAIN, QUIET, LIVE = "plain", "quiet", "live"
DONE, FAILED, STOPPED = "✔", "✘", "-"  # a step's mark in the live view
_mode = PLAIN  # what a Progress made in this process does with its steps' lines


def show_progress(quiet: Optional[bool]) -> None:
    """The docker-machine command's choice (its -q/--quiet): no progress, live lines on a terminal, or plain
    lines (standard output is not a terminal: logs stay readable). None: back to plain lines, the Automation
    API's."""
    global _mode
    terminal = sys.stdout.isatty() and os.environ.get("TERM") != "dumb"
    _mode = PLAIN if quiet is None else QUIET if quiet else LIVE if terminal else PLAIN


def _stack(urn: str) -> str:
    """``urn:pulumi:STACK::project::type::name``'s stack: the machine's or swarm's name."""
    return urn.split("::", 1)[0].rsplit(":", 1)[-1]


class Progress:
    """An ``on_event`` callback for Stack.up/destroy; keeps the failing step and its message."""

    def __init__(self, say: Callable[[str], None]) -> None:
        from pulumi_docker_machine.components.drivers import all_steps

        self.say = say
        self.steps = {**all_steps(), **STEPS}
        self.failed_step: Optional[str] = None
        self.failed_urn = ""
        self.errors: list[str] = []
        self.mode = _mode
        self.view: Optional[LiveView] = None
        if self.mode == LIVE:
            from .progressview import view

            self.view = view()
        self.running: set[str] = set()  # the steps the live view shows under way

    def _begin(self, urn: str, text: str) -> None:
        if self.mode == QUIET:
            return
        if self.view is None:
            self.say(text)
            return
        *before, label = text.splitlines()
        for line in before:
            self.say(line)
        self.running.add(urn)
        self.view.start(urn, _stack(urn), label)

    def _end(self, urn: str, done: Optional[str], failed: bool = False) -> None:
        if self.view is not None and urn in self.running:
            self.running.discard(urn)
            self.view.finish(urn, FAILED if failed else DONE, "failed" if failed else "")
        if done and not failed and self.mode != QUIET:
            self.say(done)

    def _lines(self, resource_type: str, urn: str = "") -> tuple:
        """(start line, done line) of a step: by the resource's name where NAMED_STEPS knows it, else its type."""
        name = urn.rsplit("::", 1)[-1]
        for suffix, lines in NAMED_STEPS.items():
            if urn and name.endswith(suffix):
                return lines
        return self.steps.get(resource_type, (None, None))

    def __call__(self, event) -> None:
        if event.resource_pre_event is not None:
            meta = event.resource_pre_event.metadata
            op = getattr(meta.op, "value", meta.op)
            if op in ("same", "read", "refresh", "discard"):
                return
            if op in ("delete", "delete-replaced"):
                if self._lines(meta.type, meta.urn)[0]:
                    self._begin(meta.urn, DELETING.format(what=_kind(meta.type)))
                return
            start = self._lines(meta.type, meta.urn)[0]
            if start:
                self._begin(meta.urn, start)
        elif event.res_outputs_event is not None:
            meta = event.res_outputs_event.metadata
            op = getattr(meta.op, "value", meta.op)
            done = self._lines(meta.type, meta.urn)[1]
            self._end(meta.urn, done if op not in ("same", "read", "delete") else None)
        elif event.res_op_failed_event is not None:
            failed = event.res_op_failed_event.metadata
            self.failed_urn = failed.urn
            self.failed_step = failed.type
            self._end(event.res_op_failed_event.metadata.urn, None, failed=True)
        elif event.diagnostic_event is not None and event.diagnostic_event.severity == "error":
            self.errors.append(event.diagnostic_event.message.strip())
        elif event.summary_event is not None and self.view is not None:
            for urn in sorted(self.running):  # the update ended without word of them
                self.running.discard(urn)
                self.view.finish(urn, STOPPED)

    def failure(self, fallback: str, doing: str = "creating machine", tail: int = 15) -> str:
        """The failing step and the end of what it said (the remote output, for provisioning)."""
        message = "\n".join(_raised(error) for error in self.errors if error != PULUMI_UPDATE_FAILED) or fallback
        lines = [_short(line) for line in message.splitlines() if line.strip()][-tail:]
        step = self._lines(self.failed_step or "", self.failed_urn)[0]
        where = f" while {step.splitlines()[0].rstrip('.').lower()}" if step else ""
        return f"Error {doing}: the update failed{where}:\n" + "\n".join(lines)

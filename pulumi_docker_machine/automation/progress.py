"""Live progress from the engine's events: one line per step, in docker-machine's voice."""

from __future__ import annotations

import re
from typing import Callable, Optional

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


def _kind(resource_type: str) -> str:
    return resource_type.rsplit(":", 1)[-1]


class Progress:
    """An ``on_event`` callback for Stack.up/destroy; keeps the failing step and its message."""

    def __init__(self, say: Callable[[str], None]) -> None:
        from pulumi_docker_machine.components.drivers import all_steps

        self.say = say
        self.steps = {**all_steps(), **STEPS}
        self.failed_step: Optional[str] = None
        self.errors: list[str] = []

    def __call__(self, event) -> None:
        if event.resource_pre_event is not None:
            meta = event.resource_pre_event.metadata
            op = getattr(meta.op, "value", meta.op)
            if op in ("same", "read", "refresh", "discard"):
                return
            if op in ("delete", "delete-replaced"):
                if self.steps.get(meta.type, (None, None))[0]:
                    self.say(DELETING.format(what=_kind(meta.type)))
                return
            start = self.steps.get(meta.type, (None, None))[0]
            if start:
                self.say(start)
        elif event.res_outputs_event is not None:
            meta = event.res_outputs_event.metadata
            op = getattr(meta.op, "value", meta.op)
            done = self.steps.get(meta.type, (None, None))[1]
            if done and op not in ("same", "read", "delete"):
                self.say(done)
        elif event.res_op_failed_event is not None:
            self.failed_step = event.res_op_failed_event.metadata.type
        elif event.diagnostic_event is not None and event.diagnostic_event.severity == "error":
            self.errors.append(event.diagnostic_event.message.strip())

    def failure(self, fallback: str, doing: str = "creating machine", tail: int = 15) -> str:
        """The failing step and the end of what it said (the remote output, for provisioning)."""
        message = "\n".join(_raised(error) for error in self.errors if error != PULUMI_UPDATE_FAILED) or fallback
        lines = [_short(line) for line in message.splitlines() if line.strip()][-tail:]
        step = self.steps.get(self.failed_step or "", (None, None))[0]
        where = f" while {step.splitlines()[0].rstrip('.').lower()}" if step else ""
        return f"Error {doing}: the update failed{where}:\n" + "\n".join(lines)

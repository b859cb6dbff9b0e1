"""Live progress from the engine's events: one line per step, in docker-machine's voice."""

from __future__ import annotations

import re
from typing import Callable, Optional

# Resource type (its last part) -> (line when it starts, line when it is done); None: say nothing.
STEPS: dict[str, tuple[Optional[str], Optional[str]]] = {
    "CertificateAuthority": ("Creating CA: making the certificate authority...", None),
    "ClientCertificate": ("Creating client certificate...", None),
    "SSHKey": ("Creating SSH key...", None),
    "SshKey": ("Registering the SSH key with DigitalOcean...", None),
    "KeyPair": ("Importing the SSH key into EC2...", None),
    "Droplet": ("Creating machine...", "Waiting for machine to be running, this may take a few minutes..."),
    "Instance": ("Creating machine...", "Waiting for machine to be running, this may take a few minutes..."),
    "VirtualBoxVM": ("Creating VirtualBox VM...", "Waiting for machine to be running, this may take a few minutes..."),
    "Firewall": ("Opening SSH and the Docker port in the firewall...", None),
    "SecurityGroup": ("Creating the security group...", None),
    "SecurityGroupIngressRule": (None, None),
    "SecurityGroupEgressRule": (None, None),
    "InstanceState": ("Setting the machine's power state...", None),
    "DropletPower": ("Setting the machine's power state...", None),
    "ServerCertificate": ("Copying certs to the local machine directory...", None),
    "Command": ("Waiting for SSH to be available...\nProvisioning: installing Docker where needed, copying certs "
                "to the remote machine, setting Docker configuration on the remote daemon...",
                "Checking connection to Docker..."),
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
    before = message[:message.index(_TRACEBACK)].rstrip()
    return "\n".join(([before] if before else []) + raised)


def _kind(resource_type: str) -> str:
    return resource_type.rsplit(":", 1)[-1]


class Progress:
    """An ``on_event`` callback for Stack.up/destroy; keeps the failing step and its message."""

    def __init__(self, say: Callable[[str], None]) -> None:
        self.say = say
        self.failed_step: Optional[str] = None
        self.errors: list[str] = []

    def __call__(self, event) -> None:
        if event.resource_pre_event is not None:
            meta = event.resource_pre_event.metadata
            op = getattr(meta.op, "value", meta.op)
            if op in ("same", "read", "refresh", "discard"):
                return
            kind = _kind(meta.type)
            if op in ("delete", "delete-replaced"):
                if kind in STEPS and STEPS[kind][0]:
                    self.say(DELETING.format(what=kind))
                return
            start = STEPS.get(kind, (None, None))[0]
            if start:
                self.say(start)
        elif event.res_outputs_event is not None:
            meta = event.res_outputs_event.metadata
            op = getattr(meta.op, "value", meta.op)
            done = STEPS.get(_kind(meta.type), (None, None))[1]
            if done and op not in ("same", "read", "delete"):
                self.say(done)
        elif event.res_op_failed_event is not None:
            self.failed_step = _kind(event.res_op_failed_event.metadata.type)
        elif event.diagnostic_event is not None and event.diagnostic_event.severity == "error":
            self.errors.append(event.diagnostic_event.message.strip())

    def failure(self, fallback: str, doing: str = "creating machine", tail: int = 15) -> str:
        """The failing step and the end of what it said (the remote output, for provisioning)."""
        message = "\n".join(_raised(error) for error in self.errors if error != PULUMI_UPDATE_FAILED) or fallback
        lines = [_short(line) for line in message.splitlines() if line.strip()][-tail:]
        step = STEPS.get(self.failed_step or "", (None, None))[0]
        where = f" while {step.splitlines()[0].rstrip('.').lower()}" if step else ""
        return f"Error {doing}: the update failed{where}:\n" + "\n".join(lines)

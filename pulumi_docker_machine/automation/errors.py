"""What the Automation API raises, its messages, and the one table of docker-machine's exit codes.

Every error's code comes from ``exit_status`` (as httpie's ExitStatus: one place maps errors to codes); the
CLI asks it for whatever a command raised.
"""

from __future__ import annotations

from enum import IntEnum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..store import HostConfig


class MachineError(RuntimeError):
    """A machine or swarm operation that could not be done; the message is for the user as it is."""

    @property
    def exit_code(self) -> int:
        return exit_status(self)


class PreCreateCheckFailed(MachineError):
    """A driver's pre-create check failed: what only the host around it can tell (a missing program...)."""


class MachineBusy(MachineError):
    """Another command is changing the machine or swarm (its store lock or its stack's lock is held)."""


class ExitStatus(IntEnum):
    """docker-machine 0.16's exit codes (commands.go, fatalOnError)."""

    SUCCESS = 0
    ERROR = 1  # every error but the one below
    PRE_CREATE_CHECK = 3  # the driver's pre-create check failed (crashreport's ErrDuringPreCreate)


# The errors whose code is not ERROR; a subclass has its base's code.
EXIT_STATUS: dict[type[BaseException], ExitStatus] = {PreCreateCheckFailed: ExitStatus.PRE_CREATE_CHECK}


def exit_status(error: BaseException) -> ExitStatus:
    """The exit code docker-machine gives ``error``."""
    for kind in type(error).__mro__:
        if kind in EXIT_STATUS:
            return EXIT_STATUS[kind]
    return ExitStatus.ERROR


def last_line(error: Exception) -> str:
    """The last line of a Pulumi CLI error: the part that says what went wrong."""
    text = str(error).strip()
    return text.splitlines()[-1] if text else ""


def busy(noun: str, name: str) -> MachineBusy:
    return MachineBusy(
        f"Error: {noun} {name!r} is busy: another command is changing it (its stack is locked); "
        "try again when that one has finished, or, if none is running (it was killed on another "
        "host), run this one again with --force-unlock"
    )


def not_ours(name: str) -> MachineError:
    return MachineError(
        f"machine {name!r} was made by the original docker-machine, not through Pulumi: "
        f"run 'docker-machine adopt {name}' to manage it here (its VM untouched), or rm -f to forget it here"
    )


def declared_elsewhere(host: HostConfig) -> MachineError:
    return MachineError(
        f"machine {host.name!r} belongs to the declarative stack {host.pulumi['DeclaredIn']}: "
        "change it there with pulumi up, or rm -f to forget it here"
    )


def in_swarm(host: HostConfig, swarm: str) -> MachineError:
    return MachineError(
        f"machine {host.name!r} is a node of swarm {swarm!r}: change it with 'docker-machine swarm "
        f"scale {swarm}' or 'docker-machine swarm rm {swarm}', or rm -f to forget it here"
    )

"""The Pulumi CLI, each command run under ``guard.py`` (in a session of its own) instead of as our child.

The Automation API's ``PulumiCommand.run`` starts pulumi as a plain child: a terminal's hang-up or Ctrl-C
reaches it directly (SIGHUP kills it holding the stack's lock), and if this process dies, pulumi dies of
SIGPIPE on its next line of output, again holding the lock, its plugins orphaned. ``GuardedCommand``
runs the same command line the same way, behind the guard; ``interrupt`` forwards our signals to it.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any, Callable, Mapping, Optional

from . import interrupt

GUARD = Path(__file__).with_name("guard.py")


class GuardedCommand:
    """Wraps a ``pulumi.automation.PulumiCommand``: same command line, environment and errors."""

    def __init__(self, inner: Any) -> None:
        self._inner = inner

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    def run(
        self,
        args: list[str],
        cwd: str,
        additional_env: Mapping[str, str],
        on_output: Optional[Callable] = None,
        on_error: Optional[Callable] = None,
    ):
        from pulumi.automation._cmd import CommandResult, _fixup_path
        from pulumi.automation.errors import create_command_error

        if "--non-interactive" not in args[: args.index("--") if "--" in args else len(args)]:
            args.insert(0, "--non-interactive")  # as PulumiCommand.run: fail rather than prompt
        env = {**os.environ, **additional_env, "PULUMI_AUTOMATION_API": "true"}
        # Machines are reached with their own keys. pulumi-command v1.2.1 dials the agent whenever
        # SSH_AUTH_SOCK is set, and a stale socket (a closed SSH session's) fails every step at once.
        env.pop("SSH_AUTH_SOCK", None)
        if os.path.isabs(self._inner.command):
            env = _fixup_path(env, os.path.dirname(self._inner.command))
        command = [sys.executable, "-I", "-S", str(GUARD), str(os.getpid()), self._inner.command, *args]
        chunks: dict[str, list[str]] = {"stdout": [], "stderr": []}

        def consume(stream, callback, lines: list[str]) -> None:
            for line in iter(stream.readline, ""):
                line = line.rstrip()
                if callback:
                    callback(line)
                lines.append(line)
            stream.close()

        with subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            cwd=cwd,
            env=env,
            encoding="utf-8",
            start_new_session=True,
        ) as process:
            interrupt.watch(process)
            try:
                readers = [
                    threading.Thread(target=consume, args=(process.stdout, on_output, chunks["stdout"])),
                    threading.Thread(target=consume, args=(process.stderr, on_error, chunks["stderr"])),
                ]
                for reader in readers:
                    reader.start()
                for reader in readers:
                    reader.join()
                process.wait()
            finally:
                interrupt.unwatch(process)
        result = CommandResult(
            stdout="\n".join(chunks["stdout"]), stderr="\n".join(chunks["stderr"]), code=process.returncode
        )
        if result.code != 0:
            raise create_command_error(result)
        return result

"""A stack's config, set with no secret on any command line.

The Automation API's set_all_config puts every value on the pulumi CLI's command line, where any
local user sees it in ``ps``. Plain values still go that way; each secret goes on the standard
input of ``pulumi config set --secret --raw KEY``, and only when it differs from the stack's own.
"""

from __future__ import annotations

import os
import shlex
import subprocess
from typing import Mapping

from .workspace import MachineWorkspace


def run_with_input(workspace: MachineWorkspace, args: list[str], text: str) -> None:
    """Run the workspace's pulumi CLI with ``text`` on its standard input; CommandError when it fails."""
    from pulumi.automation import CommandResult
    from pulumi.automation.errors import create_command_error

    command = workspace.command()
    if workspace.debug is not None:
        workspace.debug(f"[debug] pulumi {shlex.join(args)}  (the value on standard input)")
    if hasattr(command, "run_with_input"):  # a test's stand-in CLI
        result = command.run_with_input(args, str(workspace.work_dir), workspace.env_vars(), text)
    else:
        env = {**os.environ, **workspace.env_vars(), "PULUMI_AUTOMATION_API": "true"}
        done = subprocess.run(
            [command.command, "--non-interactive", *args],
            input=text,
            capture_output=True,
            text=True,
            cwd=workspace.work_dir,
            env=env,
        )
        result = CommandResult(stdout=done.stdout, stderr=done.stderr, code=done.returncode)
    if result.code != 0:
        raise create_command_error(result)


def set_stack_config(
    workspace: MachineWorkspace, stack, values: Mapping[str, tuple[str, bool]], fresh: bool = False
) -> None:
    """``{key: (value, secret)}`` into the stack's config. ``fresh``: the stack was just made, so it holds no
    secret to compare with (its config is not read: that would be one more process decrypting)."""
    from pulumi.automation import ConfigValue

    plain = {key: ConfigValue(value=value) for key, (value, secret) in values.items() if not secret}
    if plain:
        stack.set_all_config(plain)
    secrets = {key: value for key, (value, secret) in values.items() if secret}
    if not secrets:
        return
    current = {} if fresh else stack.get_all_config()  # decrypted on the CLI's standard output, never in arguments
    for key, value in secrets.items():
        if key in current and current[key].secret and current[key].value == value:
            continue
        run_with_input(workspace, ["config", "set", "--secret", "--raw", "--stack", stack.name, key], value)

"""``Stack.up`` and ``Stack.destroy`` without the pulumi commands the Automation API adds after them that
nothing here needs.

The SDK's ``Stack.up`` then runs ``self.outputs()`` (``pulumi stack output --json`` masked, then again with
``--show-secrets``, only to tell which outputs are secret) and ``self.info()`` (``pulumi stack history --json
--page-size 1 --show-secrets``) to fill ``UpResult.summary``, which nothing here reads; ``Stack.destroy`` ends
with the same ``info()``, and its ``remove=True`` with a ``pulumi stack rm`` of its own. Here: one ``stack output
--json --show-secrets`` only when the update's inline program did not hand its exports over (captured.py: it runs
in this process), every output marked secret (nothing here reads the mark; treating all as secret is the safe
side), no history, and ``destroy --remove``. Each pulumi process that decrypts derives the passphrase key
again (1,000,000 rounds of PBKDF2-SHA256, about 0.25 s of CPU here); with many creates at once the CPU is what
they wait for (bench/parallel_create.py). Pinned to the SDK of pyproject.toml (3.260.0): it uses LocalWorkspace's
and Stack's ``_run_pulumi_cmd_sync``, which run a pulumi command with the workspace's settings.
"""

from __future__ import annotations

import json
from typing import Any

from .captured import Captured, capturing

# UpResult.summary of our updates: never asked for (the SDK only requires it not to be None).
SUMMARY_NOT_ASKED = "not asked for"


def outputs(stack: Any) -> dict:
    """The stack's outputs from one ``pulumi stack output --json --show-secrets``, each marked secret."""
    result = stack.workspace._run_pulumi_cmd_sync(
        ["stack", "output", "--json", "--show-secrets", "--stack", stack.name]
    )
    return marked(json.loads(result.stdout))


def marked(values: dict) -> dict:
    from pulumi.automation import OutputValue

    return {key: OutputValue(value=value, secret=True) for key, value in values.items()}


def up(stack: Any, **kwargs: Any) -> Any:
    """``stack.up(**kwargs)``; its ``outputs`` those its inline program exported (captured.py), else from
    ``outputs(stack)``; its ``summary`` SUMMARY_NOT_ASKED."""
    captured = Captured()
    program = kwargs.get("program") or stack.workspace.program
    if program is not None:
        kwargs["program"] = capturing(program, captured)
    stack.info = lambda show_secrets=True: SUMMARY_NOT_ASKED  # this object only, for this call
    stack.outputs = lambda: marked(captured.values) if captured.values else outputs(stack)
    try:
        return stack.up(**kwargs)
    finally:
        del stack.info, stack.outputs


def destroy(stack: Any, **kwargs: Any) -> Any:
    """``stack.destroy(**kwargs)`` whose ``pulumi destroy`` also removes the stack once nothing is left in it
    (``--remove``: the SDK's own ``remove=True`` runs a ``pulumi stack rm`` after it instead), its ``summary``
    SUMMARY_NOT_ASKED. A destroy that fails removes nothing."""
    run = stack._run_pulumi_cmd_sync

    def run_removing(args: list, *rest: Any) -> Any:
        return run([*args, "--remove"] if args[:1] == ["destroy"] else args, *rest)

    stack.info = lambda show_secrets=True: SUMMARY_NOT_ASKED  # this object only, for this call
    stack._run_pulumi_cmd_sync = run_removing
    try:
        return stack.destroy(**kwargs)
    finally:
        del stack.info, stack._run_pulumi_cmd_sync

"""The outputs of an update whose program is inline, taken from the program as it exports them instead of from a
``pulumi stack output`` process after the update (each such process decrypts: a Go start and 1,000,000 rounds of
PBKDF2). An inline program runs in this process; what it exports is exactly what the engine records as the stack's
outputs. A capture that is not whole (the program failed, a preview's unknown values, an output JSON cannot hold)
stays empty, and update.py asks ``pulumi stack output`` as before.
"""

from __future__ import annotations

import json
from typing import Any, Callable, Optional


class Captured:
    """One update's exports, as ``pulumi stack output --json --show-secrets`` gives them; None until whole."""

    def __init__(self) -> None:
        self.values: Optional[dict] = None

    def keep(self, values: dict) -> None:
        try:
            plain = json.loads(json.dumps(values, allow_nan=False))
        except (TypeError, ValueError):  # not JSON (a resource, an asset): left to `stack output`
            return
        # The SDK does not send a top-level output whose value is None: the engine records no such key.
        self.values = {key: value for key, value in plain.items() if value is not None}


def capturing(program: Callable[[], Any], captured: Captured) -> Callable[[], None]:
    """``program``, then its exports (all of them: the stack's own record of them) resolved into ``captured``."""

    def run() -> None:
        program()
        _take(captured)

    return run


def _take(captured: Captured) -> None:
    import pulumi
    from pulumi.runtime.settings import get_root_resource

    root = get_root_resource()
    exports = getattr(root, "outputs", None)
    if not isinstance(exports, dict) or not exports or getattr(root, "_async_program", None) is not None:
        return  # not the SDK's Stack as pinned, nothing exported, or outputs still to come from pulumi.run
    # Resolved once every export is known (the runtime waits for it before the program ends); a preview's unknown
    # values never call it.
    pulumi.Output.all(**dict(exports)).apply(captured.keep)

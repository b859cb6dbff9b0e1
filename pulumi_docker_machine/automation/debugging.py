"""``docker-machine -D``: every pulumi command run, and the engine's own log, on standard error."""

from __future__ import annotations

import shlex
from typing import Any, Callable, Optional

# What the Pulumi engine is asked for with -D: its log (glog, on stderr) at a verbosity that shows each step.
PULUMI_LOG_OPTIONS = {"log_to_std_err": True, "log_verbosity": 3}


class DebugCommand:
    """A PulumiCommand that says each command line (secrets never are on one) and passes stderr on."""

    def __init__(self, inner: Any, say: Callable[[str], None]) -> None:
        self._inner = inner
        self._say = say

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    def run(
        self,
        args: list[str],
        cwd: str,
        additional_env: Any,
        on_output: Optional[Callable] = None,
        on_error: Optional[Callable] = None,
    ):
        self._say(f"[debug] pulumi {shlex.join(args)}  (in {cwd})")

        def error_line(line: str) -> None:
            self._say(f"[pulumi] {line}")
            if on_error is not None:
                on_error(line)

        return self._inner.run(args, cwd, additional_env, on_output, error_line)

"""Running Hyper-V's cmdlets through powershell.exe, values as data.

Each call is a fixed script (the module's constants, chosen by the caller, never built from values) given as
``-EncodedCommand``; the values travel as one JSON document on standard input, which the script reads into ``$a``
(``$a.name``...). A VM or switch name holding quotes, ``;`` or ``$()`` is therefore only ever a string to PowerShell.
A script's answer is one JSON line on standard output; a failed cmdlet ends the script (``$ErrorActionPreference =
'Stop'``) and its error record's first line becomes the error.
"""

from __future__ import annotations

import base64
import json
import shutil
import subprocess
from typing import Any, Optional

DEFAULT_TIMEOUT = 300
NOT_FOUND = "Powershell was not found in the path"  # docker-machine's ErrPowerShellNotFound

PRELUDE = (
    "$ErrorActionPreference = 'Stop'\n"
    "[Console]::OutputEncoding = [Text.Encoding]::UTF8\n"
    "$a = [Console]::In.ReadToEnd() | ConvertFrom-Json\n"
)


class PowerShellError(RuntimeError):
    """powershell.exe is missing, or a cmdlet failed; the message is its error's first line."""


def locate() -> str:
    """powershell.exe on PATH, as docker-machine's exec.LookPath("powershell.exe")."""
    found = shutil.which("powershell.exe")
    if not found:
        raise PowerShellError(NOT_FOUND)
    return found


def encoded(script: str) -> str:
    """``-EncodedCommand``'s form: base64 of the UTF-16LE text, the prelude first."""
    return base64.b64encode((PRELUDE + script).encode("utf-16-le")).decode("ascii")


def error_line(stderr: str) -> str:
    """The message of a PowerShell error record (``Cmdlet : message`` up to ``At line:``), on one line."""
    lines = []
    for line in stderr.splitlines():
        if line.startswith("At line:") or line.lstrip().startswith("+ "):
            break
        if line.strip():
            lines.append(line.strip())
    return " ".join(lines) or stderr.strip()


def run(script: str, values: dict[str, Any], timeout: float = DEFAULT_TIMEOUT, path: Optional[str] = None) -> Any:
    """The script's JSON answer (None when it prints nothing)."""
    exe = path or locate()
    command = [exe, "-NoProfile", "-NonInteractive", "-EncodedCommand", encoded(script)]
    try:
        # ASCII in (json.dumps escapes the rest, whatever the console's input code page), UTF-8 out (the prelude's).
        done = subprocess.run(
            command, input=json.dumps(values), capture_output=True, encoding="utf-8", errors="replace", timeout=timeout
        )
    except subprocess.TimeoutExpired:
        raise PowerShellError(f"PowerShell did not finish within {timeout:.0f}s") from None
    except OSError as err:
        raise PowerShellError(f"{NOT_FOUND} ({err.strerror}: {exe})") from None
    if done.returncode != 0:
        raise PowerShellError(error_line(done.stderr or done.stdout))
    out = done.stdout.replace("\ufeff", "").strip()  # UTF-8's preamble, which Windows PowerShell may write first
    if not out:
        return None
    try:
        return json.loads(out.splitlines()[-1])
    except ValueError:
        raise PowerShellError(f"PowerShell answered what is not JSON: {out[:200]!r}") from None

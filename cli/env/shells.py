"""How each shell sets and unsets a variable, and how to eval the command (docker-machine's env.go)."""

from __future__ import annotations

import os
from collections import namedtuple

SHELLS = ("bash", "zsh", "fish", "powershell", "cmd", "tcsh", "emacs")


class Shell(namedtuple("Shell", ("set_prefix", "set_delimiter", "set_suffix", "unset_prefix", "unset_suffix",
                                  "comment", "eval_hint"))):
    """One shell's syntax (eval_hint: {command} is the command line). A namedtuple, not a dataclass:
    dataclasses imports inspect, which costs the read commands milliseconds at start-up."""

    __slots__ = ()

    def set(self, key: str, value: str) -> str:
        return f"{self.set_prefix}{key}{self.set_delimiter}{value}{self.set_suffix}"

    def unset(self, key: str) -> str:
        return f"{self.unset_prefix}{key}{self.unset_suffix}"

    def usage_hint(self, command: str) -> str:
        return (f"{self.comment} Run this command to configure your shell: \n"
                f"{self.comment} {self.eval_hint.format(command=command)}\n")


POSIX = Shell("export ", '="', '"\n', "unset ", "\n", "#", "eval $({command})")
TABLE = {
    "bash": POSIX,
    "zsh": POSIX,
    "fish": Shell("set -gx ", ' "', '";\n', "set -e ", ";\n", "#", "eval ({command})"),
    "powershell": Shell("$Env:", ' = "', '"\n', "Remove-Item Env:\\\\", "\n", "#", "& {command} | Invoke-Expression"),
    "cmd": Shell("SET ", "=", "\n", "SET ", "=\n", "REM", '\t@FOR /f "tokens=*" %i IN (\'{command}\') DO @%i'),
    "tcsh": Shell("setenv ", ' "', '";\n', "unsetenv ", ";\n", ":", "eval `{command}`"),
    "emacs": Shell('(setenv "', '" "', '")\n', '(setenv "', '" nil)\n', ";;",
                   '(with-temp-buffer (shell-command "{command}" (current-buffer)) (eval-buffer))'),
}


def detect() -> str:
    """The user's shell from $SHELL; anything unknown gets bash's syntax, as docker-machine does."""
    name = os.path.basename(os.environ.get("SHELL", ""))
    return name if name in TABLE else "bash"


def shell(name: str) -> Shell:
    return TABLE.get(name, POSIX)

"""How each shell sets and unsets a variable, and how to eval the command (docker-machine's env.go).

A value is printed inside the quotes docker-machine prints (``export K="v"``), with what the shell would
expand there escaped for that shell: a value from config.json (the machine's folder, its URL) is data,
never code, when the output is eval'ed. A value without such characters prints byte for byte as
docker-machine 0.16 prints it. cmd.exe has no quoting a ``FOR /f ... DO @%i`` line keeps, so a value
holding one of its special characters is refused, as is a control character in any shell.
"""

from __future__ import annotations

import os
from collections import namedtuple

from .application import CommandError
from pulumi_docker_machine.store.checks import text_problem

SHELLS = ("bash", "zsh", "fish", "powershell", "cmd", "tcsh", "emacs")


class UnsafeValue(CommandError):
    """A value the shell can't be given safely: one line naming it and what to do, exit 1."""

    def __init__(self, shell: str, key: str, value: str, why: str) -> None:
        fix = (
            "use another --shell (powershell), or move the store to a path without it"
            if shell == "cmd"
            else "fix it where it comes from (the machine's config.json, or no_proxy/NO_PROXY in your environment)"
        )
        super().__init__(f"Error: {key} {value[:80]!r} can't be printed for {shell} safely: it {why}: {fix}")


def _escaped(value: str, specials: str, escape) -> str:
    return "".join(escape(c) if c in specials else c for c in value)


def quote_posix(value: str) -> str:
    """Inside bash's and zsh's double quotes, \\ escapes what they expand: $ ` " and \\ itself."""
    return _escaped(value, '\\"$`', lambda c: "\\" + c)


def quote_fish(value: str) -> str:
    """fish's double quotes expand $ (and $(...)); \\ escapes $, " and \\."""
    return _escaped(value, '\\"$', lambda c: "\\" + c)


def quote_powershell(value: str) -> str:
    """PowerShell's double-quoted strings expand $ and escape with `; it takes the typographic double quotes
    for " too."""
    return _escaped(value, '`$"\u201c\u201d\u201e', lambda c: "`" + c)


TCSH_GLOB = "{}*?["


def quote_tcsh(value: str) -> str:
    """csh's double quotes expand $, ` and ! and no backslash escapes them there: each such character leaves
    the double quotes for single ones ("a"'$'"b"). The hint's eval `...` globs the output's words before
    eval reads any quote: braces would split a word in two (code: "a{,";cmd;"}"), * ? [ fail with "No
    match", so those are refused."""
    found = [c for c in value if c in TCSH_GLOB]
    if found:
        raise ValueError(f"holds {found[0]!r}, which tcsh's eval `...` expands before any quoting applies")
    return _escaped(value, '$`"\\!', lambda c: f"\"'{c}'\"")


def quote_emacs(value: str) -> str:
    """An Emacs Lisp string: \\ escapes " and \\."""
    return _escaped(value, '\\"', lambda c: "\\" + c)


CMD_SPECIALS = '&|<>^%!()"'


def quote_cmd(value: str) -> str:
    """cmd.exe: SET K=v as docker-machine prints it; no quoting survives FOR /f, so a special character is refused."""
    found = [c for c in value if c in CMD_SPECIALS]
    if found:
        raise ValueError(f"holds {found[0]!r}, which cmd.exe would act on")
    return value


class Shell(
    namedtuple(
        "Shell",
        (
            "name",
            "set_prefix",
            "set_delimiter",
            "set_suffix",
            "unset_prefix",
            "unset_suffix",
            "comment",
            "eval_hint",
            "quote",
        ),
    )
):
    """One shell's syntax (eval_hint: {command} is the command line; quote: a value as it goes between
    set_delimiter and set_suffix). A namedtuple, not a dataclass: dataclasses imports inspect, which costs
    the read commands milliseconds at start-up."""

    __slots__ = ()

    def set(self, key: str, value: str) -> str:
        problem = text_problem(value)
        if problem:
            raise UnsafeValue(self.name, key, value, problem)
        try:
            quoted = self.quote(value)
        except ValueError as err:
            raise UnsafeValue(self.name, key, value, str(err)) from None
        return f"{self.set_prefix}{key}{self.set_delimiter}{quoted}{self.set_suffix}"

    def unset(self, key: str) -> str:
        return f"{self.unset_prefix}{key}{self.unset_suffix}"

    def usage_hint(self, command: str) -> str:
        return (
            f"{self.comment} Run this command to configure your shell: \n"
            f"{self.comment} {self.eval_hint.format(command=command)}\n"
        )


POSIX = Shell("bash", "export ", '="', '"\n', "unset ", "\n", "#", "eval $({command})", quote_posix)
TABLE = {
    "bash": POSIX,
    "zsh": POSIX._replace(name="zsh"),
    "fish": Shell("fish", "set -gx ", ' "', '";\n', "set -e ", ";\n", "#", "eval ({command})", quote_fish),
    "powershell": Shell(
        "powershell",
        "$Env:",
        ' = "',
        '"\n',
        "Remove-Item Env:\\\\",
        "\n",
        "#",
        "& {command} | Invoke-Expression",
        quote_powershell,
    ),
    "cmd": Shell(
        "cmd", "SET ", "=", "\n", "SET ", "=\n", "REM", "\t@FOR /f \"tokens=*\" %i IN ('{command}') DO @%i", quote_cmd
    ),
    "tcsh": Shell("tcsh", "setenv ", ' "', '";\n', "unsetenv ", ";\n", ":", "eval `{command}`", quote_tcsh),
    "emacs": Shell(
        "emacs",
        '(setenv "',
        '" "',
        '")\n',
        '(setenv "',
        '" nil)\n',
        ";;",
        '(with-temp-buffer (shell-command "{command}" (current-buffer)) (eval-buffer))',
        quote_emacs,
    ),
}


def detect() -> str:
    """The user's shell from $SHELL; anything unknown gets bash's syntax, as docker-machine does."""
    name = os.path.basename(os.environ.get("SHELL", ""))
    return name if name in TABLE else "bash"


def shell(name: str) -> Shell:
    return TABLE.get(name, POSIX)


def chosen(name: str | None) -> Shell:
    """The shell --shell names, else $SHELL's. A name docker-machine does not know gets bash's syntax, as it
    does; the name goes into the hint's comment line as typed, so it must hold no line break."""
    if not name:
        return shell(detect())
    problem = text_problem(name)
    if problem:
        raise CommandError(f"Error: --shell {name[:40]!r} {problem}: give a shell name such as bash or fish")
    return shell(name)

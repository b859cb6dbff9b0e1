"""What a string or a path read from a store's JSON file may be: it is untrusted input.

A value that reaches a terminal, a shell's ``eval``, an ssh or sshfs option or a file name must hold no
control character (a line break would start a new command, an escape sequence would rewrite the
terminal), and a path must be absolute. Nesting is bounded so nothing walking the data recurses
without end. Plain functions, no typing: the read commands import this module.
"""

from __future__ import annotations

MAX_DEPTH = 32  # config.json nests 5 levels deep; a swarm record's spec 4
# C0, DEL, C1, and the Unicode line and paragraph separators (a line break to some terminals and editors). Sets,
# not regular expressions: compiling those cost every read command's start-up more than the checks themselves.
_CONTROL = frozenset(map(chr, (*range(0x20), *range(0x7F, 0xA0), 0x2028, 0x2029)))
_CONTROL_BUT_LINES = _CONTROL - {"\t", "\n"}


def too_deep(value: object, limit: int = MAX_DEPTH) -> bool:
    """Whether ``value`` nests lists and objects more than ``limit`` levels deep (walked without recursion)."""
    pending = [(value, 1)]
    while pending:
        item, depth = pending.pop()
        if isinstance(item, dict):
            item = list(item.values())
        if isinstance(item, list):
            if depth > limit:
                return True
            pending.extend((child, depth + 1) for child in item if isinstance(child, (dict, list)))
    return False


def text_problem(value: str, lines_allowed: bool = False) -> str | None:
    """Why ``value`` can't be shown or passed on as it is (None when it can)."""
    control = _CONTROL_BUT_LINES if lines_allowed else _CONTROL
    if control.isdisjoint(value):
        return None
    found = next(character for character in value if character in control)
    return f"holds a control character ({found!r})"


def path_problem(value: str) -> str | None:
    """Why ``value`` is not a usable absolute path (None when it is)."""
    if not value.startswith("/"):
        return "is not an absolute path"
    return text_problem(value)


def shown(value: object, limit: int = 80) -> str:
    """A value for an error message: repr'd (so control characters show escaped), cut to ``limit``."""
    return repr(value if not isinstance(value, str) else value[:limit])

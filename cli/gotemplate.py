"""The part of Go's text/template that docker-machine users pass to ``inspect -f`` and ``ls -f``.

Supported: text, ``{{.Field}}``, ``{{.Field.Sub}}``, ``{{json .Field}}`` and
``{{prettyjson .Field}}`` (``.`` alone for the whole value). Anything else is refused
with an error that lists these, rather than printing something wrong.
"""

from __future__ import annotations

import json
import re

TYPE_CHECKING = False  # typing stays unimported at run time (start-up time)
if TYPE_CHECKING:
    from typing import Any

_ACTION = re.compile(r"\{\{-?\s*(.*?)\s*-?\}\}", re.S)
_PATH = re.compile(r"^\.(?:[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)?$")
SUPPORTED = "{{.Field}}, {{.Field.Sub}}, {{json .Field}} or {{prettyjson .Field}}"


class TemplateError(ValueError):
    pass


class _NoValue:
    """A key a map does not have, as Go's templates see it: printed "<no value>", null in JSON."""


NO_VALUE = _NoValue()


def _lookup(data: Any, path: str, maps: bool) -> Any:
    """``maps``: the data is a map, as inspect's (docker-machine unmarshals the host into map[string]interface{}):
    a missing key or a null is no value, and so is any field of it; else it is a struct, as ls's rows, where a field
    must exist."""
    value = data
    for part in [p for p in path.split(".") if p]:
        if isinstance(value, dict) and part in value:
            value = value[part]
        elif maps and (value is None or value is NO_VALUE or isinstance(value, dict)):
            value = NO_VALUE
        else:
            raise TemplateError(f"template: can't evaluate field {part}: no such field (in {path})")
    return NO_VALUE if maps and value is None else value


def go_format(value: Any) -> str:
    """How Go's fmt prints a value in a template: maps as map[k:v], slices as [a b]."""
    if value is None:
        return "<nil>"
    if value is NO_VALUE:
        return "<no value>"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return "map[" + " ".join(f"{k}:{go_format(v)}" for k, v in sorted(value.items())) + "]"
    if isinstance(value, list):
        return "[" + " ".join(go_format(v) for v in value) + "]"
    return str(value)


def uses(template: str, fields: tuple[str, ...]) -> bool:
    """Whether rendering ``template`` reads any of the top-level ``fields``: named (``.State``, ``.State.X``) or
    within the whole value (``{{json .}}``, ``{{.}}``)."""
    for match in _ACTION.finditer(template):
        for word in match.group(1).split():
            if word == "." or (word.startswith(".") and word[1:].split(".", 1)[0] in fields):
                return True
    return False


def render(template: str, data: Any, maps: bool = False) -> str:
    out, position = [], 0

    def literal(text: str) -> str:
        if "{{" in text or "}}" in text:
            raise TemplateError(f"unclosed template action in {template!r}: use {SUPPORTED}")
        return text

    for match in _ACTION.finditer(template):
        out.append(literal(template[position : match.start()]))
        position = match.end()
        words = match.group(1).split()
        if len(words) == 1 and _PATH.match(words[0]):
            out.append(go_format(_lookup(data, words[0], maps)))
        elif len(words) == 2 and words[0] in ("json", "prettyjson") and _PATH.match(words[1]):
            value = _lookup(data, words[1], maps)
            value = None if value is NO_VALUE else value
            out.append(
                json.dumps(value, indent=4) if words[0] == "prettyjson" else json.dumps(value, separators=(",", ":"))
            )
        else:
            raise TemplateError(f"unsupported template action {match.group(0)!r}: use {SUPPORTED}")
    out.append(literal(template[position:]))
    return "".join(out)

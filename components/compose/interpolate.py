"""A Compose file's ``${VARIABLES}`` substituted here, for ``docker stack deploy``.

``docker stack deploy`` reads no env file: it substitutes variables from its own environment only. Putting an
env file's variables there would hand the file control of the local docker process (``LD_PRELOAD``,
``HTTPS_PROXY``, ``DOCKER_*``, ``GODEBUG``...). So the substitution happens here, exactly as the docker CLI
does it (docker/cli ``cli/compose/template`` and ``interpolation``: the same pattern, defaults, required
values and type casts), and docker gets a file with nothing left to substitute: every ``$`` in a substituted
value is written as ``$$``, which docker turns back into ``$``.

The file is rewritten at the level of YAML nodes: every scalar without a ``$`` is written back as it was
written (``on`` stays the text ``on``; a YAML 1.1 reader's bool never reaches docker). Merge keys (``<<``)
are resolved first, as docker's YAML reader resolves them before substituting; anchors are expanded.
"""

from __future__ import annotations

import json
import re
from typing import Callable, Mapping, Optional

import yaml

_SUBST = r"[_a-z][_a-z0-9]*(?::?[-?][^}]*)?"
# docker/cli's defaultPattern: "$$", "$NAME...", "${NAME...}", or a "$" that is none of these (invalid).
PATTERN = re.compile(r"\$(?i:(?P<escaped>\$)|(?P<named>" + _SUBST + r")|\{(?P<braced>" + _SUBST + r")\}|(?P<invalid>))")

STR, INT, FLOAT, BOOL = (f"tag:yaml.org,2002:{t}" for t in ("str", "int", "float", "bool"))
MAX_NODES = 200_000  # anchors expand: a file that grows past this is refused, not deployed

Lookup = Callable[[str], Optional[str]]


class InterpolationError(ValueError):
    """The Compose file cannot be substituted; the message is docker's, one line."""


class _Invalid(Exception):
    def __init__(self, template: str) -> None:
        super().__init__(template)
        self.template = template


def _partition(text: str, sep: str) -> tuple[str, str]:
    head, found, tail = text.partition(sep)
    return (head, tail) if found else (text, "")


def _apply(substitution: str, lookup: Lookup) -> str:
    """One ``${...}``: soft default, hard default, required non-empty, required, then the plain value (in
    docker's order: ``${A?x-y}`` is a hard default of the variable ``A?x``, as docker reads it)."""
    if ":-" in substitution:
        name, default = _partition(substitution, ":-")
        value = lookup(name)
        return default if not value else value
    if "-" in substitution:
        name, default = _partition(substitution, "-")
        value = lookup(name)
        return default if value is None else value
    for sep, empty_ok in ((":?", False), ("?", True)):
        if sep in substitution:
            name, message = _partition(substitution, sep)
            value = lookup(name)
            if value is None or (not empty_ok and value == ""):
                raise _Invalid(f"required variable {name} is missing a value: {message}")
            return value
    return lookup(substitution) or ""


def substitute(template: str, lookup: Lookup) -> str:
    """``template`` with its variables replaced; ``_Invalid`` for a ``$`` docker refuses or a missing required value."""

    def one(match: re.Match) -> str:
        if match.group("escaped"):
            return "$"
        substitution = match.group("named") or match.group("braced")
        if not substitution:
            raise _Invalid(template)
        return _apply(substitution, lookup)

    return PATTERN.sub(one, template)


# ----- docker's type casts: a substituted value at these paths becomes a number or a bool ----------------------


def _service(*parts: str) -> tuple[str, ...]:
    return ("services", "*", *parts)


_INT_PATHS = [
    _service("configs", "[]", "mode"),
    _service("secrets", "[]", "mode"),
    _service("healthcheck", "retries"),
    _service("deploy", "replicas"),
    _service("deploy", "update_config", "parallelism"),
    _service("deploy", "rollback_config", "parallelism"),
    _service("deploy", "restart_policy", "max_attempts"),
    _service("deploy", "placement", "max_replicas_per_node"),
    _service("ports", "[]", "target"),
    _service("ports", "[]", "published"),
    _service("ulimits", "*"),
    _service("ulimits", "*", "hard"),
    _service("ulimits", "*", "soft"),
]
_FLOAT_PATHS = [
    _service("deploy", "update_config", "max_failure_ratio"),
    _service("deploy", "rollback_config", "max_failure_ratio"),
]
_BOOL_PATHS = [
    _service("healthcheck", "disable"),
    _service("privileged"),
    _service("read_only"),
    _service("stdin_open"),
    _service("tty"),
    _service("volumes", "[]", "read_only"),
    _service("volumes", "[]", "volume", "nocopy"),
]
_BOOL_PATHS += [
    (section, "*", key)
    for section, key in (
        ("networks", "external"),
        ("networks", "internal"),
        ("networks", "attachable"),
        ("volumes", "external"),
        ("secrets", "external"),
        ("configs", "external"),
    )
]
_INT = re.compile(r"[+-]?[0-9]+")
_FLOAT = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")


def _matches(path: tuple[str, ...], pattern: tuple[str, ...]) -> bool:
    return len(path) == len(pattern) and all(p in ("*", part) for part, p in zip(path, pattern, strict=True))


def _cast(path: tuple[str, ...], value: str) -> Optional[yaml.ScalarNode]:
    """The typed scalar docker makes of a substituted ``value`` at ``path``, or None where docker keeps a string."""
    if any(_matches(path, p) for p in _INT_PATHS):
        if not _INT.fullmatch(value):
            raise ValueError(f'strconv.Atoi: parsing "{value}": invalid syntax')
        return yaml.ScalarNode(INT, str(int(value)))
    if any(_matches(path, p) for p in _FLOAT_PATHS):
        if not _FLOAT.fullmatch(value):
            raise ValueError(f'strconv.ParseFloat: parsing "{value}": invalid syntax')
        return yaml.ScalarNode(FLOAT, repr(float(value)))
    if any(_matches(path, p) for p in _BOOL_PATHS):
        word = value.lower()
        if word not in ("y", "yes", "true", "on", "n", "no", "false", "off"):
            raise ValueError(f"invalid boolean: {value}")
        return yaml.ScalarNode(BOOL, "true" if word in ("y", "yes", "true", "on") else "false")
    return None


# ----- the file --------------------------------------------------------------------------------------------------


class _Rewriter:
    def __init__(self, loader: yaml.SafeLoader, lookup: Lookup) -> None:
        self.loader, self.lookup, self.count = loader, lookup, 0

    def node(self, node: yaml.Node, path: tuple[str, ...]) -> yaml.Node:
        self.count += 1
        if self.count > MAX_NODES:
            raise InterpolationError(
                f"the Compose file expands to more than {MAX_NODES} values (anchors): write it out with fewer aliases"
            )
        if isinstance(node, yaml.MappingNode):
            self.loader.flatten_mapping(node)  # merge keys first, as docker's YAML reader does
            last: dict = {}
            for key, value in node.value:  # a key given again (or merged) once: the last one wins
                last[(key.tag, key.value) if isinstance(key, yaml.ScalarNode) else id(key)] = (key, value)
            pairs = [(self.copy(key), self.node(value, (*path, str(key.value)))) for key, value in last.values()]
            return yaml.MappingNode(node.tag, pairs, flow_style=False)
        if isinstance(node, yaml.SequenceNode):
            return yaml.SequenceNode(
                node.tag, [self.node(item, (*path, "[]")) for item in node.value], flow_style=False
            )
        assert isinstance(node, yaml.ScalarNode), node  # YAML's composer makes no other kind of node
        if node.tag != STR or "$" not in node.value:
            return yaml.ScalarNode(node.tag, node.value, style=node.style)
        try:
            value = substitute(node.value, self.lookup)
        except _Invalid as err:
            raise InterpolationError(
                f"invalid interpolation format for {'.'.join(path)}: {json.dumps(err.template)}; "
                "you may need to escape any $ with another $"
            ) from None
        if value != node.value:
            try:
                typed = _cast(path, value)
            except ValueError as err:
                raise InterpolationError(
                    f"error while interpolating {'.'.join(path)}: failed to cast to expected type: {err}"
                ) from None
            if typed is not None:
                return typed
        return yaml.ScalarNode(STR, value.replace("$", "$$"), style='"')

    def copy(self, node: yaml.Node) -> yaml.Node:
        """A mapping key: never substituted (docker substitutes values only)."""
        if isinstance(node, yaml.ScalarNode):
            return yaml.ScalarNode(node.tag, node.value, style=node.style)
        return self.node(node, ("<key>",))


def interpolate(content: str, variables: Mapping[str, str]) -> str:
    """``content`` (a Compose file) with its variables substituted from ``variables``, for ``docker stack deploy``
    run with no variables at all in its environment. InterpolationError: one line naming the problem."""
    loader = yaml.SafeLoader(content)
    try:
        root = loader.get_single_node()
        if root is None or not isinstance(root, yaml.MappingNode):
            raise InterpolationError("the Compose file is not a YAML mapping (services: ...)")
        rewritten = _Rewriter(loader, variables.get).node(root, ())
    except yaml.YAMLError as err:
        raise InterpolationError(f"the Compose file is not valid YAML: {' '.join(str(err).split())}") from None
    except RecursionError:
        raise InterpolationError("the Compose file is nested too deeply") from None
    finally:
        loader.dispose()
    return yaml.serialize(rewritten, Dumper=yaml.SafeDumper, width=1 << 30, allow_unicode=True)

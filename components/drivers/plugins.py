"""Drivers from other packages: entry points of the group ``pulumi_docker_machine.drivers``.

A plugin's distribution declares ``NAME = "its_package:INFO"`` (an info.DriverInfo, as a built-in folder's
``__init__.py`` holds); ``INFO.driver`` is ``"module:Class"`` inside that package, as for a built-in. Entry points
are read only when a name is not a built-in's, or for a listing of every driver, and a plugin's code is imported
only when its name is used. A name from a store or a stack is only ever looked up among the entry points' names
(never imported as a module path). A built-in's name is never looked up here: a plugin can't replace a built-in.
A plugin that fails to import or breaks the interface is one line naming its distribution (DriverArgumentError).
"""

from __future__ import annotations

from importlib import import_module

from .info import (
    ENGINE_PORT,
    GROW,
    IN_PLACE,
    KINDS,
    POWER_STATE,
    POWER_VERBS,
    REPLACE,
    RESTART,
    SSH_REBOOT,
    DriverArgumentError,
    DriverInfo,
    StoredFields,
)

TYPE_CHECKING = False  # typing stays unimported at run time (start-up time)
if TYPE_CHECKING:
    from importlib.metadata import EntryPoint
    from typing import Any, Optional

    from .base import Driver

GROUP = "pulumi_docker_machine.drivers"
CHANGE_KINDS = (RESTART, GROW, IN_PLACE, REPLACE)

_found: Optional[dict[str, list[EntryPoint]]] = None
_loaded: dict[str, tuple[DriverInfo, str]] = {}  # name -> (INFO, the package its "module:Class" is in)


def valid_name(name: object) -> bool:
    """A driver name: lower-case letters and digits, a letter first (it is the flags' prefix, --NAME-...)."""
    return (
        isinstance(name, str)
        and 0 < len(name) <= 40
        and name[0].isascii()
        and name[0].islower()
        and all(c.isascii() and (c.islower() or c.isdigit()) for c in name)
    )


def _entry_points() -> dict[str, list[EntryPoint]]:
    global _found
    if _found is None:
        from importlib.metadata import entry_points

        _found = {}
        for point in entry_points(group=GROUP):
            _found.setdefault(point.name, []).append(point)
    return _found


def names(builtins: tuple[str, ...]) -> list[str]:
    """The installed plugins' driver names (their entry points; nothing imported), built-ins' and invalid names
    left out."""
    return sorted(name for name in _entry_points() if valid_name(name) and name not in builtins)


def known(name: object, builtins: tuple[str, ...]) -> bool:
    """A plugin's driver name (not a built-in's): entry points are read only for a name that could be one."""
    return valid_name(name) and name not in builtins and name in _entry_points()


def distribution(point: EntryPoint) -> str:
    dist = getattr(point, "dist", None)
    return f"{dist.name} {dist.version}" if dist is not None else f"of {point.value}"


def _one_line(err: BaseException) -> str:
    text = " ".join(str(err).split())
    return f"{type(err).__name__}: {text}"[:300] if text else type(err).__name__


def describe(name: object, builtins: tuple[str, ...]) -> Optional[DriverInfo]:
    """The plugin's INFO; None when no plugin has that name. DriverArgumentError: a plugin that fails to load or
    breaks the interface, or a name two packages register."""
    if not valid_name(name) or name in builtins:
        return None
    assert isinstance(name, str)
    if name in _loaded:
        return _loaded[name][0]
    points = _entry_points().get(name)
    if not points:
        return None
    if len(points) > 1:
        packages = " and ".join(distribution(point) for point in points)
        raise DriverArgumentError(f"driver plugin {name!r} is registered by two packages, {packages}: uninstall one")
    [point] = points
    package = distribution(point)
    try:
        info = point.load()
    except Exception as err:  # noqa: BLE001 - any failure of someone else's code is one line naming its package
        raise DriverArgumentError(
            f"driver plugin {name!r} (package {package}) failed to load: {_one_line(err)}: reinstall or uninstall "
            "that package"
        ) from None
    problem = interface_problem(name, info)
    if problem:
        raise DriverArgumentError(
            f"driver plugin {name!r} (package {package}) breaks the driver interface: {problem} (docs/drivers.md)"
        )
    module = point.module
    home = module if hasattr(import_module(module), "__path__") else module.rpartition(".")[0]
    _loaded[name] = (info, home)
    return info


def loaded() -> list[DriverInfo]:
    """The plugins described so far in this process."""
    return [info for info, _home in _loaded.values()]


def driver_class(name: str, builtins: tuple[str, ...]) -> type[Driver]:
    """The plugin's Driver dataclass (its Pulumi side): checked as every built-in's is."""
    import dataclasses

    from .base import Driver

    info = describe(name, builtins)
    assert info is not None
    point = _entry_points()[name][0]
    module, cls_name = info.driver.split(":")
    try:
        cls: Any = getattr(import_module(f"{_loaded[name][1]}.{module}"), cls_name)
    except Exception as err:  # noqa: BLE001 - as in describe
        raise DriverArgumentError(
            f"driver plugin {name!r} (package {distribution(point)}) failed to load its driver {info.driver}: "
            f"{_one_line(err)}: reinstall or uninstall that package"
        ) from None
    problem = ""
    if not (isinstance(cls, type) and issubclass(cls, Driver) and hasattr(cls, "__dataclass_fields__")):
        problem = f"{info.driver} is not a Driver dataclass (pulumi_docker_machine.components.drivers.base.Driver)"
    elif getattr(cls, "name", None) != name:
        problem = f"{info.driver}.name is {getattr(cls, 'name', None)!r}, not {name!r}"
    else:
        fields = {f.name for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
        missing = [row[0] for row in info.flags if row[1] not in fields and row[1] != ENGINE_PORT]
        if missing:
            problem = f"{missing[0]} sets no field of {info.driver}"
    if problem:
        raise DriverArgumentError(
            f"driver plugin {name!r} (package {distribution(point)}) breaks the driver interface: {problem} "
            "(docs/drivers.md)"
        )
    return cls


def interface_problem(name: str, found: object) -> str:
    """What of info.DriverInfo the plugin's INFO gets wrong ("" when nothing): the parts the command line and the
    store use before any of its Pulumi code runs."""
    if not isinstance(found, DriverInfo):
        return f"its entry point is a {type(found).__name__}, not a DriverInfo"
    info: Any = found  # its attributes are someone else's values: checked here, not trusted to their annotations
    if info.name != name:
        return f"INFO.name is {info.name!r}, not its entry point's name {name!r}"
    module, _, cls = str(info.driver).partition(":")
    if not (isinstance(info.driver, str) and all(p.isidentifier() for p in module.split(".")) and cls.isidentifier()):
        return f"INFO.driver {info.driver!r} is not 'module:Class' inside its package"
    flags = info.flags if isinstance(info.flags, tuple) else None
    if flags is None or not all(isinstance(row, tuple) and len(row) == 6 for row in flags):
        return "INFO.flags is not a tuple of (flag, option, kind, default, env, help) rows"
    seen = set()
    for flag, dest, kind, _default, env, help_text in flags:
        if not (isinstance(flag, str) and flag.startswith(f"--{name}-") and flag[len(name) + 3 :].replace("-", "")):
            return f"flag {flag!r} does not start with --{name}-"
        if flag in seen:
            return f"flag {flag} is given twice"
        seen.add(flag)
        if not (isinstance(dest, str) and dest.isidentifier()) or kind not in KINDS:
            return f"flag {flag}: its option must be a field name and its kind one of {', '.join(KINDS)}"
        if not (isinstance(env, str) and isinstance(help_text, str) and help_text):
            return f"flag {flag}: its environment variable and help must be text"
    if info.check is not None and not callable(info.check):
        return "INFO.check is neither None nor a function"
    steps = info.steps
    if not hasattr(steps, "items") or not all(
        isinstance(typ, str)
        and ":" in typ
        and isinstance(lines, tuple)
        and len(lines) == 2
        and all(line is None or isinstance(line, str) for line in lines)
        for typ, lines in steps.items()
    ):
        return "INFO.steps is not resource type -> (line, line) (None: no line)"
    power = info.power
    if not hasattr(power, "items") or not all(
        verb in POWER_VERBS and how in (POWER_STATE, SSH_REBOOT) for verb, how in power.items()
    ):
        return f"INFO.power maps verbs of {', '.join(POWER_VERBS)} to '{POWER_STATE}' or '{SSH_REBOOT}'"
    if not isinstance(info.power_refusal, str):
        return "INFO.power_refusal is not text"
    if not isinstance(info.needs_store_path, bool):
        return "INFO.needs_store_path is not True or False"
    key = info.key_file
    if not (isinstance(key, str) and key.startswith("id_") and key[3:].replace("_", "").isalnum() and key.isascii()):
        return f"INFO.key_file {key!r} is not a key file name such as id_ed25519"
    if not (isinstance(info.per_node, tuple) and set(info.per_node) <= {row[1] for row in flags}):
        return "INFO.per_node names options that are not among its flags"
    if not isinstance(info.stored, StoredFields):
        return "INFO.stored is not a StoredFields"
    if not all(
        isinstance(option, str) and (how in CHANGE_KINDS or callable(how)) for option, how in info.changes.items()
    ):
        return f"INFO.changes maps options to one of {', '.join(CHANGE_KINDS)} (or a function)"
    return ""

"""The chosen driver's ``create`` flags as click options, and the values given as the driver's options: shared by
``create`` and ``swarm``. The rows are the driver's own (components/drivers/<name>/flags.py, through its INFO):
``create -d X --help`` imports neither Pulumi nor X's cloud SDK."""

from __future__ import annotations

import os
from typing import Any, Callable, Optional

import click

from pulumi_docker_machine.components.drivers import DEFAULT_DRIVER, REGISTRY, DriverArgumentError, describe, is_driver
from pulumi_docker_machine.components.drivers.info import BOOL, CSV, INT, MULTI, NOT_SUPPORTED, PAIRS

DRIVERS = sorted(REGISTRY)  # the built-ins; with the installed plugins: drivers.names()
PER_NODE_PREFIX = "driver_each_"  # a swarm's per-node flags: given once per node


def driver_in(args: list[str]) -> str:
    """The -d/--driver value among the arguments (before parsing: it decides which flags exist)."""
    for index, arg in enumerate(args):
        if arg in ("-d", "--driver") and index + 1 < len(args):
            return args[index + 1]
        if arg.startswith("--driver="):
            return arg.split("=", 1)[1]
        if arg.startswith("-d") and len(arg) > 2 and not arg.startswith("--"):
            return arg[2:]
    return os.environ.get("MACHINE_DRIVER") or DEFAULT_DRIVER


def unknown_driver(driver: str) -> str | None:
    """docker-machine's words for a driver it has not (an exit 1), and the ones there are; a plugin's one line when
    it fails to load."""
    if driver in REGISTRY:
        return None
    if is_driver(driver):
        try:
            describe(driver)
        except DriverArgumentError as err:
            return f"Error: {err}"
        return None
    import json  # Go's %q, as 0.16.2 quotes the name

    from pulumi_docker_machine.components.drivers import names
    from pulumi_docker_machine.components.drivers.retired import RETIRED

    if driver in RETIRED:  # a built-in of docker-machine's not offered here: why, and what to use instead
        return f"Driver {json.dumps(driver)} is not offered here: {RETIRED[driver]}"
    return f"Driver {json.dumps(driver[:80])} not found: choose one of {', '.join(names())}"


def _rows(driver: str) -> tuple:
    try:
        return describe(driver).flags
    except DriverArgumentError:  # unknown, or a plugin that fails: unknown_driver says so, click.Choice too
        return ()


class DriverChoice(click.Choice):
    """-d's choices: the built-ins and the installed plugins, looked up when asked for (help, a value, completion),
    not when the command is defined."""

    def __init__(self) -> None:
        super().__init__(DRIVERS)

    @property
    def choices(self) -> tuple[str, ...]:
        from pulumi_docker_machine.components.drivers import names

        return names()

    @choices.setter
    def choices(self, _value: object) -> None:
        pass

    def convert(self, value: Any, param: Optional[click.Parameter], ctx: Optional[click.Context]) -> Any:
        if value in REGISTRY:  # a built-in's create reads no entry point
            return value
        return super().convert(value, param, ctx)


GO_BOOLS = {"1": True, "t": True, "true": True, "0": False, "f": False, "false": False}  # Go's strconv.ParseBool


def driver_option(help_text: str) -> Callable:
    """``-d/--driver`` of create and swarm create (docker-machine's MACHINE_DRIVER, VirtualBox by default)."""
    return click.option(
        "-d",
        "--driver",
        envvar="MACHINE_DRIVER",
        default=DEFAULT_DRIVER,
        show_default=True,
        type=DriverChoice(),
        help=help_text,
    )


engine_install_url_option = click.option(
    "--engine-install-url",
    envvar="MACHINE_DOCKER_INSTALL_URL",
    default="https://get.docker.com",
    show_default=True,
    help="Custom URL to use for engine installation ('distro': the OS package; 'none')",
)


class CommaSliceOption(click.Option):
    """codegangsta's StringSliceFlag: from its environment variable, values separated by commas and trimmed
    (click would split at whitespace)."""

    def value_from_envvar(self, ctx: click.Context) -> Any:
        raw = self.resolve_envvar_value(ctx)
        return None if raw is None else [part.strip() for part in raw.split(",")]


class GoBoolFlag(click.Option):
    """A driver's bool flag: ``--flag``, or Go's ``--flag=true``/``--flag=false`` as docker-machine's flag parser
    took them (GitLab Runner passes its MachineOptions so: ``--amazonec2-use-private-address=true``)."""

    def add_to_parser(self, parser: Any, ctx: click.Context) -> None:
        super().add_to_parser(parser, ctx)
        if getattr(parser, "go_bools", False):
            return
        parser.go_bools = True
        match = parser._match_long_opt

        def match_long(opt: str, explicit: Any, state: Any) -> None:
            option = parser._long_opt.get(opt)
            if explicit is None or option is None or not isinstance(option.obj, GoBoolFlag):
                return match(opt, explicit, state)
            if explicit.lower() not in GO_BOOLS:
                raise click.BadOptionUsage(opt, f"{opt} takes true or false, not {explicit!r}")
            state.opts[option.dest] = GO_BOOLS[explicit.lower()]
            state.order.append(option.obj)

        setattr(parser, "_match_long_opt", match_long)  # noqa: B010 - an instance's method, replaced


def driver_options(driver: str) -> list[click.Option]:
    options: list[click.Option] = []
    for flag, dest, kind, default, env, help_text in _rows(driver):
        shown = f" [default: {default}]" if default not in ("", False) else ""
        common: dict[str, Any] = {"envvar": env or None, "help": help_text + shown, "show_envvar": bool(env)}
        if kind == BOOL:
            options.append(GoBoolFlag([flag, f"driver_{dest}"], is_flag=True, default=None, **common))
        elif kind == MULTI:
            options.append(CommaSliceOption([flag, f"driver_{dest}"], multiple=True, **common))
        else:
            options.append(
                click.Option([flag, f"driver_{dest}"], type=int if kind == INT else str, default=None, **common)
            )
    return options


def per_node_options(drivers: list[str]) -> list[click.Option]:
    """The flags a swarm takes once per node (the generic driver's host addresses), of each of ``drivers``."""
    options = []
    for driver in drivers:
        info = describe(driver)
        for flag, dest, _kind, _default, _env, help_text in info.flags:
            if dest in info.per_node:
                options.append(
                    click.Option(
                        [flag, f"{PER_NODE_PREFIX}{dest}"],
                        multiple=True,
                        envvar=None,
                        help=f"{help_text}: once per node, managers first, then workers",
                    )
                )
    return options


def per_node_values(values: dict[str, Any], driver: str = "") -> tuple[list[dict[str, Any]], list[str]]:
    """Each node's own driver options from the per-node flags (popped from ``values``), and the driver's per-node
    flags (no ``driver``: a swarm's, not known before it is loaded: the flags given)."""
    given = {
        key.removeprefix(PER_NODE_PREFIX): list(values.pop(key) or ())
        for key in list(values)
        if key.startswith(PER_NODE_PREFIX)
    }
    per_node = describe(driver).per_node if is_driver(driver) else tuple(dest for dest in given if given[dest])
    count = max((len(given.get(dest, ())) for dest in per_node), default=0)
    nodes = [
        {"driver_options": {dest: given[dest][i] for dest in per_node if i < len(given.get(dest, ()))}}
        for i in range(count)
    ]
    return nodes, [describe(driver).flag_of(dest) for dest in per_node] if is_driver(driver) else []


def read_user_data(path: str, limit: int) -> str:
    """The user-data file's text, read no further than the cloud's limit (a FIFO or /dev/zero ends here)."""
    hint = "user data"
    if not os.path.isfile(path):
        raise click.BadParameter(
            f"{path} is not a regular file: give the path of a cloud-init user-data file", param_hint=hint
        )
    try:
        with open(path, "rb") as handle:
            data = handle.read(limit + 1)
    except OSError as err:
        raise click.BadParameter(f"cannot read {path}: {err.strerror}", param_hint=hint) from None
    if len(data) > limit:
        raise click.BadParameter(f"{path} is larger than the {limit} bytes this cloud takes", param_hint=hint)
    try:
        return data.decode()
    except UnicodeDecodeError:
        raise click.BadParameter(f"{path} is not UTF-8 text", param_hint=hint) from None


def to_driver_options(driver: str, values: dict[str, Any], store_root: str = "") -> dict[str, Any]:
    """The flags the user gave (or their environment variables set), as the driver's arguments; with the store's
    path where the driver keeps files there."""
    options: dict[str, Any] = {}
    for flag, dest, kind, _default, _env, help_text in _rows(driver):
        value = values.get(f"driver_{dest}")
        if value in (None, ()):
            continue
        if help_text.startswith(NOT_SUPPORTED) and value is not False:
            raise click.UsageError(f"{flag} is not supported: {help_text.removeprefix(NOT_SUPPORTED)}")
        if value == "":  # given, but empty: the driver's default would silently stand in for it
            raise click.BadParameter("is empty: give a value, or leave the flag out for the default", param_hint=flag)
        if kind == CSV:
            value = [item.strip() for item in value.split(",") if item.strip()]
        elif kind == PAIRS:
            parts = [part.strip() for part in value.split(",")]
            if len(parts) % 2:
                raise click.BadParameter("give key,value pairs: key1,value1,key2,value2", param_hint=flag)
            value = dict(zip(parts[0::2], parts[1::2], strict=True))
        elif dest == "user_data":
            from pulumi_docker_machine.components.drivers import driver_class  # Pulumi: at create only, not --help

            options["user_data_file"] = value
            value = read_user_data(value, driver_class(driver).user_data_limit)
        elif kind == MULTI:
            value = list(value)
        options[dest] = value
    if store_root and is_driver(driver) and describe(driver).needs_store_path:
        options["storage_path"] = store_root
    return options

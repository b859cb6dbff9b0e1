"""What the command line and the Automation API ask a driver before any Pulumi code runs.

Each driver folder's ``__init__.py`` answers in one ``DriverInfo`` named ``INFO``; the Pulumi side (the
``Driver`` dataclass, its resources) is the module ``INFO.driver`` names, imported only when a machine is
made or changed. This module and every ``INFO`` import neither Pulumi nor a cloud SDK, nor ``typing`` or
``dataclasses``: ``create --help`` and the read commands load them (start-up time).
"""

from __future__ import annotations

TYPE_CHECKING = False  # typing stays unimported at run time (start-up time)
if TYPE_CHECKING:
    from collections.abc import Callable, Mapping
    from typing import Any, Optional

    FlagRow = tuple[str, str, str, Any, str, str]
    Step = tuple[Optional[str], Optional[str]]

# A flag row: (flag, driver option, kind, default shown in help, environment variable, help). The default itself
# lives in the driver's dataclass; a flag left out is not passed. Kinds, and what the CLI hands the driver:
INT, STR, BOOL = "int", "str", "bool"
MULTI = "multi"  # the flag given several times: a list
CSV = "csv"  # one comma-separated value: a list of its non-empty items
PAIRS = "pairs"  # one comma-separated value of key,value pairs: a dict
KINDS = (INT, STR, BOOL, MULTI, CSV, PAIRS)
# A row with this option sets the machine's engine port (EngineOptions.port), not an option of the driver's
# dataclass (--generic-engine-port).
ENGINE_PORT = "engine_port"
# A row whose help starts so is a docker-machine flag refused when given (the rest of the help says why): the CLI
# refuses it with its flags, the driver's own checks again for a stack or the Python API.
NOT_SUPPORTED = "Not supported: "

POWER_VERBS = ("start", "stop", "kill", "restart")
POWER_STATE = "power state"  # through the machine's wanted power state, which its Pulumi resources realize
SSH_REBOOT = "ssh reboot"  # restart only: 'sudo shutdown -r now' over SSH (docker-machine's generic driver)
PAST = {"start": "started", "stop": "stopped", "kill": "killed", "restart": "restarted"}

GENERATED_KEY_FILE = "id_ed25519"  # the machine's own SSH key in its store folder

# How ``docker-machine set`` changes a driver option (DriverInfo.changes): each kind keeps the machine's disk.
RESTART = "restart"  # a running local VM is stopped, changed and started again (certificates, disk kept)
GROW = "grow"  # as RESTART, and only to a larger value (a disk); a smaller one is refused
IN_PLACE = "in place"  # the cloud changes the VM in place (it may stop and start it)
REPLACE = "replace"  # only by a new VM (a new disk: data lost): done with --replace only


class DriverArgumentError(ValueError):
    """A driver argument that can't work; the message names it and the fix."""


class PreCreateCheckError(Exception):
    """A driver's pre-create check failed (docker-machine's exit 3); the message says what to install or change."""


class StoredFields:
    """How docker-machine 0.16's driver of this name keeps a machine in config.json's ``Driver`` object (read from
    drivers/<name>/*.go of v0.16.2); the read commands ask no cloud or hypervisor, so they use what it stored. Our
    own machines answer from the ``Pulumi`` section first. The default: the address in ``IPAddress`` (``host`` of a
    ``host:port``), docker-machine's engine port, SSH at the address."""

    engine_port_field = ""  # the Driver field holding the engine port, where the driver keeps one
    asks_for_address = False  # docker-machine asks the cloud or hypervisor every time (it may have stored none)

    def address(self, driver: Mapping[str, Any]) -> str:
        return host_of(text(driver, "IPAddress"))

    def engine_port(self, driver: Mapping[str, Any]) -> Optional[int]:
        value = driver.get(self.engine_port_field) if self.engine_port_field else None
        return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else None

    def engine_url(self, driver: Mapping[str, Any]) -> Optional[str]:
        """The engine URL verbatim, for a driver that stores one."""
        return None

    def ssh_host(self, address: str) -> str:
        return address

    def written(self, outputs: Mapping[str, Any]) -> dict[str, Any]:
        """The ``Driver`` fields this driver's docker-machine 0.16.2 writes beyond the common ones, from a machine's
        (checked) outputs, so that 0.16.2 reads a machine made here as its own."""
        return {}


class AskedForAddress(StoredFields):
    """A driver whose docker-machine asks its cloud or hypervisor for the address (``IPAddress`` is only a cache)."""

    asks_for_address = True


class DriverInfo:
    """One driver's answers. Every piece is a required keyword: a driver folder states each, even where the
    answer is "none" (tests/test_driver_ownership.py checks them against the driver's Pulumi side)."""

    __slots__ = (
        "name",
        "driver",
        "flags",
        "check",
        "steps",
        "power",
        "power_refusal",
        "needs_store_path",
        "key_file",
        "per_node",
        "stored",
        "changes",
        "destroy_runs_program",
    )

    def __init__(
        self,
        *,
        name: str,
        driver: str,
        flags: tuple[FlagRow, ...],
        check: Optional[Callable[[dict[str, Any]], dict[str, Any]]],
        steps: Mapping[str, Step],
        power: Mapping[str, str],
        power_refusal: Optional[str] = None,
        needs_store_path: bool,
        key_file: str,
        per_node: tuple[str, ...],
        stored: StoredFields,
        changes: Optional[Mapping[str, str | Callable[[Any, Any], str]]] = None,
        destroy_runs_program: bool = False,
    ) -> None:
        self.name = name
        # "module:Class" inside the folder: the Driver dataclass (Pulumi, the cloud SDK), imported on use.
        self.driver = driver
        # ``docker-machine create`` flags, as rows (see the kinds above).
        self.flags = flags
        # docker-machine's PreCreateCheck: what only this computer can tell (programs, host networks), run after
        # the flags are checked; raises PreCreateCheckError (exit 3). Returns the options to create with (qemu
        # resolves its accelerator here). None: nothing to check.
        self.check = check
        # The lines ``create`` (and every update) prints for the driver's own resources: full resource type ->
        # (line when it starts, line when it is done); None says nothing. Every type the driver registers is here.
        self.steps = steps
        # The verbs of POWER_VERBS the driver supports -> how (POWER_STATE, SSH_REBOOT); the others are refused
        # with ``power_refusal`` ({verb}: start...; {done}: started...; by default "NAME driver does not support
        # {verb}").
        self.power = power
        self.power_refusal = power_refusal or f"{name} driver does not support {{verb}}"
        # The driver keeps files in the machine store (local VMs: their disks): create passes its path as the
        # ``storage_path`` option.
        self.needs_store_path = needs_store_path
        # The machine's SSH key's file name in its store folder.
        self.key_file = key_file
        # Options a swarm takes once per node (the generic driver's address of each host).
        self.per_node = per_node
        self.stored = stored
        # rm runs the program again (``pulumi destroy --run-program``): the driver's provider is configured with
        # something that expires (a token made at each run), so the settings kept in state cannot destroy later.
        self.destroy_runs_program = destroy_runs_program
        # What ``docker-machine set`` may change: option -> a kind above, or a function of (old, new) value giving
        # one. Options left out are not changed by set; none (generic, none): set refuses.
        self.changes = dict(changes or {})

    def refusal(self, verb: str) -> str:
        return self.power_refusal.format(verb=verb, done=PAST.get(verb, verb))

    def flag_of(self, option: str) -> str:
        """The flag that sets ``option`` (``--generic-ip-address`` for ip_address)."""
        return next((row[0] for row in self.flags if row[1] == option), option)


def text(driver: Mapping[str, Any], key: str) -> str:
    value = driver.get(key)
    return value if isinstance(value, str) else ""


def host_of(host_port: str) -> str:
    """``host`` of ``host:port``, ``[v6]:port`` or a bare address."""
    if host_port.startswith("["):
        return host_port[1 : host_port.find("]")] if "]" in host_port else host_port
    if host_port.count(":") == 1:
        return host_port.split(":", 1)[0]
    return host_port


def urlsplit(url: str) -> Any:
    """urllib.parse's, imported on use: only the none driver stores a URL, and read commands start faster."""
    from urllib.parse import urlsplit as split

    return split(url)


def url_host(url: str) -> str:
    """The host of a stored URL; "" when it is not a URL (config.json is untrusted: ``tcp://[::1`` is no URL)."""
    try:
        return urlsplit(url).hostname or ""
    except ValueError:
        return ""


def url_port(url: str) -> Optional[int]:
    """The port of a URL; None without one, or with one out of range."""
    try:
        return urlsplit(url).port
    except ValueError:
        return None

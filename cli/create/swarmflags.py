"""docker-machine 0.16.2's ten ``create --swarm*`` flags, mapped onto swarm mode (classic Swarm is gone).

``--swarm-master`` (with or without ``--swarm``): the machine is made as the one manager of a new swarm-mode swarm
of the same name (automation/swarm.py create_swarm_master), which keeps its ``--swarm-discovery`` URL. ``--swarm``
alone (0.16.2's agent): the machine joins, as a worker, the swarm that URL names (the one a master was created with,
or ``swarm://NAME``), made by that swarm's stack with its driver settings (join_swarm). What has a swarm-mode meaning
is taken: 0.16.2's defaults of ``--swarm-image``, ``--swarm-strategy`` (spread: swarm mode's own scheduling) and
``--swarm-host`` (the manager's API is its engine's own port). The rest of what 0.16.2 acted on is refused in one
line before anything is made. Without ``--swarm``/``--swarm-master`` the flags do nothing, as in 0.16.2 (which
checked only the discovery URL's form).
"""

from __future__ import annotations

import re

import click

from ..application import CommandError

DEFAULT_IMAGE = "swarm:latest"
DEFAULT_STRATEGY = "spread"
DEFAULT_HOST = "tcp://0.0.0.0:3376"
SWARM_CREATE = "make a swarm-mode swarm with 'docker-machine swarm create' (or 'create --swarm-master')"


def swarm_options(command):
    """The ten flags, with 0.16.2's names, defaults, help and environment variable."""
    for option in reversed(
        (
            click.option("--swarm", "swarm_agent", is_flag=True, help="Configure Machine to join a Swarm cluster"),
            click.option(
                "--swarm-image",
                envvar="MACHINE_SWARM_IMAGE",
                show_envvar=True,
                default=DEFAULT_IMAGE,
                show_default=True,
                help="Specify Docker image to use for Swarm (swarm mode runs none: only the default is taken)",
            ),
            click.option(
                "--swarm-master",
                is_flag=True,
                help="Configure Machine to be a Swarm master: the one manager of a new swarm-mode swarm of its name",
            ),
            click.option("--swarm-discovery", default="", help="Discovery service to use with Swarm (not used)"),
            click.option(
                "--swarm-strategy",
                default=DEFAULT_STRATEGY,
                show_default=True,
                help="Define a default scheduling strategy for Swarm (swarm mode spreads)",
            ),
            click.option("--swarm-opt", multiple=True, help="Define arbitrary flags for Swarm master (not supported)"),
            click.option(
                "--swarm-join-opt", multiple=True, help="Define arbitrary flags for Swarm join (not supported)"
            ),
            click.option(
                "--swarm-host",
                default=DEFAULT_HOST,
                show_default=True,
                help="ip/socket to listen on for Swarm master (swarm mode: the engine's own port)",
            ),
            click.option("--swarm-addr", default="", help="addr to advertise for Swarm (not supported)"),
            click.option(
                "--swarm-experimental", is_flag=True, help="Enable Swarm experimental features (not supported)"
            ),
        )
    ):
        command = option(command)
    return command


SWARM_KEYS = (
    "swarm_agent",
    "swarm_image",
    "swarm_master",
    "swarm_discovery",
    "swarm_strategy",
    "swarm_opt",
    "swarm_join_opt",
    "swarm_host",
    "swarm_addr",
    "swarm_experimental",
)


def _unsupported(flag: str, why: str) -> CommandError:
    return CommandError(f"Error: {flag} {why}: leave it out, or {SWARM_CREATE}")


MASTER, AGENT = "master", "agent"


def swarm_role(values: dict) -> tuple[str, str]:
    """(MASTER, AGENT or "", the discovery URL); raises CommandError (exit 1) for what can't be done. Pops the
    flags from ``values``."""
    flags = {key: values.pop(key) for key in SWARM_KEYS}
    discovery = flags["swarm_discovery"]
    if discovery and not re.match(r"[^:]*://.*", discovery):  # 0.16.2's validateSwarmDiscovery, checked always
        raise CommandError(f"Error parsing swarm discovery: Swarm Discovery URL was in the wrong format: {discovery}")
    if not (flags["swarm_agent"] or flags["swarm_master"]):
        return "", ""
    if not flags["swarm_master"] and not discovery:
        raise CommandError(
            "Error: --swarm without --swarm-master joins the swarm its --swarm-discovery names: give the URL its "
            "master was created with, or swarm://NAME of a swarm 'docker-machine swarm ls' lists; or "
            f"{SWARM_CREATE}"
        )
    for flag, key, default, why in (
        ("--swarm-image", "swarm_image", DEFAULT_IMAGE, "runs classic Swarm's container; swarm mode is in the engine"),
        ("--swarm-strategy", "swarm_strategy", DEFAULT_STRATEGY, "is classic Swarm's; swarm mode spreads tasks"),
        ("--swarm-host", "swarm_host", DEFAULT_HOST, "is classic Swarm's port; swarm mode serves on the engine's"),
        ("--swarm-addr", "swarm_addr", "", "is not supported: the swarm advertises the machine's own address"),
        ("--swarm-opt", "swarm_opt", (), "takes classic Swarm's manage flags, which swarm mode has not"),
        ("--swarm-join-opt", "swarm_join_opt", (), "takes classic Swarm's join flags, which swarm mode has not"),
        (
            "--swarm-experimental",
            "swarm_experimental",
            False,
            "is classic Swarm's (the engine's: --engine-opt experimental)",
        ),
    ):
        value = flags[key]
        if value and value != default:
            shown = " ".join(value) if isinstance(value, tuple) else value
            raise _unsupported(flag if value is True else f"{flag} {str(shown)[:80]!r}", why)
    return (MASTER if flags["swarm_master"] else AGENT), discovery

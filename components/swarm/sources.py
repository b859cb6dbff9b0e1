"""Which addresses of a swarm's members may open another driver's cluster firewall, and as what source.

A member made by another driver is admitted by its own address (``MachineHost.address``, what it reaches the
internet from), never by its private address: another cloud's 10.0.0.5 is, in this cloud, whoever else holds
10.0.0.5. So a source is an IP literal, one address wide (``/32``, IPv6 ``/128``), outside the private
networks where another tenant's machine could sit; a host name (the generic driver takes one) is not an
address, and an IPv6 scope id only means something on one link.
"""

from __future__ import annotations

import functools
import ipaddress
from typing import Optional

import pulumi

PRIVATE_NETWORKS = tuple(
    ipaddress.ip_network(n)
    for n in (
        "0.0.0.0/8",
        "10.0.0.0/8",
        "100.64.0.0/10",
        "169.254.0.0/16",
        "172.16.0.0/12",
        "192.168.0.0/16",
        "224.0.0.0/4",
        "240.0.0.0/4",
        "::/128",
        "::ffff:0:0/96",
        "fc00::/7",
        "fe80::/10",
        "ff00::/8",
    )
)


def source_problem(address: str) -> Optional[str]:
    """Why ``address`` can't be a firewall source (None when it can)."""
    if not isinstance(address, str) or not address:
        return "no address"
    if "%" in address:
        return "an IPv6 address with a scope id (a link's, not the internet's)"
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return "a host name, not an address (a firewall admits addresses)"
    if any(ip in network for network in PRIVATE_NETWORKS if network.version == ip.version):
        return "a private address (in another cloud's network it would admit whoever holds it there)"
    return None


def source_cidr(address: str) -> Optional[str]:
    """``a.b.c.d/32`` or ``x::y/128``; None for what can't be a source."""
    if source_problem(address):
        return None
    ip = ipaddress.ip_address(address)
    return f"{ip.compressed}/{ip.max_prefixlen}"


def require_source(address: str, member: str, swarm: str) -> str:
    """For an address known only during the update: refuse, rather than open a rule to the wrong machines."""
    cidr = source_cidr(address)
    if cidr is None:
        raise ValueError(
            f"swarm {swarm}: {member}'s address {str(address)[:80]!r} is {source_problem(address)}: no "
            "other driver's firewall can admit it; give it a public address or keep the swarm to one driver"
        )
    return cidr


def other_sources(swarm: str, members: list, target_driver: str) -> list[pulumi.Output[str]]:
    """The sources (CIDR) for ``target_driver``'s firewall: the members of every other driver. An address
    known now that can't be one is left out with a warning; one known only later fails the update if it can't."""
    sources: list[pulumi.Output[str]] = []
    for member in members:
        if member.driver.name == target_driver:
            continue
        address = member.host.address
        if isinstance(address, str):
            problem = source_problem(address)
            if problem:
                pulumi.log.warn(
                    f"swarm {swarm}: {member.name}'s address {address[:80]!r} is {problem}: the "
                    f"{target_driver} members' firewall does not admit it; open the swarm ports from "
                    "its public address yourself"
                )
                continue
            sources.append(pulumi.Output.from_input(require_source(address, member.name, swarm)))
        else:
            sources.append(
                pulumi.Output.from_input(address).apply(
                    functools.partial(require_source, member=member.name, swarm=swarm)
                )
            )
    return sources

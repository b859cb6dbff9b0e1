"""VMware Cloud Director: a standalone VM from a catalog's vApp template and, with a public IP, its 1:1 NAT rules on
the edge gateway (pulumi-vcd).

As docker-machine 0.16.2's vmwarevcloudair driver: the VM gets ``cpus`` and ``memory`` on the org VDC network
(``<vdc>-default-routed`` unless named) with an address from the network's pool, and its customization script
installs the machine's key for root; with --vmwarevcloudair-publicip the edge gateway (``<vdc>`` unless named) maps
the public IP to the VM both ways (NSX-T DNAT and SNAT rules) and the machine is reached there, else at its network
address. vCloud Air also opened the edge's firewall; on Cloud Director the edge gateway's firewall is the
organization's (one resource owns all of its rules), so it must let in SSH and the Docker port.

Credentials: the URL, organization, user and password (a secret) make an explicit provider; otherwise the provider
reads VCD_URL, VCD_ORG, VCD_USER, VCD_PASSWORD... or the ``vcd:*`` stack config. ``pulumi_vcd`` is imported only
when a machine is made, and its absence is one line naming the extra to install.
"""

from __future__ import annotations

import ipaddress
import os
import re
import shlex
from dataclasses import dataclass
from typing import Any, ClassVar, Optional

import pulumi

from ..base import Driver, DriverArgumentError, MachineHost, child_opts, secret_field

SDK_MISSING = "the vcd driver needs its SDK: pip install 'pulumi-docker-machine[vcd]'"
_URL = re.compile(r"^https?://[^\s/]+/api/?$")
_NAME = re.compile(r"^[^\x00-\x1f\x7f]{1,255}$")


def vcd_sdk() -> Any:
    """pulumi_vcd, or the one-line error naming the extra to install."""
    try:
        import pulumi_vcd
    except ImportError:
        raise DriverArgumentError(SDK_MISSING) from None
    return pulumi_vcd


def _configured(env: str, key: str) -> Optional[str]:
    return os.environ.get(env) or pulumi.Config("vcd").get(key)


def authorize_root(public_key: str) -> str:
    """The customization script: the machine's key for root (as docker-machine's RunCustomizationScript)."""
    return (
        "#!/bin/sh\n"
        'if [ x$1 = x"postcustomization" ]; then\n'
        "  mkdir -p /root/.ssh && chmod 700 /root/.ssh\n"
        f"  echo {shlex.quote(public_key.strip())} > /root/.ssh/authorized_keys\n"
        "  chmod 600 /root/.ssh/authorized_keys\n"
        "fi\n"
    )


@dataclass(frozen=True)
class VcdDriver(Driver):
    name: ClassVar[str] = "vcd"

    url: Optional[str] = None  # VCD_URL when not given
    org: Optional[str] = None  # VCD_ORG
    allow_unverified_ssl: bool = False
    username: Optional[str] = None  # VCD_USER
    password: Optional[pulumi.Input[str]] = secret_field()
    compute_id: Optional[str] = None  # refused: vCloud Air only
    vdc: Optional[str] = None
    network: Optional[str] = None  # default: <vdc>-default-routed
    edge_gateway: Optional[str] = None  # default: <vdc>
    public_ip: Optional[str] = None
    catalog: str = "Public Catalog"
    catalog_item: str = "Ubuntu Server 24.04 LTS"
    cpus: int = 1
    memory: int = 2048
    ssh_user: str = "root"
    ssh_port: int = 22

    # ----- checks --------------------------------------------------------------------------------------------

    def validate(self, machine_name: str) -> None:
        vcd_sdk()
        if self.compute_id is not None:
            raise DriverArgumentError(
                "--vmwarevcloudair-computeid is not supported: vCloud Air's compute ID has no Cloud Director "
                "equivalent; name the organization with --vcd-org"
            )
        url = self.url or _configured("VCD_URL", "url")
        if not (url and (self.username or _configured("VCD_USER", "user")) and self.vdc):
            raise DriverArgumentError(  # docker-machine's words, with Cloud Director's URL
                "Please specify vcloudair mandatory params using options: -vcd-url -vmwarevcloudair-username "
                "-vmwarevcloudair-password -vmwarevcloudair-vdcid"
            )
        if self.password is None and not _configured("VCD_PASSWORD", "password"):
            raise DriverArgumentError("vcd driver requires the --vmwarevcloudair-password option (or VCD_PASSWORD)")
        if not _URL.match(url):
            raise DriverArgumentError(
                f"vcd --vcd-url {url!r} is not Cloud Director's API URL, such as https://vcd.example.com/api"
            )
        if not (self.org or _configured("VCD_ORG", "org")):
            raise DriverArgumentError("vcd driver requires the --vcd-org option (or VCD_ORG): the organization")
        for option, value in (
            ("--vcd-org", self.org),
            ("--vmwarevcloudair-vdcid", self.vdc),
            ("--vmwarevcloudair-orgvdcnetwork", self.network),
            ("--vmwarevcloudair-edgegateway", self.edge_gateway),
            ("--vmwarevcloudair-catalog", self.catalog),
            ("--vmwarevcloudair-catalogitem", self.catalog_item),
            ("--vmwarevcloudair-username", self.username),
        ):
            if value is not None and not (isinstance(value, str) and _NAME.match(value) and value.strip()):
                raise DriverArgumentError(f"vcd {option} {value!r} is not a name: give one line of text")
        if self.public_ip is not None:
            try:
                ipaddress.IPv4Address(self.public_ip)
            except ValueError:
                raise DriverArgumentError(
                    f"vcd --vmwarevcloudair-publicip {self.public_ip!r} is not an IPv4 address"
                ) from None
        numbers: tuple[tuple[str, Any, int, int], ...] = (
            ("--vmwarevcloudair-cpu-count", self.cpus, 1, 768),
            ("--vmwarevcloudair-memory-size", self.memory, 256, 24 * 1024 * 1024),
            ("--vmwarevcloudair-ssh-port", self.ssh_port, 1, 65535),
        )
        for option, number, low, high in numbers:
            if isinstance(number, bool) or not isinstance(number, int) or not low <= number <= high:
                raise DriverArgumentError(f"vcd {option} {number!r} is not a number from {low} to {high}")

    # ----- resources -----------------------------------------------------------------------------------------

    def _provider(self, machine_name: str, parent: pulumi.Resource) -> Optional[pulumi.ProviderResource]:
        if (
            not any(v is not None for v in (self.url, self.org, self.username, self.password))
            and not self.allow_unverified_ssl
        ):
            return None
        vcd = vcd_sdk()
        return vcd.Provider(
            f"{machine_name}-vcd",
            url=self.url,
            org=self.org,
            user=self.username,
            password=pulumi.Output.secret(self.password) if self.password is not None else None,
            vdc=self.vdc,
            allow_unverified_ssl=True if self.allow_unverified_ssl else None,
            opts=child_opts(parent),
        )

    def create_host(self, machine_name, public_key, engine_port, parent, power="running", force=False) -> MachineHost:
        vcd = vcd_sdk()
        provider = self._provider(machine_name, parent)
        opts = child_opts(parent, provider)
        invoke = pulumi.InvokeOutputOptions(parent=parent, provider=provider)
        vdc = str(self.vdc)
        catalog = vcd.get_catalog_output(org=self.org, name=self.catalog, opts=invoke)
        template = vcd.get_catalog_vapp_template_output(
            org=self.org, catalog_id=catalog.id, name=self.catalog_item, opts=invoke
        )
        vm = vcd.Vm(
            machine_name,
            name=machine_name,
            computer_name=machine_name,
            org=self.org,
            vdc=vdc,
            vapp_template_id=template.id,
            cpus=int(self.cpus),
            memory=int(self.memory),
            networks=[
                vcd.VmNetworkArgs(
                    type="org",
                    name=self.network or f"{vdc}-default-routed",
                    ip_allocation_mode="POOL",
                    is_primary=True,
                )
            ],
            customization=vcd.VmCustomizationArgs(
                enabled=True,
                initscript=pulumi.Output.from_input(public_key).apply(lambda key: authorize_root(key or "")),
            ),
            power_on=power == "running",
            description=f"docker-machine {machine_name}",
            opts=opts,
        )
        internal = vm.networks.apply(lambda networks: networks[0].ip if networks else "")
        address: pulumi.Input[str] = internal
        waits: list[pulumi.Resource] = []
        if self.public_ip:
            edge = vcd.get_nsxt_edgegateway_output(org=self.org, name=self.edge_gateway or vdc, opts=invoke)
            for kind, external, inside in (("DNAT", self.public_ip, internal), ("SNAT", self.public_ip, internal)):
                waits.append(
                    vcd.NsxtNatRule(
                        f"{machine_name}-{kind.lower()}",
                        org=self.org,
                        edge_gateway_id=edge.id,
                        name=f"docker-machine-{machine_name}-{kind.lower()}",
                        rule_type=kind,
                        external_address=external,
                        internal_address=inside,
                        description=f"docker-machine {machine_name}: 1:1 with {self.public_ip}",
                        opts=opts,
                    )
                )
            address = self.public_ip
        return MachineHost(
            address=address,
            ssh_user=self.ssh_user,
            ssh_port=int(self.ssh_port),
            depends_on=waits,
            private_address=internal,
            vm=vm,
            provider=provider,
        )

    def cluster_firewall(self, cluster, members, others, ports, parent) -> list[pulumi.Resource]:
        """None of the driver's own: members on one org VDC network reach each other, and the edge gateway's
        firewall is the organization's (one resource owns all of its rules)."""
        return []

"""Azure: a resource group, a virtual network, a network security group, a public IP, a network
interface and a Linux VM with a managed OS disk (pulumi-azure-native).

The SDK is an optional extra: this module imports without it, and ``validate``/``create_host`` name
the package to install. Only the submodules used are imported (the top-level package is large).
"""

from __future__ import annotations

import ipaddress
import os
import re
from dataclasses import dataclass
from typing import Any, ClassVar, Optional, Sequence

import pulumi

from ..base import ClusterMember, Driver, DriverArgumentError, MachineHost, check_cidrs, child_opts, secret_field

SDK_MISSING = "the azure driver needs its SDK: pip install 'pulumi-docker-machine[azure]'"
SUBSCRIPTION_ENV = ("AZURE_SUBSCRIPTION_ID", "ARM_SUBSCRIPTION_ID")
STORAGE_TYPES = ("Standard_LRS", "StandardSSD_LRS", "Premium_LRS", "StandardSSD_ZRS", "Premium_ZRS")
# Names Azure refuses as a Linux VM's admin user.
RESERVED_USERS = frozenset(
    {
        "administrator",
        "admin",
        "user",
        "user1",
        "test",
        "user2",
        "test1",
        "user3",
        "admin1",
        "1",
        "123",
        "a",
        "actuser",
        "adm",
        "admin2",
        "aspnet",
        "backup",
        "console",
        "david",
        "guest",
        "john",
        "owner",
        "root",
        "server",
        "sql",
        "support",
        "support_388945a0",
        "sys",
        "test2",
        "test3",
        "user4",
        "user5",
    }
)
_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
_LOCATION = re.compile(r"^[a-z][a-z0-9]{2,}$")
_SIZE = re.compile(r"^(Standard|Basic)_[A-Za-z0-9_-]+$")
_IMAGE_PART = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
_NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.()-]{0,88}[A-Za-z0-9_()-]$|^[A-Za-z0-9_]$")
_OPEN_PORT = re.compile(r"^(\d{1,5})(?:/(tcp|udp))?$")
_DNS_LABEL = re.compile(r"^[a-z][a-z0-9-]{1,61}[a-z0-9]$")  # Azure's rule for a public IP's domain name label
# docker-machine's --azure-environment names -> azure-native's environment; AzureGermanCloud closed in October 2021.
ENVIRONMENTS = {"AzurePublicCloud": "public", "AzureUSGovernmentCloud": "usgovernment", "AzureChinaCloud": "china"}
RULE_PRIORITY = 1000  # the machine's own inbound rules: 1000, 1001, ...
CLUSTER_PRIORITY = 2000  # a cluster's rules on each member's security group


def _sdk() -> Any:
    """(resources, network, compute) of pulumi-azure-native, or the error naming the extra to install."""
    try:
        from pulumi_azure_native import compute, network, resources
    except ImportError:
        raise DriverArgumentError(SDK_MISSING) from None
    return resources, network, compute


def _resource_group_of(resource_id: str) -> str:
    """The resource group named in an Azure resource ID (/subscriptions/S/resourceGroups/RG/providers/...)."""
    parts = resource_id.split("/")
    for i, part in enumerate(parts[:-1]):
        if part.lower() == "resourcegroups":
            return parts[i + 1]
    raise ValueError(f"no resource group in the Azure resource ID {resource_id!r}")


def _host_prefix(address: str) -> str:
    return f"{address}/128" if ":" in address else f"{address}/32"


def _allow_inbound(
    network,
    resource_name: str,
    rule_name: str,
    nsg_name,
    group_name,
    protocol: str,
    port: int,
    priority: int,
    sources,
    opts: pulumi.ResourceOptions,
) -> pulumi.Resource:
    """One inbound allow rule of a network security group: ``protocol``/``port`` from ``sources``."""
    return network.SecurityRule(
        resource_name,
        security_rule_name=rule_name,
        network_security_group_name=nsg_name,
        resource_group_name=group_name,
        direction="Inbound",
        access="Allow",
        protocol=protocol.capitalize(),
        priority=priority,
        source_address_prefixes=sources,
        source_port_range="*",
        destination_address_prefix="*",
        destination_port_range=str(port),
        opts=opts,
    )


@dataclass(frozen=True)
class AzureDriver(Driver):
    name: ClassVar[str] = "azure"
    # No power resource in the Azure Resource Manager API: start/stop would need a provider of our own.
    supports_power: ClassVar[bool] = False

    subscription_id: Optional[str] = None  # AZURE_SUBSCRIPTION_ID / ARM_SUBSCRIPTION_ID / azure-native:subscriptionId
    client_id: Optional[str] = None  # a service principal; without it the provider's own login (az CLI, env, MSI)
    client_secret: Optional[pulumi.Input[str]] = secret_field()
    tenant_id: Optional[str] = None
    location: str = "westus"
    # None: a group of the machine's own, docker-machine-<machine>, made and deleted with it. A name: an
    # existing group used as is (made and owned by this machine only with create_resource_group).
    resource_group: Optional[str] = None
    create_resource_group: bool = False
    size: str = "Standard_B1s"
    image: str = "canonical:ubuntu-24_04-lts:server:latest"  # publisher:offer:sku:version
    ssh_user: str = "docker-user"
    ssh_port: int = 22
    vnet: Optional[str] = None  # an existing virtual network, [resourcegroup:]name; None: one of the machine's own
    subnet: str = "docker-machine"
    subnet_prefix: str = "10.0.0.0/24"
    static_public_ip: bool = False  # docker-machine's flag: a Standard SKU public IP is always static
    no_public_ip: bool = False
    use_private_ip: bool = False
    open_ports: Sequence[str] = ()  # "8080" or "53/udp"
    disk_size: Optional[int] = None  # GiB; None: the image's size (30 for Ubuntu)
    storage_type: str = "Standard_LRS"
    source_ranges: Sequence[str] = ("0.0.0.0/0",)
    # cloud-init custom data (--azure-custom-data): the file's contents, a secret; the path kept for display as
    # docker-machine's CustomDataFile. Azure takes 64 KiB of base64: 49152 bytes of data.
    user_data: Optional[pulumi.Input[str]] = secret_field()
    user_data_file: Optional[str] = None
    user_data_limit: ClassVar[int] = 49152
    dns: Optional[str] = None  # the public IP's DNS label: <dns>.<location>.cloudapp.azure.com
    environment: str = "AzurePublicCloud"
    private_ip_address: Optional[str] = None  # a static private address in the subnet
    availability_set: Optional[str] = None  # made in the machine's own group; an existing one in a group given
    # --azure-docker-port is the engine's port (create moves it into the engine options): never a driver option.
    engine_port: Optional[int] = None

    # ----- checks ---------------------------------------------------------------------------------------------

    def _subscription(self) -> tuple[Optional[str], bool]:
        """The subscription ID, and whether the provider needs to be told it (it reads only its own config
        and ARM_SUBSCRIPTION_ID by itself)."""
        if self.subscription_id:
            return self.subscription_id, True
        if os.environ.get("AZURE_SUBSCRIPTION_ID"):
            return os.environ["AZURE_SUBSCRIPTION_ID"], True
        if os.environ.get("ARM_SUBSCRIPTION_ID"):
            return os.environ["ARM_SUBSCRIPTION_ID"], False
        return pulumi.Config("azure-native").get("subscriptionId"), False

    def _image(self) -> tuple[str, str, str, str]:
        parts = self.image.split(":")
        if len(parts) != 4 or not all(_IMAGE_PART.match(p) for p in parts):
            raise DriverArgumentError(
                f"azure image {self.image!r} is not publisher:offer:sku:version: "
                "give one such as canonical:ubuntu-24_04-lts:server:latest"
            )
        return parts[0], parts[1], parts[2], parts[3]

    def _vnet(self, resource_group: str) -> tuple[str, str]:
        """An existing virtual network's (resource group, name) from [resourcegroup:]name."""
        group, _, name = (self.vnet or "").rpartition(":")
        return group or resource_group, name

    def validate(self, machine_name: str) -> None:
        _sdk()
        subscription, _ = self._subscription()
        if not subscription:
            raise DriverArgumentError(
                "azure driver requires the --azure-subscription-id option (or AZURE_SUBSCRIPTION_ID)"
            )
        if not _UUID.match(subscription):
            raise DriverArgumentError(
                f"azure subscription ID {subscription!r} is not a GUID such as 00000000-0000-0000-0000-000000000000: "
                "see az account show --query id"
            )
        if self.tenant_id is not None and not _UUID.match(self.tenant_id):
            raise DriverArgumentError(
                f"azure tenant ID {self.tenant_id!r} is not a GUID: see az account show --query tenantId"
            )
        if self.client_id is not None and not _UUID.match(self.client_id):
            raise DriverArgumentError(
                f"azure client ID {self.client_id!r} is not a GUID: give the service principal's appId"
            )
        if self.client_secret is not None and (self.client_id is None or self.tenant_id is None):
            raise DriverArgumentError(
                "azure client secret needs --azure-client-id and --azure-tenant-id (the service principal it belongs to)"
            )
        if not _LOCATION.match(self.location):
            raise DriverArgumentError(
                f"azure location {self.location!r} is not a region name such as westus or westeurope "
                "(see az account list-locations)"
            )
        if not _SIZE.match(self.size):
            raise DriverArgumentError(f"azure size {self.size!r} is not a VM size such as Standard_B1s")
        self._image()
        for option, value in (("resource group", self.resource_group), ("subnet", self.subnet)):
            if value is not None and not _NAME.match(value):
                raise DriverArgumentError(
                    f"azure {option} {value!r} may hold only letters, digits, _ - . ( ) and may not end in a period"
                )
        if self.vnet is not None:
            group, _, name = self.vnet.rpartition(":")
            if not _NAME.match(name) or (group and not _NAME.match(group)):
                raise DriverArgumentError(f"azure vnet {self.vnet!r} is not [resourcegroup:]name of a virtual network")
            if not group and self.resource_group is None:
                raise DriverArgumentError(
                    f"azure vnet {self.vnet!r} names no resource group: give it as resourcegroup:{name} "
                    "or give --azure-resource-group"
                )
        if self.create_resource_group and self.resource_group is None:
            raise DriverArgumentError("azure create_resource_group needs --azure-resource-group (the name to create)")
        check_cidrs([self.subnet_prefix], "azure subnet prefix")
        prefix = ipaddress.ip_network(self.subnet_prefix, strict=False)
        if prefix.version != 4 or not prefix.is_private or prefix.prefixlen > 29:
            raise DriverArgumentError(
                f"azure subnet prefix {self.subnet_prefix!r} must be a private IPv4 range (RFC 1918) of /29 or larger, "
                "such as 10.0.0.0/24"
            )
        if self.disk_size is not None and (
            isinstance(self.disk_size, bool) or not isinstance(self.disk_size, int) or not 30 <= self.disk_size <= 4095
        ):
            raise DriverArgumentError(
                f"azure disk size {self.disk_size!r} is not a whole number of GiB from 30 to 4095 (an OS disk's limits)"
            )
        if self.storage_type not in STORAGE_TYPES:
            raise DriverArgumentError(
                f"azure storage type {self.storage_type!r} is not an OS disk type: use one of {', '.join(STORAGE_TYPES)}"
            )
        if self.ssh_user in RESERVED_USERS:
            raise DriverArgumentError(
                f"azure ssh user {self.ssh_user!r} is reserved by Azure: give another, such as docker-user"
            )
        if not 1 <= int(self.ssh_port) <= 65535:
            raise DriverArgumentError(f"azure ssh_port {self.ssh_port!r} is not a TCP port")
        for port in self.open_ports:
            match = _OPEN_PORT.match(str(port))
            if not match or not 1 <= int(match.group(1)) <= 65535:
                raise DriverArgumentError(f"azure open port {port!r} must look like 8080 or 53/udp")
        if not self.source_ranges:
            raise DriverArgumentError("azure source ranges are empty: give at least one CIDR, such as 0.0.0.0/0")
        check_cidrs(self.source_ranges, "azure source range")
        self._check_0_16_flags()

    def _check_0_16_flags(self) -> None:
        """The flags docker-machine 0.16.2 had beyond the first ones."""
        if self.dns is not None and not _DNS_LABEL.match(self.dns):
            raise DriverArgumentError(
                f"azure dns label {self.dns!r} must be 3 to 63 lower-case letters, digits and hyphens, "
                "starting with a letter"
            )
        if self.dns is not None and self.no_public_ip:
            raise DriverArgumentError(
                "azure --azure-dns names a public address: it cannot go with --azure-no-public-ip"
            )
        if self.environment not in ENVIRONMENTS:
            raise DriverArgumentError(
                f"azure environment {self.environment!r} is not one of {', '.join(ENVIRONMENTS)} "
                "(AzureGermanCloud closed in October 2021)"
            )
        if self.private_ip_address is not None:
            try:
                address = ipaddress.ip_address(self.private_ip_address)
            except ValueError:
                raise DriverArgumentError(
                    f"azure private IP address {self.private_ip_address!r} is not an IPv4 address"
                ) from None
            if self.vnet is None and address not in ipaddress.ip_network(self.subnet_prefix, strict=False):
                raise DriverArgumentError(
                    f"azure private IP address {address} is not in the subnet {self.subnet_prefix}"
                )
        if self.availability_set is not None and not _NAME.match(self.availability_set):
            raise DriverArgumentError(f"azure availability set {self.availability_set!r} is not a name")
        if self.engine_port is not None:
            raise DriverArgumentError(
                "azure engine_port is the engine's port: give it as the machine's engine port (--azure-docker-port)"
            )
        if isinstance(self.user_data, str) and len(self.user_data.encode()) > self.user_data_limit:
            raise DriverArgumentError(f"azure custom data is larger than the {self.user_data_limit} bytes it takes")

    # ----- the machine ------------------------------------------------------------------------------------------

    def _ports(self, engine_port: int) -> list[tuple[int, str]]:
        ports = [(int(self.ssh_port), "tcp"), (int(engine_port), "tcp")]
        for item in self.open_ports:
            number, _, protocol = str(item).partition("/")
            ports.append((int(number), protocol or "tcp"))
        return list(dict.fromkeys(ports))

    def _provider(self, machine_name: str, parent: pulumi.Resource) -> Optional[pulumi.ProviderResource]:
        subscription, tell = self._subscription()
        environment = ENVIRONMENTS[self.environment]
        if not (tell or self.client_id or self.client_secret is not None or self.tenant_id or environment != "public"):
            return None  # the default provider: azure-native config, ARM_* environment, az login
        from pulumi_azure_native.provider import Provider

        return Provider(
            f"{machine_name}-azure-native",
            subscription_id=subscription,
            client_id=self.client_id,
            client_secret=pulumi.Output.secret(self.client_secret) if self.client_secret is not None else None,
            tenant_id=self.tenant_id,
            location=self.location,
            environment=None if environment == "public" else environment,
            opts=child_opts(parent),
        )

    def create_host(self, machine_name, public_key, engine_port, parent, power="running", force=False) -> MachineHost:
        resources, network, compute = _sdk()
        provider = self._provider(machine_name, parent)
        opts = child_opts(parent, provider)
        location = self.location
        tags = {"docker-machine": machine_name}

        if self.resource_group is None or self.create_resource_group:
            group = resources.ResourceGroup(
                f"{machine_name}-rg",
                resource_group_name=self.resource_group or f"docker-machine-{machine_name}",
                location=location,
                tags=tags,
                opts=opts,
            )
            group_name: pulumi.Input[str] = group.name
        else:
            group_name = self.resource_group

        if self.vnet is None:
            prefix = ipaddress.ip_network(self.subnet_prefix, strict=False)
            space = prefix.supernet(new_prefix=16) if prefix.prefixlen > 16 else prefix
            vnet = network.VirtualNetwork(
                f"{machine_name}-vnet",
                virtual_network_name=f"{machine_name}-vnet",
                resource_group_name=group_name,
                location=location,
                address_space={"address_prefixes": [str(space)]},
                tags=tags,
                opts=opts,
            )
            subnet_id: pulumi.Input[str] = network.Subnet(
                f"{machine_name}-subnet",
                subnet_name=self.subnet,
                virtual_network_name=vnet.name,
                resource_group_name=group_name,
                address_prefix=str(prefix),
                opts=opts,
            ).id
        else:
            subscription, _ = self._subscription()
            vnet_group, vnet_name = self._vnet(self.resource_group or "")
            subnet_id = (
                f"/subscriptions/{subscription}/resourceGroups/{vnet_group}/providers/"
                f"Microsoft.Network/virtualNetworks/{vnet_name}/subnets/{self.subnet}"
            )

        # No inline rules: every rule is its own resource, so a cluster's rules can join them on the same group.
        nsg = network.NetworkSecurityGroup(
            f"{machine_name}-nsg",
            network_security_group_name=f"{machine_name}-nsg",
            resource_group_name=group_name,
            location=location,
            tags=tags,
            opts=opts,
        )
        rules: list[pulumi.Resource] = []
        for i, (port, protocol) in enumerate(self._ports(engine_port)):
            rule_name = f"docker-machine-{protocol}-{port}"
            rules.append(
                _allow_inbound(
                    network,
                    f"{machine_name}-{rule_name}",
                    rule_name,
                    nsg.name,
                    group_name,
                    protocol,
                    port,
                    RULE_PRIORITY + i,
                    list(self.source_ranges),
                    opts,
                )
            )

        public_ip = None
        if not self.no_public_ip:
            public_ip = network.PublicIPAddress(
                f"{machine_name}-ip",
                public_ip_address_name=f"{machine_name}-ip",
                resource_group_name=group_name,
                location=location,
                public_ip_allocation_method="Static",
                public_ip_address_version="IPv4",
                sku={"name": "Standard", "tier": "Regional"},
                dns_settings={"domain_name_label": self.dns} if self.dns else None,
                tags=tags,
                opts=opts,
            )
        nic = network.NetworkInterface(
            f"{machine_name}-nic",
            network_interface_name=f"{machine_name}-nic",
            resource_group_name=group_name,
            location=location,
            network_security_group={"id": nsg.id},
            ip_configurations=[
                {
                    "name": "ipconfig1",
                    "primary": True,
                    "private_ip_allocation_method": "Static" if self.private_ip_address else "Dynamic",
                    "private_ip_address": self.private_ip_address,
                    "subnet": {"id": subnet_id},
                    "public_ip_address": {"id": public_ip.id} if public_ip is not None else None,
                }
            ],
            tags=tags,
            opts=opts,
        )
        publisher, offer, sku, version = self._image()
        os_disk: dict[str, Any] = {
            "name": f"{machine_name}-osdisk",
            "create_option": "FromImage",
            "caching": "ReadWrite",
            "managed_disk": {"storage_account_type": self.storage_type},
            "delete_option": "Delete",  # the disk is made by the VM, not a resource of ours: it goes with it
        }
        if self.disk_size is not None:
            os_disk["disk_size_gb"] = int(self.disk_size)
        availability_set = self._availability_set(compute, machine_name, group_name, tags, opts)
        vm = compute.VirtualMachine(
            machine_name,
            availability_set={"id": availability_set} if availability_set is not None else None,
            vm_name=machine_name,
            resource_group_name=group_name,
            location=location,
            hardware_profile={"vm_size": self.size},
            storage_profile={
                "image_reference": {"publisher": publisher, "offer": offer, "sku": sku, "version": version},
                "os_disk": os_disk,
            },
            os_profile={
                "computer_name": machine_name,
                "custom_data": self._custom_data(),
                "admin_username": self.ssh_user,
                "linux_configuration": {
                    "disable_password_authentication": True,
                    "ssh": {
                        "public_keys": [
                            {
                                "path": f"/home/{self.ssh_user}/.ssh/authorized_keys",
                                "key_data": public_key,
                            }
                        ]
                    },
                },
            },
            # The NIC is a resource of ours: Pulumi deletes it (Detach), so a replaced VM never loses it.
            network_profile={"network_interfaces": [{"id": nic.id, "primary": True, "delete_option": "Detach"}]},
            tags=tags,
            opts=opts,
        )
        private = nic.ip_configurations.apply(lambda configs: configs[0].private_ip_address if configs else None)
        if public_ip is None or self.use_private_ip:
            address: pulumi.Input[str] = private
        else:
            # Read after the VM exists (a Standard SKU address is static: it survives a deallocation).
            address = pulumi.Output.all(public_ip.ip_address, vm.id).apply(lambda a: a[0])
        return MachineHost(
            address=address,
            ssh_user=self.ssh_user,
            ssh_port=int(self.ssh_port),
            extra_sans=(f"{self.dns}.{location}.cloudapp.azure.com",) if self.dns else (),
            depends_on=[nsg, *rules],
            private_address=private,
            vm=vm,
            provider=provider,
        )

    def _custom_data(self) -> Optional[pulumi.Output[str]]:
        if self.user_data is None:
            return None
        import base64

        return pulumi.Output.secret(self.user_data).apply(lambda text: base64.b64encode(text.encode()).decode())

    def _availability_set(self, compute: Any, machine_name: str, group_name: Any, tags: dict, opts: Any) -> Any:
        """The availability set's ID: made in the machine's own resource group; in a group that exists already,
        an existing set of that name (machines share it, as docker-machine's default set was shared)."""
        if self.availability_set is None:
            return None
        if self.resource_group is None or self.create_resource_group:
            return compute.AvailabilitySet(
                f"{machine_name}-avset",
                availability_set_name=self.availability_set,
                resource_group_name=group_name,
                location=self.location,
                platform_fault_domain_count=2,
                platform_update_domain_count=5,
                sku={"name": "Aligned"},  # managed disks
                tags=tags,
                opts=opts,
            ).id
        subscription, _ = self._subscription()
        return (
            f"/subscriptions/{subscription}/resourceGroups/{self.resource_group}/providers/"
            f"Microsoft.Compute/availabilitySets/{self.availability_set}"
        )

    def cluster_firewall(
        self,
        cluster: str,
        members: Sequence[ClusterMember],
        others: Sequence[pulumi.Output[str]],
        ports: Sequence[tuple[str, int]],
        parent: pulumi.Resource,
    ) -> list[pulumi.Resource]:
        """A NIC takes one security group: each member's own gets one rule per port, its sources the
        members' addresses (as they reach each other) and the other drivers' members."""
        _, network, _ = _sdk()
        own = pulumi.Output.all(*[m.address for m in members]).apply(lambda a: [_host_prefix(x) for x in a if x])
        sources = pulumi.Output.all(own, *others).apply(lambda v: sorted({*v[0], *v[1:]}))  # others: CIDRs already
        made: list[pulumi.Resource] = []
        for member in members:
            nsg = next((r for r in member.host.depends_on if isinstance(r, network.NetworkSecurityGroup)), None)
            if nsg is None:
                raise DriverArgumentError(
                    f"azure machine {member.name} has no network security group to open swarm ports on"
                )
            opts = child_opts(parent, member.host.provider)
            group_name = nsg.id.apply(_resource_group_of)
            for i, (protocol, port) in enumerate(ports):
                rule_name = f"docker-swarm-{cluster}-{protocol}-{port}"
                made.append(
                    _allow_inbound(
                        network,
                        f"{member.name}-swarm-{protocol}-{port}",
                        rule_name,
                        nsg.name,
                        group_name,
                        protocol,
                        port,
                        CLUSTER_PRIORITY + i,
                        sources,
                        opts,
                    )
                )
        return made

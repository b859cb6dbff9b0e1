"""Rackspace: the openstack driver's server, key pair and security group, on Rackspace's public network, with a
provider logged in by the account's API key (docker-machine 0.16.2's rackspace driver was its openstack driver
with Rackspace's identity client, too)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import ClassVar, Optional

import pulumi

from ..base import DriverArgumentError, child_opts, secret_field
from ..openstack.driver import ENDPOINT_TYPES, OpenStackDriver, openstack_sdk
from .identity import IDENTITY_URL, token_for

REGIONS = ("DFW", "HKG", "IAD", "LON", "ORD", "SYD")
PUBLIC_NET = "00000000-0000-0000-0000-000000000000"  # Rackspace's PublicNet, every account's
DEFAULT_IMAGE = "Ubuntu 24.04 LTS (Noble Numbat) (PVHVM)"
DEFAULT_FLAVOR = "general1-1"
_URL = re.compile(r"^https?://[^\s/]+(/\S*)?$")
# The openstack driver's own credentials and options that mean nothing here (Rackspace's are the account's).
_NOT_HERE = (
    "auth_url",
    "password",
    "tenant_name",
    "tenant_id",
    "domain_name",
    "domain_id",
    "cacert",
    "keypair_name",
    "private_key_file",
    "floating_ip_pool",
)


def _missing(setting: str, env: str, flag: str) -> DriverArgumentError:
    """docker-machine's words (rackspace.go's missingEnvOrOption)."""
    return DriverArgumentError(
        f"{setting} must be specified either using the environment variable {env} or the CLI option {flag}"
    )


@dataclass(frozen=True)
class RackspaceDriver(OpenStackDriver):
    name: ClassVar[str] = "rackspace"
    supports_power: ClassVar[bool] = False  # docker-machine's rackspace client refused start and stop

    api_key: Optional[pulumi.Input[str]] = secret_field()
    region: Optional[str] = "IAD"
    endpoint_type: Optional[str] = "publicURL"
    flavor_name: Optional[str] = None
    flavor_id: Optional[str] = DEFAULT_FLAVOR
    image_name: Optional[str] = None  # DEFAULT_IMAGE unless image_id is given
    image_id: Optional[str] = None
    net_id: Optional[str] = PUBLIC_NET
    ssh_user: str = "root"
    active_timeout: int = 300
    docker_install: str = "true"  # docker-machine 0.16.2 read it nowhere
    identity_url: str = IDENTITY_URL

    def __post_init__(self) -> None:
        super().__post_init__()
        if not self.image_id and not self.image_name:
            object.__setattr__(self, "image_name", DEFAULT_IMAGE)

    def _check_credentials(self) -> None:
        for option in _NOT_HERE:
            if getattr(self, option) is not None:
                raise DriverArgumentError(
                    f"rackspace option {option!r} is the openstack driver's: Rackspace logs in with "
                    "--rackspace-username and --rackspace-api-key"
                )
        if not self.region:
            raise _missing("Region", "OS_REGION_NAME", "--rackspace-region")
        if not self.username:
            raise _missing("Username", "OS_USERNAME", "--rackspace-username")
        if not self.api_key:
            raise _missing("API key", "OS_API_KEY", "--rackspace-api-key")
        if self.region not in REGIONS:
            raise DriverArgumentError(f"rackspace region {self.region!r} is not one of {', '.join(REGIONS)}")
        if self.endpoint_type not in ENDPOINT_TYPES[:3]:
            raise DriverArgumentError(  # docker-machine's words
                f"invalid endpoint type {self.endpoint_type!r} (must be publicURL, adminURL or internalURL)"
            )
        if not _URL.match(str(self.identity_url)):
            raise DriverArgumentError(f"rackspace identity URL {self.identity_url!r} is not a URL")

    def _explicit_credentials(self) -> bool:
        return True

    def _provider(self, machine_name: str, parent: pulumi.Resource) -> Optional[pulumi.ProviderResource]:
        """OpenStack's provider with a token for the API key, asked for at each run (tokens last a day)."""
        os_ = openstack_sdk()
        username, url = str(self.username), self.identity_url
        # A secret, and so is all that is made of it: the token and (harmlessly) the tenant.
        access = pulumi.Output.secret(self.api_key).apply(lambda key: token_for(url, username, str(key)))
        return os_.Provider(
            f"{machine_name}-rackspace",
            auth_url=url,
            token=access.apply(lambda found: found[0]),
            tenant_id=access.apply(lambda found: found[1]),
            endpoint_type=self.endpoint_type,
            region=self.region,
            opts=child_opts(parent),
        )

    def cluster_firewall(self, cluster, members, others, ports, parent) -> list[pulumi.Resource]:
        """The openstack driver's: a group admitting its own members, added to each member's port."""
        return super().cluster_firewall(cluster, members, others, ports, parent)

"""The CA and client certificate that one or many machines share, as docker-machine's ``certs/`` folder."""

from __future__ import annotations

import getpass
import hashlib
from dataclasses import dataclass
from typing import Optional

import pulumi

from .cert import DEFAULT_KEY_TYPE, DEFAULT_VALIDITY_DAYS, KeyType
from .material import CertificateAuthority, ClientCertificate

TYPE = "docker-machine:index:Certificates"


def default_organization() -> str:
    """docker-machine names certificates after the user: O=$USER."""
    try:
        return getpass.getuser()
    except (OSError, KeyError):  # no USER and no passwd entry (some containers); KeyError before Python 3.13
        return "docker-machine"


@dataclass
class DockerCertificatesArgs:
    organization: Optional[str] = None  # default: the current user, as docker-machine
    key_type: KeyType | str = DEFAULT_KEY_TYPE
    validity_days: int = DEFAULT_VALIDITY_DAYS


class ExistingCertificates:
    """A CA and client certificate made elsewhere (docker-machine's STORE/certs), passed in as PEMs."""

    def __init__(
        self,
        ca_pem: pulumi.Input[str],
        ca_key_pem: pulumi.Input[str],
        client_cert_pem: pulumi.Input[str],
        client_key_pem: pulumi.Input[str],
        organization: str = "",
    ) -> None:
        self.organization = organization or default_organization()
        self.ca_pem = pulumi.Output.from_input(ca_pem)
        self.ca_key_pem = pulumi.Output.secret(ca_key_pem)
        self.client_cert_pem = pulumi.Output.from_input(client_cert_pem)
        self.client_key_pem = pulumi.Output.secret(client_key_pem)

    @property
    def ca(self) -> "ExistingCertificates._CA":
        return ExistingCertificates._CA(self.ca_pem, self.ca_key_pem)

    @property
    def ca_id(self) -> pulumi.Output[str]:
        return self.ca_pem.apply(lambda pem: hashlib.sha256(pem.encode()).hexdigest())

    @dataclass
    class _CA:
        cert_pem: pulumi.Output[str]
        key_pem: pulumi.Output[str]


class DockerCertificates(pulumi.ComponentResource):
    """A CA and the client certificate it signs; pass one to several machines to share them."""

    ca_pem: pulumi.Output[str]
    client_cert_pem: pulumi.Output[str]
    client_key_pem: pulumi.Output[str]  # secret

    def __init__(
        self, name: str, args: Optional[DockerCertificatesArgs] = None, opts: Optional[pulumi.ResourceOptions] = None
    ):
        args = args or DockerCertificatesArgs()
        key_type = KeyType.parse(args.key_type)
        super().__init__(TYPE, name, None, opts)
        self.organization = args.organization or default_organization()
        child = pulumi.ResourceOptions(parent=self)
        self.ca = CertificateAuthority(f"{name}-ca", self.organization, key_type, args.validity_days, opts=child)
        self.client = ClientCertificate(
            f"{name}-client", self.ca, f"{self.organization}.client", key_type, args.validity_days, opts=child
        )
        self.ca_pem = self.ca.cert_pem
        self.ca_id = self.ca.id
        self.client_cert_pem = self.client.cert_pem
        self.client_key_pem = pulumi.Output.secret(self.client.key_pem)
        self.register_outputs(
            {"ca_pem": self.ca_pem, "client_cert_pem": self.client_cert_pem, "client_key_pem": self.client_key_pem}
        )

"""Key material as Pulumi resources: made once, kept in state, private parts secret."""

from __future__ import annotations

from typing import Optional, Protocol, Sequence

import pulumi
from pulumi.dynamic import Resource

from ..cert import DEFAULT_KEY_TYPE, DEFAULT_VALIDITY_DAYS, KeyType
from ..ssh import DEFAULT_SSH_KEY_TYPE, SSHKeyType
from .providers import (
    AuthorizedKeyProvider,
    CertificateAuthorityProvider,
    ClientCertificateProvider,
    ServerCertificateProvider,
    SSHKeyProvider,
)

MODULE = "docker-machine"


def _secret_opts(opts: Optional[pulumi.ResourceOptions], *secret_outputs: str) -> pulumi.ResourceOptions:
    return pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(additional_secret_outputs=list(secret_outputs)))


def _signed_props(ca: "CertificateAuthority | SigningCA", organization, key_type, validity_days, **extra) -> dict:
    """Inputs of a certificate the CA signs; ``cert_pem``/``key_pem`` declared as outputs."""
    return {
        "ca_cert_pem": ca.cert_pem,
        "ca_key_pem": pulumi.Output.secret(ca.key_pem),
        "organization": organization,
        **extra,
        "key_type": KeyType.parse(key_type).value,
        "validity_days": validity_days,
        "cert_pem": None,
        "key_pem": None,
    }


class SigningCA(Protocol):
    """What signing needs: the CA's certificate and (secret) key, a resource's or given ones."""

    @property
    def cert_pem(self) -> pulumi.Input[str]: ...

    @property
    def key_pem(self) -> pulumi.Input[str]: ...


class CertificateAuthority(Resource, module=MODULE, name="CertificateAuthority"):
    cert_pem: pulumi.Output[str]
    key_pem: pulumi.Output[str]  # secret

    def __init__(
        self,
        name: str,
        organization: pulumi.Input[str],
        key_type: KeyType | str = DEFAULT_KEY_TYPE,
        validity_days: int = DEFAULT_VALIDITY_DAYS,
        opts: Optional[pulumi.ResourceOptions] = None,
    ) -> None:
        props = {
            "organization": organization,
            "key_type": KeyType.parse(key_type).value,
            "validity_days": validity_days,
            "cert_pem": None,
            "key_pem": None,
        }
        super().__init__(CertificateAuthorityProvider(), name, props, _secret_opts(opts, "key_pem"))


class ClientCertificate(Resource, module=MODULE, name="ClientCertificate"):
    cert_pem: pulumi.Output[str]
    key_pem: pulumi.Output[str]  # secret

    def __init__(
        self,
        name: str,
        ca: CertificateAuthority,
        organization: pulumi.Input[str],
        key_type: KeyType | str = DEFAULT_KEY_TYPE,
        validity_days: int = DEFAULT_VALIDITY_DAYS,
        opts: Optional[pulumi.ResourceOptions] = None,
    ) -> None:
        props = _signed_props(ca, organization, key_type, validity_days)
        super().__init__(ClientCertificateProvider(), name, props, _secret_opts(opts, "key_pem"))


class ServerCertificate(Resource, module=MODULE, name="ServerCertificate"):
    cert_pem: pulumi.Output[str]
    key_pem: pulumi.Output[str]  # secret

    def __init__(
        self,
        name: str,
        ca: SigningCA,
        organization: pulumi.Input[str],
        addresses: pulumi.Input[Sequence[pulumi.Input[str]]],
        extra_sans: Sequence[str] = (),
        key_type: KeyType | str = DEFAULT_KEY_TYPE,
        validity_days: int = DEFAULT_VALIDITY_DAYS,
        opts: Optional[pulumi.ResourceOptions] = None,
    ) -> None:
        props = _signed_props(
            ca, organization, key_type, validity_days, addresses=addresses, extra_sans=list(extra_sans)
        )
        super().__init__(ServerCertificateProvider(), name, props, _secret_opts(opts, "key_pem"))


class SSHKey(Resource, module=MODULE, name="SSHKey"):
    private_key: pulumi.Output[str]  # secret
    public_key: pulumi.Output[str]
    md5_fingerprint: pulumi.Output[str]
    sha256_fingerprint: pulumi.Output[str]

    def __init__(
        self,
        name: str,
        key_type: SSHKeyType | str = DEFAULT_SSH_KEY_TYPE,
        comment: str = "",
        opts: Optional[pulumi.ResourceOptions] = None,
    ) -> None:
        props = {
            "key_type": SSHKeyType.parse(key_type).value,
            "comment": comment,
            "private_key": None,
            "public_key": None,
            "md5_fingerprint": None,
            "sha256_fingerprint": None,
        }
        super().__init__(SSHKeyProvider(), name, props, _secret_opts(opts, "private_key"))


class AuthorizedKey(Resource, module=MODULE, name="AuthorizedKey"):
    """``key``'s public half authorized for ``user`` on a host that already exists, installed with the user's
    own private key at ``user_key_path`` (ssh reads it from the user's disk: only the path is an input)."""

    host: pulumi.Output[str]
    port: pulumi.Output[int]
    user: pulumi.Output[str]
    public_key: pulumi.Output[str]

    def __init__(
        self,
        name: str,
        host: pulumi.Input[str],
        port: pulumi.Input[int],
        user: pulumi.Input[str],
        key: "SSHKey",
        user_key_path: Optional[str],
        opts: Optional[pulumi.ResourceOptions] = None,
    ) -> None:
        private_key: pulumi.Input[str] = key.private_key  # an Input: what Output.secret's typing can match
        props = {
            "host": host,
            "port": port,
            "user": user,
            "public_key": key.public_key,
            "private_key": pulumi.Output.secret(private_key),
            "user_key_path": user_key_path,
        }
        super().__init__(AuthorizedKeyProvider(), name, props, _secret_opts(opts, "private_key"))

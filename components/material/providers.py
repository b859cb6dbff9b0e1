"""Dynamic providers that make key material once and keep it in Pulumi state.

The engine stores each provider pickled (by dill) *by reference*: this
module's path and the class names below are a stable contract with every
existing stack's state. Rename or move them only with a migration. The
providers hold no state of their own and capture nothing unpicklable.

In ``diff``, ``olds`` are the resource's previous *outputs*, so every input
that decides a replacement is echoed into the outputs.
"""

from __future__ import annotations

import hashlib
from typing import Any, ClassVar

from pulumi.dynamic import CreateResult, DiffResult, ResourceProvider, UpdateResult

from ..cert import KeyAndCertificate, create_ca, issue_client_certificate, issue_server_certificate
from ..ssh import generate_ssh_key, md5_fingerprint, sha256_fingerprint
from ..ssh.authorized import install_public_key, remove_public_key

# What the Python SDK puts in place of a value not known yet (during preview).
UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"


def _fingerprint(cert_pem: str) -> str:
    return hashlib.sha256(cert_pem.encode()).hexdigest()


class _KeptMaterialProvider(ResourceProvider):
    """Creates material once; replaces it only when an input in REPLACE_ON changes."""

    REPLACE_ON: ClassVar[tuple[str, ...]] = ()
    INPUTS: ClassVar[tuple[str, ...]] = ()

    def make(self, props: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        raise NotImplementedError

    def create(self, props: dict[str, Any]) -> CreateResult:
        id_, outs = self.make(props)
        return CreateResult(id_, {**{k: props.get(k) for k in self.INPUTS}, **outs})

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        replaces = [
            k for k in self.REPLACE_ON if news.get(k) == UNKNOWN or _normal(news.get(k)) != _normal(olds.get(k))
        ]
        changed = [k for k in self.INPUTS if _normal(news.get(k)) != _normal(olds.get(k))]
        return DiffResult(changes=bool(changed), replaces=replaces, delete_before_replace=False)

    def update(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        # Only inputs outside REPLACE_ON got here; they apply to the next issuance, the material stays.
        return UpdateResult({**olds, **{k: news.get(k) for k in self.INPUTS}})


def _normal(value: Any) -> Any:
    return list(value) if isinstance(value, tuple) else value


def _plain(value: Any) -> Any:
    """A port read back from state may be a float: 22.0 is 22."""
    return int(value) if isinstance(value, float) and value.is_integer() else value


class CertificateAuthorityProvider(_KeptMaterialProvider):
    REPLACE_ON = ("organization", "key_type")
    INPUTS = ("organization", "key_type", "validity_days")

    def make(self, props):
        ca = create_ca(props["organization"], key_type=props["key_type"], validity_days=int(props["validity_days"]))
        return _fingerprint(ca.cert_pem), {"cert_pem": ca.cert_pem, "key_pem": ca.key_pem}


class ClientCertificateProvider(_KeptMaterialProvider):
    REPLACE_ON = ("ca_cert_pem", "organization", "key_type")
    INPUTS = ("ca_cert_pem", "organization", "key_type", "validity_days")

    def make(self, props):
        ca = KeyAndCertificate(props["ca_cert_pem"], props["ca_key_pem"])
        cert = issue_client_certificate(
            ca, props["organization"], key_type=props["key_type"], validity_days=int(props["validity_days"])
        )
        return _fingerprint(cert.cert_pem), {"cert_pem": cert.cert_pem, "key_pem": cert.key_pem}


class ServerCertificateProvider(_KeptMaterialProvider):
    """A machine's certificate: replaced when the CA, the machine's addresses or the SANs change."""

    REPLACE_ON = ("ca_cert_pem", "organization", "addresses", "extra_sans", "key_type")
    INPUTS = ("ca_cert_pem", "organization", "addresses", "extra_sans", "key_type", "validity_days")

    def make(self, props):
        ca = KeyAndCertificate(props["ca_cert_pem"], props["ca_key_pem"])
        cert = issue_server_certificate(
            ca,
            props["organization"],
            list(props.get("addresses") or []),
            list(props.get("extra_sans") or []),
            key_type=props["key_type"],
            validity_days=int(props["validity_days"]),
        )
        return _fingerprint(cert.cert_pem), {"cert_pem": cert.cert_pem, "key_pem": cert.key_pem}


class SSHKeyProvider(_KeptMaterialProvider):
    REPLACE_ON = ("key_type",)
    INPUTS = ("key_type", "comment")

    def make(self, props):
        pair = generate_ssh_key(props["key_type"], props.get("comment") or "")
        return sha256_fingerprint(pair.public_key), {
            "private_key": pair.private_key,
            "public_key": pair.public_key,
            "md5_fingerprint": md5_fingerprint(pair.public_key),
            "sha256_fingerprint": sha256_fingerprint(pair.public_key),
        }


class AuthorizedKeyProvider(ResourceProvider):
    """A machine's own public key in a lent host's ``authorized_keys``.

    Created with the user's key, which ssh reads from ``user_key_path`` on the user's disk: the path is an
    input, the key never is, and no output holds either. Later updates need neither (a teammate's, from an
    imported machine, passes no path); a new host, port, user or machine key replaces it, the old key's line
    taken out first with the old machine key (kept as a secret output for that).
    """

    REPLACE_ON: ClassVar[tuple[str, ...]] = ("host", "port", "user", "public_key")
    KEPT: ClassVar[tuple[str, ...]] = ("host", "port", "user", "public_key", "private_key")

    def create(self, props: dict[str, Any]) -> CreateResult:
        install_public_key(
            props["host"], int(props["port"]), props["user"], props.get("user_key_path"), props["public_key"]
        )
        return CreateResult(
            f"{props['user']}@{props['host']}:{int(props['port'])}/{sha256_fingerprint(props['public_key'])}",
            {k: props.get(k) for k in self.KEPT},
        )

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        replaces = [k for k in self.REPLACE_ON if news.get(k) == UNKNOWN or _plain(news.get(k)) != _plain(olds.get(k))]
        return DiffResult(changes=bool(replaces), replaces=replaces, delete_before_replace=True)

    def delete(self, _id: str, props: dict[str, Any]) -> None:
        remove_public_key(props["host"], int(props["port"]), props["user"], props["private_key"], props["public_key"])

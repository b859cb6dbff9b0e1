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
        replaces = [k for k in self.REPLACE_ON if news.get(k) == UNKNOWN or _normal(news.get(k)) != _normal(olds.get(k))]
        changed = [k for k in self.INPUTS if _normal(news.get(k)) != _normal(olds.get(k))]
        return DiffResult(changes=bool(changed), replaces=replaces, delete_before_replace=False)

    def update(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        # Only inputs outside REPLACE_ON got here; they apply to the next issuance, the material stays.
        return UpdateResult({**olds, **{k: news.get(k) for k in self.INPUTS}})


def _normal(value: Any) -> Any:
    return list(value) if isinstance(value, tuple) else value


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

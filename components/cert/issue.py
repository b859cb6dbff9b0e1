"""Issuing the CA, client and server certificates of docker-machine's TLS model.

One CA signs a client certificate (what ``docker --tlsverify`` presents) and,
per machine, a server certificate whose subjectAltNames are the machine's
addresses, ``localhost`` and any ``--tls-san`` values.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import os
import re
from dataclasses import dataclass
from functools import cached_property
from typing import Iterable, Sequence

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from ..files import write_private, write_public
from .keys import (
    DEFAULT_KEY_TYPE,
    KeyFormat,
    KeyType,
    PrivateKey,
    generate_private_key,
    load_private_key,
    private_key_to_pem,
)

DEFAULT_VALIDITY_DAYS = 1080  # docker-machine's choice
CLOCK_SKEW = dt.timedelta(minutes=5)  # notBefore lies this far in the past

_DNS_LABEL = re.compile(r"^(?!-)[A-Za-z0-9-]{1,63}(?<!-)$")


@dataclass(frozen=True)
class KeyAndCertificate:
    """A PEM certificate with its PEM private key (the key is a secret)."""

    cert_pem: str
    key_pem: str

    @cached_property
    def certificate(self) -> x509.Certificate:
        return x509.load_pem_x509_certificate(self.cert_pem.encode())

    @cached_property
    def private_key(self) -> PrivateKey:
        return load_private_key(self.key_pem)

    def save(self, cert_path: str | os.PathLike[str], key_path: str | os.PathLike[str]) -> None:
        """Write the certificate (0644) and the key (0600, in a 0700 folder)."""
        write_private(key_path, self.key_pem)
        write_public(cert_path, self.cert_pem)


def _now(now: dt.datetime | None) -> dt.datetime:
    return now if now is not None else dt.datetime.now(dt.timezone.utc)


def random_serial() -> int:
    """A random 128-bit positive serial number."""
    return int.from_bytes(os.urandom(16), "big") or 1


def _name(organization: str) -> x509.Name:
    # docker-machine puts only O in the subject; so do we.
    if not organization:
        raise ValueError("certificate organization must not be empty")
    return x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization)])


def _key_usage(*, digital_signature=False, key_encipherment=False, cert_sign=False) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=digital_signature,
        content_commitment=False,
        key_encipherment=key_encipherment,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=cert_sign,
        crl_sign=cert_sign,
        encipher_only=False,
        decipher_only=False,
    )


def _validity(builder: x509.CertificateBuilder, now: dt.datetime, days: int) -> x509.CertificateBuilder:
    if days < 1:
        raise ValueError(f"certificate validity must be at least 1 day, not {days}")
    return builder.not_valid_before(now - CLOCK_SKEW).not_valid_after(now + dt.timedelta(days=days))


def _sign(builder: x509.CertificateBuilder, key: PrivateKey) -> x509.Certificate:
    return builder.sign(key, hashes.SHA256())


def _pem(cert: x509.Certificate) -> str:
    return cert.public_bytes(serialization.Encoding.PEM).decode()


def create_ca(
    organization: str,
    *,
    key_type: KeyType | str = DEFAULT_KEY_TYPE,
    validity_days: int = DEFAULT_VALIDITY_DAYS,
    key_format: KeyFormat | str = KeyFormat.PKCS8,
    now: dt.datetime | None = None,
) -> KeyAndCertificate:
    """A self-signed CA: CA:TRUE, keyCertSign."""
    key = generate_private_key(key_type)
    name = _name(organization)
    builder = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(random_serial())
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(_key_usage(digital_signature=True, cert_sign=True), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
    )
    cert = _sign(_validity(builder, _now(now), validity_days), key)
    return KeyAndCertificate(_pem(cert), private_key_to_pem(key, key_format))


def _issue(
    ca: KeyAndCertificate,
    organization: str,
    usage: x509.ObjectIdentifier,
    sans: Sequence[x509.GeneralName],
    key_type: KeyType | str,
    validity_days: int,
    key_format: KeyFormat | str,
    now: dt.datetime | None,
) -> KeyAndCertificate:
    key = generate_private_key(key_type)
    ca_cert = ca.certificate
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(organization))
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(random_serial())
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            _key_usage(digital_signature=True, key_encipherment=isinstance(key, rsa.RSAPrivateKey)),
            critical=True,
        )
        .add_extension(x509.ExtendedKeyUsage([usage]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca.private_key.public_key()),
            critical=False,
        )
    )
    if sans:
        builder = builder.add_extension(x509.SubjectAlternativeName(list(sans)), critical=False)
    cert = _sign(_validity(builder, _now(now), validity_days), ca.private_key)
    return KeyAndCertificate(_pem(cert), private_key_to_pem(key, key_format))


def issue_client_certificate(
    ca: KeyAndCertificate,
    organization: str,
    *,
    key_type: KeyType | str = DEFAULT_KEY_TYPE,
    validity_days: int = DEFAULT_VALIDITY_DAYS,
    key_format: KeyFormat | str = KeyFormat.PKCS8,
    now: dt.datetime | None = None,
) -> KeyAndCertificate:
    """The certificate ``docker`` presents: extendedKeyUsage clientAuth."""
    return _issue(ca, organization, ExtendedKeyUsageOID.CLIENT_AUTH, (), key_type, validity_days, key_format, now)


def issue_server_certificate(
    ca: KeyAndCertificate,
    organization: str,
    addresses: Iterable[str],
    extra_sans: Iterable[str] = (),
    *,
    key_type: KeyType | str = DEFAULT_KEY_TYPE,
    validity_days: int = DEFAULT_VALIDITY_DAYS,
    key_format: KeyFormat | str = KeyFormat.PKCS8,
    now: dt.datetime | None = None,
) -> KeyAndCertificate:
    """A machine's certificate: serverAuth, SANs = addresses + localhost + extra SANs."""
    sans = san_entries([*addresses, "localhost", *extra_sans])
    return _issue(ca, organization, ExtendedKeyUsageOID.SERVER_AUTH, sans, key_type, validity_days, key_format, now)


def san_entry(value: str) -> x509.GeneralName:
    """An IP-looking value becomes an IP SAN, anything else a DNS name (checked)."""
    text = value.strip()
    try:
        return x509.IPAddress(ipaddress.ip_address(text))
    except ValueError:
        pass
    host = text[:-1] if text.endswith(".") else text
    labels = host.split(".")
    if labels and labels[0] == "*":  # a wildcard is allowed as the first label only
        labels = labels[1:]
    if not host or len(host) > 253 or not labels or not all(_DNS_LABEL.match(label) for label in labels):
        raise ValueError(f"invalid TLS SAN {value!r}: give an IP address or a DNS name such as docker.example.com")
    return x509.DNSName(host.lower())


def san_entries(values: Iterable[str]) -> list[x509.GeneralName]:
    """SANs for ``values`` in order, duplicates dropped."""
    seen: list[x509.GeneralName] = []
    for value in values:
        name = san_entry(value)
        if name not in seen:
            seen.append(name)
    return seen

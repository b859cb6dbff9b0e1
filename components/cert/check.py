"""Questions asked of an existing certificate (by ``ls``, ``regenerate-certs`` and the component)."""

from __future__ import annotations

import datetime as dt
import ipaddress
from typing import Literal

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.x509.oid import ExtendedKeyUsageOID

Purpose = Literal["server", "client"]
_USAGE = {"server": ExtendedKeyUsageOID.SERVER_AUTH, "client": ExtendedKeyUsageOID.CLIENT_AUTH}

CertLike = str | bytes | x509.Certificate


def load_certificate(cert: CertLike) -> x509.Certificate:
    if isinstance(cert, x509.Certificate):
        return cert
    return x509.load_pem_x509_certificate(cert.encode() if isinstance(cert, str) else cert)


def chains_to(cert: CertLike, ca: CertLike) -> bool:
    """True when ``cert`` was signed by ``ca`` (issuer name and signature both match)."""
    try:
        load_certificate(cert).verify_directly_issued_by(load_certificate(ca))
    except (InvalidSignature, ValueError, TypeError):
        return False
    return True


def subject_alt_names(cert: CertLike) -> list[str]:
    """The certificate's SANs as text: IP addresses and DNS names."""
    try:
        ext = load_certificate(cert).extensions.get_extension_for_class(x509.SubjectAlternativeName)
    except x509.ExtensionNotFound:
        return []
    names = [str(ip) for ip in ext.value.get_values_for_type(x509.IPAddress)]
    return names + ext.value.get_values_for_type(x509.DNSName)


def covers(cert: CertLike, host: str) -> bool:
    """True when ``host`` (an IP address or a DNS name) is one of the certificate's SANs."""
    try:
        wanted: str = str(ipaddress.ip_address(host))
    except ValueError:
        wanted = host.lower().rstrip(".")
    return wanted in subject_alt_names(cert)


def expires_at(cert: CertLike) -> dt.datetime:
    return load_certificate(cert).not_valid_after_utc


def expires_within(cert: CertLike, delta: dt.timedelta, now: dt.datetime | None = None) -> bool:
    now = now or dt.datetime.now(dt.timezone.utc)
    return expires_at(cert) <= now + delta


def _has_usage(cert: x509.Certificate, purpose: Purpose) -> bool:
    try:
        usages = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    except x509.ExtensionNotFound:
        return True  # no EKU means any purpose (RFC 5280 4.2.1.12)
    return _USAGE[purpose] in usages


def certificate_problems(
    cert: CertLike,
    ca: CertLike,
    *,
    purpose: Purpose = "server",
    host: str | None = None,
    now: dt.datetime | None = None,
) -> list[str]:
    """Everything that stops ``cert`` working with a Docker client that trusts ``ca``.

    An empty list means the certificate is good. Each problem is one short
    sentence, ready for the ERRORS column of ``docker-machine ls``.
    """
    now = now or dt.datetime.now(dt.timezone.utc)
    certificate = load_certificate(cert)
    problems = []
    if not chains_to(certificate, ca):
        problems.append("certificate is not signed by the machine's CA")
    if certificate.not_valid_before_utc > now:
        problems.append(f"certificate is not valid before {certificate.not_valid_before_utc:%Y-%m-%d %H:%M} UTC")
    if certificate.not_valid_after_utc <= now:
        problems.append(f"certificate expired on {certificate.not_valid_after_utc:%Y-%m-%d %H:%M} UTC")
    if not _has_usage(certificate, purpose):
        problems.append(f"certificate is not for TLS {purpose}s")
    if host is not None and not covers(certificate, host):
        names = ", ".join(subject_alt_names(certificate)) or "none"
        problems.append(f"certificate is not valid for {host} (it covers: {names})")
    return problems

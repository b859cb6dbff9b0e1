"""TLS material in docker-machine's model: a CA, a client certificate, a server certificate per machine."""

from .check import certificate_problems, chains_to, covers, expires_at, expires_within, subject_alt_names
from .issue import (
    CLOCK_SKEW,
    DEFAULT_VALIDITY_DAYS,
    KeyAndCertificate,
    create_ca,
    issue_client_certificate,
    issue_server_certificate,
    san_entries,
)
from .keys import DEFAULT_KEY_TYPE, KeyFormat, KeyType

__all__ = [
    "CLOCK_SKEW",
    "DEFAULT_KEY_TYPE",
    "DEFAULT_VALIDITY_DAYS",
    "KeyAndCertificate",
    "KeyFormat",
    "KeyType",
    "certificate_problems",
    "chains_to",
    "covers",
    "create_ca",
    "expires_at",
    "expires_within",
    "issue_client_certificate",
    "issue_server_certificate",
    "san_entries",
    "subject_alt_names",
]

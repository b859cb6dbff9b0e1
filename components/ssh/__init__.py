"""SSH key material for reaching a machine."""

from .keys import (
    DEFAULT_SSH_KEY_TYPE,
    SSHKeyPair,
    SSHKeyType,
    aws_fingerprint,
    generate_ssh_key,
    md5_fingerprint,
    public_key_from_private,
    sha256_fingerprint,
)

__all__ = [
    "DEFAULT_SSH_KEY_TYPE",
    "SSHKeyPair",
    "SSHKeyType",
    "aws_fingerprint",
    "generate_ssh_key",
    "md5_fingerprint",
    "public_key_from_private",
    "sha256_fingerprint",
]

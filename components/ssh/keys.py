"""A machine's SSH key pair and the fingerprints cloud APIs show for it."""

from __future__ import annotations

import base64
import enum
import hashlib
import os
from dataclasses import dataclass

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes

from ..choices import parse_choice
from ..files import write_private, write_public


class SSHKeyType(str, enum.Enum):
    ED25519 = "ed25519"  # default: small, fast, and what current OpenSSH prefers
    RSA_4096 = "rsa-4096"  # for old hosts whose sshd predates ed25519 (OpenSSH < 6.5)

    @classmethod
    def parse(cls, value: "str | SSHKeyType") -> "SSHKeyType":
        return parse_choice(cls, value, "SSH key type")


DEFAULT_SSH_KEY_TYPE = SSHKeyType.ED25519


@dataclass(frozen=True)
class SSHKeyPair:
    """OpenSSH private key (a secret) and ``authorized_keys`` public key line."""

    private_key: str
    public_key: str

    def save(self, private_path: str | os.PathLike[str]) -> None:
        """Write ``private_path`` (0600, 0700 folder) and ``private_path.pub``."""
        write_private(private_path, self.private_key)
        write_public(f"{os.fspath(private_path)}.pub", self.public_key + "\n")


def generate_ssh_key(key_type: SSHKeyType | str = DEFAULT_SSH_KEY_TYPE, comment: str = "") -> SSHKeyPair:
    key_type = SSHKeyType.parse(key_type)
    if key_type is SSHKeyType.ED25519:
        key: ed25519.Ed25519PrivateKey | rsa.RSAPrivateKey = ed25519.Ed25519PrivateKey.generate()
    else:
        key = rsa.generate_private_key(public_exponent=65537, key_size=4096)
    private = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.OpenSSH, serialization.NoEncryption()
    ).decode()
    public = key.public_key().public_bytes(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH).decode()
    return SSHKeyPair(private, f"{public} {comment}".strip() if comment else public)


def public_key_from_private(private_key: str) -> str:
    """The ``authorized_keys`` line (without comment) for an OpenSSH or PEM private key."""
    data = private_key.encode()
    key: PrivateKeyTypes | serialization.SSHPrivateKeyTypes
    try:
        key = serialization.load_ssh_private_key(data, password=None)
    except ValueError:  # PEM (PKCS#1, PKCS#8, SEC1): AWS key files, ssh-keygen -m PEM
        key = serialization.load_pem_private_key(data, password=None)
    return key.public_key().public_bytes(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH).decode()


def _key_blob(public_key: str) -> bytes:
    parts = public_key.split()
    if len(parts) < 2:
        raise ValueError("not an OpenSSH public key: expected 'TYPE BASE64 [COMMENT]'")
    return base64.b64decode(parts[1], validate=True)


def _md5_colon_hex(data: bytes) -> str:
    digest = hashlib.md5(data, usedforsecurity=False).hexdigest()
    return ":".join(digest[i : i + 2] for i in range(0, len(digest), 2))


def md5_fingerprint(public_key: str) -> str:
    """``aa:bb:…`` MD5 of the key blob (RFC 4716 section 4): DigitalOcean's key fingerprint."""
    return _md5_colon_hex(_key_blob(public_key))


def sha256_fingerprint(public_key: str) -> str:
    """``SHA256:…`` as ``ssh-keygen -l`` prints it."""
    digest = hashlib.sha256(_key_blob(public_key)).digest()
    return "SHA256:" + base64.b64encode(digest).decode().rstrip("=")


def aws_fingerprint(public_key: str) -> str:
    """The fingerprint EC2 shows for an imported public key.

    RSA: MD5 of the DER SubjectPublicKeyInfo, colon hex (what
    ``openssl pkey -pubin -outform DER | openssl md5 -c`` prints);
    ED25519: base64 SHA-256 of the key blob, with its padding.
    """
    key = serialization.load_ssh_public_key(" ".join(public_key.split()[:2]).encode())
    if isinstance(key, rsa.RSAPublicKey):
        return _md5_colon_hex(
            key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
        )
    if isinstance(key, ed25519.Ed25519PublicKey):
        return base64.b64encode(hashlib.sha256(_key_blob(public_key)).digest()).decode()
    raise ValueError(f"EC2 accepts RSA and ED25519 keys, not {type(key).__name__}")

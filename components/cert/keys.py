"""Private keys for the TLS certificates: generation and PEM encoding."""

from __future__ import annotations

import enum

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from ..choices import parse_choice

PrivateKey = ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey


class KeyType(str, enum.Enum):
    """Key algorithm of a certificate.

    ECDSA P-256 is the default: a key is made in well under a millisecond
    (RSA 2048 takes tens to hundreds), handshakes are cheaper, and every Docker
    client (Go's crypto/tls, the Python docker SDK through OpenSSL) accepts it.
    RSA 2048 is what the original docker-machine made; pick it for tools that
    insist on RSA.
    """

    ECDSA_P256 = "ecdsa-p256"
    RSA_2048 = "rsa-2048"
    RSA_4096 = "rsa-4096"

    @classmethod
    def parse(cls, value: "str | KeyType") -> "KeyType":
        return parse_choice(cls, value, "TLS key type")


class KeyFormat(str, enum.Enum):
    """PEM flavour of a private key on disk."""

    PKCS8 = "pkcs8"  # "-----BEGIN PRIVATE KEY-----"
    TRADITIONAL = "traditional"  # "BEGIN RSA PRIVATE KEY" (PKCS#1) / "BEGIN EC PRIVATE KEY" (SEC 1)


DEFAULT_KEY_TYPE = KeyType.ECDSA_P256


def generate_private_key(key_type: KeyType | str = DEFAULT_KEY_TYPE) -> PrivateKey:
    key_type = KeyType.parse(key_type)
    if key_type is KeyType.ECDSA_P256:
        return ec.generate_private_key(ec.SECP256R1())
    bits = 2048 if key_type is KeyType.RSA_2048 else 4096
    return rsa.generate_private_key(public_exponent=65537, key_size=bits)


def key_type_of(key: PrivateKey) -> KeyType:
    if isinstance(key, ec.EllipticCurvePrivateKey):
        if isinstance(key.curve, ec.SECP256R1):
            return KeyType.ECDSA_P256
    elif isinstance(key, rsa.RSAPrivateKey):
        if key.key_size == 2048:
            return KeyType.RSA_2048
        if key.key_size == 4096:
            return KeyType.RSA_4096
    raise ValueError(f"unsupported private key: {type(key).__name__}")


def private_key_to_pem(key: PrivateKey, key_format: KeyFormat | str = KeyFormat.PKCS8) -> str:
    key_format = KeyFormat(key_format)
    fmt = (
        serialization.PrivateFormat.PKCS8
        if key_format is KeyFormat.PKCS8
        else serialization.PrivateFormat.TraditionalOpenSSL
    )
    return key.private_bytes(serialization.Encoding.PEM, fmt, serialization.NoEncryption()).decode()


def load_private_key(pem: str | bytes) -> PrivateKey:
    data = pem.encode() if isinstance(pem, str) else pem
    key = serialization.load_pem_private_key(data, password=None)
    if not isinstance(key, (ec.EllipticCurvePrivateKey, rsa.RSAPrivateKey)):
        raise ValueError(f"unsupported private key: {type(key).__name__}")
    return key

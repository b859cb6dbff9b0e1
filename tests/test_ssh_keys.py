import base64
import hashlib
import stat
import subprocess

import pytest
from cryptography.hazmat.primitives import serialization

from pulumi_docker_machine.components.ssh import (
    SSHKeyType,
    aws_fingerprint,
    generate_ssh_key,
    md5_fingerprint,
    public_key_from_private,
    sha256_fingerprint,
)


@pytest.fixture(scope="module")
def ed25519_key():
    return generate_ssh_key(comment="docker-machine@dev")


@pytest.fixture(scope="module")
def rsa_key():
    return generate_ssh_key(SSHKeyType.RSA_4096, comment="docker-machine@old")


def test_default_is_ed25519_in_openssh_formats(ed25519_key):
    assert ed25519_key.private_key.startswith("-----BEGIN OPENSSH PRIVATE KEY-----")
    kind, blob, comment = ed25519_key.public_key.split()
    assert kind == "ssh-ed25519" and comment == "docker-machine@dev"
    assert public_key_from_private(ed25519_key.private_key) == f"{kind} {blob}"


def test_rsa_option_is_4096_bits(rsa_key):
    assert rsa_key.public_key.startswith("ssh-rsa ")
    key = serialization.load_ssh_private_key(rsa_key.private_key.encode(), password=None)
    assert key.key_size == 4096


def test_unknown_key_type_is_refused():
    with pytest.raises(ValueError, match="unknown SSH key type 'dsa': use one of ed25519, rsa-4096"):
        generate_ssh_key("dsa")


@pytest.mark.parametrize("which", ["ed25519_key", "rsa_key"])
def test_ssh_keygen_reads_the_keys_and_agrees_on_fingerprints(which, request, tmp_path, ssh_keygen):
    pair = request.getfixturevalue(which)
    pair.save(tmp_path / "keys" / "id")
    derived = subprocess.run(
        [ssh_keygen, "-y", "-f", str(tmp_path / "keys" / "id")], capture_output=True, text=True, check=True
    )
    assert derived.stdout.split()[:2] == pair.public_key.split()[:2]
    md5 = subprocess.run(
        [ssh_keygen, "-E", "md5", "-l", "-f", str(tmp_path / "keys" / "id.pub")],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()[1]
    assert md5 == "MD5:" + md5_fingerprint(pair.public_key)
    sha = subprocess.run(
        [ssh_keygen, "-l", "-f", str(tmp_path / "keys" / "id.pub")], capture_output=True, text=True, check=True
    ).stdout.split()[1]
    assert sha == sha256_fingerprint(pair.public_key)


def test_saved_private_key_is_0600_in_a_0700_folder(ed25519_key, tmp_path):
    ed25519_key.save(tmp_path / "machine" / "id_ed25519")
    assert stat.S_IMODE((tmp_path / "machine").stat().st_mode) == 0o700
    assert stat.S_IMODE((tmp_path / "machine" / "id_ed25519").stat().st_mode) == 0o600
    assert (tmp_path / "machine" / "id_ed25519.pub").read_text() == ed25519_key.public_key + "\n"


def test_digitalocean_fingerprint_is_colon_hex_md5_of_the_key_blob(ed25519_key):
    blob = base64.b64decode(ed25519_key.public_key.split()[1])
    digest = hashlib.md5(blob, usedforsecurity=False).hexdigest()
    fingerprint = md5_fingerprint(ed25519_key.public_key)
    assert fingerprint.replace(":", "") == digest
    assert len(fingerprint) == 47 and fingerprint.count(":") == 15


def test_aws_rsa_fingerprint_matches_openssl_md5_of_the_der_public_key(rsa_key, tmp_path, ssh_keygen, openssl):
    """EC2's documented check for an imported RSA key: openssl ... -outform DER | openssl md5 -c."""
    (tmp_path / "id.pub").write_text(rsa_key.public_key + "\n")
    pem = subprocess.run(
        [ssh_keygen, "-e", "-m", "PKCS8", "-f", str(tmp_path / "id.pub")], capture_output=True, check=True
    ).stdout
    der = subprocess.run(
        [openssl, "pkey", "-pubin", "-outform", "DER"], input=pem, capture_output=True, check=True
    ).stdout
    md5 = subprocess.run([openssl, "md5", "-c"], input=der, capture_output=True, check=True).stdout.decode()
    assert md5.split()[-1] == aws_fingerprint(rsa_key.public_key)


def test_aws_ed25519_fingerprint_is_padded_base64_sha256(ed25519_key):
    fingerprint = aws_fingerprint(ed25519_key.public_key)
    assert fingerprint.endswith("=") and len(fingerprint) == 44
    assert "SHA256:" + fingerprint.rstrip("=") == sha256_fingerprint(ed25519_key.public_key)


def test_public_key_from_a_pem_private_key(rsa_key):
    from cryptography.hazmat.primitives import serialization

    key = serialization.load_ssh_private_key(rsa_key.private_key.encode(), password=None)
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL, serialization.NoEncryption()
    ).decode()
    assert public_key_from_private(pem) == " ".join(rsa_key.public_key.split()[:2])


def test_fingerprint_of_garbage_says_what_it_expected():
    with pytest.raises(ValueError, match="not an OpenSSH public key"):
        md5_fingerprint("garbage")

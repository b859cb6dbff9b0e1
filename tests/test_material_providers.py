"""The key-material dynamic providers, called directly, and all dynamic providers after the engine's round trip."""

from __future__ import annotations

import base64
import json
import subprocess
import sys

import pytest
from pulumi.dynamic.dynamic import serialize_provider

from pulumi_docker_machine.components.cert import chains_to, covers
from pulumi_docker_machine.components.material.providers import (
    UNKNOWN,
    CertificateAuthorityProvider,
    ClientCertificateProvider,
    ServerCertificateProvider,
    SSHKeyProvider,
)
from pulumi_docker_machine.components.ssh import md5_fingerprint, public_key_from_private


# Providers are called directly below: the engine's round trip is test_providers_load_in_a_fresh_interpreter's
# (and, for real, the engine tests').


def test_providers_load_in_a_fresh_interpreter(tmp_path):
    """What the engine's dynamic-provider process does: base64-decode and dill.loads the blob in a new
    Python: each class comes back by reference to its module, and works."""
    from pulumi_docker_machine.components.drivers.digitalocean.provider import DropletPowerProvider
    from pulumi_docker_machine.components.drivers.virtualbox.provider import VirtualBoxVMProvider

    providers = [
        CertificateAuthorityProvider(),
        ClientCertificateProvider(),
        ServerCertificateProvider(),
        SSHKeyProvider(),
        VirtualBoxVMProvider(),
        DropletPowerProvider(),
    ]
    blobs = [serialize_provider(provider) for provider in providers]
    code = (
        "import base64, json, sys, dill\n"
        "loaded = [dill.loads(base64.b64decode(blob)) for blob in json.load(sys.stdin)]\n"
        "print(json.dumps([f'{type(p).__module__}.{type(p).__qualname__}' for p in loaded]))\n"
        "ca = loaded[0].create({'organization': 'o', 'key_type': 'ecdsa-p256', 'validity_days': 1})\n"
        "print(ca.outs['cert_pem'].splitlines()[0])\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], input=json.dumps(blobs), capture_output=True, text=True, cwd=tmp_path, timeout=120
    )
    assert result.returncode == 0, result.stderr
    names, first_line = result.stdout.splitlines()
    assert json.loads(names) == [f"{type(p).__module__}.{type(p).__qualname__}" for p in providers]
    assert first_line == "-----BEGIN CERTIFICATE-----"
    assert all(len(base64.b64decode(blob)) < 2000 for blob in blobs), "by reference: no class body inside"


@pytest.fixture
def ca():
    result = CertificateAuthorityProvider().create(
        {"organization": "alice", "key_type": "ecdsa-p256", "validity_days": 1080}
    )
    return result.outs


def server_inputs(ca, **changes):
    return {
        "ca_cert_pem": ca["cert_pem"],
        "ca_key_pem": ca["key_pem"],
        "organization": "alice.dev",
        "addresses": ["203.0.113.10"],
        "extra_sans": ["dev.example.com"],
        "key_type": "ecdsa-p256",
        "validity_days": 1080,
        **changes,
    }


def test_providers_are_pickled_by_reference():
    """The state holds a reference to pulumi_docker_machine.components.material.providers: a stable contract, not code."""
    for provider in (
        CertificateAuthorityProvider(),
        ClientCertificateProvider(),
        ServerCertificateProvider(),
        SSHKeyProvider(),
    ):
        blob = base64.b64decode(serialize_provider(provider))
        assert b"pulumi_docker_machine.components.material.providers" in blob
        assert type(provider).__name__.encode() in blob
        assert len(blob) < 200, "a provider must capture no state"


def test_ca_create(ca):
    assert ca["cert_pem"].startswith("-----BEGIN CERTIFICATE-----")
    assert ca["key_pem"].startswith("-----BEGIN PRIVATE KEY-----")
    assert ca["organization"] == "alice" and ca["validity_days"] == 1080


def test_client_certificate_chains_to_the_ca(ca):
    provider = ClientCertificateProvider()
    result = provider.create(
        {
            "ca_cert_pem": ca["cert_pem"],
            "ca_key_pem": ca["key_pem"],
            "organization": "alice.client",
            "key_type": "ecdsa-p256",
            "validity_days": 30,
        }
    )
    assert chains_to(result.outs["cert_pem"], ca["cert_pem"])
    assert "ca_key_pem" not in result.outs, "the CA key is an input, never echoed into outputs"


def test_server_certificate_create(ca):
    result = ServerCertificateProvider().create(server_inputs(ca))
    cert = result.outs["cert_pem"]
    assert chains_to(cert, ca["cert_pem"]) and covers(cert, "203.0.113.10") and covers(cert, "dev.example.com")
    assert result.outs["addresses"] == ["203.0.113.10"]
    assert len(result.id) == 64


def test_server_certificate_is_replaced_exactly_when_ip_or_sans_change(ca):
    provider = ServerCertificateProvider()
    olds = provider.create(server_inputs(ca)).outs
    same = provider.diff("id", olds, server_inputs(ca))
    assert (same.changes, same.replaces) == (False, [])
    moved = provider.diff("id", olds, server_inputs(ca, addresses=["203.0.113.99"]))
    assert (moved.changes, moved.replaces) == (True, ["addresses"])
    sans = provider.diff("id", olds, server_inputs(ca, extra_sans=["dev.example.com", "10.0.0.5"]))
    assert (sans.changes, sans.replaces) == (True, ["extra_sans"])
    unknown = provider.diff("id", olds, server_inputs(ca, addresses=UNKNOWN))
    assert unknown.replaces == ["addresses"], "an address not known yet (preview of a new VM) means a new certificate"
    longer = provider.diff("id", olds, server_inputs(ca, validity_days=30))
    assert (longer.changes, longer.replaces) == (True, []), "validity applies to the next certificate"
    as_tuple = provider.diff("id", olds, server_inputs(ca, extra_sans=("dev.example.com",)))
    assert (as_tuple.changes, as_tuple.replaces) == (False, [])


def test_update_keeps_the_material(ca):
    provider = ServerCertificateProvider()
    olds = provider.create(server_inputs(ca)).outs
    updated = provider.update("id", olds, server_inputs(ca, validity_days=30)).outs
    assert updated["cert_pem"] == olds["cert_pem"] and updated["key_pem"] == olds["key_pem"]
    assert updated["validity_days"] == 30


def test_new_ca_replaces_the_certificates_it_signed(ca):
    other = (
        CertificateAuthorityProvider()
        .create({"organization": "alice", "key_type": "ecdsa-p256", "validity_days": 1080})
        .outs
    )
    provider = ServerCertificateProvider()
    olds = provider.create(server_inputs(ca)).outs
    diff = provider.diff("id", olds, server_inputs(other))
    assert diff.replaces == ["ca_cert_pem"]


def test_ssh_key_provider():
    provider = SSHKeyProvider()
    first = provider.create({"key_type": "ed25519", "comment": "docker-machine@web"})
    second = provider.create({"key_type": "ed25519", "comment": "docker-machine@web"})
    outs = first.outs
    assert outs["public_key"].startswith("ssh-ed25519 ") and outs["public_key"].endswith(" docker-machine@web")
    assert public_key_from_private(outs["private_key"]) == " ".join(outs["public_key"].split()[:2])
    assert outs["md5_fingerprint"] == md5_fingerprint(outs["public_key"])
    assert first.id == outs["sha256_fingerprint"] != second.id
    recomment = provider.diff(first.id, outs, {"key_type": "ed25519", "comment": "other"})
    assert (recomment.changes, recomment.replaces) == (True, [])
    retype = provider.diff(first.id, outs, {"key_type": "rsa-4096", "comment": "docker-machine@web"})
    assert retype.replaces == ["key_type"]


def test_delete_of_key_material_needs_nothing_outside_state(ca, tmp_path, monkeypatch):
    """The key material lives in state alone: deleting it (twice) touches no file and fails on nothing."""
    monkeypatch.chdir(tmp_path)
    provider = ServerCertificateProvider()
    outs = provider.create(server_inputs(ca)).outs
    provider.delete("id", outs)
    provider.delete("id", outs)
    assert list(tmp_path.iterdir()) == []

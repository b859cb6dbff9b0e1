import datetime as dt
import ipaddress
import ssl
import stat
import subprocess
import threading
import socket

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509 import verification
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from pulumi_docker_machine.components.cert import (
    CLOCK_SKEW,
    KeyType,
    certificate_problems,
    chains_to,
    covers,
    create_ca,
    expires_at,
    expires_within,
    issue_client_certificate,
    issue_server_certificate,
    subject_alt_names,
)

NOW = dt.datetime(2026, 11, 25, 12, 0, tzinfo=dt.timezone.utc)


@pytest.fixture(scope="module", params=[KeyType.ECDSA_P256, KeyType.RSA_2048], ids=lambda k: k.value)
def pki(request):
    ca = create_ca("alice", key_type=request.param, now=NOW)
    client = issue_client_certificate(ca, "alice.client", key_type=request.param, now=NOW)
    server = issue_server_certificate(
        ca,
        "alice.dev",
        ["203.0.113.10", "2001:db8::10"],
        ["docker.example.com", "198.51.100.7"],
        key_type=request.param,
        now=NOW,
    )
    return request.param, ca, client, server


def test_ca_is_a_self_signed_certificate_authority(pki):
    key_type, ca, _, _ = pki
    cert = ca.certificate
    assert cert.subject == cert.issuer
    assert cert.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)[0].value == "alice"
    basic = cert.extensions.get_extension_for_class(x509.BasicConstraints)
    assert basic.critical and basic.value.ca
    usage = cert.extensions.get_extension_for_class(x509.KeyUsage).value
    assert usage.key_cert_sign and usage.crl_sign
    assert chains_to(cert, cert)
    expected = ec.EllipticCurvePrivateKey if key_type is KeyType.ECDSA_P256 else rsa.RSAPrivateKey
    assert isinstance(ca.private_key, expected)


def test_validity_defaults_to_1080_days_from_a_few_minutes_ago(pki):
    _, ca, client, server = pki
    for cert in (ca.certificate, client.certificate, server.certificate):
        assert cert.not_valid_before_utc == NOW - CLOCK_SKEW
        assert cert.not_valid_after_utc == NOW + dt.timedelta(days=1080)


def test_validity_is_configurable():
    ca = create_ca("bob", validity_days=30, now=NOW)
    assert expires_at(ca.cert_pem) == NOW + dt.timedelta(days=30)
    with pytest.raises(ValueError, match="at least 1 day"):
        create_ca("bob", validity_days=0)


def test_serials_are_random_128_bit_numbers():
    serials = {create_ca("x").certificate.serial_number for _ in range(8)}
    assert len(serials) == 8
    assert all(0 < s < 2**128 for s in serials)
    assert max(serials) > 2**100  # 8 random draws all below 2**100 would be a 1-in-2**224 fluke


def test_client_certificate_is_for_client_auth_only(pki):
    _, ca, client, _ = pki
    cert = client.certificate
    eku = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert list(eku) == [ExtendedKeyUsageOID.CLIENT_AUTH]
    assert not cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    assert chains_to(client.cert_pem, ca.cert_pem)
    assert certificate_problems(client.cert_pem, ca.cert_pem, purpose="client", now=NOW) == []
    assert certificate_problems(client.cert_pem, ca.cert_pem, purpose="server", now=NOW) == [
        "certificate is not for TLS servers"
    ]


def test_server_sans_are_addresses_localhost_and_extra_values(pki):
    _, _, _, server = pki
    san = server.certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert san.get_values_for_type(x509.IPAddress) == [
        ipaddress.ip_address("203.0.113.10"),
        ipaddress.ip_address("2001:db8::10"),
        ipaddress.ip_address("198.51.100.7"),
    ]
    assert san.get_values_for_type(x509.DNSName) == ["localhost", "docker.example.com"]
    eku = server.certificate.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert list(eku) == [ExtendedKeyUsageOID.SERVER_AUTH]
    assert covers(server.cert_pem, "203.0.113.10")
    assert covers(server.cert_pem, "2001:DB8::10")
    assert covers(server.cert_pem, "Docker.Example.com.")
    assert not covers(server.cert_pem, "203.0.113.11")


def test_duplicate_sans_are_dropped():
    ca = create_ca("x")
    server = issue_server_certificate(ca, "x.m", ["10.0.0.1", "10.0.0.1"], ["localhost", "10.0.0.1"])
    assert subject_alt_names(server.cert_pem) == ["10.0.0.1", "localhost"]


@pytest.mark.parametrize("bad", ["", "bad name", "-leading.example.com", "a..b", "x" * 64 + ".com", "under_score"])
def test_invalid_san_names_the_value_and_the_fix(bad):
    ca = create_ca("x")
    with pytest.raises(ValueError, match="invalid TLS SAN") as err:
        issue_server_certificate(ca, "x.m", ["10.0.0.1"], [bad])
    assert repr(bad) in str(err.value)
    assert "IP address or a DNS name" in str(err.value)


def test_wildcard_san_is_accepted():
    ca = create_ca("x")
    server = issue_server_certificate(ca, "x.m", [], ["*.docker.example.com"])
    assert "*.docker.example.com" in subject_alt_names(server.cert_pem)


def test_certificate_problems_name_what_is_wrong(pki):
    key_type, ca, _, server = pki
    assert certificate_problems(server.cert_pem, ca.cert_pem, host="203.0.113.10", now=NOW) == []
    other_ca = create_ca("mallory", key_type=key_type)
    assert certificate_problems(server.cert_pem, other_ca.cert_pem, now=NOW) == [
        "certificate is not signed by the machine's CA"
    ]
    moved = certificate_problems(server.cert_pem, ca.cert_pem, host="203.0.113.99", now=NOW)
    assert moved == [
        "certificate is not valid for 203.0.113.99 (it covers: 203.0.113.10, 2001:db8::10, 198.51.100.7, "
        "localhost, docker.example.com)"
    ]
    later = NOW + dt.timedelta(days=1081)
    assert certificate_problems(server.cert_pem, ca.cert_pem, now=later) == [
        f"certificate expired on {NOW + dt.timedelta(days=1080):%Y-%m-%d %H:%M} UTC"
    ]
    earlier = NOW - dt.timedelta(hours=1)
    assert certificate_problems(server.cert_pem, ca.cert_pem, now=earlier)[0].startswith(
        "certificate is not valid before"
    )


def test_expiry_questions(pki):
    _, ca, _, _ = pki
    assert expires_at(ca.cert_pem) == NOW + dt.timedelta(days=1080)
    assert expires_within(ca.cert_pem, dt.timedelta(days=30), now=NOW + dt.timedelta(days=1060))
    assert not expires_within(ca.cert_pem, dt.timedelta(days=30), now=NOW)


def test_cryptography_verifier_accepts_the_server_certificate(pki):
    """An independent check: cryptography's RFC 5280 path validation, as a TLS client would do it."""
    _, ca, _, server = pki
    store = verification.Store([ca.certificate])
    verifier = (
        verification.PolicyBuilder()
        .store(store)
        .time(NOW)
        .build_server_verifier(x509.IPAddress(ipaddress.ip_address("203.0.113.10")))
    )
    chain = verifier.verify(server.certificate, [])
    assert chain[-1] == ca.certificate


def test_openssl_verifies_chain_and_purpose(pki, tmp_path, openssl):
    _, ca, client, server = pki
    ca.save(tmp_path / "ca.pem", tmp_path / "ca-key.pem")
    client.save(tmp_path / "cert.pem", tmp_path / "key.pem")
    server.save(tmp_path / "server.pem", tmp_path / "server-key.pem")
    attime = ["-attime", str(int((NOW + dt.timedelta(days=1)).timestamp()))]

    def verify(purpose, cert):
        return subprocess.run(
            [
                openssl,
                "verify",
                *attime,
                "-CAfile",
                str(tmp_path / "ca.pem"),
                "-purpose",
                purpose,
                str(tmp_path / cert),
            ],
            capture_output=True,
            text=True,
        )

    assert verify("sslserver", "server.pem").returncode == 0
    assert verify("sslclient", "cert.pem").returncode == 0
    assert verify("sslserver", "cert.pem").returncode != 0  # a client certificate can't serve
    sans = subprocess.run(
        [openssl, "x509", "-in", str(tmp_path / "server.pem"), "-noout", "-ext", "subjectAltName"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "IP Address:203.0.113.10" in sans and "DNS:localhost" in sans and "DNS:docker.example.com" in sans


def test_key_files_are_private(tmp_path):
    ca = create_ca("x")
    folder = tmp_path / "certs"
    ca.save(folder / "ca.pem", folder / "ca-key.pem")
    assert stat.S_IMODE((folder / "ca-key.pem").stat().st_mode) == 0o600
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert stat.S_IMODE((folder / "ca.pem").stat().st_mode) == 0o644
    assert (folder / "ca-key.pem").read_text() == ca.key_pem
    assert not list(folder.glob(".*.tmp"))


@pytest.mark.parametrize(
    ("key_type", "key_format", "header"),
    [
        (KeyType.ECDSA_P256, "pkcs8", "-----BEGIN PRIVATE KEY-----"),
        (KeyType.ECDSA_P256, "traditional", "-----BEGIN EC PRIVATE KEY-----"),
        (KeyType.RSA_2048, "pkcs8", "-----BEGIN PRIVATE KEY-----"),
        (KeyType.RSA_2048, "traditional", "-----BEGIN RSA PRIVATE KEY-----"),
    ],
)
def test_private_key_formats(key_type, key_format, header):
    ca = create_ca("x", key_type=key_type, key_format=key_format)
    assert ca.key_pem.startswith(header)
    assert ca.private_key.public_key().public_numbers() == ca.certificate.public_key().public_numbers()


def test_unknown_key_type_is_refused_with_the_choices():
    with pytest.raises(ValueError, match=r"unknown TLS key type 'dsa': use one of ecdsa-p256, rsa-2048, rsa-4096"):
        create_ca("x", key_type="dsa")


def test_mutual_tls_handshake_with_python_ssl(tmp_path):
    """A real TLS 1.2/1.3 server on loopback demands a client certificate from this CA."""
    ca = create_ca("x")
    other = create_ca("y")
    server = issue_server_certificate(ca, "x.m", ["127.0.0.1"])
    good = issue_client_certificate(ca, "x.client")
    rogue = issue_client_certificate(other, "y.client")
    ca.save(tmp_path / "ca.pem", tmp_path / "ca-key.pem")
    server.save(tmp_path / "server.pem", tmp_path / "server-key.pem")
    good.save(tmp_path / "good.pem", tmp_path / "good-key.pem")
    rogue.save(tmp_path / "rogue.pem", tmp_path / "rogue-key.pem")

    server_ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_ctx.load_cert_chain(tmp_path / "server.pem", tmp_path / "server-key.pem")
    server_ctx.load_verify_locations(tmp_path / "ca.pem")
    server_ctx.verify_mode = ssl.CERT_REQUIRED
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]

    def serve(count):
        for _ in range(count):
            conn, _ = listener.accept()
            try:
                with server_ctx.wrap_socket(conn, server_side=True) as tls:
                    tls.sendall(b"ok")
            except (ssl.SSLError, OSError):
                pass

    thread = threading.Thread(target=serve, args=(3,), daemon=True)
    thread.start()

    def connect(cert=None):
        ctx = ssl.create_default_context(cafile=str(tmp_path / "ca.pem"))
        if cert:
            ctx.load_cert_chain(tmp_path / f"{cert}.pem", tmp_path / f"{cert}-key.pem")
        with socket.create_connection(("127.0.0.1", port), timeout=5) as raw:
            with ctx.wrap_socket(raw, server_hostname="127.0.0.1") as tls:
                return tls.recv(2)

    assert connect("good") == b"ok"
    for cert in (None, "rogue"):
        with pytest.raises((ssl.SSLError, ConnectionError)):
            assert connect(cert) == b"ok"
    thread.join(5)
    listener.close()

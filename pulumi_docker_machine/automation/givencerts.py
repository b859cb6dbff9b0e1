"""The CA and client certificate named by docker-machine's global flags ``--tls-ca-cert``, ``--tls-ca-key``,
``--tls-client-cert``, ``--tls-client-key`` (``MACHINE_TLS_CA_CERT``...): used instead of STORE/certs's.

As docker-machine's ``tlsPath``, a flag not given stands for its file in STORE/certs. Unlike docker-machine,
which made a new CA or client certificate at a given path that did not exist (and went on with a client
certificate another CA signed), the four files must exist and belong together: a CA certificate and its key,
a client certificate that CA signed and its key. Anything else is one line naming the flag and the fix, raised
before anything is made. The files are read, never written.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import Mapping, Optional

from ..store import Store
from .errors import MachineError

# STORE/certs's files, keyed as ensure_shared_certs returns their PEMs; each with its flag and variable.
FILES = {"ca_pem": "ca.pem", "ca_key_pem": "ca-key.pem", "client_cert_pem": "cert.pem", "client_key_pem": "key.pem"}
FLAGS = {
    "ca_pem": ("--tls-ca-cert", "MACHINE_TLS_CA_CERT"),
    "ca_key_pem": ("--tls-ca-key", "MACHINE_TLS_CA_KEY"),
    "client_cert_pem": ("--tls-client-cert", "MACHINE_TLS_CLIENT_CERT"),
    "client_key_pem": ("--tls-client-key", "MACHINE_TLS_CLIENT_KEY"),
}


class GivenCertsError(MachineError):
    """A given TLS file that can't be used; the message is one line naming it and the fix."""


def given_paths(environ: Optional[Mapping[str, str]] = None) -> dict[str, Path]:
    """The files given (the CLI puts its flags' values into these variables, as docker-machine's flags read
    them), by key; empty when none is."""
    environ = os.environ if environ is None else environ
    return {key: Path(environ[variable]) for key, (_, variable) in FLAGS.items() if environ.get(variable)}


def read_given_certs(store: Store, environ: Optional[Mapping[str, str]] = None) -> Optional[dict[str, str]]:
    """The four PEMs when any TLS file is given (checked to belong together), else None."""
    given = given_paths(environ)
    if not given:
        return None
    paths = {key: given.get(key, store.certs_dir / name) for key, name in FILES.items()}
    texts = {key: _read(key, path, key in given) for key, path in paths.items()}
    _check(texts, paths)
    return texts


def _name(key: str) -> str:
    flag, variable = FLAGS[key]
    return f"{flag} ({variable})"


def _read(key: str, path: Path, given: bool) -> str:
    try:
        return path.read_text()
    except (OSError, UnicodeDecodeError) as err:
        reason = getattr(err, "strerror", None) or str(err)
        if given:
            raise GivenCertsError(f"Error: {_name(key)} {path}: {reason}: give a readable PEM file") from None
        raise GivenCertsError(
            f"Error: other --tls-* files were given, but not {FLAGS[key][0]}, and its default {path} can't be "
            f"read ({reason}): give {_name(key)} too"
        ) from None


def _check(texts: dict[str, str], paths: dict[str, Path]) -> None:
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    from pulumi_docker_machine.components.cert.check import certificate_problems, load_certificate
    from pulumi_docker_machine.components.cert.keys import load_private_key

    def where(key: str) -> str:
        return f"{FLAGS[key][0]} {paths[key]}"

    def certificate(key: str, what: str):
        try:
            return load_certificate(texts[key])
        except ValueError:
            raise GivenCertsError(f"Error: {where(key)} is not a PEM certificate: give {what}") from None

    def private_key(key: str):
        try:
            return load_private_key(texts[key])
        except (ValueError, TypeError) as err:
            raise GivenCertsError(
                f"Error: {where(key)} is not an RSA or ECDSA private key in PEM without a passphrase ({err}): "
                "give such a key"
            ) from None

    def public(key) -> bytes:
        return key.public_key().public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)

    ca = certificate("ca_pem", "the CA's certificate")
    if public(private_key("ca_key_pem")) != public(ca):
        raise GivenCertsError(
            f"Error: {where('ca_key_pem')} is not the key of {where('ca_pem')}: give the CA's own key"
        )
    if ca.not_valid_after_utc <= dt.datetime.now(dt.timezone.utc):
        raise GivenCertsError(
            f"Error: {where('ca_pem')} expired on {ca.not_valid_after_utc:%Y-%m-%d %H:%M} UTC: give a current CA"
        )
    client = certificate("client_cert_pem", "the client certificate")
    if public(private_key("client_key_pem")) != public(client):
        raise GivenCertsError(
            f"Error: {where('client_key_pem')} is not the key of {where('client_cert_pem')}: give the client "
            "certificate's own key"
        )
    problems = certificate_problems(client, ca, purpose="client")
    if problems:
        raise GivenCertsError(
            f"Error: {where('client_cert_pem')}: {'; '.join(problems)}: give a client certificate that the CA "
            f"of {where('ca_pem')} signed"
        )

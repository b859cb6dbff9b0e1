"""``STORE/certs``: the CA and client certificate every machine shares, made once as docker-machine does; or the
files given by ``--tls-ca-cert``... (``MACHINE_TLS_*``, givencerts.py), which then stand in for STORE/certs's."""

from __future__ import annotations

from pulumi_docker_machine.components.cert import create_ca, issue_client_certificate
from pulumi_docker_machine.components.certificates import default_organization

from ..store import BrokenMachine, MachineNotFound, Store
from ..store.lock import store_lock
from .givencerts import FILES, GivenCertsError, read_given_certs


def ensure_shared_certs(store: Store, regenerate: bool = False) -> dict[str, str]:
    """The PEMs from STORE/certs, made first if missing (or when ``regenerate``); reused from docker-machine.
    With TLS files given, theirs (checked), and STORE/certs is left alone."""
    given = read_given_certs(store)
    if given is not None:
        if regenerate:
            raise GivenCertsError(
                "Error: --client-certs would make a new CA, but the CA is given by --tls-ca-cert... "
                "(MACHINE_TLS_*): make new files yourself and give them, or drop the flags to renew STORE/certs"
            )
        return given
    folder = store.certs_dir
    # Several processes may start on a new store at once: the CA comes into being exactly once.
    with store_lock(store.root, "certs"):
        store.recover_shared_certs()
        if regenerate or not all((folder / name).is_file() for name in FILES.values()):
            organization = default_organization()
            ca = create_ca(organization)
            client = issue_client_certificate(ca, f"{organization}.client")
            store.write_shared_certs(
                ca_pem=ca.cert_pem,
                ca_key_pem=ca.key_pem,
                client_cert_pem=client.cert_pem,
                client_key_pem=client.key_pem,
            )
        return {key: (folder / name).read_text() for key, name in FILES.items()}


def signed_by_another_ca(store: Store, name: str) -> bool:
    """An imported machine whose CA is not this store's: an update here would sign its new server certificate
    with this store's CA, and the store that made it (whose clients trust only its own CA) would be locked out."""
    try:
        host = store.load(name)
    except (MachineNotFound, BrokenMachine):  # not (readably) stored yet: nothing imported to protect
        return False
    if host.pulumi.get("Imported") is not True:
        return False
    given = read_given_certs(store)
    own, theirs = store.certs_dir / FILES["ca_pem"], store.machine_dir(name) / FILES["ca_pem"]
    try:
        own_ca = given["ca_pem"] if given is not None else own.read_text()
        return own_ca.strip() != theirs.read_text().strip()
    except OSError:
        return True  # no CA here to compare: an update would make one, and sign with it

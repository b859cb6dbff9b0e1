"""Writing a machine into the store from its stack's outputs, after every successful update."""

from __future__ import annotations

from typing import Any, Mapping, Optional

from pulumi_docker_machine.components.drivers import REGISTRY, describe, is_driver
from pulumi_docker_machine.components.drivers.info import GENERATED_KEY_FILE
from pulumi_docker_machine.components.engine import DEFAULT_ENGINE_PORT
from pulumi_docker_machine.components.ssh import public_key_from_private

from ..knownhosts import HostKeyPin
from ..store import HostConfig, Store, new_host_config
from .settings import MachineSpec
from .untrusted import check_machine


def ssh_key_file(driver: str) -> str:
    """The machine's key's file name in its folder, as the driver's docker-machine keeps it (generic: id_rsa)."""
    return describe(driver).key_file if is_driver(driver) else GENERATED_KEY_FILE


def _drop_other_keys(folder, keep: str) -> None:
    """A key file under another name is left from an earlier version (for generic: a copy of the user's own
    key, which the machine no longer uses): only the machine's key stays in its folder."""
    for name in {GENERATED_KEY_FILE, *(describe(driver).key_file for driver in REGISTRY)} - {keep}:
        for path in (folder / name, folder / f"{name}.pub"):
            try:
                path.unlink()
            except FileNotFoundError:
                pass


SECRET_OUTPUTS = ("ssh_private_key", "client_key_pem")


def outputs_plain(outputs: Mapping[str, Any]) -> dict[str, Any]:
    """Automation API OutputValues (or plain values) as plain values."""
    return {key: getattr(value, "value", value) for key, value in outputs.items()}


def engine_port(docker_host: Any, spec: MachineSpec) -> int:
    """The port this machine reaches the engine at: docker_host's (qemu forwards one of its own), else the
    engine's. docker_host was checked by check_machine."""
    if isinstance(docker_host, str) and docker_host.rpartition(":")[2].isdigit():
        return int(docker_host.rpartition(":")[2])
    return int(spec.engine.get("port") or DEFAULT_ENGINE_PORT)


def write_machine(
    store: Store,
    name: str,
    spec: MachineSpec,
    outputs: Mapping[str, Any],
    backend: str,
    docker_context: bool = True,
    declared_in: Optional[str] = None,
    imported: bool = False,
) -> HostConfig:
    out = outputs_plain(outputs)
    check_machine(name, out)
    private_key = out.get("ssh_private_key") or ""
    key_file = ssh_key_file(spec.driver)
    folder = store.write_machine_files(
        name,
        ca_pem=out["ca_pem"],
        client_cert_pem=out["client_cert_pem"],
        client_key_pem=out["client_key_pem"],
        server_cert_pem=out.get("server_cert_pem"),
        ssh_private_key=private_key or None,
        ssh_public_key=public_key_from_private(private_key) if private_key else None,
        ssh_key_name=key_file,
    )
    if private_key:
        _drop_other_keys(folder, key_file)
    host = new_host_config(
        name=name,
        driver_name=spec.driver,
        store_root=store.root,
        ip=out.get("ip") or "",
        ssh_user=out.get("ssh_user") or "root",
        ssh_port=int(out["ssh_port"] if out.get("ssh_port") is not None else 22),  # 0: no SSH
        ssh_key_path=folder / key_file if private_key else None,
        engine=spec.engine,
        tls_sans=spec.tls_sans,
        driver_fields=describe(spec.driver).stored.written(out) if is_driver(spec.driver) else None,
        pulumi={
            "Backend": backend,
            "Project": "docker-machine",
            "Stack": name,
            "EnginePort": engine_port(out.get("docker_host"), spec),
            # "": no SSH (the none driver's machines); the read side then asks the driver's stored fields.
            "SSHHost": out["ssh_host"] if isinstance(out.get("ssh_host"), str) else out.get("ip") or "",
            "State": "Stopped" if out.get("power") == "stopped" else "Running",
            "Spec": spec.public_dict(),
            "Outputs": {k: v for k, v in out.items() if k not in SECRET_OUTPUTS},
            **({"DeclaredIn": declared_in} if declared_in else {}),
            **({"Imported": True} if imported else {}),  # from the backend: see certs.signed_by_another_ca
        },
    )
    store.save(host, docker_context=docker_context)
    # The host keys provisioning saw: the machine's pin, unless it has one (a different key is a mismatch, never
    # written over it). Checked by check_machine; a create or import pins before any ssh of the user's.
    HostKeyPin.of(store, name).pin(out.get("ssh_host_keys") or [])
    return host


def mark_error(
    store: Store, name: str, spec: MachineSpec, backend: str, message: str, previous: Optional[HostConfig] = None
) -> None:
    """Keep a machine whose update failed listed, in state Error, with the reason."""
    host = previous or new_host_config(
        name=name,
        driver_name=spec.driver,
        store_root=store.root,
        ip="",
        ssh_user="root",
        ssh_port=22,
        ssh_key_path=None,
        engine=spec.engine,
        pulumi={"Backend": backend, "Project": "docker-machine", "Stack": name, "Spec": spec.public_dict()},
    )
    host.data.setdefault("Pulumi", {}).update({"State": "Error", "LastError": message})
    store.save(host, docker_context=False)

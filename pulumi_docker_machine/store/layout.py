"""The machine store: docker-machine's folder layout under ``~/.docker/machine``."""

from __future__ import annotations

import os
from pathlib import Path

from pulumi_docker_machine.components.files import (
    ensure_dir,
    ensure_private_dir,
    remove_tree,
    write_private,
    write_public,
)
from pulumi_docker_machine.components.names import default_store_root, valid_machine_name

from . import dockercontext
from .hostconfig import BrokenMachine, HostConfig, load

TYPE_CHECKING = False  # typing stays unimported at run time (start-up time)
if TYPE_CHECKING:
    from typing import Iterator, Optional


class MachineNotFound(LookupError):
    def __init__(self, name: str) -> None:
        super().__init__(
            f'Docker machine "{name}" does not exist. Use "docker-machine ls" to list machines. '
            'Use "docker-machine create" to add a new one.'
        )
        self.name = name


def _present(path: Path) -> bool:
    """There, even as a broken link or a non-file (load then says what is wrong with it)."""
    return path.exists() or path.is_symlink()


class Store:
    def __init__(self, root: Optional[Path] = None) -> None:
        self.root = Path(root or default_store_root()).expanduser()

    @property
    def certs_dir(self) -> Path:
        return self.root / "certs"

    @property
    def machines_dir(self) -> Path:
        return self.root / "machines"

    @property
    def cache_dir(self) -> Path:
        return self.root / "cache"

    def machine_dir(self, name: str) -> Path:
        return self.machines_dir / name

    def known_hosts_path(self, name: str) -> Path:
        """The machine's pinned SSH host key (pulumi_docker_machine/knownhosts.py)."""
        return self.machine_dir(name) / "known_hosts"

    def names(self) -> list[str]:
        if not self.machines_dir.is_dir():
            return []
        found = [d.name for d in self.machines_dir.iterdir() if _present(d / "config.json")]
        return sorted(found)  # docker-machine's order: by name, byte by byte (node10 before node9)

    def exists(self, name: str) -> bool:
        return (self.machine_dir(name) / "config.json").is_file()

    def load(self, name: str) -> HostConfig:
        path = self.machine_dir(name) / "config.json"
        if not valid_machine_name(name) or not _present(path):
            raise MachineNotFound(name)
        return load(path)

    def hosts(self) -> Iterator[HostConfig]:
        """The machines that load; see ``entries`` for the broken ones too."""
        for _, host in self.entries():
            if isinstance(host, HostConfig):
                yield host

    def entries(self) -> Iterator[tuple[str, HostConfig | BrokenMachine]]:
        """Every machine folder: its config, or why it can't be used (one bad folder spoils no other)."""
        for name in self.names():
            if not valid_machine_name(name):
                yield name, BrokenMachine(name, "its folder's name is not a machine name")
                continue
            try:
                yield name, self.load(name)
            except BrokenMachine as err:
                yield name, err

    def save(self, host: HostConfig, docker_context: bool = True) -> Path:
        """Write config.json (0600, atomically) and, unless asked not to, the Docker context."""
        folder = self._new_machine_dir(host.name)
        path = write_private(folder / "config.json", host.to_json())
        if docker_context:
            dockercontext.write(host.name, host.url, folder)
        return path

    def _new_machine_dir(self, name: str) -> Path:
        """machines/NAME, 0700; the store and machines/ made 0700 when missing, never chmodded when there
        (the storage folder may be the user's own)."""
        ensure_dir(self.root)
        ensure_dir(self.machines_dir)
        return ensure_private_dir(self.machine_dir(name))

    def write_machine_files(
        self,
        name: str,
        *,
        ca_pem: str,
        client_cert_pem: str,
        client_key_pem: str,
        server_cert_pem: Optional[str] = None,
        server_key_pem: Optional[str] = None,
        ssh_private_key: Optional[str] = None,
        ssh_public_key: Optional[str] = None,
        ssh_key_name: str = "id_rsa",
    ) -> Path:
        """The machine folder's certificates and SSH key, as docker-machine lays them out."""
        folder = self._new_machine_dir(name)
        write_private(folder / "ca.pem", ca_pem)
        write_private(folder / "cert.pem", client_cert_pem)
        write_private(folder / "key.pem", client_key_pem)
        if server_cert_pem:
            write_private(folder / "server.pem", server_cert_pem)
        if server_key_pem:
            write_private(folder / "server-key.pem", server_key_pem)
        if ssh_private_key:
            write_private(folder / ssh_key_name, ssh_private_key)
        if ssh_public_key:
            write_public(folder / f"{ssh_key_name}.pub", ssh_public_key.strip() + "\n")
        return folder

    def write_shared_certs(
        self, *, ca_pem: str, ca_key_pem: Optional[str], client_cert_pem: str, client_key_pem: str
    ) -> Path:
        """``certs/``: the CA and client certificate every machine shares, as docker-machine keeps them.

        All four files are written into a new folder that then takes certs/'s place, so a crash
        never leaves a CA key beside another CA's certificate. Call under the store's "certs" lock.
        """
        ensure_dir(self.root)
        new, old = self.root / ".certs.new", self.root / ".certs.old"
        remove_tree(new)
        ensure_private_dir(new)
        write_private(new / "ca.pem", ca_pem)
        if ca_key_pem:
            write_private(new / "ca-key.pem", ca_key_pem)
        write_private(new / "cert.pem", client_cert_pem)
        write_private(new / "key.pem", client_key_pem)
        remove_tree(old)
        if self.certs_dir.exists():
            os.rename(self.certs_dir, old)
        os.rename(new, self.certs_dir)
        remove_tree(old)
        return self.certs_dir

    def recover_shared_certs(self) -> None:
        """Finish (or undo) a certs/ swap that a crash interrupted. Call under the "certs" lock."""
        new, old = self.root / ".certs.new", self.root / ".certs.old"
        if self.certs_dir.exists():
            remove_tree(new)
            remove_tree(old)
        elif old.is_dir():
            os.rename(old, self.certs_dir)
            remove_tree(new)

    def remove(self, name: str) -> Optional[str]:
        """The machine's folder and its Docker context; a note when the folder was a symbolic link
        (the link goes, what it points to stays). OSError when the folder is still there."""
        folder = self.machine_dir(name)
        note = None
        if folder.is_symlink():
            note = f"{folder} was a symbolic link to {os.readlink(folder)}: removed the link, left what it points to"
            folder.unlink()
        else:
            remove_tree(folder)
        dockercontext.remove(name)
        if folder.exists() or folder.is_symlink():
            raise OSError(f"{folder} could not be removed: remove it by hand")
        return note

"""Writing files that may hold secrets: atomically, with owner-only modes."""

from __future__ import annotations

import os
from pathlib import Path

PRIVATE_DIR_MODE = 0o700
PRIVATE_FILE_MODE = 0o600
PUBLIC_FILE_MODE = 0o644


def ensure_private_dir(path: str | os.PathLike[str]) -> Path:
    """Create ``path`` (and parents) with mode 0700 and tighten it if it already exists."""
    folder = Path(path)
    folder.mkdir(mode=PRIVATE_DIR_MODE, parents=True, exist_ok=True)
    os.chmod(folder, PRIVATE_DIR_MODE)
    return folder


def ensure_dir(path: str | os.PathLike[str]) -> Path:
    """Create ``path`` 0700 when missing; an existing folder (the user's, perhaps) keeps its mode."""
    folder = Path(path)
    folder.mkdir(mode=PRIVATE_DIR_MODE, parents=True, exist_ok=True)
    return folder


def write_atomic(path: str | os.PathLike[str], data: str | bytes, mode: int) -> Path:
    """Write ``data`` to ``path`` through a temporary file and a rename.

    The temporary file is created with ``mode`` from the start, so a secret is
    never readable by others, not even for an instant, and a reader never sees
    a half-written file.
    """
    target = Path(path)
    folder = ensure_private_dir(target.parent) if mode == PRIVATE_FILE_MODE else target.parent
    folder.mkdir(parents=True, exist_ok=True)
    payload = data.encode() if isinstance(data, str) else data
    import tempfile  # here, not at the top: the read commands never write

    fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{target.name}.", suffix=".tmp")
    try:
        if hasattr(os, "fchmod"):  # not on Windows before Python 3.13 (its files have no such modes)
            os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as handle:
            handle.write(payload)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, target)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    return target


def write_private(path: str | os.PathLike[str], data: str | bytes) -> Path:
    """A secret (private key, token): mode 0600 in a 0700 folder."""
    return write_atomic(path, data, PRIVATE_FILE_MODE)


def write_public(path: str | os.PathLike[str], data: str | bytes) -> Path:
    """A file anyone may read (certificate, public key): mode 0644."""
    return write_atomic(path, data, PUBLIC_FILE_MODE)


def remove_tree(path: str | os.PathLike[str]) -> None:
    """``shutil.rmtree`` ignoring errors; shutil is imported here (it pulls in bz2 and lzma), so the read
    commands, which remove nothing, never load it."""
    import shutil

    shutil.rmtree(path, ignore_errors=True)


class PrivateTempFolder:
    """``with PrivateTempFolder() as folder``: a new 0700 temporary folder, removed afterwards whatever happens.
    A class, not a contextlib generator: this module is on the read commands' path and imports little."""

    def __init__(self, prefix: str = "docker-machine-") -> None:
        self.prefix = prefix
        self.path: Path | None = None

    def __enter__(self) -> Path:
        import tempfile

        self.path = Path(tempfile.mkdtemp(prefix=self.prefix))  # mkdtemp makes it 0700
        return self.path

    def __exit__(self, *exc: object) -> None:
        if self.path is not None:
            remove_tree(self.path)


def write_client_certs(folder: str | os.PathLike[str], ca_pem: str, cert_pem: str, key_pem: str) -> Path:
    """ca.pem and cert.pem (0644) and key.pem (0600) in ``folder``, as DOCKER_CERT_PATH wants them."""
    folder = Path(folder)
    write_public(folder / "ca.pem", ca_pem)
    write_public(folder / "cert.pem", cert_pem)
    write_private(folder / "key.pem", key_pem)
    return folder

"""``docker-machine scp`` through paramiko's SFTP (--native-ssh, or no scp program): files and, with -r, folders,
between this computer and machines or between two machines (through here, as ``scp -3``), with scp's rules: a
target that is a folder gets the source's name inside it; a folder needs -r; new files take the source's
permission bits. There is no progress meter (as -q). ``-d`` needs rsync over OpenSSH: one line."""

from __future__ import annotations

import os
import posixpath
import shutil
import stat

from pulumi_docker_machine.nativessh import NativeSSHError

BUFFER = 262144


class Local:
    """This computer's files, with the calls SFTP has."""

    join = staticmethod(os.path.join)
    basename = staticmethod(os.path.basename)

    def stat(self, path: str):
        return os.stat(path)

    def listdir(self, path: str) -> list[str]:
        return sorted(os.listdir(path))

    def mkdir(self, path: str, mode: int) -> None:
        os.mkdir(path, mode)

    def open(self, path: str, mode: str):
        return open(path, mode)

    def chmod(self, path: str, mode: int) -> None:
        os.chmod(path, mode)


class Remote:
    """A machine's files over SFTP; a relative path starts in the user's home folder, as scp's."""

    join = staticmethod(posixpath.join)
    basename = staticmethod(posixpath.basename)

    def __init__(self, sftp, label: str) -> None:
        self.sftp, self.label = sftp, label

    def stat(self, path: str):
        return self.sftp.stat(path)

    def listdir(self, path: str) -> list[str]:
        return sorted(self.sftp.listdir(path))

    def mkdir(self, path: str, mode: int) -> None:
        self.sftp.mkdir(path, mode)

    def open(self, path: str, mode: str):
        return self.sftp.open(path, mode, bufsize=BUFFER)

    def chmod(self, path: str, mode: int) -> None:
        self.sftp.chmod(path, mode)


def _stat(fs, path: str):
    try:
        return fs.stat(path)
    except FileNotFoundError:
        return None


def _is_dir(attributes) -> bool:
    return attributes is not None and stat.S_ISDIR(attributes.st_mode or 0)


def copy(source_fs, source: str, target_fs, target: str, recursive: bool, into: bool = True) -> None:
    """One source onto ``target`` (``into`` it when it is a folder), as scp copies it."""
    attributes = _stat(source_fs, source)
    if attributes is None:
        raise NativeSSHError(f"scp: {source}: No such file or directory", 1)
    if into and _is_dir(_stat(target_fs, target)):
        target = target_fs.join(target, source_fs.basename(source.rstrip("/")) or ".")
    mode = stat.S_IMODE(attributes.st_mode or 0o644)
    if not stat.S_ISDIR(attributes.st_mode or 0):
        copy_file(source_fs, source, target_fs, target, mode)
        return
    if not recursive:
        raise NativeSSHError(f"scp: {source}: not a regular file", 1)
    if not _is_dir(_stat(target_fs, target)):
        target_fs.mkdir(target, mode | 0o700)
    for name in source_fs.listdir(source):
        copy(source_fs, source_fs.join(source, name), target_fs, target_fs.join(target, name), recursive, False)


def copy_file(source_fs, source: str, target_fs, target: str, mode: int) -> None:
    with source_fs.open(source, "rb") as reader, target_fs.open(target, "wb") as writer:
        shutil.copyfileobj(reader, writer, BUFFER)
    target_fs.chmod(target, mode)


def transfer(ends: list[tuple[Local | Remote, str]], recursive: bool) -> None:
    """``ends``: (Local() or Remote(...), path) for the source and the target. File errors are scp's one line."""
    (source_fs, source), (target_fs, target) = ends
    try:
        copy(source_fs, source, target_fs, target, recursive)
    except OSError as err:
        where = getattr(err, "filename", None) or target
        raise NativeSSHError(f"scp: {where}: {err.strerror or err}", 1) from None

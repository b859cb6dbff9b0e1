"""A machine's SSH host key, pinned on first contact: ``STORE/machines/NAME/known_hosts``.

The first ssh, scp or mount of a machine records the key its sshd shows (``StrictHostKeyChecking=accept-new``)
under the machine's name (``HostKeyAlias``, so an address that changes keeps the pin); every later one
requires that key (``StrictHostKeyChecking=yes``). The file is public data, kept 0600 like the rest of the
machine's folder. When a pinned connection fails, ``mismatch`` asks ssh whether the host key was the reason,
so the user gets one line naming the machine and the way out instead of ssh's silent exit 255.

A create pins the keys its provisioning reported (the machine's ``ssh_host_keys`` output) before any ssh of
the user's, and ``import`` carries them the same way; an existing pin is never replaced (``pin``). The pin's
preferred key is what later provisioning requires (``preferred_key``: pulumi-command's connection.hostKey).
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from pulumi_docker_machine.components.files import ensure_private_dir, write_private
from pulumi_docker_machine.components.ssh.hostkeys import ordered, preferred

KNOWN_HOSTS_FILE = "known_hosts"
HOST_KEY_FAILED = ("Host key verification failed", "REMOTE HOST IDENTIFICATION HAS CHANGED")


class UnusablePath(ValueError):
    """A store path ssh's option syntax can't carry."""


def _quoted(path: Path) -> str:
    """ssh splits an option's value at spaces unless it is in double quotes, which can't hold ``"``."""
    text = str(path)
    if any(c in text for c in '"\n\r\0'):
        raise UnusablePath(
            f"Error: the store path {text!r} holds a double quote or a line break, which ssh's "
            "options can't carry: move the store (-s/MACHINE_STORAGE_PATH) to a plainer path"
        )
    return f'"{text}"'


class HostKeyPin:
    """The pinned host key of machine ``name``, kept in ``path``."""

    def __init__(self, name: str, path: Path) -> None:
        self.name = name
        self.path = Path(path)

    @classmethod
    def in_folder(cls, name: str, folder: Path) -> "HostKeyPin":
        return cls(name, Path(folder) / KNOWN_HOSTS_FILE)

    @classmethod
    def of(cls, store, name: str) -> "HostKeyPin":
        """Machine ``name``'s pin in ``store`` (the folder the store names, not config.json's StorePath)."""
        return cls(name, store.known_hosts_path(name))

    @property
    def pinned(self) -> bool:
        """A key is on record (a line that is neither blank nor a comment)."""
        try:
            lines = self.path.read_text(errors="replace").splitlines()
        except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
            return False
        return any(line.strip() and not line.lstrip().startswith("#") for line in lines)

    def keys(self) -> list[str]:
        """The pinned keys, ``TYPE BASE64`` each: lines under the machine's name whose key checks out (the file
        is untrusted: an edited or foreign line is not a key here)."""
        try:
            lines = self.path.read_text(errors="replace").splitlines()
        except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
            return []
        return ordered(
            [
                " ".join(fields[1:3])
                for fields in (line.split() for line in lines)
                if len(fields) >= 3 and fields[0] == self.name
            ]
        )

    def preferred_key(self) -> str:
        """The pinned key provisioning requires (ed25519 first); empty when none is pinned."""
        return preferred(self.keys()) or ""

    def pin(self, keys: list[str]) -> bool:
        """Record ``keys`` (a machine's ``ssh_host_keys``, checked again here) unless a key is pinned already:
        a different key is never written over a pin (that is the mismatch ``mismatch_message`` names).
        True when written."""
        valid = ordered(list(keys))
        if not valid or self.pinned:
            return False
        write_private(self.path, "".join(f"{self.name} {key}\n" for key in valid))
        return True

    def prepare(self) -> None:
        """An empty 0600 file for ssh to append the first key to (ssh would create it with the umask's mode)."""
        if self.path.exists() or self.path.is_symlink():
            return
        ensure_private_dir(self.path.parent)
        fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
        os.close(fd)

    def options(self) -> list[tuple[str, str]]:
        """ssh's ``-o`` settings, as (keyword, value) pairs: verify the pinned key, or pin the first one seen."""
        return [
            ("HostKeyAlias", self.name),
            ("UserKnownHostsFile", _quoted(self.path)),
            ("GlobalKnownHostsFile", "/dev/null"),
            ("StrictHostKeyChecking", "yes" if self.pinned else "accept-new"),
            ("UpdateHostKeys", "no"),
            ("CheckHostIP", "no"),
        ]

    def ssh_options(self) -> list[str]:
        """``-o KEY=VALUE`` words for ssh, scp and rsync's ``-e``."""
        return [word for key, value in self.options() for word in ("-o", f"{key}={value}")]

    def mismatch(self, address: str, port: int, user: str) -> bool:
        """Did the pinned key refuse the host? Asked of ssh itself with the same settings and no authentication
        at all (host keys are checked before it), so its answer is the one the failed command got."""
        if not self.pinned:
            return False
        probe = [
            "ssh",
            "-F",
            "/dev/null",
            "-o",
            "BatchMode=yes",
            "-o",
            "LogLevel=error",
            "-o",
            "ConnectTimeout=10",
            "-o",
            "ControlMaster=no",
            "-o",
            "ControlPath=none",
            "-o",
            "PreferredAuthentications=none",
            "-o",
            "PubkeyAuthentication=no",
            "-o",
            "PasswordAuthentication=no",
            "-o",
            "KbdInteractiveAuthentication=no",
            "-o",
            "GSSAPIAuthentication=no",
            "-o",
            "HostbasedAuthentication=no",
            *self.ssh_options(),
            "-p",
            str(port),
            "-l",
            user,
            "--",
            address,
            "true",
        ]
        try:
            result = subprocess.run(
                probe,
                capture_output=True,
                text=True,
                errors="replace",
                timeout=30,
                stdin=subprocess.DEVNULL,
                env={**os.environ, "LC_ALL": "C"},
            )
        except (OSError, subprocess.TimeoutExpired):
            return False
        return any(marker in result.stderr for marker in HOST_KEY_FAILED)

    def mismatch_message(self) -> str:
        return (
            f'Error: the SSH host key of machine "{self.name}" is not the one pinned in {self.path}: the machine '
            "was rebuilt, or someone is intercepting the connection; if you know it was rebuilt, delete that file "
            "and connect again to pin the new key"
        )


def call(args: list[str], pins: list[tuple[HostKeyPin, str, int, str]]) -> tuple[int, str | None]:
    """Run scp, rsync or sshfs (``args``); on failure, the mismatch line of the first pin that refused its host
    instead of the tool's own words (e.g. scp's "Connection closed"), which are passed on otherwise.
    ``pins``: (pin, address, port, user). stderr goes through a file, not a pipe: sshfs's daemon may keep it."""
    import sys
    import tempfile

    with tempfile.TemporaryFile() as errors:
        code = subprocess.call(args, stderr=errors)
        if code != 0:
            for pin, address, port, user in pins:
                if pin.mismatch(address, port, user):
                    return code, pin.mismatch_message()
        errors.seek(0)
        sys.stderr.flush()
        sys.stderr.buffer.write(errors.read())
        sys.stderr.flush()
    return code, None

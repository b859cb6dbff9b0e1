"""A private key file of the user's, named by a driver flag (amazonec2's --amazonec2-ssh-keypath, openstack's
--openstack-private-key-file, digitalocean's --digitalocean-ssh-key-path): read once per version of the file."""

from __future__ import annotations

import functools
import os

from .info import DriverArgumentError

MAX_KEY_BYTES = 64 * 1024  # an RSA 16384 key is about 13 KiB


def read_private_key(path: str, flag: str) -> tuple[str, str]:
    """(the private key's text, its public ``authorized_keys`` line) of the unencrypted key at ``path``."""
    full = os.path.expanduser(path)
    if not os.path.isfile(full):
        raise DriverArgumentError(f"{flag} {full} does not exist: give the path of your private key")
    found = os.stat(full)
    try:
        return _read(full, (found.st_dev, found.st_ino, found.st_size, found.st_mtime_ns))
    except ValueError:
        raise DriverArgumentError(
            f"{flag} {full} is not an unencrypted private key (the .pub file, or one with a passphrase?): "
            "give the private key file"
        ) from None


@functools.lru_cache(maxsize=16)
def _read(path: str, version: tuple[int, int, int, int]) -> tuple[str, str]:
    return key_pair_text(path)


def key_pair_text(path: str) -> tuple[str, str]:
    """(text, public ``authorized_keys`` line) of the unencrypted private key file at ``path``; ValueError if it is
    none (too large, not text, encrypted or not a key)."""
    from ..ssh import public_key_from_private

    with open(path, "rb") as handle:
        data = handle.read(MAX_KEY_BYTES + 1)
    try:
        if len(data) > MAX_KEY_BYTES:
            raise ValueError("too large")
        text = data.decode()
        return text, public_key_from_private(text)
    except (TypeError, UnicodeDecodeError) as err:
        raise ValueError(str(err)) from None

"""A qemu machine's shared folders: folders of this computer mounted in the VM at the same path (or the one
given), so ``docker run -v "$PWD":/app`` finds ``$PWD`` in the VM.

virtio-9p (``-virtfs``): no daemon, no root, QEMU serves the folder itself (bench/share_io.py measured it
beside virtiofs; Lima does the same on Linux hosts). ``security_model=none``: files keep this computer's
owners and modes, a file the VM writes belongs to the user running QEMU (QEMU run as root keeps the
writer's uid), the guest's chown is ignored; no xattrs are written, symlinks stay symlinks. QEMU's 9p
server opens every path component with O_NOFOLLOW below the folder, so the VM cannot reach outside
it, through ``..`` or a symlink. Read-only shares: ``readonly=on`` in QEMU and ``ro`` in the guest.

The guest mounts them from fstab lines its cloud-init's ``mounts`` module writes at the first boot, so they
are there at every later boot. The folders are fixed at create: the provider refuses a change (the guest's
fstab is not rewritten).

A share is ``{"host", "guest", "readonly", "tag"}`` in state: state is untrusted, so ``problems`` checks its
shape; the mount tag is ours (``dmshare<N>``, by position), never derived from a path.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Optional

TAG_PREFIX = "dmshare"
MAX_SHARES = 16
SECURITY_MODEL = "none"
# Bytes per 9p message, Lima's: bench/share_io.py read 1,000 small files 1.6x faster than with the kernel's virtio
# maximum (512000), which read one large file 2.3x faster; small files are what bind-mounted source trees hold.
MSIZE = 131072
KEYS = ("host", "guest", "readonly", "tag")
# Guest folders a share must not cover: the system's own, and what Docker and cloud-init keep there.
SYSTEM: tuple[str, ...] = ("/bin", "/boot", "/dev", "/etc", "/lib", "/lib32", "/lib64", "/libx32", "/proc", "/run")
SYSTEM += ("/sbin", "/sys", "/usr", "/var/lib/docker", "/var/lib/containerd", "/var/lib/cloud", "/var/run", "/snap")
NOT_EXACTLY = ("/", "/var", "/var/lib", "/tmp", "/home")


class ShareError(ValueError):
    """A share that cannot work; the message names it and the fix."""


def parse(spec: str) -> tuple[str, str, bool]:
    """``HOST[:GUEST][:ro|:rw]`` (docker run -v's order) -> (host, guest, read-only). GUEST is the part after the
    last ``:`` only when it starts with ``/``; without it the guest path is the host's."""
    rest, readonly = spec, False
    head, sep, mode = spec.rpartition(":")
    if sep and mode in ("ro", "rw"):
        rest, readonly = head, mode == "ro"
    host, sep, guest = rest.rpartition(":")
    if not sep or not guest.startswith("/"):
        host, guest = rest, rest
    if not os.path.isabs(host):
        raise ShareError(f"share {spec!r}: the folder must be an absolute path (HOST[:GUEST][:ro])")
    return os.path.normpath(host), guest, readonly


def guest_problem(guest: str, ssh_user: Optional[str]) -> Optional[str]:
    """Why the VM cannot mount a share at ``guest``; None when it can."""
    if not guest.startswith("/") or "//" in guest or any(part in (".", "..") for part in guest.split("/")):
        return f"guest path {guest!r} must be an absolute, normalized path"
    if any(c.isspace() or c == "\\" or not c.isprintable() for c in guest):
        return f"guest path {guest!r} has a space, backslash or control character (fstab cannot hold it)"
    guest = guest.rstrip("/") or "/"
    home = f"/home/{ssh_user or 'docker'}"
    if guest != "/" and (guest == home or home.startswith(guest + "/") or guest.startswith(home + "/")):
        return f"guest path {guest} overlaps {home}, the VM's SSH user's home: give another, e.g. HOST:/mnt/NAME"
    if guest in NOT_EXACTLY or any(guest == s or guest.startswith(s + "/") for s in SYSTEM):
        return f"guest path {guest} would hide the VM's own files: give another, e.g. HOST:/mnt/NAME"
    return None


def missing(shares: list[dict[str, Any]]) -> Optional[str]:
    """The first shared folder that is not a folder on this computer, in one line; None when all are."""
    for share in shares:
        if not Path(share["host"]).is_dir():
            return f"shared folder {share['host']} is not a folder on this computer: make it, or share another"
    return None


def resolve(specs: Optional[list[str]], no_share: bool, ssh_user: Optional[str]) -> list[dict[str, Any]]:
    """The machine's shares from its flags: ``specs`` None shares the user's home folder, ``no_share`` none. The
    folders are checked to exist at create and at each start (``missing``), not here: a stop needs none."""
    if no_share and specs:
        raise ShareError("give --qemu-share or --qemu-no-share, not both")
    if no_share:
        return []
    if specs is None:
        home = str(Path.home())
        if not Path(home).is_dir():
            return []  # as the pre-create check: no home folder, nothing shared
        problem = guest_problem(home, ssh_user)
        if problem:
            raise ShareError(f"sharing your home folder: {problem}, or --qemu-no-share")
        specs = [home]
    if len(specs) > MAX_SHARES:
        raise ShareError(f"at most {MAX_SHARES} shares, not {len(specs)}")
    shares: list[dict[str, Any]] = []
    for index, spec in enumerate(specs):
        host, guest, readonly = parse(spec)
        problem = guest_problem(guest, ssh_user)
        if problem:
            raise ShareError(f"share {spec!r}: {problem}")
        if any(share["guest"] == guest.rstrip("/") for share in shares):
            raise ShareError(f"share {spec!r}: two shares at {guest.rstrip('/')} in the VM")
        shares.append({"host": host, "guest": guest.rstrip("/"), "readonly": readonly, "tag": f"{TAG_PREFIX}{index}"})
    return shares


def problems(shares: Any, ssh_user: Optional[str]) -> list[str]:
    """What is wrong with ``shares`` as state holds them (untrusted): shape, tags, paths."""
    if not isinstance(shares, list) or len(shares) > MAX_SHARES:
        return [f"shares must be a list of at most {MAX_SHARES} shared folders"]
    found = []
    for index, share in enumerate(shares):
        if not isinstance(share, dict) or sorted(share) != sorted(KEYS):
            found.append(f"share {index} must have exactly the keys {', '.join(KEYS)}")
            continue
        host, guest = share["host"], share["guest"]
        if not isinstance(host, str) or not os.path.isabs(host) or "\0" in host or os.path.normpath(host) != host:
            found.append(f"share {index}: host folder {host!r} must be an absolute, normalized path")
        problem = guest_problem(guest, ssh_user) if isinstance(guest, str) else "its guest path is not text"
        if problem:
            found.append(f"share {index}: {problem}")
        if not isinstance(share["readonly"], bool):
            found.append(f"share {index}: readonly must be true or false")
        if share["tag"] != f"{TAG_PREFIX}{index}":
            found.append(f"share {index}: its mount tag must be {TAG_PREFIX}{index}")
    return found


def virtfs_args(shares: list[dict[str, Any]]) -> list[str]:
    """One ``-virtfs`` per share: QEMU's 9p server for the folder (commas in its path doubled)."""
    from .launch import option_value

    args = []
    for share in shares:
        options = (
            f"local,path={option_value(share['host'])},mount_tag={share['tag']},"
            f"security_model={SECURITY_MODEL},multidevs=remap"
        )
        args += ["-virtfs", options + (",readonly=on" if share["readonly"] else "")]
    return args


def mount_entries(shares: list[dict[str, Any]]) -> list[list[str]]:
    """cloud-init ``mounts`` entries (fstab fields): nofail (a guest without 9p still boots), mounted before
    Docker starts (a container restarted at boot binds the share, not the empty folder under it)."""
    entries = []
    for share in shares:
        options = f"trans=virtio,version=9p2000.L,msize={MSIZE},cache=mmap,nofail,x-systemd.before=docker.service"
        entries.append([share["tag"], share["guest"], "9p", options + (",ro" if share["readonly"] else ""), "0", "0"])
    return entries


def checked_inputs(olds: dict[str, Any], news: dict[str, Any]) -> tuple[dict[str, Any], Optional[str]]:
    """The provider's check: ``news`` as it takes them, and why a change of the shares is refused (None: it is
    not). A machine made before shares existed keeps none (its inputs gain no ``shares``)."""
    if olds and "shares" not in olds:
        return {key: value for key, value in news.items() if key != "shares"}, None
    if olds and news.get("shares") != olds.get("shares"):
        return news, (
            f"machine {news.get('name')}'s shared folders cannot change (its VM mounts the ones it was made with at "
            "every boot): keep them, or rm the machine and create it again with the new --qemu-share"
        )
    return news, None

"""A machine's own public key in a host's ``authorized_keys``: put there over SSH with the user's key, taken
out again with the machine's key.

The generic driver's host already exists and lets the user in with the user's own key. That key is used
once, straight from the user's disk (``ssh -i PATH``: this module never reads it), to authorize the
machine's own key; everything after that (provisioning, ``docker-machine ssh``, a teammate's import) uses
the machine's key, so the user's key never reaches a stack's state, config or outputs.
"""

from __future__ import annotations

import os
import re
import subprocess
from typing import Optional

from ..files import PrivateTempFolder, write_private
from ..names import USER_NAME, is_address, is_port

# An authorized_keys line as this project makes it: type, base64 blob, an optional plain comment.
PUBLIC_KEY = re.compile(
    r"(ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp(256|384|521)) [A-Za-z0-9+/]{40,2000}={0,2}( [A-Za-z0-9@._-]{1,100})?"
)
SSH_TIMEOUT = 120  # seconds for the whole ssh run
SSH_FAILED = 255  # ssh's own exit code: it could not connect or log in

SSH_OPTIONS = (
    "-F",
    "/dev/null",  # no user config: no ProxyCommand, no other identities
    "-o",
    "BatchMode=yes",  # never a prompt (a passphrase, a password)
    "-o",
    "IdentitiesOnly=yes",
    "-o",
    "PasswordAuthentication=no",
    "-o",
    "ConnectionAttempts=3",
    "-o",
    "ConnectTimeout=15",
    "-o",
    "ControlMaster=no",
    "-o",
    "ControlPath=none",
    "-o",
    "LogLevel=error",
    # As everywhere else here (docker-machine did the same): no host key is pinned yet.
    "-o",
    "StrictHostKeyChecking=no",
    "-o",
    "UserKnownHostsFile=/dev/null",
)

# Run by the login user's shell as ``sh -c '...'`` (no single quote inside); the key comes on stdin, never as
# a shell word. Idempotent: a key already there is not added twice; a file without a final newline gets one.
INSTALL_SCRIPT = (
    "umask 077; read -r key || exit 1; "
    'mkdir -p "$HOME/.ssh" && f="$HOME/.ssh/authorized_keys" && touch "$f" || exit 1; '
    'grep -qxF "$key" "$f" && exit 0; '
    'if [ -s "$f" ] && [ -n "$(tail -c 1 "$f")" ]; then echo >> "$f"; fi; '
    'printf "%s\\n" "$key" >> "$f"'
)
# Rewrites the file in place (its owner, mode and inode stay): every line but the key's.
REMOVE_SCRIPT = (
    "umask 077; read -r key || exit 1; "
    'f="$HOME/.ssh/authorized_keys"; [ -f "$f" ] || exit 0; '
    'grep -qxF "$key" "$f" || exit 0; '
    't="$f.docker-machine.$$"; grep -vxF "$key" "$f" > "$t"; [ $? -le 1 ] || { rm -f "$t"; exit 1; }; '
    'cat "$t" > "$f"; s=$?; rm -f "$t"; exit $s'
)


class AuthorizedKeyError(RuntimeError):
    """The key could not be put in or taken out; the message names the host, the key used and ssh's reason."""


def check_target(host: object, port: object, user: object) -> None:
    """The host, port and user come from a stack's state: each must be what it claims before it reaches ssh."""
    if not is_address(host):
        raise AuthorizedKeyError(f"{str(host)[:80]!r} is not an IP address or host name")
    if not is_port(port):
        raise AuthorizedKeyError(f"{str(port)[:20]!r} is not a TCP port")
    if not isinstance(user, str) or not USER_NAME.fullmatch(user):
        raise AuthorizedKeyError(f"{str(user)[:40]!r} is not a user name")


def check_public_key(public_key: object) -> str:
    if not isinstance(public_key, str) or not PUBLIC_KEY.fullmatch(public_key.strip()):
        raise AuthorizedKeyError("the machine's public key is not an OpenSSH public key line")
    return public_key.strip()


def _ssh(host: str, port: int, user: str, identity: str, script: str, stdin: str) -> subprocess.CompletedProcess:
    argv = ["ssh", *SSH_OPTIONS, "-i", identity, "-p", str(int(port)), "-l", user, "--", host, f"sh -c '{script}'"]
    try:
        return subprocess.run(argv, input=stdin, capture_output=True, text=True, timeout=SSH_TIMEOUT)
    except FileNotFoundError:
        raise AuthorizedKeyError(
            "the ssh client is not installed (Debian/Ubuntu: apt-get install openssh-client)"
        ) from None
    except subprocess.TimeoutExpired:
        raise AuthorizedKeyError(f"ssh to {user}@{host}:{port} did not finish within {SSH_TIMEOUT} s") from None


def _reason(result: subprocess.CompletedProcess) -> str:
    lines = (result.stderr or "").strip().splitlines() or (result.stdout or "").strip().splitlines()
    return lines[-1][:300] if lines else f"ssh exit {result.returncode}"


def install_public_key(host: str, port: int, user: str, identity_path: Optional[str], public_key: str) -> None:
    """Append ``public_key`` to ``user``'s ``~/.ssh/authorized_keys`` on the host, logging in with the private
    key at ``identity_path`` (``~`` expanded; the file is handed to ssh, never read here)."""
    check_target(host, port, user)
    line = check_public_key(public_key)
    if not identity_path:
        raise AuthorizedKeyError(
            f"no SSH key of yours to install the machine's own key on {user}@{host} with: create the machine "
            "with --generic-ssh-key (the generic driver's ssh_key), from the store that made it"
        )
    path = os.path.expanduser(identity_path)
    if not os.path.isfile(path):
        raise AuthorizedKeyError(f"SSH key {path} does not exist: give --generic-ssh-key the path of your private key")
    result = _ssh(host, int(port), user, path, INSTALL_SCRIPT, line + "\n")
    if result.returncode != 0:
        raise AuthorizedKeyError(
            f"could not install the machine's SSH key on {user}@{host}:{port} with your key {path}: {_reason(result)}"
        )


def remove_public_key(host: str, port: int, user: str, private_key: str, public_key: str) -> None:
    """Take ``public_key``'s line out of the host's ``authorized_keys``, logging in with the machine's key."""
    check_target(host, port, user)
    line = check_public_key(public_key)
    with PrivateTempFolder(prefix="docker-machine-key-") as folder:
        identity = write_private(folder / "id", private_key if private_key.endswith("\n") else private_key + "\n")
        result = _ssh(host, int(port), user, str(identity), REMOVE_SCRIPT, line + "\n")
    if result.returncode == SSH_FAILED and "Permission denied" in (result.stderr or ""):
        return  # the key no longer lets anyone in: nothing left to take out
    if result.returncode != 0:
        raise AuthorizedKeyError(
            f"could not remove the machine's SSH key from {user}@{host}:{port}: {_reason(result)} (the machine can "
            "be forgotten with 'docker-machine rm -f')"
        )

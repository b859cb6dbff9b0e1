"""libvirt through ``virsh``, run as a program: it needs no Python binding (libvirt-python from PyPI compiles
against libvirt's headers; Debian's python3-libvirt serves only the system Python, not a venv), works with any
Python the CLI runs on, and speaks every URI libvirt does (qemu+ssh:// included). Every value that reaches its
argv is checked here first (state is untrusted): names and URIs by pattern, never starting with '-', and
given as the value of a named option (``--domain NAME``), so none can become an option. XML goes through a
file, never the command line."""

from __future__ import annotations

import os
import re
import subprocess
import tempfile
from typing import Optional

VIRSH = "virsh"
TIMEOUT = 300
# libvirt's names: domains, networks, pools, volumes. Ours never hold '/' or start with '-' or '.'.
NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.+-]{0,199}")
# driver[+transport]://[user@][host[:port]]/path[?query]: what libvirt's URIs look like, nothing a shell or virsh
# could take for something else.
URI = re.compile(
    r"(?P<driver>qemu|xen|kvm|libxl)(\+(?P<transport>ssh|libssh|libssh2|tcp|tls|unix))?"
    r"://(?P<host>([A-Za-z0-9._-]+@)?[A-Za-z0-9.:\[\]-]*)/(?P<path>system|session|embed)?"
    r"(\?[A-Za-z0-9_.=&/%,-]*)?"
)
XEN_DRIVERS = ("xen", "libxl")


class LibvirtError(Exception):
    """virsh failed, or a value is not one it may be given; the message names which."""


def check_name(kind: str, value: object) -> str:
    if not isinstance(value, str) or not NAME.fullmatch(value):
        raise LibvirtError(f"{kind} {value!r} is not a libvirt name: use letters, digits, '.', '_', '+', '-'")
    return value


def check_uri(value: object) -> str:
    if not isinstance(value, str) or not URI.fullmatch(value):
        raise LibvirtError(
            f"libvirt URI {value!r} is not one this driver takes: use qemu:///system, qemu+ssh://[user@]host/system "
            "or xen:///system"
        )
    return value


def is_xen(uri: str) -> bool:
    match = URI.fullmatch(uri)
    return bool(match) and match.group("driver") in XEN_DRIVERS  # type: ignore[union-attr]


def is_local(uri: str) -> bool:
    """The libvirt host is this computer (its files are ours to read, and the other way round)."""
    match = URI.fullmatch(uri)
    return bool(match) and match.group("host") == "" and match.group("transport") in (None, "unix")  # type: ignore[union-attr]


class Virsh:
    """One connection URI; each call one ``virsh`` process."""

    def __init__(self, uri: str) -> None:
        self.uri = check_uri(uri)

    def argv(self, *args: str) -> list[str]:
        return [VIRSH, "--quiet", "--connect", self.uri, *args]

    def run(self, *args: str, check: bool = True, timeout: float = TIMEOUT, stdin: Optional[str] = None) -> str:
        try:
            done = subprocess.run(
                self.argv(*args), capture_output=True, text=True, timeout=timeout, input=stdin, env=_env()
            )
        except FileNotFoundError:
            raise LibvirtError(
                "virsh not found: install libvirt's client (Debian: apt install libvirt-clients)"
            ) from None
        except subprocess.TimeoutExpired:
            raise LibvirtError(f"virsh {args[0]} gave no answer within {timeout:.0f} s ({self.uri})") from None
        if check and done.returncode != 0:
            raise LibvirtError(f"virsh {args[0]} failed ({self.uri}): {_message(done.stderr or done.stdout)}")
        return done.stdout if done.returncode == 0 else ""

    def ok(self, *args: str) -> bool:
        done = subprocess.run(self.argv(*args), capture_output=True, text=True, timeout=TIMEOUT, env=_env())
        return done.returncode == 0

    def with_xml(self, command: str, xml: str, *args: str) -> str:
        """``virsh COMMAND [ARGS] FILE`` with the XML in a private temporary file."""
        fd, path = tempfile.mkstemp(prefix="pdm-libvirt-", suffix=".xml")
        try:
            with os.fdopen(fd, "w") as out:
                out.write(xml)
            return self.run(command, *args, "--file", path)
        finally:
            os.unlink(path)


def _env() -> dict[str, str]:
    # English messages ("Domain not found") and no pager; LIBVIRT_DEFAULT_URI is ignored (--connect is given).
    return {**os.environ, "LC_ALL": "C", "LANG": "C"}


def _message(text: str) -> str:
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    return " ".join(lines)[-500:] or "no message"

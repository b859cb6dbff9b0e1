"""``docker-machine mount``: a machine's folder on a local mountpoint, through sshfs."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import click

from ..application import Application
from ..sshargs import host_part, identity_options


@click.command("mount", short_help="Mount or unmount a directory from a machine with SSHFS.")
@click.argument("source")
@click.argument("mountpoint", required=False)
@click.option("-u", "--unmount", is_flag=True, help="Unmount instead of mount")
@click.pass_obj
def command(app: Application, source, mountpoint, unmount) -> None:
    """Mount or unmount a directory from a machine: [machine:][path] [mountpoint]."""
    name, sep, path = source.partition(":")
    if not sep:
        name, path = "default", source
    host = app.host(name)
    mountpoint = mountpoint or os.path.basename(path.rstrip("/")) or host.name
    if unmount:
        if shutil.which("fusermount") is None:
            app.abort("Error: fusermount is not installed: install fuse to unmount")
        sys.exit(subprocess.call(["fusermount", "-u", mountpoint]))
    if shutil.which("sshfs") is None:
        app.abort("Error: You must have a copy of the sshfs binary locally to use the mount feature")
    options = ["-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "PasswordAuthentication=no",
               *identity_options(host)]
    if host.ssh_key_path:
        options += ["-o", "IdentitiesOnly=yes"]
    sys.exit(subprocess.call(["sshfs", *options, "--", f"{host.ssh_user}@{host_part(host)}:{path or '.'}", mountpoint]))

"""``docker-machine mount``: a machine's folder on a local mountpoint, through sshfs."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import click

from ..application import Application
from pulumi_docker_machine.knownhosts import HostKeyPin, UnusablePath, call
from pulumi_docker_machine.sshargs import host_part, identity_options


def fuse_option(option: str) -> str:
    """sshfs reads ``-o`` through libfuse, which splits at commas: a backslash keeps one (and itself) literal."""
    return option.replace("\\", "\\\\").replace(",", "\\,")


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
    if shutil.which("ssh") is None:  # sshfs runs it (also with --native-ssh, as docker-machine's mount did)
        app.abort("Error: mount runs sshfs, which runs OpenSSH's ssh: install it (the openssh-client package)")
    pin = HostKeyPin.of(app.store, host.name)
    try:
        pin.prepare()
        settings = [*pin.ssh_options(), "-o", "PasswordAuthentication=no", *identity_options(host)]
    except UnusablePath as err:
        app.abort(str(err))
    if host.ssh_key_path:
        settings += ["-o", "IdentitiesOnly=yes"]
    options = [fuse_option(word) for word in settings]
    # -F /dev/null: no ssh_config but these settings (as ssh and scp), so the pin is written as they write it.
    remote = f"{host.ssh_user}@{host_part(host)}:{path or '.'}"
    code, mismatch = call(
        ["sshfs", "-F", "/dev/null", *options, "--", remote, mountpoint],
        [(pin, host.ssh_host, host.ssh_port, host.ssh_user)],
    )
    if mismatch:
        app.abort(mismatch)
    sys.exit(code)

"""``docker-machine ssh``: the system ssh client into a machine."""

from __future__ import annotations

import shutil
import subprocess
import sys

import click

from ..application import Application
from pulumi_docker_machine.knownhosts import HostKeyPin, UnusablePath
from pulumi_docker_machine.sshargs import ssh_command

SSH_FAILED = 255  # ssh's own exit code (a remote command may exit 255 too: the pin's probe tells them apart)


@click.command(
    "ssh",
    short_help="Log into or run a command on a machine with SSH.",
    context_settings={"ignore_unknown_options": True, "allow_interspersed_args": False},
)
@click.argument("name", required=False)
@click.argument("command", nargs=-1, type=click.UNPROCESSED)
@click.pass_obj
def command(app: Application, name, command) -> None:
    """Log into or run a command on a machine with SSH."""
    host = app.one_host([name] if name else [])
    if host.stopped_by_us:
        app.abort(f'Error: Cannot run SSH command: Host "{host.name}" is not running')
    if not host.ssh_host:  # the none driver's machines: only their Docker engine is reached
        app.abort(f'Error: Cannot run SSH command: Host "{host.name}" has no SSH address ({host.driver_name} driver)')
    if shutil.which("ssh") is None:
        app.abort("Error: no ssh client found: install OpenSSH (the openssh-client package)")
    words = list(command)
    if words and words[0] == "--":
        words = words[1:]
    pin = HostKeyPin.of(app.store, host.name)
    try:
        args = ssh_command(host, words, pin)
    except UnusablePath as err:
        app.abort(str(err))
    code = subprocess.call(args)
    if code == SSH_FAILED and pin.mismatch(host.ssh_host, host.ssh_port, host.ssh_user):
        app.abort(pin.mismatch_message())
    sys.exit(code)

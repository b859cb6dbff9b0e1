"""``docker-machine ssh``: the ssh program into a machine, or paramiko (--native-ssh, or no ssh program).

What follows the machine's name is the user's, as docker-machine passed it: OpenSSH reads options after the
destination (``ssh NAME -L 8080:localhost:80``), then the remote command (``ssh NAME ls -l``, ``ssh NAME --
CMD``). What comes from the store (address, user, port, key) only ever fills an option's value."""

from __future__ import annotations

import shlex
import subprocess
import sys

import click

from ..application import Application
from pulumi_docker_machine.knownhosts import HostKeyPin, UnusablePath
from pulumi_docker_machine.nativessh import NativeSSHError, wanted
from pulumi_docker_machine.sshargs import ssh_command

SSH_FAILED = 255  # ssh's own exit code (a remote command may exit 255 too: the pin's probe tells them apart)


@click.command(
    "ssh",
    short_help="Log into or run a command on a machine with SSH.",
    context_settings={"ignore_unknown_options": True, "allow_interspersed_args": False},
)
@click.argument("name", required=False)
@click.argument("words", nargs=-1, type=click.UNPROCESSED)
@click.pass_obj
def command(app: Application, name, words) -> None:
    """Log into or run a command on a machine with SSH: [machine-name] [ssh options] [command]."""
    host = app.one_host([name] if name else [])
    if host.stopped_by_us:
        app.abort(f'Error: Cannot run SSH command: Host "{host.name}" is not running')
    if not host.ssh_host:  # the none driver's machines: only their Docker engine is reached
        app.abort(f'Error: Cannot run SSH command: Host "{host.name}" has no SSH address ({host.driver_name} driver)')
    pin = HostKeyPin.of(app.store, host.name)
    if wanted(app.native_ssh):
        sys.exit(native(app, host, pin, list(words)))
    try:
        args = ssh_command(host, list(words), pin, user_words=True)
    except (UnusablePath, ValueError) as err:
        app.abort(str(err))
    app.say_debug(f"ssh: {shlex.join(args)}")
    code = subprocess.call(args)
    if code == SSH_FAILED and pin.mismatch(host.ssh_host, host.ssh_port, host.ssh_user):
        app.abort(pin.mismatch_message())
    sys.exit(code if code >= 0 else 128 - code)  # ssh killed by a signal: the shell's 128+N, as for ssh itself


def native(app: Application, host, pin: HostKeyPin, words: list[str]) -> int:
    from pulumi_docker_machine.nativessh import connect

    from .native import parse, run

    try:
        request = parse(words)
        app.say_debug(f"ssh (paramiko): {host.ssh_user}@{host.ssh_host}:{host.ssh_port} {request}")
        client = connect(host, pin, app.native_ssh)
        try:
            return run(client, request)
        finally:
            client.close()
    except NativeSSHError as err:
        sys.stderr.write(f"{err}\n")
        return err.exit_code
    except KeyboardInterrupt:
        return 130

"""``docker-machine scp``: copy files to, from and between machines (scp, or rsync with -d; paramiko's SFTP with
--native-ssh or without an ssh or scp program: cli/scp/native.py)."""

from __future__ import annotations

import shlex
import shutil
import sys

import click

from pulumi_docker_machine.components.files import PrivateTempFolder, write_private

from ..application import Application
from pulumi_docker_machine.knownhosts import HostKeyPin, UnusablePath, call
from pulumi_docker_machine.nativessh import NativeSSHError, wanted
from pulumi_docker_machine.sshargs import BASE_SSH_ARGS, config_block
from pulumi_docker_machine.store import HostConfig


def split_location(app: Application, arg: str) -> tuple[HostConfig | None, str | None, str]:
    """``[[user@]machine:]path`` -> (host, user, path); a plain path is local."""
    machine, sep, path = arg.partition(":")
    if not sep or "/" in machine:
        return None, None, arg
    user, at, name = machine.rpartition("@")
    return app.host(name), (user if at else None), path


@click.command("scp", short_help="Copy files between machines")
@click.argument("source")
@click.argument("destination")
@click.option("-r", "--recursive", is_flag=True, help="Copy files recursively (required to copy directories)")
@click.option(
    "-d",
    "--delta",
    is_flag=True,
    help="Reduce amount of data sent over network by sending only the differences (uses rsync)",
)
@click.option(
    "-q",
    "--quiet",
    is_flag=True,
    help="Disables the progress meter as well as warning and diagnostic messages from ssh",
)
@click.pass_obj
def command(app: Application, source, destination, recursive, delta, quiet) -> None:
    """Copy files between machines: [[user@]machine:][path] [[user@]machine:][path]."""
    tool = "rsync" if delta else "scp"
    if wanted(app.native_ssh) or (not delta and shutil.which("scp") is None):
        if delta:
            app.abort("Error: scp -d runs rsync over OpenSSH's ssh, which the native SSH client can't stand in for")
        sys.exit(native(app, source, destination, recursive))
    if shutil.which(tool) is None:
        app.abort(f"Error: {tool} is not installed: install it to use docker-machine scp{' -d' if delta else ''}")
    locations, blocks, pins = [], {}, {}
    try:
        for arg in (source, destination):
            host, user, path = split_location(app, arg)
            if host is None:
                locations.append(path)
                continue
            # Each machine its own Host block (its address, port, key and pinned host key), named by an alias
            # no machine name can take: a machine-to-machine copy needs both ends' settings.
            alias = f"docker-machine.{host.name}"
            pins[alias] = (HostKeyPin.of(app.store, host.name), host)
            blocks[alias] = config_block(alias, host, pins[alias][0])
            locations.append(f"{user or host.ssh_user}@{alias}:{path}")
    except (UnusablePath, ValueError) as err:
        app.abort(str(err))
    with PrivateTempFolder() as folder:
        config = write_private(folder / "ssh_config", "".join(blocks.values()))
        for pin, _ in pins.values():
            pin.prepare()
        base = ["-F", str(config), *BASE_SSH_ARGS[2:]]
        # "--" before the locations: a path such as --rsh=... is a path, never an option.
        if delta:
            ssh = shlex.join(["ssh", *base])  # rsync splits -e at spaces, honouring quotes
            args = [
                "rsync",
                "-e",
                ssh,
                "-a" if recursive else "-t",
                *(["-q"] if quiet else ["--progress"]),
                "--",
                *locations,
            ]
        else:
            args = ["scp", *base, "-3", *(["-r"] if recursive else []), *(["-q"] if quiet else []), "--", *locations]
        app.say_debug(f"{tool}: {shlex.join(args)}")
        code, mismatch = call(args, [(pin, host.ssh_host, host.ssh_port, host.ssh_user) for pin, host in pins.values()])
    if mismatch:
        app.abort(mismatch)
    sys.exit(code)


def native(app: Application, source: str, destination: str, recursive: bool) -> int:
    from pulumi_docker_machine.nativessh import connect

    from .native import Local, Remote, transfer

    clients = []
    try:
        ends: list[tuple[Local | Remote, str]] = []
        for arg in (source, destination):
            host, user, path = split_location(app, arg)
            if host is None:
                ends.append((Local(), path))
                continue
            client = connect(host, HostKeyPin.of(app.store, host.name), app.native_ssh, user)
            clients.append(client)
            ends.append((Remote(client.open_sftp(), host.name), path or "."))
        app.say_debug(f"scp (paramiko SFTP): {source} -> {destination}")
        transfer(ends, recursive)
    except NativeSSHError as err:
        sys.stderr.write(f"{err}\n")
        return err.exit_code
    finally:
        for client in clients:
            client.close()
    return 0

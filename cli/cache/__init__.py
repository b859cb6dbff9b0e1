"""``docker-machine cache``: the store's cache of VM base images (qemu's qcow2 bases, VirtualBox's images
and boot2docker ISOs), kept by content so that an image changed behind its URL never replaces one a
machine's disk is made on.

    docker-machine cache ls            # each image, its size, the machines whose disks use it
    docker-machine cache prune [-n]    # remove the images no machine uses (-n: only say which)
"""

from __future__ import annotations

import click

from ..application import Application


def size(count: float) -> str:
    for unit in ("B", "KiB", "MiB", "GiB"):
        if count < 1024 or unit == "GiB":
            return f"{count:.0f} {unit}" if unit == "B" else f"{count:.1f} {unit}"
        count /= 1024
    return str(count)


@click.group("cache", short_help="List or prune the cached VM base images")
def command() -> None:
    """The base images local VM drivers (qemu, virtualbox) fetched into STORE/cache."""


@command.command("ls", short_help="List cached images and the machines using them")
@click.option("--quiet", "-q", is_flag=True, help="Only the images' file names")
@click.pass_obj
def list_images(app: Application, quiet: bool) -> None:
    """Which machines use an image is read from their disks (a qcow2 overlay's backing file, a VirtualBox
    machine's media), not from names."""
    from pulumi_docker_machine.components.drivers.imageuse import cache_entries

    entries = cache_entries(app.store.root)
    if quiet:
        for entry in entries:
            app.echo(entry.path.name)
        return
    rows = [("IMAGE", "SIZE", "USED BY")] + [
        (entry.path.name, size(entry.size), ", ".join(sorted(entry.used_by)) or "-") for entry in entries
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(2)]
    for row in rows:
        app.echo(f"{row[0]:<{widths[0]}}   {row[1]:<{widths[1]}}   {row[2]}".rstrip())


@command.command("prune", short_help="Remove the cached images no machine uses")
@click.option("--dry-run", "-n", is_flag=True, help="Only list what would be removed")
@click.pass_obj
def prune_images(app: Application, dry_run: bool) -> None:
    """Waits for fetches and machine creations in progress; an image a machine's disk uses stays."""
    from pulumi_docker_machine.components.drivers.imageuse import prune

    try:
        removed, kept = prune(app.store.root, dry_run=dry_run)
    except OSError as err:
        app.abort(f"Error pruning the image cache {app.store.root / 'cache'}: {err.strerror or err}")
    verb = "Would remove" if dry_run else "Removed"
    for entry in removed:
        app.echo(f"{verb} {entry.path.name} ({size(entry.size)})")
    total = sum(entry.size for entry in removed)
    app.echo(f"{verb} {len(removed)} image(s), {size(total)}; {len(kept)} in use kept")

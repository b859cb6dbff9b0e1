"""What env, config, url and version check before handing out a machine's connection settings."""

from __future__ import annotations

from .application import HOST_NOT_RUNNING, Application
from pulumi_docker_machine.store import HostConfig
from pulumi_docker_machine.store.driverfields import missing_address

CHECK_TIMEOUT = 10.0  # seconds, as docker-machine's TLS dial


# How docker-machine 0.16.2 wraps the connection check's error: env's and config's words (url and version: none).
ENV_CHECK = "Error checking TLS connection: "
CONFIG_CHECK = "Error running connection boilerplate: "


def running_url(app: Application, host: HostConfig, prefix: str = "") -> str:
    """The machine's URL, unless it is known to be stopped."""
    if host.stopped_by_us:
        app.abort(f"{prefix}{HOST_NOT_RUNNING}")
    if not host.url:
        app.abort(
            f"Error getting driver URL: the machine {host.name!r} has no IP address yet: "
            f"{missing_address(host.driver_name)}"
        )
    return host.url


def checked_connection(app: Application, host: HostConfig, prefix: str = ENV_CHECK) -> str:
    """The URL, after a TLS round trip with the machine's certificates proved they work; else the failure behind
    ``prefix``, the command's own words as docker-machine 0.16.2 wraps it."""
    from .probe import probe  # ssl and http.client: only for the commands that check the connection

    url = running_url(app, host, prefix)
    status = probe(host, CHECK_TIMEOUT)
    if status.state == "Running":
        return url
    if status.state == "Stopped":
        app.abort(f"{prefix}{HOST_NOT_RUNNING}")
    address = url.removeprefix("tcp://")
    app.abort(
        f"{prefix}Error checking and/or regenerating the certs: There was an error "
        f'validating certificates for host "{address}": {status.error}\n'
        f"You can attempt to regenerate them using 'docker-machine regenerate-certs {host.name}'.\n"
        "Be advised that this will trigger a Docker daemon restart which might stop running containers."
    )

"""Three test hosts on one test network, and a swarm's view of them, for the Swarm and Compose tests."""

from __future__ import annotations

import contextlib
import json
from pathlib import Path
from typing import Iterator

from tests.conftest import require
from tests.dockertools import busybox_image, docker, static_busybox, write_client_certs
from bench.testbed import RemoteHost, TestNetwork, missing_prerequisites


@contextlib.contextmanager
def cluster_hosts(count: int = 3) -> Iterator[list[RemoteHost]]:
    require(missing_prerequisites(), "a swarm of test hosts")
    with TestNetwork() as network:
        hosts: list[RemoteHost] = []
        try:
            for i in range(count):
                hosts.append(RemoteHost(network=network, hostname=f"dmtest-node{i + 1}"))
            yield hosts
        finally:
            for host in hosts:
                host.close()


def host_at(hosts: list[RemoteHost], docker_host: str) -> RemoteHost:
    for host in hosts:
        if docker_host.startswith(f"tcp://{host.address}:"):
            return host
    raise AssertionError(f"{docker_host} is none of the test hosts")


class SwarmView:
    """The real docker client against a swarm's nodes, with the swarm's client certificate."""

    def __init__(self, hosts: list[RemoteHost], folder: Path, ca_pem: str, cert_pem: str, key_pem: str) -> None:
        self.hosts = hosts
        self.certs = write_client_certs(folder, ca_pem, cert_pem, key_pem)

    def docker(self, docker_host: str, *args: str, **kwargs):
        return docker(host_at(self.hosts, docker_host), docker_host, self.certs, *args, **kwargs)

    def ok(self, docker_host: str, *args: str, **kwargs) -> str:
        done = self.docker(docker_host, *args, **kwargs)
        assert done.returncode == 0, done.stderr.decode()
        return done.stdout.decode()

    def nodes(self, manager: str) -> list[dict]:
        lines = self.ok(manager, "node", "ls", "--format", "{{json .}}").splitlines()
        return [json.loads(line) for line in lines if line.strip()]

    def import_busybox(self, docker_host: str, tag: str = "dmtest/busybox:latest") -> None:
        self.ok(docker_host, "import", "-", tag, stdin=busybox_image(static_busybox()))

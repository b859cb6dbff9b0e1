"""DockerSwarm: machines (any driver, mixed allowed) joined into one Docker Swarm mode cluster."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping, Optional, Sequence

import pulumi
from pulumi.dynamic import Resource

from ..certificates import DockerCertificates, DockerCertificatesArgs, ExistingCertificates
from ..drivers import Driver
from ..drivers.base import ClusterMember
from ..engine import EngineOptions
from ..machine import DockerMachine, DockerMachineArgs, MachineArgumentError
from .plan import (
    availability_problem,
    count_problem,
    labels_problem,
    machine_names_problem,
    node_name,
    swarm_name_problem,
)
from .provider import SwarmClusterProvider, SwarmNodeProvider, SwarmQuorumProvider
from .sources import other_sources

TYPE = "docker-machine:index:DockerSwarm"
MODULE = "docker-machine"
# What Swarm mode needs open between its nodes: cluster management, node gossip, the overlay network.
SWARM_PORTS = (("tcp", 2377), ("tcp", 7946), ("udp", 7946), ("udp", 4789))


@dataclass
class SwarmNodeArgs:
    driver: Driver
    labels: Mapping[str, str] = field(default_factory=dict)
    availability: str = "active"  # active, pause or drain
    machine_name: str = ""  # the node's machine; default SWARM-ROLE-N (create --swarm-master names its own)


@dataclass
class DockerSwarmArgs:
    managers: Sequence[SwarmNodeArgs]
    workers: Sequence[SwarmNodeArgs] = ()
    engine: EngineOptions = field(default_factory=EngineOptions)
    # One CA and client certificate for every node (default: made for this swarm).
    certificates: Optional[DockerCertificates | ExistingCertificates] = None
    # Advertise each node's private address where its driver has one (False: always the public one).
    prefer_private_address: bool = True

    @classmethod
    def uniform(cls, driver: Driver, managers: int = 1, workers: int = 0, **kwargs) -> "DockerSwarmArgs":
        """Every node from the same driver arguments (not for generic: each of its hosts has its own address)."""
        return cls(
            managers=[SwarmNodeArgs(driver) for _ in range(managers)],
            workers=[SwarmNodeArgs(driver) for _ in range(workers)],
            **kwargs,
        )


def validate(name: str, args: DockerSwarmArgs) -> None:
    problem = swarm_name_problem(name) or count_problem(len(args.managers), len(args.workers))
    nodes: list[object] = [*args.managers, *args.workers]  # a user's program: not type-checked
    for node in nodes:
        if problem:
            break
        if not isinstance(node, SwarmNodeArgs):
            problem = f"swarm nodes must be SwarmNodeArgs, not {type(node).__name__}"
        else:
            problem = labels_problem(node.labels) or availability_problem(node.availability)
    if not problem:
        problem = machine_names_problem(machine_names(name, args).values())
    if problem:
        raise MachineArgumentError(f"swarm {name[:80]!r}: {problem}")


def machine_names(name: str, args: DockerSwarmArgs) -> dict[tuple[str, int], str]:
    """Each node's machine name by (role, index from 1)."""
    roles = [("manager", args.managers), ("worker", args.workers)]
    return {
        (role, i + 1): node.machine_name or node_name(name, role, i + 1)
        for role, nodes in roles
        for i, node in enumerate(nodes)
    }


class SwarmCluster(Resource, module=MODULE, name="SwarmCluster"):
    swarm_id: pulumi.Output[str]
    manager_addr: pulumi.Output[str]
    worker_token: pulumi.Output[str]  # secret
    manager_token: pulumi.Output[str]  # secret

    def __init__(self, name: str, props: dict, opts: Optional[pulumi.ResourceOptions] = None) -> None:
        outputs = dict.fromkeys(("swarm_id", "manager_addr", "worker_token", "manager_token"))
        opts = pulumi.ResourceOptions.merge(
            opts, pulumi.ResourceOptions(additional_secret_outputs=["worker_token", "manager_token", "client_key_pem"])
        )
        super().__init__(SwarmClusterProvider(), name, {**outputs, **props}, opts)


class SwarmNode(Resource, module=MODULE, name="SwarmNode"):
    node_id: pulumi.Output[str]

    def __init__(self, name: str, props: dict, opts: Optional[pulumi.ResourceOptions] = None) -> None:
        opts = pulumi.ResourceOptions.merge(
            opts, pulumi.ResourceOptions(additional_secret_outputs=["join_token", "client_key_pem"])
        )
        super().__init__(SwarmNodeProvider(), name, {"node_id": None, **props}, opts)


def _node_output(
    swarm_node: SwarmNode, machine_name: str, machine: DockerMachine, role: str, driver: str
) -> pulumi.Output[dict]:
    """One entry of DockerSwarm.nodes."""
    return pulumi.Output.all(swarm_node.node_id, machine.docker_host, machine.ip).apply(
        lambda v: {
            "name": machine_name,
            "role": role,
            "node_id": v[0],
            "docker_host": v[1],
            "ip": v[2],
            "driver": driver,
        }
    )


class SwarmQuorum(Resource, module=MODULE, name="SwarmQuorum"):
    def __init__(self, name: str, props: dict, opts: Optional[pulumi.ResourceOptions] = None) -> None:
        super().__init__(SwarmQuorumProvider(), name, props, opts)


class DockerSwarm(pulumi.ComponentResource):
    """Managers and workers, each a DockerMachine; the first manager inits the swarm, the others join."""

    is_swarm = True  # ComposeApp deploys onto it with docker stack deploy
    docker_host: pulumi.Output[str]  # the first manager's
    docker_env: pulumi.Output[dict]
    manager_docker_hosts: pulumi.Output[list]
    nodes: pulumi.Output[list]  # [{name, role, node_id, docker_host, ip, driver}]
    swarm_id: pulumi.Output[str]
    worker_token: pulumi.Output[str]  # secret
    manager_token: pulumi.Output[str]  # secret
    ca_pem: pulumi.Output[str]
    client_cert_pem: pulumi.Output[str]
    client_key_pem: pulumi.Output[str]  # secret

    def __init__(self, name: str, args: DockerSwarmArgs, opts: Optional[pulumi.ResourceOptions] = None) -> None:
        validate(name, args)
        super().__init__(TYPE, name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        certs = args.certificates or DockerCertificates(f"{name}-certs", DockerCertificatesArgs(), opts=child)
        # Registered first, everything else waits on it: a manager count that breaks the quorum stops the
        # update before any node is touched.
        quorum = SwarmQuorum(f"{name}-quorum", {"swarm": name, "managers": len(args.managers)}, opts=child)
        after_quorum = pulumi.ResourceOptions(parent=self, depends_on=[quorum])

        roles = [("manager", i + 1, node) for i, node in enumerate(args.managers)]
        roles += [("worker", i + 1, node) for i, node in enumerate(args.workers)]
        names = machine_names(name, args)
        self.machines: dict[str, DockerMachine] = {}
        for role, index, node in roles:
            machine_name = names[(role, index)]
            self.machines[machine_name] = DockerMachine(
                machine_name,
                DockerMachineArgs(driver=node.driver, engine=args.engine, certificates=certs),
                opts=after_quorum,
            )
        advertise = {key: (m.private_ip if args.prefer_private_address else m.ip) for key, m in self.machines.items()}
        firewalls = self._firewalls(name, roles, names, advertise)

        tls: dict[str, pulumi.Input[str]] = {
            "ca_pem": certs.ca_pem,
            "client_cert_pem": certs.client_cert_pem,
            "client_key_pem": pulumi.Output.secret(certs.client_key_pem),
        }
        first_name = names[("manager", 1)]
        first = self.machines[first_name]
        cluster = SwarmCluster(
            f"{name}-swarm",
            {"docker_host": first.docker_host, "advertise_addr": advertise[first_name], "swarm_name": name, **tls},
            opts=pulumi.ResourceOptions(parent=self, depends_on=[quorum, *firewalls]),
        )
        swarm_nodes = []
        for role, index, node in roles:
            machine_name = names[(role, index)]
            joins = machine_name != first_name
            swarm_nodes.append(
                SwarmNode(
                    f"{machine_name}-node",
                    {
                        "docker_host": self.machines[machine_name].docker_host,
                        "manager_host": first.docker_host,
                        "advertise_addr": advertise[machine_name],
                        "remote_addr": cluster.manager_addr,
                        "join_token": (cluster.manager_token if role == "manager" else cluster.worker_token)
                        if joins
                        else "",
                        "joins": joins,
                        "role": role,
                        "labels": dict(node.labels),
                        "availability": node.availability,
                        **tls,
                    },
                    # Deleted before its machine: a removed node is drained and leaves before its VM goes.
                    opts=pulumi.ResourceOptions(parent=self, depends_on=[self.machines[machine_name], cluster]),
                )
            )

        self.docker_host = first.docker_host
        self.docker_env = first.docker_host.apply(
            lambda url: {"DOCKER_HOST": url, "DOCKER_TLS_VERIFY": "1", "DOCKER_MACHINE_NAME": first_name}
        )
        self.manager_docker_hosts = pulumi.Output.all(
            *[self.machines[names[("manager", i + 1)]].docker_host for i in range(len(args.managers))]
        )
        self.nodes = pulumi.Output.all(
            *[
                _node_output(
                    swarm_node,
                    names[(role, index)],
                    self.machines[names[(role, index)]],
                    role,
                    node.driver.name,
                )
                for swarm_node, (role, index, node) in zip(swarm_nodes, roles, strict=True)
            ]
        )
        self.swarm_id = cluster.swarm_id
        self.worker_token = pulumi.Output.secret(cluster.worker_token)
        self.manager_token = pulumi.Output.secret(cluster.manager_token)
        self.ca_pem = pulumi.Output.from_input(certs.ca_pem)
        self.client_cert_pem = pulumi.Output.from_input(certs.client_cert_pem)
        self.client_key_pem = pulumi.Output.secret(certs.client_key_pem)
        self.register_outputs({key: getattr(self, key) for key in OUTPUTS})

    def _firewalls(self, name: str, roles, names, advertise) -> list[pulumi.Resource]:
        """Per driver, the swarm ports opened between the cluster's own members only."""
        by_driver: dict[str, list[ClusterMember]] = {}
        for role, index, node in roles:
            machine_name = names[(role, index)]
            member = ClusterMember(machine_name, node.driver, self.machines[machine_name].host, advertise[machine_name])
            by_driver.setdefault(node.driver.name, []).append(member)
        made: list[pulumi.Resource] = []
        everyone = [m for ms in by_driver.values() for m in ms]
        for driver_name, members in by_driver.items():
            # Other drivers' members as CIDR sources of their own (public) addresses: components/swarm/sources.py
            others = other_sources(name, everyone, driver_name)
            made += members[0].driver.cluster_firewall(name, members, others, SWARM_PORTS, self)
        return made


OUTPUTS = (
    "docker_host",
    "docker_env",
    "manager_docker_hosts",
    "nodes",
    "swarm_id",
    "worker_token",
    "manager_token",
    "ca_pem",
    "client_cert_pem",
    "client_key_pem",
)

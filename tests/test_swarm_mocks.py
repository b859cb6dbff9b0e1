"""DockerSwarm's resource graph for the cloud drivers under Pulumi's mocks (the clouds are out of reach),
and the swarm's rules without any engine: quorum, diffs, declaration checks, the store's swarm records."""

from __future__ import annotations

import json

import pytest

from pulumi_docker_machine.components.drivers.amazonec2.driver import AmazonEC2Driver
from pulumi_docker_machine.components.drivers.digitalocean.driver import DigitalOceanDriver
from pulumi_docker_machine.components.machine import MachineArgumentError
from pulumi_docker_machine.components.swarm.component import SWARM_PORTS, DockerSwarm, DockerSwarmArgs, SwarmNodeArgs
from pulumi_docker_machine.components.swarm.plan import quorum_problem
from pulumi_docker_machine.components.swarm.provider import SwarmNodeProvider, SwarmQuorumProvider
from tests.conftest import MachineMocks, run_program

PORTS = {(p, str(n)) for p, n in SWARM_PORTS}
DO = DigitalOceanDriver(access_token="dop_v1_secret_token", region="fra1")
AWS = AmazonEC2Driver(region="eu-central-1", access_key="AKIAEXAMPLE", secret_key="aws-secret-example")


def build(mocks: MachineMocks, args: DockerSwarmArgs, name: str = "lab") -> dict:
    def program():
        swarm = DockerSwarm(name, args)
        return {
            "worker_token": swarm.worker_token,
            "manager_token": swarm.manager_token,
            "nodes": swarm.nodes,
            "client_key_pem": swarm.client_key_pem,
            "docker_host": swarm.docker_host,
        }

    return run_program(mocks, program)


def urn_of(mocks: MachineMocks, name: str, typ: str = "") -> str:
    found = [urn for urn in mocks.urns() if urn.endswith(f"{typ}::{name}")]
    assert len(found) == 1, (name, found)
    return found[0]


def deps_of(mocks: MachineMocks, typ: str, name: str) -> list[str]:
    found = [deps for key, deps in mocks.monitor.dependencies.items() if key.endswith(f"{typ}::{name}")]
    assert len(found) == 1, (typ, name)
    return found[0]


def test_digitalocean_swarm_opens_swarm_ports_only_between_its_droplets():
    mocks = MachineMocks()
    out = build(mocks, DockerSwarmArgs.uniform(DO, managers=3, workers=2))
    droplets = mocks.of_type("digitalocean:index/droplet:Droplet")
    ids = sorted(int(d.id) for d in droplets)
    assert len(set(ids)) == 5
    firewall = next(f for f in mocks.of_type("digitalocean:index/firewall:Firewall") if f.name == "lab-swarm-firewall")
    assert sorted(firewall.inputs["dropletIds"]) == ids
    rules = firewall.inputs["inboundRules"]
    assert {(r["protocol"], r["portRange"]) for r in rules} == PORTS
    assert all(sorted(r["sourceDropletIds"]) == ids and not r.get("sourceAddresses") for r in rules)
    # Each machine's own firewall still opens only SSH and the Docker port; no swarm port is open to the world.
    for machine_firewall in mocks.of_type("digitalocean:index/firewall:Firewall"):
        if machine_firewall.name != "lab-swarm-firewall":
            assert {r["portRange"] for r in machine_firewall.inputs["inboundRules"]} == {"22", "2376"}
    # Secrets stay secrets.
    assert out["worker_token"][1] and out["manager_token"][1] and out["client_key_pem"][1]
    assert out["nodes"][1] is False, "the node list is no secret"


def test_join_order_and_scale_down_order_in_the_graph():
    mocks = MachineMocks()
    build(mocks, DockerSwarmArgs.uniform(DO, managers=3, workers=2))
    cluster = mocks.one("pulumi-python:dynamic/docker-machine:SwarmCluster")
    assert cluster.inputs["advertise_addr"] == mocks.private_address, "the private address is advertised"
    assert urn_of(mocks, "lab-swarm-firewall") in deps_of(mocks, "SwarmCluster", "lab-swarm"), (
        "the swarm is initialised only once its ports are open"
    )
    nodes = {n.name: n for n in mocks.of_type("pulumi-python:dynamic/docker-machine:SwarmNode")}
    assert sorted(nodes) == [
        "lab-manager-1-node",
        "lab-manager-2-node",
        "lab-manager-3-node",
        "lab-worker-1-node",
        "lab-worker-2-node",
    ]
    assert [n for n, r in nodes.items() if not r.inputs["joins"]] == ["lab-manager-1-node"], "only the first inits"
    assert {n: r.inputs["role"] for n, r in nodes.items()} == {
        "lab-manager-1-node": "manager",
        "lab-manager-2-node": "manager",
        "lab-manager-3-node": "manager",
        "lab-worker-1-node": "worker",
        "lab-worker-2-node": "worker",
    }
    for name in nodes:
        deps = deps_of(mocks, "SwarmNode", name)
        machine = name.removesuffix("-node")
        # Joins after the swarm exists and its machine is provisioned; so on removal it is drained and leaves
        # (deleted) before its machine's VM is destroyed. (A component dependency stands for its children.)
        assert urn_of(mocks, "lab-swarm") in deps
        assert urn_of(mocks, machine, "droplet:Droplet") in deps and urn_of(mocks, f"{machine}-provision") in deps
    for machine in ("lab-manager-1", "lab-worker-2"):
        # Children register under their machine, which waits for the quorum check.
        assert urn_of(mocks, "lab-quorum") in deps_of(mocks, "index:DockerMachine", machine), (
            "nothing moves before the quorum check"
        )


def test_aws_swarm_security_group_references_itself_and_is_attached_to_each_instance():
    mocks = MachineMocks()
    build(mocks, DockerSwarmArgs.uniform(AWS, managers=1, workers=2))
    groups = [g for g in mocks.of_type("aws:ec2/securityGroup:SecurityGroup") if g.name == "lab-swarm-sg"]
    assert len(groups) == 1
    group_id = groups[0].id
    rules = [
        r
        for r in mocks.of_type("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")
        if r.name.startswith("lab-swarm-")
    ]
    assert {(r.inputs["ipProtocol"], str(int(r.inputs["fromPort"]))) for r in rules} == PORTS
    assert all(
        r.inputs["referencedSecurityGroupId"] == group_id
        and r.inputs["securityGroupId"] == group_id
        and "cidrIpv4" not in r.inputs
        for r in rules
    ), "only members of the group itself"
    attachments = mocks.of_type(
        "aws:ec2/networkInterfaceSecurityGroupAttachment:NetworkInterfaceSecurityGroupAttachment"
    )
    assert sorted(a.inputs["networkInterfaceId"] for a in attachments) == [
        "eni-lab-manager-1",
        "eni-lab-worker-1",
        "eni-lab-worker-2",
    ]
    assert all(a.inputs["securityGroupId"] == group_id for a in attachments)


def swarm_firewall(mocks: MachineMocks):
    return next(f for f in mocks.of_type("digitalocean:index/firewall:Firewall") if f.name == "lab-swarm-firewall")


def aws_other_rules(mocks: MachineMocks):
    return [
        r
        for r in mocks.of_type("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")
        if r.name.startswith("lab-swarm-") and "other" in r.name
    ]


def test_mixed_drivers_open_each_cloud_to_the_others_public_addresses_only():
    mocks = MachineMocks()
    build(mocks, DockerSwarmArgs(managers=[SwarmNodeArgs(DO)], workers=[SwarmNodeArgs(AWS)]))
    # Each member by the address it reaches the internet from; never its private one (mocks.private_address),
    # which in the other cloud's network would admit whoever holds it there.
    firewall = swarm_firewall(mocks)
    assert all(r["sourceAddresses"] == [f"{mocks.vm_address}/32"] for r in firewall.inputs["inboundRules"])
    other = aws_other_rules(mocks)
    assert {r.inputs["cidrIpv4"] for r in other} == {f"{mocks.vm_address}/32"} and len(other) == len(PORTS)
    assert not any("cidrIpv6" in r.inputs for r in other)


@pytest.mark.parametrize("address", ["node.example.com", "10.20.0.7", "192.168.1.20", "fd00::7", "fe80::1"])
def test_a_generic_member_by_host_name_or_private_address_is_no_firewall_source(address):
    from pulumi_docker_machine.components.drivers.generic.driver import GenericDriver

    mocks = MachineMocks()
    generic = GenericDriver(ip_address=address, ssh_key=None, ssh_private_key="not used under mocks")
    build(mocks, DockerSwarmArgs(managers=[SwarmNodeArgs(DO)], workers=[SwarmNodeArgs(AWS), SwarmNodeArgs(generic)]))
    firewall = swarm_firewall(mocks)
    assert all(r["sourceAddresses"] == [f"{mocks.vm_address}/32"] for r in firewall.inputs["inboundRules"]), (
        "only the EC2 member's address: not a /32 of a host name or another network's private address"
    )
    assert {r.inputs["cidrIpv4"] for r in aws_other_rules(mocks)} == {f"{mocks.vm_address}/32"}


def test_an_ipv6_member_is_a_128_source():
    from pulumi_docker_machine.components.drivers.generic.driver import GenericDriver

    mocks = MachineMocks()
    generic = GenericDriver(ip_address="::1", ssh_key=None, ssh_private_key="not used under mocks")
    build(mocks, DockerSwarmArgs(managers=[SwarmNodeArgs(AWS)], workers=[SwarmNodeArgs(generic)]))
    other = aws_other_rules(mocks)
    assert {r.inputs.get("cidrIpv6") for r in other} == {"::1/128"} and len(other) == len(PORTS)
    assert not any(r.inputs.get("cidrIpv4") for r in other)


@pytest.mark.parametrize(
    "address, cidr",
    [
        ("203.0.113.9", "203.0.113.9/32"),
        ("2001:db8:0:0::5", "2001:db8::5/128"),
        ("127.0.0.2", "127.0.0.2/32"),
        ("node.example.com", None),
        ("10.0.0.5", None),
        ("172.31.4.4", None),
        ("100.64.1.1", None),
        ("169.254.169.254", None),
        ("fe80::1%eth0", None),
        ("fe80::1%$(id)", None),
        ("fd12::1", None),
        ("", None),
        ("::ffff:10.0.0.5", None),
        ("0.0.0.0", None),
        ("::", None),
    ],
)
def test_firewall_source_rule(address, cidr):
    from pulumi_docker_machine.components.swarm.sources import require_source, source_cidr

    assert source_cidr(address) == cidr
    if cidr is None:
        with pytest.raises(ValueError, match=r"swarm lab: lab-worker-1's address .* is .*give it a public address"):
            require_source(address, "lab-worker-1", "lab")
    else:
        assert require_source(address, "lab-worker-1", "lab") == cidr


@pytest.mark.parametrize(
    "args, message",
    [
        (DockerSwarmArgs(managers=[]), "at least one manager"),
        (DockerSwarmArgs(managers=[SwarmNodeArgs(DO, labels={"bad key": "x"})]), "is not a label key"),
        (DockerSwarmArgs(managers=[SwarmNodeArgs(DO, availability="sleeping")]), "availability 'sleeping'"),
    ],
)
def test_bad_declarations_are_refused_before_any_resource(args, message):
    mocks = MachineMocks()
    with pytest.raises(Exception) as raised:
        build(mocks, args)
    assert message in str(raised.value)
    assert mocks.resources == []


def test_a_swarm_name_leaves_room_for_its_node_names():
    mocks = MachineMocks()
    with pytest.raises(MachineArgumentError, match=r"is too long: .* so use at most 52 characters"):
        build(mocks, DockerSwarmArgs.uniform(DO), name="x" * 53)
    assert mocks.resources == [], "refused before any resource"
    longest = MachineMocks()
    build(longest, DockerSwarmArgs.uniform(DO), name="x" * 52)
    assert longest.of_type("docker-machine:index:DockerMachine"), "the longest name that fits is taken"


@pytest.mark.parametrize(
    "old, new, ok",
    [
        (None, 3, True),
        (3, 2, True),
        (3, 1, False),
        (5, 3, True),
        (5, 2, False),
        (1, 1, True),
        (1, 4, True),
        (2, 1, False),
        (4, 3, True),
        (4, 2, False),
        (1, 0, False),
    ],
)
def test_quorum_rule(old, new, ok):
    assert (quorum_problem(old, new, "lab") is None) == ok


def test_quorum_guard_refuses_through_the_provider_check_as_the_engine_calls_it():
    provider = SwarmQuorumProvider()
    refused = provider.check({"swarm": "lab", "managers": 3.0}, {"swarm": "lab", "managers": 1.0})
    assert len(refused.failures) == 1
    assert "would break its quorum" in refused.failures[0].reason and "remove at most 1" in refused.failures[0].reason
    assert provider.check({"managers": 3.0}, {"swarm": "lab", "managers": 2.0}).failures == []
    assert provider.check({}, {"swarm": "lab", "managers": 1.0}).failures == []


def test_node_diff_replaces_on_a_new_host_updates_labels_in_place_and_ignores_a_rotated_token():
    provider = SwarmNodeProvider()
    base = {
        "docker_host": "tcp://127.0.0.2:2376",
        "manager_host": "tcp://127.0.0.3:2376",
        "advertise_addr": "127.0.0.2",
        "joins": True,
        "role": "worker",
        "labels": {},
        "availability": "active",
        "join_token": "SWMTKN-1-a",
        "remote_addr": "127.0.0.3:2377",
        "ca_pem": "c",
        "client_cert_pem": "c",
        "client_key_pem": "k",
    }
    moved = provider.diff("n", base, {**base, "docker_host": "tcp://127.0.0.4:2376"})
    assert moved.changes and moved.replaces == ["docker_host"] and moved.delete_before_replace
    labelled = provider.diff("n", base, {**base, "labels": {"zone": "a"}})
    assert labelled.changes and not labelled.replaces
    rotated = provider.diff("n", base, {**base, "join_token": "SWMTKN-1-b"})
    assert not rotated.replaces
    assert provider.check({}, {**base, "role": "boss"}).failures[0].property == "role"


def test_swarm_records_from_the_store_are_untrusted(tmp_path):
    from pulumi_docker_machine.store import Store, new_host_config
    from pulumi_docker_machine.store.swarms import BrokenSwarm, SwarmNotFound, load_swarm, swarm_membership, swarms_dir

    store = Store(tmp_path)
    folder = swarms_dir(store) / "lab"
    folder.mkdir(parents=True)
    for data, reason in (
        ([], "not a JSON object"),
        ({"Name": "other"}, "its Name is not 'lab'"),
        ({"Name": "lab", "Managers": ["../../etc"]}, "Managers is not a list of machine names"),
    ):
        (folder / "config.json").write_text(json.dumps(data))
        with pytest.raises(BrokenSwarm, match=reason) as raised:
            load_swarm(store, "lab")
        assert "swarm rm -f lab" in str(raised.value)
    with pytest.raises(SwarmNotFound):
        load_swarm(store, "../lab")
    host = new_host_config(
        name="n",
        driver_name="generic",
        store_root=tmp_path,
        ip="127.0.0.2",
        ssh_user="root",
        ssh_port=22,
        ssh_key_path=None,
        engine={},
        pulumi={"Swarm": {"Name": "lab; rm -rf /", "Role": "manager"}},
    )
    assert swarm_membership(host) is None
    host.data["Pulumi"]["Swarm"] = {"Name": "lab", "Role": "king"}
    assert swarm_membership(host) is None
    host.data["Pulumi"]["Swarm"] = {"Name": "lab", "Role": "worker"}
    assert swarm_membership(host) == ("lab", "worker")


class StubEngine:
    """The engine API of a host that already manages a swarm."""

    def __init__(self, labels: dict) -> None:
        self.labels, self.calls = labels, []

    def info(self) -> dict:
        return {"Swarm": {"LocalNodeState": "active", "NodeID": "n1", "ControlAvailable": True}}

    def swarm(self) -> dict:
        return {
            "ID": "swarm-1",
            "Spec": {"Labels": self.labels},
            "JoinTokens": {"Worker": "SWMTKN-1-w", "Manager": "SWMTKN-1-m"},
        }

    def request(self, method, path, body=None, query=None):
        self.calls.append((method, path))


CLUSTER_PROPS = {
    "docker_host": "tcp://127.0.0.2:2376",
    "advertise_addr": "127.0.0.2",
    "swarm_name": "lab",
    "ca_pem": "c",
    "client_cert_pem": "c",
    "client_key_pem": "k",
}


def test_a_host_managing_someone_elses_swarm_is_refused_not_adopted(monkeypatch):
    from pulumi_docker_machine.components.swarm import provider

    stub = StubEngine({"owner": "someone"})
    monkeypatch.setattr(provider, "_api", lambda props, key="docker_host": stub)
    with pytest.raises(RuntimeError, match="already manages swarm swarm-1 that is not this stack's swarm 'lab'"):
        provider.SwarmClusterProvider().create(CLUSTER_PROPS)
    assert stub.calls == [], "nothing was changed on that host"


def test_our_own_swarm_is_resumed_after_an_interruption(monkeypatch):
    from pulumi_docker_machine.components.swarm import provider

    stub = StubEngine({provider.OWNER_LABEL: "lab"})
    monkeypatch.setattr(provider, "_api", lambda props, key="docker_host": stub)
    created = provider.SwarmClusterProvider().create(CLUSTER_PROPS)
    assert created.id == "swarm-1" and created.outs["worker_token"] == "SWMTKN-1-w" and stub.calls == []

"""Declarative stacks: every example stack file under mocks, config errors with their paths."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pulumi
import pytest
import yaml

from pulumi_docker_machine.components.drivers import names
from pulumi_docker_machine.components.ssh import generate_ssh_key
from tests.conftest import DEFAULT_VM_ADDRESS, MachineMocks, run_program

STACKS = Path(__file__).resolve().parent.parent / "stacks"


def load_program():
    return importlib.import_module("pulumi_docker_machine.programs.declarative")


def run_stack(machines, monkeypatch, mocks: MachineMocks | None = None, swarms=None) -> tuple[MachineMocks, dict]:
    program = load_program()
    exported: dict = {}
    monkeypatch.setattr(pulumi, "export", lambda name, value: exported.__setitem__(name, value))
    config = {"docker-machine:machines": json.dumps(machines)} if machines is not None else {}
    if swarms is not None:
        config["docker-machine:swarms"] = json.dumps(swarms)
    pulumi.runtime.set_all_config(config, [])
    mocks = mocks or MachineMocks()
    mocks.run_dynamic = ("CertificateAuthority", "ClientCertificate", "ServerCertificate", "SSHKey")
    try:

        def body():
            program.main()
            return {name: pulumi.Output.from_input(value) for name, value in exported.items()}

        values = run_program(mocks, body)
    finally:
        pulumi.runtime.set_all_config({}, [])
    return mocks, values


def stack_file(name: str, key: str = "docker-machine:machines") -> dict:
    return yaml.safe_load((STACKS / f"Pulumi.{name}.yaml").read_text())["config"][key]


@pytest.fixture
def credentials(monkeypatch, tmp_path):
    monkeypatch.setenv("DIGITALOCEAN_ACCESS_TOKEN", "dop_v1_test")
    monkeypatch.setenv("HOME", str(tmp_path))
    generate_ssh_key().save(tmp_path / ".ssh" / "id_ed25519")


def test_every_example_stack_file_is_tested():
    assert sorted(p.name for p in STACKS.glob("Pulumi.*.yaml")) == [
        "Pulumi.do-single.yaml",
        "Pulumi.generic.yaml",
        "Pulumi.local-vbox.yaml",
        "Pulumi.mixed.yaml",
        "Pulumi.swarm.yaml",
    ]


def test_swarm_beside_a_machine_shares_one_ca(credentials, monkeypatch):
    mocks, out = run_stack(stack_file("swarm"), monkeypatch, swarms=stack_file("swarm", "docker-machine:swarms"))
    droplets = sorted(d.name for d in mocks.of_type("digitalocean:index/droplet:Droplet"))
    assert droplets == ["ci", "lab-manager-1", "lab-manager-2", "lab-manager-3", "lab-worker-1", "lab-worker-2"]
    assert len(mocks.of_type("pulumi-python:dynamic/docker-machine:CertificateAuthority")) == 1
    firewall = next(f for f in mocks.of_type("digitalocean:index/firewall:Firewall") if f.name == "lab-swarm-firewall")
    assert len(firewall.inputs["dropletIds"]) == 5, "the machine ci is no member"
    labels = {n.name: n.inputs["labels"] for n in mocks.of_type("pulumi-python:dynamic/docker-machine:SwarmNode")}
    assert labels["lab-worker-1-node"] == {"zone": "a"} and labels["lab-manager-2-node"] == {}
    sizes = {d.name: d.inputs["size"] for d in mocks.of_type("digitalocean:index/droplet:Droplet")}
    assert sizes["lab-manager-3"] == "s-2vcpu-2gb", "counted nodes take the swarm's driver options"
    machines, _ = out["machines"]
    assert set(machines) == set(droplets), "swarm nodes are exported as machines: import --stack takes them"
    swarms, _ = out["swarms"]
    assert swarms["lab"]["docker_host"] == f"tcp://{DEFAULT_VM_ADDRESS}:2376"


@pytest.mark.parametrize(
    "swarms, message",
    [
        ({"lab": {"managers": 0, "driver": "digitalocean"}}, "swarms.lab: a swarm needs at least one manager"),
        (
            {"lab": {"managers": [{"driver": "digitalocean", "labels": {"a b": "c"}}]}},
            "swarms.lab.managers[0]: node label",
        ),
        ({"lab": {"workers": "two", "driver": "digitalocean"}}, "swarms.lab.workers: give a count or a list"),
        ({"lab": {"managers": [{"driver": "nope"}]}}, "swarms.lab.managers[0].driver: 'nope' is not a driver"),
        ({"x" * 60: {"driver": "digitalocean"}}, "too long"),
    ],
)
def test_swarm_config_problems_name_their_path(credentials, monkeypatch, swarms, message):
    with pytest.raises(Exception) as raised:
        run_stack(None, monkeypatch, swarms=swarms)
    assert message in str(raised.value)


def test_a_machine_and_a_swarm_node_may_not_share_a_name(credentials, monkeypatch):
    with pytest.raises(Exception, match="lab-manager-1: two machines of this stack have this name"):
        run_stack(
            {"lab-manager-1": {"driver": "digitalocean"}}, monkeypatch, swarms={"lab": {"driver": "digitalocean"}}
        )


def test_one_digitalocean_machine(credentials, monkeypatch):
    mocks, out = run_stack(stack_file("do-single"), monkeypatch)
    droplet = mocks.one("digitalocean:index/droplet:Droplet").inputs
    assert (droplet["name"], droplet["region"], droplet["size"]) == ("web", "fra1", "s-2vcpu-2gb")
    assert len(mocks.of_type("pulumi-python:dynamic/docker-machine:CertificateAuthority")) == 1
    machines, secret = out["machines"]
    assert not secret
    assert machines["web"]["docker_host"] == f"tcp://{DEFAULT_VM_ADDRESS}:2376"
    assert machines["web"]["docker_env"]["DOCKER_MACHINE_NAME"] == "web"
    for key in ("ca_pem", "client_cert_pem", "client_key_pem", "machine_ssh_keys"):
        assert out[key][1], f"{key} is exported as a secret"
    assert "provider=digitalocean" in mocks.one("command:remote:Command").inputs["create"]


def test_mixed_stack_shares_one_ca(credentials, monkeypatch):
    mocks, out = run_stack(stack_file("mixed"), monkeypatch)
    assert len(mocks.of_type("digitalocean:index/droplet:Droplet")) == 2
    assert len(mocks.of_type("aws:ec2/instance:Instance")) == 1
    assert len(mocks.of_type("pulumi-python:dynamic/docker-machine:CertificateAuthority")) == 1
    assert len(mocks.of_type("pulumi-python:dynamic/docker-machine:ServerCertificate")) == 3
    assert mocks.one("aws:ec2/instance:Instance").inputs["instanceType"] == "t3.small"
    ports = {r.inputs["fromPort"] for r in mocks.of_type("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")}
    assert ports == {22, 2376, 5432}
    stdins = {r.inputs["stdin"].split("-----END CERTIFICATE-----")[0] for r in mocks.of_type("command:remote:Command")}
    assert len(stdins) == 1, "every machine trusts the same CA"
    assert sorted(out["machines"][0]) == ["db", "web1", "web2"]


def test_local_virtualbox_stack(credentials, monkeypatch):
    mocks, _ = run_stack(stack_file("local-vbox"), monkeypatch)
    vm = mocks.one("pulumi-python:dynamic/docker-machine:VirtualBoxVM").inputs
    assert (vm["memory"], vm["cpus"], vm["disk_size"], vm["name"]) == (2048, 2, 30000, "dev")


def test_generic_stack(credentials, monkeypatch):
    mocks, _ = run_stack(stack_file("generic"), monkeypatch)
    command = mocks.one("command:remote:Command").inputs
    assert (command["connection"]["host"], command["connection"]["user"]) == ("127.0.0.1", "ubuntu")
    assert "deprovision" in command["delete"]
    assert not [r for r in mocks.resources if r.typ.startswith(("digitalocean", "aws"))]


def test_config_errors_are_all_reported_with_paths(monkeypatch):
    monkeypatch.delenv("DIGITALOCEAN_ACCESS_TOKEN", raising=False)
    monkeypatch.delenv("DIGITALOCEAN_TOKEN", raising=False)
    machines = {
        "web": {"driver": "digitalocean", "size": "2 CPUs"},
        "db": {"driver": "amazonec2", "instance_type": "huge"},
        "bad_name": {"driver": "generic"},
        "odd": {"driver": "kubevirt"},
        "eng": {"driver": "generic", "ip_address": "127.0.0.9", "engine": {"port": 0}},
    }
    program = load_program()
    parsed, problems = program.parse(machines)
    assert parsed == []
    assert problems == [
        "machines.web: digitalocean driver requires the --digitalocean-access-token option: pass access_token, "
        "set the digitalocean:token config or DIGITALOCEAN_ACCESS_TOKEN",
        "machines.db.instance_type: amazonec2 instance type 'huge' is not an instance type such as t3.micro",
        "machines.bad_name: invalid machine name: allowed hostname chars are 0-9a-zA-Z . -",
        f"machines.odd.driver: 'kubevirt' is not a driver: use one of {', '.join(names())}",
        "machines.eng.engine: engine port 0 is not a TCP port: give a number from 1 to 65535",
    ]
    monkeypatch.setenv("DIGITALOCEAN_ACCESS_TOKEN", "t")
    _, problems = program.parse({"web": {"driver": "digitalocean", "size": "2 CPUs", "colour": "blue"}})
    assert problems == [
        "machines.web.colour: unknown digitalocean option 'colour': use one of access_token, api_url, backups, "
        "image, ipv6, monitoring, private_networking, region, size, source_ranges, ssh_key_fingerprint, ssh_key_path, ssh_port, ssh_user, "
        "tags, user_data, user_data_file, vpc_uuid"
    ]


def test_a_stack_with_problems_registers_nothing(monkeypatch):
    mocks = MachineMocks()
    with pytest.raises(pulumi.RunError, match=r"machines\.odd\.driver: 'kubevirt' is not a driver"):
        run_stack({"odd": {"driver": "kubevirt"}}, monkeypatch, mocks)
    assert mocks.resources == []

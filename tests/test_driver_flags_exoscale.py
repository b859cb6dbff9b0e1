"""docker-machine 0.16.2's exoscale flags (drivers/exoscale/exoscale.go), each given to ``create`` and followed into
the resources the machine registers under mocks (pulumiverse-exoscale)."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pytest

from pulumi_docker_machine.components.ssh import generate_ssh_key
from tests.conftest import DEFAULT_VM_ADDRESS, run_program
from tests.test_driver_flags_helpers import FlagMocks, build, create, refused

KEYS = ("--exoscale-api-key", "EXO0123456789abcdef", "--exoscale-api-secret-key", "s3cr3t-exo")
EXO = ("-d", "exoscale", *KEYS)
INSTANCE = "exoscale:index/computeInstance:ComputeInstance"
SSH_KEY = "exoscale:index/sshKey:SshKey"
GROUP = "exoscale:index/securityGroup:SecurityGroup"
RULE = "exoscale:index/securityGroupRule:SecurityGroupRule"
PROVIDER = "pulumi:providers:exoscale"
GET_TEMPLATE = "exoscale:index/getTemplate:getTemplate"
ENV = (
    "EXOSCALE_API_KEY",
    "EXOSCALE_API_SECRET",
    "EXOSCALE_KEY",
    "EXOSCALE_SECRET",
    "EXOSCALE_ENDPOINT",
    "EXOSCALE_INSTANCE_PROFILE",
    "EXOSCALE_DISK_SIZE",
    "EXOSCALE_IMAGE",
    "EXOSCALE_SECURITY_GROUP",
    "EXOSCALE_AVAILABILITY_ZONE",
    "EXOSCALE_SSH_USER",
    "EXOSCALE_SSH_KEY",
    "EXOSCALE_USERDATA",
    "EXOSCALE_AFFINITY_GROUP",
)


@pytest.fixture(autouse=True)
def no_exoscale_environment(monkeypatch):
    for name in ENV:
        monkeypatch.delenv(name, raising=False)


@dataclass
class ExoscaleMocks(FlagMocks):
    """FlagMocks standing in for Exoscale too: an instance gets ``vm_address``, lookups by name find IDs."""

    def new_resource(self, args):
        id_, state = super().new_resource(args)
        if args.typ == INSTANCE:
            state = {**state, "publicIpAddress": self.vm_address}
        elif args.typ == SSH_KEY:
            self._public_key(state["publicKey"])
        elif args.typ == GROUP:
            id_ = f"sg-{args.name}"
        if args.typ in (INSTANCE, GROUP):
            with self._lock:
                made = next(r for r in self.resources if (r.typ, r.name) == (args.typ, args.name))
                made.state.update(state)
                made.id = id_
        return id_, state

    def call(self, args):
        kind = args.token.rsplit(":", 1)[-1]
        if kind in ("getTemplate", "getSecurityGroup", "getAntiAffinityGroup"):
            with self._lock:
                self.calls.append((args.token, dict(args.args)))
            return {"id": f"{kind}-{args.args['name']}"}
        return super().call(args)


def exoscale(created) -> ExoscaleMocks:
    return build(created, ExoscaleMocks())  # type: ignore[return-value]


def test_the_flags_make_the_instance(monkeypatch, tmp_path):
    args = (
        "--exoscale-instance-profile",
        "Medium",
        "--exoscale-disk-size",
        "100",
        "--exoscale-image",
        "Linux Debian 12 (Bookworm) 64-bit",
        "--exoscale-availability-zone",
        "CH-GVA-2",
        "--exoscale-security-group",
        "web",
        "--exoscale-security-group",
        "ops",
        "--exoscale-affinity-group",
        "spread",
    )
    created = create(monkeypatch, tmp_path, *EXO, *args, "m")
    options = created.spec.driver_options
    assert "api_key" not in created.spec.public_options() and "api_secret" not in created.spec.public_options()
    assert options["security_groups"] == ["web", "ops"] and options["affinity_groups"] == ["spread"]
    mocks = exoscale(created)

    provider = mocks.one(PROVIDER).inputs
    assert (provider["key"], provider["secret"]) == ("EXO0123456789abcdef", "s3cr3t-exo")
    made = mocks.one(INSTANCE)
    server = made.inputs
    assert (server["name"], server["zone"], server["type"], server["diskSize"]) == (
        "m",
        "ch-gva-2",
        "standard.medium",
        100,
    )
    assert (GET_TEMPLATE, {"zone": "ch-gva-2", "name": "Linux Debian 12 (Bookworm) 64-bit"}) in mocks.calls
    assert server["templateId"] == "getTemplate-Linux Debian 12 (Bookworm) 64-bit"
    own = mocks.one(GROUP)
    assert server["securityGroupIds"] == [own.id, "getSecurityGroup-web", "getSecurityGroup-ops"]
    assert server["antiAffinityGroupIds"] == ["getAntiAffinityGroup-spread"]
    assert server["userData"] == "#cloud-config\nmanage_etc_hosts: localhost\n", "docker-machine's default"
    assert server["state"] == "running"
    key = mocks.one(SSH_KEY)
    assert server["sshKeys"] == [key.inputs["name"]] and key.inputs["name"] == "docker-machine-m"
    assert key.inputs["publicKey"] == mocks.one("pulumi-python:dynamic/docker-machine:SSHKey").state["public_key"]
    rules = {
        (r.inputs["type"], r.inputs["protocol"], r.inputs["startPort"], r.inputs["cidr"]) for r in mocks.of_type(RULE)
    }
    assert rules == {("INGRESS", "TCP", port, cidr) for port in (22, 2376) for cidr in ("0.0.0.0/0", "::/0")}, (
        "SSH and the Docker port only"
    )
    assert all(r.inputs["securityGroupId"] == own.id for r in mocks.of_type(RULE))
    connection = mocks.one("command:remote:Command").inputs["connection"]
    assert (connection["host"], connection["user"]) == (DEFAULT_VM_ADDRESS, "debian"), "the user from the image"
    waits = mocks.monitor.dependencies["command:remote:Command::m-provision"]
    assert sum("SecurityGroupRule::" in urn for urn in waits) == 4, "provisioning waits for port 22 to open"


def test_defaults_credentials_from_the_environment_and_secrets(monkeypatch, tmp_path):
    env = {"EXOSCALE_API_KEY": "EXOenv", "EXOSCALE_API_SECRET": "env-secret"}
    created = create(monkeypatch, tmp_path, "-d", "exoscale", "m", env=env)
    assert created.spec.secret_options() == {"api_key": "EXOenv", "api_secret": "env-secret"}
    mocks = exoscale(created)
    server = mocks.one(INSTANCE).inputs
    assert (server["zone"], server["type"], server["diskSize"]) == ("ch-dk-2", "standard.small", 50)
    assert (GET_TEMPLATE, {"zone": "ch-dk-2", "name": "Linux Ubuntu 24.04 LTS 64-bit"}) in mocks.calls
    assert "antiAffinityGroupIds" not in server and len(server["securityGroupIds"]) == 1
    assert mocks.one("command:remote:Command").inputs["connection"]["user"] == "ubuntu"
    assert mocks.one(PROVIDER).inputs["key"] == "EXOenv", "a flag's variable: an explicit provider"


def test_the_credentials_are_required(monkeypatch, tmp_path):
    line = refused(monkeypatch, tmp_path, "-d", "exoscale", "--exoscale-api-key", "EXO1", "m")
    assert line.endswith("missing an API key (--exoscale-api-key) or API secret key (--exoscale-api-secret-key)"), (
        "docker-machine's words"
    )


def test_ssh_key_user_and_user_data(monkeypatch, tmp_path):
    pair = generate_ssh_key()
    pair.save(tmp_path / "id_exo")
    script = tmp_path / "user-data"
    script.write_text("#cloud-config\npackages: [htop]\n")
    args = ("--exoscale-ssh-key", str(tmp_path / "id_exo"), "--exoscale-ssh-user", "admin")
    created = create(monkeypatch, tmp_path, *EXO, *args, "m", env={"EXOSCALE_USERDATA": str(script)})
    assert created.spec.driver_options["user_data_file"] == str(script)
    mocks = exoscale(created)
    assert mocks.one(SSH_KEY).inputs["publicKey"] == pair.public_key
    assert mocks.outputs["ssh_private_key"] == (pair.private_key, True)
    assert mocks.one(INSTANCE).inputs["userData"] == script.read_text()
    connection = mocks.one("command:remote:Command").inputs["connection"]
    assert (connection["user"], connection["privateKey"]) == ("admin", pair.private_key)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--exoscale-instance-profile", "-x"), "exoscale instance profile '-x' is not a profile"),
        (("--exoscale-disk-size", "5"), "exoscale disk size 5 is not a size in GB from 10 to 51200"),
        (("--exoscale-availability-zone", "mars"), "exoscale availability zone 'mars' is not a zone"),
        (
            ("--exoscale-url", "https://evil.example/v2"),
            "is not the zone's v2 endpoint https://api-ch-dk-2.exoscale.com/v2",
        ),
        (("--exoscale-ssh-key", "/nonexistent/key"), "--exoscale-ssh-key /nonexistent/key does not exist"),
        (("--exoscale-ssh-user", "-oProxyCommand=x"), "exoscale ssh user '-oProxyCommand=x' is not a user name"),
    ],
)
def test_bad_values_are_one_line(monkeypatch, tmp_path, args, message):
    assert message in refused(monkeypatch, tmp_path, *EXO, *args, "m")


def test_the_zones_endpoint_and_docker_machines_default_are_accepted(monkeypatch, tmp_path):
    for url in ("https://api.exoscale.ch/compute", "https://api-ch-dk-2.exoscale.com/v2"):
        create(monkeypatch, tmp_path, *EXO, "--exoscale-url", url, "m")


def test_the_sdk_missing_is_named(monkeypatch):
    import sys

    from pulumi_docker_machine.components.drivers.exoscale.driver import ExoscaleDriver
    from pulumi_docker_machine.components.drivers.info import DriverArgumentError

    monkeypatch.setitem(sys.modules, "pulumiverse_exoscale", None)
    with pytest.raises(DriverArgumentError, match=r"pip install 'pulumi-docker-machine\[exoscale\]'"):
        ExoscaleDriver(api_key="k", api_secret="s").validate("m")


def test_a_swarm_opens_its_ports_between_the_members_groups(monkeypatch):
    from pulumi_docker_machine.components import DockerMachine, DockerMachineArgs
    from pulumi_docker_machine.components.drivers.base import ClusterMember
    from pulumi_docker_machine.components.drivers.exoscale.driver import ExoscaleDriver

    mocks = ExoscaleMocks()
    ports = [("tcp", 2377), ("udp", 4789)]

    def program():
        driver = ExoscaleDriver(api_key="k", api_secret="s")
        a = DockerMachine("node-a", DockerMachineArgs(driver=driver))
        b = DockerMachine("node-b", DockerMachineArgs(driver=driver))
        members = [ClusterMember(m._name, driver, m.host, m.ip) for m in (a, b)]
        driver.cluster_firewall("blue", members, [pulumi.Output.from_input("198.51.100.7/32")], ports, a)
        return {}

    run_program(mocks, program)
    groups = {g.name: g.id for g in mocks.of_type(GROUP)}
    swarm = [r.inputs for r in mocks.of_type(RULE) if r.name.startswith("blue-swarm-")]
    by_group = {
        (r["securityGroupId"], r["protocol"], r["startPort"], r["userSecurityGroupId"])
        for r in swarm
        if "userSecurityGroupId" in r
    }
    own = [groups["node-a-security-group"], groups["node-b-security-group"]]
    assert by_group == {(g, p.upper(), n, s) for g in own for p, n in ports for s in own}
    by_address = {(r["securityGroupId"], r["protocol"], r["startPort"], r["cidr"]) for r in swarm if "cidr" in r}
    assert by_address == {(g, p.upper(), n, "198.51.100.7/32") for g in own for p, n in ports}


def test_the_credentials_reach_the_provider_as_secrets(monkeypatch, tmp_path):
    from tests.test_driver_openstack import OpenStackMocks  # it records which inputs arrive as secrets

    mocks = build(create(monkeypatch, tmp_path, *EXO, "m"), OpenStackMocks())
    assert set(mocks.secret_inputs["pulumi:providers:exoscale::m-exoscale"]) == {"key", "secret"}
    assert "userData" in mocks.secret_inputs[f"{INSTANCE}::m"]


@pytest.mark.remote_host
def test_an_exoscale_machine_on_a_real_host(remote_host, tmp_path):
    """The mocked cloud hands the SSH key to a real test host (as Exoscale's cloud-init does) and the machine is
    provisioned there over SSH, as the image's user."""
    from pulumi_docker_machine.components import DockerMachineArgs
    from pulumi_docker_machine.components.drivers.exoscale.driver import ExoscaleDriver
    from tests.conftest import build_machine
    from tests.dockertools import hello_world

    host = remote_host
    host.add_user("ubuntu")
    mocks = ExoscaleMocks(vm_address=host.address, ssh_host=host, on_public_key=host.authorize)
    out = build_machine(mocks, "exo", DockerMachineArgs(driver=ExoscaleDriver(api_key="k", api_secret="s")))
    assert out["ip"] == host.address and out["docker_host"] == f"tcp://{host.address}:2376"
    connection = mocks.one("command:remote:Command").inputs["connection"]
    assert (connection["host"], connection["user"]) == (host.address, "ubuntu")
    hello_world(host, out, tmp_path / "certs")

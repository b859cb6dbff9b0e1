"""The openstack driver: its graph under mocks, a mocked cloud provisioning the real test host, checks.

The mocks stand in for OpenStack as MachineMocks does for DigitalOcean and AWS: the server resolves to
an address of ours, a floating IP to the test host's address, and the key pair's public key is handed
to the test host (cloud-init on an OpenStack image installs the key pair).
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import Optional

import pytest
from pulumi.runtime import rpc

from pulumi_docker_machine.components import DockerMachine, DockerMachineArgs, MachineArgumentError
from pulumi_docker_machine.components.cert import covers
from pulumi_docker_machine.components.drivers.base import ClusterMember, DriverArgumentError
from pulumi_docker_machine.components.drivers.openstack.driver import OpenStackDriver
from pulumi_docker_machine.components.material.providers import ServerCertificateProvider
from tests.conftest import DEFAULT_VM_ADDRESS, MachineMocks, build_machine, run_program
from tests.dockertools import hello_world

INSTANCE = "openstack:compute/instance:Instance"
KEYPAIR = "openstack:compute/keypair:Keypair"
SECGROUP = "openstack:networking/secGroup:SecGroup"
RULE = "openstack:networking/secGroupRule:SecGroupRule"
FLOATING_IP = "openstack:networking/floatingIp:FloatingIp"
ASSOCIATE = "openstack:networking/floatingIpAssociate:FloatingIpAssociate"
PORT_SECGROUP = "openstack:networking/portSecGroupAssociate:PortSecGroupAssociate"
PROVIDER = "pulumi:providers:openstack"
GET_PORT = "openstack:networking/getPort:getPort"
FIXED_ADDRESS = "127.0.0.3"  # the server's own address when a floating IP fronts it: loopback, never reached
OS_ENV = (
    "OS_AUTH_URL",
    "OS_CLOUD",
    "OS_USERNAME",
    "OS_USER_ID",
    "OS_PASSWORD",
    "OS_TENANT_NAME",
    "OS_TENANT_ID",
    "OS_PROJECT_NAME",
    "OS_PROJECT_ID",
    "OS_TOKEN",
    "OS_AUTH_TOKEN",
    "OS_APPLICATION_CREDENTIAL_ID",
    "OS_APPLICATION_CREDENTIAL_NAME",
    "OS_REGION_NAME",
    "OS_DOMAIN_NAME",
)


@dataclass
class OpenStackMocks(MachineMocks):
    """MachineMocks that also stand in for OpenStack (Nova, Neutron)."""

    floating: bool = False  # a floating IP fronts the server: the server itself gets FIXED_ADDRESS
    secret_inputs: Optional[dict] = None  # "TYPE::NAME" -> the input names that arrived as secrets

    def new_resource(self, args):
        secrets = [
            k
            for k, v in dict(args.inputs).items()
            if isinstance(v, dict) and v.get(rpc._special_sig_key) == rpc._special_secret_sig
        ]
        if self.secret_inputs is None:
            self.secret_inputs = {}
        self.secret_inputs[f"{args.typ}::{args.name}"] = secrets
        id_, state = self._new_resource(args)
        # As the engine does: an output whose input was a secret stays a secret.
        return id_, {
            k: ({rpc._special_sig_key: rpc._special_secret_sig, "value": v} if k in secrets else v)
            for k, v in state.items()
        }

    def _new_resource(self, args):
        if not args.typ.startswith("openstack:"):
            return super().new_resource(args)
        from tests.conftest import Registered, unwrap_secrets

        inputs = unwrap_secrets(dict(args.inputs))
        state, id_ = dict(inputs), f"{args.name}-id"
        if args.typ == KEYPAIR:
            state["name"] = inputs.get("name") or f"{args.name}-4f2a9c1"  # Pulumi's auto-name
            self._public_key(inputs["publicKey"])
        elif args.typ == SECGROUP:
            state["name"] = inputs.get("name") or f"{args.name}-7b3e0d2"
            id_ = f"sg-{args.name}"
        elif args.typ == INSTANCE:
            id_ = f"server-{args.name}"
            state["accessIpV4"] = FIXED_ADDRESS if self.floating else self.vm_address
        elif args.typ == FLOATING_IP:
            state["address"] = self.vm_address
        with self._lock:
            self.resources.append(Registered(args.typ, args.name, inputs, state, args.provider, id_))
        return id_, state

    def call(self, args):
        if args.token == GET_PORT:
            with self._lock:
                self.calls.append((args.token, dict(args.args)))
            return {"id": f"port-of-{args.args['deviceId']}", "portId": f"port-of-{args.args['deviceId']}"}
        return super().call(args)


@pytest.fixture
def os_env(monkeypatch):
    """An OpenStack environment as an openrc file leaves it (no clouds.yaml)."""
    for name in OS_ENV:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("OS_AUTH_URL", "https://keystone.example.com:5000/v3")
    monkeypatch.setenv("OS_USERNAME", "demo")
    monkeypatch.setenv("OS_PASSWORD", "env-password")
    monkeypatch.setenv("OS_PROJECT_NAME", "demo")


def machine(name: str, driver: OpenStackDriver) -> dict:
    m = DockerMachine(name, DockerMachineArgs(driver=driver))
    return {
        "ip": m.ip,
        "private_ip": m.private_ip,
        "docker_host": m.docker_host,
        "server_cert_pem": m.server_cert_pem,
        "driver_options": m.driver_options,
        "ssh_user": m.ssh_user,
    }


# ----- (1) the graph under mocks -------------------------------------------------------------------------------


def test_graph_from_the_environment(os_env):
    mocks = OpenStackMocks()
    out = run_program(mocks, lambda: machine("web", OpenStackDriver(net_name="private")))
    assert out["ip"][0] == DEFAULT_VM_ADDRESS and out["private_ip"][0] == DEFAULT_VM_ADDRESS
    assert out["docker_host"][0] == f"tcp://{DEFAULT_VM_ADDRESS}:2376"
    assert out["ssh_user"][0] == "ubuntu"
    assert not mocks.of_type(PROVIDER), "credentials from OS_*: the default provider reads them"
    assert not mocks.of_type(FLOATING_IP) and not mocks.of_type(ASSOCIATE), "no pool, no floating IP"

    group = mocks.one(SECGROUP)
    rules = mocks.of_type(RULE)
    assert {
        (
            r.inputs["direction"],
            r.inputs["ethertype"],
            r.inputs["protocol"],
            r.inputs["portRangeMin"],
            r.inputs["portRangeMax"],
            r.inputs["remoteIpPrefix"],
        )
        for r in rules
    } == {("ingress", "IPv4", "tcp", 22, 22, "0.0.0.0/0"), ("ingress", "IPv4", "tcp", 2376, 2376, "0.0.0.0/0")}
    assert len(rules) == 2 and all(r.inputs["securityGroupId"] == group.id for r in rules)

    key = mocks.one(KEYPAIR)
    ssh_key = mocks.one("pulumi-python:dynamic/docker-machine:SSHKey").state
    assert key.inputs["publicKey"] == ssh_key["public_key"]
    server = mocks.one(INSTANCE).inputs
    assert server["name"] == "web"
    assert server["keyPair"] == key.state["name"]
    assert server["securityGroups"] == [group.state["name"]]
    assert (server["flavorName"], server["imageName"]) == ("m1.small", "Ubuntu 24.04")
    assert "flavorId" not in server and "imageId" not in server
    assert server["networks"] == [{"name": "private"}]
    assert server["powerState"] == "active"
    command = mocks.one("command:remote:Command").inputs
    assert command["connection"]["host"] == DEFAULT_VM_ADDRESS and command["connection"]["user"] == "ubuntu"
    assert command["connection"]["privateKey"] == ssh_key["private_key"]
    waits = mocks.monitor.dependencies["command:remote:Command::web-provision"]
    assert sum("SecGroupRule::" in urn for urn in waits) == 2, "provisioning waits for port 22 to open"


def test_graph_with_options_floating_ip_and_secret_password(monkeypatch):
    for name in OS_ENV:
        monkeypatch.delenv(name, raising=False)
    mocks = OpenStackMocks(floating=True)
    driver = OpenStackDriver(
        auth_url="https://keystone.example.com:5000/v3",
        username="alice",
        password="s3cr3t-pw",
        tenant_name="team",
        domain_name="Default",
        region="RegionTwo",
        flavor_id="f-42",
        image_id="img-7",
        net_id="net-uuid-1",
        sec_groups="default, monitoring",
        floating_ip_pool="public",
        availability_zone="nova",
        source_ranges=["203.0.113.0/24", "2001:db8::/32"],
        ssh_port=2222,
    )

    def program():
        m = DockerMachine("api", DockerMachineArgs(driver=driver))
        return {
            "ip": m.ip,
            "private_ip": m.private_ip,
            "opts": m.driver_options,
            "server_cert_pem": m.server_cert_pem,
            "password": m.host.provider.password,
        }

    out = run_program(mocks, program)
    assert out["ip"][0] == DEFAULT_VM_ADDRESS, "the machine is reached at its floating IP"
    assert out["private_ip"][0] == FIXED_ADDRESS
    assert covers(out["server_cert_pem"][0], DEFAULT_VM_ADDRESS)

    provider = mocks.one(PROVIDER)
    assert provider.inputs["authUrl"] == "https://keystone.example.com:5000/v3"
    assert (
        provider.inputs["userName"],
        provider.inputs["tenantName"],
        provider.inputs["domainName"],
        provider.inputs["region"],
    ) == ("alice", "team", "Default", "RegionTwo")
    assert provider.inputs["password"] == "s3cr3t-pw"
    assert mocks.secret_inputs["pulumi:providers:openstack::api-openstack"] == ["password"]
    assert out["password"] == ("s3cr3t-pw", True), "the password stays a secret"
    options, secret = out["opts"]
    assert not secret and "password" not in options and options["username"] == "alice"
    assert options["sec_groups"] == ["default", "monitoring"]
    assert "s3cr3t-pw" not in repr(driver)
    opened = [r for r in mocks.resources if r.typ.startswith("openstack:")]
    assert all(r.provider and r.provider.split("::")[-1].startswith("api-openstack") for r in opened)

    server = mocks.one(INSTANCE).inputs
    assert (server["flavorId"], server["imageId"], server["networks"]) == ("f-42", "img-7", [{"uuid": "net-uuid-1"}])
    assert "flavorName" not in server and "imageName" not in server, "an ID wins over the default name"
    assert server["securityGroups"] == [mocks.one(SECGROUP).state["name"], "default", "monitoring"]
    assert server["availabilityZone"] == "nova" and server["region"] == "RegionTwo"
    rules = {(r.inputs["ethertype"], r.inputs["portRangeMin"], r.inputs["remoteIpPrefix"]) for r in mocks.of_type(RULE)}
    assert rules == {
        ("IPv4", 2222, "203.0.113.0/24"),
        ("IPv6", 2222, "2001:db8::/32"),
        ("IPv4", 2376, "203.0.113.0/24"),
        ("IPv6", 2376, "2001:db8::/32"),
    }

    floating = mocks.one(FLOATING_IP)
    assert floating.inputs["pool"] == "public"
    association = mocks.one(ASSOCIATE).inputs
    assert association["floatingIp"] == DEFAULT_VM_ADDRESS
    assert association["portId"] == "port-of-server-api"
    assert (GET_PORT, {"deviceId": "server-api", "fixedIp": FIXED_ADDRESS, "region": "RegionTwo"}) in mocks.calls
    command = mocks.one("command:remote:Command").inputs
    assert command["connection"]["host"] == DEFAULT_VM_ADDRESS and command["connection"]["port"] == 2222
    waits = mocks.monitor.dependencies["command:remote:Command::api-provision"]
    assert any("FloatingIpAssociate::" in urn for urn in waits), "SSH waits for the floating IP to be associated"


def test_stopped_machine_asks_for_shutoff(os_env):
    mocks = OpenStackMocks()
    run_program(
        mocks,
        lambda: {
            "ip": DockerMachine(
                "web", DockerMachineArgs(driver=OpenStackDriver(net_name="private"), power="stopped")
            ).ip
        },
    )
    assert mocks.one(INSTANCE).inputs["powerState"] == "shutoff"
    assert not mocks.of_type("command:remote:Command")


def test_cluster_firewall_admits_only_its_members(os_env):
    mocks = OpenStackMocks()
    ports = [("tcp", 2377), ("udp", 4789)]

    def program():
        import pulumi

        driver = OpenStackDriver(net_name="private")
        a = DockerMachine("node-a", DockerMachineArgs(driver=driver))
        b = DockerMachine("node-b", DockerMachineArgs(driver=driver))
        members = [ClusterMember(m._name, driver, m.host, m.private_ip) for m in (a, b)]
        driver.cluster_firewall("blue", members, [pulumi.Output.from_input("198.51.100.7/32")], ports, a)
        return {}

    run_program(mocks, program)
    group = next(g for g in mocks.of_type(SECGROUP) if g.name == "blue-swarm-secgroup")
    rules = [r.inputs for r in mocks.of_type(RULE) if r.name.startswith("blue-swarm-")]
    by_group = {(r["protocol"], r["portRangeMin"], r["ethertype"]) for r in rules if r.get("remoteGroupId") == group.id}
    assert by_group == {(p, n, e) for p, n in ports for e in ("IPv4", "IPv6")}
    by_address = {(r["protocol"], r["portRangeMin"], r["remoteIpPrefix"]) for r in rules if "remoteIpPrefix" in r}
    assert by_address == {("tcp", 2377, "198.51.100.7/32"), ("udp", 4789, "198.51.100.7/32")}
    assert all(r["securityGroupId"] == group.id for r in rules)
    attached = {r.name: r.inputs for r in mocks.of_type(PORT_SECGROUP)}
    assert attached == {
        f"node-{x}-swarm-secgroup": {
            "portId": f"port-of-server-node-{x}",
            "securityGroupIds": [group.id],
            "enforce": False,
        }
        for x in ("a", "b")
    }


# ----- (2) mock cloud, real host -------------------------------------------------------------------------------


@pytest.mark.remote_host
def test_openstack_machine_on_a_real_host(remote_host, os_env, tmp_path):
    host = remote_host
    host.add_user("ubuntu")  # what cloud-init makes on Ubuntu's cloud image
    mocks = OpenStackMocks(vm_address=host.address, ssh_host=host, on_public_key=host.authorize, floating=True)
    out = build_machine(
        mocks, "web", DockerMachineArgs(driver=OpenStackDriver(net_name="private", floating_ip_pool="public"))
    )
    assert out["ip"] == host.address and out["private_ip"] == FIXED_ADDRESS
    assert out["docker_host"] == f"tcp://{host.address}:2376"
    connection = mocks.one("command:remote:Command").inputs["connection"]
    assert (connection["host"], connection["user"]) == (host.address, "ubuntu")
    assert connection["privateKey"] == out["ssh_private_key"], "provisioned with the generated key"
    hello_world(host, out, tmp_path / "certs")
    assert host.output("hostname").strip() == "web"


# ----- (3) a new address, a new server certificate -------------------------------------------------------------


def test_a_new_floating_ip_gets_a_new_server_certificate(os_env):
    driver = OpenStackDriver(net_name="private", floating_ip_pool="public")
    runs = []
    for address in ("127.0.0.2", "127.0.0.4", "127.0.0.4"):
        mocks = OpenStackMocks(vm_address=address, floating=True)
        out = run_program(mocks, lambda: machine("web", driver))
        runs.append((out, mocks.one("pulumi-python:dynamic/docker-machine:ServerCertificate")))
    (first, cert1), (second, cert2), (_, cert3) = runs
    assert covers(first["server_cert_pem"][0], "127.0.0.2") and not covers(first["server_cert_pem"][0], "127.0.0.4")
    assert covers(second["server_cert_pem"][0], "127.0.0.4") and not covers(second["server_cert_pem"][0], "127.0.0.2")
    assert second["docker_host"][0] == "tcp://127.0.0.4:2376"
    provider = ServerCertificateProvider()
    # The engine diffs the kept certificate (the first run's outputs) against the next run's inputs.
    moved = provider.diff(cert1.id, cert1.state, cert2.inputs)
    assert "addresses" in moved.replaces, "a different floating IP replaces the server certificate"
    same = provider.diff(
        cert2.id,
        cert2.state,
        {**cert3.inputs, "ca_cert_pem": cert2.state["ca_cert_pem"], "organization": cert2.state["organization"]},
    )
    assert not same.replaces and not same.changes, "the same address keeps it"


# ----- (4) checks ----------------------------------------------------------------------------------------------


def raised(driver: OpenStackDriver) -> str:
    mocks = OpenStackMocks()
    caught = {}

    def program():
        try:
            DockerMachine("web", DockerMachineArgs(driver=driver))
        except MachineArgumentError as err:
            caught["err"] = str(err)
        return {}

    run_program(mocks, program)
    assert mocks.resources == [], "nothing is registered before the checks pass"
    assert "err" in caught, "no error raised"
    assert "\n" not in caught["err"]
    return caught["err"]


def test_no_auth_url_is_named(monkeypatch):
    for name in OS_ENV:
        monkeypatch.delenv(name, raising=False)
    assert raised(OpenStackDriver(net_name="private")) == (
        "openstack driver requires the --openstack-auth-url option (or OS_AUTH_URL / OS_CLOUD with clouds.yaml)"
    )


def test_os_cloud_alone_is_enough(monkeypatch):
    for name in OS_ENV:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("OS_CLOUD", "mycloud")
    OpenStackDriver(net_name="private").validate("web")


@pytest.mark.parametrize(
    ("driver", "message"),
    [
        (
            dict(flavor_name=None),
            "openstack driver requires the --openstack-flavor-name or --openstack-flavor-id option",
        ),
        (dict(flavor_name=""), "openstack driver requires the --openstack-flavor-name or --openstack-flavor-id option"),
        (dict(image_name=None), "openstack driver requires the --openstack-image-name or --openstack-image-id option"),
        (
            dict(flavor_name="m1.large", flavor_id="f-1"),
            "openstack flavor: give --openstack-flavor-name or --openstack-flavor-id, not both",
        ),
        (dict(net_name=None), "openstack driver requires the --openstack-net-name or --openstack-net-id option"),
        (dict(net_id="n-1"), "openstack network: give --openstack-net-name or --openstack-net-id, not both"),
        (dict(auth_url="keystone:5000"), "openstack --openstack-auth-url 'keystone:5000' is not a URL"),
        (dict(ssh_port=0), "openstack --openstack-ssh-port 0 is not a TCP port"),
        (dict(ssh_user="-oProxyCommand=x"), "openstack ssh user '-oProxyCommand=x' is not a user name"),
        (dict(source_ranges=["everywhere"]), "openstack source range 'everywhere' is not a CIDR range"),
        (dict(sec_groups=["a\nb"]), "openstack security group 'a\\nb' is not a group name"),
    ],
)
def test_bad_options_are_named(os_env, driver, message):
    assert raised(OpenStackDriver(**{"net_name": "private", **driver})).startswith(message)


@pytest.mark.parametrize(
    ("unset", "message"),
    [
        ("OS_USERNAME", "openstack driver requires the --openstack-username option (or OS_USERNAME"),
        ("OS_PASSWORD", "openstack driver requires the --openstack-password option (or OS_PASSWORD"),
        ("OS_PROJECT_NAME", "openstack driver requires the --openstack-tenant-name or --openstack-tenant-id option"),
    ],
)
def test_missing_credentials_are_named(os_env, monkeypatch, unset, message):
    monkeypatch.delenv(unset)
    assert raised(OpenStackDriver(net_name="private")).startswith(message)


def test_missing_sdk_is_named(os_env, monkeypatch):
    monkeypatch.setitem(sys.modules, "pulumi_openstack", None)  # import now raises ImportError
    expected = "the openstack driver needs its SDK: pip install 'pulumi-docker-machine[openstack]'"
    with pytest.raises(DriverArgumentError) as err:
        OpenStackDriver(net_name="private").validate("web")
    assert str(err.value) == expected
    with pytest.raises(DriverArgumentError) as err:
        OpenStackDriver(net_name="private").create_host("web", None, 2376, None)  # type: ignore[arg-type]
    assert str(err.value) == expected


def test_flag_rows_match_the_driver():
    import dataclasses
    import subprocess

    from pulumi_docker_machine.components.drivers.info import BOOL, INT, MULTI, STR
    from pulumi_docker_machine.components.drivers.openstack.flags import FLAGS

    fields = {f.name: f for f in dataclasses.fields(OpenStackDriver)}
    for flag, dest, kind, default, env, help_text in FLAGS:
        assert flag.startswith("--openstack-") and env.startswith("OS_") and help_text
        assert dest in fields, dest
        assert kind in (STR, INT, BOOL, MULTI)
        field_default = fields[dest].default
        assert default == ("" if field_default in (None, ()) or fields[dest].metadata.get("secret") else field_default)
    code = (
        "import sys, pulumi_docker_machine.components.drivers.openstack.flags; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('pulumi', 'pulumi_openstack')))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]", "the flag rows import no SDK"

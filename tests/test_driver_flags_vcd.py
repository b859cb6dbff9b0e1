"""The vcd driver (VMware Cloud Director, vCloud Air's successor): docker-machine 0.16.2's vmwarevcloudair flags
(drivers/vmwarevcloudair/vcloudair.go) under their own names, given to ``create -d vcd`` and followed into the
resources the machine registers under mocks (pulumi-vcd)."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from pulumi_docker_machine.components.drivers import describe
from tests.conftest import DEFAULT_VM_ADDRESS
from tests.test_driver_flags_helpers import FlagMocks, build, create, refused

VCD = (
    "-d",
    "vcd",
    "--vcd-url",
    "https://vcd.example.com/api",
    "--vcd-org",
    "acme",
    "--vmwarevcloudair-username",
    "alice",
    "--vmwarevcloudair-password",
    "s3cr3t-vcd",
    "--vmwarevcloudair-vdcid",
    "vdc1",
)
VM = "vcd:index/vm:Vm"
NAT = "vcd:index/nsxtNatRule:NsxtNatRule"
PROVIDER = "pulumi:providers:vcd"
PUBLIC = "203.0.113.50"
ENV = ("VCD_URL", "VCD_ORG", "VCD_USER", "VCD_PASSWORD", "VCD_ALLOW_UNVERIFIED_SSL")
ENV += tuple(f"VCLOUDAIR_{n}" for n in ("USERNAME", "PASSWORD", "COMPUTEID", "VDCID", "ORGVDCNETWORK", "EDGEGATEWAY"))
ENV += tuple(f"VCLOUDAIR_{n}" for n in ("PUBLICIP", "CATALOG", "CATALOGITEM", "CPU_COUNT", "MEMORY_SIZE", "SSH_PORT"))
ENV += ("VCLOUDAIR_DOCKER_PORT",)


@pytest.fixture(autouse=True)
def no_vcd_environment(monkeypatch):
    for name in ENV:
        monkeypatch.delenv(name, raising=False)


@dataclass
class VcdMocks(FlagMocks):
    """FlagMocks standing in for Cloud Director: the VM gets an address from its network's pool, lookups find IDs."""

    def new_resource(self, args):
        id_, state = super().new_resource(args)
        if args.typ == VM:
            networks = [{**state["networks"][0], "ip": self.vm_address}]
            state = {**state, "networks": networks}
            with self._lock:
                next(r for r in self.resources if (r.typ, r.name) == (args.typ, args.name)).state.update(state)
        return id_, state

    def call(self, args):
        kind = args.token.rsplit(":", 1)[-1]
        if kind in ("getCatalog", "getCatalogVappTemplate", "getNsxtEdgegateway"):
            with self._lock:
                self.calls.append((args.token, dict(args.args)))
            return {"id": f"urn:vcloud:{kind}:{args.args['name']}"}
        return super().call(args)


def vcd(created) -> VcdMocks:
    return build(created, VcdMocks())  # type: ignore[return-value]


def test_the_vcloudair_flags_make_the_vm(monkeypatch, tmp_path):
    args = ("--vmwarevcloudair-cpu-count", "2", "--vmwarevcloudair-memory-size", "4096")
    args += ("--vmwarevcloudair-catalog", "ops", "--vmwarevcloudair-catalogitem", "Ubuntu 24.04")
    created = create(monkeypatch, tmp_path, *VCD, *args, "m")
    assert "password" not in created.spec.public_options()
    mocks = vcd(created)
    provider = mocks.one(PROVIDER).inputs
    assert (provider["url"], provider["org"], provider["user"], provider["password"], provider["vdc"]) == (
        "https://vcd.example.com/api",
        "acme",
        "alice",
        "s3cr3t-vcd",
        "vdc1",
    )
    vm = mocks.one(VM).inputs
    assert (vm["name"], vm["cpus"], vm["memory"], vm["powerOn"]) == ("m", 2, 4096, True)
    assert vm["vappTemplateId"] == "urn:vcloud:getCatalogVappTemplate:Ubuntu 24.04"
    template_call = next(a for t, a in mocks.calls if t.endswith("getCatalogVappTemplate"))
    assert template_call["catalogId"] == "urn:vcloud:getCatalog:ops"
    assert vm["networks"] == [
        {"type": "org", "name": "vdc1-default-routed", "ipAllocationMode": "POOL", "isPrimary": True}
    ]
    key = mocks.one("pulumi-python:dynamic/docker-machine:SSHKey").state["public_key"].strip()
    assert (
        vm["customization"]["enabled"] is True
        and f"echo '{key}' > /root/.ssh/authorized_keys" in vm["customization"]["initscript"]
    )
    assert not mocks.of_type(NAT), "no public IP: no NAT rules"
    connection = mocks.one("command:remote:Command").inputs["connection"]
    assert (connection["host"], connection["user"]) == (DEFAULT_VM_ADDRESS, "root"), "its network address"


def test_a_public_ip_is_mapped_one_to_one(monkeypatch, tmp_path):
    args = ("--vmwarevcloudair-publicip", PUBLIC, "--vmwarevcloudair-edgegateway", "edge-1")
    args += ("--vmwarevcloudair-orgvdcnetwork", "web-net", "--vmwarevcloudair-docker-port", "3376")
    created = create(monkeypatch, tmp_path, *VCD, *args, "m")
    assert created.spec.engine["port"] == 3376
    mocks = vcd(created)
    rules = {r.inputs["ruleType"]: r.inputs for r in mocks.of_type(NAT)}
    assert set(rules) == {"DNAT", "SNAT"}
    for rule in rules.values():
        assert (rule["externalAddress"], rule["internalAddress"]) == (PUBLIC, DEFAULT_VM_ADDRESS)
        assert rule["edgeGatewayId"] == "urn:vcloud:getNsxtEdgegateway:edge-1"
    assert mocks.one(VM).inputs["networks"][0]["name"] == "web-net"
    assert mocks.outputs["ip"][0] == PUBLIC
    connection = mocks.one("command:remote:Command").inputs["connection"]
    assert connection["host"] == PUBLIC
    waits = mocks.monitor.dependencies["command:remote:Command::m-provision"]
    assert sum("NsxtNatRule::" in urn for urn in waits) == 2, "SSH waits for the NAT rules"


def test_the_store_keeps_docker_machines_fields():
    written = describe("vcd").stored.written({"ip": PUBLIC, "docker_host": f"tcp://{PUBLIC}:3376"})
    assert written == {"PublicIP": PUBLIC, "DockerPort": 3376}
    assert describe("vcd").stored.address({"PublicIP": PUBLIC, "IPAddress": "10.0.0.5"}) == PUBLIC


@pytest.mark.parametrize(
    ("args", "line"),
    [
        (
            ("--vmwarevcloudair-username", "alice"),
            "Please specify vcloudair mandatory params using options: -vcd-url -vmwarevcloudair-username "
            "-vmwarevcloudair-password -vmwarevcloudair-vdcid",
        ),
        ((*VCD[2:], "--vmwarevcloudair-computeid", "c1"), "--vmwarevcloudair-computeid is not supported"),
        (
            (*VCD[2:], "--vmwarevcloudair-publicip", "nope"),
            "vcd --vmwarevcloudair-publicip 'nope' is not an IPv4 address",
        ),
        (
            (*VCD[2:], "--vmwarevcloudair-cpu-count", "0"),
            "vcd --vmwarevcloudair-cpu-count 0 is not a number from 1 to 768",
        ),
    ],
)
def test_refusals_are_one_line(monkeypatch, tmp_path, args, line):
    assert line in refused(monkeypatch, tmp_path, "-d", "vcd", *args, "m")


def test_a_stopped_machine_is_powered_off(monkeypatch, tmp_path):
    from pulumi_docker_machine.components import DockerMachine, DockerMachineArgs
    from pulumi_docker_machine.components.drivers.vcd.driver import VcdDriver
    from tests.conftest import run_program

    mocks = VcdMocks()
    driver = VcdDriver(url="https://vcd.example.com/api", org="acme", username="a", password="p", vdc="v")
    run_program(mocks, lambda: {"ip": DockerMachine("m", DockerMachineArgs(driver=driver, power="stopped")).ip})
    assert mocks.one(VM).inputs["powerOn"] is False


def test_the_password_reaches_the_provider_as_a_secret(monkeypatch, tmp_path):
    from tests.test_driver_openstack import OpenStackMocks  # it records which inputs arrive as secrets

    mocks = build(create(monkeypatch, tmp_path, *VCD, "m"), OpenStackMocks())
    assert mocks.secret_inputs["pulumi:providers:vcd::m-vcd"] == ["password"]

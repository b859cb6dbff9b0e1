"""docker-machine 0.16.2's azure flags beyond the first ones (drivers/azure/azure.go), each given to ``create`` and
followed into the resources the machine registers under the Azure mocks."""

from __future__ import annotations

import base64
from dataclasses import dataclass

import pytest

from pulumi_docker_machine.components.cert import covers
from tests.conftest import Registered, unwrap_secrets
from tests.test_driver_azure import SUB, AzureMocks
from tests.test_driver_flags_helpers import build, create, refused

AZ = ("-d", "azure", "--azure-subscription-id", SUB)
VM = "azure-native:compute:VirtualMachine"
NIC = "azure-native:network:NetworkInterface"
PIP = "azure-native:network:PublicIPAddress"
AVSET = "azure-native:compute:AvailabilitySet"
RULE = "azure-native:network:SecurityRule"


@dataclass
class AvailabilitySetMocks(AzureMocks):
    """The Azure mocks, knowing availability sets too."""

    def new_resource(self, args):
        if args.typ != AVSET:
            return super().new_resource(args)
        inputs = unwrap_secrets(dict(args.inputs))
        id_ = (
            f"/subscriptions/{SUB}/resourceGroups/{inputs['resourceGroupName']}/providers/"
            f"Microsoft.Compute/availabilitySets/{inputs['availabilitySetName']}"
        )
        state = {**inputs, "id": id_, "name": inputs["availabilitySetName"]}
        with self._lock:
            self.resources.append(Registered(args.typ, args.name, inputs, state, args.provider, id_))
        return id_, state


@pytest.fixture(autouse=True)
def no_azure_environment(monkeypatch):
    for name in (
        "AZURE_SUBSCRIPTION_ID",
        "ARM_SUBSCRIPTION_ID",
        "AZURE_CLIENT_ID",
        "AZURE_CLIENT_SECRET",
        "AZURE_TENANT_ID",
        "AZURE_CUSTOM_DATA_FILE",
        "AZURE_DNS_LABEL",
        "AZURE_DOCKER_PORT",
        "AZURE_ENVIRONMENT",
        "AZURE_AVAILABILITY_SET",
    ):
        monkeypatch.delenv(name, raising=False)


def machine(monkeypatch, tmp_path, *args: str, env=None):
    return build(create(monkeypatch, tmp_path, *AZ, *args, "m", env=env), AvailabilitySetMocks())


def test_custom_data_is_the_vms_custom_data(monkeypatch, tmp_path):
    data = tmp_path / "cloud-init"
    data.write_text("#cloud-config\nruncmd: [touch /made]\n")
    created = create(monkeypatch, tmp_path, *AZ, "m", env={"AZURE_CUSTOM_DATA_FILE": str(data)})
    assert created.spec.driver_options["user_data_file"] == str(data)
    mocks = build(created, AvailabilitySetMocks())
    custom = mocks.one(VM).inputs["osProfile"]["customData"]
    assert base64.b64decode(custom).decode() == data.read_text()
    assert "cloud-config" not in str(created.spec.public_options()), "the contents are a secret option"


def test_dns_label_on_the_public_address_and_in_the_certificate(monkeypatch, tmp_path):
    mocks = machine(monkeypatch, tmp_path, "--azure-dns", "my-docker", "--azure-location", "westeurope")
    assert mocks.one(PIP).inputs["dnsSettings"] == {"domainNameLabel": "my-docker"}
    server = mocks.one("pulumi-python:dynamic/docker-machine:ServerCertificate").state["cert_pem"]
    assert covers(server, "my-docker.westeurope.cloudapp.azure.com")
    assert "must be 3 to 63" in refused(monkeypatch, tmp_path, *AZ, "--azure-dns", "-x", "m")


def test_docker_port_is_the_engines(monkeypatch, tmp_path):
    created = create(monkeypatch, tmp_path, *AZ, "m", env={"AZURE_DOCKER_PORT": "2380"})
    assert created.spec.engine["port"] == 2380 and "engine_port" not in created.spec.driver_options
    mocks = build(created, AvailabilitySetMocks())
    ports = sorted(rule.inputs["destinationPortRange"] for rule in mocks.of_type(RULE))
    assert ports == ["22", "2380"]


def test_environment_chooses_the_cloud(monkeypatch, tmp_path):
    mocks = machine(monkeypatch, tmp_path, "--azure-environment", "AzureChinaCloud")
    assert mocks.one("pulumi:providers:azure-native").inputs["environment"] == "china"
    assert machine(monkeypatch, tmp_path).one("pulumi:providers:azure-native").inputs["environment"] == "public"
    assert "AzureGermanCloud closed in October 2021" in refused(
        monkeypatch, tmp_path, *AZ, "--azure-environment", "AzureGermanCloud", "m"
    )


def test_private_ip_address_is_static(monkeypatch, tmp_path):
    mocks = machine(monkeypatch, tmp_path, "--azure-private-ip-address", "10.0.0.9")
    config = mocks.one(NIC).inputs["ipConfigurations"][0]
    assert (config["privateIPAllocationMethod"], config["privateIPAddress"]) == ("Static", "10.0.0.9")
    assert "is not in the subnet 10.0.0.0/24" in refused(
        monkeypatch, tmp_path, *AZ, "--azure-private-ip-address", "192.168.9.9", "m"
    )


def test_availability_set(monkeypatch, tmp_path):
    mocks = machine(monkeypatch, tmp_path, "--azure-availability-set", "web")
    made = mocks.one(AVSET)
    assert made.inputs["availabilitySetName"] == "web" and made.inputs["resourceGroupName"] == "docker-machine-m"
    assert mocks.one(VM).inputs["availabilitySet"] == {"id": made.id}
    shared = machine(monkeypatch, tmp_path, "--azure-availability-set", "web", "--azure-resource-group", "team")
    assert not shared.of_type(AVSET), "an existing group's set is used, not made"
    assert (
        shared.one(VM)
        .inputs["availabilitySet"]["id"]
        .endswith("/resourceGroups/team/providers/Microsoft.Compute/availabilitySets/web")
    )

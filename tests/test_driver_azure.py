"""The azure driver: its resource graph under Pulumi's mocks, a real test host provisioned through it
("mock cloud, real host"), a new certificate for a new address, its flags and its argument checks."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
from dataclasses import dataclass, field

import pulumi
import pytest

from pulumi_docker_machine.components import DockerMachine, DockerMachineArgs, MachineArgumentError
from pulumi_docker_machine.components.cert import covers
from pulumi_docker_machine.components.drivers.azure.driver import AzureDriver
from pulumi_docker_machine.components.drivers.info import BOOL, INT, MULTI, STR
from pulumi_docker_machine.components.drivers.base import ClusterMember
from pulumi_docker_machine.components.machine import OUTPUTS
from tests.conftest import DEFAULT_VM_ADDRESS, MachineMocks, Registered, build_machine, run_program, unwrap_secrets
from tests.dockertools import docker, hello_world

SUB = "00000000-0000-4000-8000-000000000001"
CLIENT = "00000000-0000-4000-8000-000000000002"
TENANT = "00000000-0000-4000-8000-000000000003"
DYNAMIC = "pulumi-python:dynamic/docker-machine:"
AZ = "azure-native:"
NSG, RULE, NIC, PIP, VM = (
    AZ + "network:NetworkSecurityGroup",
    AZ + "network:SecurityRule",
    AZ + "network:NetworkInterface",
    AZ + "network:PublicIPAddress",
    AZ + "compute:VirtualMachine",
)
# Each Azure type: (the input holding its name, its resource provider path).
KINDS = {
    AZ + "network:VirtualNetwork": ("virtualNetworkName", "Microsoft.Network/virtualNetworks"),
    AZ + "network:Subnet": ("subnetName", "Microsoft.Network/virtualNetworks/{virtualNetworkName}/subnets"),
    NSG: ("networkSecurityGroupName", "Microsoft.Network/networkSecurityGroups"),
    RULE: ("securityRuleName", "Microsoft.Network/networkSecurityGroups/{networkSecurityGroupName}/securityRules"),
    PIP: ("publicIpAddressName", "Microsoft.Network/publicIPAddresses"),
    NIC: ("networkInterfaceName", "Microsoft.Network/networkInterfaces"),
    VM: ("vmName", "Microsoft.Compute/virtualMachines"),
    AZ + "compute:AvailabilitySet": ("availabilitySetName", "Microsoft.Compute/availabilitySets"),
}


@dataclass
class AzureMocks(MachineMocks):
    """MachineMocks, plus Azure Resource Manager: Azure-shaped IDs and names, the public IP at
    ``vm_address``, the NIC's private IP at ``private_address``, and the VM's SSH key handed to
    ``on_public_key`` as Azure's Linux agent would install it."""

    raw_inputs: dict = field(default_factory=dict)  # name: inputs with secrets still wrapped

    def new_resource(self, args: pulumi.runtime.MockResourceArgs):
        typ = args.typ
        if not typ.startswith(AZ):
            if typ == "pulumi:providers:azure-native":
                self.raw_inputs[args.name] = dict(args.inputs)
            return super().new_resource(args)
        self.raw_inputs[args.name] = dict(args.inputs)
        inputs = unwrap_secrets(dict(args.inputs))
        state = dict(inputs)
        if typ == AZ + "resources:ResourceGroup":
            state["name"] = inputs["resourceGroupName"]
            id_ = f"/subscriptions/{SUB}/resourceGroups/{state['name']}"
        else:
            name_key, path = KINDS[typ]
            state["name"] = inputs[name_key]
            id_ = (
                f"/subscriptions/{SUB}/resourceGroups/{inputs['resourceGroupName']}/providers/"
                f"{path.format(**inputs)}/{state['name']}"
            )
        if typ == PIP:
            state["ipAddress"] = self.vm_address
        elif typ == NIC:
            state["ipConfigurations"] = [
                {**c, "privateIPAddress": self.private_address} for c in inputs["ipConfigurations"]
            ]
        elif typ == VM:
            state["vmId"] = "11111111-2222-4333-8444-555555555555"
            self._public_key(inputs["osProfile"]["linuxConfiguration"]["ssh"]["publicKeys"][0]["keyData"])
        state["id"] = id_
        with self._lock:
            self.resources.append(Registered(typ, args.name, inputs, state, args.provider, id_))
        return id_, state


def outputs(machine: DockerMachine) -> dict:
    return {key: getattr(machine, key) for key in OUTPUTS}


@pytest.fixture
def no_azure_env(monkeypatch):
    for variable in (
        "AZURE_SUBSCRIPTION_ID",
        "ARM_SUBSCRIPTION_ID",
        "AZURE_CLIENT_ID",
        "AZURE_CLIENT_SECRET",
        "AZURE_TENANT_ID",
    ):
        monkeypatch.delenv(variable, raising=False)


# ----- (1) the resource graph under mocks ------------------------------------------------------------------------


def test_azure_machine_graph(no_azure_env):
    mocks = AzureMocks()
    driver = AzureDriver(
        subscription_id=SUB,
        client_id=CLIENT,
        tenant_id=TENANT,
        client_secret="sp-s3cr3t",
        source_ranges=["203.0.113.0/24", "198.51.100.0/24"],
    )
    out = run_program(mocks, lambda: outputs(DockerMachine("az", DockerMachineArgs(driver=driver))))
    assert out["ip"] == (DEFAULT_VM_ADDRESS, False)
    assert out["private_ip"] == ("127.0.0.3", False)
    assert out["docker_host"][0] == f"tcp://{DEFAULT_VM_ADDRESS}:2376"
    assert out["ssh_user"][0] == "docker-user"
    assert covers(out["server_cert_pem"][0], DEFAULT_VM_ADDRESS)

    # The credentials: an explicit provider, the secret kept secret, and never in the driver's options.
    provider = mocks.one("pulumi:providers:azure-native")
    assert (
        provider.inputs["subscriptionId"],
        provider.inputs["clientId"],
        provider.inputs["tenantId"],
        provider.inputs["clientSecret"],
        provider.inputs["location"],
    ) == (SUB, CLIENT, TENANT, "sp-s3cr3t", "westus")
    assert pulumi.runtime.rpc._special_secret_sig in str(mocks.raw_inputs["az-azure-native"]["clientSecret"]), (
        "the client secret reaches the provider as a secret"
    )
    assert "clientSecret" not in str({k: v for k, v in mocks.raw_inputs.items() if k != "az-azure-native"})
    options, secret = out["driver_options"]
    assert not secret and "client_secret" not in options and options["subscription_id"] == SUB
    assert "sp-s3cr3t" not in repr(driver) and "sp-s3cr3t" not in str(options)
    for r in mocks.resources:
        if r.typ.startswith(AZ):
            assert "az-azure-native" in r.provider, f"{r.name} is made with the explicit provider"

    group = mocks.one(AZ + "resources:ResourceGroup").inputs
    assert (group["resourceGroupName"], group["location"]) == ("docker-machine-az", "westus")
    vnet = mocks.one(AZ + "network:VirtualNetwork").inputs
    assert vnet["addressSpace"] == {"addressPrefixes": ["10.0.0.0/16"]}
    subnet = mocks.one(AZ + "network:Subnet").inputs
    assert (subnet["subnetName"], subnet["addressPrefix"], subnet["virtualNetworkName"]) == (
        "docker-machine",
        "10.0.0.0/24",
        "az-vnet",
    )

    # Inbound: only SSH and the Docker port, only from the source ranges (Azure's defaults deny the rest).
    nsg = mocks.one(NSG)
    assert "securityRules" not in nsg.inputs, "no inline rules: a cluster's rules join the group as resources"
    rules = {
        (
            r.inputs["protocol"],
            r.inputs["destinationPortRange"],
            tuple(r.inputs["sourceAddressPrefixes"]),
            r.inputs["access"],
            r.inputs["direction"],
        )
        for r in mocks.of_type(RULE)
    }
    sources = ("203.0.113.0/24", "198.51.100.0/24")
    assert rules == {("Tcp", "22", sources, "Allow", "Inbound"), ("Tcp", "2376", sources, "Allow", "Inbound")}
    assert all(r.inputs["networkSecurityGroupName"] == "az-nsg" for r in mocks.of_type(RULE))
    assert sorted(r.inputs["priority"] for r in mocks.of_type(RULE)) == [1000, 1001]

    pip = mocks.one(PIP).inputs
    assert (pip["publicIPAllocationMethod"], pip["sku"]["name"]) == ("Static", "Standard")
    nic = mocks.one(NIC).inputs
    assert nic["networkSecurityGroup"] == {"id": nsg.id}
    (config,) = nic["ipConfigurations"]
    assert config["publicIPAddress"] == {"id": mocks.one(PIP).id}
    assert config["subnet"] == {"id": mocks.one(AZ + "network:Subnet").id}

    vm = mocks.one(VM).inputs
    assert (vm["vmName"], vm["hardwareProfile"], vm["location"]) == ("az", {"vmSize": "Standard_B1s"}, "westus")
    linux = vm["osProfile"]["linuxConfiguration"]
    assert linux["disablePasswordAuthentication"] is True
    ssh_key = mocks.one(DYNAMIC + "SSHKey").state
    assert linux["ssh"]["publicKeys"] == [
        {"path": "/home/docker-user/.ssh/authorized_keys", "keyData": ssh_key["public_key"]}
    ]
    assert vm["osProfile"]["adminUsername"] == "docker-user" and "adminPassword" not in vm["osProfile"]
    assert vm["storageProfile"]["imageReference"] == {
        "publisher": "canonical",
        "offer": "ubuntu-24_04-lts",
        "sku": "server",
        "version": "latest",
    }
    disk = vm["storageProfile"]["osDisk"]
    assert (disk["createOption"], disk["managedDisk"], disk["deleteOption"]) == (
        "FromImage",
        {"storageAccountType": "Standard_LRS"},
        "Delete",
    )
    assert "diskSizeGB" not in disk, "the image's own disk size unless one is asked for"
    assert vm["networkProfile"]["networkInterfaces"] == [
        {"id": mocks.one(NIC).id, "primary": True, "deleteOption": "Detach"}
    ]

    command = mocks.one("command:remote:Command").inputs
    assert (command["connection"]["host"], command["connection"]["user"]) == (DEFAULT_VM_ADDRESS, "docker-user")
    assert command["connection"]["privateKey"] == ssh_key["private_key"]
    assert command["create"].startswith("sudo -n sh -c ")
    waits = mocks.monitor.dependencies["command:remote:Command::az-provision"]
    assert any(urn.endswith("::az-nsg") for urn in waits) and sum("SecurityRule" in urn for urn in waits) == 2, (
        "provisioning waits for the rules that open port 22"
    )


def test_azure_options_existing_group_and_vnet_private_ip(no_azure_env, monkeypatch):
    monkeypatch.setenv("AZURE_SUBSCRIPTION_ID", SUB)
    mocks = AzureMocks()
    driver = AzureDriver(
        resource_group="shared-rg",
        vnet="net-rg:corp",
        subnet="machines",
        no_public_ip=True,
        location="westeurope",
        size="Standard_D2s_v5",
        disk_size=64,
        storage_type="Premium_LRS",
        open_ports=["8080", "53/udp"],
        image="Debian:debian-12:12-gen2:latest",
    )
    out = run_program(mocks, lambda: {"ip": DockerMachine("db", DockerMachineArgs(driver=driver)).ip})
    assert out["ip"][0] == "127.0.0.3", "no public IP: the machine is reached at its private address"
    assert not mocks.of_type(AZ + "resources:ResourceGroup") and not mocks.of_type(PIP)
    assert not mocks.of_type(AZ + "network:VirtualNetwork") and not mocks.of_type(AZ + "network:Subnet")
    provider = mocks.one("pulumi:providers:azure-native").inputs
    assert provider["subscriptionId"] == SUB, "AZURE_SUBSCRIPTION_ID is handed to the provider (it reads ARM_*)"
    assert "clientSecret" not in provider
    nic = mocks.one(NIC).inputs
    assert nic["resourceGroupName"] == "shared-rg"
    (config,) = nic["ipConfigurations"]
    assert config["subnet"]["id"] == (
        f"/subscriptions/{SUB}/resourceGroups/net-rg/providers/Microsoft.Network/virtualNetworks/corp/subnets/machines"
    )
    assert "publicIPAddress" not in config
    vm = mocks.one(VM).inputs
    assert vm["storageProfile"]["osDisk"]["diskSizeGB"] == 64
    assert vm["storageProfile"]["osDisk"]["managedDisk"] == {"storageAccountType": "Premium_LRS"}
    assert vm["storageProfile"]["imageReference"]["publisher"] == "Debian"
    assert {(r.inputs["protocol"], r.inputs["destinationPortRange"]) for r in mocks.of_type(RULE)} == {
        ("Tcp", "22"),
        ("Tcp", "2376"),
        ("Tcp", "8080"),
        ("Udp", "53"),
    }


def test_azure_default_provider_without_credentials(no_azure_env, monkeypatch):
    monkeypatch.setenv("ARM_SUBSCRIPTION_ID", SUB)
    mocks = AzureMocks()
    run_program(mocks, lambda: {"ip": DockerMachine("az", DockerMachineArgs(driver=AzureDriver())).ip})
    assert not mocks.of_type("pulumi:providers:azure-native"), "the default provider reads ARM_SUBSCRIPTION_ID itself"


def test_azure_cluster_firewall_opens_ports_on_each_members_group(no_azure_env):
    mocks = AzureMocks()
    made = {}

    def program():
        driver = AzureDriver(subscription_id=SUB)
        machines = {n: DockerMachine(n, DockerMachineArgs(driver=driver)) for n in ("m1", "m2")}
        members = [ClusterMember(n, driver, m.host, m.private_ip) for n, m in machines.items()]
        made["rules"] = driver.cluster_firewall(
            "sw", members, [pulumi.Output.from_input("198.51.100.7/32")], (("tcp", 2377), ("udp", 4789)), machines["m1"]
        )
        return {}

    run_program(mocks, program)
    assert len(made["rules"]) == 4
    swarm = [r for r in mocks.of_type(RULE) if "-swarm-" in r.name]
    assert {
        (
            r.inputs["networkSecurityGroupName"],
            r.inputs["resourceGroupName"],
            r.inputs["protocol"],
            r.inputs["destinationPortRange"],
        )
        for r in swarm
    } == {
        (f"{m}-nsg", f"docker-machine-{m}", p, port)
        for m in ("m1", "m2")
        for p, port in (("Tcp", "2377"), ("Udp", "4789"))
    }
    for rule in swarm:
        assert rule.inputs["sourceAddressPrefixes"] == ["127.0.0.3/32", "198.51.100.7/32"]
        assert rule.inputs["priority"] in (2000, 2001) and rule.inputs["access"] == "Allow"


# ----- (2) mock cloud, real host ----------------------------------------------------------------------------------


@pytest.mark.remote_host
def test_azure_machine_on_a_real_host(remote_host, tmp_path, no_azure_env):
    host = remote_host
    host.add_user("docker-user")  # what Azure's agent makes from osProfile.adminUsername
    mocks = AzureMocks(vm_address=host.address, ssh_host=host, on_public_key=host.authorize)
    out = build_machine(
        mocks, "azvm", DockerMachineArgs(driver=AzureDriver(subscription_id=SUB, location="northeurope"))
    )
    connection = mocks.one("command:remote:Command").inputs["connection"]
    assert connection["user"] == "docker-user" and connection["privateKey"] == out["ssh_private_key"]
    assert out["ip"] == host.address and out["docker_host"] == f"tcp://{host.address}:2376"
    hello_world(host, out, tmp_path / "certs")
    assert host.output("hostname").strip() == "azvm"
    labels = docker(host, out["docker_host"], tmp_path / "certs", "info", "--format", "{{json .Labels}}")
    assert "provider=azure" in labels.stdout.decode()


# ----- (3) a new address, a new server certificate ----------------------------------------------------------------


def test_a_new_public_address_gives_a_new_server_certificate(no_azure_env):
    def run(address: str) -> tuple[AzureMocks, dict]:
        mocks = AzureMocks(vm_address=address)
        out = run_program(
            mocks, lambda: outputs(DockerMachine("az", DockerMachineArgs(driver=AzureDriver(subscription_id=SUB))))
        )
        return mocks, {k: v for k, (v, _) in out.items()}

    first_mocks, first = run("127.0.0.2")
    second_mocks, second = run("127.0.0.4")
    assert (first["ip"], second["ip"]) == ("127.0.0.2", "127.0.0.4")
    old, new = first_mocks.one(DYNAMIC + "ServerCertificate"), second_mocks.one(DYNAMIC + "ServerCertificate")
    assert old.inputs["addresses"] == ["127.0.0.2"] and new.inputs["addresses"] == ["127.0.0.4"]
    # What the engine asks on the second run: the dynamic provider's diff of the stored state and the new inputs.
    from pulumi_docker_machine.components.material.providers import ServerCertificateProvider

    diff = ServerCertificateProvider().diff(old.id, old.state, new.inputs)
    assert "addresses" in diff.replaces, "a new address replaces the server certificate"
    same = ServerCertificateProvider().diff(old.id, old.state, old.inputs)
    assert not same.replaces and not same.changes
    assert covers(second["server_cert_pem"], "127.0.0.4") and not covers(second["server_cert_pem"], "127.0.0.2")
    assert first["server_cert_pem"] != second["server_cert_pem"]
    command = second_mocks.one("command:remote:Command").inputs
    assert command["triggers"][0] == new.id, "the new certificate re-runs provisioning"


# ----- (4) arguments, flags, the optional SDK ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("make_driver", "message"),
    [
        (lambda: AzureDriver(), "azure driver requires the --azure-subscription-id option (or AZURE_SUBSCRIPTION_ID)"),
        (lambda: AzureDriver(subscription_id="my-sub"), "azure subscription ID 'my-sub' is not a GUID"),
        (
            lambda: AzureDriver(subscription_id=SUB, image="ubuntu-24.04"),
            "azure image 'ubuntu-24.04' is not publisher:offer:sku:version: give one such as "
            "canonical:ubuntu-24_04-lts:server:latest",
        ),
        (
            lambda: AzureDriver(subscription_id=SUB, image="canonical:ubuntu 24:server:latest"),
            "is not publisher:offer:sku:version",
        ),
        (
            lambda: AzureDriver(subscription_id=SUB, location="West US"),
            "azure location 'West US' is not a region name such as westus",
        ),
        (
            lambda: AzureDriver(subscription_id=SUB, size="B1s"),
            "azure size 'B1s' is not a VM size such as Standard_B1s",
        ),
        (
            lambda: AzureDriver(subscription_id=SUB, disk_size=10),
            "azure disk size 10 is not a whole number of GiB from 30",
        ),
        (
            lambda: AzureDriver(subscription_id=SUB, storage_type="gp3"),
            "azure storage type 'gp3' is not an OS disk type",
        ),
        (
            lambda: AzureDriver(subscription_id=SUB, subnet_prefix="10.0.0.0/33"),
            "azure subnet prefix '10.0.0.0/33' is not a CIDR range",
        ),
        (
            lambda: AzureDriver(subscription_id=SUB, subnet_prefix="8.8.8.0/24"),
            "must be a private IPv4 range (RFC 1918)",
        ),
        (
            lambda: AzureDriver(subscription_id=SUB, source_ranges=["everywhere"]),
            "azure source range 'everywhere' is not a CIDR range",
        ),
        (
            lambda: AzureDriver(subscription_id=SUB, client_secret="x"),
            "azure client secret needs --azure-client-id and --azure-tenant-id",
        ),
        (lambda: AzureDriver(subscription_id=SUB, ssh_user="admin"), "azure ssh user 'admin' is reserved by Azure"),
        (lambda: AzureDriver(subscription_id=SUB, ssh_user="-oProxyCommand=x"), "is not a user name"),
        (lambda: AzureDriver(subscription_id=SUB, open_ports=["http"]), "azure open port 'http' must look like 8080"),
        (lambda: AzureDriver(subscription_id=SUB, vnet="corp"), "azure vnet 'corp' names no resource group"),
        (
            lambda: AzureDriver(subscription_id=SUB, create_resource_group=True),
            "azure create_resource_group needs --azure-resource-group",
        ),
    ],
)
def test_bad_azure_arguments_fail_before_any_resource(make_driver, message, no_azure_env):
    mocks = AzureMocks()
    raised = {}

    def program():
        try:
            DockerMachine("az", DockerMachineArgs(driver=make_driver()))
        except MachineArgumentError as err:
            raised["err"] = str(err)
        return {}

    run_program(mocks, program)
    assert message in raised.get("err", "no error raised")
    assert "\n" not in raised["err"]
    assert mocks.resources == []


def test_azure_cannot_stop(no_azure_env):
    raised = {}

    def program():
        try:
            DockerMachine("az", DockerMachineArgs(driver=AzureDriver(subscription_id=SUB), power="stopped"))
        except MachineArgumentError as err:
            raised["err"] = str(err)
        return {}

    run_program(AzureMocks(), program)
    assert raised["err"] == "azure driver does not support stop"


def test_azure_options_round_trip_without_the_secret():
    driver = AzureDriver(
        subscription_id=SUB, client_id=CLIENT, tenant_id=TENANT, client_secret="s3cr3t", open_ports=["80"]
    )
    options = driver.to_dict()
    assert "client_secret" not in options and options["open_ports"] == ["80"]
    again = AzureDriver.from_dict(options)
    assert again.to_dict() == options and again.client_secret is None


def test_azure_flags_name_the_driver_options():
    from pulumi_docker_machine.components.drivers.azure.flags import FLAGS

    fields = {f.name: f for f in dataclasses.fields(AzureDriver)}
    assert len({row[0] for row in FLAGS}) == len(FLAGS)
    for flag, dest, kind, _default, env, help_text in FLAGS:
        assert flag.startswith("--azure-") and dest in fields, flag
        assert kind in (STR, INT, BOOL, MULTI) and help_text
        assert env == "" or env.startswith("AZURE_")
    kinds = {row[1]: row[2] for row in FLAGS}
    assert kinds["disk_size"] == INT and kinds["open_ports"] == MULTI and kinds["no_public_ip"] == BOOL
    assert fields["client_secret"].metadata.get("secret"), "the client secret is a secret field"
    assert {row[0] for row in FLAGS} >= {
        "--azure-subscription-id",
        "--azure-client-id",
        "--azure-client-secret",
        "--azure-tenant-id",
        "--azure-location",
        "--azure-resource-group",
        "--azure-size",
        "--azure-image",
        "--azure-ssh-user",
        "--azure-vnet",
        "--azure-subnet",
        "--azure-subnet-prefix",
        "--azure-static-public-ip",
        "--azure-no-public-ip",
        "--azure-use-private-ip",
        "--azure-open-port",
        "--azure-disk-size",
        "--azure-storage-type",
    }


def _python(code: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)


def test_the_flags_and_the_driver_module_load_no_azure_sdk():
    code = (
        "import sys\nimport pulumi_docker_machine.components.drivers.azure.flags\n"
        "import pulumi_docker_machine.components.drivers.azure.driver\n"
        "print('pulumi_azure_native' in sys.modules)"
    )
    assert _python(code).stdout.strip() == "False"


def test_a_missing_sdk_is_named():
    code = (
        "import sys\nsys.modules['pulumi_azure_native'] = None  # as if not installed\n"
        "from pulumi_docker_machine.components.drivers.azure.driver import AzureDriver\nfrom pulumi_docker_machine.components.drivers.base import DriverArgumentError\n"
        f"for call in (lambda d: d.validate('az'), lambda d: d.create_host('az', None, 2376, None)):\n"
        f"    try:\n        call(AzureDriver(subscription_id={SUB!r}))\n"
        "    except DriverArgumentError as err:\n        print(err)\n"
    )
    lines = _python(code).stdout.splitlines()
    assert lines == ["the azure driver needs its SDK: pip install 'pulumi-docker-machine[azure]'"] * 2

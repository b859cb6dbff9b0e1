"""DockerMachine under Pulumi's mocks: the resource graph, the inputs that matter, secrets."""

from __future__ import annotations

import shlex

import pulumi
import pytest

from pulumi_docker_machine.components import (
    AmazonEC2Driver,
    DigitalOceanDriver,
    DockerCertificates,
    DockerMachine,
    DockerMachineArgs,
    EngineOptions,
    GenericDriver,
    MachineArgumentError,
    VirtualBoxDriver,
)
from pulumi_docker_machine.components.cert import chains_to, covers
from pulumi_docker_machine.components.machine import OUTPUTS
from pulumi_docker_machine.components.ssh import generate_ssh_key
from tests.conftest import AMI_ID, DEFAULT_VM_ADDRESS, MachineMocks, run_program

SECRET_OUTPUTS = {"ssh_private_key", "client_key_pem"}
DYNAMIC = "pulumi-python:dynamic/docker-machine:"


def machine_outputs(machine: DockerMachine) -> dict:
    return {key: getattr(machine, key) for key in OUTPUTS}


@pytest.fixture
def do_token(monkeypatch):
    monkeypatch.setenv("DIGITALOCEAN_ACCESS_TOKEN", "dop_v1_test_token")


@pytest.fixture
def generic_key(tmp_path):
    pair = generate_ssh_key()
    pair.save(tmp_path / "id_ed25519")
    return tmp_path / "id_ed25519", pair


def assert_outputs(out: dict, address: str, driver: str, name: str) -> None:
    assert out["ip"][0] == address
    assert out["docker_host"][0] == f"tcp://{address}:2376"
    assert out["docker_env"][0] == {
        "DOCKER_HOST": f"tcp://{address}:2376",
        "DOCKER_TLS_VERIFY": "1",
        "DOCKER_MACHINE_NAME": name,
    }
    assert out["driver"][0] == driver
    assert chains_to(out["server_cert_pem"][0], out["ca_pem"][0])
    assert chains_to(out["client_cert_pem"][0], out["ca_pem"][0])
    assert covers(out["server_cert_pem"][0], address)
    for key, (_, secret) in out.items():
        assert secret == (key in SECRET_OUTPUTS), f"{key} secret={secret}"


def provision_inputs(mocks: MachineMocks) -> dict:
    return mocks.one("command:remote:Command").inputs


def test_generic_machine(generic_key):
    key_path, pair = generic_key
    mocks = MachineMocks()

    def program():
        machine = DockerMachine(
            "box",
            DockerMachineArgs(
                driver=GenericDriver(ip_address="127.0.0.20", ssh_user="admin", ssh_port=2222, ssh_key=str(key_path)),
                engine=EngineOptions(labels=["role=db"]),
                tls_sans=["box.example.com"],
            ),
        )
        return machine_outputs(machine)

    out = run_program(mocks, program)
    assert_outputs(out, "127.0.0.20", "generic", "box")
    machine_key = mocks.one(DYNAMIC + "SSHKey").state
    assert out["ssh_private_key"][0] == machine_key["private_key"] != pair.private_key, (
        "the machine's own key, never the user's"
    )
    assert out["ssh_user"][0] == "admin" and out["ssh_port"][0] == 2222
    assert covers(out["server_cert_pem"][0], "box.example.com")
    types = sorted(r.typ for r in mocks.resources)
    assert types == sorted(
        [
            "docker-machine:index:DockerMachine",
            "docker-machine:index:Certificates",
            DYNAMIC + "CertificateAuthority",
            DYNAMIC + "ClientCertificate",
            DYNAMIC + "ServerCertificate",
            DYNAMIC + "SSHKey",
            DYNAMIC + "AuthorizedKey",
            "command:remote:Command",
        ]
    ), "a generic machine creates nothing in a cloud; its own key is authorized on the host"
    authorized = mocks.one(DYNAMIC + "AuthorizedKey").inputs
    assert (authorized["host"], authorized["port"], authorized["user"]) == ("127.0.0.20", 2222, "admin")
    assert authorized["user_key_path"] == str(key_path) and authorized["public_key"] == machine_key["public_key"]
    command = provision_inputs(mocks)
    assert command["connection"]["host"] == "127.0.0.20"
    assert command["connection"]["user"] == "admin"
    assert command["connection"]["port"] == 2222
    assert command["connection"]["privateKey"] == machine_key["private_key"]
    assert command["connection"]["dialErrorLimit"] == 30 and command["connection"]["perDialTimeout"] == 15
    assert command["create"].startswith("sudo -n sh -c ")
    pem, env_block = command["stdin"].split("-----BEGIN DOCKER-MACHINE ENGINE ENV-----\n")
    assert pem.count("-----BEGIN ") == 3 and env_block == "-----END DOCKER-MACHINE ENGINE ENV-----\n", (
        "three PEM blocks, then an empty environment (which clears an old one)"
    )
    server_key = pem[pem.rindex("-----BEGIN ") :]
    assert "PRIVATE KEY-----" in server_key
    assert server_key.strip() not in command["create"]
    assert "-----BEGIN PRIVATE KEY-----" not in command["create"]
    assert command["logging"] == "none"
    assert command["addPreviousOutputInEnv"] is False
    server_id = mocks.one(DYNAMIC + "ServerCertificate").id
    ca_id = mocks.one(DYNAMIC + "CertificateAuthority").id
    assert command["triggers"] == [server_id, ca_id, ""], (
        "a new server certificate or CA replaces provisioning; engine options are inputs an update re-runs"
    )
    assert "deprovision" in command["delete"], "destroying a generic machine undoes our setup, never the host"
    assert mocks.monitor.delete_before_replace["box-provision"] is True, (
        "re-provisioning replaces the command: the old one's deprovision must run before the new create"
    )
    assert "MACHINE_HOSTNAME=''" in shlex.split(command["create"])[-1], "a lent host keeps its hostname"


@pytest.mark.parametrize("driver", ["generic", "digitalocean", "amazonec2"])
def test_every_resource_is_a_descendant_of_the_machine(driver, generic_key, do_token):
    key_path, _ = generic_key
    drivers = {
        "generic": lambda: GenericDriver(ip_address="127.0.0.20", ssh_key=str(key_path)),
        "digitalocean": lambda: DigitalOceanDriver(access_token="explicit"),
        "amazonec2": lambda: AmazonEC2Driver(access_key="AKIA", secret_key="s3cr3t", region="us-east-1"),
    }
    mocks = MachineMocks()
    run_program(mocks, lambda: {"ip": DockerMachine("box", DockerMachineArgs(driver=drivers[driver]())).ip})
    qualified = [urn.split("::")[2] for urn in mocks.urns()]
    roots = [t for t in qualified if t.startswith("pulumi:pulumi:Stack$")]
    assert roots == ["pulumi:pulumi:Stack$docker-machine:index:DockerMachine"], "only the machine hangs off the stack"
    children = [t for t in qualified if not t.startswith("pulumi:pulumi:Stack$")]
    assert len(children) >= 5
    for chain in children:
        parent = chain.split("$")[0]
        assert parent in ("docker-machine:index:DockerMachine", "docker-machine:index:Certificates"), chain
    assert "docker-machine:index:DockerMachine$docker-machine:index:Certificates" in qualified


def test_digitalocean_machine(do_token):
    mocks = MachineMocks()

    def program():
        machine = DockerMachine("web", DockerMachineArgs(driver=DigitalOceanDriver()))
        return machine_outputs(machine)

    out = run_program(mocks, program)
    assert_outputs(out, DEFAULT_VM_ADDRESS, "digitalocean", "web")
    ssh_key = mocks.one(DYNAMIC + "SSHKey").state
    do_key = mocks.one("digitalocean:index/sshKey:SshKey").inputs
    assert do_key["publicKey"] == ssh_key["public_key"]
    droplet = mocks.one("digitalocean:index/droplet:Droplet").inputs
    assert (droplet["region"], droplet["size"], droplet["image"], droplet["name"]) == (
        "nyc3",
        "s-1vcpu-1gb",
        "ubuntu-24-04-x64",
        "web",
    )
    assert droplet["sshKeys"] == [ssh_key["md5_fingerprint"]]
    firewall = mocks.one("digitalocean:index/firewall:Firewall").inputs
    assert firewall["dropletIds"] == [412345678]
    inbound = {(r["protocol"], r["portRange"], tuple(r["sourceAddresses"])) for r in firewall["inboundRules"]}
    assert inbound == {("tcp", "22", ("0.0.0.0/0", "::/0")), ("tcp", "2376", ("0.0.0.0/0", "::/0"))}
    assert {r["protocol"] for r in firewall["outboundRules"]} == {"tcp", "udp", "icmp"}
    command = provision_inputs(mocks)
    assert command["connection"]["host"] == DEFAULT_VM_ADDRESS and command["connection"]["user"] == "root"
    assert command["connection"]["privateKey"] == ssh_key["private_key"]
    assert command["create"].startswith("sh -c ")
    assert "MACHINE_HOSTNAME=web" in shlex.split(command["create"])[-1]
    assert "delete" not in command or not command["delete"], "the droplet goes with the stack; nothing to undo"
    assert not mocks.of_type("pulumi:providers:digitalocean"), "the token comes from the environment"


def test_digitalocean_token_from_stack_config(monkeypatch):
    monkeypatch.delenv("DIGITALOCEAN_ACCESS_TOKEN", raising=False)
    monkeypatch.delenv("DIGITALOCEAN_TOKEN", raising=False)
    mocks = MachineMocks()
    pulumi.runtime.set_config("digitalocean:token", "dop_v1_from_config")
    try:
        out = run_program(
            mocks, lambda: {"ip": DockerMachine("web", DockerMachineArgs(driver=DigitalOceanDriver())).ip}
        )
    finally:
        pulumi.runtime.config.CONFIG.get().pop("digitalocean:token", None)
    assert out["ip"][0] == DEFAULT_VM_ADDRESS
    assert not mocks.of_type("pulumi:providers:digitalocean"), "the default provider reads digitalocean:token itself"


def test_digitalocean_options_and_explicit_token(monkeypatch):
    monkeypatch.delenv("DIGITALOCEAN_ACCESS_TOKEN", raising=False)
    monkeypatch.delenv("DIGITALOCEAN_TOKEN", raising=False)
    mocks = MachineMocks()

    def program():
        driver = DigitalOceanDriver(
            access_token="dop_v1_explicit",
            region="fra1",
            size="s-2vcpu-2gb",
            ipv6=True,
            backups=True,
            monitoring=True,
            tags=["team:web"],
            vpc_uuid="vpc-1",
            source_ranges=["203.0.113.0/24"],
        )
        machine = DockerMachine("web", DockerMachineArgs(driver=driver, engine=EngineOptions(port=12376)))
        return {"docker_host": machine.docker_host}

    out = run_program(mocks, program)
    assert out["docker_host"][0] == f"tcp://{DEFAULT_VM_ADDRESS}:12376"
    provider = mocks.one("pulumi:providers:digitalocean")
    assert provider.inputs["token"] == "dop_v1_explicit"
    droplet = mocks.one("digitalocean:index/droplet:Droplet")
    assert "pulumi:providers:digitalocean::web-digitalocean::" in droplet.provider
    d = droplet.inputs
    assert (d["region"], d["size"], d["ipv6"], d["backups"], d["monitoring"], d["tags"], d["vpcUuid"]) == (
        "fra1",
        "s-2vcpu-2gb",
        True,
        True,
        True,
        ["team:web"],
        "vpc-1",
    )
    firewall = mocks.one("digitalocean:index/firewall:Firewall").inputs
    assert {r["portRange"] for r in firewall["inboundRules"]} == {"22", "12376"}
    assert all(r["sourceAddresses"] == ["203.0.113.0/24"] for r in firewall["inboundRules"])


def test_amazonec2_machine():
    mocks = MachineMocks()

    def program():
        driver = AmazonEC2Driver(region="eu-west-1", open_ports=["8080", "53/udp"], tags={"team": "web"})
        machine = DockerMachine("api", DockerMachineArgs(driver=driver))
        return machine_outputs(machine)

    out = run_program(mocks, program)
    assert_outputs(out, DEFAULT_VM_ADDRESS, "amazonec2", "api")
    ssh_key = mocks.one(DYNAMIC + "SSHKey").state
    assert mocks.one("aws:ec2/keyPair:KeyPair").inputs["publicKey"] == ssh_key["public_key"]
    ((_, ami_args),) = [c for c in mocks.calls if c[0] == "aws:ec2/getAmi:getAmi"]
    assert ami_args["owners"] == ["099720109477"] and ami_args["mostRecent"] is True
    assert {f["name"]: f["values"] for f in ami_args["filters"]}["name"] == [
        "ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-amd64-server-*"
    ]
    instance = mocks.one("aws:ec2/instance:Instance").inputs
    assert instance["ami"] == AMI_ID and instance["instanceType"] == "t3.micro"
    assert instance["keyName"].startswith("docker-machine-api-")
    assert instance["vpcSecurityGroupIds"] == ["sg-0123456789abcdef0"]
    assert instance["metadataOptions"] == {"httpEndpoint": "enabled", "httpTokens": "required"}
    root = instance["rootBlockDevice"]
    assert (root["volumeSize"], root["volumeType"], root["encrypted"]) == (16, "gp3", True)
    assert instance["tags"] == {"Name": "api", "team": "web"}
    assert instance["region"] == "eu-west-1"
    assert "instanceMarketOptions" not in instance
    ingress = {
        (r.inputs["ipProtocol"], r.inputs["fromPort"], r.inputs["toPort"], r.inputs["cidrIpv4"])
        for r in mocks.of_type("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")
    }
    assert ingress == {
        ("tcp", 22, 22, "0.0.0.0/0"),
        ("tcp", 2376, 2376, "0.0.0.0/0"),
        ("tcp", 8080, 8080, "0.0.0.0/0"),
        ("udp", 53, 53, "0.0.0.0/0"),
    }
    assert all(
        r.inputs["securityGroupId"] == "sg-0123456789abcdef0"
        for r in mocks.of_type("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")
    )
    egress = mocks.one("aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule").inputs
    assert (egress["ipProtocol"], egress["cidrIpv4"]) == ("-1", "0.0.0.0/0")
    command = provision_inputs(mocks)
    assert command["connection"]["user"] == "ubuntu"
    assert command["create"].startswith("sudo -n sh -c ")
    assert command["connection"]["privateKey"] == ssh_key["private_key"]


def test_amazonec2_spot_arm_and_given_ami():
    mocks = MachineMocks()

    def program():
        arm = DockerMachine("arm", DockerMachineArgs(driver=AmazonEC2Driver(instance_type="t4g.small")))
        spot = DockerMachine(
            "spot",
            DockerMachineArgs(
                driver=AmazonEC2Driver(
                    ami="ami-0fedcba9876543210",
                    request_spot_instance=True,
                    spot_price="0.01",
                    zone="b",
                    region="us-west-2",
                    use_private_address=True,
                )
            ),
        )
        return {"arm": arm.ip, "spot": spot.ip}

    out = run_program(mocks, program)
    assert out["spot"][0] == "127.0.0.3"
    ((_, ami_args),) = [c for c in mocks.calls if c[0] == "aws:ec2/getAmi:getAmi"]
    assert "arm64" in {f["name"]: f["values"] for f in ami_args["filters"]}["name"][0]
    spot = next(r for r in mocks.of_type("aws:ec2/instance:Instance") if r.name == "spot").inputs
    assert spot["ami"] == "ami-0fedcba9876543210"
    assert spot["availabilityZone"] == "us-west-2b"
    assert spot["instanceMarketOptions"] == {"marketType": "spot", "spotOptions": {"maxPrice": "0.01"}}


def test_machines_can_share_one_ca(do_token):
    mocks = MachineMocks()

    def program():
        shared = DockerCertificates("team")
        a = DockerMachine("a", DockerMachineArgs(driver=DigitalOceanDriver(), certificates=shared))
        b = DockerMachine("b", DockerMachineArgs(driver=AmazonEC2Driver(region="us-east-1"), certificates=shared))
        return {"a_ca": a.ca_pem, "b_ca": b.ca_pem, "a_client": a.client_cert_pem, "b_client": b.client_cert_pem}

    out = run_program(mocks, program)
    assert out["a_ca"][0] == out["b_ca"][0]
    assert out["a_client"][0] == out["b_client"][0]
    assert len(mocks.of_type(DYNAMIC + "CertificateAuthority")) == 1
    assert len(mocks.of_type(DYNAMIC + "ServerCertificate")) == 2


@pytest.mark.parametrize(
    ("name", "make_args", "message"),
    [
        (
            "bad_name",
            lambda k: DockerMachineArgs(driver=GenericDriver(ip_address="10.0.0.1", ssh_key=k)),
            "Invalid hostname specified. Allowed hostname chars are: 0-9a-zA-Z . -",
        ),
        ("ok", lambda k: DockerMachineArgs(driver="digitalocean"), "driver must be a driver object"),
        (
            "ok",
            lambda k: DockerMachineArgs(driver=GenericDriver(ssh_key=k)),
            "generic driver requires the --generic-ip-address option",
        ),
        (
            "ok",
            lambda k: DockerMachineArgs(driver=GenericDriver(ip_address="10.0.0.1", ssh_key="/nonexistent/key")),
            "does not exist: give --generic-ssh-key",
        ),
        (
            "ok",
            lambda k: DockerMachineArgs(driver=GenericDriver(ip_address="10.0.0.1", ssh_key=k), tls_sans=["bad name"]),
            "invalid TLS SAN 'bad name'",
        ),
        (
            "ok",
            lambda k: DockerMachineArgs(driver=DigitalOceanDriver(access_token="t", region="Frankfurt")),
            "digitalocean region 'Frankfurt' is not a region slug",
        ),
        (
            "ok",
            lambda k: DockerMachineArgs(driver=DigitalOceanDriver(access_token="t", size="2 CPUs")),
            "digitalocean size '2 CPUs' is not a size slug",
        ),
        (
            "ok",
            lambda k: DockerMachineArgs(driver=AmazonEC2Driver(region="mars-1")),
            "amazonec2 region 'mars-1' is not a region name",
        ),
        (
            "ok",
            lambda k: DockerMachineArgs(driver=AmazonEC2Driver(instance_type="large")),
            "amazonec2 instance type 'large' is not an instance type",
        ),
        (
            "ok",
            lambda k: DockerMachineArgs(driver=AmazonEC2Driver(open_ports=["http"])),
            "amazonec2 open port 'http' must look like 8080 or 53/udp",
        ),
        (
            "ok",
            lambda k: DockerMachineArgs(driver=GenericDriver(ip_address="10.0.0.1", ssh_key=k), ssh_key_type="dsa"),
            "unknown SSH key type 'dsa'",
        ),
        (
            "ok",
            lambda k: DockerMachineArgs(driver=GenericDriver(ip_address="10.0.0.1", ssh_key=k), hostname="my_host"),
            "invalid hostname 'my_host': Invalid hostname specified.",
        ),
        (
            "ok",
            lambda k: DockerMachineArgs(driver=VirtualBoxDriver(memory=64)),
            "virtualbox memory must be a whole number from 256",
        ),
        (
            "ok",
            lambda k: DockerMachineArgs(driver=VirtualBoxDriver(hostonly_cidr="192.168.56.0/24")),
            "virtualbox hostonly_cidr '192.168.56.0/24' must look like 192.168.56.1/24",
        ),
        (
            "ok",
            lambda k: DockerMachineArgs(
                driver=GenericDriver(ip_address="10.0.0.1", ssh_key=k),
                engine=EngineOptions(labels=["x=" + "y" * 200_000]),
            ),
            "the engine options make the provisioning script",
        ),
        (
            "ok",
            lambda k: DockerMachineArgs(driver=AmazonEC2Driver(root_size=10**23)),
            "amazonec2 root size 100000000000000000000000 is not a whole number of GiB from 8 to 65536",
        ),
        (
            "ok",
            lambda k: DockerMachineArgs(driver=AmazonEC2Driver(ssh_user="-oProxyCommand=x")),
            "amazonec2 ssh user '-oProxyCommand=x' is not a user name",
        ),
        (
            "ok",
            lambda k: DockerMachineArgs(driver=DigitalOceanDriver(access_token="t", user_data="x" * 70000)),
            "digitalocean user data is larger than the 65536 bytes it takes",
        ),
        (
            "dev\n",
            lambda k: DockerMachineArgs(driver=GenericDriver(ip_address="10.0.0.1", ssh_key=k)),
            "Invalid hostname specified. Allowed hostname chars are: 0-9a-zA-Z . -",
        ),
    ],
)
def test_bad_arguments_fail_before_any_resource(name, make_args, message, generic_key):
    key_path, _ = generic_key
    mocks = MachineMocks()
    pytest_raised = {}

    def program():
        try:
            DockerMachine(name, make_args(str(key_path)))
        except MachineArgumentError as err:
            pytest_raised["err"] = err
        return {}

    run_program(mocks, program)
    assert "err" in pytest_raised, "no error raised"
    assert message in str(pytest_raised["err"])
    assert "\n" not in str(pytest_raised["err"])
    assert mocks.resources == []


def test_missing_digitalocean_token_is_named(monkeypatch):
    monkeypatch.delenv("DIGITALOCEAN_ACCESS_TOKEN", raising=False)
    monkeypatch.delenv("DIGITALOCEAN_TOKEN", raising=False)
    mocks = MachineMocks()
    raised = {}

    def program():
        try:
            DockerMachine("web", DockerMachineArgs(driver=DigitalOceanDriver()))
        except MachineArgumentError as err:
            raised["err"] = str(err)
        return {}

    run_program(mocks, program)
    assert raised["err"].startswith("digitalocean driver requires the --digitalocean-access-token option")
    assert "DIGITALOCEAN_ACCESS_TOKEN" in raised["err"]
    assert mocks.resources == []


def test_driver_options_output_leaves_credentials_out():
    mocks = MachineMocks()
    driver = AmazonEC2Driver(access_key="AKIAEXAMPLE", secret_key="s3cr3t", region="us-east-1", open_ports=["80"])
    out = run_program(mocks, lambda: {"opts": DockerMachine("api", DockerMachineArgs(driver=driver)).driver_options})
    options, secret = out["opts"]
    assert not secret
    assert options["region"] == "us-east-1" and options["open_ports"] == ["80"]
    assert "access_key" not in options and "secret_key" not in options and "session_token" not in options
    assert "s3cr3t" not in repr(driver), "credentials stay out of reprs and logs"
    assert mocks.one("pulumi:providers:aws").inputs["secretKey"] == "s3cr3t"


@pytest.mark.parametrize(
    ("driver", "foreign"),
    [
        ("amazonec2", "pulumi_digitalocean"),
        ("digitalocean", "pulumi_aws"),
        ("generic", "pulumi_aws"),
        ("virtualbox", "pulumi_digitalocean"),
    ],
)
def test_a_driver_imports_only_its_own_cloud_sdk(driver, foreign):
    import subprocess
    import sys

    code = (
        f"import sys\nfrom pulumi_docker_machine.components.drivers import driver_class\ndriver_class({driver!r})\n"
        f"print({foreign!r} in sys.modules)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"

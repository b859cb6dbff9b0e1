"""The google driver (Compute Engine): its graph under Pulumi's mocks, the real test host provisioned
through it ("mock cloud, real host"), a moved address giving a new server certificate, its checks.

GoogleMocks extends the suite's MachineMocks with what Compute Engine would answer: an instance gets
an internal IP (``private_address``, loopback) and, where it has an access config, an external one
(``vm_address``, or the address the test moves it to); the ``ssh-keys`` in the instance's own metadata
are handed to ``on_public_key`` as GCE's guest agent installs them (for the user the line names).
"""

from __future__ import annotations

import base64
import dataclasses
import shlex
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

import dill
import pulumi
import pytest
from pulumi.runtime import rpc

from pulumi_docker_machine.cli import driverflags
from pulumi_docker_machine.components import DockerMachine, DockerMachineArgs, EngineOptions, MachineArgumentError
from pulumi_docker_machine.components.cert import covers, subject_alt_names
from pulumi_docker_machine.components.drivers.base import DriverArgumentError
from pulumi_docker_machine.components.drivers.digitalocean.driver import DigitalOceanDriver
from pulumi_docker_machine.components.drivers.google.flags import FLAGS
from pulumi_docker_machine.components.drivers.info import BOOL, INT, MULTI, STR
from pulumi_docker_machine.components.drivers.google.driver import (
    PROJECT_ENV,
    SDK_MISSING,
    UBUNTU_2404_IMAGE,
    GoogleDriver,
    machine_tag,
)
from pulumi_docker_machine.components.machine import OUTPUTS
from pulumi_docker_machine.components.swarm.component import SWARM_PORTS, DockerSwarm, DockerSwarmArgs, SwarmNodeArgs
from tests.conftest import DEFAULT_VM_ADDRESS, MachineMocks, Registered, build_machine, run_program

INSTANCE = "gcp:compute/instance:Instance"
FIREWALL = "gcp:compute/firewall:Firewall"
ADDRESS = "gcp:compute/address:Address"
PROVIDER = "pulumi:providers:gcp"
DYNAMIC = "pulumi-python:dynamic/docker-machine:"
PROJECT = "dmtest-project-123"
ROOT = Path(__file__).parent.parent


@dataclass
class GoogleMocks(MachineMocks):
    """MachineMocks, answering for Compute Engine as well."""

    nat_ip: Optional[str] = None  # the external IP an instance gets; vm_address when None
    guest_users: list = field(default_factory=list)  # the users the guest agent installed keys for
    secret_inputs: dict = field(default_factory=dict)  # "TYPE::NAME": the input names that arrived secret

    def new_resource(self, args: pulumi.runtime.MockResourceArgs):
        raw = dict(args.inputs)
        secret = {
            key
            for key, value in raw.items()
            if isinstance(value, dict) and value.get(rpc._special_sig_key) == rpc._special_secret_sig
        }
        self.secret_inputs[f"{args.typ}::{args.name}"] = secret
        id_, state = self._answer(args, raw)
        # As the engine does: an output whose input of the same name was secret stays secret.
        return id_, {
            key: ({rpc._special_sig_key: rpc._special_secret_sig, "value": value} if key in secret else value)
            for key, value in state.items()
        }

    def _answer(self, args: pulumi.runtime.MockResourceArgs, raw: dict):
        if args.typ not in (INSTANCE, ADDRESS):
            return super().new_resource(args)
        from tests.conftest import unwrap_secrets

        inputs = unwrap_secrets(raw)
        state = dict(inputs)
        if args.typ == ADDRESS:
            id_ = f"projects/{inputs.get('project', PROJECT)}/regions/{inputs['region']}/addresses/{inputs['name']}"
            state.update(address=self.vm_address, selfLink=f"https://compute.googleapis.com/{id_}")
        else:
            id_ = f"projects/{inputs.get('project', PROJECT)}/zones/{inputs['zone']}/instances/{inputs['name']}"
            nics = []
            for nic in inputs.get("networkInterfaces", []):
                configs = [
                    {**config, "natIp": config.get("natIp") or self.nat_ip or self.vm_address}
                    for config in nic.get("accessConfigs", [])
                ]
                nics.append({**nic, "networkIp": self.private_address, "accessConfigs": configs})
            state.update(networkInterfaces=nics, instanceId="4123456789012345678", currentStatus="RUNNING")
            # GCE's guest agent: each "user:key" line of the instance's ssh-keys metadata, for that user.
            for line in str(inputs.get("metadata", {}).get("ssh-keys", "")).splitlines():
                user, _, key = line.partition(":")
                self.guest_users.append(user)
                self._public_key(key)
        with self._lock:
            self.resources.append(Registered(args.typ, args.name, inputs, state, args.provider, id_))
        return id_, state

    def call(self, args: pulumi.runtime.MockCallArgs):
        if args.token == "gcp:compute/getAddress:getAddress":
            with self._lock:
                self.calls.append((args.token, dict(args.args)))
            return {
                "name": args.args["name"],
                "address": self.vm_address,
                "region": args.args.get("region"),
                "status": "RESERVED",
            }
        return super().call(args)


@pytest.fixture
def project_env(monkeypatch):
    for variable in PROJECT_ENV:
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("GOOGLE_PROJECT", PROJECT)


@pytest.fixture
def no_project(monkeypatch):
    for variable in PROJECT_ENV:
        monkeypatch.delenv(variable, raising=False)


def outputs_of(machine: DockerMachine) -> dict:
    return {key: getattr(machine, key) for key in OUTPUTS}


# ----- the graph under mocks -------------------------------------------------------------------------------------


def test_google_machine_graph(project_env):
    mocks = GoogleMocks()
    out = run_program(mocks, lambda: outputs_of(DockerMachine("web", DockerMachineArgs(driver=GoogleDriver()))))
    assert out["ip"][0] == DEFAULT_VM_ADDRESS and out["private_ip"][0] == "127.0.0.3"
    assert out["docker_host"][0] == f"tcp://{DEFAULT_VM_ADDRESS}:2376"
    assert out["ssh_user"][0] == "docker-user" and out["ssh_port"][0] == 22
    assert covers(out["server_cert_pem"][0], DEFAULT_VM_ADDRESS)
    assert out["ssh_private_key"][1] and out["client_key_pem"][1]
    assert out["driver"][0] == "google"
    assert out["driver_options"][0]["zone"] == "us-central1-a" and "credentials" not in out["driver_options"][0]
    assert not mocks.of_type(PROVIDER), "credentials and project come from the Google environment"
    assert not mocks.of_type(ADDRESS), "an ephemeral external IP unless a static one is asked for"

    public_key = mocks.one(DYNAMIC + "SSHKey").state["public_key"].strip()
    instance = mocks.one(INSTANCE).inputs
    assert (instance["name"], instance["machineType"], instance["zone"]) == ("web", "e2-small", "us-central1-a")
    assert "project" not in instance, "the provider's own project (GOOGLE_PROJECT) applies"
    params = instance["bootDisk"]["initializeParams"]
    assert (params["image"], params["size"], params["type"]) == (UBUNTU_2404_IMAGE, 20, "pd-standard")
    assert instance["bootDisk"]["autoDelete"] is True
    assert instance["metadata"]["ssh-keys"] == f"docker-user:{public_key}"
    assert instance["metadata"]["ssh-keys"].startswith("docker-user:ssh-")
    assert instance["metadata"]["block-project-ssh-keys"] == "true"
    assert instance["tags"] == ["docker-machine-web"] == [machine_tag("web")]
    (nic,) = instance["networkInterfaces"]
    assert nic["network"] == "default" and "subnetwork" not in nic
    assert nic["accessConfigs"] == [{}], "one access config: an ephemeral external IP"
    assert "scheduling" not in instance
    assert instance["desiredStatus"] == "RUNNING" and instance["allowStoppingForUpdate"] is True
    assert instance["serviceAccount"]["scopes"] == [
        "https://www.googleapis.com/auth/devstorage.read_only",
        "https://www.googleapis.com/auth/logging.write",
    ]
    assert mocks.guest_users == ["docker-user"]
    assert not [c for c in mocks.calls if "project" in c[0].lower() and "metadata" in c[0].lower()], (
        "no project-wide metadata is touched"
    )

    firewall = mocks.one(FIREWALL).inputs
    assert firewall["allows"] == [{"protocol": "tcp", "ports": ["22", "2376"]}]
    assert firewall["targetTags"] == ["docker-machine-web"]
    assert firewall["sourceRanges"] == ["0.0.0.0/0"]
    assert firewall["network"] == "default" and firewall["direction"] == "INGRESS"
    assert "sourceTags" not in firewall

    command = mocks.one("command:remote:Command").inputs
    assert command["connection"]["host"] == DEFAULT_VM_ADDRESS
    assert command["connection"]["user"] == "docker-user" and command["connection"]["port"] == 22
    assert command["create"].startswith("sudo -n sh -c ")
    assert "MACHINE_HOSTNAME=web" in shlex.split(command["create"])[-1]
    assert any(
        urn.endswith(f"{FIREWALL}::web-firewall")
        for urn in mocks.monitor.dependencies["command:remote:Command::web-provision"]
    ), "provisioning waits for the firewall that opens SSH"


def test_options_open_ports_tags_and_source_ranges(project_env):
    mocks = GoogleMocks()
    driver = GoogleDriver(
        project="other-project-42",
        zone="europe-west4-b",
        machine_type="n2-standard-2",
        machine_image="debian-cloud/debian-12",
        disk_size=50,
        disk_type="pd-ssd",
        network="lab",
        subnetwork="lab-eu",
        tags="web,frontend",
        open_ports=["8080", "53/udp"],
        source_ranges=["203.0.113.0/24"],
        ssh_user="ops",
        service_account="vm@other-project-42.iam.gserviceaccount.com",
        scopes="cloud-platform",
    )
    out = run_program(
        mocks,
        lambda: {
            "docker_host": DockerMachine(
                "api", DockerMachineArgs(driver=driver, engine=EngineOptions(port=12376))
            ).docker_host
        },
    )
    assert out["docker_host"][0] == f"tcp://{DEFAULT_VM_ADDRESS}:12376"
    instance = mocks.one(INSTANCE).inputs
    assert (instance["project"], instance["zone"], instance["machineType"]) == (
        "other-project-42",
        "europe-west4-b",
        "n2-standard-2",
    )
    params = instance["bootDisk"]["initializeParams"]
    assert (params["image"], params["size"], params["type"]) == ("debian-cloud/debian-12", 50, "pd-ssd")
    assert instance["networkInterfaces"][0]["network"] == "lab"
    assert instance["networkInterfaces"][0]["subnetwork"] == "lab-eu"
    assert instance["tags"] == ["docker-machine-api", "web", "frontend"]
    assert instance["metadata"]["ssh-keys"].startswith("ops:ssh-")
    assert instance["serviceAccount"] == {
        "email": "vm@other-project-42.iam.gserviceaccount.com",
        "scopes": ["https://www.googleapis.com/auth/cloud-platform"],
    }
    firewall = mocks.one(FIREWALL).inputs
    assert firewall["project"] == "other-project-42" and firewall["network"] == "lab"
    assert firewall["allows"] == [
        {"protocol": "tcp", "ports": ["22", "12376", "8080"]},
        {"protocol": "udp", "ports": ["53"]},
    ]
    assert firewall["targetTags"] == ["docker-machine-api"], "open only to this machine, not to its other tags"
    assert firewall["sourceRanges"] == ["203.0.113.0/24"]
    assert mocks.one("command:remote:Command").inputs["connection"]["user"] == "ops"


def test_secret_credentials_stay_secret(no_project):
    mocks = GoogleMocks()
    key_json = '{"type": "service_account", "private_key": "-----BEGIN PRIVATE KEY-----\\nMIIsecret"}'
    driver = GoogleDriver(project=PROJECT, credentials=key_json)

    def program():
        machine = DockerMachine("web", DockerMachineArgs(driver=driver))
        return {"credentials": machine.host.provider.credentials, "options": machine.driver_options, "ip": machine.ip}

    out = run_program(mocks, program)
    assert out["credentials"] == (key_json, True), "the provider's credentials are a secret"
    assert out["options"][1] is False and "credentials" not in out["options"][0]
    assert "MIIsecret" not in repr(driver) and "MIIsecret" not in repr(out["options"][0])
    provider = mocks.one(PROVIDER)
    assert provider.inputs["credentials"] == key_json and provider.inputs["project"] == PROJECT
    assert mocks.secret_inputs[f"{PROVIDER}::web-gcp"] >= {"credentials"}
    assert "pulumi:providers:gcp::web-gcp::" in mocks.one(INSTANCE).provider
    assert "pulumi:providers:gcp::web-gcp::" in mocks.one(FIREWALL).provider
    assert out["ip"][0] == DEFAULT_VM_ADDRESS


@pytest.mark.parametrize(
    ("options", "scheduling"),
    [
        ({"preemptible": True}, {"preemptible": True, "automaticRestart": False, "onHostMaintenance": "TERMINATE"}),
        (
            {"spot": True},
            {
                "preemptible": True,
                "automaticRestart": False,
                "onHostMaintenance": "TERMINATE",
                "provisioningModel": "SPOT",
                "instanceTerminationAction": "STOP",
            },
        ),
    ],
)
def test_preemptible_and_spot_set_scheduling(project_env, options, scheduling):
    mocks = GoogleMocks()
    run_program(mocks, lambda: {"ip": DockerMachine("web", DockerMachineArgs(driver=GoogleDriver(**options))).ip})
    assert mocks.one(INSTANCE).inputs["scheduling"] == scheduling


def test_static_address_named_address_and_internal_ip(project_env):
    mocks = GoogleMocks(vm_address="127.0.0.5")

    def program():
        static = DockerMachine(
            "fixed", DockerMachineArgs(driver=GoogleDriver(static_address=True, zone="asia-east1-c"))
        )
        named = DockerMachine("named", DockerMachineArgs(driver=GoogleDriver(address="dm-ip")))
        by_ip = DockerMachine("byip", DockerMachineArgs(driver=GoogleDriver(address="127.0.0.9")))
        internal = DockerMachine("inside", DockerMachineArgs(driver=GoogleDriver(use_internal_ip=True)))
        only = DockerMachine("only", DockerMachineArgs(driver=GoogleDriver(use_internal_ip_only=True)))
        return {"fixed": static.ip, "named": named.ip, "byip": by_ip.ip, "inside": internal.ip, "only": only.ip}

    out = run_program(mocks, program)
    address = mocks.one(ADDRESS).inputs
    assert (address["name"], address["region"], address["addressType"]) == (
        "docker-machine-fixed",
        "asia-east1",
        "EXTERNAL",
    )
    instances = {r.name: r.inputs for r in mocks.of_type(INSTANCE)}
    assert instances["fixed"]["networkInterfaces"][0]["accessConfigs"] == [{"natIp": "127.0.0.5"}]
    assert out["fixed"][0] == "127.0.0.5"
    ((_, lookup),) = [c for c in mocks.calls if c[0] == "gcp:compute/getAddress:getAddress"]
    assert (lookup["name"], lookup["region"]) == ("dm-ip", "us-central1")
    assert instances["named"]["networkInterfaces"][0]["accessConfigs"] == [{"natIp": "127.0.0.5"}]
    assert instances["byip"]["networkInterfaces"][0]["accessConfigs"] == [{"natIp": "127.0.0.9"}]
    assert out["byip"][0] == "127.0.0.9"
    assert out["inside"][0] == "127.0.0.3", "--google-use-internal-ip: reached at the internal IP"
    assert instances["inside"]["networkInterfaces"][0]["accessConfigs"] == [{}]
    assert out["only"][0] == "127.0.0.3"
    assert "accessConfigs" not in instances["only"]["networkInterfaces"][0], "no external IP at all"


def test_stopped_machine_is_terminated(project_env):
    mocks = GoogleMocks()
    run_program(
        mocks, lambda: {"ip": DockerMachine("web", DockerMachineArgs(driver=GoogleDriver(), power="stopped")).ip}
    )
    assert mocks.one(INSTANCE).inputs["desiredStatus"] == "TERMINATED"
    assert not mocks.of_type("command:remote:Command")


def test_swarm_firewall_between_the_members_tags_only(project_env):
    mocks = GoogleMocks()
    do = DigitalOceanDriver(access_token="dop_v1_secret_token", region="fra1")

    def program():
        swarm = DockerSwarm(
            "lab",
            DockerSwarmArgs(
                managers=[SwarmNodeArgs(GoogleDriver())], workers=[SwarmNodeArgs(GoogleDriver()), SwarmNodeArgs(do)]
            ),
        )
        return {"nodes": swarm.nodes}

    run_program(mocks, program)
    swarm_rule = next(f for f in mocks.of_type(FIREWALL) if f.name == "lab-swarm-firewall").inputs
    tags = ["docker-machine-lab-manager-1", "docker-machine-lab-worker-1"]
    assert swarm_rule["sourceTags"] == tags and swarm_rule["targetTags"] == tags
    assert {(a["protocol"], port) for a in swarm_rule["allows"] for port in a["ports"]} == {
        (p, str(n)) for p, n in SWARM_PORTS
    }
    # The droplet by its own (public) address, never its private one (components/swarm/sources.py).
    assert swarm_rule["sourceRanges"] == [f"{mocks.vm_address}/32"], "the droplet, by its address"
    for rule in mocks.of_type(FIREWALL):
        if rule.name != "lab-swarm-firewall":
            assert rule.inputs["allows"] == [{"protocol": "tcp", "ports": ["22", "2376"]}]
    instance_tags = {r.name: r.inputs["tags"] for r in mocks.of_type(INSTANCE)}
    assert instance_tags == {"lab-manager-1": tags[:1], "lab-worker-1": tags[1:]}


# ----- a moved address gives a new server certificate ---------------------------------------------------------


def test_a_new_external_ip_gives_a_new_server_certificate(project_env):
    """A stopped and started instance comes back with another ephemeral IP: the next up (the instance
    read again) issues a certificate for the new address, and the provisioning step re-runs with it."""
    runs = []
    for nat_ip in ("127.0.0.2", "127.0.0.4"):
        mocks = GoogleMocks(nat_ip=nat_ip)
        out = build_machine(mocks, "web", DockerMachineArgs(driver=GoogleDriver()))
        runs.append((mocks, out))
    (first_mocks, first), (second_mocks, second) = runs
    assert (first["ip"], second["ip"]) == ("127.0.0.2", "127.0.0.4")
    assert second["docker_host"] == "tcp://127.0.0.4:2376"
    assert covers(first["server_cert_pem"], "127.0.0.2") and not covers(first["server_cert_pem"], "127.0.0.4")
    assert covers(second["server_cert_pem"], "127.0.0.4") and not covers(second["server_cert_pem"], "127.0.0.2")
    assert "127.0.0.4" in subject_alt_names(second["server_cert_pem"])
    assert "127.0.0.2" not in subject_alt_names(second["server_cert_pem"])

    # What the engine does on the second up: the certificate provider, given the old state, replaces it.
    old = first_mocks.one(DYNAMIC + "ServerCertificate")
    new = second_mocks.one(DYNAMIC + "ServerCertificate")
    provider = dill.loads(base64.b64decode(old.state["__provider"]))
    # The CA is kept in state from one up to the next: only the address differs.
    news = {**new.inputs, **{key: value for key, value in old.inputs.items() if key.startswith("ca_")}}
    assert news["addresses"] == ["127.0.0.4"] and old.inputs["addresses"] == ["127.0.0.2"]
    diff = provider.diff(old.id, old.state, news)
    assert (diff.changes, diff.replaces) == (True, ["addresses"])
    # ... and the provisioning command, triggered by the certificate, uploads the new one.
    triggers = [m.one("command:remote:Command").inputs["triggers"] for m in (first_mocks, second_mocks)]
    assert triggers[0][0] == old.id and triggers[1][0] == new.id and old.id != new.id
    assert second_mocks.one("command:remote:Command").inputs["connection"]["host"] == "127.0.0.4"


# ----- validation ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "driver", "message"),
    [
        ("web", GoogleDriver(zone="us-central1"), "google zone 'us-central1' is not a zone name such as us-central1-a"),
        ("web", GoogleDriver(zone="Frankfurt"), "google zone 'Frankfurt' is not a zone name"),
        (
            "web",
            GoogleDriver(machine_type="small"),
            "google machine type 'small' is not a machine type such as e2-small",
        ),
        ("web", GoogleDriver(disk_size=5), "google disk size 5 is not a whole number of GB from 10 to 65536"),
        ("web", GoogleDriver(disk_size="20"), "google disk size '20' is not a whole number of GB"),
        ("web", GoogleDriver(disk_type="ssd"), "google disk type 'ssd' is not a disk type such as pd-standard"),
        ("web", GoogleDriver(machine_image="ubuntu 24.04"), "google machine image 'ubuntu 24.04' is not an image"),
        ("web", GoogleDriver(tags=["Web_Servers"]), "google tag 'Web_Servers' is not a network tag"),
        ("web", GoogleDriver(tags="ok,-bad"), "google tag '-bad' is not a network tag"),
        ("web", GoogleDriver(source_ranges=["everywhere"]), "google source range 'everywhere' is not a CIDR range"),
        ("web", GoogleDriver(open_ports=["http"]), "google open port 'http' must look like 8080 or 53/udp"),
        ("web", GoogleDriver(address="my ip"), "google address 'my ip' is neither an IPv4 address nor the name"),
        (
            "web",
            GoogleDriver(address="dm-ip", static_address=True),
            "google address and static_address exclude each other",
        ),
        ("web", GoogleDriver(use_internal_ip_only=True, static_address=True), "google use_internal_ip_only gives the"),
        ("web", GoogleDriver(preemptible=True, spot=True), "google preemptible and spot exclude each other"),
        ("web", GoogleDriver(project="My Project"), "google project 'My Project' is not a project ID"),
        ("web", GoogleDriver(ssh_user="-oProxyCommand=x"), "google ssh user '-oProxyCommand=x' is not a user name"),
        ("web", GoogleDriver(scopes=["all of them"]), "google scope 'all of them' is not an OAuth scope"),
        (
            "Web.Server",
            GoogleDriver(),
            "google instance name 'Web.Server' must be lower case letters, digits and hyphens",
        ),
    ],
)
def test_bad_arguments_fail_before_any_resource(project_env, name, driver, message):
    mocks = GoogleMocks()
    raised = {}

    def program():
        try:
            DockerMachine(name, DockerMachineArgs(driver=driver))
        except MachineArgumentError as err:
            raised["err"] = str(err)
        return {}

    run_program(mocks, program)
    assert message in raised["err"]
    assert "\n" not in raised["err"]
    assert mocks.resources == []


def test_missing_project_is_named(no_project):
    mocks = GoogleMocks()
    raised = {}

    def program():
        try:
            DockerMachine("web", DockerMachineArgs(driver=GoogleDriver()))
        except MachineArgumentError as err:
            raised["err"] = str(err)
        return {}

    run_program(mocks, program)
    assert (
        raised["err"] == "google driver requires the --google-project option (or GOOGLE_PROJECT / gcp:project config)"
    )
    assert mocks.resources == []


@pytest.mark.parametrize("variable", ["GOOGLE_CLOUD_PROJECT", "CLOUDSDK_CORE_PROJECT"])
def test_project_from_the_environment_the_provider_reads(no_project, monkeypatch, variable):
    monkeypatch.setenv(variable, PROJECT)
    GoogleDriver().validate("web")


def test_project_from_stack_config(no_project):
    mocks = GoogleMocks()
    pulumi.runtime.set_config("gcp:project", PROJECT)
    try:
        out = run_program(mocks, lambda: {"ip": DockerMachine("web", DockerMachineArgs(driver=GoogleDriver())).ip})
    finally:
        pulumi.runtime.config.CONFIG.get().pop("gcp:project", None)
    assert out["ip"][0] == DEFAULT_VM_ADDRESS
    assert "project" not in mocks.one(INSTANCE).inputs, "the default provider reads gcp:project itself"


def test_long_or_dotted_names_still_make_valid_tags():
    assert machine_tag("web") == "docker-machine-web"
    long_tag = machine_tag("a" * 63)
    assert len(long_tag) <= 63 and long_tag.startswith("docker-machine-a")
    assert long_tag != machine_tag("a" * 62), "a hash keeps truncated names apart"


def test_without_the_sdk_the_error_names_the_extra(monkeypatch, project_env):
    monkeypatch.setitem(sys.modules, "pulumi_gcp", None)  # import pulumi_gcp now raises ImportError
    with pytest.raises(DriverArgumentError) as raised:
        GoogleDriver().validate("web")
    assert str(raised.value) == SDK_MISSING
    with pytest.raises(DriverArgumentError, match="pip install 'pulumi-docker-machine\\[google\\]'"):
        GoogleDriver().create_host("web", None, 2376, None)


def test_the_module_imports_without_the_sdk_and_the_flags_import_nothing_heavy():
    code = (
        "import sys\n"
        "sys.modules['pulumi_gcp'] = None\n"
        "import pulumi_docker_machine.components.drivers.google.flags\n"
        "heavy = sorted(m for m, mod in sys.modules.items() if mod is not None\n"
        "               and m.split('.')[0] in ('pulumi', 'pulumi_gcp', 'click'))\n"
        "print(heavy)\n"
        "from pulumi_docker_machine.components.drivers.google.driver import GoogleDriver\n"
        "print(GoogleDriver.name)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert result.stdout.split("\n")[:2] == ["[]", "google"]


# ----- the flag rows -----------------------------------------------------------------------------------------


def test_flag_rows_match_the_driver():
    fields = {f.name: f for f in dataclasses.fields(GoogleDriver)}
    for row in FLAGS:
        assert len(row) == 6
        flag, dest, kind, default, env, help_text = row
        assert flag.startswith("--google-") and dest in fields and kind in (STR, INT, BOOL, MULTI)
        assert help_text
        if default not in ("", False) and dest not in ("scopes",):
            assert fields[dest].default == default, flag
    names = {row[0]: row for row in FLAGS}
    for flag, env in [
        ("--google-project", "GOOGLE_PROJECT"),
        ("--google-zone", "GOOGLE_ZONE"),
        ("--google-machine-type", "GOOGLE_MACHINE_TYPE"),
        ("--google-machine-image", "GOOGLE_MACHINE_IMAGE"),
        ("--google-username", "GOOGLE_USERNAME"),
        ("--google-disk-size", "GOOGLE_DISK_SIZE"),
        ("--google-disk-type", "GOOGLE_DISK_TYPE"),
        ("--google-network", "GOOGLE_NETWORK"),
        ("--google-subnetwork", "GOOGLE_SUBNETWORK"),
        ("--google-preemptible", "GOOGLE_PREEMPTIBLE"),
        ("--google-address", "GOOGLE_ADDRESS"),
        ("--google-tags", "GOOGLE_TAGS"),
    ]:
        assert names[flag][4] == env
    assert names["--google-open-port"][2] == MULTI
    assert names["--google-use-internal-ip"][2] == names["--google-use-internal-ip-only"][2] == BOOL

    # The CLI's parsing of the rows, then the driver.
    assert len(driverflags.driver_options("google")) == len(FLAGS)
    options = driverflags.to_driver_options(
        "google",
        {
            "driver_project": PROJECT,
            "driver_zone": "europe-west1-b",
            "driver_disk_size": 30,
            "driver_tags": "web, frontend",
            "driver_open_ports": ("8080", "53/udp"),
            "driver_preemptible": True,
            "driver_ssh_user": "ops",
            "driver_scopes": "cloud-platform",
        },
    )
    driver = GoogleDriver.from_dict(options)
    driver.validate("web")
    assert driver.tags == ("web", "frontend") and driver.open_ports == ("8080", "53/udp")
    assert driver.preemptible and driver.disk_size == 30 and driver.ssh_user == "ops"
    assert GoogleDriver.from_dict(driver.to_dict()) == driver, "the store's options round-trip"


# ----- mock cloud, real host -------------------------------------------------------------------------------------


@pytest.mark.remote_host
def test_google_machine_on_a_real_host(remote_host, project_env, tmp_path):
    from tests.dockertools import docker, hello_world

    host = remote_host
    # GCE's guest agent makes the user named in ssh-keys (with passwordless sudo) and installs its key.
    if host.ssh("id -u docker-user").returncode != 0:
        host.add_user("docker-user")
    mocks = GoogleMocks(vm_address=host.address, ssh_host=host, on_public_key=host.authorize)
    out = build_machine(
        mocks,
        "gce",
        DockerMachineArgs(
            driver=GoogleDriver(), tls_sans=["gce.dmtest.example"], engine=EngineOptions(labels=["via=google"])
        ),
    )
    assert mocks.guest_users == ["docker-user"]
    connection = mocks.one("command:remote:Command").inputs["connection"]
    assert connection["user"] == "docker-user" and connection["host"] == host.address
    assert connection["privateKey"] == out["ssh_private_key"], "provisioned with the generated key"
    assert out["ip"] == host.address and out["private_ip"] == "127.0.0.3"
    assert covers(out["server_cert_pem"], host.address) and covers(out["server_cert_pem"], "gce.dmtest.example")
    hello_world(host, out, tmp_path / "certs")
    assert host.output("hostname").strip() == "gce"
    labels = docker(host, out["docker_host"], tmp_path / "certs", "info", "--format", "{{json .Labels}}")
    assert "provider=google" in labels.stdout.decode() and "via=google" in labels.stdout.decode()

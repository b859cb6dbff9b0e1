"""The vmwarevsphere driver under executing mocks: the graph pulumi-vsphere gets (a VM cloned from a template or
deployed from an OVA, the cloud-init seed in guestinfo), docker-machine 0.16.2's --vmwarevsphere-* flags through
the real ``create``, one-line refusals, and a mocked vCenter provisioning the real test host.

The mocks stand in for vCenter as MachineMocks does for the other clouds: the lookups (datacenter, datastore,
pool, host, networks, template) answer IDs, the VM resolves to an address of ours, and the SSH key the seed's
user-data carries is handed to the test host (cloud-init's VMware datasource installs it)."""

from __future__ import annotations

import base64
import email
import json
import sys
from dataclasses import dataclass, field

import pytest

from pulumi_docker_machine.components import DockerMachine, DockerMachineArgs
from pulumi_docker_machine.components.drivers.base import DriverArgumentError
from pulumi_docker_machine.components.drivers.vmwarevsphere.driver import VSphereDriver
from pulumi_docker_machine.components.drivers.vmwarevsphere.flags import FLAGS as ROWS
from tests.conftest import DEFAULT_VM_ADDRESS, MachineMocks, build_machine, run_program
from tests.dockertools import hello_world
from tests.test_driver_flags_helpers import build, create, refused

VM = "vsphere:index/virtualMachine:VirtualMachine"
PROVIDER = "pulumi:providers:vsphere"
CREDENTIALS = {"vcenter": "vcenter.example.com", "username": "administrator@vsphere.local", "password": "pw-7Qx"}
FLAGS = (
    "-d",
    "vmwarevsphere",
    "--vmwarevsphere-vcenter",
    "vcenter.example.com",
    "--vmwarevsphere-username",
    "admin",
    "--vmwarevsphere-template",
    "ubuntu-24.04",
)
ENV = [row[4] for row in ROWS]


def seed_of(extra: dict) -> tuple[dict, str]:
    """(meta-data, user-data) as cloud-init's VMware datasource decodes them from guestinfo."""
    assert extra["guestinfo.metadata.encoding"] == extra["guestinfo.userdata.encoding"] == "base64"
    meta = json.loads(base64.b64decode(extra["guestinfo.metadata"]))
    return meta, base64.b64decode(extra["guestinfo.userdata"]).decode()


def cloud_config(user_data: str) -> dict:
    """The machine's own cloud-config: the document itself, or the first part of a multipart one."""
    if user_data.startswith("#cloud-config"):
        return json.loads(user_data.split("\n", 1)[1])
    parts = [
        p.get_payload(decode=True).decode() for p in email.message_from_string(user_data).walk() if not p.is_multipart()
    ]
    return json.loads(parts[0].split("\n", 1)[1])


@dataclass
class VSphereMocks(MachineMocks):
    """MachineMocks that also stand in for vCenter."""

    secret_inputs: dict = field(default_factory=dict)  # "TYPE::NAME" -> the input names that arrived as secrets

    def new_resource(self, args):
        from pulumi.runtime import rpc

        from tests.conftest import unwrap_secrets

        self.secret_inputs[f"{args.typ}::{args.name}"] = sorted(
            k
            for k, v in dict(args.inputs).items()
            if isinstance(v, dict) and v.get(rpc._special_sig_key) == rpc._special_secret_sig
        )
        id_, state = super().new_resource(args)
        if args.typ == VM:
            extra = unwrap_secrets(dict(args.inputs))["extraConfig"]
            for user in cloud_config(seed_of(extra)[1])["users"]:
                for key in user["ssh_authorized_keys"]:
                    self._public_key(key)
            state = {**state, "defaultIpAddress": self.vm_address, "moid": "vm-42"}
            with self._lock:
                next(r for r in self.resources if (r.typ, r.name) == (args.typ, args.name)).state.update(state)
            id_ = "4217a6f0-0000-0000-0000-0000000000aa"
        return id_, state

    def call(self, args):
        token, asked = args.token, dict(args.args)
        answers = {
            "vsphere:index/getDatacenter:getDatacenter": {"id": "datacenter-3"},
            "vsphere:index/getDatastore:getDatastore": {"id": f"datastore-{asked.get('name')}"},
            "vsphere:index/getResourcePool:getResourcePool": {"id": f"resgroup-{asked.get('name')}"},
            "vsphere:index/getHost:getHost": {"id": "host-9", "resourcePoolId": "resgroup-of-host-9"},
            "vsphere:index/getNetwork:getNetwork": {"id": f"network-{asked.get('name')}", "type": "Network"},
            "vsphere:index/getVirtualMachine:getVirtualMachine": {
                "id": "4217-template-uuid",
                "guestId": "ubuntu64Guest",
            },
        }
        if token in answers:
            with self._lock:
                self.calls.append((token, asked))
            return answers[token]
        return super().call(args)


def machine(name: str, driver: VSphereDriver) -> dict:
    m = DockerMachine(name, DockerMachineArgs(driver=driver))
    return {"ip": m.ip, "docker_host": m.docker_host, "options": m.driver_options, "ssh_user": m.ssh_user}


def test_graph_clone_from_a_template():
    mocks = VSphereMocks()
    driver = VSphereDriver(**CREDENTIALS, template="ubuntu-24.04", datastore="ds1", network=["VM Network", "lan"])
    out = run_program(mocks, lambda: machine("web", driver))
    assert out["ip"][0] == DEFAULT_VM_ADDRESS and out["docker_host"][0] == f"tcp://{DEFAULT_VM_ADDRESS}:2376"
    options, secret = out["options"]
    assert not secret and "password" not in options and options["username"] == CREDENTIALS["username"]

    provider = mocks.one(PROVIDER).inputs
    assert provider["vsphereServer"] == "vcenter.example.com" and provider["user"] == CREDENTIALS["username"]
    assert provider["password"] == "pw-7Qx" and "allowUnverifiedSsl" not in provider
    assert "pw-7Qx" not in repr(driver)
    vm = mocks.one(VM)
    assert vm.provider and vm.provider.split("::")[-1].startswith("web-vsphere")
    made = vm.inputs
    assert (made["name"], made["numCpus"], made["memory"]) == ("web", 2, 2048), "docker-machine's defaults"
    assert made["clone"] == {"templateUuid": "4217-template-uuid"} and "ovfDeploy" not in made
    assert made["guestId"] == "ubuntu64Guest" and made["datastoreId"] == "datastore-ds1"
    assert made["resourcePoolId"] == "resgroup-None" or made["resourcePoolId"].startswith("resgroup-")
    assert made["disks"] == [{"label": "disk0", "size": 20, "thinProvisioned": True}], "20480 MB: 20 GiB"
    assert made["networkInterfaces"] == [{"networkId": "network-VM Network"}, {"networkId": "network-lan"}]
    assert made["ignoredGuestIps"] == ["172.17.0.1"], "docker0's address is never the machine's"
    meta, user_data = seed_of(made["extraConfig"])
    assert meta == {"instance-id": "web", "local-hostname": "web"}
    key = mocks.one("pulumi-python:dynamic/docker-machine:SSHKey").state["public_key"]
    config = cloud_config(user_data)
    assert config["users"][0]["name"] == "docker" and config["users"][0]["ssh_authorized_keys"] == [key]
    assert config["hostname"] == "web"
    command = mocks.one("command:remote:Command").inputs["connection"]
    assert (command["host"], command["user"], command["port"]) == (DEFAULT_VM_ADDRESS, "docker", 22)
    asked = {token.split(":")[-1]: args for token, args in mocks.calls if token.startswith("vsphere:")}
    assert asked["getVirtualMachine"] == {"name": "ubuntu-24.04", "datacenterId": "datacenter-3"}


def test_the_seed_and_password_stay_secret():
    mocks = VSphereMocks()
    run_program(mocks, lambda: machine("web", VSphereDriver(**CREDENTIALS, template="t")))
    assert mocks.secret_inputs[f"{PROVIDER}::web-vsphere"] == ["password"]
    assert mocks.secret_inputs[f"{VM}::web"] == ["extraConfig"], "the seed (user-data, a user's cloud-config)"


def test_ova_host_system_folder_port_and_insecure():
    mocks = VSphereMocks()
    driver = VSphereDriver(
        **{**CREDENTIALS, "vcenter": "10.0.0.5"},
        vcenter_port=8443,
        insecure=True,
        ova_url="https://images.example.com/noble.ova",
        hostsystem="esx1.example.com",
        folder="/docker/machines/",
        cpu_count=4,
        memory_size=4096,
        disk_size=30000,
    )
    run_program(mocks, lambda: machine("api", driver))
    provider = mocks.one(PROVIDER).inputs
    assert provider["vsphereServer"] == "10.0.0.5:8443" and provider["allowUnverifiedSsl"] in (True, "true")
    made = mocks.one(VM).inputs
    assert made["ovfDeploy"] == {"remoteOvfUrl": "https://images.example.com/noble.ova", "diskProvisioning": "thin"}
    assert "clone" not in made and made["datacenterId"] == "datacenter-3"
    assert made["hostSystemId"] == "host-9" and made["resourcePoolId"] == "resgroup-of-host-9"
    assert made["folder"] == "docker/machines", "trimmed of slashes, as docker-machine did"
    assert (made["numCpus"], made["memory"], made["disks"][0]["size"]) == (4, 4096, 30)


def test_flags_env_vars_cloudinit_and_cfgparam(monkeypatch, tmp_path):
    for name in ENV:
        monkeypatch.delenv(name, raising=False)
    script = tmp_path / "user-data"
    script.write_text("#cloud-config\npackages: [htop]\n")
    created = create(
        monkeypatch,
        tmp_path,
        *FLAGS,
        "--vmwarevsphere-network",
        "a",
        "--vmwarevsphere-network",
        "b",
        "--vmwarevsphere-cfgparam",
        "guestinfo.role=web",
        "--vmwarevsphere-cloudinit",
        str(script),
        "--vmwarevsphere-cpu-count",
        "3",
        "m",
        env={"VSPHERE_PASSWORD": "from-env-3", "VSPHERE_DATACENTER": "dc1", "VSPHERE_MEMORY_SIZE": "3072"},
    )
    options = created.spec.driver_options
    assert options["network"] == ["a", "b"] and options["cfgparam"] == ["guestinfo.role=web"]
    assert options["user_data_file"] == str(script) and options["datacenter"] == "dc1"
    assert "from-env-3" not in json.dumps(created.spec.public_options()), "the password is secret config"
    assert created.spec.secret_options()["password"] == "from-env-3"
    mocks = build(created, VSphereMocks())
    made = mocks.one(VM).inputs
    assert (made["numCpus"], made["memory"]) == (3, 3072)
    assert made["extraConfig"]["guestinfo.role"] == "web"
    assert [n["networkId"] for n in made["networkInterfaces"]] == ["network-a", "network-b"]
    _meta, user_data = seed_of(made["extraConfig"])
    parts = [
        p.get_payload(decode=True).decode() for p in email.message_from_string(user_data).walk() if not p.is_multipart()
    ]
    assert parts[1] == script.read_text(), "the user's cloud-config beside the machine's own, which cloud-init merges"
    assert cloud_config(user_data)["users"][0]["name"] == "docker"
    assert ("vsphere:index/getDatacenter:getDatacenter", {"name": "dc1"}) in mocks.calls
    assert mocks.one(PROVIDER).inputs["password"] == "from-env-3"


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("-d", "vmwarevsphere", "--vmwarevsphere-template", "t", "m"), "requires the --vmwarevsphere-vcenter option"),
        (FLAGS[:6] + ("m",), "requires the --vmwarevsphere-template or --vmwarevsphere-ova-url option"),
        (FLAGS + ("--vmwarevsphere-ova-url", "https://x.example/a.ova", "m"), "--vmwarevsphere-ova-url option (one"),
        (
            FLAGS + ("--vmwarevsphere-boot2docker-url", "https://x/b2d.iso", "m"),
            "--vmwarevsphere-boot2docker-url is not supported",
        ),
        (FLAGS + ("--vmwarevsphere-cfgparam", "novalue", "m"), "--vmwarevsphere-cfgparam 'novalue' is not key=value"),
        (FLAGS + ("--vmwarevsphere-cfgparam", "guestinfo.userdata=x", "m"), "is the machine's own seed"),
        (FLAGS + ("--vmwarevsphere-vcenter", "-oProxy=x", "m"), "is not a host name or address"),
        (FLAGS + ("--vmwarevsphere-vcenter-port", "0", "m"), "--vmwarevsphere-vcenter-port 0 is not a whole number"),
        (FLAGS + ("--vmwarevsphere-folder", "a\tb", "m"), "--vmwarevsphere-folder 'a\\tb' is not a name"),
    ],
)
def test_refusals_are_one_line(monkeypatch, tmp_path, args, expected):
    for name in ENV:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("VSPHERE_PASSWORD", "pw")
    assert expected in refused(monkeypatch, tmp_path, *args)


def test_missing_sdk_is_named(monkeypatch):
    monkeypatch.setitem(sys.modules, "pulumi_vsphere", None)  # import now raises ImportError
    with pytest.raises(DriverArgumentError, match=r"pip install 'pulumi-docker-machine\[vsphere\]'"):
        VSphereDriver(**CREDENTIALS, template="t").validate("web")


@pytest.mark.remote_host
def test_vsphere_machine_on_a_real_host(remote_host, tmp_path):
    host = remote_host
    host.add_user("docker")  # what the seed's cloud-init makes
    mocks = VSphereMocks(vm_address=host.address, ssh_host=host, on_public_key=host.authorize)
    out = build_machine(mocks, "web", DockerMachineArgs(driver=VSphereDriver(**CREDENTIALS, template="t")))
    assert out["ip"] == host.address and out["docker_host"] == f"tcp://{host.address}:2376"
    connection = mocks.one("command:remote:Command").inputs["connection"]
    assert (connection["host"], connection["user"]) == (host.address, "docker")
    assert connection["privateKey"] == out["ssh_private_key"], "provisioned with the key the seed carried"
    hello_world(host, out, tmp_path / "certs")

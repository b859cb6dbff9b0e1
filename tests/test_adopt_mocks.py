"""Adopting docker-machine 0.16's cloud machines, under the executing mocks: the VM (and the key pair, where the
driver stored one) is imported by the ID its config.json holds, never created; the machine's own SSH key is used
(none generated); the adopting update runs nothing on the VM; later updates keep the imported VM as it is."""

from __future__ import annotations

import asyncio
import importlib

import pulumi
import pytest

from pulumi_docker_machine.automation.adopt import _shared_certs
from pulumi_docker_machine.automation.adoption import build
from pulumi_docker_machine.automation.adoptsource import adoption_of
from pulumi_docker_machine.automation.machines import check_configuration
from pulumi_docker_machine.components.cert import create_ca, issue_client_certificate
from pulumi_docker_machine.components.certificates import ExistingCertificates
from pulumi_docker_machine.components.machine import OUTPUTS
from pulumi_docker_machine.components.ssh import generate_ssh_key, public_key_from_private
from pulumi_docker_machine.store import Store
from tests.conftest import MachineMocks, RecordingMonitor
from tests.test_cli_legacy_drivers import legacy_machine

# driver: {resource type: the ID its 0.16 config.json (tests/fixtures/docker-machine-0.16/drivers/) gives}
IMPORTED = {
    "digitalocean": {
        "digitalocean:index/droplet:Droplet": "123456789",
        "digitalocean:index/sshKey:SshKey": "2345678",
    },
    "amazonec2": {"aws:ec2/instance:Instance": "i-0123456789abcdef0", "aws:ec2/keyPair:KeyPair": "aws1"},
    "google": {"gcp:compute/instance:Instance": "projects/my-project/zones/us-central1-a/instances/gce1"},
    "azure": {
        "azure-native:compute:VirtualMachine": "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/"
        "docker-machine/providers/Microsoft.Compute/virtualMachines/az1"
    },
    "openstack": {
        "openstack:compute/instance:Instance": "8c9a3f2e-1111-2222-3333-444455556666",
        "openstack:compute/keypair:Keypair": "os1",
    },
}
SDK = {"google": "pulumi_gcp", "azure": "pulumi_azure_native", "openstack": "pulumi_openstack"}


class ImportMonitor(RecordingMonitor):
    """Also keeps each resource's import ID and ignore_changes as the engine receives them."""

    def __init__(self, mocks) -> None:
        super().__init__(mocks)
        self.imports: dict[str, str] = {}
        self.ignored: dict[str, list[str]] = {}

    def RegisterResource(self, request):
        self.imports[request.type] = request.importId
        self.ignored[request.type] = list(request.ignoreChanges)
        return super().RegisterResource(request)


class ImportMocks(MachineMocks):
    def __init__(self) -> None:
        super().__init__()
        self.resource_ids: dict[str, str] = {}

    def new_resource(self, args: pulumi.runtime.MockResourceArgs):
        if args.resource_id:
            self.resource_ids[args.typ] = args.resource_id
        return super().new_resource(args)


def run_adopted(mocks: ImportMocks, name, adoption, certs, adopting: bool) -> tuple[ImportMonitor, dict]:
    monitor = ImportMonitor(mocks)
    component = {
        "certificates": ExistingCertificates(
            certs["ca_pem"], certs["ca_key_pem"], certs["client_cert_pem"], certs["client_key_pem"]
        )
    }

    def program():
        machine = build(name, adoption.spec, component, adoption.imports, adoption.ssh_private_key, adopting)
        return {key: getattr(machine, key) for key in OUTPUTS}

    mocks.monitor = monitor
    pulumi.runtime.set_mocks(mocks, project="docker-machine", stack=name, preview=False, monitor=monitor)
    resolved: dict = {}

    async def settle(outputs: dict) -> None:
        for key, output in outputs.items():
            resolved[key] = (await output.future(), await output.is_secret())

    @pulumi.runtime.test
    def run():
        return asyncio.ensure_future(settle(program()))

    run()
    return monitor, resolved


@pytest.fixture
def legacy_store(tmp_path):
    """A 0.16 store: its CA and client certificate in certs/, the machine's key in its folder."""
    root = tmp_path / "store"
    ca = create_ca("legacy")
    client = issue_client_certificate(ca, "legacy.client")
    (root / "certs").mkdir(parents=True)
    for file, text in (
        ("ca.pem", ca.cert_pem),
        ("ca-key.pem", ca.key_pem),
        ("cert.pem", client.cert_pem),
        ("key.pem", client.key_pem),
    ):
        (root / "certs" / file).write_text(text)
    return root


@pytest.mark.parametrize("driver_name", sorted(IMPORTED))
def test_cloud_machine_is_imported_by_id_not_created(driver_name, legacy_store, monkeypatch):
    if driver_name in SDK:
        importlib.import_module(SDK[driver_name])  # the driver's extra: installed in CI
    monkeypatch.setenv("GOOGLE_PROJECT", "my-project")
    name, _ = legacy_machine(legacy_store, driver_name)
    key = generate_ssh_key("ed25519").private_key
    (legacy_store / "machines" / name / "id_rsa").write_text(key)
    store = Store(legacy_store)
    host = store.load(name)
    adoption = adoption_of(store, host)
    check_configuration(name, adoption.spec)
    certs = _shared_certs(store, host)
    assert adoption.ssh_private_key == key

    mocks = ImportMocks()
    monitor, outputs = run_adopted(mocks, name, adoption, certs, adopting=True)

    # Imported by the stored ID, reaching the engine as the import option; the mocks see it as the resource's ID.
    for typ, resource_id in IMPORTED[driver_name].items():
        assert monitor.imports[typ] == resource_id, (typ, monitor.imports)
        assert mocks.resource_ids[typ] == resource_id
        assert "*" in monitor.ignored[typ], "an adopted VM is never updated or replaced by the program"
    others = {t: i for t, i in monitor.imports.items() if i and t not in IMPORTED[driver_name]}
    assert others == {}, "only what docker-machine made is imported"
    if driver_name == "digitalocean":  # a firewall on the droplet would block what it already serves
        assert [r.inputs.get("dropletIds") for r in mocks.of_type("digitalocean:index/firewall:Firewall")] == [[]]
    # Its own key reaches it: none generated; the provisioning step runs nothing in the adopting update.
    assert not [r for r in mocks.resources if r.typ.endswith(":SSHKey")]
    (step,) = mocks.of_type("command:remote:Command")
    assert step.inputs.get("create") is None
    assert step.inputs["connection"]["privateKey"] == key
    assert outputs["ssh_private_key"] == (key, True)
    assert outputs["ca_pem"][0] == certs["ca_pem"] and outputs["client_cert_pem"][0] == certs["client_cert_pem"]
    if driver_name in ("digitalocean", "amazonec2", "openstack"):  # the key pair resource holds its public half
        (pair,) = [r for r in mocks.resources if r.typ in IMPORTED[driver_name] and "eypair" in r.typ.lower()] or [
            r for r in mocks.resources if r.typ == "digitalocean:index/sshKey:SshKey"
        ]
        assert pair.inputs["publicKey"] == public_key_from_private(key)

    # A later update (start, provision...): nothing imported again, the VM still kept as it is, provisioning runs.
    later = ImportMocks()
    monitor, _ = run_adopted(later, name, adoption, certs, adopting=False)
    vm = next(iter(IMPORTED[driver_name]))
    assert monitor.imports[vm] == "" and "*" in monitor.ignored[vm]
    (step,) = later.of_type("command:remote:Command")
    assert step.inputs.get("create")


def test_generic_machine_imports_nothing_and_uses_its_key(legacy_store):
    name, _ = legacy_machine(legacy_store, "generic")
    key = generate_ssh_key("ed25519").private_key
    (legacy_store / "machines" / name / "id_rsa").write_text(key)
    store = Store(legacy_store)
    adoption = adoption_of(store, store.load(name))
    assert adoption.spec.driver == "generic" and adoption.imports == []
    assert adoption.spec.driver_options == {
        "ip_address": "127.0.0.12",
        "ssh_key": None,
        "ssh_user": "ubuntu",
        "ssh_port": 22,
    }
    mocks = ImportMocks()
    run_adopted(mocks, name, adoption, _shared_certs(store, store.load(name)), adopting=True)
    assert mocks.resource_ids == {}
    assert not [r for r in mocks.resources if r.typ.endswith((":SSHKey", ":AuthorizedKey"))], "nothing touches the host"
    (step,) = mocks.of_type("command:remote:Command")
    assert step.inputs.get("create") is None and step.inputs["connection"]["host"] == "127.0.0.12"


def test_an_adopted_droplet_stops_and_starts_through_its_power_state(legacy_store):
    """stop and start after adoption: the wanted power state reaches the droplet docker-machine made (its ID), and
    the droplet itself is kept as it is."""
    name, _ = legacy_machine(legacy_store, "digitalocean")
    (legacy_store / "machines" / name / "id_rsa").write_text(generate_ssh_key("ed25519").private_key)
    store = Store(legacy_store)
    host = store.load(name)
    adoption = adoption_of(store, host)
    certs = _shared_certs(store, host)
    for power in ("stopped", "running"):
        adoption.spec.power = power
        mocks = ImportMocks()
        monitor, outputs = run_adopted(mocks, name, adoption, certs, adopting=False)
        assert "*" in monitor.ignored["digitalocean:index/droplet:Droplet"]
        (state,) = [r for r in mocks.resources if r.typ.endswith(":DropletPower")]
        assert (
            state.inputs["state"] == power
            and state.inputs["droplet_id"] == mocks.one("digitalocean:index/droplet:Droplet").id
        )
        assert len(mocks.of_type("command:remote:Command")) == (power == "running")
        assert outputs["power"][0] == power

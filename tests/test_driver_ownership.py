"""A driver owns everything about itself: one folder under components/drivers/ and one line in its registry.

- Nothing outside a driver's folder branches on the driver's name (read from the source: a name compared, used
  as a dictionary key or an index, or matched).
- Every registered driver answers every question of info.DriverInfo, consistently with its Pulumi side: flags
  naming its dataclass's fields, secret options from its fields' metadata, power verbs matching what its
  resources support, the store path where it has the option, its own swarm firewall answer.
- Its progress lines name exactly the resource types it registers, found by making a machine of each driver
  (and its swarm firewall) under mocks: a resource added without a line, or a line left for a resource that
  went, fails here.
"""

from __future__ import annotations

import ast
import dataclasses
import os
import subprocess
import sys
from pathlib import Path

import pulumi
import pytest

from pulumi_docker_machine.automation.progress import STEPS as COMMON_STEPS
from pulumi_docker_machine.automation.progress import Progress
from pulumi_docker_machine.automation.settings import MachineSpec
from pulumi_docker_machine.components.drivers import REGISTRY, describe, driver_class, secret_options
from pulumi_docker_machine.components.drivers.base import ClusterMember, Driver
from pulumi_docker_machine.components.drivers.info import (
    ENGINE_PORT,
    KINDS,
    POWER_STATE,
    POWER_VERBS,
    SSH_REBOOT,
    DriverInfo,
    StoredFields,
)
from tests.conftest import MachineMocks, run_program
from tests.test_driver_azure import AzureMocks

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "pulumi_docker_machine"
DRIVERS = ROOT / "components" / "drivers"


# ----- nothing outside a driver's folder branches on its name ------------------------------------------------------


def branches(source: str, names: set[str]) -> list[tuple[int, str]]:
    """(line, name) of each driver name that is compared (==, !=, in), used as a dict literal's key, as an
    index, or matched by a case: each a branch on a driver's name."""
    found = []

    def constants(node: ast.AST) -> list[ast.Constant]:
        return [c for c in ast.walk(node) if isinstance(c, ast.Constant) and c.value in names]

    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Compare):
            hits = [c for operand in (node.left, *node.comparators) for c in constants(operand)]
        elif isinstance(node, ast.Dict):
            hits = [c for key in node.keys if key is not None for c in constants(key)]
        elif isinstance(node, ast.Subscript):
            hits = constants(node.slice)
        elif isinstance(node, ast.match_case):
            hits = constants(node.pattern)
        else:
            continue
        found += [(c.lineno, c.value) for c in hits]
    return sorted(found)


def shipped_modules() -> list[Path]:
    """Every module of the package (cli/ and components/ are in it through their links) and the stacks' program."""
    found = {
        (Path(folder) / file).resolve()
        for folder, _dirs, files in os.walk(PACKAGE, followlinks=True)
        for file in files
        if file.endswith(".py")
    }
    return sorted(found) + sorted((ROOT / "stacks").glob("*.py"))


def test_the_scan_finds_each_kind_of_branch():
    source = """
if spec.driver == "qemu": pass
if driver in ("virtualbox", "amazonec2"): pass
KEY_FILES = {"generic": "id_rsa"}
limit = LIMITS["digitalocean"]
match name:
    case "azure": pass
say("create -d google")  # a name in text is no branch
default = "openstack"  # nor is a name given as a value
"""
    assert branches(source, set(REGISTRY)) == [
        (2, "qemu"),
        (3, "amazonec2"),
        (3, "virtualbox"),
        (4, "generic"),
        (5, "digitalocean"),
        (7, "azure"),
    ]


def test_nothing_outside_a_drivers_folder_branches_on_its_name():
    names = set(REGISTRY)
    offenders = []
    for path in shipped_modules():
        own = {path.relative_to(DRIVERS).parts[0]} if path.is_relative_to(DRIVERS) else set()
        for line, name in branches(path.read_text(), names - own):
            offenders.append(f"{path.relative_to(ROOT)}:{line}: {name!r}")
    assert len(shipped_modules()) > 100 and any(p.is_relative_to(ROOT / "cli") for p in shipped_modules())
    assert offenders == [], "ask the driver's INFO (components/drivers/<name>/__init__.py) instead"


# ----- every driver provides every piece ------------------------------------------------------------------------


def test_the_registry_names_exactly_the_driver_folders():
    folders = sorted(p.name for p in DRIVERS.iterdir() if (p / "__init__.py").is_file())
    assert folders == sorted(REGISTRY)


@pytest.mark.parametrize("name", REGISTRY)
def test_every_driver_provides_every_piece(name):
    info = describe(name)
    cls = driver_class(name)
    fields = {f.name: f for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
    assert isinstance(info, DriverInfo) and info.name == name and issubclass(cls, Driver) and cls.name == name

    # Flags: rows naming the dataclass's fields, each flag once.
    assert [row[0] for row in info.flags] and len({row[0] for row in info.flags}) == len(info.flags)
    for flag, dest, kind, _default, env, help_text in info.flags:
        assert flag.startswith("--") and dest in (*fields, ENGINE_PORT) and kind in KINDS and help_text, flag
        assert isinstance(env, str), flag

    # Secret options: the fields marked secret, and nothing else; the settings keep them out of the store.
    secret = {key for key, f in fields.items() if f.metadata.get("secret")}
    assert secret_options(name) == secret
    options = {key: "x" for key in fields}
    spec = MachineSpec(driver=name, driver_options=options)
    assert set(spec.public_options()) == set(fields) - secret and set(spec.secret_options()) == secret

    # The pre-create check: a function, or None (nothing to check).
    assert info.check is None or callable(info.check)

    # Progress lines: (start, done) per resource type.
    for typ, lines in info.steps.items():
        assert ":" in typ and len(lines) == 2 and all(line is None or line.endswith("...") for line in lines), typ

    # Power: the verbs it supports, as its resources do; a refusal for the others.
    assert set(info.power) <= set(POWER_VERBS) and set(info.power.values()) <= {POWER_STATE, SSH_REBOOT}
    assert (info.power.get("stop") == POWER_STATE) == cls.supports_power
    assert all(info.power.get(verb) != POWER_STATE for verb in POWER_VERBS) or set(info.power) == set(POWER_VERBS)
    assert {info.refusal(verb) for verb in POWER_VERBS} and "{" not in info.refusal("kill")

    # The store path, where the driver takes it; the key file's name; per-node options among its flags.
    assert info.needs_store_path == ("storage_path" in fields)
    assert info.key_file and "/" not in info.key_file
    assert set(info.per_node) <= {row[1] for row in info.flags}
    assert isinstance(info.stored, StoredFields)

    # Its swarm firewall: stated by the driver itself, not left to the default.
    assert "cluster_firewall" in vars(cls), f"{cls.__name__} says what its swarm firewall is"


def test_the_registry_and_every_info_import_no_pulumi_no_sdk_no_click():
    """``create -d X --help`` and the read commands load them: start-up time."""
    code = (
        "import sys\nfrom pulumi_docker_machine.components.drivers import REGISTRY, describe\n"
        "[describe(name) for name in REGISTRY]\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('pulumi', 'click', 'typing', 'dataclasses', "
        "'grpc') or m.startswith('pulumi_') and not m.startswith('pulumi_docker_machine')))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"


def test_steps_of_two_drivers_never_share_a_resource_type():
    seen: dict[str, str] = {}
    for name in REGISTRY:
        for typ, lines in describe(name).steps.items():
            # A preset of another driver (rackspace: openstack's resources) shares its types with the same lines.
            shared = typ in seen and describe(seen[typ]).steps[typ] == lines
            assert (typ not in seen or shared) and typ not in COMMON_STEPS, f"{typ}: {seen.get(typ)} and {name}"
            seen.setdefault(typ, name)


# ----- the progress lines name every resource a driver registers ------------------------------------------------


class VMMocks(MachineMocks):
    """MachineMocks, with the forwarded ports and addresses the local VMs' providers would report."""

    def new_resource(self, args: pulumi.runtime.MockResourceArgs):
        id_, state = super().new_resource(args)
        if args.typ.endswith((":QemuVM", ":VirtualBoxVM")):
            state = {
                **state,
                "ssh_port": 2222,
                "docker_port": 2376,
                "ssh_host": "127.0.0.1",
                "host_only_ip": self.vm_address,
            }
        return id_, state


def full_options(name: str, tmp_path: Path) -> dict:
    """Options that make each driver register every kind of resource it has (explicit credentials: a provider)."""
    (tmp_path / "t.vmx").write_text('.encoding = "UTF-8"\n')
    return {
        "generic": {"ip_address": "127.0.0.2", "ssh_key": None},
        "digitalocean": {"access_token": "dop_v1_x"},
        "amazonec2": {"access_key": "AKIAEXAMPLE", "secret_key": "x", "region": "eu-west-1"},
        "google": {"project": "my-project-123", "credentials": "{}", "static_address": True},
        "azure": {
            "subscription_id": "00000000-0000-0000-0000-000000000000",
            "tenant_id": "11111111-1111-1111-1111-111111111111",
            "client_id": "22222222-2222-2222-2222-222222222222",
            "client_secret": "s",
            "availability_set": "web",
        },
        "openstack": {
            "auth_url": "https://keystone.example:5000/v3",
            "username": "u",
            "password": "p",
            "tenant_name": "t",
            "net_name": "private",
            "floating_ip_pool": "public",
        },
        "virtualbox": {"storage_path": str(tmp_path)},
        "qemu": {"storage_path": str(tmp_path)},
        "libvirt": {"storage_path": str(tmp_path)},
        "vmware": {"storage_path": str(tmp_path), "template": str(tmp_path / "t.vmx")},
        "vmwarevsphere": {
            "vcenter": "vcenter.example",
            "username": "u",
            "password": "p",
            "template": "t",
            "hostsystem": "esx1",
        },
        "hyperv": {
            "storage_path": str(tmp_path),
            "image_url": "file:///base.vhdx",
            "virtual_switch": "External Switch",
        },
        "none": {"url": "tcp://127.0.0.1:2376"},
        "exoscale": {"api_key": "EXOk", "api_secret": "s"},
        "rackspace": {"username": "u", "api_key": "k", "identity_url": "http://127.0.0.1:9/v2.0"},
        "vcd": {
            "url": "https://vcd.example/api",
            "org": "o",
            "username": "u",
            "password": "p",
            "vdc": "v",
            "public_ip": "203.0.113.5",
        },
    }[name]


@pytest.mark.parametrize("name", REGISTRY)
def test_the_progress_lines_name_every_resource_the_driver_registers(name, tmp_path, monkeypatch):
    from pulumi_docker_machine.components import DockerMachine, DockerMachineArgs
    from pulumi_docker_machine.components.swarm.component import SWARM_PORTS

    if name == "rackspace":  # its identity service's token (tests/test_driver_flags_rackspace.py asks a stand-in)
        monkeypatch.setattr(f"{driver_class(name).__module__}.token_for", lambda *_: ("token", "tenant"))

    mocks = AzureMocks() if name == "azure" else VMMocks()  # Azure-shaped IDs: its firewall reads them
    mocks.run_dynamic = ("CertificateAuthority", "ClientCertificate", "ServerCertificate", "SSHKey")
    options = full_options(name, tmp_path)

    def program():
        driver = driver_class(name).from_dict(options)
        machines = [DockerMachine(f"m{i}", DockerMachineArgs(driver=driver)) for i in (1, 2)]
        members = [ClusterMember(f"m{i}", driver, m.host, m.ip) for i, m in enumerate(machines, 1)]
        driver.cluster_firewall("sw", members, [pulumi.Output.from_input("198.51.100.7/32")], SWARM_PORTS, machines[0])
        return {"ip": machines[0].ip}

    run_program(mocks, program)
    registered = {r.typ for r in mocks.resources} - set(COMMON_STEPS)
    registered = {typ for typ in registered if not typ.startswith("docker-machine:index:")}  # our components
    assert registered == set(describe(name).steps), "components/drivers/<name>/__init__.py: INFO.steps"


def test_a_drivers_lines_are_printed_for_its_resources():
    from pulumi.automation import EngineEvent

    from tests.fakes.pulumi_cli import step

    for name in REGISTRY:
        for typ, (start, done) in describe(name).steps.items():
            lines: list[str] = []
            progress = Progress(lines.append)
            for event in (
                step("resourcePreEvent", "create", typ, "dev-x", "dev"),
                step("resOutputsEvent", "create", typ, "dev-x", "dev"),
            ):
                progress(EngineEvent.from_json({"sequence": 0, "timestamp": 0, **event}))
            assert lines == [line for line in (start, done) if line], typ

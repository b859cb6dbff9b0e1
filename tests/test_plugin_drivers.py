"""Drivers from other packages (components/drivers/plugins.py, docs/drivers.md).

The example plugin, examples/hetzner-driver (installed into the test venv by `make install`, its entry point
``hetzner``), is used as a user would: through the installed ``docker-machine`` script, the create command's own
parsing and checks, its machine built under the suite's executing mocks, a stack's config and the Python API.
Broken plugins are real distributions too: a ``*.dist-info`` with its ``entry_points.txt`` on PYTHONPATH.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from pulumi_docker_machine.components.drivers import REGISTRY, describe, driver_class, is_driver, names
from tests.conftest import MachineMocks
from tests.test_driver_flags_helpers import build, create, refused

SCRIPT = Path(sys.executable).parent / "docker-machine"
TOKEN = "hcloudtoken0123456789abcdef0123456789abcdef0123456789abcdef012345"
HZ = ("-d", "hetzner", "--hetzner-api-token", TOKEN)
SERVER = "hcloud:index/server:Server"
SSH_KEY = "hcloud:index/sshKey:SshKey"
FIREWALL = "hcloud:index/firewall:Firewall"


# ----- fake plugin distributions ------------------------------------------------------------------------------


def plugin(site: Path, dist: str, package: str, entry: str, source: str, value: str = "") -> None:
    """A distribution ``dist`` 1.0 in ``site`` registering driver ``entry`` (``package:INFO`` unless ``value``)."""
    (site / package).mkdir(parents=True)
    (site / package / "__init__.py").write_text(source)
    info = site / f"{dist.replace('-', '_')}-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist}\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text(f"[pulumi_docker_machine.drivers]\n{entry} = {value or package + ':INFO'}\n")


MARKER = "import os, pathlib\npathlib.Path(os.environ['PLUGIN_MARKER']).write_text(__name__)\n"


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    site = tmp_path_factory.mktemp("site")
    plugin(site, "broken-import-driver", "broken_import", "brokenimport", "import not_installed_sdk_4f2a\n")
    plugin(site, "not-info-driver", "not_info", "notinfo", "INFO = {'name': 'notinfo'}\n")
    badflag = (
        "from pulumi_docker_machine_hetzner import INFO as H\n"
        "from pulumi_docker_machine.components.drivers.info import DriverInfo\n"
        "INFO = DriverInfo(**{k: getattr(H, k) for k in DriverInfo.__slots__ if k not in ('name', 'flags')},\n"
        "    name='badflag', flags=(('--engine-opt', 'image', 'str', '', '', 'clashes with create'),))\n"
    )
    plugin(site, "bad-flag-driver", "bad_flag", "badflag", badflag)
    plugin(site, "shadow-driver", "shadow_generic", "generic", MARKER)
    plugin(site, "twin-a", "twin_a", "twin", MARKER)
    plugin(site, "twin-b", "twin_b", "twin", MARKER)
    plugin(site, "dotted-driver", "dotted", "os.system", MARKER)
    (site / "evilmod.py").write_text(MARKER)  # a module a store could name: never imported
    return site


def dm(*args: str, store: Path, site: Path | None = None, **env: str) -> subprocess.CompletedProcess:
    environ = {
        **os.environ,
        "MACHINE_STORAGE_PATH": str(store),
        "DOCKER_CONFIG": str(store.parent / "docker-config"),
        "PLUGIN_MARKER": str(store.parent / "imported"),
        **env,
    }
    if site is not None:
        environ["PYTHONPATH"] = str(site)
    environ.pop("HETZNER_API_TOKEN", None)
    return subprocess.run([str(SCRIPT), *args], capture_output=True, text=True, env=environ, timeout=60)


# ----- found by name, listed, its flags ---------------------------------------------------------------------------


def test_the_example_plugin_is_a_driver_and_no_builtin():
    assert "hetzner" not in REGISTRY and is_driver("hetzner") and "hetzner" in names()
    assert describe("hetzner").name == "hetzner" and driver_class("hetzner").__module__ == (
        "pulumi_docker_machine_hetzner.driver"
    )


def test_every_piece_is_checked_as_a_builtins():
    from tests.test_driver_ownership import test_every_driver_provides_every_piece

    test_every_driver_provides_every_piece("hetzner")


def test_create_help_lists_its_flags_and_variables(tmp_path):
    result = dm("create", "-d", "hetzner", "--help", store=tmp_path / "store")
    assert result.returncode == 0, result.stderr
    out = " ".join(result.stdout.split())
    for flag, env in (
        ("--hetzner-api-token", "HETZNER_API_TOKEN"),
        ("--hetzner-server-type", "HETZNER_TYPE"),
        ("--hetzner-server-location", "HETZNER_LOCATION"),
        ("--hetzner-firewalls", "HETZNER_FIREWALLS"),
        ("--hetzner-user-data-file", "HETZNER_USER_DATA_FILE"),
    ):
        assert flag in out and f"[env var: {env}]" in out, flag
    assert "--digitalocean-access-token" not in out
    listed = dm("create", "--help", store=tmp_path / "store")
    assert "|hetzner|" in " ".join(listed.stdout.split()).replace(" ", ""), listed.stdout


def test_completion_offers_it_after_d(tmp_path):
    env = {"COMP_WORDS": "docker-machine create -d he", "COMP_CWORD": "3", "_DOCKER_MACHINE_COMPLETE": "bash_complete"}
    assert dm(store=tmp_path / "store", **env).stdout.splitlines() == ["plain,hetzner"]


def test_an_unknown_driver_lists_the_plugins_too(tmp_path):
    result = dm("create", "-d", "nosuch", "m", store=tmp_path / "store")
    assert result.returncode == 1 and result.stdout == ""
    assert result.stderr.startswith('Driver "nosuch" not found: choose one of ') and "hetzner" in result.stderr


# ----- broken plugins: one line naming the package; the rest works ----------------------------------------------


@pytest.mark.parametrize(
    "name, line",
    [
        (
            "brokenimport",
            "Error: driver plugin 'brokenimport' (package broken-import-driver 1.0) failed to load: "
            "ModuleNotFoundError: No module named 'not_installed_sdk_4f2a': reinstall or uninstall that package",
        ),
        (
            "notinfo",
            "Error: driver plugin 'notinfo' (package not-info-driver 1.0) breaks the driver interface: its entry "
            "point is a dict, not a DriverInfo (docs/drivers.md)",
        ),
        (
            "badflag",
            "Error: driver plugin 'badflag' (package bad-flag-driver 1.0) breaks the driver interface: flag "
            "'--engine-opt' does not start with --badflag- (docs/drivers.md)",
        ),
        (
            "twin",
            "Error: driver plugin 'twin' is registered by two packages, twin-a 1.0 and twin-b 1.0: uninstall one",
        ),
    ],
)
def test_a_broken_plugin_is_one_line_naming_its_package(site, tmp_path, name, line):
    for args in (("create", "-d", name, "m"), ("create", "-d", name, "--help")):
        result = dm(*args, store=tmp_path / "store", site=site)
        assert (result.returncode, result.stdout, result.stderr) == (1, "", line + "\n"), args
    assert not (tmp_path / "store" / "machines").exists()


def test_the_rest_of_the_cli_works_beside_broken_plugins(site, tmp_path):
    store = tmp_path / "store"
    helped = dm("create", "-d", "hetzner", "--help", store=store, site=site)
    assert helped.returncode == 0 and "--hetzner-server-type" in helped.stdout
    listed = dm("create", "-d", "nosuch", "m", store=store, site=site)
    names_listed = listed.stderr.split("choose one of ")[1].strip().split(", ")
    assert {"hetzner", "brokenimport", "notinfo", "twin"} <= set(names_listed), "listed by name, none imported"
    assert names_listed.count("generic") == 1 and "os.system" not in names_listed
    assert dm("ls", store=store, site=site).returncode == 0
    assert not (tmp_path / "imported").exists()


def test_a_plugin_never_shadows_a_builtin(site, tmp_path):
    result = dm("create", "-d", "generic", "--help", store=tmp_path / "store", site=site)
    assert result.returncode == 0 and "--generic-ip-address" in result.stdout
    refused_line = dm("create", "-d", "generic", "m", store=tmp_path / "store", site=site)
    assert "generic driver requires the --generic-ip-address option" in refused_line.stderr
    assert not (tmp_path / "imported").exists(), "the plugin registered as 'generic' was imported"


# ----- a machine of the plugin in the store ----------------------------------------------------------------------


def hetzner_machine(store_root: Path, name: str = "web") -> Path:
    """A hetzner machine as create writes it (storesync.write_machine from its stack's outputs)."""
    from pulumi_docker_machine.automation.settings import MachineSpec
    from pulumi_docker_machine.automation.storesync import write_machine
    from pulumi_docker_machine.components.cert import create_ca, issue_client_certificate
    from pulumi_docker_machine.components.ssh import generate_ssh_key
    from pulumi_docker_machine.store import Store

    ca = create_ca("hz")
    client = issue_client_certificate(ca, "hz.client")
    outputs = {
        "ip": "127.0.0.14",
        "ssh_user": "root",
        "ssh_port": 22,
        "ssh_private_key": generate_ssh_key("ed25519").private_key,
        "ca_pem": ca.cert_pem,
        "client_cert_pem": client.cert_pem,
        "client_key_pem": client.key_pem,
        "docker_host": "tcp://127.0.0.14:2376",
        "driver": "hetzner",
    }
    spec = MachineSpec("hetzner", {"api_token": TOKEN, "server_type": "cx32"})
    write_machine(Store(store_root), name, spec, outputs, "file://x", docker_context=False)
    return store_root / "machines" / name / "config.json"


def test_the_store_keeps_its_machine_without_its_token(tmp_path):
    config = hetzner_machine(tmp_path / "store")
    text = config.read_text()
    assert TOKEN not in text and json.loads(text)["DriverName"] == "hetzner"
    assert json.loads(text)["Pulumi"]["Spec"]["driver_options"] == {"server_type": "cx32"}
    assert (config.parent / "id_ed25519").is_file(), "INFO.key_file"


def test_read_commands_read_no_entry_point_and_import_no_plugin(tmp_path):
    store = tmp_path / "store"
    hetzner_machine(store)
    listed = dm("ls", "-t", "1", "--format", "{{.Name}} {{.DriverName}}", store=store)
    assert listed.stdout == "web hetzner\n", listed.stderr
    assert dm("url", "web", store=store).stdout == "tcp://127.0.0.14:2376\n"
    code = (
        "import sys\nfrom pulumi_docker_machine.cli.fast import main\n"
        "sys.argv = ['docker-machine', *sys.argv[1:]]\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "print('LOADED=' + ','.join(sorted(m for m in sys.modules if m in ('importlib.metadata', "
        "'pulumi_docker_machine_hetzner', 'pulumi_docker_machine.components.drivers.plugins'))), file=sys.stderr)\n"
    )
    env = {**os.environ, "MACHINE_STORAGE_PATH": str(store)}
    for args in (["ls"], ["ip", "web"], ["url", "web"], ["inspect", "web"], ["config", "web"], ["status", "web"]):
        result = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, env=env)
        assert "LOADED=\n" in result.stderr, (args, result.stderr)


def test_a_builtins_create_reads_no_entry_point(tmp_path):
    code = (
        "import sys\nfrom pulumi_docker_machine.cli.fast import main\n"
        "sys.argv = ['docker-machine', 'create', '-d', 'generic', 'm']\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "plugins = sys.modules.get('pulumi_docker_machine.components.drivers.plugins')\n"
        "print('READ' if getattr(plugins, '_found', None) is not None else 'UNREAD', file=sys.stderr)\n"
    )
    env = {**os.environ, "MACHINE_STORAGE_PATH": str(tmp_path / "store")}
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert "generic driver requires the --generic-ip-address option" in result.stderr
    assert result.stderr.endswith("UNREAD\n"), result.stderr


@pytest.mark.parametrize("bad", ["evilmod", "os.system", "os:system", "pulumi_docker_machine_hetzner.driver"])
def test_a_driver_name_from_the_store_is_never_imported_as_a_module(site, tmp_path, bad):
    config = hetzner_machine(tmp_path / "store")
    data = json.loads(config.read_text())
    data["DriverName"] = bad
    data["Pulumi"]["Spec"]["driver"] = bad
    config.write_text(json.dumps(data))
    for verb in ("stop", "set"):
        args = (verb, "web", "--cpus", "2") if verb == "set" else (verb, "web")
        result = dm(*args, store=tmp_path / "store", site=site, DOCKER_MACHINE_PULUMI_INSTALL="never")
        assert result.returncode == 1 and len(result.stderr.strip().splitlines()) == 1, (verb, result.stderr)
    assert not (tmp_path / "imported").exists()


# ----- create -d hetzner, under the executing mocks ---------------------------------------------------------------


class HetznerMocks(MachineMocks):
    """MachineMocks answering as Hetzner Cloud would: numeric IDs, a key's fingerprint, the server's address."""

    def new_resource(self, args):
        if not args.typ.startswith("hcloud:"):
            return super().new_resource(args)
        from tests.conftest import Registered, unwrap_secrets

        inputs = unwrap_secrets(dict(args.inputs))
        state = dict(inputs)
        with self._lock:
            id_ = str(4100 + len(self.resources))
        if args.typ == SSH_KEY:
            from pulumi_docker_machine.components.ssh import md5_fingerprint

            state["fingerprint"] = md5_fingerprint(inputs["publicKey"])
            self._public_key(inputs["publicKey"])
        elif args.typ == SERVER:
            state.update(ipv4Address=self.vm_address, ipv6Address="2001:db8::10", status="running")
        with self._lock:
            self.resources.append(Registered(args.typ, args.name, inputs, state, args.provider, id_))
        return id_, state


@pytest.fixture(autouse=True)
def no_hetzner_environment(monkeypatch):
    for name in ("HETZNER_API_TOKEN", "HCLOUD_TOKEN", "HETZNER_EXISTING_KEY_PATH", "HETZNER_FIREWALLS"):
        monkeypatch.delenv(name, raising=False)


def test_create_makes_a_key_a_firewall_and_a_server(monkeypatch, tmp_path):
    user_data = tmp_path / "user-data"
    user_data.write_text("#cloud-config\npackages: [htop]\n")
    args = (
        *HZ,
        "--hetzner-server-type",
        "cx32",
        "--hetzner-server-location",
        "fsn1",
        "--hetzner-server-label",
        "team=web",
        "--hetzner-firewalls",
        "77",
        "--hetzner-user-data-file",
        str(user_data),
        "web",
    )
    created = create(monkeypatch, tmp_path, *args)
    assert "api_token" not in created.spec.public_options() and created.spec.secret_options()["api_token"] == TOKEN
    mocks = build(created, HetznerMocks())
    key, firewall, server = mocks.one(SSH_KEY), mocks.one(FIREWALL), mocks.one(SERVER)
    generated = mocks.one("pulumi-python:dynamic/docker-machine:SSHKey").state
    assert key.inputs["publicKey"] == generated["public_key"] and key.inputs["name"] == "docker-machine-web"
    assert {(r["direction"], r["protocol"], r["port"]) for r in firewall.inputs["rules"]} == {
        ("in", "tcp", "22"),
        ("in", "tcp", "2376"),
    }
    assert server.inputs["serverType"] == "cx32" and server.inputs["location"] == "fsn1"
    assert server.inputs["image"] == "ubuntu-24.04" and server.inputs["labels"] == {"team": "web"}
    assert server.inputs["sshKeys"] == [key.id] and server.inputs["firewallIds"] == [int(firewall.id), 77]
    assert server.inputs["userData"] == user_data.read_text()
    provider = mocks.one("pulumi:providers:hcloud")
    assert provider.inputs["token"] == TOKEN and f"::{provider.name}::" in server.provider
    connection = mocks.one("command:remote:Command").inputs["connection"]
    assert (connection["host"], connection["user"], connection["port"]) == (mocks.vm_address, "root", 22)
    assert connection["privateKey"] == generated["private_key"], "provisioned with the machine's own key"
    assert mocks.outputs["ip"] == (mocks.vm_address, False)
    registered = {r.typ for r in mocks.resources if r.typ.startswith(("hcloud:", "pulumi:providers:hcloud"))}
    assert registered == set(describe("hetzner").steps) - {"hcloud:index/firewallAttachment:FirewallAttachment"}


@pytest.mark.parametrize(
    "args, line",
    [
        ((), "hetzner requires --hetzner-api-token to be set"),
        (("--hetzner-server-label", "oops"), "server label oops is not in key=value format"),
        (("--hetzner-firewalls", "-oProxyCommand=x"), "--hetzner-firewalls '-oProxyCommand=x' is not an ID"),
        (("--hetzner-volumes", "data"), "--hetzner-volumes is not supported: attach volumes with your own"),
        (("--hetzner-existing-key-id", "5"), "--hetzner-existing-key-id requires --hetzner-existing-key-path"),
    ],
)
def test_bad_flags_are_one_line_and_nothing_made(monkeypatch, tmp_path, args, line):
    token = HZ if args else HZ[:2]
    assert line in refused(monkeypatch, tmp_path, *token, *args, "web")


# ----- declarative stacks and the Python API ---------------------------------------------------------------------


def test_a_stacks_machine_may_name_the_plugin():
    from pulumi_docker_machine.programs.declarative import parse

    parsed, problems = parse({"web": {"driver": "hetzner", "api_token": TOKEN, "server_type": "cax11"}})
    assert problems == [] and type(parsed[0][1].driver).__name__ == "HetznerDriver"
    assert parsed[0][1].driver.server_type == "cax11"
    _, problems = parse({"web": {"driver": "nosuch"}})
    assert len(problems) == 1 and "hetzner" in problems[0] and "'nosuch' is not a driver" in problems[0]


def test_the_python_api_takes_it_by_name():
    from pulumi_docker_machine.automation.settings import MachineSpec, machine_args
    from pulumi_docker_machine.components.drivers import driver_from_dict

    driver = driver_from_dict("hetzner", {"api_token": TOKEN, "location": "hel1"})
    assert driver.location == "hel1" and "api_token" not in driver.to_dict()
    args = machine_args(MachineSpec("hetzner", {"api_token": TOKEN}))
    assert type(args.driver) is type(driver)


def test_its_swarm_firewall_opens_the_swarm_ports_between_its_servers():
    import pulumi

    from pulumi_docker_machine.components import DockerMachine, DockerMachineArgs
    from pulumi_docker_machine.components.drivers.base import ClusterMember
    from pulumi_docker_machine.components.swarm.component import SWARM_PORTS
    from tests.conftest import run_program

    mocks = HetznerMocks()
    mocks.run_dynamic = ("CertificateAuthority", "ClientCertificate", "ServerCertificate", "SSHKey")

    def program():
        driver = driver_class("hetzner").from_dict({"api_token": TOKEN})
        machines = [DockerMachine(f"m{i}", DockerMachineArgs(driver=driver)) for i in (1, 2)]
        members = [ClusterMember(f"m{i}", driver, m.host, m.ip) for i, m in enumerate(machines, 1)]
        driver.cluster_firewall("sw", members, [pulumi.Output.from_input("198.51.100.7/32")], SWARM_PORTS, machines[0])
        return {}

    run_program(mocks, program)
    swarm = next(r for r in mocks.of_type(FIREWALL) if r.name == "sw-swarm-firewall")
    assert {(r["protocol"], r["port"]) for r in swarm.inputs["rules"]} == {(p, str(n)) for p, n in SWARM_PORTS}
    assert all(r["sourceIps"] == [f"{mocks.vm_address}/32"] * 2 + ["198.51.100.7/32"] for r in swarm.inputs["rules"])
    attached = mocks.one("hcloud:index/firewallAttachment:FirewallAttachment").inputs
    servers = [int(r.id) for r in mocks.of_type(SERVER)]
    assert attached["firewallId"] == int(swarm.id) and sorted(attached["serverIds"]) == sorted(servers)
    registered = {r.typ for r in mocks.resources if r.typ.startswith(("hcloud:", "pulumi:providers:hcloud"))}
    assert registered == set(describe("hetzner").steps), "INFO.steps: a line per resource type it registers"


@pytest.mark.remote_host
def test_a_hetzner_machine_provisions_a_real_host(remote_host, tmp_path):
    """Hetzner mocked, the host real: the server resolves to a test host that authorizes the uploaded key (as
    cloud-init does on Hetzner's images); Docker is provisioned over SSH and answers over mutual TLS."""
    from pulumi_docker_machine.components import DockerMachineArgs
    from tests.conftest import build_machine
    from tests.dockertools import hello_world

    host = remote_host
    mocks = HetznerMocks(vm_address=host.address, ssh_host=host, on_public_key=host.authorize)
    driver = driver_class("hetzner").from_dict({"api_token": TOKEN, "location": "nbg1"})
    out = build_machine(mocks, "hz", DockerMachineArgs(driver=driver))
    assert out["ip"] == host.address and out["docker_host"] == f"tcp://{host.address}:2376"
    assert mocks.one("command:remote:Command").inputs["connection"]["privateKey"] == out["ssh_private_key"]
    hello_world(host, out, tmp_path / "certs")
    assert host.output("hostname").strip() == "hz"

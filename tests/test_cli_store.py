"""The machine store: layout, modes, atomic writes, docker-machine 0.16's config.json, Docker contexts."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from pulumi_docker_machine.store import MachineNotFound, new_host_config
from pulumi_docker_machine.store import dockercontext
from tests.conftest import add_legacy_machine, add_machine


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_round_trip_and_modes(world):
    folder = add_machine(world.root, "dev", ip="127.0.0.1", engine_port=2376, labels=("env=test",))
    store = world.store()
    host = store.load("dev")
    assert (host.name, host.driver_name, host.ip, host.url) == ("dev", "generic", "127.0.0.1", "tcp://127.0.0.1:2376")
    assert host.labels == ["env=test"]
    assert host.machine_dir == folder
    assert host.auth["CaCertPath"] == str(world.root / "certs" / "ca.pem")
    assert host.pulumi["Stack"] == "dev"
    for path in (world.root, world.root / "machines", folder):
        assert mode(path) == 0o700, path
    for name in ("config.json", "ca.pem", "cert.pem", "key.pem", "server.pem", "server-key.pem"):
        assert mode(folder / name) == 0o600, name
    assert not list(folder.glob(".*.tmp")), "atomic writes leave no temporary files"
    data = json.loads((folder / "config.json").read_text())
    assert data["ConfigVersion"] == 3 and set(data) == {
        "ConfigVersion",
        "Driver",
        "DriverName",
        "HostOptions",
        "Name",
        "Pulumi",
    }
    assert (folder / "config.json").read_text().startswith('{\n    "ConfigVersion": 3,'), "indented with 4 spaces"
    host.data["Pulumi"]["State"] = "Stopped"
    store.save(host)
    assert store.load("dev").stopped_by_us


def test_save_is_atomic(world, monkeypatch):
    add_machine(world.root, "dev", ip="127.0.0.1", engine_port=2376)
    store = world.store()
    before = (world.root / "machines" / "dev" / "config.json").read_text()
    host = store.load("dev")
    host.data["Name"] = "dev"

    def boom(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr("os.fsync", boom)
    with pytest.raises(OSError, match="disk full"):
        store.save(host)
    assert (world.root / "machines" / "dev" / "config.json").read_text() == before
    assert not list((world.root / "machines" / "dev").glob(".*.tmp"))


def test_reads_a_store_written_by_docker_machine_0_16(world):
    add_legacy_machine(world.root)
    host = world.store().load("legacy")
    assert (host.name, host.driver_name, host.ip) == ("legacy", "virtualbox", "127.0.0.2")
    assert (host.ssh_user, host.ssh_port, host.ssh_host) == ("docker", 50776, "127.0.0.1")
    assert host.ssh_key_path == str(world.root / "machines" / "legacy" / "id_rsa")
    assert host.url == "tcp://127.0.0.2:2376"
    assert host.machine_dir == world.root / "machines" / "legacy"
    assert host.labels == ["env=legacy"]
    assert host.pulumi == {} and not host.stopped_by_us
    assert host.driver["HostOnlyCIDR"] == "192.168.99.1/24", "driver fields we do not know are kept"


def test_unknown_and_invalid_names(world):
    with pytest.raises(MachineNotFound) as err:
        world.store().load("nope")
    assert str(err.value) == (
        'Docker machine "nope" does not exist. Use "docker-machine ls" to list machines. '
        'Use "docker-machine create" to add a new one.'
    )
    with pytest.raises(MachineNotFound):
        world.store().load("../certs")


def test_names_in_natural_order(world):
    for name in ("node10", "node9", "Alpha", "node1"):
        (world.root / "machines" / name).mkdir(parents=True)
        (world.root / "machines" / name / "config.json").write_text("{}")
    (world.root / "machines" / "no-config").mkdir()
    assert world.store().names() == ["Alpha", "node1", "node10", "node9"], "docker-machine's byte order"


def test_docker_context_follows_the_machine(world):
    folder = add_machine(world.root, "dev", ip="127.0.0.1", engine_port=2376)
    meta = json.loads((dockercontext.meta_dir("dev") / "meta.json").read_text())
    assert meta["Name"] == "dev"
    assert meta["Endpoints"]["docker"] == {"Host": "tcp://127.0.0.1:2376", "SkipTLSVerify": False}
    tls = dockercontext.tls_dir("dev") / "docker"
    assert (tls / "key.pem").read_text() == (folder / "key.pem").read_text()
    assert mode(tls / "key.pem") == 0o600
    assert str(dockercontext.meta_dir("dev")).startswith(str(world.docker_config))
    world.store().remove("dev")
    assert not dockercontext.meta_dir("dev").exists() and not dockercontext.tls_dir("dev").exists()
    assert not (world.root / "machines" / "dev").exists()


def test_no_docker_context_when_asked(world):
    add_machine(world.root, "quiet", ip="127.0.0.1", engine_port=2376, docker_context=False)
    assert not dockercontext.meta_dir("quiet").exists()


def test_a_context_we_did_not_make_is_never_touched(world):
    folder = dockercontext.meta_dir("mine")
    folder.mkdir(parents=True)
    theirs = json.dumps({"Name": "mine", "Metadata": {}, "Endpoints": {"docker": {"Host": "unix:///x.sock"}}})
    (folder / "meta.json").write_text(theirs)
    add_machine(world.root, "mine", ip="127.0.0.1", engine_port=2376)
    assert (folder / "meta.json").read_text() == theirs, "the user's own context named like the machine stays"
    dockercontext.remove("mine")
    assert folder.exists()


def test_new_host_config_has_docker_machines_shape(tmp_path):
    host = new_host_config(
        name="m",
        driver_name="digitalocean",
        store_root=tmp_path,
        ip="127.0.0.5",
        ssh_user="root",
        ssh_port=22,
        ssh_key_path=tmp_path / "machines" / "m" / "id_ed25519",
        engine={"labels": ["a=b"], "install_url": "https://get.docker.com"},
        tls_sans=["m.example.com"],
    )
    options = host.data["HostOptions"]
    assert set(options) == {"Driver", "Memory", "Disk", "EngineOptions", "SwarmOptions", "AuthOptions"}
    assert options["EngineOptions"]["Labels"] == ["a=b"]
    assert options["AuthOptions"]["ServerCertSANs"] == ["m.example.com"]
    assert host.data["Driver"]["SSHKeyPath"].endswith("id_ed25519")
    assert "Pulumi" not in host.data


def test_docker_env_keys_are_what_env_unsets(world):
    from pulumi_docker_machine.cli.env import VARIABLES

    add_machine(world.root, "dev", ip="127.0.0.1", engine_port=2376)
    assert tuple(world.store().load("dev").docker_env()) == VARIABLES


def test_driver_fields_variants():
    from pulumi_docker_machine.store import driverfields

    assert (
        driverfields.address(
            "amazonec2", {"IPAddress": "127.0.0.5", "PrivateIPAddress": "127.0.0.6", "UsePrivateIP": True}
        )
        == "127.0.0.6"
    )
    assert driverfields.address("amazonec2", {"IPAddress": "127.0.0.5", "PrivateIPAddress": "127.0.0.6"}) == "127.0.0.5"
    assert driverfields.address("azure", {"PrivateIPAddr": "127.0.0.7", "NoPublicIP": True}) == "127.0.0.7"
    assert driverfields.address("azure", {"DNSLabel": "web", "Location": "westus"}) == "web.westus.cloudapp.azure.com"
    assert driverfields.address("azure", {"IPAddress": ""}) == ""
    assert driverfields.address("none", {"URL": "tcp://[::1]:2376", "IPAddress": "[::1]:2376"}) == "::1"
    assert driverfields.address("none", {"IPAddress": "127.0.0.8:2376"}) == "127.0.0.8"
    assert driverfields.engine_port("none", {"URL": "tcp://127.0.0.8:12376"}) == 12376
    assert driverfields.engine_port("azure", {"DockerPort": 2377}) == 2377
    assert driverfields.engine_port("digitalocean", {"EnginePort": 9999}) is None, "only its own field counts"
    assert driverfields.address("exoscale", {"IPAddress": "127.0.0.9", "URL": "https://api.example"}) == "127.0.0.9"
    assert driverfields.engine_url("exoscale", {"URL": "https://api.example"}) is None, "exoscale's URL is its API"
    assert driverfields.address("vmwarevsphere", {"IPAddress": "127.0.0.10", "IP": "127.0.0.99"}) == "127.0.0.10"

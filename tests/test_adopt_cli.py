"""``docker-machine adopt`` refusing what it can't trust, and ``rm -f`` of docker-machine 0.16's machines, through
the installed script on stores written as docker-machine 0.16 writes them (no engine: every refusal comes before
one runs, and leaves the store as it was)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pulumi_docker_machine.components.cert import create_ca, issue_client_certificate
from pulumi_docker_machine.components.ssh import generate_ssh_key
from pulumi_docker_machine.automation.adopt import _shared_certs, adopt_machine
from pulumi_docker_machine.automation.adoption import kept_config
from pulumi_docker_machine.automation.adoptsource import adoption_of
from pulumi_docker_machine.automation.errors import MachineError
from pulumi_docker_machine.automation.machines import check_configuration
from pulumi_docker_machine.automation.settings import MachineSpec
from pulumi_docker_machine.automation.storesync import write_machine
from pulumi_docker_machine.store import BrokenMachine, MachineNotFound, Store
from tests.test_cli_legacy_drivers import DRIVERS, dm, legacy_machine


def legacy_store(root: Path, driver_name: str = "generic") -> tuple[str, Path]:
    """A 0.16 store with one machine of ``driver_name``: certs/, the machine's key in its folder."""
    name, _ = legacy_machine(root, driver_name)
    ca = create_ca("legacy")
    client = issue_client_certificate(ca, "legacy.client")
    (root / "certs").mkdir(mode=0o700)
    for file, text in (
        ("ca.pem", ca.cert_pem),
        ("ca-key.pem", ca.key_pem),
        ("cert.pem", client.cert_pem),
        ("key.pem", client.key_pem),
    ):
        (root / "certs" / file).write_text(text)
    folder = root / "machines" / name
    (folder / "ca.pem").write_text(ca.cert_pem)
    (folder / "id_rsa").write_text(generate_ssh_key("ed25519").private_key)
    (folder / "id_rsa").chmod(0o600)
    return name, folder


def edit_driver(folder: Path, **fields) -> None:
    config = json.loads((folder / "config.json").read_text())
    config["Driver"].update(fields)
    (folder / "config.json").write_text(json.dumps(config))


def snapshot(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def refused(root: Path, *args: str) -> str:
    """adopt ARGS fails with one line, exit 1, and changes nothing in the store (no stack, no state)."""
    before = snapshot(root)
    result = dm(root, "adopt", *args)
    assert result.returncode == 1, result.stdout + result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert snapshot(root) == before
    assert not (root / "state").exists()
    return result.stderr.strip()


def test_rm_f_removes_the_local_record_of_every_driver(tmp_path):
    root = tmp_path / "store"
    names = [legacy_machine(root, driver)[0] for driver in DRIVERS]
    kept = dm(root, "rm", "-y", names[0])
    assert kept.returncode == 1 and "rm -f to forget it here" in kept.stderr, kept.stderr
    assert f"run 'docker-machine adopt {names[0]}' to manage it here" in kept.stderr
    assert (root / "machines" / names[0]).is_dir()
    removed = dm(root, "rm", "-f", *names)
    assert removed.returncode == 0, removed.stdout + removed.stderr
    assert [f"Successfully removed {name}" in removed.stdout for name in names] == [True] * len(names)
    assert list((root / "machines").iterdir()) == []
    assert dm(root, "ls", "-q").stdout == ""


@pytest.mark.parametrize(
    ("driver", "fields", "message"),
    [
        # The store's own checks come first (pulumi_docker_machine/store/hostconfig.py), adopt's after them.
        ("generic", {"IPAddress": "-oProxyCommand=touch /tmp/x"}, "is neither an IP address nor a host name"),
        ("generic", {"SSHUser": "-oProxyCommand=x"}, "Driver.SSHUser '-oProxyCommand=x' is not a user name"),
        ("generic", {"SSHPort": 70000}, "Driver.SSHPort is not a TCP port"),
        ("generic", {"SSHKeyPath": "machines/gen1/.."}, "Driver.SSHKeyPath 'machines/gen1/..' is not an absolute path"),
        ("generic", {"SSHKeyPath": ""}, "config.json names no SSH key"),
        ("generic", {"SSHKeyPath": "/etc/passwd"}, "its SSH key 'passwd' is not a file in"),
        ("generic", {"EnginePort": 0}, ""),  # docker-machine's default port: adopted (stopped later by certs)
        ("digitalocean", {"DropletID": "1; rm -rf /"}, "Driver.DropletID (1; rm -rf /) is not a droplet ID"),
        ("digitalocean", {"Region": "nyc3 --x"}, "Driver.Region ('nyc3 --x') is not a plain name"),
        ("amazonec2", {"InstanceId": "i-$(reboot)"}, "Driver.InstanceId ('i-$(reboot)') is not an EC2 instance ID"),
        ("amazonec2", {"KeyName": "../k"}, "Driver.KeyName ('../k') is not a key pair name"),
        ("google", {"Project": "My Project"}, "Driver.Project ('My Project') is not a Google Cloud project ID"),
        ("azure", {"ResourceGroup": "rg/../x"}, "Driver.ResourceGroup ('rg/../x') is not a resource group name"),
        ("openstack", {"MachineId": "not-a-uuid"}, "Driver.MachineId ('not-a-uuid') is not a server ID"),
        ("openstack", {"AuthUrl": "file:///etc/passwd"}, "Driver.AuthUrl 'file:///etc/passwd' is not an http(s) URL"),
    ],
)
def test_untrusted_config_json_is_refused_before_anything_is_made(driver, fields, message, tmp_path):
    """In process (each case through the script would cost a second of imports): the checks adopt runs first."""
    root = tmp_path / "store"
    name, folder = legacy_store(root, driver)
    edit_driver(folder, **fields)
    store = Store(root)
    with pytest.raises((MachineError, BrokenMachine)) as raised:
        host = store.load(name)
        adoption = adoption_of(store, host)
        if not message:  # the control: these fields alone are fine, the store's certificates stop it here
            (root / "certs" / "ca-key.pem").unlink()
            message = "lacks ca-key.pem"
        check_configuration(name, adoption.spec)
        _shared_certs(store, host)
    assert message in str(raised.value) and name in str(raised.value), str(raised.value)


def test_the_command_refuses_in_one_line_and_changes_nothing(tmp_path):
    root = tmp_path / "store"
    name, folder = legacy_store(root, "digitalocean")
    edit_driver(folder, DropletID="1; rm -rf /")
    assert (
        refused(root, name)
        == f"Error: can't adopt {name!r}: config.json's Driver.DropletID (1; rm -rf /) is not a droplet ID"
    )
    edit_driver(folder, DropletID=123456789, SSHKeyPath="/etc/passwd")
    assert refused(root, name) == (
        f"Error: can't adopt {name!r}: its SSH key 'passwd' is not a file in {folder}: put the machine's key there"
    )


def test_a_symlinked_key_and_a_key_that_is_no_key_are_refused(tmp_path):
    root = tmp_path / "store"
    name, folder = legacy_store(root)
    (folder / "id_rsa").unlink()
    (folder / "id_rsa").symlink_to(Path.home() / ".ssh" / "id_rsa")
    assert "its SSH key 'id_rsa' is not a file in" in refused(root, name)
    (folder / "id_rsa").unlink()
    (folder / "id_rsa").write_text("ssh-ed25519 AAAA... a public key\n")
    assert "is not an unencrypted SSH private key" in refused(root, name)


def test_the_store_must_hold_the_ca_the_machine_trusts(tmp_path):
    root = tmp_path / "store"
    name, folder = legacy_store(root)
    (folder / "ca.pem").write_text(create_ca("another").cert_pem)
    assert "it was made with another store's CA" in refused(root, name)
    for file in ("ca.pem", "ca-key.pem", "cert.pem", "key.pem"):
        (root / "certs" / file).unlink()
    assert "lacks ca.pem, ca-key.pem, cert.pem, key.pem" in refused(root, name)


def test_names(tmp_path):
    root = tmp_path / "store"
    name, _ = legacy_store(root)
    other, _ = legacy_machine(root, "digitalocean")
    assert refused(root, name, "--name", "bad_name") == (
        "Error: Invalid hostname specified. Allowed hostname chars are: 0-9a-zA-Z . -"
    )
    assert refused(root, name, "--name", other) == f'Docker machine "{other}" already exists'
    with pytest.raises(MachineNotFound):
        adopt_machine("nosuch", store=Store(root))
    config = json.loads((root / "machines" / name / "config.json").read_text())
    config["Pulumi"] = {"Project": "docker-machine", "Stack": name}
    (root / "machines" / name / "config.json").write_text(json.dumps(config))
    with pytest.raises(MachineError, match="is already managed through Pulumi: nothing to adopt"):
        adopt_machine(name, store=Store(root))
    assert not (root / "state").exists()


def test_every_later_update_sets_the_adoption_again_from_the_record(tmp_path):
    """What a teammate's store has of an adopted machine (its record, written from the stack's outputs) is enough
    for its updates to keep the imported VM and the machine's key: the stack's config is the adopting store's."""
    store = Store(tmp_path / "store")
    ca = create_ca("legacy")
    client = issue_client_certificate(ca, "legacy.client")
    key = generate_ssh_key("ed25519").private_key
    droplet = [{"type": "digitalocean:index/droplet:Droplet", "id": "123456789"}]
    outputs = {
        "ip": "127.0.0.14",
        "ssh_user": "root",
        "ssh_port": 22,
        "ssh_private_key": key,
        "ca_pem": ca.cert_pem,
        "client_cert_pem": client.cert_pem,
        "client_key_pem": client.key_pem,
        "docker_host": "tcp://127.0.0.14:2376",
        "driver": "digitalocean",
        "adopted": droplet,
    }
    spec = MachineSpec("digitalocean", {"region": "nyc3"})
    host = write_machine(store, "web", spec, outputs, "file://x", imported=True)
    assert kept_config(store, store.load("web")) == {
        "docker-machine:adopted": (json.dumps(droplet), False),
        "docker-machine:adoptedSshKey": (key, True),
    }
    assert kept_config(store, None) == {}
    made_here = write_machine(store, "made", spec, {**outputs, "adopted": None}, "file://x")
    assert kept_config(store, made_here) == {}

    host.data["Pulumi"]["Outputs"]["adopted"] = [{"type": "digitalocean:index/droplet:Droplet", "id": "-x; rm"}]
    with pytest.raises(MachineError, match="'web' was adopted from docker-machine, but the machine's 'adopted' is not"):
        kept_config(store, host)
    key_file = Path(store.load("web").ssh_key_path)
    key_file.unlink()
    key_file.symlink_to(tmp_path / "elsewhere")
    with pytest.raises(MachineError, match="is not a file"):
        kept_config(store, store.load("web"))

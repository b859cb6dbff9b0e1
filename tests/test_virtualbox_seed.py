"""The cloud-init NoCloud seed ISO, read back with pycdlib and with util-linux's blkid."""

import json
import shutil
import subprocess

from tests.conftest import require
from pulumi_docker_machine.components.drivers.seed import SeedConfig, documents, read_seed_iso, write_seed_iso

CONFIG = SeedConfig(
    hostname="dev",
    ssh_user="docker",
    public_key="ssh-ed25519 AAAAC3Nza test@dev",
    instance_id="iid-1234",
    nat_mac="08:00:27:00:00:01",
    hostonly_mac="08:00:27:00:00:02",
    hostonly_address="192.168.56.100/24",
)


def test_seed_iso_reads_back(tmp_path):
    path = write_seed_iso(tmp_path / "seed.iso", CONFIG)
    label, files = read_seed_iso(path)
    assert label == "cidata"
    assert files == documents(CONFIG)
    assert files["user-data"].startswith("#cloud-config\n")
    user = json.loads(files["user-data"].split("\n", 1)[1])["users"][0]
    assert user == {
        "name": "docker",
        "sudo": "ALL=(ALL) NOPASSWD:ALL",
        "shell": "/bin/bash",
        "lock_passwd": True,
        "no_user_group": True,
        "ssh_authorized_keys": ["ssh-ed25519 AAAAC3Nza test@dev"],
    }
    assert json.loads(files["meta-data"]) == {"instance-id": "iid-1234", "local-hostname": "dev"}


def test_blkid_sees_an_iso9660_volume_labelled_cidata(tmp_path):
    blkid = shutil.which("blkid")
    require([] if blkid else ["blkid (Debian package util-linux)"], "reading the seed ISO's label")
    path = write_seed_iso(tmp_path / "seed.iso", CONFIG)
    out = subprocess.run([blkid, "-o", "export", str(path)], capture_output=True, text=True, check=True).stdout
    fields = dict(line.split("=", 1) for line in out.splitlines() if "=" in line)
    assert (fields["TYPE"], fields["LABEL"]) == ("iso9660", "cidata")

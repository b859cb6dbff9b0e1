"""The VirtualBox driver's shared folder: docker-machine 0.16.2's default (/home as hosthome; /Users as Users on
macOS) written out by the pre-create check, `sharedfolder add` through the VBoxManage simulator, and the seed's
vboxsf fstab line (the guest side is unverified here: no VirtualBox)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pulumi_docker_machine.components.drivers import virtualbox
from pulumi_docker_machine.components.drivers.seed import read_seed_iso
from pulumi_docker_machine.components.drivers.virtualbox.provider import VirtualBoxVMProvider, share_mounts
from tests.test_virtualbox_provider import image_server, props  # noqa: F401 - image_server is a fixture

OPTIONS = "defaults,nofail,x-systemd.before=docker.service"


@pytest.mark.parametrize(
    "platform, folders, options, settled",
    [
        ("linux", {"/home"}, {}, {"share_folder": "/home:hosthome"}),
        ("darwin", {"/Users"}, {}, {"share_folder": "/Users:Users"}),
        ("linux", set(), {}, {}),  # no /home here: nothing shared, as docker-machine (os.Stat)
        ("win32", {"/home"}, {}, {}),
        ("linux", {"/home"}, {"no_share": True}, {}),
        ("linux", {"/home"}, {"share_folder": "/srv:srv"}, {}),
    ],
)
def test_the_default_share_is_docker_machines(monkeypatch, platform, folders, options, settled):
    monkeypatch.setattr("sys.platform", platform)
    monkeypatch.setattr("os.path.isdir", lambda path: path in folders)
    assert virtualbox.default_share(options) == settled


def test_the_seed_mounts_the_share_at_its_path_or_at_slash_name(tmp_path):
    project = tmp_path / "project"
    project.mkdir()
    same = {"share_dir": str(project), "share_name": "code", "ssh_user": "docker"}
    assert share_mounts(same) == (("code", str(project), "vboxsf", OPTIONS, "0", "0"),)
    home = {"share_dir": "/home", "share_name": "hosthome", "ssh_user": "docker"}
    assert share_mounts(home) == (("hosthome", "/hosthome", "vboxsf", OPTIONS, "0", "0"),), "/home hides /home/docker"
    assert share_mounts({**home, "share_name": "c/Users"})[0][1] == "/c/Users"
    for name in ("swap", "sda", "ephemeral0", "etc"):  # cloud-init's device names; /etc would hide the VM's own
        assert share_mounts({**home, "share_name": name}) == (), name
    assert share_mounts({**same, "share_dir": str(tmp_path / "gone")}) == (), "not shared: not mounted"
    assert share_mounts({"share_dir": "", "share_name": ""}) == ()


def test_a_created_vm_has_the_folder_shared_and_its_seed_mounts_it(vboxmanage, image_server, tmp_path):  # noqa: F811
    _, url, _ = image_server
    project = tmp_path / "project"
    project.mkdir()
    created = VirtualBoxVMProvider().create(props(tmp_path, url, share_dir=str(project), share_name="code"))
    vm = vboxmanage.state()["vms"][created.id]
    assert vm["shared_folders"] == [{"name": "code", "hostpath": str(project), "writable": True, "automount": True}]
    _, files = read_seed_iso(Path(created.outs["machine_dir"]) / "seed.iso")
    user_data = json.loads(files["user-data"].split("\n", 1)[1])
    assert user_data["mounts"] == [["code", str(project), "vboxsf", OPTIONS, "0", "0"]]

"""docker-machine 0.16.2's virtualbox flags (drivers/virtualbox/virtualbox.go): given to ``create``, followed into
the VM's inputs under mocks, and from there into the VBoxManage commands the provider runs."""

from __future__ import annotations

import pytest

from pulumi_docker_machine.components.drivers.virtualbox import provider as vbox_provider
from pulumi_docker_machine.components.drivers.virtualbox.provider import (
    VirtualBoxVMProvider,
    network_args,
    share_commands,
)
from tests.test_driver_flags_helpers import FlagMocks, build, create, refused

VM = "pulumi-python:dynamic/docker-machine:VirtualBoxVM"
VB = ("-d", "virtualbox")


@pytest.fixture(autouse=True)
def no_vbox_environment(monkeypatch):
    for name in ("VIRTUALBOX_SHARE_FOLDER", "VIRTUALBOX_NO_SHARE", "VIRTUALBOX_UI_TYPE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr("pulumi_docker_machine.components.drivers.virtualbox.check", lambda options: options)


def vm_inputs(monkeypatch, tmp_path, *args: str, env=None) -> dict:
    """The VirtualBoxVM's inputs of ``create -d virtualbox ARGS m`` (the provider itself not run)."""
    mocks = FlagMocks(run_dynamic=("CertificateAuthority", "ClientCertificate", "ServerCertificate", "SSHKey"))
    return build(create(monkeypatch, tmp_path, *VB, *args, "m", env=env), mocks).one(VM).inputs


def test_defaults_run_the_commands_machines_always_had(monkeypatch, tmp_path):
    props = vm_inputs(monkeypatch, tmp_path)
    assert network_args(props) == ["--natdnshostresolver1", "on"]
    assert share_commands("uuid", props) == []
    assert props["ui_type"] == "headless"


def test_share_folder(monkeypatch, tmp_path):
    shared = tmp_path / "src"
    shared.mkdir()
    props = vm_inputs(monkeypatch, tmp_path, env={"VIRTUALBOX_SHARE_FOLDER": f"{shared}:code"})
    assert share_commands("uuid", props) == [
        ["sharedfolder", "add", "uuid", "--name", "code", "--hostpath", str(shared), "--automount"],
        ["setextradata", "uuid", "VBoxInternal2/SharedFoldersEnableSymlinksCreate/code", "1"],
    ]
    unnamed = vm_inputs(monkeypatch, tmp_path, "--virtualbox-share-folder", str(shared))
    assert (unnamed["share_dir"], unnamed["share_name"]) == (str(shared), str(shared).lstrip("/"))
    off = vm_inputs(monkeypatch, tmp_path, "--virtualbox-share-folder", str(shared), "--virtualbox-no-share")
    assert share_commands("uuid", off) == []
    line = refused(monkeypatch, tmp_path, *VB, "--virtualbox-share-folder", f"{tmp_path}/nosuch:x", "m")
    assert "is not a folder on this computer" in line


@pytest.mark.parametrize(
    ("flags", "expected"),
    [
        (("--virtualbox-host-dns-resolver",), ["--natdnshostresolver1", "on", "--natdnsproxy1", "on"]),
        (("--virtualbox-no-dns-proxy",), ["--natdnshostresolver1", "off", "--natdnsproxy1", "off"]),
        (
            ("--virtualbox-host-dns-resolver", "--virtualbox-no-dns-proxy"),
            ["--natdnshostresolver1", "on", "--natdnsproxy1", "off"],
        ),
        (
            ("--virtualbox-hostonly-nicpromisc", "allow-all"),
            ["--natdnshostresolver1", "on", "--nicpromisc2", "allow-all"],
        ),
    ],
)
def test_dns_and_promiscuous_mode(monkeypatch, tmp_path, flags, expected):
    assert network_args(vm_inputs(monkeypatch, tmp_path, *flags)) == expected


def test_bad_promiscuous_mode_and_ui_type_are_refused(monkeypatch, tmp_path):
    assert "hostonly_nicpromisc must be one of deny, allow-vms, allow-all" in refused(
        monkeypatch, tmp_path, *VB, "--virtualbox-hostonly-nicpromisc", "all", "m"
    )
    assert "ui_type must be one of gui, sdl, headless, separate" in refused(
        monkeypatch, tmp_path, *VB, "--virtualbox-ui-type", "fullscreen", "m"
    )


def test_ui_type_is_the_start_type(monkeypatch, tmp_path):
    props = vm_inputs(monkeypatch, tmp_path, env={"VIRTUALBOX_UI_TYPE": "gui"})
    ran: list[tuple] = []

    class Recording:
        def run(self, *args, timeout=0):
            ran.append(args)
            return "Value: 192.168.56.100" if args[0] == "guestproperty" else ""

    monkeypatch.setattr(vbox_provider, "wait_for_ssh", lambda *_: None)
    VirtualBoxVMProvider()._start(Recording(), "uuid", {**props, "ssh_host": "127.0.0.1", "ssh_port": 2222})
    assert ran[0] == ("startvm", "uuid", "--type", "gui")


def test_a_vm_made_before_these_flags_is_not_replaced(monkeypatch, tmp_path):
    news = vm_inputs(monkeypatch, tmp_path)
    olds = {k: v for k, v in news.items() if k not in vbox_provider.LATER_DEFAULTS}
    assert VirtualBoxVMProvider().diff("uuid", olds, news).changes is False
    changed = VirtualBoxVMProvider().diff("uuid", olds, {**news, "hostonly_nicpromisc": "allow-vms"})
    assert changed.replaces == ["hostonly_nicpromisc"]
    assert VirtualBoxVMProvider().diff("uuid", olds, {**news, "ui_type": "gui"}).replaces == [], "used at next start"


def test_accepted_no_ops_and_the_refused_import(monkeypatch, tmp_path):
    props = vm_inputs(monkeypatch, tmp_path, "--virtualbox-hostonly-no-dhcp", "--virtualbox-no-vtx-check")
    assert network_args(props) == ["--natdnshostresolver1", "on"]
    line = refused(monkeypatch, tmp_path, *VB, "--virtualbox-import-boot2docker-vm", "boot2docker-vm", "m")
    assert "--virtualbox-import-boot2docker-vm is not supported" in line and "boot2docker-cli" in line
    from pulumi_docker_machine.components.drivers.virtualbox.driver import VirtualBoxDriver

    with pytest.raises(ValueError, match="--virtualbox-import-boot2docker-vm is not supported"):
        VirtualBoxDriver(import_boot2docker_vm="boot2docker-vm").validate("m")


def test_a_shared_folder_from_state_is_checked_before_vboxmanage(monkeypatch, tmp_path):
    props = vm_inputs(monkeypatch, tmp_path)
    for share_dir, share_name in (("relative/dir", "x"), ("/srv", "--hostpath"), ("/srv", "")):
        problems = vbox_provider.validate(
            {**props, "share_dir": share_dir, "share_name": share_name}, require_key=False
        )
        assert [prop for prop, _ in problems] == ["share_dir"], (share_dir, share_name)
    assert vbox_provider.validate({**props, "share_dir": "/srv", "share_name": "srv"}, require_key=False) == []

"""docker-machine 0.16.2's VirtualBox flags through the provider against the VBoxManage simulator: each reaches the
VM as VBoxManage 7.0 takes it, and what VBoxManage refuses the simulator refuses with VBoxManage's words and exit
code. The VMs are made from a local boot2docker ISO (no image download)."""

from __future__ import annotations

import socket
import threading
from pathlib import Path

import pytest

from pulumi_docker_machine.components.drivers.virtualbox.driver import VirtualBoxDriver
from pulumi_docker_machine.components.drivers.virtualbox.provider import VirtualBoxVMProvider
from pulumi_docker_machine.components.drivers.virtualbox.vboxmanage import VBoxManageError, parse_machinereadable

SYMLINKS = "VBoxInternal2/SharedFoldersEnableSymlinksCreate/"


@pytest.fixture
def provider():
    return VirtualBoxVMProvider()


def props(tmp_path: Path, **changes) -> dict:
    """The driver's inputs for machine vm1, as `create` builds them, with ``changes`` on top."""
    iso = tmp_path / "boot2docker.iso"
    iso.write_bytes(b"simulated boot2docker iso")
    driver = VirtualBoxDriver(boot2docker_url=iso.as_uri(), storage_path=str(tmp_path / "store"))
    return {
        **driver.props("vm1"),
        "public_key": "ssh-ed25519 AAAA vm1",
        "state": "stopped",
        "ssh_timeout": 5,
        **changes,
    }


def vm_info(vboxmanage, vm_id: str) -> dict[str, str]:
    shown = vboxmanage.run("showvminfo", vm_id, "--machinereadable")
    assert shown.returncode == 0, shown.stderr
    return parse_machinereadable(shown.stdout)


@pytest.mark.parametrize(
    ("flags", "pair"),
    [
        ({}, ("on", "")),  # no flag: the host resolver, and VirtualBox's own proxy setting (off)
        ({"host_dns_resolver": True}, ("on", "on")),  # docker-machine's pair once either flag is given
        ({"no_dns_proxy": True}, ("off", "off")),
        ({"host_dns_resolver": True, "no_dns_proxy": True}, ("on", "off")),
    ],
)
def test_the_dns_flags_pair(flags, pair):
    assert VirtualBoxDriver(**flags).dns() == pair


def test_every_network_and_share_flag_reaches_the_vm(provider, vboxmanage, tmp_path):
    share = tmp_path / "projects"
    share.mkdir()
    driver = VirtualBoxDriver(
        host_dns_resolver=True, no_dns_proxy=True, hostonly_nicpromisc="allow-all", share_folder=f"{share}:hosthome"
    )
    keys = ("nat_dns_host_resolver", "nat_dns_proxy", "hostonly_nicpromisc", "share_dir", "share_name")
    flags = {key: driver.props("vm1")[key] for key in keys}
    created = provider.create(props(tmp_path, **flags))
    vm = vboxmanage.state()["vms"][created.id]
    assert vm["nat_dns"] == {"1": {"proxy": "off", "host_resolver": "on"}}, "the NAT NIC's engine"
    assert vm["promisc"] == {"2": "allow-all"}, "the host-only NIC, not the NAT one"
    assert vm["shared_folders"] == [{"name": "hosthome", "hostpath": str(share), "writable": True, "automount": True}]
    info = vm_info(vboxmanage, created.id)
    assert (info["SharedFolderNameMachineMapping1"], info["SharedFolderPathMachineMapping1"]) == (
        "hosthome",
        str(share),
    )
    symlinks = vboxmanage.run("getextradata", created.id, SYMLINKS + "hosthome")
    assert symlinks.stdout == "Value: 1\n", "symlinks may be made in the folder, as docker-machine allowed"


def test_without_the_flags_nothing_extra_is_set(provider, vboxmanage, tmp_path):
    created = provider.create(props(tmp_path))
    vm = vboxmanage.state()["vms"][created.id]
    assert vm["nat_dns"] == {"1": {"proxy": "off", "host_resolver": "on"}}, "VirtualBox's proxy default stands"
    assert "promisc" not in vm and "shared_folders" not in vm and "extradata" not in vm
    assert "SharedFolderNameMachineMapping1" not in vm_info(vboxmanage, created.id)


def test_a_share_folder_gone_from_the_host_is_not_shared(provider, vboxmanage, tmp_path):
    """A folder checked by `create` but removed before the VM is made (or one from an older stack's state) is left
    out, as docker-machine 0.16.2 shares a folder only if it exists: VBoxManage would refuse it."""
    created = provider.create(props(tmp_path, share_dir=str(tmp_path / "gone"), share_name="gone"))
    assert "shared_folders" not in vboxmanage.state()["vms"][created.id]


def test_a_share_folder_that_is_a_file_fails_the_create_and_leaves_no_vm(provider, vboxmanage, tmp_path):
    (tmp_path / "file").write_text("x")
    with pytest.raises(VBoxManageError) as refused:
        provider.create(props(tmp_path, share_dir=str(tmp_path / "file"), share_name="file"))
    assert f"Shared folder path '{tmp_path / 'file'}' is not a directory" in str(refused.value)
    assert vboxmanage.state()["vms"] == {}


class BannerServer:
    """What answers on the NAT port forward once the guest's sshd is up: its banner."""

    def __init__(self, port: int) -> None:
        self.listener = socket.create_server(("127.0.0.1", port))
        threading.Thread(target=self.serve, daemon=True).start()

    def serve(self) -> None:
        while True:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            with conn:
                conn.sendall(b"SSH-2.0-OpenSSH_9.6\r\n")

    def close(self) -> None:
        self.listener.close()


def test_the_ui_type_is_the_frontend_the_vm_starts_with_and_changes_in_place(provider, vboxmanage, tmp_path):
    created = provider.create(props(tmp_path, ui_type="sdl"))
    olds, news = created.outs, {**props(tmp_path, ui_type="separate"), "state": "running"}
    diff = provider.diff(created.id, olds, news)
    assert (diff.changes, diff.replaces) == (True, []), "a new UI type is used from the next start on"
    sshd = BannerServer(int(olds["ssh_port"]))
    try:
        updated = provider.update(created.id, olds, news).outs
    finally:
        sshd.close()
    assert (updated["ui_type"], updated["vm_state"]) == ("separate", "Running")
    assert vm_info(vboxmanage, created.id)["SessionName"] == "separate", "startvm --type separate"


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("nat_dns_host_resolver", "off"),
        ("nat_dns_proxy", "on"),
        ("hostonly_nicpromisc", "allow-vms"),
        ("share_dir", "/srv/other"),
        ("share_name", "other"),
    ],
)
def test_a_changed_network_or_share_flag_replaces_the_vm(provider, tmp_path, key, value):
    olds = {**props(tmp_path, share_dir="/srv/share", share_name="share"), "vm_uuid": "u"}
    diff = provider.diff("u", olds, {**olds, key: value})
    assert (diff.changes, diff.replaces, diff.delete_before_replace) == (True, [key], True)


def test_a_state_made_before_the_flags_is_no_change(provider, tmp_path):
    """A VM made before these inputs existed had their defaults: no replacement."""
    news = props(tmp_path)
    olds = {k: v for k, v in news.items() if k not in ("nat_dns_proxy", "hostonly_nicpromisc", "share_dir", "ui_type")}
    assert provider.diff("u", olds, news).changes is False


@pytest.mark.parametrize(
    ("change", "prop"),
    [
        ({"hostonly_nicpromisc": "allow-some"}, "hostonly_nicpromisc"),
        ({"ui_type": "fullscreen"}, "ui_type"),
        ({"nat_dns_proxy": "yes"}, "nat_dns_proxy"),
        ({"share_dir": "relative/dir", "share_name": "x"}, "share_dir"),
        ({"share_dir": "/srv/x", "share_name": "two words"}, "share_dir"),
    ],
)
def test_check_refuses_values_vboxmanage_would_refuse(provider, tmp_path, change, prop):
    failures = provider.check({}, props(tmp_path, **change)).failures
    assert [f.property for f in failures] == [prop]


@pytest.fixture
def sim_vm(vboxmanage, tmp_path):
    """A VM registered straight through the simulator, powered off."""
    made = vboxmanage.run("createvm", "--name", "sim1", "--basefolder", str(tmp_path / "vms"), "--register")
    assert made.returncode == 0, made.stderr
    return "sim1"


def refused(result) -> tuple[int, str]:
    return result.returncode, result.stderr.strip()


def test_modifyvm_takes_the_options_as_vboxmanage_7_does(vboxmanage, sim_vm):
    assert vboxmanage.run("modifyvm", sim_vm, "--nat-dns-proxy1", "ON", "--natdnshostresolver1", "off").returncode == 0
    assert vboxmanage.run("modifyvm", sim_vm, "--nic-promisc2", "allow-network").returncode == 0
    vm = next(iter(vboxmanage.state()["vms"].values()))
    assert vm["nat_dns"] == {"1": {"proxy": "on", "host_resolver": "off"}}
    assert vm["promisc"] == {"2": "allow-vms"}, "allow-network is allow-vms, as showvminfo names it"


def test_modifyvm_refuses_bad_values_and_saves_nothing(vboxmanage, sim_vm):
    assert refused(vboxmanage.run("modifyvm", sim_vm, "--natdnsproxy1", "maybe")) == (
        1,
        "VBoxManage: error: Unknown option: maybe",
    ), "RTGetOpt's on/off check names the value as an unknown option; modifyvm exits 1"
    assert refused(vboxmanage.run("modifyvm", sim_vm, "--memory", "512", "--nicpromisc2", "allow-some")) == (
        1,
        "VBoxManage: error: Unknown promiscuous mode policy 'allow-some'",
    )
    vm = next(iter(vboxmanage.state()["vms"].values()))
    assert vm["memory"] == 128 and "nat_dns" not in vm and "promisc" not in vm, "a refused modifyvm saves nothing"


def test_a_running_vm_refuses_modifyvm_and_sharedfolder_add(vboxmanage, sim_vm, tmp_path):
    disk = tmp_path / "disk.vdi"
    disk.write_bytes(b"disk")
    for command in (
        ("storagectl", sim_vm, "--name", "SATA", "--add", "sata", "--portcount", "1"),
        ("storageattach", sim_vm, "--storagectl", "SATA", "--port", "0", "--device", "0", "--type", "hdd")
        + ("--medium", str(disk)),
        ("startvm", sim_vm, "--type", "Headless"),  # any case, as handleStartVM compares
    ):
        assert vboxmanage.run(*command).returncode == 0
    locked = "VBoxManage: error: The machine 'sim1' is already locked for a session (or being unlocked)"
    assert refused(vboxmanage.run("modifyvm", sim_vm, "--natdnsproxy1", "on")) == (1, locked)
    assert refused(vboxmanage.run("sharedfolder", "add", sim_vm, "--name", "s", "--hostpath", str(tmp_path))) == (
        1,
        locked,
    )
    assert vboxmanage.run("setextradata", sim_vm, SYMLINKS + "s", "1").returncode == 0, "a shared lock is enough"
    assert vm_info(vboxmanage, sim_vm)["SessionName"] == "headless"
    assert vboxmanage.run("controlvm", sim_vm, "poweroff").returncode == 0
    assert "SessionName" not in vm_info(vboxmanage, sim_vm), "no session once it is off"


def test_sharedfolder_add_refuses_what_vboxmanage_refuses(vboxmanage, sim_vm, tmp_path):
    share = tmp_path / "share"
    share.mkdir()
    (tmp_path / "file").write_text("x")
    add = ("sharedfolder", "add", sim_vm)
    assert vboxmanage.run(*add, "--name", "s", "--hostpath", f"{share}/", "--automount").returncode == 0
    invalid_arg = (
        "VBoxManage: error: Details: code NS_ERROR_INVALID_ARG (0x80070057), component SharedFolderWrap, "
        "interface ISharedFolder, callee nsISupports"
    )
    cases = [
        (
            ("--name", "s", "--hostpath", str(share)),
            1,
            "VBoxManage: error: Shared folder named 's' already exists\n"
            "VBoxManage: error: Details: code VBOX_E_OBJECT_IN_USE (0x80bb000c), component SessionMachine, "
            "interface IMachine, callee nsISupports",
        ),
        (
            ("--name", "t", "--hostpath", str(tmp_path / "missing")),
            1,
            f"VBoxManage: error: RTPathQueryInfo failed on shared folder path '{tmp_path / 'missing'}': "
            f"VERR_FILE_NOT_FOUND\n{invalid_arg}",
        ),
        (
            ("--name", "t", "--hostpath", str(tmp_path / "file")),
            1,
            f"VBoxManage: error: Shared folder path '{tmp_path / 'file'}' is not a directory\n{invalid_arg}",
        ),
        (("--name", "two words", "--hostpath", str(share)), 2, "VBoxManage: error: Invalid shared folder name "),
        (("--hostpath", str(share)), 2, "VBoxManage: error: No shared folder name (--name) was given"),
        (("--name", "t"), 2, "VBoxManage: error: No host path (--hostpath) was given"),
        (("--name", "t", "--hostpath", str(share), "--bogus"), 2, "VBoxManage: error: Unknown option: --bogus"),
    ]
    for args, code, message in cases:
        result = vboxmanage.run(*add, *args)
        assert (result.returncode, result.stderr.strip()[: len(message)]) == (code, message), args
    info = vm_info(vboxmanage, sim_vm)
    assert (info["SharedFolderNameMachineMapping1"], info["SharedFolderPathMachineMapping1"]) == ("s", str(share))
    assert "SharedFolderNameMachineMapping2" not in info, "a refused add adds nothing"


def test_extradata_is_set_read_and_removed_as_vboxmanage_does(vboxmanage, sim_vm):
    assert vboxmanage.run("getextradata", sim_vm, SYMLINKS + "s").stdout == "No value set!\n"
    assert vboxmanage.run("setextradata", sim_vm, SYMLINKS + "s", "1").returncode == 0
    assert vboxmanage.run("getextradata", sim_vm, SYMLINKS + "s").stdout == "Value: 1\n"
    assert vboxmanage.run("getextradata", sim_vm, "enumerate").stdout == f"Key: {SYMLINKS}s, Value: 1\n"
    assert vboxmanage.run("setextradata", sim_vm, SYMLINKS + "s").returncode == 0, "no value: the key is removed"
    assert vboxmanage.run("getextradata", sim_vm, SYMLINKS + "s").stdout == "No value set!\n"
    assert refused(vboxmanage.run("setextradata", sim_vm)) == (2, "VBoxManage: error: Not enough parameters")
    assert refused(vboxmanage.run("setextradata", sim_vm, "k", "v", "extra")) == (
        2,
        "VBoxManage: error: Too many parameters",
    )
    missing = vboxmanage.run("setextradata", "nope", "k", "v")
    assert missing.returncode == 1 and "Could not find a registered machine named 'nope'" in missing.stderr

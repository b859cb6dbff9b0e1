"""The qemu driver's shared folders without booting anything: the flags, their checks, the -virtfs options, the
seed's fstab lines, the provider's refusal of a change (tests/qemu_walk_shares.py checks them in a real VM)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from pulumi_docker_machine.components.drivers import qemu
from pulumi_docker_machine.components.drivers.base import DriverArgumentError
from pulumi_docker_machine.components.drivers.info import PreCreateCheckError
from pulumi_docker_machine.components.drivers.qemu import launch, shares
from pulumi_docker_machine.components.drivers.qemu.driver import QemuDriver
from pulumi_docker_machine.components.drivers.qemu.provider import QemuVMProvider, validate
from pulumi_docker_machine.components.drivers.qemu.qmp import qmp
from pulumi_docker_machine.components.drivers.seed import SeedConfig, documents, read_seed_iso, write_seed_iso
from tests.conftest import require

SCRIPT = str(Path(sys.executable).parent / "docker-machine")


def props(tmp_path: Path, **driver) -> dict:
    image = tmp_path / "base.qcow2"
    image.write_bytes(b"QFI\xfb")
    return {
        **QemuDriver(image=str(image), storage_path=str(tmp_path / "store"), **driver).props("dev"),
        "public_key": "ssh-ed25519 AAAA test",
        "ssh_port": 40022,
        "docker_port": 42376,
        "mac": "52:54:00:12:34:56",
        "accel": "tcg",
        "backing_chain": [{"path": str(image), "format": "qcow2"}],
    }


@pytest.mark.parametrize(
    "spec, parsed",
    [
        ("/home/me", ("/home/me", "/home/me", False)),
        ("/home/me/", ("/home/me", "/home/me/", False)),
        ("/home/me:ro", ("/home/me", "/home/me", True)),
        ("/home/me:rw", ("/home/me", "/home/me", False)),
        ("/srv/data:/data", ("/srv/data", "/data", False)),
        ("/srv/data:/data:ro", ("/srv/data", "/data", True)),
        ("/srv/a:b", ("/srv/a:b", "/srv/a:b", False)),  # after the last ':' no absolute path: all of it is HOST
        ("/srv/a:b:/data", ("/srv/a:b", "/data", False)),
        ("/srv/x/../y", ("/srv/y", "/srv/x/../y", False)),
    ],
)
def test_a_share_is_host_then_guest_then_mode_as_docker_run_v(spec, parsed):
    assert shares.parse(spec) == parsed


@pytest.mark.parametrize(
    "guest, message",
    [
        ("relative", "must be an absolute, normalized path"),
        ("/srv/x/../y", "must be an absolute, normalized path"),
        ("/srv//y", "must be an absolute, normalized path"),
        ("/srv/two words", "space, backslash or control character"),
        ("/srv/tab\there", "space, backslash or control character"),
        ("/srv/back\\slash", "space, backslash or control character"),
        ("/", "would hide the VM's own files"),
        ("/etc", "would hide the VM's own files"),
        ("/usr/local/src", "would hide the VM's own files"),
        ("/var/lib/docker/volumes", "would hide the VM's own files"),
        ("/tmp", "would hide the VM's own files"),
        ("/home", "overlaps /home/docker"),
        ("/home/docker", "overlaps /home/docker"),
        ("/home/docker/project", "overlaps /home/docker"),
    ],
)
def test_guest_paths_that_would_break_the_vm_or_its_fstab_are_refused(guest, message):
    problem = shares.guest_problem(guest, "docker")
    assert problem is not None and message in problem, problem


@pytest.mark.parametrize("guest", ["/home/me", "/Users/me/src", "/tmp/pytest-of-root/x", "/root", "/mnt/data", "/w,x"])
def test_guest_paths_beside_the_system_are_accepted(guest):
    assert shares.guest_problem(guest, "docker") is None
    assert shares.guest_problem("/home/docker", "ubuntu") is None, "only the SSH user's own home is kept clear"


def test_the_home_folder_is_shared_by_default_and_no_share_shares_nothing(tmp_path, monkeypatch):
    home = tmp_path / "someone"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    default = props(tmp_path)["shares"]
    assert default == [{"host": str(home), "guest": str(home), "readonly": False, "tag": "dmshare0"}]
    assert props(tmp_path, no_share=True)["shares"] == []
    assert props(tmp_path, shares=[])["shares"] == []
    with pytest.raises(shares.ShareError, match="give --qemu-share or --qemu-no-share, not both"):
        props(tmp_path, shares=["/srv"], no_share=True)
    monkeypatch.setenv("HOME", str(tmp_path / "gone"))
    assert props(tmp_path)["shares"] == [], "no home folder, nothing shared (as the pre-create check)"
    monkeypatch.setattr(shares.Path, "is_dir", lambda self: True)
    monkeypatch.setenv("HOME", "/home/docker")
    with pytest.raises(shares.ShareError, match=r"sharing your home folder: .*overlaps /home/docker.*--qemu-no-share"):
        props(tmp_path)


def test_tags_are_ours_by_position_and_two_shares_at_one_guest_path_are_refused(tmp_path):
    got = shares.resolve(["/srv/a:/a:ro", "/srv/b"], False, "docker")
    assert [(s["tag"], s["host"], s["guest"], s["readonly"]) for s in got] == [
        ("dmshare0", "/srv/a", "/a", True),
        ("dmshare1", "/srv/b", "/srv/b", False),
    ]
    with pytest.raises(shares.ShareError, match="two shares at /a in the VM"):
        shares.resolve(["/srv/a:/a", "/srv/b:/a/"], False, "docker")
    with pytest.raises(shares.ShareError, match="at most 16 shares"):
        shares.resolve([f"/srv/{n}" for n in range(17)], False, "docker")
    with pytest.raises(shares.ShareError, match="must be an absolute path"):
        shares.resolve(["srv"], False, "docker")


def test_driver_validation_names_the_flag_problem_in_one_line(tmp_path):
    driver = QemuDriver(image=str(tmp_path), shares=["/srv/x:/etc"], storage_path=str(tmp_path))
    with pytest.raises(DriverArgumentError) as raised:
        driver.validate("dev")
    assert str(raised.value) == (
        "qemu share '/srv/x:/etc': guest path /etc would hide the VM's own files: give another, e.g. HOST:/mnt/NAME"
    )


@pytest.mark.parametrize(
    "bad, message",
    [
        ("not a list", "shares must be a list"),
        ([{"host": "/srv", "guest": "/srv", "readonly": False}], "must have exactly the keys"),
        ([{"host": "/srv", "guest": "/srv", "readonly": False, "tag": "x,id=y", "extra": 1}], "exactly the keys"),
        ([{"host": "/srv", "guest": "/srv", "readonly": False, "tag": "dmshare1"}], "mount tag must be dmshare0"),
        ([{"host": "/srv", "guest": "/srv", "readonly": False, "tag": "x,readonly=off"}], "must be dmshare0"),
        ([{"host": "srv", "guest": "/srv", "readonly": False, "tag": "dmshare0"}], "absolute, normalized path"),
        ([{"host": "/srv/../etc", "guest": "/srv", "readonly": False, "tag": "dmshare0"}], "absolute, normalized"),
        ([{"host": "/srv", "guest": "/etc", "readonly": False, "tag": "dmshare0"}], "would hide the VM's own files"),
        ([{"host": "/srv", "guest": "/a b", "readonly": False, "tag": "dmshare0"}], "space, backslash"),
        ([{"host": "/srv", "guest": "/srv", "readonly": "no", "tag": "dmshare0"}], "readonly must be true or false"),
    ],
)
def test_shares_read_back_from_state_are_checked_before_qemu_sees_them(tmp_path, bad, message):
    found = [reason for key, reason in validate({**props(tmp_path, no_share=True), "shares": bad}) if key == "shares"]
    assert found and message in found[0], found


def test_each_share_is_one_virtfs_with_commas_doubled_and_read_only_where_asked(tmp_path):
    folder = tmp_path / "a,b=c"
    folder.mkdir()
    p = props(tmp_path, shares=[str(folder), f"{tmp_path}:/mnt/ro:ro"])
    args = launch.command_line(p)
    virtfs = [args[i + 1] for i, arg in enumerate(args) if arg == "-virtfs"]
    assert virtfs == [
        f"local,path={tmp_path}/a,,b=c,mount_tag=dmshare0,security_model=none,multidevs=remap",
        f"local,path={tmp_path},mount_tag=dmshare1,security_model=none,multidevs=remap,readonly=on",
    ]
    assert "-virtfs" not in launch.command_line(props(tmp_path, no_share=True))


def test_the_seed_mounts_each_share_by_its_tag_at_every_boot(tmp_path):
    entries = shares.mount_entries(shares.resolve(["/srv/a", "/srv/b:/b:ro"], False, "docker"))
    options = "trans=virtio,version=9p2000.L,msize=131072,cache=mmap,nofail,x-systemd.before=docker.service"
    assert entries == [
        ["dmshare0", "/srv/a", "9p", options, "0", "0"],
        ["dmshare1", "/b", "9p", options + ",ro", "0", "0"],
    ]
    config = SeedConfig(
        "dev", "docker", "ssh-ed25519 AAAA", "iid", "52:54:00:00:00:01", mounts=tuple(map(tuple, entries))
    )
    _, files = read_seed_iso(write_seed_iso(tmp_path / "seed.iso", config))
    user_data = json.loads(files["user-data"].split("\n", 1)[1])
    assert user_data["mounts"] == entries
    plain = documents(SeedConfig("dev", "docker", "k", "i", "m"))["user-data"]
    assert "mounts" not in json.loads(plain.split("\n", 1)[1]), "no shares, no mounts module work"


def test_a_change_of_shares_is_refused_and_machines_made_before_shares_keep_none(tmp_path):
    provider = QemuVMProvider()
    olds = props(tmp_path, shares=["/srv/a"])
    assert not provider.check({}, olds).failures, "create"
    assert not provider.check(olds, dict(olds)).failures
    changed = provider.check(olds, props(tmp_path, shares=["/srv/b"]))
    assert [(f.property, f.reason) for f in changed.failures] == [
        (
            "shares",
            "machine dev's shared folders cannot change (its VM mounts the ones it was made with at every boot): "
            "keep them, or rm the machine and create it again with the new --qemu-share",
        )
    ]
    before = {key: value for key, value in olds.items() if key != "shares"}
    kept = provider.check(before, olds)
    assert not kept.failures and "shares" not in kept.inputs
    assert not provider.diff("dev", before, kept.inputs).changes


def test_pre_create_check_writes_the_home_folder_out_and_refuses_a_missing_folder(tmp_path, monkeypatch):
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    assert qemu.settled_shares({}) == {"shares": [str(home)]}
    assert qemu.settled_shares({"no_share": True}) == {}
    assert qemu.settled_shares({"shares": [f"{tmp_path}:/w"]}) == {"shares": [f"{tmp_path}:/w"]}
    with pytest.raises(PreCreateCheckError, match=f"^shared folder {tmp_path}/gone is not a folder on this computer"):
        qemu.settled_shares({"shares": [str(tmp_path / "gone")]})
    monkeypatch.setenv("HOME", str(tmp_path / "nohome"))
    assert qemu.settled_shares({}) == {"shares": []}, "no home folder: nothing shared, as docker-machine's VirtualBox"


def test_a_share_gone_before_a_start_is_one_line_and_no_qemu(tmp_path):
    from pulumi_docker_machine.components.drivers.qemu import provider

    gone = props(tmp_path, shares=[str(tmp_path / "gone")])
    with pytest.raises(launch.QemuError) as raised:
        provider.launch({**gone, "backing_chain": None})
    assert str(raised.value) == (
        f"machine dev: shared folder {tmp_path}/gone is not a folder on this computer: make it, or share another"
    )


@pytest.mark.parametrize(
    "flags, code, message",
    [
        (["--qemu-share", "relative/dir"], 1, "share 'relative/dir': the folder must be an absolute path"),
        (["--qemu-share", "/srv", "--qemu-no-share"], 1, "give --qemu-share or --qemu-no-share, not both"),
        (["--qemu-share", "{tmp}/gone"], 3, "shared folder {tmp}/gone is not a folder on this computer"),
    ],
)
def test_the_installed_command_refuses_a_bad_share_in_one_line_and_makes_nothing(tmp_path, flags, code, message):
    store = tmp_path / "store"
    (tmp_path / "x.qcow2").write_bytes(b"")
    flags = [flag.replace("{tmp}", str(tmp_path)) for flag in flags]
    args = [SCRIPT, "create", "-d", "qemu", "--qemu-accel", "tcg", "--qemu-image", str(tmp_path / "x.qcow2")]
    env = {**os.environ, "MACHINE_STORAGE_PATH": str(store)}
    done = subprocess.run([*args, *flags, "dev"], capture_output=True, text=True, timeout=60, env=env)
    assert done.returncode == code, done.stderr
    assert message.replace("{tmp}", str(tmp_path)) in done.stderr and "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) <= 2, done.stderr
    assert not (store / "machines" / "dev").exists()


def test_qemu_takes_the_virtfs_options_of_a_folder_with_commas(tmp_path):
    """QEMU itself parses the -virtfs options (started stopped with -S: -daemonize returns 0 only once every option
    parsed and the devices were made), and its 9p devices carry our tags."""
    missing = [] if shutil.which("qemu-system-x86_64") else ["qemu-system-x86_64 (Debian package qemu-system-x86)"]
    require(missing, "QEMU's own parse of the -virtfs options")
    odd = tmp_path / "a,b=c,readonly=off"
    odd.mkdir()
    p = props(tmp_path, shares=[str(odd), f"{tmp_path}:/mnt/ro:ro"])
    folder = Path(p["machine_dir"])
    folder.mkdir(parents=True)
    made = subprocess.run(["qemu-img", "create", "-q", "-f", "qcow2", str(folder / "disk.qcow2"), "64M"])
    assert made.returncode == 0
    (folder / "seed.iso").write_bytes(b"\0" * 2048)
    p["backing_chain"] = []
    args = launch.command_line(p) + ["-S"]
    try:
        done = subprocess.run(args, capture_output=True, text=True, timeout=20, cwd=launch.command_cwd(p))
        assert done.returncode == 0, done.stderr
        tree = qmp(folder / "qmp.sock", "human-monitor-command", {"command-line": "info qtree"})
        assert 'mount_tag = "dmshare0"' in tree and 'mount_tag = "dmshare1"' in tree, tree
        qmp(folder / "qmp.sock", "quit")
    finally:
        try:  # QEMU removes its pidfile as it quits
            left = (folder / "qemu.pid").read_text().strip()
        except FileNotFoundError:
            left = ""
        if left:
            subprocess.run(["kill", "-9", left], capture_output=True)

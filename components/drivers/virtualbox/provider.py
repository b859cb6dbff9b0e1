"""The VirtualBox VM as a Pulumi dynamic provider driving VBoxManage.

The engine stores this provider pickled *by reference*: the module path
``pulumi_docker_machine.components.drivers.virtualbox.provider`` and the class name
``VirtualBoxVMProvider`` are a contract with every existing stack's state.
The provider holds no state: VBoxManage is located again on every call.
"""

from __future__ import annotations

import io
import ipaddress
import re
import secrets
import tarfile
import time
import uuid
from pathlib import Path
from typing import Any

from pulumi.dynamic import (
    CheckFailure,
    CheckResult,
    CreateResult,
    DiffResult,
    ReadResult,
    ResourceProvider,
    UpdateResult,
)

from ..imagecache import images_in_use
from .image import DEFAULT_IMAGE_URL, fetch_image
from ..seed import SeedConfig, write_seed_iso
from ..localvm import free_local_port, out_of_range, wait_for_ssh_banner, whole_numbers
from .vboxmanage import (
    HOSTONLY_RANGE_CHECK_VERSION,
    VBoxManage,
    VBoxManageError,
    VMNotFound,
    networks_conf_ranges,
)

DEFAULT_HOSTONLY_CIDR = "192.168.56.1/24"
DEFAULT_ALLOWED_RANGES = ["192.168.56.0/21"]  # what VirtualBox >= 6.1.28 allows without networks.conf
FIRST_GUEST_HOST = 100  # guests get .100, .101, ... on the host-only network
IP_FILE = "hostonly-ip"
SEED_ISO = "seed.iso"
DISK = "disk.vdi"
BOOT2DOCKER_MAGIC = b"boot2docker, please format-me"
ACPI_TIMEOUT = 60  # seconds a guest gets to power off after the ACPI power button, before a hard power-off

# What a change of each input does.
REPLACE_ON: tuple[str, ...] = (
    "name",
    "machine_dir",
    "image_url",
    "image_sha256",
    "boot2docker_url",
    "disk_size",
    "hostonly_cidr",
    "ip_address",
    "ssh_user",
    "public_key",
    "hostname",
    "nat_nictype",
    "hostonly_nictype",
)
UPDATE_IN_PLACE = ("memory", "cpus", "state", "force_stop", "ui_type")
# Inputs added after machines were made (docker-machine 0.16.2's flags): a state without one had its default.
LATER_DEFAULTS = {
    "nat_dns_host_resolver": "on",
    "nat_dns_proxy": "",  # "": VirtualBox's own (not passed)
    "hostonly_nicpromisc": "deny",
    "share_dir": "",
    "share_name": "",
    "ui_type": "headless",
}
REPLACE_ON += ("nat_dns_host_resolver", "nat_dns_proxy", "hostonly_nicpromisc", "share_dir", "share_name")
PROMISC_MODES = ("deny", "allow-vms", "allow-all")
UI_TYPES = ("gui", "sdl", "headless", "separate")

STATES = {"running": "Running", "poweroff": "Stopped", "aborted": "Stopped", "paused": "Paused", "saved": "Saved"}


def machine_state(vm_state: str) -> str:
    """docker-machine's name for a VirtualBox VMState."""
    return STATES.get(vm_state, "Error")


INTEGERS = ("memory", "cpus", "disk_size", "ssh_port", "ssh_timeout")


def normalized(props: dict[str, Any]) -> dict[str, Any]:
    """Numbers cross the Pulumi wire as doubles: the whole ones of INTEGERS back to int."""
    return whole_numbers(props, INTEGERS)


def validate(props: dict[str, Any], require_key: bool = True) -> list[tuple[str, str]]:
    """(property, reason) for each input that can't work."""
    props = normalized(props)
    problems = out_of_range(props, (("memory", 256, 1 << 20), ("cpus", 1, 64), ("disk_size", 4096, 1 << 24)))
    try:
        interface = ipaddress.ip_interface(props.get("hostonly_cidr", ""))
        if interface.version != 4 or interface.ip == interface.network.network_address:
            raise ValueError
    except ValueError:
        problems.append(
            (
                "hostonly_cidr",
                f"hostonly_cidr {props.get('hostonly_cidr')!r} must look like 192.168.56.1/24 (the host's address on the network)",
            )
        )
    else:
        wanted = props.get("ip_address")
        if wanted and (
            ipaddress.ip_address(wanted) not in interface.network or ipaddress.ip_address(wanted) == interface.ip
        ):
            problems.append(("ip_address", f"ip_address {wanted} is not a guest address in {interface.network}"))
    if props.get("hostonly_nicpromisc", "deny") not in PROMISC_MODES:
        problems.append(
            (
                "hostonly_nicpromisc",
                f"hostonly_nicpromisc must be one of {', '.join(PROMISC_MODES)}, not {props.get('hostonly_nicpromisc')!r}",
            )
        )
    if props.get("ui_type", "headless") not in UI_TYPES:
        problems.append(("ui_type", f"ui_type must be one of {', '.join(UI_TYPES)}, not {props.get('ui_type')!r}"))
    for key in ("nat_dns_host_resolver", "nat_dns_proxy"):
        if props.get(key, LATER_DEFAULTS[key]) not in ("on", "off", LATER_DEFAULTS[key]):
            problems.append((key, f"{key} must be on or off, not {props.get(key)!r}"))
    if bool(props.get("share_dir")) != bool(props.get("share_name")):
        problems.append(("share_dir", "a shared folder needs both its host folder and its name"))
    elif props.get("share_dir") and not (
        str(props["share_dir"]).startswith("/")
        and re.fullmatch(r"[A-Za-z0-9._][A-Za-z0-9._/-]*", str(props["share_name"]))
    ):
        problems.append(("share_dir", "a shared folder is an absolute path and a name of letters, digits, . _ / -"))
    if props.get("state", "running") not in ("running", "stopped"):
        problems.append(("state", f"state must be running or stopped, not {props.get('state')!r}"))
    if require_key and not props.get("public_key"):
        problems.append(("public_key", "public_key is required: the SSH key cloud-init installs"))
    return problems


def check_hostonly_range(cidr: str, version: tuple[int, ...]) -> None:
    if version < HOSTONLY_RANGE_CHECK_VERSION:
        return
    network = ipaddress.IPv4Interface(cidr).network  # host-only networks are IPv4 (check() refuses others)
    allowed = networks_conf_ranges() or DEFAULT_ALLOWED_RANGES
    # networks.conf may list IPv6 ranges too: subnet_of raises TypeError for networks of two IP versions.
    ranges = [ipaddress.ip_network(r, strict=False) for r in allowed]
    if not any(isinstance(r, ipaddress.IPv4Network) and network.subnet_of(r) for r in ranges):
        raise VBoxManageError(
            f"host-only network {cidr} is outside the ranges VirtualBox >= 6.1.28 allows ({', '.join(allowed)}): "
            f"use --virtualbox-hostonly-cidr {DEFAULT_HOSTONLY_CIDR}, or allow it with the line "
            f"'* {network}' in /etc/vbox/networks.conf"
        )


def ensure_hostonly_interface(vbox: VBoxManage, cidr: str) -> str:
    """The host-only interface whose address is ``cidr``'s, made if there is none."""
    interface = ipaddress.ip_interface(cidr)
    for existing in vbox.hostonly_interfaces():
        if existing.get("IPAddress") == str(interface.ip) and existing.get("NetworkMask") == str(interface.netmask):
            return existing["Name"]
    created = vbox.run("hostonlyif", "create")
    try:
        name = created.split("'")[1]
    except IndexError:
        raise VBoxManageError(f"could not read the new host-only interface's name from {created.strip()!r}") from None
    vbox.run("hostonlyif", "ipconfig", name, "--ip", str(interface.ip), "--netmask", str(interface.netmask))
    return name


def choose_address(props: dict[str, Any]) -> str:
    """The guest's static address: the one asked for, or the first not taken by a sibling machine."""
    if props.get("ip_address"):
        return props["ip_address"]
    network = ipaddress.ip_interface(props["hostonly_cidr"]).network
    machines = Path(props["machine_dir"]).parent
    taken = set()
    for ip_file in machines.glob(f"*/{IP_FILE}"):
        if ip_file.parent.name != props["name"]:
            taken.add(ip_file.read_text().strip())
    for host in list(network.hosts())[FIRST_GUEST_HOST - 1 :]:
        if str(host) not in taken:
            return str(host)
    raise VBoxManageError(f"no free address left on the host-only network {network}")


def network_args(props: dict[str, Any]) -> list[str]:
    """modifyvm's options for the NAT DNS and the host-only NIC's promiscuous mode (only what differs from
    VirtualBox's own defaults beyond the host resolver, which has always been set)."""
    args = ["--natdnshostresolver1", props.get("nat_dns_host_resolver") or LATER_DEFAULTS["nat_dns_host_resolver"]]
    if props.get("nat_dns_proxy"):
        args += ["--natdnsproxy1", props["nat_dns_proxy"]]
    if (props.get("hostonly_nicpromisc") or "deny") != "deny":
        args += ["--nicpromisc2", props["hostonly_nicpromisc"]]
    return args


def share_commands(vm_uuid: str, props: dict[str, Any]) -> list[list[str]]:
    """docker-machine's shared folder: added with automount, symlinks allowed in it; none when the folder is not on
    this computer (docker-machine 0.16.2 shares it only if os.Stat finds it; VBoxManage would refuse the path)."""
    if not props.get("share_dir"):
        return []
    try:
        Path(props["share_dir"]).stat()
    except FileNotFoundError:
        return []
    name = props["share_name"]
    return [
        ["sharedfolder", "add", vm_uuid, "--name", name, "--hostpath", props["share_dir"], "--automount"],
        ["setextradata", vm_uuid, f"VBoxInternal2/SharedFoldersEnableSymlinksCreate/{name}", "1"],
    ]


def share_mounts(props: dict[str, Any]) -> tuple[tuple[str, ...], ...]:
    """The seed's fstab line for the shared folder (cloud-init ``mounts``; vboxsf needs the guest's Guest Additions
    or the kernel's vboxsf module, which Ubuntu's cloud image may lack: nofail, unverified without VirtualBox). At
    the host's path, so ``docker run -v "$PWD":...`` finds it; at /NAME (where VBoxService's automount puts it with
    docker-machine's MountDir) when that path would hide the VM's own files or the SSH user's home (/home, the
    default on Linux); none for a name cloud-init takes for a device (sda, swap, ephemeral0...)."""
    from ..qemu.shares import guest_problem

    folder, name = props.get("share_dir"), props.get("share_name")
    if (
        not folder
        or not name
        or not Path(folder).exists()
        or re.fullmatch(r"(x?[shv]d[a-z][0-9]*|sr[0-9]+|ami|root|swap|ephemeral.*|ebs.*)", name)
    ):
        return ()
    guest = folder if guest_problem(folder, props.get("ssh_user")) is None else f"/{name}"
    if guest_problem(guest, props.get("ssh_user")):
        return ()
    return ((name, guest, "vboxsf", "defaults,nofail,x-systemd.before=docker.service", "0", "0"),)


def random_mac() -> str:
    """A VirtualBox MAC (OUI 08:00:27) with random low bytes."""
    return "08:00:27:" + ":".join(f"{b:02x}" for b in secrets.token_bytes(3))


def wait_for_ssh(host: str, port: int, timeout: float) -> None:
    """Until the guest's sshd sends its banner through the NAT port forward."""
    if not wait_for_ssh_banner(host, port, timeout):
        raise VBoxManageError(f"SSH did not answer on {host}:{port} within {timeout:.0f}s after the VM started")


def boot2docker_raw_disk(path: Path, public_key: str) -> Path:
    """boot2docker's first-boot disk: its magic string, then a tar with the SSH key it installs."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        for name in (".ssh/authorized_keys", ".ssh/authorized_keys2"):
            data = (public_key.strip() + "\n").encode()
            info = tarfile.TarInfo(name)
            info.size, info.mode = len(data), 0o644
            tar.addfile(info, io.BytesIO(data))
    path.write_bytes(BOOT2DOCKER_MAGIC + buffer.getvalue())
    return path


class VirtualBoxVMProvider(ResourceProvider):
    def check(self, _olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        news = normalized(news)
        failures = [CheckFailure(prop, reason) for prop, reason in validate(news)]
        if not failures:
            try:
                version = VBoxManage().version()
                check_hostonly_range(news["hostonly_cidr"], version)
            except VBoxManageError as err:
                failures.append(CheckFailure("hostonly_cidr" if "host-only" in str(err) else "name", str(err)))
        return CheckResult(news, failures)

    def create(self, props: dict[str, Any]) -> CreateResult:
        # The cache's shared lock from the fetch until the VM's media name the image: a prune in between
        # would remove a boot2docker ISO that is attached, not copied.
        with images_in_use(Path(props["cache_dir"])):
            return self._create(props)

    def _create(self, props: dict[str, Any]) -> CreateResult:
        props = normalized(props)
        problems = validate(props)
        if problems:
            raise ValueError(problems[0][1])
        vbox = VBoxManage()
        check_hostonly_range(props["hostonly_cidr"], vbox.version())
        machine_dir = Path(props["machine_dir"])
        machine_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        cache_dir = Path(props["cache_dir"])
        legacy = bool(props.get("boot2docker_url"))
        if legacy:
            base = fetch_image(
                props["boot2docker_url"], cache_dir, props.get("image_sha256"), verify=bool(props.get("image_sha256"))
            )
        else:
            base = fetch_image(props.get("image_url") or DEFAULT_IMAGE_URL, cache_dir, props.get("image_sha256"))
        interface = ensure_hostonly_interface(vbox, props["hostonly_cidr"])
        address = choose_address(props)
        prefix = ipaddress.ip_interface(props["hostonly_cidr"]).network.prefixlen
        nat_mac, hostonly_mac = random_mac(), random_mac()
        port = free_local_port()

        created = vbox.run(
            "createvm",
            "--name",
            props["name"],
            "--basefolder",
            str(machine_dir),
            "--ostype",
            "Linux26_64" if legacy else "Ubuntu_64",
            "--register",
        )
        vm_uuid = next(
            (line.split(":", 1)[1].strip() for line in created.splitlines() if line.startswith("UUID:")), None
        )
        if not vm_uuid:
            raise VBoxManageError(f"could not read the new VM's UUID from {created.strip()!r}")
        try:
            disk = machine_dir / DISK
            disk.unlink(missing_ok=True)
            if legacy:
                raw = boot2docker_raw_disk(machine_dir / "userdata.raw", props["public_key"])
                vbox.run("convertfromraw", str(raw), str(disk), "--format", "VDI", timeout=600)
                raw.unlink()
            else:
                vbox.run("clonemedium", "disk", str(base), str(disk), "--format", "VDI", timeout=1800)
                seed = write_seed_iso(
                    machine_dir / SEED_ISO,
                    SeedConfig(
                        hostname=props["hostname"],
                        ssh_user=props["ssh_user"],
                        public_key=props["public_key"],
                        instance_id=f"iid-{uuid.uuid4()}",
                        nat_mac=nat_mac,
                        hostonly_mac=hostonly_mac,
                        hostonly_address=f"{address}/{prefix}",
                        mounts=share_mounts(props),
                    ),
                )
            vbox.run("modifymedium", "disk", str(disk), "--resize", str(props["disk_size"]), timeout=600)
            vbox.run(
                "modifyvm",
                vm_uuid,
                "--memory",
                str(props["memory"]),
                "--cpus",
                str(props["cpus"]),
                "--ioapic",
                "on",
                "--rtcuseutc",
                "on",
                "--boot1",
                "dvd" if legacy else "disk",
                "--boot2",
                "disk" if legacy else "none",
                "--nic1",
                "nat",
                "--nictype1",
                props["nat_nictype"],
                "--macaddress1",
                nat_mac.replace(":", ""),
                "--natpf1",
                f"ssh,tcp,127.0.0.1,{port},,22",
                *network_args(props),
                "--nic2",
                "hostonly",
                "--nictype2",
                props["hostonly_nictype"],
                "--hostonlyadapter2",
                interface,
                "--macaddress2",
                hostonly_mac.replace(":", ""),
            )
            vbox.run(
                "storagectl",
                vm_uuid,
                "--name",
                "SATA",
                "--add",
                "sata",
                "--controller",
                "IntelAhci",
                "--portcount",
                "2",
            )
            first, second = (
                ((str(base), "dvddrive"), (str(disk), "hdd"))
                if legacy
                else ((str(disk), "hdd"), (str(seed), "dvddrive"))
            )
            for port_number, (medium, kind) in enumerate((first, second)):
                vbox.run(
                    "storageattach",
                    vm_uuid,
                    "--storagectl",
                    "SATA",
                    "--port",
                    str(port_number),
                    "--device",
                    "0",
                    "--type",
                    kind,
                    "--medium",
                    medium,
                )
            for command in share_commands(vm_uuid, props):
                vbox.run(*command)
            (machine_dir / IP_FILE).write_text(address + "\n")
            outs = {
                **props,
                "vm_uuid": vm_uuid,
                "ip_address": address,
                "ssh_host": "127.0.0.1",
                "ssh_port": port,
                "hostonly_interface": interface,
                "nat_mac": nat_mac,
                "hostonly_mac": hostonly_mac,
                "host_only_ip": address,
                "vm_state": "Stopped",
            }
            if props.get("state", "running") == "running":
                outs.update(self._start(vbox, vm_uuid, outs))
        except BaseException:
            # Create is transactional: nothing half-made stays registered.
            self._remove(vbox, vm_uuid, machine_dir)
            raise
        return CreateResult(vm_uuid, outs)

    def _start(self, vbox: VBoxManage, vm_uuid: str, outs: dict[str, Any]) -> dict[str, Any]:
        vbox.run("startvm", vm_uuid, "--type", outs.get("ui_type") or "headless", timeout=300)
        wait_for_ssh(outs["ssh_host"], int(outs["ssh_port"]), float(outs.get("ssh_timeout") or 300))
        # With Guest Additions the guest reports its host-only address; else it is the one cloud-init set.
        reported = vbox.run("guestproperty", "get", vm_uuid, "/VirtualBox/GuestInfo/Net/1/V4/IP").strip()
        address = reported.split(":", 1)[1].strip() if reported.startswith("Value:") else outs["ip_address"]
        return {"host_only_ip": address, "vm_state": "Running"}

    def _stop(self, vbox: VBoxManage, vm_uuid: str, graceful: bool = True) -> None:
        if vbox.vm_info(vm_uuid).get("VMState") not in ("running", "paused"):
            return
        if graceful:
            vbox.run("controlvm", vm_uuid, "acpipowerbutton")
            deadline = time.monotonic() + ACPI_TIMEOUT
            while time.monotonic() < deadline:
                if vbox.vm_info(vm_uuid).get("VMState") not in ("running", "paused"):
                    return
                time.sleep(1)
        vbox.run("controlvm", vm_uuid, "poweroff")

    def _remove(self, vbox: VBoxManage, vm_uuid: str, machine_dir: Path) -> None:
        try:
            self._stop(vbox, vm_uuid, graceful=False)
            vbox.run("unregistervm", vm_uuid, "--delete")
        except VMNotFound:
            pass
        for leftover in (SEED_ISO, IP_FILE, "userdata.raw"):
            (machine_dir / leftover).unlink(missing_ok=True)

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        try:
            info = VBoxManage().vm_info(id_)
        except VMNotFound:
            return ReadResult("", {})  # gone: `pulumi refresh` drops it
        outs = {
            **props,
            "vm_state": machine_state(info.get("VMState", "")),
            "memory": int(info.get("memory", props.get("memory", 0))),
            "cpus": int(info.get("cpus", props.get("cpus", 0))),
        }
        return ReadResult(id_, outs)

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        olds, news = normalized(olds), normalized(news)

        def changed(key: str) -> bool:
            new = news.get(key)
            if key == "ip_address" and not new:
                return False  # chosen at create: no wish, no change
            if key in LATER_DEFAULTS:
                return (new or LATER_DEFAULTS[key]) != (olds.get(key) or LATER_DEFAULTS[key])
            return new != olds.get(key)

        replaces = [key for key in REPLACE_ON if changed(key)]
        updates = [key for key in UPDATE_IN_PLACE if changed(key)]
        return DiffResult(changes=bool(replaces or updates), replaces=replaces, delete_before_replace=True)

    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        olds, news = normalized(olds), normalized(news)
        vbox = VBoxManage()
        outs = {**olds, **{k: news[k] for k in UPDATE_IN_PLACE if k in news}}
        resize = news.get("memory") != olds.get("memory") or news.get("cpus") != olds.get("cpus")
        if resize or news.get("state") == "stopped":
            self._stop(vbox, id_, graceful=not news.get("force_stop"))
            outs["vm_state"] = "Stopped"
        if resize:
            vbox.run("modifyvm", id_, "--memory", str(news["memory"]), "--cpus", str(news["cpus"]))
        if news.get("state", "running") == "running" and vbox.vm_info(id_).get("VMState") != "running":
            outs.update(self._start(vbox, id_, outs))
        return UpdateResult(outs)

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        self._remove(VBoxManage(), id_, Path(props["machine_dir"]))

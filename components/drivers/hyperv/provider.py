"""The Hyper-V VM as a Pulumi dynamic provider running Hyper-V's cmdlets (powershell.py, scripts.py).

The engine stores this provider pickled *by reference*: the module path
``pulumi_docker_machine.components.drivers.hyperv.provider`` and the class name ``HyperVVMProvider`` are a contract
with every existing stack's state. Unverified against real Hyper-V: tested against tests/fakes/powershell.py.
"""

from __future__ import annotations

import ipaddress
import re
import secrets
import time
import uuid
from pathlib import Path
from typing import Any, Optional

from pulumi.dynamic import CheckFailure, CheckResult, CreateResult, DiffResult, ReadResult, ResourceProvider
from pulumi.dynamic import UpdateResult

from ..imagecache import fetch_image, images_in_use
from ..localvm import out_of_range, wait_for_ssh_banner, whole_numbers
from ..seed import SeedConfig, write_seed_iso
from . import scripts
from .powershell import PowerShellError, run

SEED_ISO = "seed.iso"
DISK = "disk.vhdx"
MIB = 1 << 20
SSH_PORT = 22  # the guest's sshd, at the address it reports
HYPERV_OUI = "00155d"  # Microsoft's prefix for Hyper-V's MAC addresses
REPLACE_ON = (
    "name",
    "machine_dir",
    "image_url",
    "image_sha256",
    "virtual_switch",
    "disk_size",
    "static_macaddress",
    "vlan_id",
    "disable_dynamic_memory",
    "ssh_user",
    "public_key",
    "hostname",
)
UPDATE_IN_PLACE = ("memory", "cpus", "state", "force_stop")
INTEGERS = ("memory", "cpus", "disk_size", "vlan_id", "ssh_timeout")
STATES = {"Running": "Running", "Off": "Stopped", "Saved": "Saved", "Paused": "Paused"}  # GetState's, and more
_MAC = re.compile(r"[0-9a-f]{12}")


def normalized(props: dict[str, Any]) -> dict[str, Any]:
    """Numbers cross the Pulumi wire as doubles: the whole ones of INTEGERS back to int."""
    return whole_numbers(props, INTEGERS)


def mac_digits(text: str) -> Optional[str]:
    """``00:15:5D:01:02:03``, ``00-15-5d-...`` or ``00155D010203`` as 12 lower-case hex digits; None if none."""
    digits = re.sub(r"[:-]", "", text or "").lower()
    return digits if _MAC.fullmatch(digits) else None


def validate(props: dict[str, Any], require_key: bool = True) -> list[tuple[str, str]]:
    """(property, reason) for each input that can't work."""
    props = normalized(props)
    problems = out_of_range(props, (("memory", 32, 1 << 24), ("cpus", 1, 240), ("disk_size", 1024, 64 << 20)))
    vlan = props.get("vlan_id", 0)
    if isinstance(vlan, bool) or not isinstance(vlan, int) or not 0 <= vlan <= 4094:
        problems.append(("vlan_id", f"vlan_id must be a VLAN ID from 1 to 4094, or 0 for none, not {vlan!r}"))
    mac = props.get("static_macaddress")
    if mac and not mac_digits(mac):
        problems.append(("static_macaddress", f"static_macaddress {mac!r} is not a MAC address like 00:15:5D:01:02:03"))
    elif mac and int(mac_digits(mac)[:2], 16) & 1:  # type: ignore[index]
        problems.append(("static_macaddress", f"static_macaddress {mac} is a multicast address: give a unicast one"))
    if not props.get("image_url"):
        problems.append(("image_url", "image_url is required: the URL of a cloud image VHDX"))
    if not props.get("virtual_switch"):
        problems.append(("virtual_switch", "virtual_switch is required: the name of a Hyper-V virtual switch"))
    if props.get("state", "running") not in ("running", "stopped"):
        problems.append(("state", f"state must be running or stopped, not {props.get('state')!r}"))
    if require_key and not props.get("public_key"):
        problems.append(("public_key", "public_key is required: the SSH key cloud-init installs"))
    return problems


def random_mac() -> str:
    return HYPERV_OUI + secrets.token_hex(3)


def colon_mac(digits: str) -> str:
    return ":".join(digits[i : i + 2] for i in range(0, 12, 2))


def first_ipv4(addresses: Any) -> str:
    for text in addresses or ():
        try:
            if isinstance(text, str) and ipaddress.ip_address(text).version == 4:
                return text
        except ValueError:
            continue
    return ""


class HyperVVMProvider(ResourceProvider):
    def check(self, _olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        news = normalized(news)
        return CheckResult(news, [CheckFailure(prop, reason) for prop, reason in validate(news)])

    def create(self, props: dict[str, Any]) -> CreateResult:
        props = normalized(props)
        problems = validate(props)
        if problems:
            raise ValueError(problems[0][1])
        # The cache's shared lock until the machine's disk names the base image as its parent.
        with images_in_use(Path(props["cache_dir"])):
            return self._create(props)

    def _create(self, props: dict[str, Any]) -> CreateResult:
        taken = run(scripts.VMS_NAMED, {}) or {}
        if props["name"] in (taken.get("names") or []):
            raise PowerShellError(
                f"a Hyper-V VM named {props['name']!r} exists already: remove it (Remove-VM) or pick another name"
            )
        machine_dir = Path(props["machine_dir"])
        machine_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        base = fetch_image(props["image_url"], Path(props["cache_dir"]), props.get("image_sha256") or None)
        base_size = int((run(scripts.BASE_SIZE, {"base": str(base)}) or {}).get("size") or 0)
        mac = mac_digits(props.get("static_macaddress") or "") or random_mac()
        disk, seed = machine_dir / DISK, machine_dir / SEED_ISO
        write_seed_iso(
            seed,
            SeedConfig(
                hostname=props["hostname"],
                ssh_user=props["ssh_user"],
                public_key=props["public_key"],
                instance_id=f"iid-{uuid.uuid4()}",
                nat_mac=colon_mac(mac),
            ),
        )
        script = scripts.NEW_VM
        if props.get("disable_dynamic_memory"):
            script += scripts.STATIC_MEMORY
        script += scripts.PROCESSORS + scripts.STATIC_MAC
        if props.get("vlan_id"):
            script += scripts.VLAN
        script += scripts.DISK
        disk_bytes = props["disk_size"] * MIB
        if disk_bytes > base_size:  # never below the image's own size (Resize-VHD would refuse)
            script += scripts.RESIZE
        script += scripts.DRIVES + scripts.CREATED
        values = {
            "name": props["name"],
            "path": str(machine_dir),
            "memory": props["memory"] * MIB,
            "switch": props["virtual_switch"],
            "cpus": props["cpus"],
            "mac": mac.upper(),
            "vlan": props.get("vlan_id") or 0,
            "disk": str(disk),
            "base": str(base),
            "disk_bytes": disk_bytes,
            "seed": str(seed),
        }
        vm_id = ""
        try:
            vm_id = str((run(script, values) or {}).get("id") or "")
            if not vm_id:
                raise PowerShellError("New-VM answered no VM Id")
            outs = {**props, "vm_id": vm_id, "mac": colon_mac(mac), "ip_address": "", "vm_state": "Stopped"}
            if props.get("state", "running") == "running":
                outs.update(self._start(vm_id, outs))
        except BaseException:
            # Create is transactional: no half-made VM or disk stays.
            self._remove(vm_id, machine_dir, props["name"])
            raise
        return CreateResult(vm_id, outs)

    def _state(self, vm_id: str) -> dict[str, Any]:
        return run(scripts.STATE, {"id": vm_id}) or {}

    def _start(self, vm_id: str, outs: dict[str, Any]) -> dict[str, Any]:
        """Start-VM, then docker-machine's waitForIP (the address the guest's KVP daemon reports), then sshd."""
        run(scripts.START, {"id": vm_id})
        timeout = float(outs.get("ssh_timeout") or 300)
        deadline = time.monotonic() + timeout
        address = ""
        while not address:
            address = first_ipv4(self._state(vm_id).get("addresses"))
            if not address:
                if time.monotonic() > deadline:
                    raise PowerShellError(
                        f"the VM reported no IPv4 address within {timeout:.0f}s: its image needs Hyper-V's KVP daemon "
                        "(hv_kvp_daemon) and a DHCP server on the virtual switch"
                    )
                time.sleep(1)
        if not wait_for_ssh_banner(address, SSH_PORT, max(5.0, deadline - time.monotonic())):
            raise PowerShellError(
                f"SSH did not answer on {address}:{SSH_PORT} within {timeout:.0f}s after the VM started"
            )
        return {"ip_address": address, "vm_state": "Running"}

    def _stop(self, vm_id: str, graceful: bool = True) -> None:
        if self._state(vm_id).get("state") == "Off":
            return
        run(scripts.STOP if graceful else scripts.TURN_OFF, {"id": vm_id})

    def _remove(self, vm_id: str, machine_dir: Path, name: str) -> None:
        if vm_id:
            try:
                self._stop(vm_id, graceful=False)
                run(scripts.REMOVE, {"id": vm_id})
            except PowerShellError as err:
                if "unable to find a virtual machine" not in str(err):
                    raise
        for leftover in (DISK, SEED_ISO):
            (machine_dir / leftover).unlink(missing_ok=True)

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        try:
            state = self._state(id_)
        except PowerShellError as err:
            if "unable to find a virtual machine" in str(err):
                return ReadResult("", {})  # gone: `pulumi refresh` drops it
            raise
        address = first_ipv4(state.get("addresses")) or props.get("ip_address", "")
        return ReadResult(
            id_, {**props, "vm_state": STATES.get(state.get("state", ""), "Error"), "ip_address": address}
        )

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        olds, news = normalized(olds), normalized(news)
        replaces = [key for key in REPLACE_ON if news.get(key) != olds.get(key)]
        updates = [key for key in UPDATE_IN_PLACE if news.get(key) != olds.get(key)]
        return DiffResult(changes=bool(replaces or updates), replaces=replaces, delete_before_replace=True)

    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        olds, news = normalized(olds), normalized(news)
        outs = {**olds, **{k: news[k] for k in UPDATE_IN_PLACE if k in news}}
        resize = news.get("memory") != olds.get("memory") or news.get("cpus") != olds.get("cpus")
        if resize or news.get("state") == "stopped":
            self._stop(id_, graceful=not news.get("force_stop"))
            outs["vm_state"] = "Stopped"  # the address is kept: the static MAC gets it again from DHCP
        if resize:
            run(scripts.RESIZE_VM, {"id": id_, "memory": news["memory"] * MIB, "cpus": news["cpus"]})
        if news.get("state", "running") == "running" and self._state(id_).get("state") != "Running":
            outs.update(self._start(id_, outs))
        return UpdateResult(outs)

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        self._remove(id_, Path(props["machine_dir"]), props.get("name", ""))

"""The VMware Workstation/Fusion VM as a Pulumi dynamic provider driving ``vmrun``.

The engine stores this provider pickled *by reference*: the module path
``pulumi_docker_machine.components.drivers.vmware.provider`` and the class name ``VMwareVMProvider`` are a
contract with every existing stack's state. The VM is a full clone of a template .vmx (a cloud image with
cloud-init and open-vm-tools) in the machine's folder; the NoCloud seed ISO is attached as its CD drive
(ide1:0) and its NIC gets a static MAC the seed's network config matches. Its address is the one VMware Tools
reports (``getGuestIPAddress -wait``).
"""

from __future__ import annotations

import re
import secrets
import shutil
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

from ..localvm import out_of_range, whole_numbers
from ..seed import SeedConfig, write_seed_iso
from . import vmx
from .vmrun import PRODUCTS, Vmrun, VmrunError

SEED_ISO = "seed.iso"
VM_FOLDER = "vm"
CLONE_TIMEOUT = 1800
REPLACE_ON = ("name", "machine_dir", "template", "public_key", "ssh_user", "hostname")
UPDATE_IN_PLACE = ("cpus", "memory", "state", "force_stop", "product", "ip_timeout")
INTEGERS = ("cpus", "memory", "ip_timeout")
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9.-]{0,62}$")
_UNSAFE_PATH = re.compile(r'["\x00-\x1f\x7f]')  # a path goes into the .vmx and vmrun's argv as one value


def normalized(props: dict[str, Any]) -> dict[str, Any]:
    """Numbers cross the Pulumi wire as doubles: the whole ones of INTEGERS back to int."""
    return whole_numbers(props, INTEGERS)


def path_problem(value: Any, what: str) -> str | None:
    if not isinstance(value, str) or not value or not Path(value).is_absolute():
        return f"{what} {value!r} is not an absolute path"
    if _UNSAFE_PATH.search(value):
        return f"{what} {value!r} holds a quote or a control character, which a .vmx value can't"
    return None


def validate(props: dict[str, Any], require_key: bool = True) -> list[tuple[str, str]]:
    """(property, reason) for each input that can't work."""
    props = normalized(props)
    problems = []
    if not _NAME.match(str(props.get("name", ""))):
        problems.append(("name", f"name {props.get('name')!r} is not a machine name"))
    problems += out_of_range(props, (("memory", 256, 1 << 20), ("cpus", 1, 64), ("ip_timeout", 10, 3600)))
    for key, what in (("machine_dir", "the machine folder"), ("template", "the template")):
        problem = path_problem(props.get(key), what)
        if problem:
            problems.append((key, problem))
    template = str(props.get("template") or "")
    if not any(k == "template" for k, _ in problems):
        if not template.lower().endswith(".vmx"):
            problems.append(("template", f"the template {template!r} is not a .vmx file"))
        elif not Path(template).is_file():
            problems.append(("template", f"the template {template} does not exist"))
    if props.get("product") not in PRODUCTS:
        problems.append(("product", f"product must be one of {', '.join(PRODUCTS)}, not {props.get('product')!r}"))
    if props.get("state", "running") not in ("running", "stopped"):
        problems.append(("state", f"state must be running or stopped, not {props.get('state')!r}"))
    if require_key and not props.get("public_key"):
        problems.append(("public_key", "public_key is required: the SSH key cloud-init installs"))
    return problems


def random_mac() -> str:
    """A MAC of VMware's range for static addresses (00:50:56:00:00:00 to 00:50:56:3F:FF:FF)."""
    low = secrets.token_bytes(3)
    return "00:50:56:" + ":".join(f"{b:02x}" for b in (low[0] & 0x3F, low[1], low[2]))


def vmx_path(props: dict[str, Any]) -> Path:
    return Path(props["machine_dir"]) / VM_FOLDER / f"{props['name']}.vmx"


def settings(props: dict[str, Any], mac: str, seed: Path) -> dict[str, str | None]:
    """What the clone's .vmx gets: its size, its name, the NIC's static MAC on VMware's NAT network, the seed."""
    return {
        "displayName": props["name"],
        "numvcpus": str(props["cpus"]),
        "memsize": str(props["memory"]),
        "ethernet0.present": "TRUE",
        "ethernet0.connectionType": "nat",
        "ethernet0.addressType": "static",
        "ethernet0.address": mac,
        "ethernet0.generatedAddress": None,
        "ethernet0.generatedAddressOffset": None,
        "ide1:0.present": "TRUE",
        "ide1:0.deviceType": "cdrom-image",
        "ide1:0.fileName": str(seed),
        "ide1:0.startConnected": "TRUE",
    }


class VMwareVMProvider(ResourceProvider):
    def check(self, _olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        news = normalized(news)
        return CheckResult(news, [CheckFailure(prop, reason) for prop, reason in validate(news)])

    def create(self, props: dict[str, Any]) -> CreateResult:
        props = normalized(props)
        problems = validate(props)
        if problems:
            raise ValueError(problems[0][1])
        vmrun = Vmrun(props["product"])
        machine_dir = Path(props["machine_dir"])
        machine_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        target = vmx_path(props)
        if target.exists():  # a create that was killed after the clone: the folder is this machine's own
            self._remove(vmrun, target)
        mac = random_mac()
        seed = write_seed_iso(
            machine_dir / SEED_ISO,
            SeedConfig(
                hostname=props["hostname"],
                ssh_user=props["ssh_user"],
                public_key=props["public_key"],
                instance_id=str(uuid.uuid4()),
                nat_mac=mac,
            ),
        )
        target.parent.mkdir(mode=0o700)
        vmrun.run("clone", props["template"], str(target), "full", f"-cloneName={props['name']}", timeout=CLONE_TIMEOUT)
        outs = {**props, "vmx_path": str(target), "mac_address": mac, "ip_address": "", "vm_state": "Stopped"}
        try:
            vmx.update(target, settings(props, mac, seed))
            if props.get("state", "running") == "running":
                outs.update(self._start(vmrun, target, props))
        except Exception:
            self._remove(vmrun, target)
            raise
        return CreateResult(str(target), outs)

    def _start(self, vmrun: Vmrun, target: Path, props: dict[str, Any]) -> dict[str, Any]:
        if str(target) not in vmrun.running():
            vmrun.run("start", str(target), "nogui", timeout=300)
        timeout = int(props.get("ip_timeout") or 300)
        address = vmrun.run("getGuestIPAddress", str(target), "-wait", timeout=timeout).strip()
        if not re.fullmatch(r"[0-9.]{7,15}|[0-9A-Fa-f:]{2,39}", address):
            raise VmrunError(f"vmrun getGuestIPAddress answered {address[:60]!r}, not an address")
        return {"ip_address": address, "vm_state": "Running"}

    def _stop(self, vmrun: Vmrun, target: Path, graceful: bool = True) -> None:
        if str(target) not in vmrun.running():
            return
        if graceful:
            try:
                vmrun.run("stop", str(target), "soft", timeout=120)
                return
            except VmrunError:
                pass  # no VMware Tools to ask the guest: power it off
        vmrun.run("stop", str(target), "hard")

    def _remove(self, vmrun: Vmrun, target: Path) -> None:
        if target.exists():
            self._stop(vmrun, target, graceful=False)
            vmrun.run("deleteVM", str(target))
        shutil.rmtree(target.parent, ignore_errors=True)
        (target.parent.parent / SEED_ISO).unlink(missing_ok=True)

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        target = Path(id_)
        if not target.is_file():
            return ReadResult("", {})  # gone: `pulumi refresh` drops it
        running = id_ in Vmrun(props.get("product") or "ws").running()
        return ReadResult(id_, {**props, "vm_state": "Running" if running else "Stopped"})

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        olds, news = normalized(olds), normalized(news)
        replaces = [key for key in REPLACE_ON if news.get(key) != olds.get(key)]
        updates = [key for key in UPDATE_IN_PLACE if news.get(key) != olds.get(key)]
        return DiffResult(changes=bool(replaces or updates), replaces=replaces, delete_before_replace=True)

    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        olds, news = normalized(olds), normalized(news)
        problems = validate(news)
        if problems:
            raise ValueError(problems[0][1])
        vmrun = Vmrun(news["product"])
        target = Path(id_)
        outs = {**olds, **{k: news[k] for k in UPDATE_IN_PLACE if k in news}}
        resize = news["cpus"] != olds.get("cpus") or news["memory"] != olds.get("memory")
        if resize or news.get("state") == "stopped":
            self._stop(vmrun, target, graceful=not news.get("force_stop"))
            outs["vm_state"] = "Stopped"
        if resize:
            vmx.update(target, {"numvcpus": str(news["cpus"]), "memsize": str(news["memory"])})
        if news.get("state", "running") == "running":
            outs.update(self._start(vmrun, target, news))
        return UpdateResult(outs)

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        self._remove(Vmrun(props.get("product") or "ws"), Path(id_))

"""A stand-in for VMware's ``vmrun`` (Workstation/Fusion), enforcing its documented syntax:

    vmrun [-T ws|server|server1|fusion|esx|vc|player] COMMAND [PARAMETERS]

with the commands the vmware driver uses and their parameter counts: ``list``, ``start VMX [gui|nogui]``,
``stop VMX [hard|soft]``, ``clone VMX DEST full|linked [-snapshot=NAME] [-cloneName=NAME]``, ``deleteVM VMX``,
``getGuestIPAddress VMX [-wait]``. Errors are printed as vmrun prints them, ``Error: ...`` on stdout, exit 255.
A .vmx it reads must be ``key = "value"`` lines only (what VMware itself reads); a VM's CD image must exist
when it starts. Its state (the running VMs, every call's argv) is JSON in ``$VMRUNSIM_STATE``. Starting a VM
whose CD is a NoCloud seed adds the seed's SSH keys to ``$VMRUNSIM_AUTHORIZED_KEYS`` when set (cloud-init's
part); the guest's address is ``$VMRUNSIM_GUEST_ADDRESS`` (default 127.0.0.1: no fake hands out an address outside loopback). ``$VMRUNSIM_NO_TOOLS``:
the guest has no VMware Tools (``stop soft`` fails as vmrun does)."""

from __future__ import annotations

import json
import os
import re
import shutil
import sys
from pathlib import Path

HOST_TYPES = ("ws", "server", "server1", "fusion", "esx", "vc", "player")
AUTH_FLAGS = ("-T", "-h", "-P", "-u", "-p", "-vp", "-gu", "-gp")
LINE = re.compile(r'^\s*\.?[A-Za-z0-9_][A-Za-z0-9_.:-]*\s*=\s*"[^"]*"\s*$')


class Fail(Exception):
    pass


def state_path() -> Path:
    return Path(os.environ["VMRUNSIM_STATE"])


def load() -> dict:
    path = state_path()
    return json.loads(path.read_text()) if path.exists() else {"running": [], "calls": [], "ips": {}}


def save(state: dict) -> None:
    state_path().write_text(json.dumps(state))


def read_vmx(path: str) -> dict[str, str]:
    if not path.lower().endswith(".vmx") or not os.path.isfile(path):
        raise Fail(f"Cannot open VM: {path}, The virtual machine cannot be found")
    settings = {}
    for line in Path(path).read_text().splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        if not LINE.match(line):
            raise Fail(f"Cannot open VM: {path}, The file specified is not a virtual machine")
        key, _, value = line.partition("=")
        settings[key.strip().lower()] = value.strip()[1:-1]
    return settings


def expect(args: list[str], low: int, high: int, command: str) -> None:
    if not low <= len(args) <= high:
        raise Fail(f"Invalid number of parameters for {command}: {len(args)}")


def guest_keys(iso: str) -> list[str]:
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    from pulumi_docker_machine.components.drivers.seed import read_seed_iso

    _label, files = read_seed_iso(Path(iso))
    data = json.loads(files["user-data"].split("\n", 1)[1])
    return [key for user in data["users"] for key in user["ssh_authorized_keys"]]


def run(argv: list[str], state: dict) -> str:
    args = list(argv)
    while args and args[0].startswith("-") and args[0] in AUTH_FLAGS:
        flag = args.pop(0)
        if not args:
            raise Fail(f"Missing value for {flag}")
        value = args.pop(0)
        if flag == "-T" and value not in HOST_TYPES:
            raise Fail(f"Unrecognized host type: {value}")
    if not args:
        raise Fail("No command given")
    command, args = args[0], args[1:]
    running: list[str] = state["running"]
    if command == "list":
        expect(args, 0, 0, command)
        return f"Total running VMs: {len(running)}\n" + "".join(f"{p}\n" for p in running)
    if command == "start":
        expect(args, 1, 2, command)
        if args[1:] and args[1] not in ("gui", "nogui"):
            raise Fail(f"Invalid argument: {args[1]}")
        settings = read_vmx(args[0])
        if args[0] in running:
            raise Fail("The virtual machine is already running")
        iso = settings.get("ide1:0.filename")
        if iso and settings.get("ide1:0.present", "").upper() == "TRUE":
            if not os.path.isfile(iso):
                raise Fail(f"Cannot open VM: {args[0]}, Cannot connect the CD/DVD drive: {iso} does not exist")
            keys_file = os.environ.get("VMRUNSIM_AUTHORIZED_KEYS")
            if keys_file:
                with open(keys_file, "a") as keys:  # cloud-init adds the seed's keys to the user's file
                    keys.write("".join(k.strip() + "\n" for k in guest_keys(iso)))
        running.append(args[0])
        state["ips"][args[0]] = os.environ.get("VMRUNSIM_GUEST_ADDRESS", "127.0.0.1")
        return ""
    if command == "stop":
        expect(args, 1, 2, command)
        if args[1:] and args[1] not in ("hard", "soft"):
            raise Fail(f"Invalid argument: {args[1]}")
        read_vmx(args[0])
        if args[0] not in running:
            raise Fail(f"The virtual machine is not powered on: {args[0]}")
        if args[1:] == ["soft"] and os.environ.get("VMRUNSIM_NO_TOOLS"):
            raise Fail(f"The VMware Tools are not running in the virtual machine: {args[0]}")
        running.remove(args[0])
        return ""
    if command == "clone":
        expect(args, 3, 5, command)
        source, dest, kind, options = args[0], args[1], args[2], args[3:]
        if kind not in ("full", "linked"):
            raise Fail(f"Invalid clone type: {kind}")
        for option in options:
            if not re.fullmatch(r"-(snapshot|cloneName)=.+", option):
                raise Fail(f"Invalid argument: {option}")
        read_vmx(source)
        if source in running:
            raise Fail("The virtual machine should not be powered on. It is already running.")
        if not dest.lower().endswith(".vmx") or os.path.exists(dest):
            raise Fail(f"The destination file already exists or is not a .vmx: {dest}")
        if not os.path.isdir(os.path.dirname(dest)):
            raise Fail(f"Cannot create the destination: {os.path.dirname(dest)} does not exist")
        shutil.copyfile(source, dest)
        for disk in Path(source).parent.glob("*.vmdk"):
            shutil.copyfile(disk, Path(dest).parent / disk.name)
        return ""
    if command == "deleteVM":
        expect(args, 1, 1, command)
        read_vmx(args[0])
        if args[0] in running:
            raise Fail("This VM is in use.")
        for item in Path(args[0]).parent.iterdir():
            if item.suffix.lower() in (".vmx", ".vmdk", ".nvram", ".vmsd", ".vmxf", ".log"):
                item.unlink()
        return ""
    if command == "getGuestIPAddress":
        expect(args, 1, 2, command)
        if args[1:] and args[1] != "-wait":
            raise Fail(f"Invalid argument: {args[1]}")
        read_vmx(args[0])
        if args[0] not in running:
            raise Fail(f"The virtual machine is not powered on: {args[0]}")
        return state["ips"][args[0]] + "\n"
    raise Fail(f"Unrecognized command: {command}")


def main() -> int:
    state = load()
    state["calls"].append(sys.argv[1:])
    try:
        out = run(sys.argv[1:], state)
    except Fail as err:
        save(state)
        sys.stdout.write(f"Error: {err}\n")
        return 255
    save(state)
    sys.stdout.write(out)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""A powershell.exe simulator for the Hyper-V driver's tests (no Hyper-V can run here).

It takes what the driver sends (components/drivers/hyperv/powershell.py): ``-NoProfile -NonInteractive
-EncodedCommand <base64 of UTF-16LE>`` with the values as JSON on standard input, checks that the script starts
with the driver's prelude and runs its lines. A line is a Hyper-V cmdlet call (``[$var = ]Hyper-V\\Verb-Noun
-Param value ... [| Out-Null]``), one of the pre-create check's fixed expressions, or the answer (``@{ k = EXPR; ...
} | ConvertTo-Json -Compress``). Anything else is refused, so a script that interpolated a value would fail here.

Each cmdlet binds its parameters as PowerShell does, from the Hyper-V module's documented syntax (Microsoft Learn,
"Hyper-V" module reference, each cmdlet's SYNTAX block; only the parameter sets and parameters listed in SPECS):
names (case-insensitive), types (Int64, Int32, UInt64, Boolean, Guid, the VM and drive objects, enums), switch
parameters, parameter sets, mandatory parameters, with PowerShell's own binding errors. Hyper-V's failures use
Hyper-V's texts: a missing switch, VM or VHD, an existing VHD file, the permission error of a user who is neither an
Administrator nor in Hyper-V Administrators, and the command-not-found error without the Hyper-V module. Like Hyper-V,
New-VM accepts a name that another VM has (VMs are told apart by Id). Errors are written as PowerShell 5.1 writes an
error record, and the exit code is 1, as powershell.exe's for a terminating error.

State: the JSON file $PSSIM_STATE: {"module", "windows_admin", "hyperv_admin", "switches": [{"name","type"}],
"vms": {id: {...}}, "vhds": {path: {...}}, "calls": [[cmdlet, {param: value}], ...]}.

"Mock hypervisor, real host": with $PSSIM_GUEST_ADDRESS, Start-VM requires the seed ISO in its DVD drive to match
the network adapter's MAC, installs the seed's SSH keys into $PSSIM_AUTHORIZED_KEYS (cloud-init's job) and reports
the address on the adapter (the KVP daemon's job), with an IPv6 link-local address first.
"""

from __future__ import annotations

import base64
import fcntl
import json
import os
import re
import struct
import sys
import uuid
from contextlib import contextmanager
from pathlib import Path

STATE = Path(os.environ.get("PSSIM_STATE", "/nonexistent/pssim.json"))
COMPUTER = "HVHOST"
IMAGE_SIZE = int(os.environ.get("PSSIM_IMAGE_SIZE", str(3584 << 20)))  # a base VHDX's virtual size
PRELUDE = [
    "$ErrorActionPreference = 'Stop'",
    "[Console]::OutputEncoding = [Text.Encoding]::UTF8",
    "$a = [Console]::In.ReadToEnd() | ConvertFrom-Json",
]
EXPRESSIONS = {
    "$module = @(Get-Module -ListAvailable Hyper-V).Count -gt 0": ("module", lambda s: bool(s.get("module", True))),
    "$principal = [Security.Principal.WindowsPrincipal][Security.Principal.WindowsIdentity]::GetCurrent()": (
        "principal",
        lambda s: None,
    ),
    "$hypervAdmin = $principal.IsInRole('S-1-5-32-578')": ("hypervAdmin", lambda s: bool(s.get("hyperv_admin"))),
    "$windowsAdmin = $principal.IsInRole([Security.Principal.WindowsBuiltInRole]::Administrator)": (
        "windowsAdmin",
        lambda s: bool(s.get("windows_admin", True)),
    ),
}

SWITCH_TYPES = ("Private", "Internal", "External")
TEMPLATES = ("MicrosoftWindows", "MicrosoftUEFICertificateAuthority", "OpenSourceShieldedVM")
TYPE_NAMES = {
    "string": "System.String",
    "int64": "System.Int64",
    "int32": "System.Int32",
    "int16": "System.Int16",
    "uint64": "System.UInt64",
    "bool": "System.Boolean",
    "guid": "System.Guid",
    "vm": "Microsoft.HyperV.PowerShell.VirtualMachine[]",
    "drive": "Microsoft.HyperV.PowerShell.VMComponentObject",
}
VMSEL = {"VM": "vm", "VMName": "string"}  # the two ways most cmdlets take their VM (VMObject and VMName sets)


def sets_by_vm(extra_mandatory=()):
    return {"VMName": ({"VMName"}, {"VMName", *extra_mandatory}), "VMObject": ({"VM"}, {"VM", *extra_mandatory})}


# cmdlet: (parameters -> type, parameter sets {name: (members, mandatory)}, default set). Parameters in no set's
# members are in every set.
SPECS = {
    "Get-VMSwitch": (
        {"Name": "string", "SwitchType": ("enum", "Microsoft.HyperV.PowerShell.VMSwitchType", SWITCH_TYPES)},
        {"Name": (set(), set())},
        "Name",
    ),
    "Get-VM": ({"Name": "string", "Id": "guid"}, {"Name": ({"Name"}, set()), "Id": ({"Id"}, {"Id"})}, "Name"),
    "New-VM": (
        {
            "Name": "string",
            "Path": "string",
            "Generation": ("enum", "System.Int16", ("1", "2")),
            "MemoryStartupBytes": "int64",
            "SwitchName": "string",
            "NoVHD": "switch",
            "VHDPath": "string",
            "NewVHDPath": "string",
            "NewVHDSizeBytes": "uint64",
            "BootDevice": (
                "enum",
                "Microsoft.HyperV.PowerShell.BootDevice",
                ("Floppy", "CD", "IDE", "LegacyNetworkAdapter", "NetworkAdapter", "VHD"),
            ),
        },
        {
            "No VHD": ({"NoVHD"}, set()),
            "Existing VHD": ({"VHDPath"}, {"VHDPath"}),
            "New VHD": ({"NewVHDPath", "NewVHDSizeBytes"}, {"NewVHDPath", "NewVHDSizeBytes"}),
        },
        "No VHD",
    ),
    "Set-VMMemory": (
        {
            **VMSEL,
            "DynamicMemoryEnabled": "bool",
            "StartupBytes": "int64",
            "MinimumBytes": "int64",
            "MaximumBytes": "int64",
        },
        sets_by_vm(),
        None,
    ),
    "Set-VMProcessor": ({**VMSEL, "Count": "int64"}, sets_by_vm(), None),
    "Set-VMNetworkAdapter": (
        {**VMSEL, "StaticMacAddress": "string", "DynamicMacAddress": "switch"},
        sets_by_vm(),
        None,
    ),
    "Set-VMNetworkAdapterVlan": (
        {**VMSEL, "Access": "switch", "VlanId": "int32", "Untagged": "switch"},
        {
            "VMName Access": ({"VMName", "Access", "VlanId"}, {"VMName", "Access", "VlanId"}),
            "VMObject Access": ({"VM", "Access", "VlanId"}, {"VM", "Access", "VlanId"}),
            "VMName Untagged": ({"VMName", "Untagged"}, {"VMName", "Untagged"}),
            "VMObject Untagged": ({"VM", "Untagged"}, {"VM", "Untagged"}),
        },
        None,
    ),
    "New-VHD": (
        {
            "Path": "string",
            "ParentPath": "string",
            "Differencing": "switch",
            "SizeBytes": "uint64",
            "Dynamic": "switch",
            "Fixed": "switch",
        },
        {
            "DifferencingDiskSet": ({"ParentPath", "Differencing"}, {"Path", "ParentPath"}),
            "DynamicWithoutSourceDiskSet": ({"Dynamic"}, {"Path", "SizeBytes"}),
            "FixedWithoutSourceDiskSet": ({"Fixed"}, {"Path", "SizeBytes", "Fixed"}),
        },
        "DynamicWithoutSourceDiskSet",
    ),
    "Get-VHD": ({"Path": "string"}, {"Path": (set(), {"Path"})}, "Path"),
    "Resize-VHD": (
        {"Path": "string", "SizeBytes": "uint64", "ToMinimumSize": "switch"},
        {"Size": ({"SizeBytes"}, {"Path", "SizeBytes"}), "MinimumSize": ({"ToMinimumSize"}, {"Path", "ToMinimumSize"})},
        None,
    ),
    "Add-VMHardDiskDrive": ({**VMSEL, "Path": "string", "Passthru": "switch"}, sets_by_vm(), None),
    "Add-VMDvdDrive": ({**VMSEL, "Path": "string", "Passthru": "switch"}, sets_by_vm(), None),
    "Set-VMFirmware": (
        {
            **VMSEL,
            "EnableSecureBoot": ("enum", "Microsoft.HyperV.PowerShell.OnOffState", ("On", "Off")),
            "SecureBootTemplate": ("enum", "System.String", TEMPLATES),
            "FirstBootDevice": "drive",
        },
        sets_by_vm(),
        None,
    ),
    "Get-VMNetworkAdapter": ({**VMSEL, "All": "switch"}, {**sets_by_vm(), "All": ({"All"}, {"All"})}, None),
    "Start-VM": ({"VM": "vm", "Name": "string"}, {"Name": ({"Name"}, {"Name"}), "VMObject": ({"VM"}, {"VM"})}, None),
    "Stop-VM": (
        {"VM": "vm", "Name": "string", "TurnOff": "switch", "Force": "switch", "Save": "switch"},
        {
            "NameDefault": ({"Name"}, {"Name"}),
            "VMObject": ({"VM"}, {"VM"}),
        },
        None,
    ),
    "Remove-VM": (
        {"VM": "vm", "Name": "string", "Force": "switch"},
        {"Name": ({"Name"}, {"Name"}), "VMObject": ({"VM"}, {"VM"})},
        None,
    ),
}


class Unsupported(Exception):
    """A line the driver never writes (an interpolated value, an expression): the simulator refuses it (exit 64)."""


class Fail(Exception):
    def __init__(self, message: str, category: str = "InvalidArgument", error_id: str = "InvalidParameter") -> None:
        super().__init__(message)
        self.category = category
        self.error_id = error_id


@contextmanager
def state():
    STATE.parent.mkdir(parents=True, exist_ok=True)
    with open(f"{STATE}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        data = json.loads(STATE.read_text()) if STATE.exists() else {}
        for key, empty in (("switches", []), ("vms", {}), ("vhds", {}), ("calls", [])):
            data.setdefault(key, empty)
        try:
            yield data
        finally:
            STATE.write_text(json.dumps(data, indent=2))


def tokens(text: str) -> list[str]:
    """The arguments of one of the driver's lines: separated by spaces; no quoting is used by the driver."""
    return text.split()


def value_of(token: str, variables: dict, values: dict):
    if token in ("$true", "$false"):
        return token == "$true"
    match = re.fullmatch(r"\$a\.(\w+)", token)
    if match:
        if match[1] not in values:
            return None
        return values[match[1]]
    match = re.fullmatch(r"\$(\w+)", token)
    if match:
        if match[1] not in variables:
            return None
        return variables[match[1]]
    if token.startswith("$") or token[:1] in "\"'(@[":
        raise Unsupported(f"the simulator does not run this line: no expression as an argument: {token}")
    return token  # a bare word: a string, as PowerShell's argument mode reads it


def convert(cmdlet: str, name: str, kind, value):
    def refuse(why: str = "Input string was not in a correct format."):
        target = TYPE_NAMES.get(kind, kind[1] if isinstance(kind, tuple) else kind)
        raise Fail(
            f'Cannot bind parameter \'{name}\'. Cannot convert value "{value}" to type "{target}". Error: "{why}"',
            "InvalidArgument",
            "CannotConvertArgumentNoMessage",
        )

    if isinstance(kind, tuple):
        allowed = kind[2]
        match = next((a for a in allowed if str(value).lower() == a.lower()), None)
        if match is None:
            refuse(
                f"Unable to match the identifier name {value} to a valid enumerator name. Specify one of the "
                f"following enumerator names and try again: {', '.join(allowed)}"
            )
        return match
    if kind == "string":
        if isinstance(value, (dict, list)) or value is None:
            refuse("The value is not a string.")
        return value if isinstance(value, str) else json.dumps(value)
    if kind in ("int64", "int32", "int16", "uint64"):
        if isinstance(value, bool):
            return int(value)
        if isinstance(value, int) or (isinstance(value, str) and re.fullmatch(r"-?\d+", value)):
            number = int(value)
            low = 0 if kind == "uint64" else -(1 << ({"int64": 63, "int32": 31, "int16": 15}[kind]))
            high = (1 << 64) - 1 if kind == "uint64" else -low - 1
            if low <= number <= high:
                return number
            refuse(f"Value was either too large or too small for an {TYPE_NAMES[kind].split('.')[1]}.")
        refuse()
    if kind == "bool":
        if isinstance(value, bool):
            return value
        raise Fail(
            f"Cannot process argument transformation on parameter '{name}'. Cannot convert value "
            f'"{value}" to type "System.Boolean". Boolean parameters accept only Boolean values and numbers, such '
            "as $True, $False, 1 or 0.",
            "InvalidData",
            "ParameterArgumentTransformationError",
        )
    if kind == "guid":
        try:
            return str(uuid.UUID(str(value)))
        except ValueError:
            refuse("Guid should contain 32 digits with 4 dashes (xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx).")
    if kind in ("vm", "drive"):
        if isinstance(value, dict) and value.get("kind") == kind:
            return value
        refuse(f"The value is not a {kind} object.")
    raise AssertionError(kind)


def bind(cmdlet: str, args: list[str], variables: dict, values: dict) -> dict:
    params, sets, default = SPECS[cmdlet]
    by_lower = {p.lower(): p for p in params}
    bound: dict = {}
    i = 0
    while i < len(args):
        token = args[i]
        if not token.startswith("-"):
            raise Fail(
                f"A positional parameter cannot be found that accepts argument '{token}'.",
                "InvalidArgument",
                "PositionalParameterNotFound",
            )
        name = by_lower.get(token[1:].lower())
        if name is None:
            raise Fail(
                f"A parameter cannot be found that matches parameter name '{token[1:]}'.",
                "InvalidArgument",
                "NamedParameterNotFound",
            )
        if name in bound:
            raise Fail(
                f"Cannot bind parameter because parameter '{name}' is specified more than once. To provide multiple "
                "values to parameters that can accept multiple values, use the array syntax. For example, "
                '"-parameter value1,value2,value3".',
                "InvalidArgument",
                "ParameterAlreadyBound",
            )
        kind = params[name]
        if kind == "switch":
            bound[name] = True
            i += 1
            continue
        if i + 1 >= len(args) or args[i + 1].startswith("-"):
            type_name = TYPE_NAMES.get(kind, kind[1] if isinstance(kind, tuple) else kind)
            raise Fail(
                f"Missing an argument for parameter '{name}'. Specify a parameter of type '{type_name}' and try again.",
                "InvalidArgument",
                "MissingArgument",
            )
        raw = value_of(args[i + 1], variables, values)
        if raw is None:
            raise Fail(
                f"Cannot validate argument on parameter '{name}'. The argument is null or empty. Provide an argument "
                "that is not null or empty, and then try the command again.",
                "InvalidData",
                "ParameterArgumentValidationError",
            )
        bound[name] = convert(cmdlet, name, kind, raw)
        i += 2
    in_some_set = set().union(*(members for members, _ in sets.values()))
    candidates = [s for s, (members, _) in sets.items() if set(bound) & in_some_set <= members]
    if not candidates:
        raise Fail(
            "Parameter set cannot be resolved using the specified named parameters.",
            "InvalidArgument",
            "AmbiguousParameterSet",
        )
    if len(candidates) > 1:
        complete = [s for s in candidates if sets[s][1] <= set(bound)]
        if len(complete) == 1:
            candidates = complete
        elif default in candidates:
            candidates = [default]
        else:
            raise Fail(
                "Parameter set cannot be resolved using the specified named parameters.",
                "InvalidArgument",
                "AmbiguousParameterSet",
            )
    missing = [p for p in sorted(sets[candidates[0]][1]) if p not in bound]
    if missing:
        raise Fail(
            f"Cannot process command because of one or more missing mandatory parameters: {' '.join(missing)}.",
            "InvalidArgument",
            "MissingMandatoryParameter",
        )
    return bound


# ----- Hyper-V ----------------------------------------------------------------------------------------------------


def vm_object(vm: dict) -> dict:
    return {"kind": "vm", "Id": vm["id"], "Name": vm["name"], "State": vm["state"]}


def the_vm(data: dict, bound: dict) -> dict:
    if "VM" in bound:
        vm = data["vms"].get(bound["VM"]["Id"])
        if vm is None:
            raise Fail(f'Hyper-V was unable to find a virtual machine with ID "{bound["VM"]["Id"]}".')
        return vm
    name = bound.get("VMName") or bound.get("Name")
    found = [vm for vm in data["vms"].values() if vm["name"].lower() == str(name).lower()]
    if not found:
        raise Fail(f'Hyper-V was unable to find a virtual machine with name "{name}".')
    return found[0]


def require_off(vm: dict, what: str) -> None:
    if vm["state"] != "Off":
        raise Fail(
            f"Failed to modify device '{what}'. The operation cannot be performed while the virtual machine is in "
            "its current state.",
            "InvalidOperation",
            "InvalidState",
        )


def vhd_signature(path: Path) -> str:
    try:
        with open(path, "rb") as handle:
            head = handle.read(8)
            handle.seek(-512, os.SEEK_END) if path.stat().st_size >= 512 else handle.seek(0)
            tail = handle.read(8)
    except OSError:
        return ""
    if head == b"vhdxfile":
        return "VHDX"
    if tail == b"conectix" or head == b"conectix":
        return "VHD"
    return ""


def no_file(cmdlet: str, path: str) -> Fail:
    return Fail(
        f"Failed to {cmdlet}: The system cannot find the file specified. ('{path}')", "ObjectNotFound", "ObjectNotFound"
    )


# MS-VHDX 2.0's identifiers (sections 2.2.3, 2.6.1, 2.6.2.6), written here independently of the driver's reader.
VHDX_SIGNATURE = b"vhdxfile"
VHDX_REGION_TABLES = (0x30000, 0x40000)
VHDX_METADATA_REGION = uuid.UUID("8B7CA206-4790-4B9A-B8FE-575F050F886E")
VHDX_PARENT_LOCATOR = uuid.UUID("A8D35F2D-B30B-454D-ABF7-D3D84834AB0C")
VHDX_LOCATOR_TYPE = uuid.UUID("B04AEFB7-D19E-4A81-B789-25B8E9445913")


def write_child(path: str, parent: str) -> None:
    """A differencing VHDX's structures up to its parent locator (MS-VHDX: what New-VHD -Differencing writes there,
    without the log, BAT and sector bitmaps), so that what reads a disk's parent reads the simulator's too."""
    entries = {
        "parent_linkage": "{" + str(uuid.uuid4()) + "}",
        "relative_path": ".\\" + parent.replace("/", "\\").rsplit("\\", 1)[-1],
        "absolute_win32_path": parent,
    }
    keys = b""
    table = b""
    base = 20 + 12 * len(entries)
    for key, value in entries.items():
        k, v = key.encode("utf-16-le"), value.encode("utf-16-le")
        table += struct.pack("<IIHH", base + len(keys), base + len(keys) + len(k), len(k), len(v))
        keys += k + v
    locator = VHDX_LOCATOR_TYPE.bytes_le + struct.pack("<HH", 0, len(entries)) + table + keys
    metadata = b"metadata" + struct.pack("<HH", 0, 1) + b"\0" * 20
    metadata += VHDX_PARENT_LOCATOR.bytes_le + struct.pack("<IIII", 64 << 10, len(locator), 0, 0)
    metadata = metadata.ljust(64 << 10, b"\0") + locator
    region = (
        b"regi"
        + struct.pack("<III", 0, 1, 0)
        + VHDX_METADATA_REGION.bytes_le
        + struct.pack("<QII", 1 << 20, 1 << 20, 1)
    )
    with open(path, "wb") as out:
        out.write(VHDX_SIGNATURE)
        for table_at in VHDX_REGION_TABLES:
            out.seek(table_at)
            out.write(region)
        out.seek(1 << 20)
        out.write(metadata)


def run_cmdlet(data: dict, cmdlet: str, bound: dict):
    if not data.get("module", True):
        raise Fail(
            f"The term 'Hyper-V\\{cmdlet}' is not recognized as the name of a cmdlet, function, script file, or "
            "operable program. Check the spelling of the name, or if a path was included, verify that the path is "
            "correct and try again.",
            "ObjectNotFound",
            "CommandNotFoundException",
        )
    if not (data.get("windows_admin", True) or data.get("hyperv_admin")):
        raise Fail(
            "You do not have the required permission to complete this task. Contact the administrator of the "
            f"authorization policy for the computer '{COMPUTER}'.",
            "PermissionDenied",
            "AccessDenied",
        )
    data["calls"].append([cmdlet, {k: (v.get("Id") if isinstance(v, dict) else v) for k, v in bound.items()}])
    if cmdlet == "Get-VMSwitch":
        found = [
            {"kind": "switch", "Name": s["name"], "SwitchType": s["type"]}
            for s in data["switches"]
            if ("Name" not in bound or s["name"].lower() == bound["Name"].lower())
            and ("SwitchType" not in bound or s["type"] == bound["SwitchType"])
        ]
        if "Name" in bound and not found:
            raise Fail(f'Hyper-V was unable to find a virtual switch with name "{bound["Name"]}".')
        return found
    if cmdlet == "Get-VM":
        if "Id" in bound:
            vm = data["vms"].get(bound["Id"])
            if vm is None:
                raise Fail(f'Hyper-V was unable to find a virtual machine with ID "{bound["Id"]}".')
            return vm_object(vm)
        found = [
            vm_object(vm)
            for vm in data["vms"].values()
            if "Name" not in bound or vm["name"].lower() == bound["Name"].lower()
        ]
        if "Name" in bound and not found:
            raise Fail(f'Hyper-V was unable to find a virtual machine with name "{bound["Name"]}".')
        return found
    if cmdlet == "New-VM":
        switch = bound.get("SwitchName")
        if switch is not None and not any(s["name"].lower() == switch.lower() for s in data["switches"]):
            raise Fail(f'Hyper-V was unable to find a virtual switch with name "{switch}".')
        memory = bound.get("MemoryStartupBytes", 1 << 30)
        if memory % (2 << 20) or memory < (32 << 20):
            raise Fail(
                f"Failed to modify device 'Memory'. Invalid startup memory amount assigned for "
                f"'{bound.get('Name', 'New Virtual Machine')}'. The minimum amount of memory you can assign to this "
                "virtual machine is 32 MB; the amount must be a multiple of 2 MB.",
                "InvalidArgument",
                "InvalidParameter",
            )
        vm_id = str(uuid.uuid4())
        name = bound.get("Name", "New Virtual Machine")
        folder = Path(bound.get("Path") or os.environ.get("PSSIM_DEFAULT_PATH", str(STATE.parent / "vms"))) / name
        config = folder / "Virtual Machines" / f"{vm_id.upper()}.vmcx"
        config.parent.mkdir(parents=True, exist_ok=True)
        config.write_text("simulated VM configuration\n")
        vm = {
            "id": vm_id,
            "name": name,
            "config": str(config),
            "generation": int(bound.get("Generation", "1")),
            "memory": memory,
            "dynamic_memory": False,
            "cpus": 1,
            "state": "Off",
            "nic": {"switch": switch, "mac": "000000000000", "static_mac": False, "vlan": None, "addresses": []},
            "disks": [],
            "dvds": [],
            "firmware": {"secure_boot": "On", "template": "MicrosoftWindows", "first_boot": None},
        }
        data["vms"][vm_id] = vm
        return vm_object(vm)
    if cmdlet == "Get-VHD":
        path = bound["Path"]
        if not Path(path).is_file():
            raise no_file("get the virtual hard disk", path)
        known = data["vhds"].get(path, {})
        return {"kind": "vhd", "Path": path, "Size": known.get("size", IMAGE_SIZE), "ParentPath": known.get("parent")}
    if cmdlet == "New-VHD":
        path = Path(bound["Path"])
        if path.exists():
            raise Fail(
                f"Failed to create the virtual hard disk. The system failed to create '{path}': The file exists. "
                "(0x80070050).",
                "ResourceExists",
                "ResourceExists",
            )
        fmt = {".vhdx": "VHDX", ".vhd": "VHD"}.get(path.suffix.lower())
        if fmt is None:
            raise Fail(f"Failed to create the virtual hard disk. The format of '{path}' is not a VHD or VHDX.")
        parent = bound.get("ParentPath")
        if parent is not None:
            parent_format = vhd_signature(Path(parent))
            if not Path(parent).is_file():
                raise no_file("create the virtual hard disk", parent)
            if not parent_format:
                raise Fail(f"Failed to create the virtual hard disk. The file '{parent}' is not a virtual hard disk.")
            if parent_format != fmt:
                raise Fail(
                    f"Failed to create the virtual hard disk. The parent '{parent}' is a {parent_format}: a "
                    f"differencing disk must have its parent's format."
                )
            size = data["vhds"].get(parent, {}).get("size", IMAGE_SIZE)
        else:
            size = bound["SizeBytes"]
        if fmt == "VHDX" and parent is not None:
            write_child(str(path), parent)
        else:
            path.write_bytes(b"vhdxfile" if fmt == "VHDX" else b"conectix")
        data["vhds"][str(path)] = {"parent": parent, "size": size}
        return {"kind": "vhd", "Path": str(path), "Size": size}
    if cmdlet == "Resize-VHD":
        path = bound["Path"]
        if path not in data["vhds"] or not Path(path).is_file():
            raise no_file("resize the virtual disk", path)
        if bound["SizeBytes"] < data["vhds"][path]["size"]:
            raise Fail(
                f"Failed to resize the virtual disk. The size of '{path}' cannot be reduced below its minimum size.",
                "InvalidArgument",
                "InvalidParameter",
            )
        data["vhds"][path]["size"] = bound["SizeBytes"]
        return None
    vm = the_vm(data, bound)
    if cmdlet == "Set-VMMemory":
        require_off(vm, "Memory")
        if "DynamicMemoryEnabled" in bound:
            vm["dynamic_memory"] = bound["DynamicMemoryEnabled"]
        if "StartupBytes" in bound:
            vm["memory"] = bound["StartupBytes"]
        return None
    if cmdlet == "Set-VMProcessor":
        require_off(vm, "Processor")
        if not 1 <= bound.get("Count", vm["cpus"]) <= 240:
            raise Fail(f"Failed to modify device 'Processor'. The count {bound['Count']} is out of range.")
        vm["cpus"] = bound.get("Count", vm["cpus"])
        return None
    if cmdlet == "Set-VMNetworkAdapter":
        mac = bound.get("StaticMacAddress")
        if mac is not None:
            if not re.fullmatch(r"[0-9A-Fa-f]{12}", mac):
                raise Fail(
                    f"Cannot validate argument on parameter 'StaticMacAddress'. The argument \"{mac}\" does not "
                    'match the "^[0-9a-fA-F]{12}$" pattern.',
                    "InvalidData",
                    "ParameterArgumentValidationError",
                )
            require_off(vm, "Ethernet Port")
            vm["nic"].update(mac=mac.upper(), static_mac=True)
        return None
    if cmdlet == "Set-VMNetworkAdapterVlan":
        if "VlanId" in bound and not 1 <= bound["VlanId"] <= 4094:
            raise Fail(
                f"Cannot validate argument on parameter 'VlanId'. The {bound['VlanId']} argument is "
                f"{'less than the minimum allowed range of 1' if bound['VlanId'] < 1 else 'greater than the maximum allowed range of 4094'}. "
                "Supply an argument that is greater than or equal to 1 and less than or equal to 4094.",
                "InvalidData",
                "ParameterArgumentValidationError",
            )
        vm["nic"]["vlan"] = bound.get("VlanId")
        return None
    if cmdlet in ("Add-VMHardDiskDrive", "Add-VMDvdDrive"):
        path = bound.get("Path")
        if path is not None and not Path(path).is_file():
            raise no_file("add device", path)
        kind = "disks" if cmdlet == "Add-VMHardDiskDrive" else "dvds"
        vm[kind].append(path)
        drive = {"kind": "drive", "Id": f"{vm['id']}:{kind}:{len(vm[kind]) - 1}", "VMId": vm["id"], "Path": path}
        return drive if bound.get("Passthru") else None
    if cmdlet == "Set-VMFirmware":
        if vm["generation"] != 2:
            raise Fail(
                f"Set-VMFirmware is not supported for the virtual machine '{vm['name']}': it is a generation 1 "
                "virtual machine.",
                "InvalidOperation",
                "InvalidOperation",
            )
        require_off(vm, "Firmware")
        firmware = vm["firmware"]
        if "FirstBootDevice" in bound:
            if bound["FirstBootDevice"]["VMId"] != vm["id"]:
                raise Fail("The boot device does not belong to this virtual machine.")
            firmware["first_boot"] = bound["FirstBootDevice"]["Path"]
        firmware.update(
            secure_boot=bound.get("EnableSecureBoot", firmware["secure_boot"]),
            template=bound.get("SecureBootTemplate", firmware["template"]),
        )
        return None
    if cmdlet == "Get-VMNetworkAdapter":
        nic = vm["nic"]
        return {"kind": "nic", "MacAddress": nic["mac"], "SwitchName": nic["switch"], "IPAddresses": nic["addresses"]}
    if cmdlet == "Start-VM":
        if vm["state"] == "Running":
            return None  # Hyper-V warns that it is in the specified state already
        if not vm["nic"]["static_mac"]:
            vm["nic"]["mac"] = "00155D" + uuid.uuid4().hex[:6].upper()  # a dynamic MAC from the host's pool
        vm["state"] = "Running"
        vm["nic"]["addresses"] = guest_boot(vm)
        return None
    if cmdlet == "Stop-VM":
        if vm["state"] == "Off":
            return None
        vm["state"] = "Off"
        vm["stopped_by"] = "turnoff" if bound.get("TurnOff") else "shutdown"
        vm["nic"]["addresses"] = []
        return None
    if cmdlet == "Remove-VM":
        if vm["state"] != "Off":
            raise Fail(
                f"The operation cannot be performed while the virtual machine '{vm['name']}' is in its current state.",
                "InvalidOperation",
                "InvalidState",
            )
        Path(vm["config"]).unlink(missing_ok=True)
        del data["vms"][vm["id"]]
        return None
    raise AssertionError(cmdlet)


def guest_boot(vm: dict) -> list[str]:
    """What the guest does as it boots, when the test host stands in for it; the addresses it reports."""
    guest = os.environ.get("PSSIM_GUEST_ADDRESS")
    if not guest:
        return [a for a in os.environ.get("PSSIM_ADDRESSES", "").split(",") if a]
    from pulumi_docker_machine.components.drivers.seed import read_seed_iso

    if not vm["dvds"]:
        raise Fail(f"'{vm['name']}' failed to start: no seed in its DVD drive (test simulator)", "InvalidOperation")
    _, files = read_seed_iso(Path(vm["dvds"][0]))
    network = json.loads(files["network-config"])
    macs = [e["match"]["macaddress"] for e in network["ethernets"].values()]
    mac = ":".join(vm["nic"]["mac"][i : i + 2] for i in range(0, 12, 2)).lower()
    if mac not in macs:
        raise Fail(
            f"the seed's network-config matches {macs}, not the adapter's {mac} (test simulator)", "InvalidOperation"
        )
    user_data = json.loads(files["user-data"].split("\n", 1)[1])
    keys = [k for user in user_data["users"] for k in user["ssh_authorized_keys"]]
    authorized = os.environ.get("PSSIM_AUTHORIZED_KEYS")
    if authorized:
        with open(authorized, "a") as out:
            out.write("".join(k.strip() + "\n" for k in keys))
    return ["fe80::215:5dff:fe00:101", guest]


# ----- the script ---------------------------------------------------------------------------------------------------


def answer(spec: str, variables: dict):
    out = {}
    for item in spec.split("; "):
        key, _, expression = item.partition(" = ")
        match = re.fullmatch(r"(\[string\])?(@\()?\$(\w+)(?:\.(\w+))?(\))?", expression)
        if not match or bool(match[2]) != bool(match[5]):
            raise Unsupported(f"the simulator does not run this line: it does not evaluate {expression!r}")
        value = variables.get(match[3])
        if match[4]:
            items = value if isinstance(value, list) else [value]
            picked = [v.get(match[4]) for v in items if isinstance(v, dict)]
            flat = [x for p in picked for x in (p if isinstance(p, list) else [p]) if x is not None]
            value = flat if (match[2] or isinstance(value, list)) else (flat[0] if flat else None)
        elif match[2]:
            value = value if isinstance(value, list) else ([] if value is None else [value])
        if match[1]:
            value = "" if value is None else str(value)
        out[key] = value
    return out


def error_record(cmdlet: str, err: Fail, line: str, number: int) -> str:
    return (
        f"{cmdlet} : {err}\nAt line:{number} char:1\n+ {line}\n+ {'~' * min(len(line), 60)}\n"
        f"    + CategoryInfo          : {err.category}: (:) [{cmdlet}], VirtualizationException\n"
        f"    + FullyQualifiedErrorId : {err.error_id},Microsoft.HyperV.PowerShell.Commands.{cmdlet.replace('-', '')}\n"
    )


INVOCATION = re.compile(r"(?:\$(\w+) = )?Hyper-V\\([A-Za-z]+-[A-Za-z]+)((?: \S+)*?)( \| Out-Null)?")
ANSWER = re.compile(r"@\{ (.*) \} \| ConvertTo-Json -Compress")


def main(argv: list[str]) -> int:
    if argv[:3] != ["-NoProfile", "-NonInteractive", "-EncodedCommand"] or len(argv) != 4:
        print(f"the simulator takes -NoProfile -NonInteractive -EncodedCommand SCRIPT, not {argv}", file=sys.stderr)
        return 64
    lines = base64.b64decode(argv[3]).decode("utf-16-le").splitlines()
    if lines[: len(PRELUDE)] != PRELUDE:
        print("the script does not start with the driver's prelude", file=sys.stderr)
        return 64
    values = json.loads(sys.stdin.read() or "null")
    variables: dict = {}
    with state() as data:
        for number, line in enumerate(lines[len(PRELUDE) :], start=len(PRELUDE) + 1):
            if line in EXPRESSIONS:
                name, evaluate = EXPRESSIONS[line]
                variables[name] = evaluate(data)
                continue
            found = ANSWER.fullmatch(line)
            if found:
                try:
                    print(json.dumps(answer(found[1], variables)))
                except Unsupported as err:
                    print(str(err), file=sys.stderr)
                    return 64
                continue
            found = INVOCATION.fullmatch(line)
            if not found:
                print(f"the simulator does not run this line: {line!r}", file=sys.stderr)
                return 64
            cmdlet = found[2]
            if cmdlet not in SPECS:
                print(f"the simulator does not know the cmdlet {cmdlet}", file=sys.stderr)
                return 64
            try:
                if data.get("module", True):
                    bound = bind(cmdlet, tokens(found[3]), variables, values or {})
                else:
                    bound = {}
                result = run_cmdlet(data, cmdlet, bound)
            except Unsupported as err:
                print(str(err), file=sys.stderr)
                return 64
            except Fail as err:
                sys.stderr.write(
                    error_record(cmdlet if data.get("module", True) else f"Hyper-V\\{cmdlet}", err, line, number)
                )
                return 1
            if found[1]:
                variables[found[1]] = result
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

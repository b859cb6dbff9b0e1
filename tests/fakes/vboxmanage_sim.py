"""A VBoxManage simulator for the tests (no VirtualBox can run here).

It implements exactly the subcommands and options the VirtualBox provider uses, with the syntax of
the VirtualBox 7.0 User Manual, chapter 8 "VBoxManage" (section cited at each handler; the numbers
follow the order of the 7.0.14 doc sources, doc/manual/en_US/man_VBoxManage-*.xml, and the 6.1
manual's number is given too), and refuses anything else the way VBoxManage 7.0 does:
`VBoxManage: error: ...` on standard error; exit code 2 for a syntax error (RTEXITCODE_SYNTAX) and 1
for a failed operation (RTEXITCODE_FAILURE), except that modifyvm and storageattach report a bad
option and exit 1, as the real ones do; progress lines go to standard error. Error texts are the
ones in VBoxManage's sources (VBoxManage*.cpp, 7.0.14). The old option spellings used here
(--natpf1, --hostonlyadapter2, --nictype1) are accepted by 6.1 and, as aliases, by 7.0.
State lives in the JSON file $VBOXSIM_STATE.

docker-machine 0.16.2's VirtualBox flags: modifyvm's NAT DNS options (--natdnsproxy<N>, --natdnshostresolver<N>,
on|off in any case, a bad value being RTGetOpt's "Unknown option: <value>") and --nicpromisc<N>
(deny|allow-vms|allow-network|allow-all), `sharedfolder add`, `setextradata`/`getextradata`, and startvm's
--type, which `showvminfo --machinereadable` reports as SessionName while the VM runs. VBoxManage 7.0 prints
neither the NAT DNS settings nor the promiscuous mode in machine-readable showvminfo (VBoxManageInfo.cpp: "@todo
dnsproxy etc needs to be dumped, too"), so the simulator does not either: tests read them from its state
("nat_dns", "promisc").

The simulated guest: its host-only address is the one the attached cloud-init seed configures
(network-config, the interface matched by the host-only NIC's MAC), and only when that NIC is a
host-only adapter on an existing interface whose network holds the address; `guestproperty get
.../Net/1/V4/IP` reports it as Guest Additions would (VBOXSIM_GUEST_ADDITIONS=0: "No value set!", as
in an image without them). The ACPI power button powers the guest off after $VBOXSIM_ACPI_DELAY
seconds (default 2; a real guest takes time), or never with VBOXSIM_ACPI=ignore (a guest that
ignores it); each VM records how it was last stopped ("stopped_by": acpi or poweroff).

"Mock hypervisor, real host": when $VBOXSIM_GUEST_ADDRESS is set, the guest is the test bed's host
at that address: `startvm` requires the seed to configure exactly that address on the host-only
adapter, forwards each NAT port forward's host port on 127.0.0.1 to it (the test bed's sshd), and
installs the SSH keys from the seed ISO into $VBOXSIM_AUTHORIZED_KEYS (what cloud-init would do).
"""

from __future__ import annotations

import errno
import fcntl
import html
import ipaddress
import json
import os
import re
import signal
import stat
import subprocess
import sys
import time
import uuid
from contextlib import contextmanager
from pathlib import Path

VERSION = os.environ.get("VBOXSIM_VERSION", "7.0.14r161095")
STATE = Path(os.environ.get("VBOXSIM_STATE", "/nonexistent/vboxsim.json"))
GUEST = os.environ.get("VBOXSIM_GUEST_ADDRESS")
AUTHORIZED_KEYS = os.environ.get("VBOXSIM_AUTHORIZED_KEYS")
NETWORKS_CONF = os.environ.get("VBOXSIM_NETWORKS_CONF")  # stands in for /etc/vbox/networks.conf
ACPI_DELAY = float(os.environ.get("VBOXSIM_ACPI_DELAY", "2"))
ACPI_IGNORED = os.environ.get("VBOXSIM_ACPI") == "ignore"
GUEST_ADDITIONS = os.environ.get("VBOXSIM_GUEST_ADDITIONS", "1") != "0"
DEFAULT_ALLOWED = ["192.168.56.0/21"]
ON_OFF = ("on", "off")


class Fail(Exception):
    def __init__(self, message: str, code: int = 1) -> None:
        super().__init__(message)
        self.code = code


def syntax(message: str) -> Fail:
    return Fail(message, 2)


PROGRESS = "0%...10%...20%...30%...40%...50%...60%...70%...80%...90%...100%"


def progress() -> None:
    print(PROGRESS, file=sys.stderr)


@contextmanager
def state():
    STATE.parent.mkdir(parents=True, exist_ok=True)
    with open(f"{STATE}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        data = json.loads(STATE.read_text()) if STATE.exists() else {"vms": {}, "hostonlyifs": [], "media": {}}
        for vm in data["vms"].values():  # a guest shutting down after the ACPI power button is off by now
            if vm.get("acpi_at") is not None and time.time() >= vm["acpi_at"] + ACPI_DELAY:
                stop_forwarders(vm)
                vm.update(state="poweroff", acpi_at=None, stopped_by="acpi")
        yield data
        STATE.write_text(json.dumps(data, indent=2))


def parse(
    args: list[str],
    spec: dict[str, object],
    positional: int | None,
    unknown: str = "Unknown option: {}",
    bad_option_code: int = 2,
) -> tuple[list[str], dict[str, str]]:
    """Options as VBoxManage's RTGetOpt takes them: `--opt value` or `--opt=value`; `spec` maps an option
    to None (a flag), a tuple of allowed values, or str (any value)."""
    values: list[str] = []
    options: dict[str, str] = {}
    i = 0
    while i < len(args):
        arg = args[i]
        if arg.startswith("--"):
            name, eq, inline = arg.partition("=")
            if name not in spec:
                raise Fail(unknown.format(name), bad_option_code)
            kind = spec[name]
            if kind is None:
                options[name] = ""
            else:
                if eq:
                    value = inline
                else:
                    i += 1
                    if i >= len(args):
                        raise syntax(f"Option {name} requires an argument")
                    value = args[i]
                if isinstance(kind, tuple) and value not in kind:
                    raise syntax(f"Invalid {name} argument '{value}'")
                options[name] = value
        else:
            values.append(arg)
        i += 1
    if positional is not None and len(values) != positional:
        raise syntax(f"Invalid parameter '{values[positional]}'" if len(values) > positional else "Missing parameter")
    return values, options


def find_vm(data: dict, ref: str) -> dict:
    for vm in data["vms"].values():
        if ref in (vm["uuid"], vm["name"]):
            return vm
    try:
        what = f"with UUID {{{uuid.UUID(ref)}}}"
    except ValueError:
        what = f"named '{ref}'"
    raise Fail(
        f"Could not find a registered machine {what}\n"
        "VBoxManage: error: Details: code VBOX_E_OBJECT_NOT_FOUND (0x80bb0001), component VirtualBoxWrap, "
        "interface IVirtualBox, callee nsISupports"
    )


def require_off(vm: dict) -> None:
    if vm["state"] != "poweroff":
        raise Fail(f"The machine '{vm['name']}' is already locked for a session (or being unlocked)")


# 8.5 VBoxManage list (6.1: 8.4): `list hostonlyifs`
def cmd_list(args):
    values, _ = parse(args, {}, 1)
    if values[0] != "hostonlyifs":
        raise syntax(f"Invalid parameter '{values[0]}'")
    with state() as data:
        for iface in data["hostonlyifs"]:
            print(
                f"Name:            {iface['name']}\nGUID:            {iface['guid']}\nDHCP:            Disabled\n"
                f"IPAddress:       {iface['ip']}\nNetworkMask:     {iface['netmask']}\nIPV6Address:     \n"
                f"IPV6NetworkMaskPrefixLength: 0\nHardwareAddress: 0a:00:27:00:00:0{iface['index']}\n"
                f"MediumType:      Ethernet\nWireless:        No\nStatus:          Up\n"
                f"VBoxNetworkName: HostInterfaceNetworking-{iface['name']}\n"
            )


def allowed_ranges() -> list[str]:
    if NETWORKS_CONF and Path(NETWORKS_CONF).exists():
        return [
            w for line in Path(NETWORKS_CONF).read_text().splitlines() if line.startswith("*") for w in line.split()[1:]
        ]
    return DEFAULT_ALLOWED


# 8.48 VBoxManage hostonlyif (6.1: 8.35): `hostonlyif create`, `hostonlyif ipconfig <ifname> --ip <ip> --netmask <mask>`;
# the allowed ranges: manual section 6.7 "Host-Only Networking" (VirtualBox >= 6.1.28)
def cmd_hostonlyif(args):
    if not args or args[0] not in ("create", "ipconfig"):
        raise syntax(f"Invalid parameter '{args[0] if args else ''}'")
    with state() as data:
        if args[0] == "create":
            parse(args[1:], {}, 0)
            index = len(data["hostonlyifs"])
            name = f"vboxnet{index}"
            data["hostonlyifs"].append(
                {"name": name, "guid": str(uuid.uuid4()), "ip": "", "netmask": "", "index": index}
            )
            progress()
            print(f"Interface '{name}' was successfully created")
            return
        (name,), options = parse(args[1:], {"--ip": str, "--netmask": str}, 1)
        iface = next((i for i in data["hostonlyifs"] if i["name"] == name), None)
        if iface is None:
            raise Fail(f"Could not find interface '{name}'")
        network = ipaddress.ip_network(f"{options['--ip']}/{options['--netmask']}", strict=False)
        if tuple(int(p) for p in re.findall(r"\d+", VERSION)[:3]) >= (6, 1, 28) and not any(
            network.subnet_of(ipaddress.ip_network(r, strict=False)) for r in allowed_ranges()
        ):
            raise Fail(
                "Code E_ACCESSDENIED (0x80070005) - Access denied (extended info not available)\n"
                'VBoxManage: error: Context: "EnableStaticIPConfig(Bstr(pszIp).raw(), '
                'Bstr(pszNetmask).raw())" at line 252 of file VBoxManageHostonly.cpp'
            )
        iface["ip"], iface["netmask"] = options["--ip"], options["--netmask"]


# 8.9 VBoxManage createvm (6.1: 8.7): `createvm --name <name> --basefolder <dir> --ostype <type> --register`
def cmd_createvm(args):
    _, options = parse(args, {"--name": str, "--basefolder": str, "--ostype": str, "--register": None}, 0)
    if "--name" not in options:
        raise syntax("Parameter --name is required")
    name = options["--name"]
    folder = Path(options.get("--basefolder", str(Path.home() / "VirtualBox VMs"))) / name
    settings = folder / f"{name}.vbox"
    with state() as data:
        if settings.exists():
            raise Fail(f"Machine settings file '{settings}' already exists")
        if any(vm["name"] == name for vm in data["vms"].values()):
            raise Fail(f"Machine '{name}' already exists")
        folder.mkdir(parents=True, exist_ok=True)
        settings.write_text(f"<!-- simulated settings of {name} -->\n")
        vm_uuid = str(uuid.uuid4())
        data["vms"][vm_uuid] = {
            "uuid": vm_uuid,
            "name": name,
            "settings": str(settings),
            "state": "poweroff",
            "memory": 128,
            "cpus": 1,
            "ostype": options.get("--ostype", "Other"),
            "controllers": {},
            "attachments": {},
            "nics": {},
            "natpf": [],
            "forwarders": [],
        }
    print(f"Virtual machine '{name}' is created and registered.\nUUID: {vm_uuid}\nSettings file: '{settings}'")


NIC_TYPES = ("Am79C970A", "Am79C973", "Am79C960", "82540EM", "82543GC", "82545EM", "virtio")
BOOT = ("none", "floppy", "dvd", "disk", "net")


NICS = range(1, 9)  # the network adapters of a PIIX3 VM
# 7.0's spellings and the 6.1 ones it keeps as aliases (VBoxManageModifyVM.cpp's OPT2 rows)
NAT_DNS = {"--natdnsproxy": "proxy", "--nat-dns-proxy": "proxy"}
NAT_DNS.update({"--natdnshostresolver": "host_resolver", "--nat-dns-host-resolver": "host_resolver"})
PROMISC = {"deny": "deny", "allow-vms": "allow-vms", "allow-network": "allow-vms", "allow-all": "allow-all"}


def on_off(value: str) -> str:
    """RTGETOPT_REQ_BOOL_ONOFF: on or off in any case; anything else is RTGetOpt's unknown option, named by the
    value (modifyvm goes on, saves nothing and exits 1)."""
    if value.lower() not in ON_OFF:
        raise Fail(f"Unknown option: {value}")
    return value.lower()


def modifyvm_network(vm: dict, options: dict[str, str]) -> None:
    for name, value in options.items():
        head, number = name.rstrip("0123456789"), name[len(name.rstrip("0123456789")) :]
        if head in NAT_DNS:  # the NIC's NAT engine, whatever the NIC is attached to
            vm.setdefault("nat_dns", {}).setdefault(number, {"proxy": "off", "host_resolver": "off"})
            vm["nat_dns"][number][NAT_DNS[head]] = on_off(value)
        elif head in ("--nicpromisc", "--nic-promisc"):
            if value.lower() not in PROMISC:
                raise Fail(f"Unknown promiscuous mode policy '{value}'")
            vm.setdefault("promisc", {})[number] = PROMISC[value.lower()]


# 8.10 VBoxManage modifyvm (6.1: 8.8); options in their 6.1 spelling, which 7.0 accepts as aliases
def cmd_modifyvm(args):
    spec: dict[str, object] = {"--memory": str, "--cpus": str, "--ioapic": str, "--rtcuseutc": str}
    for n in NICS:
        spec.update(dict.fromkeys((f"{o}{n}" for o in (*NAT_DNS, "--nicpromisc", "--nic-promisc")), str))
    spec.update({f"--boot{n}": BOOT for n in range(1, 5)})
    for n in (1, 2):
        spec.update(
            {
                f"--nic{n}": ("none", "null", "nat", "bridged", "intnet", "hostonly", "natnetwork"),
                f"--nictype{n}": NIC_TYPES,
                f"--macaddress{n}": str,
            }
        )
    spec.update({"--natpf1": str, "--hostonlyadapter2": str})
    (ref,), options = parse(args, spec, 1, bad_option_code=1)
    with state() as data:
        vm = find_vm(data, ref)
        require_off(vm)
        for key in ("--memory", "--cpus"):
            if key in options:
                if not options[key].isdigit():
                    raise syntax(f"Invalid {key} argument '{options[key]}'")
                vm[key[2:]] = int(options[key])
        for key in ("--ioapic", "--rtcuseutc"):
            if key in options:
                vm[key[2:]] = on_off(options[key])
        modifyvm_network(vm, options)
        for n in (1, 2):
            mac = options.get(f"--macaddress{n}")
            if mac is not None and not re.fullmatch(r"[0-9A-Fa-f]{12}|auto", mac):
                raise Fail(f"Invalid MAC address format '{mac}'")
            if f"--nic{n}" in options:
                vm["nics"][str(n)] = options[f"--nic{n}"]
            if f"--macaddress{n}" in options:
                vm.setdefault("macs", {})[str(n)] = options[f"--macaddress{n}"]
        if "--hostonlyadapter2" in options:
            if not any(i["name"] == options["--hostonlyadapter2"] for i in data["hostonlyifs"]):
                print(
                    f'VBoxManage: warning: Interface "{options["--hostonlyadapter2"]}" doesn\'t seem to exist',
                    file=sys.stderr,
                )
            vm["hostonlyadapter2"] = options["--hostonlyadapter2"]
        if "--natpf1" in options:
            rule = options["--natpf1"].split(",")
            if len(rule) != 6 or not rule[3].isdigit() or not rule[5].isdigit():
                raise Fail("Missing or invalid argument to '--natpf1'")
            if rule[1] not in ("tcp", "udp"):
                raise Fail(f"Invalid proto '{rule[1]}' specfied for NIC 1")
            if any(r[0] == rule[0] for r in vm["natpf"]):
                raise Fail("A NAT rule of this name already exists")
            vm["natpf"].append(rule)


# 8.27 VBoxManage storagectl (6.1: 8.18)
def cmd_storagectl(args):
    (ref,), options = parse(
        args,
        {
            "--name": str,
            "--add": ("ide", "sata", "scsi", "floppy", "sas", "usb", "pcie", "virtio"),
            "--controller": (
                "LSILogic",
                "LSILogicSAS",
                "BusLogic",
                "IntelAhci",
                "PIIX3",
                "PIIX4",
                "ICH6",
                "I82078",
                "USB",
                "NVMe",
                "VirtIO",
            ),
            "--portcount": str,
        },
        1,
    )
    with state() as data:
        vm = find_vm(data, ref)
        if "--name" not in options:  # checked after the machine is found and locked, as VBoxManage does
            raise syntax("Storage controller name not specified\n")
        require_off(vm)
        if options["--name"] in vm["controllers"]:
            raise Fail(f"Storage controller named '{options['--name']}' already exists")
        vm["controllers"][options["--name"]] = int(options.get("--portcount", "1"))


# 8.26 VBoxManage storageattach (6.1: 8.17)
def cmd_storageattach(args):
    (ref,), options = parse(
        args,
        {"--storagectl": str, "--port": str, "--device": str, "--type": ("dvddrive", "hdd", "fdd"), "--medium": str},
        1,
        bad_option_code=1,
    )
    if "--storagectl" not in options:  # checked before the machine is looked up, as VBoxManage does
        raise syntax("Storage controller name not specified")
    with state() as data:
        vm = find_vm(data, ref)
        require_off(vm)
        ports = vm["controllers"].get(options["--storagectl"])
        if ports is None:
            raise Fail(f"Could not find a controller named '{options['--storagectl']}'")
        if int(options["--port"]) >= ports:
            raise Fail(f"The port number {options['--port']} is out of range [0:{ports - 1}]")
        if not Path(options["--medium"]).exists():
            raise Fail(f"Could not find file for the medium '{options['--medium']}' (VERR_FILE_NOT_FOUND)")
        vm["attachments"][options["--port"]] = {"type": options["--type"], "medium": options["--medium"]}
        write_media_registry(vm)


def xml_attr(value: str) -> str:
    """An XML attribute value in double quotes (html, not xml.sax.saxutils: that one imports urllib, slowly)."""
    return '"' + html.escape(value, quote=True) + '"'


def write_media_registry(vm: dict) -> None:
    """The settings file names its media in ``location`` attributes, as VirtualBox's MediaRegistry does."""
    entries = "".join(
        f'      <{"DVDImage" if a["type"] == "dvddrive" else "HardDisk"} uuid="{{{uuid.uuid5(uuid.NAMESPACE_URL, a["medium"])}}}" '
        f"location={xml_attr(a['medium'])}/>\n"
        for a in vm["attachments"].values()
    )
    Path(vm["settings"]).write_text(
        f'<?xml version="1.0"?>\n<VirtualBox>\n  <Machine name={xml_attr(vm["name"])}>\n'
        f"    <MediaRegistry>\n{entries}    </MediaRegistry>\n  </Machine>\n</VirtualBox>\n"
    )


def medium_size(data: dict, path: str) -> int:
    return data["media"].get(path, {}).get("size", max(1, Path(path).stat().st_size // (1 << 20)))


# 8.32 VBoxManage clonemedium (6.1: 8.23): `clonemedium disk <source> <target> --format VDI`
def cmd_clonemedium(args):
    if not args or args[0] != "disk":
        raise syntax(f"Invalid parameter '{args[0] if args else ''}'")
    (source, target), options = parse(args[1:], {"--format": ("VDI", "VMDK", "VHD", "RAW")}, 2, "unknown option: {}")
    with state() as data:
        if not Path(source).exists():
            raise Fail(f"Could not find file for the medium '{source}' (VERR_FILE_NOT_FOUND)")
        if Path(target).exists():
            raise Fail(f"Cannot create the medium storage unit '{target}' (VERR_ALREADY_EXISTS)")
        Path(target).write_text(f"simulated {options.get('--format', 'VDI')} clone of {source}\n")
        data["media"][target] = {"size": medium_size(data, source)}
    progress()
    print(f"Clone medium created in format '{options.get('--format', 'VDI')}'. UUID: {uuid.uuid4()}")


# VBoxManage convertfromraw (the medium-conversion section after clonemedium): `convertfromraw <inputfile> <outputfile> --format VDI`
def cmd_convertfromraw(args):
    (source, target), _ = parse(args, {"--format": ("VDI", "VMDK", "VHD")}, 2, "unknown option: {}")
    with state() as data:
        if not Path(source).exists():
            raise Fail(f"Cannot open file '{source}': VERR_FILE_NOT_FOUND")
        if Path(target).exists():
            raise Fail(f'Cannot create the disk image "{target}": VERR_ALREADY_EXISTS')
        Path(target).write_bytes(Path(source).read_bytes())
        data["media"][target] = {"size": max(1, Path(source).stat().st_size // (1 << 20))}
    print(f'Converting from raw image file="{source}" to file="{target}"...\nCreating dynamic image with size ...')


# 8.31 VBoxManage modifymedium (6.1: 8.22): `modifymedium disk <file> --resize <megabytes>`
def cmd_modifymedium(args):
    if not args or args[0] != "disk":
        raise syntax(f"Invalid parameter '{args[0] if args else ''}'")
    (path,), options = parse(args[1:], {"--resize": str}, 1, "unknown option: {}")
    with state() as data:
        if not Path(path).exists():
            raise Fail(f"Could not find file for the medium '{path}' (VERR_FILE_NOT_FOUND)")
        size = int(options["--resize"])
        if size < medium_size(data, path):
            raise Fail(f"Shrinking is not yet supported for medium '{path}'")
        data["media"].setdefault(path, {})["size"] = size
    progress()


def forward(vm: dict) -> None:
    """Stand in for the NAT engine: 127.0.0.1:<host port> -> the test host's guest port."""
    if not GUEST:
        return
    for _, _, host_ip, host_port, _, guest_port in vm["natpf"]:
        relay = subprocess.Popen(
            [
                sys.executable,
                str(Path(__file__).with_name("tcp_relay.py")),
                host_ip or "127.0.0.1",
                host_port,
                GUEST,
                guest_port,
            ],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        vm["forwarders"].append(relay.pid)


def install_seed_keys(vm: dict) -> None:
    """What cloud-init does in the guest: read the seed ISO's user-data and authorize its keys."""
    files = seed_files(vm) if AUTHORIZED_KEYS else {}
    if "user-data" in files:
        user_data = json.loads(files["user-data"].split("\n", 1)[1])
        with open(AUTHORIZED_KEYS, "a") as keys:
            for user in user_data.get("users", []):
                for key in user.get("ssh_authorized_keys", []):
                    keys.write(key.strip() + "\n")


def stop_forwarders(vm: dict) -> None:
    for pid in vm.pop("forwarders", []):
        try:
            os.kill(pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
    vm["forwarders"] = []


# 8.19 VBoxManage startvm (6.1: 8.12): `startvm <vm> --type headless`
def cmd_startvm(args):
    (ref,), options = parse(args, {"--type": str}, 1, "unknown option: {}")
    frontend = options.get("--type", "GUI/Qt")
    if frontend.lower() not in ("gui", "headless", "sdl", "separate", "gui/qt"):
        raise syntax(f"(simulator) Invalid --type argument '{frontend}': VBoxManage passes it on, the launch fails")
    if frontend.lower() in ("gui", "headless", "sdl"):
        frontend = frontend.lower()  # handleStartVM's spelling of these three; others go as given
    with state() as data:
        vm = find_vm(data, ref)
        if vm["state"] == "running":
            raise Fail(f"The machine '{vm['name']}' is already locked by a session (or being locked or unlocked)")
        if not any(a["type"] == "hdd" for a in vm["attachments"].values()):
            # The simulator's own text (not VBoxManage's): a real VM would start and then fail to boot.
            raise Fail("(simulator) no hard disk attached: the simulated guest has nothing to boot from")
        if GUEST and hostonly_address(data, vm) != GUEST:
            raise Fail(
                f"(simulator) the guest is the test host at {GUEST}, but the seed configures "
                f"{hostonly_address(data, vm)} on the host-only adapter"
            )
        # IMachine::SessionName: the frontend asked for (VBoxManage passes --type as given), Qt's GUI by default
        vm.update(state="running", acpi_at=None, session_name=frontend)
        forward(vm)
        install_seed_keys(vm)
    print(f'Waiting for VM "{ref}" to power on...\nVM "{ref}" has been successfully started.')


# 8.20 VBoxManage controlvm (6.1: 8.13): `controlvm <vm> poweroff|acpipowerbutton`
def cmd_controlvm(args):
    if len(args) != 2 or args[1] not in ("poweroff", "acpipowerbutton", "pause", "resume"):
        raise syntax(f"Invalid parameter '{args[1] if len(args) > 1 else ''}'.")
    with state() as data:
        vm = find_vm(data, args[0])
        if vm["state"] not in ("running", "paused"):
            raise Fail(f"Machine '{args[0]}' is not currently running.")
        if args[1] == "acpipowerbutton":  # the guest is told; it powers off later (or never)
            if not ACPI_IGNORED and vm.get("acpi_at") is None:
                vm["acpi_at"] = time.time()
        elif args[1] == "poweroff":
            stop_forwarders(vm)
            vm.update(state="poweroff", acpi_at=None, stopped_by="poweroff")
            progress()
        else:
            vm["state"] = "paused" if args[1] == "pause" else "running"


# 8.6 VBoxManage showvminfo (6.1: 8.5): `showvminfo <vm> --machinereadable`
def cmd_showvminfo(args):
    (ref,), _ = parse(args, {"--machinereadable": None}, 1)
    with state() as data:
        vm = find_vm(data, ref)
    print(
        f'name="{vm["name"]}"\nUUID="{vm["uuid"]}"\nCfgFile="{vm["settings"]}"\nostype="{vm["ostype"]}"\n'
        f'memory={vm["memory"]}\ncpus={vm["cpus"]}\nVMState="{vm["state"]}"\n'
        + "".join(f'nic{n}="{kind}"\n' for n, kind in sorted(vm["nics"].items()))
        + "".join(f'Forwarding({i})="{",".join(rule)}"\n' for i, rule in enumerate(vm["natpf"]))
        + (
            f"SessionName={quoted(vm['session_name'])}\n"
            if vm["state"] in ("running", "paused") and "session_name" in vm
            else ""
        )
        + "".join(
            f"SharedFolderNameMachineMapping{i}={quoted(f['name'])}\nSharedFolderPathMachineMapping{i}={quoted(f['hostpath'])}\n"
            for i, f in enumerate(vm.get("shared_folders", []), 1)
        )
    )


def quoted(value: str) -> str:
    """outputMachineReadableString: in double quotes, with backslash and double quote escaped."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


# 8.39 VBoxManage sharedfolder (6.1: 8.29): `sharedfolder add <vm> --name <name> --hostpath <path> [--readonly]
# [--automount]` (--transient and --auto-mount-point are not used here, so not modelled); the checks are
# VBoxManageMisc.cpp's handleSharedFolderAdd, then Machine::CreateSharedFolder's and SharedFolder::i_protectedInit's
def cmd_sharedfolder(args):
    if not args:
        raise syntax("Not enough parameters")
    if args[0] != "add":
        raise syntax(f"(simulator) sharedfolder {args[0]} is not modelled: the simulator's text, not VBoxManage's")
    spec = {"--name": str, "--hostpath": str, "--readonly": None, "--automount": None}
    values, options = parse(args[1:], spec, None)
    if len(values) > 1:
        raise syntax(f"Machine name is given more than once: first '{values[0]}', then '{values[1]}'")
    if not values:
        raise syntax("No machine was specified")
    name = options.get("--name")
    if name is None:
        raise syntax("No shared folder name (--name) was given")
    for chars, what in ((" ", "space"), ("\t", "tabs"), ("\n\r", "newline")):
        if any(c in name for c in chars):
            raise syntax(f"Invalid shared folder name '{name}': contains {what}")
    if "--hostpath" not in options:
        raise syntax("No host path (--hostpath) was given")
    host_path = os.path.abspath(options["--hostpath"])  # RTPathAbs, in VBoxManage
    with state() as data:
        vm = find_vm(data, values[0])
        require_off(vm)  # a permanent folder needs the machine's write lock
        folders = vm.setdefault("shared_folders", [])
        if any(f["name"] == name for f in folders):
            raise Fail(
                f"Shared folder named '{name}' already exists\n"
                "VBoxManage: error: Details: code VBOX_E_OBJECT_IN_USE (0x80bb000c), component SessionMachine, "
                "interface IMachine, callee nsISupports"
            )
        invalid = "\nVBoxManage: error: Details: code NS_ERROR_INVALID_ARG (0x80070057), component SharedFolderWrap, "
        invalid += "interface ISharedFolder, callee nsISupports"
        try:
            mode = os.stat(host_path).st_mode  # RTPathQueryInfoEx(..., RTPATH_F_FOLLOW_LINK)
        except OSError as err:
            code = "VERR_PATH_NOT_FOUND" if err.errno == errno.ENOTDIR else "VERR_FILE_NOT_FOUND"
            if err.errno not in (errno.ENOENT, errno.ENOTDIR):
                code = "VERR_ACCESS_DENIED"
            raise Fail(f"RTPathQueryInfo failed on shared folder path '{host_path}': {code}{invalid}") from None
        if not stat.S_ISDIR(mode):
            raise Fail(f"Shared folder path '{host_path}' is not a directory{invalid}")
        folders.append(
            {
                "name": name,
                "hostpath": host_path,
                "writable": "--readonly" not in options,
                "automount": "--automount" in options,
            }
        )


# 8.40 VBoxManage setextradata (6.1: 8.30): `setextradata global|<vm> <key> [<value>]` (no value: the key is removed)
def cmd_setextradata(args):
    if len(args) < 2:
        raise syntax("Not enough parameters")
    with state() as data:
        store = (
            data.setdefault("extradata", {})
            if args[0] == "global"
            else find_vm(data, args[0]).setdefault("extradata", {})
        )
        if len(args) > 3:
            raise syntax("Too many parameters")
        if len(args) == 3 and args[2]:
            store[args[1]] = args[2]
        else:
            store.pop(args[1], None)


# 8.40 VBoxManage getextradata (6.1: 8.30): `getextradata global|<vm> [<key>|enumerate]`
def cmd_getextradata(args):
    if not 1 <= len(args) <= 2:
        raise syntax("Incorrect number of parameters")
    with state() as data:
        store = data.get("extradata", {}) if args[0] == "global" else find_vm(data, args[0]).get("extradata", {})
    if len(args) == 1 or args[1] == "enumerate":
        for key, value in store.items():
            print(f"Key: {key}, Value: {value}")
    else:
        print(f"Value: {store[args[1]]}" if store.get(args[1]) else "No value set!")


# 8.43 VBoxManage guestproperty (6.1: 8.31): `guestproperty get <vm> <property>`
def cmd_guestproperty(args):
    if len(args) != 3 or args[0] != "get":
        raise syntax("Incorrect parameters")
    with state() as data:
        vm = find_vm(data, args[1])
    address = hostonly_address(data, vm) if vm["state"] == "running" and GUEST_ADDITIONS else None
    if args[2] == "/VirtualBox/GuestInfo/Net/1/V4/IP" and address:
        print(f"Value: {address}")
    else:
        print("No value set!")


def seed_files(vm: dict) -> dict:
    from pycdlib.pycdlibexception import PyCdlibException

    from pulumi_docker_machine.components.drivers.seed import read_seed_iso

    for attachment in vm["attachments"].values():
        if attachment["type"] == "dvddrive" and attachment["medium"].endswith(".iso"):
            try:
                label, files = read_seed_iso(Path(attachment["medium"]))
            except (PyCdlibException, OSError, ValueError):
                continue  # not a seed ISO (boot2docker)
            if label == "cidata":
                return files
    return {}


def hostonly_address(data: dict, vm: dict):
    """What the guest has on its host-only NIC: the seed's static address for that NIC's MAC, if the NIC is a
    host-only adapter on an existing interface whose network holds it; else nothing reachable from the host."""
    if vm["nics"].get("2") != "hostonly":
        return None
    iface = next((i for i in data["hostonlyifs"] if i["name"] == vm.get("hostonlyadapter2") and i["ip"]), None)
    mac = vm.get("macs", {}).get("2", "").lower()
    network_config = seed_files(vm).get("network-config")
    if iface is None or not mac or not network_config:
        return None
    network = ipaddress.ip_network(f"{iface['ip']}/{iface['netmask']}", strict=False)
    for ethernet in json.loads(network_config).get("ethernets", {}).values():
        if ethernet.get("match", {}).get("macaddress", "").replace(":", "").lower() != mac:
            continue
        for entry in ethernet.get("addresses", []):
            address = ipaddress.ip_interface(entry)
            if address.ip in network and address.ip != ipaddress.ip_address(iface["ip"]):
                return str(address.ip)
    return None


# 8.8 VBoxManage unregistervm (6.1: 8.6): `unregistervm <vm> --delete`
def cmd_unregistervm(args):
    (ref,), options = parse(args, {"--delete": None}, 1, "unknown option: {}")
    with state() as data:
        vm = find_vm(data, ref)
        if vm["state"] != "poweroff":
            raise Fail(f"Cannot unregister the machine '{vm['name']}' while it is locked")
        if "--delete" in options:
            for attachment in vm["attachments"].values():
                if attachment["type"] == "hdd":
                    Path(attachment["medium"]).unlink(missing_ok=True)
                    data["media"].pop(attachment["medium"], None)
            Path(vm["settings"]).unlink(missing_ok=True)
            progress()
        del data["vms"][vm["uuid"]]


COMMANDS = {
    "list": cmd_list,
    "hostonlyif": cmd_hostonlyif,
    "createvm": cmd_createvm,
    "modifyvm": cmd_modifyvm,
    "storagectl": cmd_storagectl,
    "storageattach": cmd_storageattach,
    "clonemedium": cmd_clonemedium,
    "convertfromraw": cmd_convertfromraw,
    "modifymedium": cmd_modifymedium,
    "startvm": cmd_startvm,
    "controlvm": cmd_controlvm,
    "showvminfo": cmd_showvminfo,
    "guestproperty": cmd_guestproperty,
    "sharedfolder": cmd_sharedfolder,
    "setextradata": cmd_setextradata,
    "getextradata": cmd_getextradata,
    "unregistervm": cmd_unregistervm,
}


def main(argv: list[str]) -> int:
    if argv == ["--version"]:
        print(VERSION)
        return 0
    try:
        if not argv or argv[0] not in COMMANDS:
            raise syntax(f"Invalid command '{argv[0] if argv else ''}'")
        COMMANDS[argv[0]](argv[1:])
    except Fail as err:
        print(f"VBoxManage: error: {err}", file=sys.stderr)
        return err.code
    except KeyError as err:  # an option VBoxManage needs whose exact message is not modelled: say so
        print(
            f"VBoxManage: error: (simulator) missing option {err.args[0]}: the simulator's text, not VBoxManage's",
            file=sys.stderr,
        )
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""What a machine docker-machine 0.16 made becomes when it is adopted: its spec, the cloud resources to import by
ID, and its SSH key. Everything comes from its config.json and its folder, untrusted: each value is checked here
(names, addresses, ports, IDs, the key file inside the folder) before it becomes a resource input; the driver's
and the engine's own checks follow (machines.check_configuration)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Optional

from pulumi_docker_machine.components.names import DEFAULT_ENGINE_PORT, USER_NAME, is_address, is_port

from ..store import HostConfig, Store
from .adoption import Imported, read_private_key
from .errors import MachineError
from .settings import MachineSpec

_DROPLET_ID = re.compile(r"[1-9][0-9]{0,19}")
_INSTANCE_ID = re.compile(r"i-[0-9a-f]{8,17}")
_KEY_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,254}")
_PROJECT = re.compile(r"[a-z][a-z0-9-]{4,28}[a-z0-9]")
_ZONE = re.compile(r"[a-z]+-[a-z]+[0-9]+-[a-z]")
_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
_RESOURCE_GROUP = re.compile(r"[-\w.()]{0,89}[-\w()]")
_OPTION = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:/-]{0,127}")  # a region, size, image, zone...


@dataclass
class Adoption:
    """What adopting one 0.16 machine makes: the spec (its driver, or generic at its address), the resources to
    import, and the machine's own private key ("" for a machine without SSH)."""

    spec: MachineSpec
    imports: list[Imported] = field(default_factory=list)
    ssh_private_key: str = ""
    provisions: bool = True  # False: an engine we never configure (the none driver's), so no engine options


def _problem(host: HostConfig, what: str) -> MachineError:
    return MachineError(f"Error: can't adopt {host.name!r}: {what}")


def _text(host: HostConfig, key: str, pattern: re.Pattern, what: str, required: bool = True) -> Optional[str]:
    value = host.driver.get(key)
    if value in (None, "") and not required:
        return None
    if not isinstance(value, str) or pattern.fullmatch(value) is None:
        shown = repr(value)[:80] if value not in (None, "") else "nothing"
        raise _problem(host, f"config.json's Driver.{key} ({shown}) is not {what}")
    return value


def _options(host: HostConfig, mapping: dict[str, str]) -> dict[str, Any]:
    """Plain option values (regions, sizes, images): ``{our option: 0.16 field}``, each checked."""
    options = {}
    for ours, theirs in mapping.items():
        value = _text(host, theirs, _OPTION, "a plain name", required=False)
        if value is not None:
            options[ours] = value
    return options


def _credentials(host: HostConfig, mapping: dict[str, str]) -> dict[str, Any]:
    """Credentials docker-machine kept in config.json, carried as the driver's secret options (never printed)."""
    found = {}
    for ours, theirs in mapping.items():
        value = host.driver.get(theirs)
        if isinstance(value, str) and value and "\n" not in value and len(value) < 4096:
            found[ours] = value
    return found


def _ssh(host: HostConfig) -> dict[str, Any]:
    user, port = host.driver.get("SSHUser") or "root", host.driver.get("SSHPort") or 22
    if not isinstance(user, str) or USER_NAME.fullmatch(user) is None:
        raise _problem(host, f"config.json's Driver.SSHUser {str(user)[:40]!r} is not a user name")
    if not is_port(port):
        raise _problem(host, f"config.json's Driver.SSHPort {str(port)[:20]!r} is not a TCP port")
    return {"ssh_user": user, "ssh_port": int(port)}


def private_key_of(store: Store, host: HostConfig) -> str:
    """The machine's own key: the file SSHKeyPath names, taken only from the machine's folder (a store that was
    moved is read where it is now); a plain, unencrypted private key."""
    stored = host.driver.get("SSHKeyPath")
    if not isinstance(stored, str) or not stored:
        raise _problem(host, "config.json names no SSH key (Driver.SSHKeyPath): its SSH key is what reaches the VM")
    base = Path(stored).name
    folder = store.machine_dir(host.name)
    if base in ("", ".", ".."):
        raise _problem(host, f"its SSH key {base!r} is not a file in {folder}: put the machine's key there")
    try:
        return read_private_key(folder / base)
    except ValueError as err:
        if "is not a file" in str(err):
            raise _problem(
                host, f"its SSH key {base!r} is not a file in {folder}: put the machine's key there"
            ) from None
        raise _problem(host, str(err)) from None


def _engine(host: HostConfig, port: int) -> dict[str, Any]:
    """The 0.16 engine options, so the next provisioning keeps them (EngineOptions checks each)."""
    options = host.engine_options

    def strings(key: str) -> list[str]:
        value = options.get(key) or []
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise _problem(host, f"config.json's HostOptions.EngineOptions.{key} is not a list of strings")
        return list(value)

    engine: dict[str, Any] = {
        "labels": strings("Labels"),
        "insecure_registries": strings("InsecureRegistry"),
        "registry_mirrors": strings("RegistryMirror"),
        "opts": strings("ArbitraryFlags"),
        "env": strings("Env"),
        "port": port,
    }
    for ours, theirs in (("storage_driver", "StorageDriver"), ("install_url", "InstallURL")):
        value = options.get(theirs)
        if value:
            if not isinstance(value, str):
                raise _problem(host, f"config.json's HostOptions.EngineOptions.{theirs} is not text")
            engine[ours] = value
    return engine


def _generic(store: Store, host: HostConfig) -> Adoption:
    """Any machine with an address and SSH: a generic machine there (docker-machine's generic driver, or a VM
    whose driver we have no import for)."""
    address = host.ip
    if not address:
        raise _problem(host, "its config.json holds no address to reach it at")
    if not is_address(address):
        raise _problem(host, f"its address {address[:80]!r} is neither an IP address nor a host name")
    ssh = _ssh(host)
    if host.ssh_host != address:  # VirtualBox: SSH through a NAT forward on 127.0.0.1; the VM's own sshd is on 22
        ssh["ssh_port"] = 22
    options = {"ip_address": address, "ssh_key": None, **ssh}
    return Adoption(MachineSpec("generic", options), [], private_key_of(store, host))


def _none(store: Store, host: HostConfig) -> Adoption:
    url = host.url
    if not url:
        raise _problem(host, "its config.json holds no engine URL (Driver.URL)")
    return Adoption(MachineSpec("none", {"url": url}), provisions=False)


def _digitalocean(store: Store, host: HostConfig) -> Adoption:
    droplet = host.driver.get("DropletID")
    if isinstance(droplet, bool) or not isinstance(droplet, int) or not _DROPLET_ID.fullmatch(str(droplet)):
        raise _problem(host, f"config.json's Driver.DropletID ({str(droplet)[:40]}) is not a droplet ID")
    imports = [Imported("digitalocean:index/droplet:Droplet", str(droplet))]
    key_id = host.driver.get("SSHKeyID")
    if isinstance(key_id, int) and not isinstance(key_id, bool) and key_id > 0:
        imports.append(Imported("digitalocean:index/sshKey:SshKey", str(key_id)))
    options = {
        **_options(host, {"region": "Region", "size": "Size", "image": "Image"}),
        **_credentials(host, {"access_token": "AccessToken"}),
        **_ssh(host),
    }
    return Adoption(MachineSpec("digitalocean", options), imports, private_key_of(store, host))


def _amazonec2(store: Store, host: HostConfig) -> Adoption:
    instance = _text(host, "InstanceId", _INSTANCE_ID, "an EC2 instance ID (i-...)")
    imports = [Imported("aws:ec2/instance:Instance", str(instance))]
    key_name = _text(host, "KeyName", _KEY_NAME, "a key pair name", required=False)
    if key_name:
        imports.append(Imported("aws:ec2/keyPair:KeyPair", key_name))
    options = {
        **_options(
            host,
            {"region": "Region", "ami": "AMI", "instance_type": "InstanceType", "vpc_id": "VpcId"},
        ),
        **_options(host, {"subnet_id": "SubnetId", "zone": "Zone", "volume_type": "VolumeType"}),
        **_credentials(host, {"access_key": "AccessKey", "secret_key": "SecretKey", "session_token": "SessionToken"}),
        **_ssh(host),
    }
    return Adoption(MachineSpec("amazonec2", options), imports, private_key_of(store, host))


def _google(store: Store, host: HostConfig) -> Adoption:
    project = _text(host, "Project", _PROJECT, "a Google Cloud project ID")
    zone = _text(host, "Zone", _ZONE, "a zone such as us-central1-a")
    instance = f"projects/{project}/zones/{zone}/instances/{host.name}"
    options = {
        "project": project,
        "zone": zone,
        **_options(host, {"machine_type": "MachineType", "disk_type": "DiskType", "network": "Network"}),
        "ssh_user": _ssh(host)["ssh_user"],
    }
    return Adoption(
        MachineSpec("google", options),
        [Imported("gcp:compute/instance:Instance", instance)],
        private_key_of(store, host),
    )


def _azure(store: Store, host: HostConfig) -> Adoption:
    subscription = _text(host, "SubscriptionID", _UUID, "a subscription ID")
    group = _text(host, "ResourceGroup", _RESOURCE_GROUP, "a resource group name")
    vm = f"/subscriptions/{subscription}/resourceGroups/{group}/providers/Microsoft.Compute/virtualMachines/{host.name}"
    options = {
        "subscription_id": subscription,
        "resource_group": group,
        **_options(host, {"location": "Location", "size": "Size", "client_id": "ClientID"}),
        **_credentials(host, {"client_secret": "ClientSecret"}),
        **_ssh(host),
    }
    return Adoption(
        MachineSpec("azure", options),
        [Imported("azure-native:compute:VirtualMachine", vm)],
        private_key_of(store, host),
    )


def _openstack(store: Store, host: HostConfig) -> Adoption:
    server = _text(host, "MachineId", _UUID, "a server ID")
    imports = [Imported("openstack:compute/instance:Instance", str(server))]
    key_pair = _text(host, "KeyPairName", _KEY_NAME, "a key pair name", required=False)
    if key_pair:
        imports.append(Imported("openstack:compute/keypair:Keypair", key_pair))
    options = {
        **_options(
            host,
            {"region": "Region", "tenant_name": "TenantName", "tenant_id": "TenantId", "domain_name": "DomainName"},
        ),
        **_options(host, {"username": "Username", "flavor_name": "FlavorName", "image_name": "ImageName"}),
        **_options(host, {"net_name": "NetworkName", "floating_ip_pool": "FloatingIpPool"}),
        **_credentials(host, {"password": "Password"}),
        **_ssh(host),
    }
    auth_url = host.driver.get("AuthUrl")
    if auth_url:
        if not isinstance(auth_url, str) or not re.fullmatch(r"https?://[^\s\"'\\]{1,500}", auth_url):
            raise _problem(host, f"config.json's Driver.AuthUrl {str(auth_url)[:80]!r} is not an http(s) URL")
        options["auth_url"] = auth_url
    return Adoption(MachineSpec("openstack", options), imports, private_key_of(store, host))


# How each docker-machine 0.16 driver that made a cloud resource stored it, by its name: (driver, adoption). These
# belong in each driver's folder (an INFO piece beside ``stored``); they are kept here, as values, while those
# folders are another helper's. Any other driver's machine is adopted as generic at its address.
IMPORTERS: tuple[tuple[str, Callable[[Store, HostConfig], Adoption]], ...] = (
    ("none", _none),
    ("digitalocean", _digitalocean),
    ("amazonec2", _amazonec2),
    ("google", _google),
    ("azure", _azure),
    ("openstack", _openstack),
)


def adoption_of(store: Store, host: HostConfig) -> Adoption:
    """The adoption of a 0.16 machine (checked: MachineError names the first problem)."""
    adopt = next((adopt for driver, adopt in IMPORTERS if driver == host.driver_name), _generic)
    adoption = adopt(store, host)
    if adoption.provisions:
        port = host.engine_port
        if not is_port(port):
            raise _problem(host, f"its engine port {str(port)[:20]!r} is not a TCP port")
        adoption.spec.engine = _engine(host, int(port or DEFAULT_ENGINE_PORT))
    return adoption

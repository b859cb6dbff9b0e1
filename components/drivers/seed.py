"""The cloud-init NoCloud seed ISO: volume ``cidata`` with user-data, meta-data and network-config.
One module for the local VM drivers (virtualbox: a NAT and a host-only NIC; qemu: one user-mode NIC).

The YAML documents are written as JSON, which is YAML too: no YAML library needed.
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

import pycdlib

from .growroot import grow_root_config

VOLUME_LABEL = "cidata"
_ISO9660_NAMES = {"user-data": "USER_DATA.;1", "meta-data": "META_DATA.;1", "network-config": "NETWORK_CONFIG.;1"}


@dataclass(frozen=True)
class SeedConfig:
    hostname: str
    ssh_user: str
    public_key: str
    instance_id: str
    nat_mac: str  # the NAT NIC (DHCP): "08:00:27:.." on VirtualBox, "52:54:00:.." on QEMU
    hostonly_mac: Optional[str] = None  # VirtualBox's host-only NIC, with
    hostonly_address: Optional[str] = None  # "192.168.56.100/24": static, on the host-only network
    # Shared folders: cloud-init ``mounts`` entries (fstab fields), written at the first boot, mounted at every boot.
    mounts: tuple[tuple[str, ...], ...] = ()


def documents(config: SeedConfig) -> dict[str, str]:
    user_data = {
        "hostname": config.hostname,
        "users": [
            {
                "name": config.ssh_user,
                "sudo": "ALL=(ALL) NOPASSWD:ALL",
                "shell": "/bin/bash",
                "lock_passwd": True,
                # No group of the user's name: an image with Docker installed already has a group "docker",
                # and useradd refuses to make the user "docker" beside it.
                "no_user_group": True,
                "ssh_authorized_keys": [config.public_key],
            }
        ],
        "ssh_pwauth": False,
        **grow_root_config(),
    }
    if config.mounts:
        user_data["mounts"] = [list(entry) for entry in config.mounts]
    meta_data = {"instance-id": config.instance_id, "local-hostname": config.hostname}
    ethernets: dict = {"nat": {"match": {"macaddress": config.nat_mac}, "dhcp4": True}}
    if config.hostonly_mac:
        ethernets["hostonly"] = {
            "match": {"macaddress": config.hostonly_mac},
            "dhcp4": False,
            "addresses": [config.hostonly_address],
        }
    network = {"version": 2, "ethernets": ethernets}
    return {
        "user-data": "#cloud-config\n" + json.dumps(user_data, indent=2) + "\n",
        "meta-data": json.dumps(meta_data, indent=2) + "\n",
        "network-config": json.dumps(network, indent=2) + "\n",
    }


def write_seed_iso(path: Path, config: SeedConfig) -> Path:
    iso = pycdlib.PyCdlib()
    iso.new(interchange_level=3, joliet=3, rock_ridge="1.09", vol_ident=VOLUME_LABEL)
    try:
        for name, text in documents(config).items():
            data = text.encode()
            iso.add_fp(io.BytesIO(data), len(data), f"/{_ISO9660_NAMES[name]}", rr_name=name, joliet_path=f"/{name}")
        path.parent.mkdir(parents=True, exist_ok=True)
        iso.write(str(path))
    finally:
        iso.close()
    return path


def read_seed_iso(path: Path) -> tuple[str, dict[str, str]]:
    """(volume label, {file name: text}) read back through the Joliet names."""
    iso = pycdlib.PyCdlib()
    iso.open(str(path))
    try:
        label = iso.pvd.volume_identifier.decode().strip()
        files = {}
        for name in _ISO9660_NAMES:
            out = io.BytesIO()
            iso.get_file_from_iso_fp(out, joliet_path=f"/{name}")
            files[name] = out.getvalue().decode()
        return label, files
    finally:
        iso.close()

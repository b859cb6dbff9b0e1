"""The VirtualBox driver: a dynamic provider driving VBoxManage (its Pulumi side: driver.py; the provider's state
contract: provider.py)."""

from __future__ import annotations

from ..info import GENERATED_KEY_FILE, POWER_STATE, RESTART, AskedForAddress, DriverInfo, PreCreateCheckError
from .flags import FLAGS

TYPE_CHECKING = False  # typing stays unimported at run time (start-up time)
if TYPE_CHECKING:
    from typing import Any


def check(options: dict[str, Any]) -> dict[str, Any]:
    """VirtualBox installed, new enough, and allowing the host-only network (6.1.28 and later restrict it)."""
    from .provider import DEFAULT_HOSTONLY_CIDR, check_hostonly_range
    from .vboxmanage import VBoxManage, VBoxManageError

    try:
        check_hostonly_range(options.get("hostonly_cidr") or DEFAULT_HOSTONLY_CIDR, VBoxManage().version())
    except VBoxManageError as err:
        raise PreCreateCheckError(str(err)) from None
    return {**options, **default_share(options)}


def default_share(options: dict[str, Any]) -> dict[str, Any]:
    """docker-machine 0.16.2's share when neither --virtualbox-share-folder nor --virtualbox-no-share is given
    (getShareDriveAndName: /home as hosthome, /Users as Users on macOS), written out so the machine keeps it; none
    when the folder is not here (as docker-machine) or on Windows (its C:\\Users is not a path the guest takes)."""
    import os
    import sys

    if options.get("no_share") or options.get("share_folder") or sys.platform == "win32":
        return {}
    folder, name = ("/Users", "Users") if sys.platform == "darwin" else ("/home", "hosthome")
    return {"share_folder": f"{folder}:{name}"} if os.path.isdir(folder) else {}


class VirtualBoxFields(AskedForAddress):
    def ssh_host(self, address: str) -> str:
        return "127.0.0.1"  # a NAT port forward on SSHPort


INFO = DriverInfo(
    name="virtualbox",
    driver="driver:VirtualBoxDriver",
    flags=FLAGS,
    check=check,
    steps={
        "pulumi-python:dynamic/docker-machine:VirtualBoxVM": (
            "Creating VirtualBox VM...",
            "Waiting for machine to be running, this may take a few minutes...",
        ),
    },
    power=dict.fromkeys(("start", "stop", "kill", "restart"), POWER_STATE),
    needs_store_path=True,  # the VM's disk and seed live in the machine's folder, the base image in the cache
    key_file=GENERATED_KEY_FILE,
    per_node=(),
    stored=VirtualBoxFields(),
    # set: the provider stops the VM, runs modifyvm and starts it again (its disk is not resized)
    changes={"cpu_count": RESTART, "memory": RESTART},
)

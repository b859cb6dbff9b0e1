"""The seed's boot-time grow step: the root file system grows into its disk at every boot, so a disk made larger
while the VM was stopped (``docker-machine set --disk-size``) is used once it boots again.

cloud-init's growpart and resizefs do this at every boot on Ubuntu's cloud image, but only where cloud-init runs
at every boot; the step here is our own, a systemd unit cloud-init writes and enables at the first boot, so it works
whatever the image does later. Root on a whole disk: its file system is grown; on a partition: the partition first
(growpart, where cloud-guest-utils is installed), then its file system (ext2/3/4, xfs, btrfs). Nothing to grow:
nothing done.
"""

from __future__ import annotations

from typing import Any

SCRIPT_PATH = "/usr/local/sbin/docker-machine-growroot"
UNIT = "docker-machine-growroot.service"

SCRIPT = """#!/bin/sh
# Written by docker-machine's seed: grow the root file system into its disk (see the unit of the same name).
set -u
majmin=$(mountpoint -d /) || exit 0
dev=$(readlink -f "/sys/dev/block/$majmin") || exit 0
if [ -e "$dev/partition" ] && command -v growpart >/dev/null; then
    # growpart exits 1 when the partition fills its disk already (NOCHANGE)
    growpart "/dev/$(basename "$(dirname "$dev")")" "$(cat "$dev/partition")" || true
fi
case "$(findmnt -n -o FSTYPE /)" in
ext2 | ext3 | ext4) exec resize2fs "/dev/$(basename "$dev")" ;;
xfs) exec xfs_growfs / ;;
btrfs) exec btrfs filesystem resize max / ;;
esac
"""

UNIT_TEXT = f"""[Unit]
Description=Grow the root file system into its disk (docker-machine set --disk-size)
After=local-fs.target
[Service]
Type=oneshot
ExecStart={SCRIPT_PATH}
[Install]
WantedBy=multi-user.target
"""


def grow_root_config() -> dict[str, Any]:
    """The user-data keys of the grow step: the script and its unit written, the unit enabled (it runs from the
    next boot on: at the first, cloud-init's own resizefs has grown the root)."""
    return {
        "write_files": [
            {"path": SCRIPT_PATH, "permissions": "0755", "content": SCRIPT},
            {"path": f"/etc/systemd/system/{UNIT}", "permissions": "0644", "content": UNIT_TEXT},
        ],
        "runcmd": [["systemctl", "enable", UNIT]],
    }

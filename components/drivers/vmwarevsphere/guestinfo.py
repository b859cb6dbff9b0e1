"""The machine's cloud-init seed as vSphere guestinfo (cloud-init's VMware datasource, 21.3 and later): the
NoCloud documents of components/drivers/seed.py, base64 in the VM's extraConfig. A user's own cloud-config
(--vmwarevsphere-cloudinit) goes beside ours as a multipart MIME document, which cloud-init merges."""

from __future__ import annotations

import base64
import json
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from typing import Optional

from ..seed import SeedConfig, documents


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def user_data(ours: str, theirs: Optional[str]) -> str:
    if not theirs:
        return ours
    message = MIMEMultipart()
    for index, part in enumerate((ours, theirs)):
        kind = "cloud-config" if part.lstrip().startswith("#cloud-config") else "x-shellscript"
        if kind == "x-shellscript" and not part.startswith("#!"):
            kind = "cloud-config"  # neither: cloud-init reads it as YAML and says why if it is not
        attachment = MIMEText(part, kind)
        attachment.add_header("Content-Disposition", "attachment", filename=f"part-{index}")
        message.attach(attachment)
    return message.as_string()


def guestinfo(hostname: str, ssh_user: str, public_key: str, extra_user_data: Optional[str] = None) -> dict[str, str]:
    """extraConfig keys for the seed: the meta-data (instance ID, host name; the network is left to cloud-init's
    DHCP fallback on the VM's first NIC) and the user-data (the SSH user and key, the root's growth)."""
    docs = documents(
        SeedConfig(hostname=hostname, ssh_user=ssh_user, public_key=public_key, instance_id=hostname, nat_mac="")
    )
    meta = json.loads(docs["meta-data"])
    return {
        "guestinfo.metadata": _b64(json.dumps(meta)),
        "guestinfo.metadata.encoding": "base64",
        "guestinfo.userdata": _b64(user_data(docs["user-data"], extra_user_data)),
        "guestinfo.userdata.encoding": "base64",
    }

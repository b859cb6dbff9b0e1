"""The machine's own key put on a generic host with the user's ssh-agent (no --generic-ssh-key, an agent running).

Two pulumi-command steps, as AuthorizedKey does it with a key file: the first installs the key, connecting with
the agent (``agentSocketPath``: the agent signs, so no private key of the user's is read or kept); the second
runs only when the machine is removed, and takes the key out again with the machine's own key (the agent may be
gone by then). Both run the scripts of components/ssh/authorized.py.
"""

from __future__ import annotations

from typing import Any

import pulumi
from pulumi_command import remote

from ...ssh.authorized import INSTALL_SCRIPT, REMOVE_SCRIPT, check_public_key
from ..base import MachineHost, child_opts


def removal(public_key: str) -> str:
    """The remove script with the key on its stdin; the key is a checked OpenSSH line (no quote can be in it)."""
    return f"printf '%s\\n' '{check_public_key(public_key)}' | sh -c '{REMOVE_SCRIPT}'"


def authorize_with_agent(machine_name: str, host: MachineHost, key: Any, socket: str, parent: pulumi.Resource) -> list:
    public = pulumi.Output.from_input(key.public_key).apply(check_public_key)
    install = remote.Command(
        f"{machine_name}-authorize-key",
        connection=remote.ConnectionArgs(
            host=host.address, port=host.ssh_port, user=host.ssh_user, agent_socket_path=socket
        ),
        create=f"sh -c '{INSTALL_SCRIPT}'",
        stdin=public.apply(lambda line: line + "\n"),
        logging="none",
        opts=child_opts(parent),
    )
    private_key: pulumi.Input[str] = key.private_key
    remove = remote.Command(
        f"{machine_name}-deauthorize-key",
        connection=remote.ConnectionArgs(
            host=host.address, port=host.ssh_port, user=host.ssh_user, private_key=pulumi.Output.secret(private_key)
        ),
        delete=public.apply(removal),
        logging="none",
        opts=child_opts(parent, depends_on=[install]),
    )
    return [install, remove]

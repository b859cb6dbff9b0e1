"""docker-machine's generic driver flags, as rows (components/drivers/info.py): data only, so ``create --help``
imports no Pulumi."""

from ..info import INT, STR

FLAGS = (
    ("--generic-ip-address", "ip_address", STR, "", "GENERIC_IP_ADDRESS", "IP Address of machine"),
    ("--generic-ssh-user", "ssh_user", STR, "root", "GENERIC_SSH_USER", "SSH user"),
    (
        "--generic-ssh-key",
        "ssh_key",
        STR,
        "",
        "GENERIC_SSH_KEY",
        "SSH private key path (if not provided, default SSH key will be used: your ssh-agent, else ~/.ssh/id_rsa, "
        "id_ecdsa or id_ed25519)",
    ),
    ("--generic-ssh-port", "ssh_port", INT, 22, "GENERIC_SSH_PORT", "SSH port"),
    ("--generic-engine-port", "engine_port", INT, 2376, "GENERIC_ENGINE_PORT", "Docker engine port"),
)

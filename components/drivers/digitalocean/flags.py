"""docker-machine's digitalocean driver flags, as rows (components/drivers/info.py): data only, so ``create --help``
imports neither Pulumi nor pulumi-digitalocean."""

from ..info import BOOL, CSV, INT, STR

FLAGS = (
    ("--digitalocean-access-token", "access_token", STR, "", "DIGITALOCEAN_ACCESS_TOKEN", "Digital Ocean access token"),
    ("--digitalocean-region", "region", STR, "nyc3", "DIGITALOCEAN_REGION", "Digital Ocean region"),
    ("--digitalocean-size", "size", STR, "s-1vcpu-1gb", "DIGITALOCEAN_SIZE", "Digital Ocean size"),
    ("--digitalocean-image", "image", STR, "ubuntu-24-04-x64", "DIGITALOCEAN_IMAGE", "Digital Ocean Image"),
    ("--digitalocean-ssh-user", "ssh_user", STR, "root", "DIGITALOCEAN_SSH_USER", "SSH username"),
    ("--digitalocean-ssh-port", "ssh_port", INT, 22, "DIGITALOCEAN_SSH_PORT", "SSH port"),
    ("--digitalocean-ipv6", "ipv6", BOOL, False, "DIGITALOCEAN_IPV6", "enable ipv6 for droplet"),
    (
        "--digitalocean-private-networking",
        "private_networking",
        BOOL,
        False,
        "DIGITALOCEAN_PRIVATE_NETWORKING",
        "enable private networking for droplet",
    ),
    ("--digitalocean-backups", "backups", BOOL, False, "DIGITALOCEAN_BACKUPS", "enable backups for droplet"),
    (
        "--digitalocean-monitoring",
        "monitoring",
        BOOL,
        False,
        "DIGITALOCEAN_MONITORING",
        "enable monitoring for droplet",
    ),
    (
        "--digitalocean-tags",
        "tags",
        CSV,
        "",
        "DIGITALOCEAN_TAGS",
        "comma-separated list of tags to apply to the Droplet",
    ),
    (
        "--digitalocean-userdata",
        "user_data",
        STR,
        "",
        "DIGITALOCEAN_USERDATA",
        "path to file with cloud-init user-data",
    ),
    (
        "--digitalocean-ssh-key-fingerprint",
        "ssh_key_fingerprint",
        STR,
        "",
        "DIGITALOCEAN_SSH_KEY_FINGERPRINT",
        "SSH key fingerprint: a key of your DigitalOcean account the droplet also gets (the machine is reached "
        "with its own key, unless --digitalocean-ssh-key-path gives that key's private half)",
    ),
    (
        "--digitalocean-ssh-key-path",
        "ssh_key_path",
        STR,
        "",
        "DIGITALOCEAN_SSH_KEY_PATH",
        "SSH private key path: the private half of --digitalocean-ssh-key-fingerprint's key, the machine's key "
        "(kept as a secret in its state and store, as docker-machine copied it)",
    ),
)

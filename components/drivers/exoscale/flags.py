"""docker-machine's exoscale driver flags (v0.16.2 drivers/exoscale/exoscale.go), as rows (components/drivers/info.py):
data only, so ``create --help`` imports neither Pulumi nor pulumiverse-exoscale (an optional extra)."""

from ..info import INT, MULTI, STR

FLAGS = (
    (
        "--exoscale-url",
        "url",
        STR,
        "",
        "EXOSCALE_ENDPOINT",
        "exoscale API endpoint (only its v2 API, https://api-ZONE.exoscale.com/v2, is spoken now)",
    ),
    ("--exoscale-api-key", "api_key", STR, "", "EXOSCALE_API_KEY", "exoscale API key"),
    ("--exoscale-api-secret-key", "api_secret", STR, "", "EXOSCALE_API_SECRET", "exoscale API secret key"),
    (
        "--exoscale-instance-profile",
        "instance_profile",
        STR,
        "Small",
        "EXOSCALE_INSTANCE_PROFILE",
        "exoscale instance profile (Small, Medium, Large, ... or an instance type such as standard.medium)",
    ),
    ("--exoscale-disk-size", "disk_size", INT, 50, "EXOSCALE_DISK_SIZE", "exoscale disk size in GB (10 to 51200)"),
    (
        "--exoscale-image",
        "image",
        STR,
        "Linux Ubuntu 24.04 LTS 64-bit",
        "EXOSCALE_IMAGE",
        "exoscale image template (its name)",
    ),
    (
        "--exoscale-security-group",
        "security_groups",
        MULTI,
        "",
        "EXOSCALE_SECURITY_GROUP",
        "exoscale security group the machine also joins (an existing one, by name; the machine has its own "
        "group for SSH and the Docker port)",
    ),
    (
        "--exoscale-availability-zone",
        "zone",
        STR,
        "ch-dk-2",
        "EXOSCALE_AVAILABILITY_ZONE",
        "exoscale availability zone",
    ),
    (
        "--exoscale-ssh-user",
        "ssh_user",
        STR,
        "",
        "EXOSCALE_SSH_USER",
        "name of the ssh user (default: from the image's name, ubuntu for Ubuntu)",
    ),
    (
        "--exoscale-ssh-key",
        "ssh_key",
        STR,
        "",
        "EXOSCALE_SSH_KEY",
        "path to the SSH user private key: the machine's key (kept as a secret in its state and store, as "
        "docker-machine copied it)",
    ),
    ("--exoscale-userdata", "user_data", STR, "", "EXOSCALE_USERDATA", "path to file with cloud-init user-data"),
    (
        "--exoscale-affinity-group",
        "affinity_groups",
        MULTI,
        "",
        "EXOSCALE_AFFINITY_GROUP",
        "exoscale anti-affinity group the machine joins (an existing one, by name)",
    ),
)

"""docker-machine's google driver flags, as rows (components/drivers/info.py): data only, so ``create --help``
imports neither Pulumi nor pulumi-gcp (an optional extra).

Comma lists (--google-tags, --google-scopes) are passed through as the string the user gave; the driver
splits them.
"""

from ..info import BOOL, INT, MULTI, STR

FLAGS = (
    ("--google-project", "project", STR, "", "GOOGLE_PROJECT", "GCE Project"),
    ("--google-zone", "zone", STR, "us-central1-a", "GOOGLE_ZONE", "GCE Zone"),
    ("--google-machine-type", "machine_type", STR, "e2-small", "GOOGLE_MACHINE_TYPE", "GCE Machine Type"),
    (
        "--google-machine-image",
        "machine_image",
        STR,
        "ubuntu-os-cloud/ubuntu-2404-lts-amd64",
        "GOOGLE_MACHINE_IMAGE",
        "GCE Machine Image (project/family, project/image or a self link)",
    ),
    ("--google-username", "ssh_user", STR, "docker-user", "GOOGLE_USERNAME", "GCE User Name"),
    ("--google-disk-size", "disk_size", INT, 20, "GOOGLE_DISK_SIZE", "GCE Instance Disk Size (in GB)"),
    ("--google-disk-type", "disk_type", STR, "pd-standard", "GOOGLE_DISK_TYPE", "GCE Instance Disk type"),
    ("--google-network", "network", STR, "default", "GOOGLE_NETWORK", "Specify network in which to provision vm"),
    ("--google-subnetwork", "subnetwork", STR, "", "GOOGLE_SUBNETWORK", "Specify subnetwork in which to provision vm"),
    (
        "--google-address",
        "address",
        STR,
        "",
        "GOOGLE_ADDRESS",
        "GCE Instance External IP (a reserved address's name or IP)",
    ),
    ("--google-preemptible", "preemptible", BOOL, False, "GOOGLE_PREEMPTIBLE", "GCE Instance Preemptibility"),
    (
        "--google-spot",
        "spot",
        BOOL,
        False,
        "GOOGLE_SPOT",
        "GCE Spot VM (provisioning model SPOT, stopped when preempted)",
    ),
    ("--google-tags", "tags", STR, "", "GOOGLE_TAGS", "GCE Instance Tags (comma-separated)"),
    (
        "--google-service-account",
        "service_account",
        STR,
        "",
        "GOOGLE_SERVICE_ACCOUNT",
        "GCE Service Account for the VM (e-mail address; the default service account when left out)",
    ),
    (
        "--google-scopes",
        "scopes",
        STR,
        "devstorage.read_only,logging.write",
        "GOOGLE_SCOPES",
        "GCE Scopes (comma-separated if multiple scopes)",
    ),
    (
        "--google-use-internal-ip",
        "use_internal_ip",
        BOOL,
        False,
        "GOOGLE_USE_INTERNAL_IP",
        "Use internal GCE Instance IP rather than public one",
    ),
    (
        "--google-use-internal-ip-only",
        "use_internal_ip_only",
        BOOL,
        False,
        "GOOGLE_USE_INTERNAL_IP_ONLY",
        "Configure GCE instance to not have an external IP address",
    ),
    ("--google-open-port", "open_ports", MULTI, "", "", "Make the specified port number accessible from the Internet"),
    (
        "--google-use-existing",
        "use_existing",
        BOOL,
        False,
        "GOOGLE_USE_EXISTING",
        "Not supported: an instance made elsewhere is not this machine's to change (docker-machine set its SSH key "
        "and a firewall tag on it); use -d generic --generic-ip-address ADDRESS for it, or docker-machine adopt for "
        "one docker-machine made",
    ),
)

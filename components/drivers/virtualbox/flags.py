"""docker-machine's virtualbox driver flags, as rows (components/drivers/info.py): data only, so ``create --help``
imports no Pulumi (the VM provider)."""

from ..info import INT, STR

FLAGS = (
    ("--virtualbox-memory", "memory", INT, 1024, "VIRTUALBOX_MEMORY_SIZE", "Size of memory for host in MB"),
    ("--virtualbox-cpu-count", "cpu_count", INT, 1, "VIRTUALBOX_CPU_COUNT", "number of CPUs for the machine"),
    ("--virtualbox-disk-size", "disk_size", INT, 20000, "VIRTUALBOX_DISK_SIZE", "Size of disk for host in MB"),
    (
        "--virtualbox-boot2docker-url",
        "boot2docker_url",
        STR,
        "",
        "VIRTUALBOX_BOOT2DOCKER_URL",
        "The URL of the legacy boot2docker ISO (instead of the Ubuntu cloud image)",
    ),
    (
        "--virtualbox-image-url",
        "image_url",
        STR,
        "Ubuntu 24.04 cloud image",
        "VIRTUALBOX_IMAGE_URL",
        "The URL of the VMDK base image (its SHA256SUMS beside it)",
    ),
    (
        "--virtualbox-hostonly-cidr",
        "hostonly_cidr",
        STR,
        "192.168.56.1/24",
        "VIRTUALBOX_HOSTONLY_CIDR",
        "Specify the Host Only CIDR",
    ),
    (
        "--virtualbox-nat-nictype",
        "nat_nictype",
        STR,
        "82540EM",
        "VIRTUALBOX_NAT_NICTYPE",
        "Specify the Network Adapter Type",
    ),
    (
        "--virtualbox-hostonly-nictype",
        "hostonly_nictype",
        STR,
        "82540EM",
        "VIRTUALBOX_HOSTONLY_NIC_TYPE",
        "Specify the Host Only Network Adapter Type",
    ),
)

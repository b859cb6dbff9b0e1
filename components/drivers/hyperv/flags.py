"""docker-machine 0.16.2's hyperv driver flags (drivers/hyperv/hyperv.go), as rows (components/drivers/info.py), and
the image flags of ours: data only, so ``create --help`` imports no Pulumi."""

from ..info import BOOL, INT, NOT_SUPPORTED, STR

FLAGS = (
    (
        "--hyperv-boot2docker-url",
        "boot2docker_url",
        STR,
        "",
        "HYPERV_BOOT2DOCKER_URL",
        NOT_SUPPORTED + "the boot2docker ISO is retired; the VM boots a cloud image VHDX (--hyperv-image-url)",
    ),
    (
        "--hyperv-virtual-switch",
        "virtual_switch",
        STR,
        "",
        "HYPERV_VIRTUAL_SWITCH",
        "Virtual switch name. Defaults to first found.",
    ),
    (
        "--hyperv-disk-size",
        "disk_size",
        INT,
        20000,
        "HYPERV_DISK_SIZE",
        "Maximum size of dynamically expanding disk in MB.",
    ),
    ("--hyperv-memory", "memory", INT, 1024, "HYPERV_MEMORY", "Memory size for host in MB."),
    ("--hyperv-cpu-count", "cpu_count", INT, 1, "HYPERV_CPU_COUNT", "number of CPUs for the machine"),
    (
        "--hyperv-static-macaddress",
        "static_macaddress",
        STR,
        "",
        "HYPERV_STATIC_MACADDRESS",
        "Hyper-V network adapter's static MAC address.",
    ),
    (
        "--hyperv-vlan-id",
        "vlan_id",
        INT,
        "0",
        "HYPERV_VLAN_ID",
        "Hyper-V network adapter's VLAN ID if any",
    ),  # "0": the CLI shows no default that equals False
    (
        "--hyperv-disable-dynamic-memory",
        "disable_dynamic_memory",
        BOOL,
        False,
        "HYPERV_DISABLE_DYNAMIC_MEMORY",
        "Disable dynamic memory management setting",
    ),
    (
        "--hyperv-image-url",
        "image_url",
        STR,
        "",
        "HYPERV_IMAGE_URL",
        "The URL (or file:// path) of the base VHDX: a cloud image with cloud-init and Hyper-V's KVP daemon "
        "(its SHA256SUMS beside it, or --hyperv-image-sha256); required",
    ),
    (
        "--hyperv-image-sha256",
        "image_sha256",
        STR,
        "",
        "HYPERV_IMAGE_SHA256",
        "The base VHDX's SHA-256 (default: the SHA256SUMS published beside it)",
    ),
)

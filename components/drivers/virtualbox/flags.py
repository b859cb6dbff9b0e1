"""docker-machine's virtualbox driver flags, as rows (components/drivers/info.py): data only, so ``create --help``
imports no Pulumi (the VM provider)."""

from ..info import BOOL, INT, STR

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
    (
        "--virtualbox-share-folder",
        "share_folder",
        STR,
        "",
        "VIRTUALBOX_SHARE_FOLDER",
        "Mount the specified directory instead of the default home location. Format: dir:name (a VirtualBox "
        "shared folder; the guest mounts it at dir, or /name where dir would hide its own files, with vboxsf: Guest "
        "Additions or the kernel's module)",
    ),
    (
        "--virtualbox-no-share",
        "no_share",
        BOOL,
        False,
        "VIRTUALBOX_NO_SHARE",
        "Disable the mount of your home directory (by default /home as hosthome, /Users as Users on macOS, "
        "as docker-machine)",
    ),
    (
        "--virtualbox-host-dns-resolver",
        "host_dns_resolver",
        BOOL,
        False,
        "VIRTUALBOX_HOST_DNS_RESOLVER",
        "Use the host DNS resolver (also the default here when neither DNS flag is given)",
    ),
    (
        "--virtualbox-no-dns-proxy",
        "no_dns_proxy",
        BOOL,
        False,
        "VIRTUALBOX_NO_DNS_PROXY",
        "Disable proxying all DNS requests to the host",
    ),
    (
        "--virtualbox-hostonly-nicpromisc",
        "hostonly_nicpromisc",
        STR,
        "deny",
        "VIRTUALBOX_HOSTONLY_NIC_PROMISC",
        "Specify the Host Only Network Adapter Promiscuous Mode (deny, allow-vms, allow-all)",
    ),
    (
        "--virtualbox-hostonly-no-dhcp",
        "hostonly_no_dhcp",
        BOOL,
        False,
        "VIRTUALBOX_HOSTONLY_NO_DHCP",
        "Disable the Host Only DHCP Server (always so here: the guest's host-only address is static, set by "
        "cloud-init)",
    ),
    (
        "--virtualbox-no-vtx-check",
        "no_vtx_check",
        BOOL,
        False,
        "VIRTUALBOX_NO_VTX_CHECK",
        "Disable checking for the availability of hardware virtualization before the vm is started (no such "
        "check is made here: VirtualBox itself refuses a 64-bit guest without it)",
    ),
    (
        "--virtualbox-ui-type",
        "ui_type",
        STR,
        "headless",
        "VIRTUALBOX_UI_TYPE",
        "Specify the UI Type: (gui|sdl|headless|separate)",
    ),
    (
        "--virtualbox-import-boot2docker-vm",
        "import_boot2docker_vm",
        STR,
        "",
        "VIRTUALBOX_BOOT2DOCKER_IMPORT_VM",
        "Not supported: it imported a VM of boot2docker-cli (retired in 2015); create a new machine instead",
    ),
)

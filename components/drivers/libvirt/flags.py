"""The libvirt driver's flags, as rows (components/drivers/info.py): data only, so ``create --help`` imports no
Pulumi. Named after docker-machine-driver-kvm's ``--kvm-*`` flags where one does the same job (memory, disk-size,
cpu-count, network, cache-mode, io-mode, ssh-user); the rest are ours (libvirt's URI, pool, domain type, and the
qemu driver's image and direct kernel boot flags)."""

from ..info import INT, STR

FLAGS = (
    (
        "--libvirt-uri",
        "uri",
        STR,
        "qemu:///system",
        "LIBVIRT_DEFAULT_URI",
        "libvirt connection URI: qemu:///system, qemu+ssh://[user@]host/system, xen:///system, ...",
    ),
    ("--libvirt-memory", "memory", INT, 1024, "LIBVIRT_MEMORY", "Size of memory for host in MB"),
    ("--libvirt-cpu-count", "cpu_count", INT, 1, "LIBVIRT_CPU_COUNT", "Number of CPUs"),
    ("--libvirt-disk-size", "disk_size", INT, 20000, "LIBVIRT_DISK_SIZE", "Size of disk for host in MB"),
    ("--libvirt-network", "network", STR, "default", "LIBVIRT_NETWORK", "Name of the libvirt network to connect to"),
    (
        "--libvirt-storage-pool",
        "storage_pool",
        STR,
        "default",
        "LIBVIRT_STORAGE_POOL",
        "libvirt storage pool for the machine's disk and seed",
    ),
    (
        "--libvirt-domain-type",
        "domain_type",
        STR,
        "kvm (xen for a xen URI)",
        "LIBVIRT_DOMAIN_TYPE",
        "Domain type: kvm, qemu (TCG: no hardware virtualization) or xen",
    ),
    (
        "--libvirt-image",
        "image",
        STR,
        "Ubuntu 24.04 cloud image",
        "LIBVIRT_IMAGE",
        "URL or path of the qcow2 base image (a URL is cached, its SHA256SUMS beside it)",
    ),
    ("--libvirt-image-sha256", "image_sha256", STR, "", "LIBVIRT_IMAGE_SHA256", "SHA256 the base image must have"),
    (
        "--libvirt-kernel",
        "kernel",
        STR,
        "",
        "LIBVIRT_KERNEL",
        "Kernel to boot directly, a path on the libvirt host (images without a boot loader)",
    ),
    ("--libvirt-initrd", "initrd", STR, "", "LIBVIRT_INITRD", "Initrd for --libvirt-kernel (on the libvirt host)"),
    ("--libvirt-append", "append", STR, "", "LIBVIRT_APPEND", "Kernel command line for --libvirt-kernel"),
    (
        "--libvirt-cache-mode",
        "cache_mode",
        STR,
        "default",
        "LIBVIRT_CACHE_MODE",
        "Disk cache mode: default, none, writethrough, writeback, directsync, or unsafe",
    ),
    ("--libvirt-io-mode", "io_mode", STR, "threads", "LIBVIRT_IO_MODE", "Disk IO mode: threads, native"),
    ("--libvirt-ssh-user", "ssh_user", STR, "docker", "LIBVIRT_SSH_USER", "SSH user cloud-init creates"),
    ("--libvirt-boot-timeout", "boot_timeout", INT, 900, "LIBVIRT_BOOT_TIMEOUT", "Seconds to wait for SSH after boot"),
)

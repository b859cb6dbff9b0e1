"""docker-machine's qemu driver flags, as rows (components/drivers/info.py): data only, so ``create --help``
imports no Pulumi (the VM provider)."""

from ..info import BOOL, INT, MULTI, STR

FLAGS = (
    ("--qemu-memory", "memory", INT, 2048, "QEMU_MEMORY_SIZE", "Size of memory for host in MB"),
    ("--qemu-cpu-count", "cpu_count", INT, 1, "QEMU_CPU_COUNT", "number of CPUs for the machine"),
    ("--qemu-disk-size", "disk_size", INT, 20000, "QEMU_DISK_SIZE", "Size of disk for host in MB"),
    (
        "--qemu-image",
        "image",
        STR,
        "Ubuntu 24.04 cloud image of --qemu-arch",
        "QEMU_IMAGE",
        "URL or path of the qcow2 base image (a URL is cached, its SHA256SUMS beside it)",
    ),
    ("--qemu-image-sha256", "image_sha256", STR, "", "QEMU_IMAGE_SHA256", "SHA256 the base image must have"),
    ("--qemu-kernel", "kernel", STR, "", "QEMU_KERNEL", "Kernel to boot directly (images without a boot loader)"),
    ("--qemu-initrd", "initrd", STR, "", "QEMU_INITRD", "Initrd for --qemu-kernel"),
    ("--qemu-append", "append", STR, "", "QEMU_APPEND", "Kernel command line for --qemu-kernel"),
    (
        "--qemu-accel",
        "accel",
        STR,
        "auto",
        "QEMU_ACCEL",
        "Accelerator: auto (KVM on Linux, HVF on macOS, for a guest of this computer's architecture; else TCG), "
        "kvm, hvf or tcg",
    ),
    (
        "--qemu-arch",
        "arch",
        STR,
        "x86_64 (aarch64 on an arm64 computer)",
        "QEMU_ARCH",
        "Guest architecture: x86_64 (qemu-system-x86_64) or aarch64 (qemu-system-aarch64, the virt machine, UEFI)",
    ),
    (
        "--qemu-firmware",
        "firmware",
        STR,
        "",
        "QEMU_FIRMWARE",
        "UEFI firmware for aarch64 (default: the distribution's, e.g. /usr/share/AAVMF/AAVMF_CODE.fd)",
    ),
    ("--qemu-ssh-user", "ssh_user", STR, "docker", "QEMU_SSH_USER", "SSH user cloud-init creates"),
    (
        "--qemu-share",
        "shares",
        MULTI,
        "your home folder",
        "",
        "Share a folder of this computer with the VM, at the same path or GUEST: HOST[:GUEST][:ro] (repeatable; "
        "virtio-9p, mounted at every boot)",
    ),
    ("--qemu-no-share", "no_share", BOOL, False, "QEMU_NO_SHARE", "Share no folder (not even your home folder)"),
    (
        "--qemu-forward",
        "forwards",
        MULTI,
        "",
        "",
        "Forward 127.0.0.1:HOST of this computer to the VM's port GUEST: HOST:GUEST (repeatable; the TCP ports "
        "containers publish are forwarded by themselves)",
    ),
    ("--qemu-boot-timeout", "boot_timeout", INT, 900, "QEMU_BOOT_TIMEOUT", "Seconds to wait for SSH after boot"),
)

"""The vmware driver's flags, as rows (components/drivers/info.py): docker-machine 0.16.2's vmwarefusion flags
(drivers/vmwarefusion/fusion_darwin.go) under the name of this driver, which drives Workstation, Player and
Fusion alike (``--vmware-*``; the community's vmwareworkstation driver had the same set as ``--vmwareworkstation-*``),
plus the template to clone and the product. Data only: ``create --help`` imports no Pulumi."""

from ..info import BOOL, INT, STR

FLAGS = (
    (
        "--vmware-template",
        "template",
        STR,
        "",
        "VMWARE_TEMPLATE",
        "The .vmx of the VM to clone (a cloud image with cloud-init and open-vm-tools, powered off)",
    ),
    (
        "--vmware-product",
        "product",
        STR,
        "ws, fusion on macOS",
        "VMWARE_PRODUCT",
        "vmrun -T: ws (Workstation), player (Workstation Player) or fusion",
    ),
    (
        "--vmware-cpu-count",
        "cpu_count",
        INT,
        1,
        "VMWARE_CPU_COUNT",
        "number of CPUs for the machine (-1 to use the number of CPUs available)",
    ),
    ("--vmware-memory-size", "memory", INT, 1024, "VMWARE_MEMORY_SIZE", "size of memory for host VM (in MB)"),
    (
        "--vmware-disk-size",
        "disk_size",
        INT,
        "",
        "VMWARE_DISK_SIZE",
        "Not supported: the clone keeps its template's disk; grow the template's disk instead",
    ),
    ("--vmware-ssh-user", "ssh_user", STR, "docker", "VMWARE_SSH_USER", "SSH user (made by cloud-init)"),
    (
        "--vmware-ssh-password",
        "ssh_password",
        STR,
        "",
        "VMWARE_SSH_PASSWORD",
        "Not supported: the machine is reached with its own SSH key only (cloud-init installs it)",
    ),
    (
        "--vmware-boot2docker-url",
        "boot2docker_url",
        STR,
        "",
        "VMWARE_BOOT2DOCKER_URL",
        "Not supported: boot2docker is retired; give --vmware-template (a cloud image with cloud-init)",
    ),
    (
        "--vmware-configdrive-url",
        "configdrive_url",
        STR,
        "",
        "VMWARE_CONFIGDRIVE_URL",
        "Not supported: the machine's own cloud-init seed is attached as its CD drive",
    ),
    (
        "--vmware-no-share",
        "no_share",
        BOOL,
        False,
        "VMWARE_NO_SHARE",
        "Disable the mount of your home directory (no folder is shared by this driver: always so)",
    ),
    (
        "--vmware-ip-timeout",
        "ip_timeout",
        INT,
        300,
        "VMWARE_IP_TIMEOUT",
        "Seconds VMware Tools gets to report the started VM's address",
    ),
)

"""docker-machine's vmwarevsphere driver flags (drivers/vmwarevsphere/vsphere.go of v0.16.2), as rows
(components/drivers/info.py): data only, so ``create --help`` imports neither Pulumi nor pulumi-vsphere."""

from ..info import BOOL, INT, MULTI, STR

FLAGS = (
    ("--vmwarevsphere-cpu-count", "cpu_count", INT, 2, "VSPHERE_CPU_COUNT", "vSphere CPU number for docker VM"),
    (
        "--vmwarevsphere-memory-size",
        "memory_size",
        INT,
        2048,
        "VSPHERE_MEMORY_SIZE",
        "vSphere size of memory for docker VM (in MB)",
    ),
    (
        "--vmwarevsphere-disk-size",
        "disk_size",
        INT,
        20480,
        "VSPHERE_DISK_SIZE",
        "vSphere size of disk for docker VM (in MB; rounded up to whole GiB, at least the template's)",
    ),
    (
        "--vmwarevsphere-boot2docker-url",
        "boot2docker_url",
        STR,
        "",
        "VSPHERE_BOOT2DOCKER_URL",
        "Not supported: boot2docker is retired; the VM is cloned from --vmwarevsphere-template (a cloud image with "
        "cloud-init) or deployed from --vmwarevsphere-ova-url",
    ),
    ("--vmwarevsphere-vcenter", "vcenter", STR, "", "VSPHERE_VCENTER", "vSphere IP/hostname for vCenter"),
    ("--vmwarevsphere-vcenter-port", "vcenter_port", INT, 443, "VSPHERE_VCENTER_PORT", "vSphere Port for vCenter"),
    ("--vmwarevsphere-username", "username", STR, "", "VSPHERE_USERNAME", "vSphere username"),
    ("--vmwarevsphere-password", "password", STR, "", "VSPHERE_PASSWORD", "vSphere password"),
    (
        "--vmwarevsphere-network",
        "network",
        MULTI,
        "",
        "VSPHERE_NETWORK",
        "vSphere network where the docker VM will be attached (default: VM Network)",
    ),
    ("--vmwarevsphere-datastore", "datastore", STR, "", "VSPHERE_DATASTORE", "vSphere datastore for docker VM"),
    ("--vmwarevsphere-datacenter", "datacenter", STR, "", "VSPHERE_DATACENTER", "vSphere datacenter for docker VM"),
    (
        "--vmwarevsphere-folder",
        "folder",
        STR,
        "",
        "VSPHERE_FOLDER",
        "vSphere folder for the docker VM. This folder must already exist in the datacenter.",
    ),
    ("--vmwarevsphere-pool", "pool", STR, "", "VSPHERE_POOL", "vSphere resource pool for docker VM"),
    (
        "--vmwarevsphere-hostsystem",
        "hostsystem",
        STR,
        "",
        "VSPHERE_HOSTSYSTEM",
        "vSphere compute resource where the docker VM will be instantiated. This can be omitted if using a "
        "cluster with DRS.",
    ),
    (
        "--vmwarevsphere-cfgparam",
        "cfgparam",
        MULTI,
        "",
        "VSPHERE_CFGPARAM",
        "vSphere vm configuration parameters (used for guestinfo): key=value",
    ),
    (
        "--vmwarevsphere-cloudinit",
        "user_data",
        STR,
        "",
        "VSPHERE_CLOUDINIT",
        "vSphere cloud-init file to set in the guestinfo (merged with the machine's own user data; a URL is "
        "not supported)",
    ),
    (
        "--vmwarevsphere-template",
        "template",
        STR,
        "",
        "VSPHERE_TEMPLATE",
        "The VM template to clone (a cloud image with cloud-init 21.3 or newer, e.g. Ubuntu 24.04's OVA imported "
        "as a template)",
    ),
    (
        "--vmwarevsphere-ova-url",
        "ova_url",
        STR,
        "",
        "VSPHERE_OVA_URL",
        "Deploy the VM from this OVA/OVF URL instead of cloning a template",
    ),
    (
        "--vmwarevsphere-insecure",
        "insecure",
        BOOL,
        False,
        "VSPHERE_INSECURE",
        "Accept vCenter's certificate without checking it (docker-machine 0.16.2 always did)",
    ),
)

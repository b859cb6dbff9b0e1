"""The vcd driver's flags: docker-machine 0.16.2's vmwarevcloudair flags (drivers/vmwarevcloudair/vcloudair.go) under
their old names where they mean the same for VMware Cloud Director, vCloud Air's successor, and the ones Cloud
Director needs beyond them (its URL and organization). Data only: ``create --help`` imports neither Pulumi nor
pulumi-vcd (an optional extra)."""

from ..info import BOOL, ENGINE_PORT, INT, STR

FLAGS = (
    ("--vcd-url", "url", STR, "", "VCD_URL", "Cloud Director API URL, such as https://vcd.example.com/api"),
    ("--vcd-org", "org", STR, "", "VCD_ORG", "Cloud Director organization"),
    (
        "--vcd-allow-unverified-ssl",
        "allow_unverified_ssl",
        BOOL,
        False,
        "VCD_ALLOW_UNVERIFIED_SSL",
        "Accept the API's certificate unverified",
    ),
    ("--vmwarevcloudair-username", "username", STR, "", "VCLOUDAIR_USERNAME", "Cloud Director username"),
    ("--vmwarevcloudair-password", "password", STR, "", "VCLOUDAIR_PASSWORD", "Cloud Director password"),
    (
        "--vmwarevcloudair-computeid",
        "compute_id",
        STR,
        "",
        "VCLOUDAIR_COMPUTEID",
        "Not supported: vCloud Air's Dedicated Cloud compute ID has no Cloud Director equivalent (--vcd-org names "
        "the organization)",
    ),
    ("--vmwarevcloudair-vdcid", "vdc", STR, "", "VCLOUDAIR_VDCID", "Cloud Director VDC (its name)"),
    (
        "--vmwarevcloudair-orgvdcnetwork",
        "network",
        STR,
        "",
        "VCLOUDAIR_ORGVDCNETWORK",
        "Org VDC Network (Default is <vdcid>-default-routed)",
    ),
    (
        "--vmwarevcloudair-edgegateway",
        "edge_gateway",
        STR,
        "",
        "VCLOUDAIR_EDGEGATEWAY",
        "Org Edge Gateway of the public IP's NAT rules (Default is <vdcid>)",
    ),
    (
        "--vmwarevcloudair-publicip",
        "public_ip",
        STR,
        "",
        "VCLOUDAIR_PUBLICIP",
        "Org Public IP to use (mapped 1:1 to the machine; without it the machine is reached at its network address)",
    ),
    ("--vmwarevcloudair-catalog", "catalog", STR, "Public Catalog", "VCLOUDAIR_CATALOG", "Catalog"),
    (
        "--vmwarevcloudair-catalogitem",
        "catalog_item",
        STR,
        "Ubuntu Server 24.04 LTS",
        "VCLOUDAIR_CATALOGITEM",
        "Catalog Item: the vApp template",
    ),
    ("--vmwarevcloudair-cpu-count", "cpus", INT, 1, "VCLOUDAIR_CPU_COUNT", "VM Cpu Count (default 1)"),
    (
        "--vmwarevcloudair-memory-size",
        "memory",
        INT,
        2048,
        "VCLOUDAIR_MEMORY_SIZE",
        "VM Memory Size in MB (default 2048)",
    ),
    ("--vmwarevcloudair-ssh-port", "ssh_port", INT, 22, "VCLOUDAIR_SSH_PORT", "SSH port"),
    ("--vmwarevcloudair-docker-port", ENGINE_PORT, INT, 2376, "VCLOUDAIR_DOCKER_PORT", "Docker port"),
)

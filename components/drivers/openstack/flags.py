"""docker-machine's openstack driver flags, as rows (components/drivers/info.py): data only, so ``create --help``
imports neither Pulumi nor pulumi-openstack (an optional extra).
"""

from ..info import INT, STR

FLAGS = (
    ("--openstack-auth-url", "auth_url", STR, "", "OS_AUTH_URL", "OpenStack authentication URL"),
    ("--openstack-username", "username", STR, "", "OS_USERNAME", "OpenStack username"),
    ("--openstack-password", "password", STR, "", "OS_PASSWORD", "OpenStack password"),
    ("--openstack-tenant-name", "tenant_name", STR, "", "OS_TENANT_NAME", "OpenStack tenant name (project)"),
    ("--openstack-tenant-id", "tenant_id", STR, "", "OS_TENANT_ID", "OpenStack tenant id (project)"),
    ("--openstack-domain-name", "domain_name", STR, "", "OS_DOMAIN_NAME", "OpenStack domain name (Identity v3 only)"),
    ("--openstack-region", "region", STR, "", "OS_REGION_NAME", "OpenStack region name"),
    (
        "--openstack-flavor-name",
        "flavor_name",
        STR,
        "m1.small",
        "OS_FLAVOR_NAME",
        "OpenStack flavor name to use for the instance",
    ),
    ("--openstack-flavor-id", "flavor_id", STR, "", "OS_FLAVOR_ID", "OpenStack flavor id to use for the instance"),
    (
        "--openstack-image-name",
        "image_name",
        STR,
        "Ubuntu 24.04",
        "OS_IMAGE_NAME",
        "OpenStack image name to use for the instance",
    ),
    ("--openstack-image-id", "image_id", STR, "", "OS_IMAGE_ID", "OpenStack image id to use for the instance"),
    (
        "--openstack-net-name",
        "net_name",
        STR,
        "",
        "OS_NETWORK_NAME",
        "OpenStack network name the machine will be connected on",
    ),
    ("--openstack-net-id", "net_id", STR, "", "OS_NETWORK_ID", "OpenStack network id the machine will be connected on"),
    (
        "--openstack-sec-groups",
        "sec_groups",
        STR,
        "",
        "OS_SECURITY_GROUPS",
        "OpenStack comma separated security groups for the machine",
    ),
    (
        "--openstack-floatingip-pool",
        "floating_ip_pool",
        STR,
        "",
        "OS_FLOATINGIP_POOL",
        "OpenStack floating IP pool to get an IP from to assign to the instance",
    ),
    (
        "--openstack-availability-zone",
        "availability_zone",
        STR,
        "",
        "OS_AVAILABILITY_ZONE",
        "OpenStack availability zone",
    ),
    ("--openstack-ssh-user", "ssh_user", STR, "ubuntu", "OS_SSH_USER", "OpenStack SSH user"),
    ("--openstack-ssh-port", "ssh_port", INT, 22, "OS_SSH_PORT", "OpenStack SSH port"),
)

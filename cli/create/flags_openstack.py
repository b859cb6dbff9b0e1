"""docker-machine's openstack create flags, as DRIVER_FLAGS rows (cli/create/flags.py): data only.

Each row: (flag, driver option, type, default shown in help, environment variable, help). The kind
strings are flags.py's INT/STR/BOOL/MULTI, written out: importing flags.py from here would be circular.
``--openstack-sec-groups`` is one comma-separated value; the driver splits it.
"""

FLAGS = [
    ("--openstack-auth-url", "auth_url", "str", "", "OS_AUTH_URL", "OpenStack authentication URL"),
    ("--openstack-username", "username", "str", "", "OS_USERNAME", "OpenStack username"),
    ("--openstack-password", "password", "str", "", "OS_PASSWORD", "OpenStack password"),
    ("--openstack-tenant-name", "tenant_name", "str", "", "OS_TENANT_NAME", "OpenStack tenant name (project)"),
    ("--openstack-tenant-id", "tenant_id", "str", "", "OS_TENANT_ID", "OpenStack tenant id (project)"),
    ("--openstack-domain-name", "domain_name", "str", "", "OS_DOMAIN_NAME",
     "OpenStack domain name (Identity v3 only)"),
    ("--openstack-region", "region", "str", "", "OS_REGION_NAME", "OpenStack region name"),
    ("--openstack-flavor-name", "flavor_name", "str", "m1.small", "OS_FLAVOR_NAME",
     "OpenStack flavor name to use for the instance"),
    ("--openstack-flavor-id", "flavor_id", "str", "", "OS_FLAVOR_ID", "OpenStack flavor id to use for the instance"),
    ("--openstack-image-name", "image_name", "str", "Ubuntu 24.04", "OS_IMAGE_NAME",
     "OpenStack image name to use for the instance"),
    ("--openstack-image-id", "image_id", "str", "", "OS_IMAGE_ID", "OpenStack image id to use for the instance"),
    ("--openstack-net-name", "net_name", "str", "", "OS_NETWORK_NAME",
     "OpenStack network name the machine will be connected on"),
    ("--openstack-net-id", "net_id", "str", "", "OS_NETWORK_ID",
     "OpenStack network id the machine will be connected on"),
    ("--openstack-sec-groups", "sec_groups", "str", "", "OS_SECURITY_GROUPS",
     "OpenStack comma separated security groups for the machine"),
    ("--openstack-floatingip-pool", "floating_ip_pool", "str", "", "OS_FLOATINGIP_POOL",
     "OpenStack floating IP pool to get an IP from to assign to the instance"),
    ("--openstack-availability-zone", "availability_zone", "str", "", "OS_AVAILABILITY_ZONE",
     "OpenStack availability zone"),
    ("--openstack-ssh-user", "ssh_user", "str", "ubuntu", "OS_SSH_USER", "OpenStack SSH user"),
    ("--openstack-ssh-port", "ssh_port", "int", 22, "OS_SSH_PORT", "OpenStack SSH port"),
]

"""docker-machine's rackspace driver flags (v0.16.2 drivers/rackspace/rackspace.go), as rows
(components/drivers/info.py): data only, so ``create --help`` imports neither Pulumi nor pulumi-openstack."""

from ..info import INT, STR

FLAGS = (
    ("--rackspace-username", "username", STR, "", "OS_USERNAME", "Rackspace account username"),
    ("--rackspace-api-key", "api_key", STR, "", "OS_API_KEY", "Rackspace API key"),
    (
        "--rackspace-region",
        "region",
        STR,
        "IAD",
        "OS_REGION_NAME",
        "Rackspace region name (DFW, HKG, IAD, LON, ORD or SYD)",
    ),
    (
        "--rackspace-endpoint-type",
        "endpoint_type",
        STR,
        "publicURL",
        "OS_ENDPOINT_TYPE",
        "Rackspace endpoint type (adminURL, internalURL or the default publicURL)",
    ),
    (
        "--rackspace-image-id",
        "image_id",
        STR,
        "",
        "OS_IMAGE_ID",
        "Rackspace image ID. Default: the image named 'Ubuntu 24.04 LTS (Noble Numbat) (PVHVM)'",
    ),
    (
        "--rackspace-flavor-id",
        "flavor_id",
        STR,
        "general1-1",
        "OS_FLAVOR_ID",
        "Rackspace flavor ID. Default: General Purpose 1GB",
    ),
    (
        "--rackspace-ssh-user",
        "ssh_user",
        STR,
        "root",
        "OS_SSH_USER",
        "SSH user for the newly booted machine. Set to root by default",
    ),
    (
        "--rackspace-ssh-port",
        "ssh_port",
        INT,
        22,
        "OS_SSH_PORT",
        "SSH port for the newly booted machine. Set to 22 by default",
    ),
    (
        "--rackspace-docker-install",
        "docker_install",
        STR,
        "true",
        "",
        "Set if docker have to be installed on the machine (accepted and unused, as by docker-machine 0.16.2; "
        "--engine-install-url none skips the install)",
    ),
    ("--rackspace-active-timeout", "active_timeout", INT, 300, "OS_ACTIVE_TIMEOUT", "Rackspace active timeout"),
)

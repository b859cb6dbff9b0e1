"""docker-machine's amazonec2 driver flags, as rows (components/drivers/info.py): data only, so ``create --help``
imports neither Pulumi nor pulumi-aws."""

from ..info import BOOL, INT, MULTI, PAIRS, STR

FLAGS = (
    ("--amazonec2-access-key", "access_key", STR, "", "AWS_ACCESS_KEY_ID", "AWS Access Key"),
    ("--amazonec2-secret-key", "secret_key", STR, "", "AWS_SECRET_ACCESS_KEY", "AWS Secret Key"),
    ("--amazonec2-session-token", "session_token", STR, "", "AWS_SESSION_TOKEN", "AWS Session Token"),
    ("--amazonec2-region", "region", STR, "", "AWS_DEFAULT_REGION", "AWS region"),
    ("--amazonec2-ami", "ami", STR, "newest Ubuntu 24.04", "AWS_AMI", "AWS machine image"),
    ("--amazonec2-instance-type", "instance_type", STR, "t3.micro", "AWS_INSTANCE_TYPE", "AWS instance type"),
    ("--amazonec2-zone", "zone", STR, "", "AWS_ZONE", "AWS zone for instance (i.e. a,b,c,d,e)"),
    ("--amazonec2-root-size", "root_size", INT, 16, "AWS_ROOT_SIZE", "AWS root disk size (in GB)"),
    ("--amazonec2-volume-type", "volume_type", STR, "gp3", "AWS_VOLUME_TYPE", "Amazon EBS volume type"),
    ("--amazonec2-vpc-id", "vpc_id", STR, "", "AWS_VPC_ID", "AWS VPC id"),
    ("--amazonec2-subnet-id", "subnet_id", STR, "", "AWS_SUBNET_ID", "AWS VPC subnet id"),
    (
        "--amazonec2-open-port",
        "open_ports",
        MULTI,
        "",
        "",
        "Make the specified port number accessible from the Internet",
    ),
    ("--amazonec2-tags", "tags", PAIRS, "", "AWS_TAGS", "AWS Tags (e.g. key1,value1,key2,value2)"),
    (
        "--amazonec2-request-spot-instance",
        "request_spot_instance",
        BOOL,
        False,
        "",
        "Set this flag to request spot instance",
    ),
    ("--amazonec2-spot-price", "spot_price", STR, "", "", "AWS spot instance bid price (in dollar)"),
    (
        "--amazonec2-iam-instance-profile",
        "iam_instance_profile",
        STR,
        "",
        "AWS_INSTANCE_PROFILE",
        "AWS IAM Instance Profile",
    ),
    ("--amazonec2-monitoring", "monitoring", BOOL, False, "", "Set this flag to enable CloudWatch monitoring"),
    (
        "--amazonec2-use-private-address",
        "use_private_address",
        BOOL,
        False,
        "",
        "Force the usage of private IP address",
    ),
    ("--amazonec2-userdata", "user_data", STR, "", "AWS_USERDATA", "path to file with cloud-init user data"),
    ("--amazonec2-ssh-user", "ssh_user", STR, "ubuntu", "AWS_SSH_USER", "Set the name of the ssh user"),
)

"""docker-machine's create flags per driver, as data: ``create --help`` must not import the cloud SDKs.

Each flag: (flag, driver option, type, default shown in help, environment variable, help). The
defaults themselves live in the drivers (components/drivers); a flag left out is not passed.
"""

from __future__ import annotations

import os
from typing import Any

import click

INT, STR, BOOL, MULTI = "int", "str", "bool", "multi"

DRIVER_FLAGS: dict[str, list[tuple[str, str, str, Any, str, str]]] = {
    "virtualbox": [
        ("--virtualbox-memory", "memory", INT, 1024, "VIRTUALBOX_MEMORY_SIZE", "Size of memory for host in MB"),
        ("--virtualbox-cpu-count", "cpu_count", INT, 1, "VIRTUALBOX_CPU_COUNT", "number of CPUs for the machine"),
        ("--virtualbox-disk-size", "disk_size", INT, 20000, "VIRTUALBOX_DISK_SIZE", "Size of disk for host in MB"),
        ("--virtualbox-boot2docker-url", "boot2docker_url", STR, "", "VIRTUALBOX_BOOT2DOCKER_URL",
         "The URL of the legacy boot2docker ISO (instead of the Ubuntu cloud image)"),
        ("--virtualbox-image-url", "image_url", STR, "Ubuntu 24.04 cloud image", "VIRTUALBOX_IMAGE_URL",
         "The URL of the VMDK base image (its SHA256SUMS beside it)"),
        ("--virtualbox-hostonly-cidr", "hostonly_cidr", STR, "192.168.56.1/24", "VIRTUALBOX_HOSTONLY_CIDR",
         "Specify the Host Only CIDR"),
        ("--virtualbox-nat-nictype", "nat_nictype", STR, "82540EM", "VIRTUALBOX_NAT_NICTYPE",
         "Specify the Network Adapter Type"),
        ("--virtualbox-hostonly-nictype", "hostonly_nictype", STR, "82540EM", "VIRTUALBOX_HOSTONLY_NIC_TYPE",
         "Specify the Host Only Network Adapter Type"),
    ],
    "digitalocean": [
        ("--digitalocean-access-token", "access_token", STR, "", "DIGITALOCEAN_ACCESS_TOKEN", "Digital Ocean access token"),
        ("--digitalocean-region", "region", STR, "nyc3", "DIGITALOCEAN_REGION", "Digital Ocean region"),
        ("--digitalocean-size", "size", STR, "s-1vcpu-1gb", "DIGITALOCEAN_SIZE", "Digital Ocean size"),
        ("--digitalocean-image", "image", STR, "ubuntu-24-04-x64", "DIGITALOCEAN_IMAGE", "Digital Ocean Image"),
        ("--digitalocean-ssh-user", "ssh_user", STR, "root", "DIGITALOCEAN_SSH_USER", "SSH username"),
        ("--digitalocean-ssh-port", "ssh_port", INT, 22, "DIGITALOCEAN_SSH_PORT", "SSH port"),
        ("--digitalocean-ipv6", "ipv6", BOOL, False, "DIGITALOCEAN_IPV6", "enable ipv6 for droplet"),
        ("--digitalocean-private-networking", "private_networking", BOOL, False, "DIGITALOCEAN_PRIVATE_NETWORKING",
         "enable private networking for droplet"),
        ("--digitalocean-backups", "backups", BOOL, False, "DIGITALOCEAN_BACKUPS", "enable backups for droplet"),
        ("--digitalocean-monitoring", "monitoring", BOOL, False, "DIGITALOCEAN_MONITORING", "enable monitoring for droplet"),
        ("--digitalocean-tags", "tags", STR, "", "DIGITALOCEAN_TAGS", "comma-separated list of tags to apply to the Droplet"),
        ("--digitalocean-userdata", "user_data", STR, "", "DIGITALOCEAN_USERDATA", "path to file with cloud-init user-data"),
    ],
    "amazonec2": [
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
        ("--amazonec2-open-port", "open_ports", MULTI, "", "", "Make the specified port number accessible from the Internet"),
        ("--amazonec2-tags", "tags", STR, "", "AWS_TAGS", "AWS Tags (e.g. key1,value1,key2,value2)"),
        ("--amazonec2-request-spot-instance", "request_spot_instance", BOOL, False, "", "Set this flag to request spot instance"),
        ("--amazonec2-spot-price", "spot_price", STR, "", "", "AWS spot instance bid price (in dollar)"),
        ("--amazonec2-iam-instance-profile", "iam_instance_profile", STR, "", "AWS_INSTANCE_PROFILE", "AWS IAM Instance Profile"),
        ("--amazonec2-monitoring", "monitoring", BOOL, False, "", "Set this flag to enable CloudWatch monitoring"),
        ("--amazonec2-use-private-address", "use_private_address", BOOL, False, "", "Force the usage of private IP address"),
        ("--amazonec2-userdata", "user_data", STR, "", "AWS_USERDATA", "path to file with cloud-init user data"),
        ("--amazonec2-ssh-user", "ssh_user", STR, "ubuntu", "AWS_SSH_USER", "Set the name of the ssh user"),
    ],
    "qemu": [
        ("--qemu-memory", "memory", INT, 2048, "QEMU_MEMORY_SIZE", "Size of memory for host in MB"),
        ("--qemu-cpu-count", "cpu_count", INT, 1, "QEMU_CPU_COUNT", "number of CPUs for the machine"),
        ("--qemu-disk-size", "disk_size", INT, 20000, "QEMU_DISK_SIZE", "Size of disk for host in MB"),
        ("--qemu-image", "image", STR, "Ubuntu 24.04 cloud image", "QEMU_IMAGE",
         "URL or path of the qcow2 base image (a URL is cached, its SHA256SUMS beside it)"),
        ("--qemu-image-sha256", "image_sha256", STR, "", "QEMU_IMAGE_SHA256", "SHA256 the base image must have"),
        ("--qemu-kernel", "kernel", STR, "", "QEMU_KERNEL", "Kernel to boot directly (images without a boot loader)"),
        ("--qemu-initrd", "initrd", STR, "", "QEMU_INITRD", "Initrd for --qemu-kernel"),
        ("--qemu-append", "append", STR, "", "QEMU_APPEND", "Kernel command line for --qemu-kernel"),
        ("--qemu-accel", "accel", STR, "auto", "QEMU_ACCEL", "Accelerator: auto (KVM where /dev/kvm is usable), kvm or tcg"),
        ("--qemu-ssh-user", "ssh_user", STR, "docker", "QEMU_SSH_USER", "SSH user cloud-init creates"),
        ("--qemu-boot-timeout", "boot_timeout", INT, 900, "QEMU_BOOT_TIMEOUT", "Seconds to wait for SSH after boot"),
    ],
    "generic": [
        ("--generic-ip-address", "ip_address", STR, "", "GENERIC_IP_ADDRESS", "IP Address of machine"),
        ("--generic-ssh-user", "ssh_user", STR, "root", "GENERIC_SSH_USER", "SSH user"),
        ("--generic-ssh-key", "ssh_key", STR, "~/.ssh/id_rsa", "GENERIC_SSH_KEY", "SSH private key path"),
        ("--generic-ssh-port", "ssh_port", INT, 22, "GENERIC_SSH_PORT", "SSH port"),
        ("--generic-engine-port", "engine_port", INT, 2376, "GENERIC_ENGINE_PORT", "Docker engine port"),
    ],
}


# The optional clouds' flags, each in its own module (their SDKs are extras: pulumi-docker-machine[google]...).
from .flags_azure import FLAGS as AZURE_FLAGS  # noqa: E402
from .flags_google import FLAGS as GOOGLE_FLAGS  # noqa: E402
from .flags_openstack import FLAGS as OPENSTACK_FLAGS  # noqa: E402

DRIVER_FLAGS.update({"azure": AZURE_FLAGS, "google": GOOGLE_FLAGS, "openstack": OPENSTACK_FLAGS})


def driver_options(driver: str) -> list[click.Option]:
    options = []
    for flag, dest, kind, default, env, help_text in DRIVER_FLAGS.get(driver, []):
        shown = f" [default: {default}]" if default not in ("", False) else ""
        common: dict[str, Any] = {"envvar": env or None, "help": help_text + shown, "show_envvar": bool(env)}
        if kind == BOOL:
            options.append(click.Option([flag, f"driver_{dest}"], is_flag=True, default=None, **common))
        elif kind == MULTI:
            options.append(click.Option([flag, f"driver_{dest}"], multiple=True, **common))
        else:
            options.append(click.Option([flag, f"driver_{dest}"], type=int if kind == INT else str, default=None,
                                        **common))
    return options


def read_user_data(path: str, limit: int) -> str:
    """The user-data file's text, read no further than the cloud's limit (a FIFO or /dev/zero ends here)."""
    hint = "user data"
    if not os.path.isfile(path):
        raise click.BadParameter(f"{path} is not a regular file: give the path of a cloud-init user-data file",
                                 param_hint=hint)
    try:
        with open(path, "rb") as handle:
            data = handle.read(limit + 1)
    except OSError as err:
        raise click.BadParameter(f"cannot read {path}: {err.strerror}", param_hint=hint) from None
    if len(data) > limit:
        raise click.BadParameter(f"{path} is larger than the {limit} bytes this cloud takes", param_hint=hint)
    try:
        return data.decode()
    except UnicodeDecodeError:
        raise click.BadParameter(f"{path} is not UTF-8 text", param_hint=hint) from None


def to_driver_options(driver: str, values: dict[str, Any]) -> dict[str, Any]:
    """The flags the user gave (or their environment variables set), as the driver's arguments."""
    options: dict[str, Any] = {}
    for flag, dest, kind, _default, _env, _help in DRIVER_FLAGS.get(driver, []):
        value = values.get(f"driver_{dest}")
        if value in (None, ()):
            continue
        if value == "":  # given, but empty: the driver's default would silently stand in for it
            raise click.BadParameter("is empty: give a value, or leave the flag out for the default",
                                     param_hint=flag)
        if dest == "tags" and driver == "digitalocean":
            value = [t.strip() for t in value.split(",") if t.strip()]
        elif dest == "tags" and driver == "amazonec2":
            parts = [p.strip() for p in value.split(",")]
            if len(parts) % 2:
                raise click.BadParameter("give key,value pairs: key1,value1,key2,value2", param_hint="--amazonec2-tags")
            value = dict(zip(parts[0::2], parts[1::2], strict=True))
        elif dest == "user_data":
            from pulumi_docker_machine.components.drivers import driver_class  # the cloud SDK: at create only, never for --help

            options["user_data_file"] = value
            value = read_user_data(value, driver_class(driver).user_data_limit)
        elif kind == MULTI:
            value = list(value)
        options[dest] = value
    return options

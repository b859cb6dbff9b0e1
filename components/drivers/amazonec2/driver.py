"""AWS EC2: a key pair, a security group with one rule per port, and an instance (pulumi-aws)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, ClassVar, Mapping, Optional, Sequence

import pulumi

from ..base import Driver, DriverArgumentError, MachineHost, check_cidrs, child_opts, secret_field
from ..userkey import read_private_key

CANONICAL_OWNER_ID = "099720109477"
UBUNTU_2404_AMI_NAME = "ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-{arch}-server-*"
_REGION = re.compile(r"^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d$")
_INSTANCE_TYPE = re.compile(r"^[a-z][a-z0-9-]*\.[a-z0-9]+$")
_OPEN_PORT = re.compile(r"^(\d{1,5})(?:/(tcp|udp))?$")
_GROUP_NAME = re.compile(r"^[A-Za-z0-9 ._\-:/()#,@\[\]+=&;{}!$*]{1,255}$")  # EC2's characters for a group name
_KEY_NAME = re.compile(r"^[\x20-\x7e]{1,255}$")  # EC2 key pair names: printable ASCII
_DEVICE = re.compile(r"^/dev/(sd[a-z][0-9]*|xvd[a-z]{1,2})$")
_ENDPOINT = re.compile(r"^(https?://)?[A-Za-z0-9.-]+(:\d{1,5})?(/[^\s]*)?$")
DEFAULT_DEVICE = "/dev/sda1"  # docker-machine's default, the root device of Canonical's AMIs


SDK_MISSING = "the amazonec2 driver needs its SDK: pip install 'pulumi-docker-machine[aws]'"


def aws_sdk() -> Any:
    """pulumi_aws, imported when resources are made (the store and the settings read this dataclass's fields
    without paying for the SDK), or the one-line error naming the extra to install."""
    try:
        import pulumi_aws
    except ImportError:
        raise DriverArgumentError(SDK_MISSING) from None
    return pulumi_aws


def _flatten(groups: list) -> list:
    """The machine's own group's ID and the named groups' IDs (a list) as one list."""
    return [i for g in groups for i in (g if isinstance(g, list) else [g])]


def is_arm_instance_type(instance_type: str) -> bool:
    """Graviton families carry a 'g' after the generation digit: t4g, m7gd, c7gn, x2gd, g5g."""
    family = instance_type.split(".", 1)[0]
    match = re.match(r"^[a-z]+\d+([a-z-]*)$", family)
    return bool(match and "g" in match.group(1))


@dataclass(frozen=True)
class AmazonEC2Driver(Driver):
    name: ClassVar[str] = "amazonec2"

    access_key: Optional[pulumi.Input[str]] = secret_field()
    secret_key: Optional[pulumi.Input[str]] = secret_field()
    session_token: Optional[pulumi.Input[str]] = secret_field()
    region: Optional[str] = None  # the aws:region config / AWS_REGION when not given
    ami: Optional[str] = None  # the newest Ubuntu 24.04 from Canonical when not given
    instance_type: str = "t3.micro"
    zone: Optional[str] = None  # "a" (docker-machine style) or a full zone name
    root_size: int = 16
    volume_type: str = "gp3"
    vpc_id: Optional[str] = None
    subnet_id: Optional[str] = None
    open_ports: Sequence[str] = ()  # "8080" or "53/udp"
    tags: Mapping[str, str] = field(default_factory=dict)
    request_spot_instance: bool = False
    spot_price: Optional[str] = None
    iam_instance_profile: Optional[str] = None
    monitoring: bool = False
    # cloud-init user data: the file's contents, a secret (it may hold credentials); the path is kept
    # for display as docker-machine's UserDataFile. EC2 takes at most 16 * 1024 bytes.
    user_data: Optional[pulumi.Input[str]] = secret_field()
    user_data_file: Optional[str] = None
    user_data_limit: ClassVar[int] = 16 * 1024
    use_private_address: bool = False
    ssh_user: str = "ubuntu"
    ssh_port: int = 22
    source_ranges: Sequence[str] = ("0.0.0.0/0",)
    security_groups: Sequence[str] = ()  # existing groups, by name, the instance joins
    security_group_readonly: bool = False  # only those: no group (and no rules) of the machine's own
    keypair_name: Optional[str] = None  # an existing EC2 key pair, whose private key is ssh_keypath
    ssh_keypath: Optional[str] = None  # the user's private key as the machine's key
    private_address_only: bool = False
    retries: Optional[int] = None  # the provider's max_retries (-1: none); None: the provider's own
    endpoint: Optional[str] = None
    insecure_transport: bool = False
    device_name: str = DEFAULT_DEVICE
    use_ebs_optimized_instance: bool = False
    block_duration_minutes: int = 0

    @property
    def uses_generated_key(self) -> bool:  # type: ignore[override]
        return self.ssh_keypath is None

    def validate(self, machine_name: str) -> None:
        aws_sdk()
        if self.region is not None and not _REGION.match(self.region):
            raise DriverArgumentError(f"amazonec2 region {self.region!r} is not a region name such as us-east-1")
        if not _INSTANCE_TYPE.match(self.instance_type):
            raise DriverArgumentError(
                f"amazonec2 instance type {self.instance_type!r} is not an instance type such as t3.micro"
            )
        if self.ami is not None and not re.match(r"^ami-[0-9a-f]{8,17}$", self.ami):
            raise DriverArgumentError(f"amazonec2 ami {self.ami!r} is not an AMI id such as ami-0123456789abcdef0")
        if self.zone is not None and not re.match(r"^([a-z]|[a-z]{2}(-gov)?-[a-z]+-\d[a-z])$", self.zone):
            raise DriverArgumentError(f"amazonec2 zone {self.zone!r} is not a zone letter (a) or name (us-east-1a)")
        if isinstance(self.root_size, bool) or not isinstance(self.root_size, int) or not 8 <= self.root_size <= 65536:
            raise DriverArgumentError(
                f"amazonec2 root size {self.root_size!r} is not a whole number of GiB from 8 to 65536 (EBS's limit)"
            )
        for key, value in dict(self.tags).items():
            if not isinstance(key, str) or not key.strip() or not isinstance(value, str):
                raise DriverArgumentError(
                    f"amazonec2 tag {key!r}={value!r}: a tag needs a non-empty key and a text value"
                )
        if self.volume_type not in ("gp2", "gp3", "io1", "io2", "st1", "sc1", "standard"):
            raise DriverArgumentError(
                f"amazonec2 volume type {self.volume_type!r} is not an EBS volume type such as gp3"
            )
        for port in self.open_ports:
            match = _OPEN_PORT.match(str(port))
            if not match or not 1 <= int(match.group(1)) <= 65535:
                raise DriverArgumentError(f"amazonec2 open port {port!r} must look like 8080 or 53/udp")
        if (self.access_key is None) != (self.secret_key is None):
            raise DriverArgumentError(
                "amazonec2 needs both access_key and secret_key, or neither (to use the AWS environment)"
            )
        if self.spot_price is not None and not self.request_spot_instance:
            raise DriverArgumentError("amazonec2 spot_price needs request_spot_instance")
        check_cidrs(self.source_ranges, "amazonec2 source range")
        if isinstance(self.user_data, str) and len(self.user_data.encode()) > self.user_data_limit:
            raise DriverArgumentError(f"amazonec2 user data is larger than the {self.user_data_limit} bytes it takes")
        self._validate_0_16_flags()

    def _validate_0_16_flags(self) -> None:
        """The flags docker-machine 0.16.2 had beyond the first ones, with its own refusals where it had them."""
        for group in self.security_groups:
            if not isinstance(group, str) or not _GROUP_NAME.fullmatch(group):
                raise DriverArgumentError(f"amazonec2 security group {group!r} is not a security group name")
        if self.security_group_readonly and not self.security_groups:
            raise DriverArgumentError(
                "--amazonec2-security-group-readonly needs --amazonec2-security-group: the existing groups that "
                "let SSH and the Docker port in (without them the instance would have no group that does)"
            )
        if self.keypair_name is not None and not _KEY_NAME.fullmatch(self.keypair_name):
            raise DriverArgumentError(f"amazonec2 keypair name {self.keypair_name!r} is not a key pair name")
        if self.keypair_name is not None and self.ssh_keypath is None:
            raise DriverArgumentError("using --amazonec2-keypair-name also requires --amazonec2-ssh-keypath")
        if self.ssh_keypath is not None:
            read_private_key(self.ssh_keypath, "--amazonec2-ssh-keypath")
        if self.retries is not None and (isinstance(self.retries, bool) or not -1 <= int(self.retries) <= 100):
            raise DriverArgumentError(f"amazonec2 retries {self.retries!r} is not a count from -1 (none) to 100")
        if self.endpoint is not None and not _ENDPOINT.fullmatch(self.endpoint):
            raise DriverArgumentError(f"amazonec2 endpoint {self.endpoint!r} is neither a host name nor an http(s) URL")
        if self.insecure_transport and self.endpoint is None:
            raise DriverArgumentError("using --amazonec2-insecure-transport also requires --amazonec2-endpoint")
        if not _DEVICE.fullmatch(self.device_name):
            raise DriverArgumentError(
                f"amazonec2 device name {self.device_name!r} is not a block device name such as /dev/sda1"
            )
        if self.block_duration_minutes:
            raise DriverArgumentError(
                "--amazonec2-block-duration-minutes: AWS retired Spot blocks (defined-duration Spot Instances: "
                "none for new customers since July 1, 2021, none at all after December 31, 2022); leave it out"
            )

    def _endpoint_url(self) -> Optional[str]:
        """The EC2 endpoint as the AWS SDK took it: a bare host name gets https://, http:// when insecure."""
        if self.endpoint is None or "://" in self.endpoint:
            return self.endpoint
        return f"{'http' if self.insecure_transport else 'https'}://{self.endpoint}"

    def _needs_provider(self) -> bool:
        return self.access_key is not None or self.endpoint is not None or self.retries is not None

    def _availability_zone(self) -> Optional[str]:
        if self.zone is None or len(self.zone) > 1:
            return self.zone
        region = self.region or aws_sdk().config.region
        return f"{region}{self.zone}" if region else None

    def _ports(self, engine_port: int) -> list[tuple[int, str]]:
        ports = [(int(self.ssh_port), "tcp"), (engine_port, "tcp")]
        for item in self.open_ports:
            number, _, protocol = str(item).partition("/")
            ports.append((int(number), protocol or "tcp"))
        return list(dict.fromkeys(ports))

    def create_host(self, machine_name, public_key, engine_port, parent, power="running", force=False) -> MachineHost:
        aws = aws_sdk()
        provider = None
        if self._needs_provider():
            secret = pulumi.Output.secret
            provider = aws.Provider(
                f"{machine_name}-aws",
                region=self.region,
                access_key=secret(self.access_key) if self.access_key is not None else None,
                secret_key=secret(self.secret_key) if self.secret_key is not None else None,
                token=secret(self.session_token) if self.session_token is not None else None,
                max_retries=None if self.retries is None else max(int(self.retries), 0),
                endpoints=[aws.ProviderEndpointArgs(ec2=self._endpoint_url())] if self.endpoint is not None else None,
                opts=child_opts(parent),
            )
        opts = child_opts(parent, provider)
        region = self.region
        private_key: Optional[str] = None
        if self.ssh_keypath is not None:
            private_key, public_key = read_private_key(self.ssh_keypath, "--amazonec2-ssh-keypath")
        key_name: pulumi.Input[str]
        if self.keypair_name is not None:
            key_name = self.keypair_name  # the user's key pair, already in EC2: not ours to import or delete
        else:
            key_name = aws.ec2.KeyPair(
                f"{machine_name}-key",
                key_name_prefix=f"docker-machine-{machine_name}-",
                public_key=public_key,
                region=region,
                opts=opts,
            ).key_name
        group_ids: list[pulumi.Input[Any]] = (
            [self._named_groups(aws, region, parent, provider)] if self.security_groups else []
        )
        rules: list[pulumi.Resource] = []
        if not self.security_group_readonly:
            group_id, rules = self._own_group(aws, machine_name, engine_port, region, opts)
            group_ids.insert(0, group_id)
        ami = self._ami(aws, region, parent, provider)
        market = None
        if self.request_spot_instance:
            market = aws.ec2.InstanceInstanceMarketOptionsArgs(
                market_type="spot",
                spot_options=aws.ec2.InstanceInstanceMarketOptionsSpotOptionsArgs(max_price=self.spot_price),
            )
        root_size, extra_volumes = self._disks(aws, ami, region, parent, provider)
        instance = aws.ec2.Instance(
            machine_name,
            ami=ami,
            instance_type=self.instance_type,
            key_name=key_name,
            vpc_security_group_ids=pulumi.Output.all(*group_ids).apply(_flatten),
            subnet_id=self.subnet_id,
            availability_zone=self._availability_zone(),
            associate_public_ip_address=False if self.private_address_only else None,
            root_block_device=aws.ec2.InstanceRootBlockDeviceArgs(
                volume_size=root_size,
                volume_type=self.volume_type,
                encrypted=True,
                delete_on_termination=True,
            ),
            ebs_block_devices=extra_volumes,
            ebs_optimized=True if self.use_ebs_optimized_instance else None,
            metadata_options=aws.ec2.InstanceMetadataOptionsArgs(http_endpoint="enabled", http_tokens="required"),
            instance_market_options=market,
            iam_instance_profile=self.iam_instance_profile,
            monitoring=self.monitoring,
            user_data=pulumi.Output.secret(self.user_data) if self.user_data is not None else None,
            tags={"Name": machine_name, **dict(self.tags)},
            region=region,
            opts=opts,
        )
        # The wanted power state: aws_ec2_instance_state (filed under ec2transitgateway in the SDK).
        state = aws.ec2transitgateway.InstanceState(
            f"{machine_name}-power", instance_id=instance.id, state=power, force=force, region=region, opts=opts
        )
        # A stopped and started instance gets a new public IP: read it live, after the power change.
        live = aws.ec2.get_instance_output(
            instance_id=state.instance_id,
            region=region,
            opts=pulumi.InvokeOutputOptions(parent=parent, provider=provider),
        )
        private = self.use_private_address or self.private_address_only
        return MachineHost(
            address=live.private_ip if private else live.public_ip,
            ssh_user=self.ssh_user,
            ssh_port=int(self.ssh_port),
            private_key=None if private_key is None else pulumi.Output.secret(private_key),
            depends_on=rules,
            private_address=live.private_ip,
            vm=instance,
            provider=provider,
        )

    def _named_groups(self, aws: Any, region: Optional[str], parent: Any, provider: Any) -> pulumi.Output[list]:
        """The IDs of the existing groups named by --amazonec2-security-group (in the VPC, when given); one that
        is not there fails the update naming it (docker-machine made it: here a group you name is one you own)."""
        filters = [aws.ec2.GetSecurityGroupsFilterArgs(name="group-name", values=list(self.security_groups))]
        if self.vpc_id:
            filters.append(aws.ec2.GetSecurityGroupsFilterArgs(name="vpc-id", values=[self.vpc_id]))
        found = aws.ec2.get_security_groups_output(
            filters=filters, region=region, opts=pulumi.InvokeOutputOptions(parent=parent, provider=provider)
        )
        wanted = len(set(self.security_groups))

        def ids(result: Any) -> list:
            if len(result.ids) < wanted:
                raise DriverArgumentError(
                    f"amazonec2 security groups {', '.join(self.security_groups)}: {len(result.ids)} of {wanted} "
                    f"exist{' in ' + self.vpc_id if self.vpc_id else ''}: create them first, or leave "
                    "--amazonec2-security-group out"
                )
            return list(result.ids)

        return found.apply(ids)

    def _ami(self, aws: Any, region: Optional[str], parent: Any, provider: Any) -> pulumi.Input[str]:
        if self.ami:
            return self.ami
        return aws.ec2.get_ami_output(
            most_recent=True,
            owners=[CANONICAL_OWNER_ID],
            filters=[
                aws.ec2.GetAmiFilterArgs(
                    name="name",
                    values=[
                        UBUNTU_2404_AMI_NAME.format(
                            arch="arm64" if is_arm_instance_type(self.instance_type) else "amd64"
                        )
                    ],
                ),
                aws.ec2.GetAmiFilterArgs(name="virtualization-type", values=["hvm"]),
            ],
            region=region,
            opts=pulumi.InvokeOutputOptions(parent=parent, provider=provider),
        ).id

    def _disks(self, aws: Any, ami: Any, region: Optional[str], parent: Any, provider: Any) -> tuple[Any, Any]:
        """(the root disk's size, the extra volumes): docker-machine mapped --amazonec2-device-name with the root
        size and type; on the image's root device that sizes the root disk, on another name it adds a volume."""
        if self.device_name == DEFAULT_DEVICE:
            return int(self.root_size), None
        root_device = aws.ec2.get_ami_output(
            filters=[aws.ec2.GetAmiFilterArgs(name="image-id", values=[ami])],
            region=region,
            opts=pulumi.InvokeOutputOptions(parent=parent, provider=provider),
        ).root_device_name
        extra = aws.ec2.InstanceEbsBlockDeviceArgs(
            device_name=self.device_name,
            volume_size=int(self.root_size),
            volume_type=self.volume_type,
            encrypted=True,
            delete_on_termination=True,
        )
        is_root = root_device.apply(lambda name: name == self.device_name)
        return (
            is_root.apply(lambda root: int(self.root_size) if root else None),
            is_root.apply(lambda root: None if root else [extra]),
        )

    def _own_group(
        self, aws: Any, machine_name: str, engine_port: int, region: Optional[str], opts: Any
    ) -> tuple[pulumi.Output[str], list[pulumi.Resource]]:
        """The machine's own security group and its rules: SSH, the Docker port and the open ports."""
        group = aws.ec2.SecurityGroup(
            f"{machine_name}-sg",
            name_prefix=f"docker-machine-{machine_name}-",
            description=f"docker-machine {machine_name}: SSH and the Docker TLS port",
            vpc_id=self.vpc_id,
            tags={"Name": f"docker-machine-{machine_name}"},
            region=region,
            opts=opts,
        )
        rules: list[pulumi.Resource] = []
        for port, protocol in self._ports(engine_port):
            for cidr in self.source_ranges:
                v6 = ":" in cidr
                rules.append(
                    aws.vpc.SecurityGroupIngressRule(
                        f"{machine_name}-in-{protocol}-{port}-{cidr.replace('/', '-').replace(':', '_')}",
                        security_group_id=group.id,
                        ip_protocol=protocol,
                        from_port=port,
                        to_port=port,
                        cidr_ipv4=None if v6 else cidr,
                        cidr_ipv6=cidr if v6 else None,
                        region=region,
                        opts=opts,
                    )
                )
        # The provider deletes AWS's default allow-all egress rule from a group it creates: put it back.
        rules.append(
            aws.vpc.SecurityGroupEgressRule(
                f"{machine_name}-out",
                security_group_id=group.id,
                ip_protocol="-1",
                cidr_ipv4="0.0.0.0/0",
                region=region,
                opts=opts,
            )
        )
        return group.id, rules

    def cluster_firewall(self, cluster, members, others, ports, parent) -> list[pulumi.Resource]:
        """A security group whose rules reference itself (only its members), attached to each member's
        primary network interface beside the machine's own group; other drivers' members by address."""
        aws = aws_sdk()
        opts = child_opts(parent, members[0].host.provider)
        group = aws.ec2.SecurityGroup(
            f"{cluster}-swarm-sg",
            name_prefix=f"docker-swarm-{cluster}-",
            description=f"docker swarm {cluster}: swarm traffic between its own nodes only",
            vpc_id=self.vpc_id,
            tags={"Name": f"docker-swarm-{cluster}"},
            region=self.region,
            opts=opts,
        )
        made: list[pulumi.Resource] = [group]
        for protocol, port in ports:
            made.append(
                aws.vpc.SecurityGroupIngressRule(
                    f"{cluster}-swarm-{protocol}-{port}",
                    security_group_id=group.id,
                    ip_protocol=protocol,
                    from_port=port,
                    to_port=port,
                    referenced_security_group_id=group.id,
                    region=self.region,
                    opts=opts,
                )
            )
            for i, address in enumerate(others):
                made.append(
                    aws.vpc.SecurityGroupIngressRule(
                        f"{cluster}-swarm-{protocol}-{port}-other-{i}",
                        security_group_id=group.id,
                        ip_protocol=protocol,
                        from_port=port,
                        to_port=port,
                        cidr_ipv4=address.apply(lambda c: None if ":" in c else c),
                        cidr_ipv6=address.apply(lambda c: c if ":" in c else None),
                        region=self.region,
                        opts=opts,
                    )
                )
        for member in members:
            made.append(
                aws.ec2.NetworkInterfaceSecurityGroupAttachment(
                    f"{member.name}-swarm-sg",
                    security_group_id=group.id,
                    network_interface_id=member.host.vm.primary_network_interface_id,
                    opts=opts,
                )
            )
        return made

"""AWS EC2: a key pair, a security group with one rule per port, and an instance (pulumi-aws)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, ClassVar, Mapping, Optional, Sequence

import pulumi

from ..base import Driver, DriverArgumentError, MachineHost, check_cidrs, child_opts, secret_field

CANONICAL_OWNER_ID = "099720109477"
UBUNTU_2404_AMI_NAME = "ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-{arch}-server-*"
_REGION = re.compile(r"^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d$")
_INSTANCE_TYPE = re.compile(r"^[a-z][a-z0-9-]*\.[a-z0-9]+$")
_OPEN_PORT = re.compile(r"^(\d{1,5})(?:/(tcp|udp))?$")


SDK_MISSING = "the amazonec2 driver needs its SDK: pip install 'pulumi-docker-machine[aws]'"


def aws_sdk() -> Any:
    """pulumi_aws, imported when resources are made (the store and the settings read this dataclass's fields
    without paying for the SDK), or the one-line error naming the extra to install."""
    try:
        import pulumi_aws
    except ImportError:
        raise DriverArgumentError(SDK_MISSING) from None
    return pulumi_aws


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
        if self.access_key is not None:
            provider = aws.Provider(
                f"{machine_name}-aws",
                region=self.region,
                access_key=pulumi.Output.secret(self.access_key),
                secret_key=pulumi.Output.secret(self.secret_key),
                token=pulumi.Output.secret(self.session_token) if self.session_token is not None else None,
                opts=child_opts(parent),
            )
        opts = child_opts(parent, provider)
        region = self.region
        key_pair = aws.ec2.KeyPair(
            f"{machine_name}-key",
            key_name_prefix=f"docker-machine-{machine_name}-",
            public_key=public_key,
            region=region,
            opts=opts,
        )
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
        ami = (
            self.ami
            or aws.ec2.get_ami_output(
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
        )
        market = None
        if self.request_spot_instance:
            market = aws.ec2.InstanceInstanceMarketOptionsArgs(
                market_type="spot",
                spot_options=aws.ec2.InstanceInstanceMarketOptionsSpotOptionsArgs(max_price=self.spot_price),
            )
        instance = aws.ec2.Instance(
            machine_name,
            ami=ami,
            instance_type=self.instance_type,
            key_name=key_pair.key_name,
            vpc_security_group_ids=[group.id],
            subnet_id=self.subnet_id,
            availability_zone=self._availability_zone(),
            root_block_device=aws.ec2.InstanceRootBlockDeviceArgs(
                volume_size=int(self.root_size),
                volume_type=self.volume_type,
                encrypted=True,
                delete_on_termination=True,
            ),
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
        return MachineHost(
            address=live.private_ip if self.use_private_address else live.public_ip,
            ssh_user=self.ssh_user,
            ssh_port=int(self.ssh_port),
            depends_on=rules,
            private_address=live.private_ip,
            vm=instance,
            provider=provider,
        )

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

"""docker-machine 0.16.2's amazonec2 flags beyond the first ones (drivers/amazonec2/amazonec2.go), each given to
``create`` and followed into the resources the machine registers under mocks; and GitLab Runner's documented
``MachineOptions`` for amazonec2, passed as GitLab Runner passes them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pulumi_docker_machine.components.ssh import generate_ssh_key
from tests.test_driver_flags_helpers import SECURITY_GROUP_IDS, FlagMocks, build, create, refused

FIXTURE = Path(__file__).parent / "fixtures" / "gitlab-runner" / "amazonec2-machine-options.json"
INSTANCE = "aws:ec2/instance:Instance"
GROUP = "aws:ec2/securityGroup:SecurityGroup"
RULE = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
KEY_PAIR = "aws:ec2/keyPair:KeyPair"
PROVIDER = "pulumi:providers:aws"
OWN_GROUP_ID = "sg-0123456789abcdef0"  # what the suite's mocks give a group the machine makes
EC2 = ("-d", "amazonec2", "--amazonec2-region", "eu-west-1")


@pytest.fixture(autouse=True)
def no_aws_environment(monkeypatch):
    for name in ("AWS_SECURITY_GROUP", "AWS_SSH_PORT", "AWS_ENDPOINT", "AWS_KEYPAIR_NAME", "AWS_SSH_KEYPATH"):
        monkeypatch.delenv(name, raising=False)


def instance(mocks) -> dict:
    return mocks.one(INSTANCE).inputs


def test_gitlab_runner_machine_options_make_a_machine(monkeypatch, tmp_path):
    """GitLab Runner runs ``docker-machine create --driver amazonec2 NAME --OPTION...`` for each MachineOptions
    entry (a bool one as ``--flag=true``, Go's flag syntax)."""
    options = json.loads(FIXTURE.read_text())
    created = create(monkeypatch, tmp_path, "--driver", "amazonec2", "runner-abc-1", *(f"--{o}" for o in options))
    assert created.spec.driver_options == {
        "access_key": "XXXX",
        "secret_key": "XXXX",
        "region": "eu-central-1",
        "vpc_id": "vpc-xxxxx",
        "subnet_id": "subnet-xxxxx",
        "zone": "x",
        "use_private_address": True,
        "tags": {"runner-manager-name": "gitlab-aws-autoscaler", "gitlab": "true", "gitlab-runner-autoscale": "true"},
        "security_groups": ["xxxxx"],
        "instance_type": "m4.2xlarge",
    }
    mocks = build(created)
    made = instance(mocks)
    assert made["instanceType"] == "m4.2xlarge" and made["subnetId"] == "subnet-xxxxx"
    assert made["availabilityZone"] == "eu-central-1x", "docker-machine's zone letter after the region"
    assert made["tags"] == {
        "Name": "runner-abc-1",
        "runner-manager-name": "gitlab-aws-autoscaler",
        "gitlab": "true",
        "gitlab-runner-autoscale": "true",
    }
    assert made["vpcSecurityGroupIds"] == [OWN_GROUP_ID, SECURITY_GROUP_IDS["xxxxx"]], "its own group and the named"
    lookup = next(args for token, args in mocks.calls if token == "aws:ec2/getSecurityGroups:getSecurityGroups")
    assert lookup["filters"] == [
        {"name": "group-name", "values": ["xxxxx"]},
        {"name": "vpc-id", "values": ["vpc-xxxxx"]},
    ], "looked up by name in the runner's VPC"
    assert mocks.outputs["ip"][0] == mocks.private_address, "amazonec2-use-private-address"
    provider = mocks.one(PROVIDER).inputs
    assert provider["region"] == "eu-central-1" and provider["accessKey"] == "XXXX"


def test_a_bool_flag_takes_go_flag_values(monkeypatch, tmp_path):
    given = create(monkeypatch, tmp_path, *EC2, "--amazonec2-monitoring=false", "--amazonec2-use-private-address", "m")
    assert given.spec.driver_options.get("monitoring") in (None, False)
    assert given.spec.driver_options["use_private_address"] is True


def test_security_group_readonly_joins_only_the_named_groups(monkeypatch, tmp_path):
    created = create(
        monkeypatch,
        tmp_path,
        *EC2,
        "--amazonec2-security-group",
        "xxxxx",
        "--amazonec2-security-group",
        "shared",
        "--amazonec2-security-group-readonly",
        "m",
    )
    mocks = build(created)
    assert instance(mocks)["vpcSecurityGroupIds"] == [SECURITY_GROUP_IDS["xxxxx"], SECURITY_GROUP_IDS["shared"]]
    assert not mocks.of_type(GROUP) and not mocks.of_type(RULE), "no group or rule of the machine's own"


def test_security_group_from_its_environment_variable(monkeypatch, tmp_path):
    created = create(monkeypatch, tmp_path, *EC2, "m", env={"AWS_SECURITY_GROUP": "shared"})
    assert created.spec.driver_options["security_groups"] == ["shared"]


def test_slice_flags_from_the_environment_are_comma_separated_as_in_codegangsta(monkeypatch, tmp_path):
    env = {"AWS_SECURITY_GROUP": "shared, xxxxx", "ENGINE_REGISTRY_MIRROR": "https://m1.example,https://m2.example"}
    created = create(monkeypatch, tmp_path, *EC2, "m", env=env)
    assert created.spec.driver_options["security_groups"] == ["shared", "xxxxx"]
    assert created.spec.engine["registry_mirrors"] == ["https://m1.example", "https://m2.example"]


def test_readonly_without_a_group_is_refused(monkeypatch, tmp_path):
    line = refused(monkeypatch, tmp_path, *EC2, "--amazonec2-security-group-readonly", "m")
    assert "--amazonec2-security-group-readonly needs --amazonec2-security-group" in line


def test_a_named_group_that_does_not_exist_fails_naming_it(monkeypatch, tmp_path):
    created = create(monkeypatch, tmp_path, *EC2, "--amazonec2-security-group", "nosuch", "m")
    with pytest.raises(Exception, match="amazonec2 security groups nosuch: 0 of 1 exist: create them first"):
        build(created)


@pytest.fixture
def user_key(tmp_path):
    pair = generate_ssh_key()
    path = tmp_path / "id_ed25519"
    pair.save(path)
    return path, pair


def test_ssh_keypath_is_the_machines_key_and_its_public_half_imported(monkeypatch, tmp_path, user_key):
    path, pair = user_key
    created = create(monkeypatch, tmp_path, *EC2, "m", env={"AWS_SSH_KEYPATH": str(path)})
    mocks = build(created)
    assert mocks.one(KEY_PAIR).inputs["publicKey"].split()[:2] == pair.public_key.split()[:2]
    assert mocks.outputs["ssh_private_key"] == (pair.private_key, True), "the machine is reached with it (secret)"
    assert not mocks.of_type("pulumi-python:dynamic/docker-machine:SSHKey"), "no key generated"


def test_keypair_name_uses_the_existing_key_pair(monkeypatch, tmp_path, user_key):
    path, pair = user_key
    created = create(
        monkeypatch, tmp_path, *EC2, "--amazonec2-keypair-name", "ops", "--amazonec2-ssh-keypath", str(path), "m"
    )
    mocks = build(created)
    assert not mocks.of_type(KEY_PAIR), "the user's key pair is neither imported nor deleted"
    assert instance(mocks)["keyName"] == "ops"
    assert mocks.outputs["ssh_private_key"][0] == pair.private_key


def test_keypair_name_needs_ssh_keypath(monkeypatch, tmp_path):
    line = refused(monkeypatch, tmp_path, *EC2, "--amazonec2-keypair-name", "ops", "m")
    assert line.endswith("using --amazonec2-keypair-name also requires --amazonec2-ssh-keypath")


def test_ssh_keypath_must_be_a_private_key(monkeypatch, tmp_path, user_key):
    path, _ = user_key
    public = path.with_suffix(".pub")
    public.write_text("ssh-ed25519 AAAA\n")
    line = refused(monkeypatch, tmp_path, *EC2, "--amazonec2-ssh-keypath", str(public), "m")
    assert f"--amazonec2-ssh-keypath {public} is not an unencrypted private key" in line


def test_ssh_port(monkeypatch, tmp_path):
    mocks = build(create(monkeypatch, tmp_path, *EC2, "m", env={"AWS_SSH_PORT": "2222"}))
    ports = sorted(rule.inputs["fromPort"] for rule in mocks.of_type(RULE))
    assert ports == [2222, 2376]
    assert mocks.one("command:remote:Command").inputs["connection"]["port"] == 2222


def test_private_address_only(monkeypatch, tmp_path):
    mocks = build(create(monkeypatch, tmp_path, *EC2, "--amazonec2-private-address-only", "m"))
    assert instance(mocks)["associatePublicIpAddress"] is False
    assert mocks.outputs["ip"][0] == mocks.private_address


def test_retries_endpoint_and_insecure_transport_configure_the_provider(monkeypatch, tmp_path):
    args = ("--amazonec2-retries", "-1", "--amazonec2-endpoint", "ec2.local:4566", "--amazonec2-insecure-transport")
    mocks = build(create(monkeypatch, tmp_path, *EC2, *args, "m"))
    provider = mocks.one(PROVIDER).inputs
    assert provider["maxRetries"] in (0, "0"), "-1: no retries"
    endpoints = provider["endpoints"]
    endpoints = json.loads(endpoints) if isinstance(endpoints, str) else endpoints
    assert endpoints == [{"ec2": "http://ec2.local:4566"}], "a bare host name, without SSL"
    https = build(create(monkeypatch, tmp_path, *EC2, "--amazonec2-endpoint", "ec2.local", "n"))
    assert "ec2.local" in str(https.one(PROVIDER).inputs["endpoints"]) and "https://ec2.local" in str(
        https.one(PROVIDER).inputs["endpoints"]
    )
    plain = build(create(monkeypatch, tmp_path, *EC2, "o"))
    assert not plain.of_type(PROVIDER), "without these flags (or keys) the default provider, as before"


def test_insecure_transport_needs_an_endpoint(monkeypatch, tmp_path):
    line = refused(monkeypatch, tmp_path, *EC2, "--amazonec2-insecure-transport", "m")
    assert line.endswith("using --amazonec2-insecure-transport also requires --amazonec2-endpoint")


def test_device_name_another_than_the_images_root_is_an_extra_volume(monkeypatch, tmp_path):
    mocks = build(
        create(monkeypatch, tmp_path, *EC2, "--amazonec2-device-name", "/dev/sdb", "--amazonec2-root-size", "40", "m")
    )
    made = instance(mocks)
    assert [(d["deviceName"], d["volumeSize"]) for d in made["ebsBlockDevices"]] == [("/dev/sdb", 40)]
    assert "volumeSize" not in made["rootBlockDevice"], "the image's root disk keeps its own size"


def test_device_name_of_the_images_root_sizes_the_root(monkeypatch, tmp_path):
    args = ("--amazonec2-ami", "ami-0123456789abcdef0", "--amazonec2-device-name", "/dev/xvda")
    mocks = build(
        create(monkeypatch, tmp_path, *EC2, *args, "--amazonec2-root-size", "40", "m"),
        FlagMocks(root_device="/dev/xvda"),
    )
    made = instance(mocks)
    assert made["rootBlockDevice"]["volumeSize"] == 40 and not made.get("ebsBlockDevices")
    default = instance(build(create(monkeypatch, tmp_path, *EC2, "--amazonec2-root-size", "40", "n")))
    assert default["rootBlockDevice"]["volumeSize"] == 40 and not default.get("ebsBlockDevices")


def test_use_ebs_optimized_instance(monkeypatch, tmp_path):
    assert instance(build(create(monkeypatch, tmp_path, *EC2, "--amazonec2-use-ebs-optimized-instance", "m")))[
        "ebsOptimized"
    ]


def test_block_duration_minutes_is_refused_but_zero(monkeypatch, tmp_path):
    line = refused(monkeypatch, tmp_path, *EC2, "--amazonec2-block-duration-minutes", "60", "m")
    assert "AWS retired Spot blocks" in line and "December 31, 2022" in line
    assert create(monkeypatch, tmp_path, *EC2, "--amazonec2-block-duration-minutes", "0", "n")

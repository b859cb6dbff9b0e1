"""docker-machine 0.16.2's openstack flags beyond the first ones (drivers/openstack/openstack.go), each given to
``create`` and followed into the resources the machine registers under mocks."""

from __future__ import annotations

import pytest

from pulumi_docker_machine.components.ssh import generate_ssh_key
from tests.test_driver_flags_helpers import IPV6_ADDRESS, build, create, refused

OS = ("-d", "openstack", "--openstack-net-name", "private")
INSTANCE = "openstack:compute/instance:Instance"
PROVIDER = "pulumi:providers:openstack"
KEYPAIR = "openstack:compute/keypair:Keypair"
RULE = "openstack:networking/secGroupRule:SecGroupRule"
NEW_ENV = (
    "OS_USER_DATA_FILE",
    "OS_KEYPAIR_NAME",
    "OS_PRIVATE_KEY_FILE",
    "OS_CACERT",
    "OS_INSECURE",
    "OS_CONFIG_DRIVE",
    "OS_METADATA",
    "OS_IP_VERSION",
    "OS_NOVA_NETWORK",
    "OS_ENDPOINT_TYPE",
    "OS_DOMAIN_ID",
    "OS_ACTIVE_TIMEOUT",
    "OS_CLOUD",
    "OS_DOMAIN_NAME",
)


@pytest.fixture(autouse=True)
def openstack_environment(monkeypatch):
    for name in NEW_ENV:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("OS_AUTH_URL", "https://keystone.example.com:5000/v3")
    monkeypatch.setenv("OS_USERNAME", "demo")
    monkeypatch.setenv("OS_PASSWORD", "secret")
    monkeypatch.setenv("OS_TENANT_NAME", "demo")


def server(mocks) -> dict:
    return mocks.one(INSTANCE).inputs


def test_user_data_file_config_drive_and_metadata(monkeypatch, tmp_path):
    script = tmp_path / "user-data"
    script.write_text("#cloud-config\npackages: [htop]\n")
    created = create(
        monkeypatch,
        tmp_path,
        *OS,
        "--openstack-config-drive",
        "--openstack-metadata",
        "team,web,tier,front",
        "m",
        env={"OS_USER_DATA_FILE": str(script)},
    )
    assert created.spec.driver_options["user_data_file"] == str(script)
    made = server(build(created))
    assert made["userData"] == script.read_text()
    assert made["configDrive"] is True
    assert made["metadata"] == {"team": "web", "tier": "front", "docker-machine": "m"}


def test_keypair_name_and_private_key_file(monkeypatch, tmp_path):
    pair = generate_ssh_key()
    pair.save(tmp_path / "id_os")
    args = ("--openstack-keypair-name", "ops", "--openstack-private-key-file", str(tmp_path / "id_os"))
    mocks = build(create(monkeypatch, tmp_path, *OS, *args, "m"))
    assert server(mocks)["keyPair"] == "ops" and not mocks.of_type(KEYPAIR)
    assert mocks.outputs["ssh_private_key"] == (pair.private_key, True)
    line = refused(monkeypatch, tmp_path, *OS, "--openstack-keypair-name", "ops", "m")
    assert line.endswith("Both KeyPairName and PrivateKeyFile must be specified"), "docker-machine's words"


def test_cacert_insecure_endpoint_type_and_domain_id_configure_the_provider(monkeypatch, tmp_path):
    bundle = tmp_path / "ca.pem"
    bundle.write_text("-----BEGIN CERTIFICATE-----\n")
    args = ("--openstack-cacert", str(bundle), "--openstack-insecure", "--openstack-endpoint-type", "internalURL")
    mocks = build(create(monkeypatch, tmp_path, *OS, *args, "m", env={"OS_DOMAIN_ID": "default"}))
    provider = mocks.one(PROVIDER).inputs
    assert provider["cacertFile"] == str(bundle)
    assert provider["insecure"] in (True, "true")
    assert provider["endpointType"] == "internalURL" and provider["domainId"] == "default"
    assert "not adminURL, internalURL or publicURL" in refused(
        monkeypatch, tmp_path, *OS, "--openstack-endpoint-type", "private", "m"
    )


def test_ip_version_6(monkeypatch, tmp_path):
    mocks = build(create(monkeypatch, tmp_path, *OS, "--openstack-ip-version", "6", "m"))
    assert sorted({rule.inputs["ethertype"] for rule in mocks.of_type(RULE)}) == ["IPv4", "IPv6"]
    assert mocks.outputs["ip"][0] == IPV6_ADDRESS, "the machine is reached at its IPv6 address"
    assert mocks.one("command:remote:Command").inputs["connection"]["host"] == IPV6_ADDRESS
    assert "is neither 4 nor 6" in refused(monkeypatch, tmp_path, *OS, "--openstack-ip-version", "5", "m")


def test_active_timeout(monkeypatch, tmp_path):
    created = create(monkeypatch, tmp_path, *OS, "m", env={"OS_ACTIVE_TIMEOUT": "200"})
    assert created.spec.driver_options["active_timeout"] == 200, "from docker-machine's environment variable"
    assert build(created).monitor.custom_timeouts == {"m": "200s"}, "the server's create waits that long"
    longer = create(monkeypatch, tmp_path, *OS, "--openstack-active-timeout", "900", "n")
    assert build(longer).monitor.custom_timeouts == {"n": "900s"}
    assert build(create(monkeypatch, tmp_path, *OS, "o")).monitor.custom_timeouts == {"o": "200s"}, "its default"


def test_nova_network_is_refused(monkeypatch, tmp_path):
    line = refused(monkeypatch, tmp_path, *OS, "--openstack-nova-network", "m")
    assert "--openstack-nova-network is not supported: nova-network was removed from OpenStack" in line
    from pulumi_docker_machine.components.drivers.openstack.driver import OpenStackDriver

    with pytest.raises(ValueError, match="--openstack-nova-network is not supported"):
        OpenStackDriver(net_name="private", nova_network=True).validate("m")

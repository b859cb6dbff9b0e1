"""docker-machine 0.16.2's rackspace flags (drivers/rackspace/rackspace.go): the openstack driver's resources with
Rackspace's defaults, logged in by the account's API key (exchanged for a token at a stand-in identity service on
loopback), each flag given to ``create`` and followed under mocks."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from pulumi_docker_machine.components.drivers import describe
from tests.conftest import DEFAULT_VM_ADDRESS
from tests.test_driver_flags_helpers import build, create, refused

RAX = ("-d", "rackspace", "--rackspace-username", "alice", "--rackspace-api-key", "0123456789abcdef")
INSTANCE = "openstack:compute/instance:Instance"
PROVIDER = "pulumi:providers:openstack"
RULE = "openstack:networking/secGroupRule:SecGroupRule"
TOKEN = "gAAAAA-rackspace-token"
TENANT = "987654"
ENV = ("OS_USERNAME", "OS_API_KEY", "OS_REGION_NAME", "OS_ENDPOINT_TYPE", "OS_IMAGE_ID", "OS_FLAVOR_ID")


@pytest.fixture(autouse=True)
def no_rackspace_environment(monkeypatch):
    for name in ENV:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def identity():
    """Rackspace's identity service as its v2.0 ``POST /tokens`` answers an API key (RAX-KSKEY); ``alice`` only."""
    asked: list[dict] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            asked.append({"path": self.path, "body": body})
            credentials = body["auth"]["RAX-KSKEY:apiKeyCredentials"]
            ok = credentials == {"username": "alice", "apiKey": "0123456789abcdef"}
            answer = {"access": {"token": {"id": TOKEN, "tenant": {"id": TENANT, "name": TENANT}}}} if ok else {}
            data = json.dumps(answer).encode()
            self.send_response(200 if ok else 401)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    server.asked = asked  # type: ignore[attr-defined]
    server.url = f"http://127.0.0.1:{server.server_address[1]}/v2.0"  # type: ignore[attr-defined]
    yield server
    server.shutdown()
    server.server_close()


def at(created, identity):
    created.spec.driver_options["identity_url"] = identity.url  # the test's stand-in (not a flag)
    return created


def test_the_api_key_logs_the_provider_in_with_a_token(monkeypatch, tmp_path, identity):
    created = create(monkeypatch, tmp_path, *RAX, "m")
    assert "api_key" not in created.spec.public_options(), "the API key is a secret"
    mocks = build(at(created, identity))
    assert identity.asked == [
        {
            "path": "/v2.0/tokens",
            "body": {"auth": {"RAX-KSKEY:apiKeyCredentials": {"username": "alice", "apiKey": "0123456789abcdef"}}},
        }
    ]
    provider = mocks.one(PROVIDER).inputs
    assert (provider["authUrl"], provider["token"], provider["tenantId"]) == (identity.url, TOKEN, TENANT)
    assert (provider["region"], provider["endpointType"]) == ("IAD", "publicURL")
    assert "password" not in provider and "userName" not in provider
    server = mocks.one(INSTANCE).inputs
    assert (server["flavorId"], server["imageName"]) == ("general1-1", "Ubuntu 24.04 LTS (Noble Numbat) (PVHVM)")
    assert server["networks"] == [{"uuid": "00000000-0000-0000-0000-000000000000"}], "Rackspace's PublicNet"
    assert server["region"] == "IAD" and server["powerState"] == "active"
    assert build(at(create(monkeypatch, tmp_path, *RAX, "n"), identity)).monitor.custom_timeouts == {"n": "300s"}
    connection = mocks.one("command:remote:Command").inputs["connection"]
    assert (connection["host"], connection["user"], connection["port"]) == (DEFAULT_VM_ADDRESS, "root", 22)
    ports = {r.inputs["portRangeMin"] for r in mocks.of_type(RULE)}
    assert ports == {22, 2376}


def test_the_other_flags_and_their_variables(monkeypatch, tmp_path, identity):
    env = {
        "OS_REGION_NAME": "LON",
        "OS_IMAGE_ID": "img-1",
        "OS_FLAVOR_ID": "general1-4",
        "OS_ENDPOINT_TYPE": "internalURL",
    }
    args = ("--rackspace-ssh-user", "core", "--rackspace-ssh-port", "2222", "--rackspace-active-timeout", "600")
    args += ("--rackspace-docker-install", "false")
    created = create(monkeypatch, tmp_path, *RAX, *args, "m", env=env)
    mocks = build(at(created, identity))
    server = mocks.one(INSTANCE).inputs
    assert (server["imageId"], server["flavorId"], server["region"]) == ("img-1", "general1-4", "LON")
    assert "imageName" not in server, "the ID, not the default name"
    assert mocks.one(PROVIDER).inputs["endpointType"] == "internalURL"
    assert mocks.monitor.custom_timeouts == {"m": "600s"}
    connection = mocks.one("command:remote:Command").inputs["connection"]
    assert (connection["user"], connection["port"]) == ("core", 2222)


@pytest.mark.parametrize(
    ("args", "env", "line"),
    [
        (
            ("--rackspace-api-key", "k"),
            {},
            "Username must be specified either using the environment variable OS_USERNAME or the CLI option --rackspace-username",
        ),
        (
            ("--rackspace-username", "alice"),
            {},
            "API key must be specified either using the environment variable OS_API_KEY or the CLI option --rackspace-api-key",
        ),
        (
            (*RAX[2:], "--rackspace-endpoint-type", "private"),
            {},
            "invalid endpoint type 'private' (must be publicURL, adminURL or internalURL)",
        ),
        (
            (*RAX[2:], "--rackspace-region", "MARS"),
            {},
            "rackspace region 'MARS' is not one of DFW, HKG, IAD, LON, ORD, SYD",
        ),
    ],
)
def test_refusals_in_docker_machines_words(monkeypatch, tmp_path, args, env, line):
    assert refused(monkeypatch, tmp_path, "-d", "rackspace", *args, "m", env=env).endswith(line)


def test_a_refused_api_key_is_one_line(monkeypatch, tmp_path, identity):
    from pulumi_docker_machine.components.drivers.rackspace.identity import IdentityError, token_for

    with pytest.raises(IdentityError) as err:
        token_for(identity.url, "alice", "wrong")
    assert str(err.value) == (
        "Rackspace identity refused 'alice''s API key (HTTP 401): check --rackspace-username and --rackspace-api-key"
    )
    assert token_for(identity.url + "/", "alice", "0123456789abcdef") == (TOKEN, TENANT)


def test_start_and_stop_are_refused_as_docker_machine_did():
    info = describe("rackspace")
    assert info.refusal("stop") == "Rackspace does not currently support the stop operation"
    assert set(info.power) == {"restart"}


def test_the_openstack_drivers_options_are_not_rackspaces():
    from pulumi_docker_machine.components.drivers.info import DriverArgumentError
    from pulumi_docker_machine.components.drivers.rackspace.driver import RackspaceDriver

    with pytest.raises(DriverArgumentError, match="'password' is the openstack driver's"):
        RackspaceDriver(username="alice", api_key="k", password="p").validate("m")


def test_the_token_reaches_the_provider_as_a_secret(monkeypatch, tmp_path, identity):
    from tests.test_driver_openstack import OpenStackMocks

    mocks = build(at(create(monkeypatch, tmp_path, *RAX, "m"), identity), OpenStackMocks())
    assert "token" in mocks.secret_inputs["pulumi:providers:openstack::m-rackspace"]
    assert mocks.one(PROVIDER).inputs["token"] == TOKEN

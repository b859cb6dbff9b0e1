"""docker-machine 0.16.2's built-in drivers not offered here (components/drivers/retired.py): ``create -d NAME``, with
``--help``, its flags or from MACHINE_DRIVER, is one line saying why and which driver to use instead, exit 1, nothing
made; through the installed script's entry point."""

from __future__ import annotations

import pytest

from pulumi_docker_machine.components.drivers import REGISTRY
from pulumi_docker_machine.components.drivers.retired import RETIRED
from tests.test_driver_flags_helpers import refused

SOFTLAYER = (
    'Driver "softlayer" is not offered here: SoftLayer is IBM Cloud\'s classic infrastructure now, and there is no '
    "Pulumi provider for IBM Cloud to make its servers with: order the server in IBM Cloud, then register it with "
    "create -d generic --generic-ip-address ADDRESS --generic-ssh-key KEY NAME"
)


@pytest.mark.parametrize(
    "args",
    [
        ("-d", "softlayer", "m"),
        ("-d", "softlayer", "--help"),
        ("--driver=softlayer", "--softlayer-api-key", "k", "m"),
    ],
)
def test_softlayer_says_why_and_what_instead(monkeypatch, tmp_path, args):
    assert refused(monkeypatch, tmp_path, *args) == SOFTLAYER


def test_from_machine_driver_too(monkeypatch, tmp_path):
    assert refused(monkeypatch, tmp_path, "m", env={"MACHINE_DRIVER": "softlayer"}) == SOFTLAYER


def test_vmwarevcloudair_points_at_vcd(monkeypatch, tmp_path):
    line = refused(monkeypatch, tmp_path, "-d", "vmwarevcloudair", "--vmwarevcloudair-vdcid", "v", "m")
    assert line.startswith('Driver "vmwarevcloudair" is not offered here: VMware sold vCloud Air')
    assert line.endswith("use create -d vcd, which takes the same --vmwarevcloudair-* flags")
    assert "vcd" in REGISTRY


def test_a_retired_name_is_no_driver_here():
    assert not set(RETIRED) & set(REGISTRY)


def test_other_names_still_list_the_drivers(monkeypatch, tmp_path):
    assert refused(monkeypatch, tmp_path, "-d", "nosuch", "m").startswith('Driver "nosuch" not found: choose one of')

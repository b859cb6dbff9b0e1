"""The one translation of a machine's settings (automation/settings.py): into the stack's config and back,
into the component's arguments, and from a declarative stack's entry; and the store's check of the spec it
keeps in config.json (hostconfig's shape table) against the spec itself."""

from __future__ import annotations

import dataclasses
import json
import typing

import pulumi
import pytest

from pulumi_docker_machine.automation.settings import (
    NAMESPACE,
    MachineSpec,
    from_config,
    from_entry,
    machine_args,
    program_config,
    read_config,
    to_config,
)
from pulumi_docker_machine.components.certificates import ExistingCertificates
from pulumi_docker_machine.components.engine import EngineOptions
from pulumi_docker_machine.store.hostconfig import _SHAPE, PULUMI_SECTION
from tests.conftest import MachineMocks, run_program

CERTS = {"ca_pem": "CA", "ca_key_pem": "CA KEY", "client_cert_pem": "CLIENT", "client_key_pem": "CLIENT KEY"}
SPEC = MachineSpec(
    driver="digitalocean",
    driver_options={"region": "fra1", "access_token": "dop_v1_secret"},
    engine={"labels": ["role=web"], "env": ["HTTPS_PROXY=http://u:pw@proxy:3128"], "port": 2377},
    tls_sans=["web.example.com"],
    power="stopped",
    force_stop=True,
    reinstall_engine=True,
    provision_nonce="n1",
)


def _kind(hint) -> object:
    """A field's type as hostconfig's shape table writes it."""
    origin = typing.get_origin(hint)
    if origin in (list, tuple):
        return "strings"
    return origin or hint


def test_the_stores_spec_shape_is_the_spec():
    """config.json's Pulumi.Spec is MachineSpec.public_dict(); the read side checks it without importing the
    dataclass (start-up time), so its table must name the same fields with the same kinds."""
    spec_shape = _SHAPE[(PULUMI_SECTION, "Spec")]
    hints = typing.get_type_hints(MachineSpec)
    assert spec_shape == {f.name: _kind(hints[f.name]) for f in dataclasses.fields(MachineSpec)}
    engine_hints = typing.get_type_hints(EngineOptions)
    assert _SHAPE[(PULUMI_SECTION, "Spec", "engine")] == {
        f.name: _kind(engine_hints[f.name]) for f in dataclasses.fields(EngineOptions)
    }


def test_config_round_trip_keeps_credentials_secret():
    values = to_config(SPEC, CERTS, "ssh-ed25519 AAAA")
    secret = sorted(key.split(":", 1)[1] for key, (_, is_secret) in values.items() if is_secret)
    assert secret == ["certKeys", "driverSecret.access_token", "engineEnv"]
    assert json.loads(values[f"{NAMESPACE}:certKeys"][0]) == {"caKey": "CA KEY", "clientKey": "CLIENT KEY"}
    assert "dop_v1_secret" not in values[f"{NAMESPACE}:driverOptions"][0]
    plain = {key: value for key, (value, _) in values.items()}
    # import: everything back but the credentials, which stay in the stack's secret config
    assert from_config(plain) == dataclasses.replace(SPEC, driver_options={"region": "fra1"})
    # the inline program: the credentials too, through its secret getter
    program = read_config(
        lambda key: plain.get(f"{NAMESPACE}:{key}"), lambda key: ("secret", plain[f"{NAMESPACE}:{key}"])
    )
    assert program.driver_options == {"region": "fra1", "access_token": ("secret", "dop_v1_secret")}
    with pytest.raises(KeyError):
        from_config({key: value for key, value in plain.items() if key != f"{NAMESPACE}:driver"})


@pytest.mark.parametrize("old_stack", [False, True], ids=["keys in one secret", "a stack with the two keys"])
def test_the_program_builds_the_arguments_create_checked(old_stack):
    """What create checks (machine_args of the spec) is what the inline program builds from the stack's config:
    the same driver, engine and settings; the credentials and private keys reach the program as secrets. A stack
    made before the two private keys shared one secret (certKeys) has them as caKey and clientKey."""
    checked = machine_args(SPEC)
    values = to_config(SPEC, CERTS, "ssh-ed25519 AAAA")
    if old_stack:
        del values[f"{NAMESPACE}:certKeys"]
        values[f"{NAMESPACE}:caKey"], values[f"{NAMESPACE}:clientKey"] = ("CA KEY", True), ("CLIENT KEY", True)
    pulumi.runtime.set_all_config(
        {key: value for key, (value, _) in values.items()}, [key for key, (_, is_secret) in values.items() if is_secret]
    )
    built = {}
    try:

        def program() -> dict:
            spec, component = program_config(pulumi.Config(NAMESPACE))
            built["args"] = machine_args(spec, **component)
            certificates = built["args"].certificates
            return {
                "token": built["args"].driver.access_token,
                "ca": certificates.ca_pem,
                "keys": pulumi.Output.all(certificates.ca_key_pem, certificates.client_key_pem),
            }

        outputs = run_program(MachineMocks(), program)
    finally:
        pulumi.runtime.set_all_config({}, [])
    args = built["args"]
    assert outputs["token"] == ("dop_v1_secret", True)
    assert args.driver.to_dict() == checked.driver.to_dict()
    assert args.engine == checked.engine == EngineOptions.from_dict(SPEC.engine)
    for name in ("tls_sans", "power", "force_stop", "reinstall_engine", "provision_nonce"):
        assert getattr(args, name) == getattr(checked, name), name
    assert args.ssh_host_key == "ssh-ed25519 AAAA" and checked.ssh_host_key is None
    assert isinstance(args.certificates, ExistingCertificates) and outputs["ca"] == ("CA", False)
    assert outputs["keys"] == (["CA KEY", "CLIENT KEY"], True)


def test_a_declarative_entry_is_a_spec():
    spec, component = from_entry(
        {
            "driver": "generic",
            "ip_address": "203.0.113.5",
            "ssh_user": "admin",
            "engine": {"labels": ["a=b"]},
            "tls_sans": ["x.example"],
            "power": "running",
            "ssh_key_type": "rsa",
            "hostname": "web",
        }
    )
    assert spec == MachineSpec(
        driver="generic",
        driver_options={"ip_address": "203.0.113.5", "ssh_user": "admin"},
        engine={"labels": ["a=b"]},
        tls_sans=["x.example"],
    )
    assert component == {"ssh_key_type": "rsa", "hostname": "web"}
    args = machine_args(spec, **component)
    assert (args.driver.ip_address, args.ssh_key_type, args.hostname) == ("203.0.113.5", "rsa", "web")


def test_the_generic_key_file_is_read_once_for_the_check_and_the_program(tmp_path, monkeypatch):
    """create checks the arguments, then its inline program (in the same process) builds and checks them again:
    the user's key is read for the first check only, and again once it changes."""
    import builtins

    from pulumi_docker_machine.components.machine import validate
    from pulumi_docker_machine.components.ssh import generate_ssh_key

    key = tmp_path / "id_ed25519"
    generate_ssh_key().save(key)
    opened = []
    real_open = builtins.open

    def counting_open(file, *args, **kwargs):
        if str(file) == str(key):
            opened.append(file)
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", counting_open)
    spec = MachineSpec(driver="generic", driver_options={"ip_address": "203.0.113.5", "ssh_key": str(key)})
    validate("box", machine_args(spec))  # create's configuration check
    plain = {k: v for k, (v, _) in to_config(spec, CERTS).items()}
    validate("box", machine_args(from_config(plain)))  # what the program builds from the stack's config
    assert len(opened) == 1
    generate_ssh_key().save(key)  # another key in its place: checked again
    validate("box", machine_args(spec))
    assert len(opened) == 2
    key.write_text("not a key")
    with pytest.raises(ValueError, match="is not an unencrypted private key"):
        validate("box", machine_args(spec))

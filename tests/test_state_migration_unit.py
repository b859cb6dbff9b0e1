"""The state migration's parts that need no engine: the pickle rewrite (on the real pickles of commit c7a701e
in tests/fixtures/prerename, and on hostile ones), the walk over an exported deployment, the store's mark.
The engine side: tests/test_state_migration_engine.py."""

from __future__ import annotations

import base64
import copy
import gzip
import importlib
import json
import pickle
import pickletools
import struct
from pathlib import Path

import pytest
from pulumi.dynamic.dynamic import serialize_provider

from pulumi_docker_machine.automation.picklerewrite import (
    MAX_BYTES,
    Refused,
    mentions_moved_module,
    provider_class,
    rewrite,
)
from pulumi_docker_machine.automation.providerpaths import MOVED
from pulumi_docker_machine.automation.staterewrite import SECRET_KEY, SECRET_SIG, migrate_deployment
from pulumi_docker_machine.automation.workspace import MachineWorkspace
from pulumi_docker_machine.store import Store
from pulumi_docker_machine.store.migrated import DONE, DUE, NEW, MARKER, migration_state, store_backend

FIXTURE = Path(__file__).parent / "fixtures" / "prerename"
OLD = json.loads((FIXTURE / "providers.json").read_text())  # "components.x.y.Class": base64 pickle, by c7a701e


def blob(text: str) -> bytes:
    return base64.b64decode(text)


@pytest.mark.parametrize("path", sorted(OLD))
def test_each_old_pickle_becomes_what_this_version_writes(path):
    """Byte for byte what serialize_provider gives the class under its new path (frames recomputed)."""
    module, name = path.rsplit(".", 1)
    old = blob(OLD[path])
    assert provider_class(old) == (module, name)
    new = rewrite(old)
    cls = getattr(importlib.import_module(MOVED[module]), name)  # pulumi_docker_machine.{module}, but for a move
    assert new == blob(serialize_provider(cls()))
    assert provider_class(new) == (MOVED[module], name)
    assert rewrite(new) is None, "a current path is left alone"
    assert not mentions_moved_module(new) and mentions_moved_module(old)


@pytest.mark.parametrize("protocol", [2, 3, 5])
def test_other_protocols_global_and_unframed_pickles_are_rewritten_too(protocol):
    """Protocols 2 and 3 name the class with GLOBAL "module name"; 5 frames as 4 does."""
    from pulumi_docker_machine.components.swarm.provider import SwarmNodeProvider

    current = pickle.dumps(SwarmNodeProvider(), protocol=protocol)
    new_module = b"pulumi_docker_machine.components.swarm.provider"
    if protocol < 4:
        assert ops(current)[1] == ("GLOBAL", f"{new_module.decode()} SwarmNodeProvider")
        old = current.replace(b"c" + new_module + b"\n", b"ccomponents.swarm.provider\n")
    else:
        old = blob(OLD["components.swarm.provider.SwarmNodeProvider"]).replace(b"\x80\x04", b"\x80\x05", 1)
    assert old != current and rewrite(old) == current


def test_frames_are_recomputed():
    old = blob(OLD["components.swarm.provider.SwarmNodeProvider"])
    unframed = old[:2] + old[11:]  # the same opcodes without the FRAME: a valid pickle too
    assert ops(unframed)[1][0] == "SHORT_BINUNICODE"
    new = rewrite(unframed)
    assert new == rewrite(old) and new[2:11] == b"\x95" + struct.pack("<Q", len(new) - 11)


def ops(data: bytes) -> list:
    return [(op.name, arg) for op, arg, _ in pickletools.genops(data)]


HOSTILE = {
    # What an attacker would put in state: os.system("id") through a class the rewrite would have to touch.
    "os.system": b"\x80\x04\x8c\x1dcomponents.material.providers\x94\x8c\x02os\x94\x93\x94.",
    "reduce": (
        b"\x80\x04\x8c\x1dcomponents.material.providers\x94\x8c\x0eSSHKeyProvider\x94\x93\x94"
        b"\x8c\x02id\x94\x85\x94R\x94."
    ),
    "global os system": b"\x80\x02cos\nsystem\n\x8c\x1dcomponents.material.providers\x94\x85R.",
    "build with state": (
        b"\x80\x04\x8c\x1dcomponents.material.providers\x94\x8c\x0eSSHKeyProvider\x94\x93\x94)"
        b"\x81\x94}\x94\x8c\x01x\x94K\x01sb."
    ),
    "two providers": (
        b"\x80\x04\x8c\x1dcomponents.material.providers\x94\x8c\x0eSSHKeyProvider\x94\x93\x94)"
        b"\x81\x94h\x02)\x81\x94\x86\x94."
    ),
    "private base class": (
        b"\x80\x04\x8c\x1dcomponents.material.providers\x94\x8c\x15_KeptMaterialProvider\x94\x93\x94)\x81\x94."
    ),
    "trailing bytes": blob(OLD["components.material.providers.SSHKeyProvider"]) + b"cos\nsystem\n",
    "truncated": blob(OLD["components.material.providers.SSHKeyProvider"])[:-3],
    "protocol 0": b"ccomponents.material.providers\nSSHKeyProvider\n)\x81.",
    "too long": b"\x80\x04\x8c\x1dcomponents.material.providers" + b"N" * MAX_BYTES + b".",
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_a_hostile_or_unknown_pickle_is_refused(name):
    data = HOSTILE[name]
    with pytest.raises(Refused):
        rewrite(data)


def test_a_hostile_pickle_in_a_state_changes_nothing():
    deployment = export_of("declarative-export.json.gz")
    resources = [r for r in deployment["resources"] if "__provider" in r.get("inputs", {})]
    before = copy.deepcopy(deployment)
    resources[-1]["inputs"]["__provider"] = secret(base64.b64encode(HOSTILE["reduce"]).decode())
    with pytest.raises(Refused, match=resources[-1]["urn"].replace("$", r"\$")):
        migrate_deployment(deployment)
    resources[-1]["inputs"]["__provider"] = before["resources"][deployment["resources"].index(resources[-1])]["inputs"][
        "__provider"
    ]
    assert deployment == before, "the deployment given is never changed in place"


def secret(value: str) -> dict:
    return {SECRET_KEY: SECRET_SIG, "plaintext": json.dumps(value)}


def export_of(name: str) -> dict:
    """A fixture export with its secrets shown (what ``stack export --show-secrets`` gives), the providers
    put in from providers.json (the fixture's own are encrypted with its passphrase)."""
    deployment = json.loads(gzip.decompress((FIXTURE / name).read_bytes()))["deployment"]
    kinds = {
        "SSHKey": "SSHKeyProvider",
        "CertificateAuthority": "CertificateAuthorityProvider",
        "ClientCertificate": "ClientCertificateProvider",
        "ServerCertificate": "ServerCertificateProvider",
        "AuthorizedKey": "AuthorizedKeyProvider",
        "ComposeDeployment": "ComposeDeploymentProvider",
    }
    for resource in deployment["resources"]:
        kind = resource["type"].rsplit(":", 1)[-1]
        if kind in kinds:
            path = next(p for p in OLD if p.endswith(f".{kinds[kind]}"))
            for section in ("inputs", "outputs"):
                resource[section]["__provider"] = secret(OLD[path])
    return deployment


def test_every_dynamic_resource_is_rewritten_in_inputs_and_outputs_and_stays_secret():
    deployment = export_of("own-export.json.gz")
    migrated, changed = migrate_deployment(deployment)
    dynamic = [r for r in migrated["resources"] if r["type"].startswith("pulumi-python:dynamic/")]
    assert sorted(changed) == sorted(r["urn"] for r in dynamic) and len(changed) == 6
    for resource in dynamic:
        for section in ("inputs", "outputs"):
            value = resource[section]["__provider"]
            assert value[SECRET_KEY] == SECRET_SIG, "still a secret"
            module, _ = provider_class(blob(json.loads(value["plaintext"])))
            assert module.startswith("pulumi_docker_machine.components.")
    untouched = [(r["urn"], r.get("inputs")) for r in deployment["resources"]]
    assert untouched != [(r["urn"], r.get("inputs")) for r in migrated["resources"]]
    strip = lambda d: [{k: v for k, v in r.items() if k not in ("inputs", "outputs")} for r in d["resources"]]  # noqa: E731
    assert strip(migrated) == strip(deployment), "nothing but the providers changes"
    assert migrate_deployment(migrated)[1] == [], "migrated once: nothing left to do"


def test_plain_values_pending_operations_and_other_providers():
    old = OLD["components.drivers.virtualbox.provider.VirtualBoxVMProvider"]
    someone_elses = base64.b64encode(pickle.dumps(Path("/x"), protocol=4)).decode()  # a program's own provider
    deployment = {
        "resources": [
            {"urn": "urn:a", "inputs": {"__provider": old}, "outputs": {"__provider": old}},
            {"urn": "urn:b", "inputs": {"__provider": someone_elses}},
        ],
        "pending_operations": [{"type": "creating", "resource": {"urn": "urn:c", "inputs": {"__provider": old}}}],
    }
    migrated, changed = migrate_deployment(deployment)
    assert changed == ["urn:a", "urn:c"]
    assert migrated["resources"][1] == deployment["resources"][1], "someone else's provider is left as it is"
    assert (
        provider_class(blob(migrated["pending_operations"][0]["resource"]["inputs"]["__provider"]))[0]
        == "pulumi_docker_machine.components.drivers.virtualbox.provider"
    )


@pytest.mark.parametrize(
    "value, reason",
    [
        ({SECRET_KEY: SECRET_SIG, "ciphertext": "v1:abc"}, "encrypted"),
        ("not base64!", "base64"),
        (12, "not a string"),
        ("A" * 9000, "longer"),
    ],
)
def test_a_provider_value_that_is_not_readable_is_refused(value, reason):
    with pytest.raises(Refused, match=reason):
        migrate_deployment({"resources": [{"urn": "urn:x", "inputs": {"__provider": value}}]})


def test_the_mark_new_due_done(tmp_path, monkeypatch):
    monkeypatch.delenv("PULUMI_BACKEND_URL", raising=False)
    root = tmp_path / "store"
    backend = store_backend(root)
    assert backend == MachineWorkspace(Store(root)).backend, "the backend the workspace would use"
    assert migration_state(root, backend) == NEW, "the engine never ran for this store: nothing old in it"
    (root / "pulumi-docker-machine-swarm").mkdir(parents=True)
    assert migration_state(root, backend) == DUE
    (root / MARKER).parent.mkdir()
    (root / MARKER).write_text(json.dumps({"backends": ["s3://elsewhere"]}))
    assert migration_state(root, backend) == DUE and migration_state(root, "s3://elsewhere") == DONE
    (root / MARKER).write_text("{not json")
    assert migration_state(root, backend) == DUE, "a broken mark marks nothing"
    (root / MARKER).write_text(json.dumps({"backends": ["*"]}))
    assert migration_state(root, "s3://anything") == DONE
    monkeypatch.setenv("PULUMI_BACKEND_URL", "s3://team")
    assert store_backend(root) == "s3://team" == MachineWorkspace(Store(root)).backend

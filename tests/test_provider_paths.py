"""Every dynamic provider's module path and class name, pinned: each stack's state holds them (pickled by
reference), so moving or renaming one is a migration (pulumi_docker_machine/automation/migrate.py), done on
purpose: change this list, providerpaths.PROVIDERS and the migration's table together."""

from __future__ import annotations

import base64
import importlib
import inspect
import pkgutil

from pulumi.dynamic import ResourceProvider
from pulumi.dynamic.dynamic import serialize_provider

import pulumi_docker_machine
from pulumi_docker_machine.automation.picklerewrite import provider_class
from pulumi_docker_machine.automation.providerpaths import MOVED, PROVIDERS

PINNED = {
    "pulumi_docker_machine.components.material.providers.CertificateAuthorityProvider",
    "pulumi_docker_machine.components.material.providers.ClientCertificateProvider",
    "pulumi_docker_machine.components.material.providers.ServerCertificateProvider",
    "pulumi_docker_machine.components.material.providers.SSHKeyProvider",
    "pulumi_docker_machine.components.material.providers.AuthorizedKeyProvider",
    "pulumi_docker_machine.components.drivers.virtualbox.provider.VirtualBoxVMProvider",
    "pulumi_docker_machine.components.drivers.qemu.provider.QemuVMProvider",
    "pulumi_docker_machine.components.drivers.libvirt.provider.LibvirtVMProvider",
    "pulumi_docker_machine.components.drivers.hyperv.provider.HyperVVMProvider",
    "pulumi_docker_machine.components.drivers.vmware.provider.VMwareVMProvider",
    "pulumi_docker_machine.components.drivers.digitalocean.provider.DropletPowerProvider",
    "pulumi_docker_machine.components.swarm.provider.SwarmClusterProvider",
    "pulumi_docker_machine.components.swarm.provider.SwarmNodeProvider",
    "pulumi_docker_machine.components.swarm.provider.SwarmQuorumProvider",
    "pulumi_docker_machine.components.compose.provider.ComposeDeploymentProvider",
}
# Where the same classes were up to commit c7a701e (tests/fixtures/prerename holds state written there).
# (The libvirt, hyperv and vmware providers came after it.)
NEWER = {"LibvirtVMProvider", "HyperVVMProvider", "VMwareVMProvider"}
BEFORE_THE_NAMESPACE = {
    path.removeprefix("pulumi_docker_machine.").replace(".digitalocean.provider.", ".digitalocean.")
    for path in PINNED
    if path.rsplit(".", 1)[1] not in NEWER
}


def defined_providers() -> set[str]:
    """Every public ResourceProvider subclass defined in the package's modules (each module imported)."""
    found = set()
    for module_info in pkgutil.walk_packages(pulumi_docker_machine.__path__, "pulumi_docker_machine."):
        module = importlib.import_module(module_info.name)
        for name, value in vars(module).items():
            if (
                inspect.isclass(value)
                and issubclass(value, ResourceProvider)
                and value is not ResourceProvider
                and value.__module__ == module.__name__
                and not name.startswith("_")
            ):
                found.add(f"{module.__name__}.{value.__qualname__}")
    return found


def test_the_table_is_the_pinned_list():
    assert {f"{module}.{name}" for module, names in PROVIDERS.items() for name in names} == PINNED


def test_the_package_defines_exactly_the_pinned_providers():
    assert defined_providers() == PINNED, "a provider moved, was renamed or was added: see this file's docstring"


def test_each_is_pickled_by_reference_under_its_pinned_path():
    """What the SDK puts into state (serialize_provider), read back as opcodes: the pinned module and class."""
    for path in sorted(PINNED):
        module, name = path.rsplit(".", 1)
        provider = getattr(importlib.import_module(module), name)()
        assert provider_class(base64.b64decode(serialize_provider(provider))) == (module, name)


def test_the_old_paths_map_onto_the_pinned_ones():
    """State of any age is rewritten in one step: each earlier path names a current module; those of c7a701e
    (the fixture's) each map onto the same module under the namespace."""
    assert set(MOVED.values()) <= set(PROVIDERS)
    assert not set(MOVED) & set(PROVIDERS), "a current path is never rewritten"
    assert {f"{old}.{name}" for old, new in MOVED.items() for name in PROVIDERS[new]} >= BEFORE_THE_NAMESPACE
    assert all(f"{MOVED[path.rsplit('.', 1)[0]]}.{path.rsplit('.', 1)[1]}" in PINNED for path in BEFORE_THE_NAMESPACE)
    # The DigitalOcean driver's folder: its power provider left the package (its path since the namespace too).
    assert MOVED["pulumi_docker_machine.components.drivers.digitalocean"] == (
        "pulumi_docker_machine.components.drivers.digitalocean.provider"
    )

"""Where each dynamic provider class lives: a contract with every stack's state.

The Python SDK stores a dynamic resource's provider pickled by dill *by reference* (``__provider``: module
path and class name), and the engine unpickles it for every read, diff, update and delete. A class that
moves leaves each stack that holds it unable to change or remove what it made, so a move is a migration
(automation/migrate.py) and never a silent rename: tests/test_provider_paths.py pins this table.
"""

from __future__ import annotations

PACKAGE = "pulumi_docker_machine"

# Module path -> the provider classes defined there.
PROVIDERS: dict[str, tuple[str, ...]] = {
    f"{PACKAGE}.components.material.providers": (
        "CertificateAuthorityProvider",
        "ClientCertificateProvider",
        "ServerCertificateProvider",
        "SSHKeyProvider",
        "AuthorizedKeyProvider",
    ),
    f"{PACKAGE}.components.drivers.virtualbox.provider": ("VirtualBoxVMProvider",),
    f"{PACKAGE}.components.drivers.qemu.provider": ("QemuVMProvider",),
    f"{PACKAGE}.components.drivers.libvirt.provider": ("LibvirtVMProvider",),
    f"{PACKAGE}.components.drivers.hyperv.provider": ("HyperVVMProvider",),
    f"{PACKAGE}.components.drivers.vmware.provider": ("VMwareVMProvider",),
    f"{PACKAGE}.components.drivers.digitalocean.provider": ("DropletPowerProvider",),
    f"{PACKAGE}.components.swarm.provider": ("SwarmClusterProvider", "SwarmNodeProvider", "SwarmQuorumProvider"),
    f"{PACKAGE}.components.compose.provider": ("ComposeDeploymentProvider",),
}

# Every earlier module path -> the current one (a class keeps its name). Up to commit c7a701e they were the
# top-level package ``components``. A later move adds its old paths here, and points the older ones at the
# new path too, so state of any age is rewritten in one step.
MOVED: dict[str, str] = {
    "components.material.providers": f"{PACKAGE}.components.material.providers",
    "components.drivers.virtualbox.provider": f"{PACKAGE}.components.drivers.virtualbox.provider",
    "components.drivers.qemu.provider": f"{PACKAGE}.components.drivers.qemu.provider",
    "components.drivers.digitalocean": f"{PACKAGE}.components.drivers.digitalocean.provider",
    "components.swarm.provider": f"{PACKAGE}.components.swarm.provider",
    "components.compose.provider": f"{PACKAGE}.components.compose.provider",
    # Each driver became a folder whose __init__.py imports no Pulumi: DigitalOcean's power provider left the
    # package itself for its provider.py.
    f"{PACKAGE}.components.drivers.digitalocean": f"{PACKAGE}.components.drivers.digitalocean.provider",
}

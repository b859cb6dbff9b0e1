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
    f"{PACKAGE}.components.drivers.digitalocean": ("DropletPowerProvider",),
    f"{PACKAGE}.components.swarm.provider": ("SwarmClusterProvider", "SwarmNodeProvider", "SwarmQuorumProvider"),
    f"{PACKAGE}.components.compose.provider": ("ComposeDeploymentProvider",),
}

# Up to commit c7a701e these modules were the top-level package ``components``: old path -> new path.
MOVED: dict[str, str] = {path.removeprefix(f"{PACKAGE}."): path for path in PROVIDERS}

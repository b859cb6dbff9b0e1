"""Docker Machine rebuilt on Pulumi: the public API, importable from here.

    from pulumi_docker_machine import DockerMachine, DockerMachineArgs, GenericDriver   # in a Pulumi program
    from pulumi_docker_machine import MachineSpec, create_machine, machine_env          # the Automation API

Nothing is imported until a name is first used: the ``docker-machine`` command starts in this package,
and its read commands must not pay for Pulumi, click or cryptography. The package's
``pulumi-plugin.json`` tells Pulumi's Python language host that pulumi-docker-machine is a component
library, not a resource plugin to download.
"""

# The Pulumi components (the names pulumi_docker_machine.components exports).
_COMPONENTS = (
    "AmazonEC2Driver",
    "AzureDriver",
    "ComposeApp",
    "ComposeAppArgs",
    "DigitalOceanDriver",
    "DockerCertificates",
    "DockerCertificatesArgs",
    "DockerMachine",
    "DockerMachineArgs",
    "DockerSwarm",
    "DockerSwarmArgs",
    "EngineOptions",
    "GenericDriver",
    "GoogleDriver",
    "MachineArgumentError",
    "OpenStackDriver",
    "QemuDriver",
    "SwarmNodeArgs",
    "VirtualBoxDriver",
    "ExoscaleDriver",
    "HyperVDriver",
    "LibvirtDriver",
    "RackspaceDriver",
    "VcdDriver",
    "VMwareDriver",
    "VSphereDriver",
    "driver_from_dict",
)
# The Automation API: machines and swarms in a docker-machine store (pulumi_docker_machine.automation's names).
_AUTOMATION = (
    "MachineBusy",
    "MachineError",
    "MachineSpec",
    "MachineWorkspace",
    "PreCreateCheckFailed",
    "PulumiUnavailable",
    "SwarmSpec",
    "adopt_machine",
    "create_machine",
    "create_swarm",
    "import_machines",
    "import_stack",
    "machine_env",
    "provision_machine",
    "regenerate_certs",
    "remove_machine",
    "remove_swarm",
    "restart_machine",
    "scale_swarm",
    "set_machine",
    "set_power",
    "swarm_env",
)
_EXPORTS = {
    **dict.fromkeys(_COMPONENTS, ".components"),
    **dict.fromkeys(_AUTOMATION, ".automation"),
    "DriverArgumentError": ".components.drivers.base",  # what Driver.validate raises
    "write_client_certs": ".components.files",  # a machine's certificate outputs -> a DOCKER_CERT_PATH folder
}

__all__ = tuple(sorted(_EXPORTS))


def __getattr__(name: str) -> object:
    if name not in _EXPORTS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from importlib import import_module  # here, not at the top: the read commands never load importlib

    value = getattr(import_module(_EXPORTS[name], __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_EXPORTS})

"""One Docker host on a machine you reach over SSH: the program of examples/automation_app.py.

The app runs this file either inline (in its own process) or as a ``work_dir`` program, through
Pulumi's Python language host. It also runs with the Pulumi CLI:

    pulumi stack init dev
    pulumi config set address 203.0.113.5
    pulumi config set ssh_key ~/.ssh/id_ed25519
    pulumi up
    pulumi stack output docker_env
"""

import pulumi

from pulumi_docker_machine import DockerMachine, DockerMachineArgs, GenericDriver

config = pulumi.Config()
machine = DockerMachine(
    "app-host",
    DockerMachineArgs(
        driver=GenericDriver(ip_address=config.require("address"), ssh_key=config.require("ssh_key")),
    ),
)
pulumi.export("docker_env", machine.docker_env)
pulumi.export("ca_pem", machine.ca_pem)
pulumi.export("client_cert_pem", machine.client_cert_pem)
pulumi.export("client_key_pem", machine.client_key_pem)  # a secret

"""DockerMachine in your own Pulumi program: two DigitalOcean hosts sharing one CA.

pulumi config set --secret digitalocean:token <token>
pulumi up
pulumi stack output web_env --show-secrets
"""

import pulumi

from pulumi_docker_machine import (
    DigitalOceanDriver,
    DockerCertificates,
    DockerMachine,
    DockerMachineArgs,
    EngineOptions,
)

certs = DockerCertificates("team")
web = DockerMachine(
    "web",
    DockerMachineArgs(
        driver=DigitalOceanDriver(region=pulumi.Config().get("region") or "fra1"),
        engine=EngineOptions(labels=["role=web"]),
        certificates=certs,
    ),
)
worker = DockerMachine("worker", DockerMachineArgs(driver=DigitalOceanDriver(size="s-2vcpu-4gb"), certificates=certs))

pulumi.export("web_env", web.docker_env)
pulumi.export("worker_env", worker.docker_env)
pulumi.export("ca_pem", certs.ca_pem)
pulumi.export("client_cert_pem", certs.client_cert_pem)
pulumi.export("client_key_pem", certs.client_key_pem)  # a secret

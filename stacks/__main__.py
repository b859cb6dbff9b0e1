"""Entry point of ``pulumi up`` in this project (Pulumi.yaml: main: stacks/)."""

from pulumi_docker_machine.programs.declarative import main

main()

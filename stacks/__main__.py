"""Entry point of ``pulumi up`` in this project (Pulumi.yaml: main: stacks/)."""

from machines_stack import main

main()

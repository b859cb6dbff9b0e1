"""The Pulumi program for declarative stacks of machines (``pulumi up`` in this folder's project).

Not built yet: it arrives with the declarative-stacks issue (#7), on top of the
DockerMachine component (#3). Until then it stops with a clear message rather
than doing nothing.
"""

raise SystemExit(
    "docker-machine: the declarative stack program is not implemented yet (issue #7); "
    "use the components from your own Pulumi program meanwhile"
)

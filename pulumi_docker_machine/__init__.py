"""The distribution's own package: its ``pulumi-plugin.json`` tells Pulumi's Python language host that
pulumi-docker-machine is a component library, not a resource plugin to download."""

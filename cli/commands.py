"""The command table and the top-level help texts: read by the click application (cli/app.py) and by
the click-free ``--help`` (cli/fast.py), so both print the same."""

# Each command's module and its one-line help: a command's module is imported only when it runs, and
# --help lists them all from here (click's lazy-loading group pattern: start-up stays small).
COMMANDS = {
    "active": ("active.command", "Print which machine is active"),
    "adopt": ("adopt", "Take a machine made by docker-machine under Pulumi, VM untouched"),
    "cache": ("cache", "List or prune the cached VM base images"),
    "completion": ("completion", "Print the shell completion script for bash, zsh or fish"),
    "compose": ("compose", "Run docker compose against a machine"),
    "config": ("config.command", "Print the connection config for machine"),
    "create": ("create", "Create a machine"),
    "env": ("env.command", "Display the commands to set up the environment for the Docker client"),
    "import": ("importing", "Bring machines from the Pulumi backend into the local store"),
    "inspect": ("inspect.command", "Inspect information about a machine"),
    "ip": ("ip.command", "Get the IP address of a machine"),
    "kill": ("kill", "Kill a machine"),
    "ls": ("ls.command", "List machines"),
    "migrate-state": ("migrate_state", "Move stacks' state onto the module paths of this version"),
    "mount": ("mount", "Mount or unmount a directory from a machine with SSHFS."),
    "provision": ("provision", "Re-provision existing machines"),
    "regenerate-certs": ("regenerate_certs", "Regenerate TLS Certificates for a machine"),
    "restart": ("restart", "Restart a machine"),
    "rm": ("rm", "Remove a machine"),
    "scp": ("scp", "Copy files between machines"),
    "ssh": ("ssh", "Log into or run a command on a machine with SSH."),
    "stack": ("stack", "Deploy or remove a Compose stack on a swarm"),
    "start": ("start", "Start a machine"),
    "status": ("status.command", "Get the status of a machine"),
    "stop": ("stop", "Stop a machine"),
    "swarm": ("swarm", "Manage Swarm mode clusters of machines"),
    "upgrade": ("upgrade", "Upgrade a machine to the latest version of Docker"),
    "url": ("url.command", "Get the URL of a machine"),
}

DESCRIPTION = "Create and manage machines running Docker, as Pulumi resources."
STORAGE_HELP = "Configures storage path  [env: MACHINE_STORAGE_PATH; default: ~/.docker/machine]"
DEBUG_HELP = "Enable debug mode"
VERSION_HELP = "Show the docker-machine version or a machine's docker version"

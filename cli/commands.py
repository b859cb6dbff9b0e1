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
    "help": ("help", "Shows a list of commands or help for one command"),
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
    "set": ("set", "Change a machine's CPUs, memory or disk in place"),
    "ssh": ("ssh", "Log into or run a command on a machine with SSH."),
    "stack": ("stack", "Deploy or remove a Compose stack on a swarm"),
    "start": ("start", "Start a machine"),
    "status": ("status.command", "Get the status of a machine"),
    "stop": ("stop", "Stop a machine"),
    "swarm": ("swarm", "Manage Swarm mode clusters of machines"),
    "upgrade": ("upgrade", "Upgrade a machine to the latest version of Docker"),
    "url": ("url.command", "Get the URL of a machine"),
}

# codegangsta cli's built-in alias, which docker-machine has.
ALIASES = {"h": "help"}

DESCRIPTION = "Create and manage machines running Docker, as Pulumi resources."
STORAGE_HELP = "Configures storage path  [env: MACHINE_STORAGE_PATH; default: ~/.docker/machine]"
DEBUG_HELP = (
    "Enable debug mode: the Pulumi and ssh command lines run, and the Pulumi engine's log, on standard error  "
    "[env: MACHINE_DEBUG]"
)
VERSION_HELP = "Show the docker-machine version or a machine's docker version"

# docker-machine 0.16.2's other global flags (cmd/docker-machine/machine.go), each with its environment variable.
# The TLS files replace STORE/certs's for the commands that make or update machines.
TLS_OPTIONS = {
    "--tls-ca-cert": ("MACHINE_TLS_CA_CERT", "CA to verify remotes against"),
    "--tls-ca-key": ("MACHINE_TLS_CA_KEY", "Private key to generate certificates"),
    "--tls-client-cert": ("MACHINE_TLS_CLIENT_CERT", "Client cert to use for TLS"),
    "--tls-client-key": ("MACHINE_TLS_CLIENT_KEY", "Private key used in client TLS auth"),
}
NATIVE_SSH_HELP = "Use paramiko, an SSH client in Python, not the ssh program  [env: MACHINE_NATIVE_SSH]"
# Accepted so that docker-machine's command lines and environments keep working; nothing reads them.
TOKEN_OPTIONS = {
    "--github-api-token": ("MACHINE_GITHUB_API_TOKEN", "Accepted, unused: nothing is fetched from GitHub"),
    "--bugsnag-api-token": ("MACHINE_BUGSNAG_API_TOKEN", "Accepted, unused: no crash report is sent"),
}
